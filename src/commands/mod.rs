//! One module per subcommand. Each takes resolved settings and returns a [`Report`] (data and
//! exit status, never printed by the command); [`run`] renders it once, in the format chosen
//! before anything was sent, and hands the text to [`Output`]. Errors bubble up to `lib` where
//! they are classified once.

pub mod completions;
pub(crate) mod connect;
pub(crate) mod demo;
pub(crate) mod explain;
pub(crate) mod fetch;
pub(crate) mod get;
pub(crate) mod sim;
pub(crate) mod stdin_ids;
pub(crate) mod tree;
pub(crate) mod wait;

use crate::config::settings::CommandSettings;
use crate::exit::ExitStatus;
use crate::report::{Body, Report};
use crate::ui::output::Output;
use crate::ui::progress::{Progress, wait_observer};

/// Runs a resolved command: run it, render its report once in the mode resolved before
/// anything was sent, write it.
///
/// # Errors
/// Any error of the command; the caller classifies it into an exit status.
pub async fn run(settings: CommandSettings, out: &Output) -> anyhow::Result<ExitStatus> {
    let (report, mode) = match settings {
        CommandSettings::Get {
            ids,
            render,
            connect: settings,
        } => {
            let (ids, from_stdin) = stdin_ids::job_ids(&ids)?;
            let client = connect::connect(&settings, out).await?;
            (get::run(&client, &ids, from_stdin).await, render)
        }
        CommandSettings::Wait {
            ids,
            options,
            render,
            connect: settings,
        } => {
            let options = wait::WaitOptions::from_args(&options)?;
            let (ids, from_stdin) = stdin_ids::job_ids(&ids)?;
            let client = connect::connect(&settings, out).await?;
            let mut observer = wait_observer(out, &render);
            let array = from_stdin || ids.len() != 1;
            let mut report = wait::run(&client, ids, &options, &mut *observer).await?;
            if let Body::Jobs(jobs) = &mut report.body {
                jobs.array = array;
            }
            (report, render)
        }
        CommandSettings::Tree {
            id,
            max_sub_jobs,
            render,
            connect: settings,
        } => {
            let client = connect::connect(&settings, out).await?;
            (tree::run(&client, &id, max_sub_jobs).await?, render)
        }
        // Plain text, shown as it comes: demo and sim speak as they go.
        CommandSettings::Completions(shell) => return show_plain(&completions::run(shell), out),
        CommandSettings::Demo => {
            let mut observer = Progress::new(out);
            return demo::run(&mut observer, &mut |report, mode| {
                let rendered = crate::render::render(report, mode, &out.view());
                let status = rendered.status;
                out.show(rendered)?;
                Ok(status)
            })
            .await;
        }
        // Offline: the table of codes is compiled in.
        CommandSettings::Explain(args) => {
            let rendered = explain::run(&args);
            let status = rendered.status;
            out.show(rendered)?;
            return Ok(status);
        }
        CommandSettings::Sim(args) => return sim::run(&args, &mut |r| out.show_plain(r)).await,
    };
    let rendered = crate::render::render(&report, &mode, &out.view());
    let status = rendered.status;
    out.show(rendered)?;
    Ok(status)
}

fn show_plain(report: &Report, out: &Output) -> anyhow::Result<ExitStatus> {
    out.show_plain(report)?;
    Ok(report.status)
}
