//! `imsjob get ID...`: fetch jobs concurrently and report them in argument order.

use super::fetch::fetch_all;
use crate::api::client::ImsClient;
use crate::api::id::JobId;
use crate::report::{Body, JobEntry, Jobs, JobsKind, Report};

/// Runs `get`. API errors are reported per job. `array`: the
/// JSON document is an array whatever the number of jobs (settings decide it).
pub(crate) async fn run(client: &ImsClient, ids: &[JobId], array: bool) -> Report {
    let results = fetch_all(client, ids).await;
    let entries = ids
        .iter()
        .zip(results)
        .map(|(id, result)| {
            let (job, error) = match result {
                Ok(job) => (Some(Box::new(job)), None),
                Err(error) => (None, Some(error)),
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
