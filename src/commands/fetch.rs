//! One-shot fetching shared by `get` and `tree`: a job with retries, many jobs concurrently.

use futures_util::StreamExt;

use crate::api::client::ImsClient;
use crate::api::error::ApiError;
use crate::api::id::JobId;
use crate::api::model::Job;
use crate::api::retry::with_retries;

/// Retries of a failed fetch for `get` and `tree` (`doc/contract.md`).
pub(crate) const ONE_SHOT_RETRIES: u32 = 3;
/// Fetches in flight at once for several ids.
const CONCURRENCY: usize = 16;

/// Fetches one job, retrying transient failures.
///
/// # Errors
/// The final [`ApiError`].
pub(crate) async fn fetch(client: &ImsClient, id: &JobId) -> Result<Job, ApiError> {
    with_retries(ONE_SHOT_RETRIES, || client.get_job(id)).await
}

/// Fetches jobs concurrently; the results come back in the order of `ids`.
pub(crate) async fn fetch_all(client: &ImsClient, ids: &[JobId]) -> Vec<Result<Job, ApiError>> {
    futures_util::stream::iter(ids)
        .map(|id| fetch(client, id))
        .buffered(CONCURRENCY)
        .collect()
        .await
}
