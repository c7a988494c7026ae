//! `imsjob get ID...`: fetch jobs concurrently, print them in argument order.

use futures_util::StreamExt;
use serde_json::Value;

use crate::api::client::ImsClient;
use crate::api::error::ApiError;
use crate::api::id::JobId;
use crate::api::model::Job;
use crate::api::retry::with_retries;
use crate::exit::ExitStatus;
use crate::output::Output;
use crate::render::table::{Row, jobs_table};
use crate::render::{self, Style};
use crate::settings::Render;

/// Retries of a failed fetch for `get` and `tree` (CLI.md).
pub const ONE_SHOT_RETRIES: u32 = 3;
/// Fetches in flight at once for several ids.
const CONCURRENCY: usize = 16;

/// Fetches one job, retrying transient failures.
///
/// # Errors
/// The final [`ApiError`].
pub async fn fetch(client: &ImsClient, id: &JobId) -> Result<Job, ApiError> {
    with_retries(ONE_SHOT_RETRIES, || client.get_job(id)).await
}

/// Runs `get`.
///
/// # Errors
/// Only output failures; API errors are reported per job and fold into the exit status.
pub async fn run(
    client: &ImsClient,
    ids: &[JobId],
    render: &Render,
    out: &Output,
) -> anyhow::Result<ExitStatus> {
    let results: Vec<Result<Job, ApiError>> = futures_util::stream::iter(ids)
        .map(|id| fetch(client, id))
        .buffered(CONCURRENCY)
        .collect()
        .await;

    let mut status = ExitStatus::Success;
    for (id, result) in ids.iter().zip(&results) {
        if let Err(error) = result {
            report_error(out, id, error);
            status = status.worst(ExitStatus::from(error));
        }
    }
    let single = ids.len() == 1;
    match render {
        Render::Table | Render::Tree => {
            let rows: Vec<Row<'_>> = ids
                .iter()
                .zip(&results)
                .map(|(id, result)| match result {
                    Ok(job) => Row::Job(&job.view),
                    Err(error) => Row::Error {
                        job_id: id.as_str(),
                        message: error.to_string(),
                    },
                })
                .collect();
            if !(single && results[0].is_err()) {
                let style = Style {
                    width: out.stdout_width(),
                    color: out.color_stdout(),
                };
                out.result(&jobs_table(&rows, style, jiff::Timestamp::now()))?;
            }
        }
        Render::Json | Render::Jq(_) => {
            if single && results[0].is_err() {
                return Ok(status);
            }
            let document = render::json::document(&documents(ids, &results), single);
            print_document(out, render, &document)?;
        }
    }
    Ok(status)
}

/// Job objects as returned; an id that failed becomes `{"job_id", "error"}` so that array
/// positions still match the arguments.
pub fn documents(ids: &[JobId], results: &[Result<Job, ApiError>]) -> Vec<Value> {
    ids.iter()
        .zip(results)
        .map(|(id, result)| match result {
            Ok(job) => job.raw.clone(),
            Err(error) => render::json::unfetched(id.as_str(), Some(error)),
        })
        .collect()
}

/// Prints a JSON document as JSON or through `--jq`.
///
/// # Errors
/// Output failures and jq runtime errors.
pub fn print_document(out: &Output, render: &Render, document: &Value) -> anyhow::Result<()> {
    match render {
        Render::Jq(filter) => out.result(&filter.run(document, out.stdout_is_terminal())?)?,
        _ => out.result(&render::json::pretty(document))?,
    }
    Ok(())
}

/// The one-line error for a job, with its hint.
pub fn report_error(out: &Output, id: &JobId, error: &ApiError) {
    out.error(
        &format!("job {id}: {error}"),
        crate::exit::api_hint(error).as_deref(),
    );
}
