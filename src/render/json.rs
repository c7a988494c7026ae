//! JSON documents as the API returned them.

use serde_json::Value;

use crate::api::model::Job;

/// The `-o json` document: one object for one job, an array (argument order) for several.
#[must_use]
pub fn document(jobs: &[Value], single: bool) -> Value {
    match (single, jobs) {
        (true, [one]) => one.clone(),
        _ => Value::Array(jobs.to_vec()),
    }
}

/// Pretty-printed JSON, two-space indent, keys in the order received, numbers as sent.
#[must_use]
pub fn pretty(value: &Value) -> String {
    // Serialising a `Value` to a `String` cannot fail: keys are strings, and no custom
    // serialiser is involved.
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The raw object of a job, for documents.
#[must_use]
pub fn raw(job: &Job) -> Value {
    job.raw.clone()
}
