//! `imsjob get ID...`: fetch jobs concurrently and report them in argument order.

use super::fetch::{Fetcher, Unfetched};
use crate::api::error::ApiError;
use crate::api::id::JobId;
use crate::api::model::Job;
use crate::api::retry::Clock;
use crate::report::{Body, JobEntry, Jobs, JobsKind, Report};

/// Runs `get` through `fetcher` (on the client, or after a failed login). API errors are
/// reported per job; a job not attempted (the run stopped at a refusal) has neither document
/// nor error. `array`: the JSON document is an array whatever the number of jobs (settings
/// decide it).
pub(crate) async fn run<F, C>(fetcher: &Fetcher<'_, F, C>, ids: &[JobId], array: bool) -> Report
where
    F: AsyncFn(&JobId) -> Result<Job, ApiError>,
    C: Clock,
{
    let results = fetcher.fetch_all(ids).await;
    let entries = ids
        .iter()
        .zip(results)
        .map(|(id, result)| {
            let (job, error) = match result {
                Ok(job) => (Some(Box::new(job)), None),
                Err(Unfetched::NotAttempted) => (None, None),
                Err(Unfetched::Error(error)) => (None, Some(error)),
            };
            JobEntry {
                id: id.clone(),
                job,
                error,
                outcome: None,
            }
        })
        .collect();
    Report::new(Body::Jobs(Jobs {
        entries,
        kind: JobsKind::Get,
        array,
    }))
}
