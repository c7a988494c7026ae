//! One module per subcommand. `get`, `wait` and `tree` take resolved settings and return a
//! [`Report`] (data and exit status; `wait` reports progress to an observer); [`run`] renders
//! it once, in the format chosen before anything was sent, and hands the text to [`Output`].
//! `demo` and `sim` speak as they go, through the same [`Output`]. Errors bubble up to `lib`
//! where they are classified once.

pub(crate) mod connect;
pub(crate) mod demo;
pub(crate) mod fetch;
pub(crate) mod get;
pub(crate) mod sim;
pub(crate) mod stdin_ids;
pub(crate) mod tree;
pub(crate) mod wait;

use crate::config::settings::CommandSettings;
use crate::exit::ExitStatus;
use crate::report::Report;
use crate::ui::output::Output;
use crate::ui::progress::wait_observer;

/// Runs a resolved command: run it, render its report once in the mode resolved before
/// anything was sent, write it.
///
/// # Errors
/// Any error of the command; the caller classifies it into an exit status.
pub(crate) async fn run(settings: CommandSettings, out: &Output) -> anyhow::Result<ExitStatus> {
    let (report, mode) = match settings {
        CommandSettings::Get {
            ids,
            render,
            connect: settings,
        } => {
            let array = ids.array;
            let ids = stdin_ids::job_ids(&ids.args)?;
            let client = connect::connect(&settings, out).await?;
            (get::run(&client, &ids, array).await, render)
        }
        CommandSettings::Wait {
            ids,
            options,
            render,
            connect: settings,
        } => {
            let array = ids.array;
            let ids = stdin_ids::job_ids(&ids.args)?;
            let client = connect::connect(&settings, out).await?;
            let mut observer = wait_observer(out, &render);
            let report = wait::run(&client, ids, array, &options, &mut *observer).await?;
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
        CommandSettings::Completions { script } => {
            return show_plain(&Report::text(script), out);
        }
        // Boxed: the demo runs its steps through this very function.
        CommandSettings::Demo => return Box::pin(demo::run(out)).await,
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
