//! The JSON stand-in for a job that could not be fetched (get, wait, tree).

use serde_json::Value;

use crate::api::error::ApiError;

/// `{"job_id": "...", "error": {"status", "code", "message"}}`, or `"error": null` when no
/// answer came at all. Array positions keep matching the ids asked for.
#[must_use]
pub(crate) fn unfetched(job_id: &str, error: Option<&ApiError>) -> Value {
    serde_json::json!({"job_id": job_id, "error": error.map(ApiError::to_json)})
}
