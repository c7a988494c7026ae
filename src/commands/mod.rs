//! One module per subcommand. Each takes resolved settings and returns a [`Report`] (data,
//! never printed by the command; `wait` reports progress to an observer); [`run`] hands it up
//! with the format chosen before anything was sent, and `lib` shows it through the printer,
//! where its exit status is decided once. `demo` and `sim` speak as they go, through the same
//! printer. Errors bubble up to `lib` where they are classified once.

pub(crate) mod connect;
pub(crate) mod demo;
pub(crate) mod explain;
pub(crate) mod fetch;
pub(crate) mod get;
pub(crate) mod sim;
pub(crate) mod stdin_ids;
pub(crate) mod tree;
pub(crate) mod wait;

use crate::api::client::ImsClient;
use crate::api::error::ApiError;
use crate::api::retry::{Backoff, FastRand, Verdict};
use crate::config::settings::{CommandSettings, ConnectSettings, JobIdArg, WaitOptions};
use crate::render::Render;
use crate::report::Report;
use crate::ui::output::Output;
use crate::ui::printer::Printer;

/// Runs a resolved command and returns its report, to be shown in the mode resolved before
/// anything was sent. `demo` and `sim` speak through `printer` as they go.
///
/// # Errors
/// Any error of the command; the caller classifies it into an exit status.
pub(crate) async fn run(
    settings: CommandSettings,
    printer: Printer<'_>,
) -> anyhow::Result<(Report, Render)> {
    let out = printer.out();
    Ok(match settings {
        CommandSettings::Get {
            ids,
            render,
            connect: settings,
        } => {
            let array = ids.array;
            let ids = job_ids(&ids.args, out)?;
            let notify = |notice| show_notice(notice, out);
            let report = match connect::connect(&settings, out).await {
                Ok(client) => get::run(&fetch::fetcher(&client, &notify), &ids, array).await,
                Err(error) => {
                    let login = reported_login_failure(error)?;
                    let fetcher = fetch::after_failed_login(&login, &notify);
                    get::run(&fetcher, &ids, array).await.at_login()
                }
            };
            (report, render)
        }
        CommandSettings::Wait {
            ids,
            options,
            render,
            connect: settings,
        } => {
            let array = ids.array;
            let ids = job_ids(&ids.args, out)?;
            let client = connect_patiently(&settings, &options, out).await;
            let mut observer = printer.observer(&render);
            let report = match client {
                Ok(client) => wait::run(&client, ids, array, &options, &mut *observer).await?,
                Err(error) => {
                    let login = reported_login_failure(error)?;
                    wait::after_failed_login(login, ids, array, &options, &mut *observer)?
                }
            };
            (report, render)
        }
        CommandSettings::Tree {
            id,
            max_sub_jobs,
            render,
            connect: settings,
        } => {
            let notify = |notice| show_notice(notice, out);
            let report = match connect::connect(&settings, out).await {
                Ok(client) => {
                    tree::run(&fetch::fetcher(&client, &notify), &id, max_sub_jobs).await?
                }
                Err(error) => {
                    let login = reported_login_failure(error)?;
                    let fetcher = fetch::after_failed_login(&login, &notify);
                    tree::run(&fetcher, &id, max_sub_jobs).await?.at_login()
                }
            };
            (report, render)
        }
        CommandSettings::Completions { script } => (Report::text(script), Render::default()),
        // Boxed: the demo runs its steps through this very function.
        CommandSettings::Demo => (Box::pin(demo::run(printer)).await?, Render::default()),
        // Offline: the table of codes is compiled in.
        CommandSettings::Explain {
            codes,
            list,
            render,
        } => (explain::run(&codes, list), render),
        CommandSettings::Sim(args) => (sim::run(&args, printer).await?, Render::default()),
    })
}

/// The ids of the command line, `-` read from stdin; a person at a terminal is told that
/// `imsjob` is reading, rather than left before a silent prompt.
fn job_ids(
    args: &[JobIdArg],
    out: &Output,
) -> Result<Vec<crate::api::id::JobId>, crate::usage_error::UsageError> {
    let reads_stdin = args.iter().any(|arg| matches!(arg, JobIdArg::Stdin));
    if reads_stdin && out.stdin_is_terminal() {
        out.progress("reading job ids from stdin (`-`), one per line or as JSON; end with Ctrl-D");
    }
    stdin_ids::job_ids(args)
}

/// The error of a failed login that the command reports as its first job's, as it would a
/// refusal of its first request (`doc/contract.md`, "One account, one answer"): what IAM
/// answered, or that it could not be reached. A setting at fault (a usage or configuration
/// error) is given back: it ends the command as such, exit 2, nothing sent.
fn reported_login_failure(error: anyhow::Error) -> anyhow::Result<ApiError> {
    match error.downcast::<ApiError>() {
        Ok(config @ ApiError::Config { .. }) => Err(config.into()),
        Ok(login) => Ok(login),
        Err(other) => Err(other),
    }
}

/// `wait`'s login: an IAM that fails at the start (an outage, a timeout) is ridden out as
/// one later in the run would be (doc/contract.md: `wait` retries within its outage budget,
/// gives up on an IAM that never answered within seconds, and never outlasts `--timeout`),
/// instead of failing a pipeline step at once. A refusal, or a setting at fault, ends it.
async fn connect_patiently(
    settings: &ConnectSettings,
    options: &WaitOptions,
    out: &Output,
) -> anyhow::Result<ImsClient> {
    let started = tokio::time::Instant::now();
    let mut backoff = Backoff::default();
    let mut reached = false;
    let http = connect::prepare(settings, out)?;
    let mut client = connect::login(settings, &http, out).await;
    loop {
        let error = match client {
            Ok(client) => return Ok(client),
            Err(error) => error,
        };
        let Some(api) = error.downcast_ref::<ApiError>() else {
            return Err(error);
        };
        reached |= !api.is_unreachable();
        let now = started.elapsed();
        let patience = wait::policy(options).patience();
        let Verdict::RetryIn(delay) = backoff.after(api, now, reached, patience, &mut FastRand)
        else {
            return Err(error);
        };
        if options.check_once || options.timeout.is_some_and(|t| now + delay >= t) {
            return Err(error);
        }
        // Said once per outage, as `wait` says a job's failing polls.
        if backoff.streak() <= 1 {
            out.progress(&format!(
                "login: {api}; retrying in {}",
                crate::time::format_duration(delay)
            ));
        }
        tokio::time::sleep(delay).await;
        client = connect::login(settings, &http, out).await;
    }
}

/// What a one-shot run says while it goes: pauses as progress, why it stopped as a warning.
fn show_notice(notice: fetch::Notice, out: &Output) {
    match notice {
        fetch::Notice::Note(text) => out.progress(&text),
        fetch::Notice::Warning(text) => out.warn(&text),
    }
}
