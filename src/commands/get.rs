//! `imsjob get ID...`: fetch jobs concurrently and report them in argument order.

use super::fetch::{Notice, Unfetched, fetcher};
use crate::api::client::ImsClient;
use crate::api::id::JobId;
use crate::exit::ExitStatus;
use crate::report::{Body, JobEntry, Jobs, JobsKind, Report};

/// Runs `get`. API errors are reported per job and fold into the exit status; a job not
/// attempted (the run stopped at a refusal) has neither document nor error. `from_stdin`:
/// some ids were read from stdin, so the JSON document is an array whatever their number.
pub(crate) async fn run(
    client: &ImsClient,
    ids: &[JobId],
    from_stdin: bool,
    notify: &dyn Fn(Notice),
) -> Report {
    let results = fetcher(client, notify).fetch_all(ids).await;
    let mut status = ExitStatus::Success;
    let entries = ids
        .iter()
        .zip(results)
        .map(|(id, result)| {
            let (job, error) = match result {
                Ok(job) => (Some(Box::new(job)), None),
                Err(Unfetched::NotAttempted) => (None, None),
                Err(Unfetched::Error(error)) => {
                    status = status.worst(ExitStatus::from(&error));
                    (None, Some(error))
                }
            };
            JobEntry {
                id: id.clone(),
                job,
                error,
                outcome: None,
            }
        })
        .collect();
    Report {
        status,
        body: Body::Jobs(Jobs {
            entries,
            kind: JobsKind::Get,
            array: from_stdin || ids.len() != 1,
        }),
    }
}
