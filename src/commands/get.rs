//! `imsjob get ID...`: fetch jobs concurrently and report them in argument order.

use super::fetch::{Notice, Unfetched, fetcher};
use crate::api::client::ImsClient;
use crate::api::id::JobId;
use crate::report::{Body, JobEntry, Jobs, JobsKind, Report};

/// Runs `get`. API errors are reported per job; a job not attempted (the run stopped at a
/// refusal) has neither document nor error. `array`: the JSON document is an array whatever
/// the number of jobs (settings decide it).
pub(crate) async fn run(
    client: &ImsClient,
    ids: &[JobId],
    array: bool,
    notify: &dyn Fn(Notice),
) -> Report {
    let results = fetcher(client, notify).fetch_all(ids).await;
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
