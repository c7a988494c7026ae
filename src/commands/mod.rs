//! One module per subcommand. Each takes resolved settings and the output object and returns
//! an [`ExitStatus`]; errors bubble up to `lib::run` where they are classified once.

pub mod completions;
pub mod connect;
pub mod demo;
pub mod get;
pub mod sim;
pub mod tree;
pub mod wait;
pub mod wait_progress;

use crate::exit::ExitStatus;
use crate::input;
use crate::output::Output;
use crate::settings::CommandSettings;

/// Runs a resolved command.
///
/// # Errors
/// Any error of the command; the caller classifies it into an exit status.
pub async fn run(settings: CommandSettings, out: &Output) -> anyhow::Result<ExitStatus> {
    match settings {
        CommandSettings::Get {
            ids,
            render,
            connect: settings,
        } => {
            let (ids, _from_stdin) = input::job_ids(&ids)?;
            let client = connect::connect(&settings, out).await?;
            get::run(&client, &ids, &render, out).await
        }
        CommandSettings::Wait {
            ids,
            options,
            render,
            connect: settings,
        } => {
            let options = wait::WaitOptions::from_args(&options)?;
            let (ids, _from_stdin) = input::job_ids(&ids)?;
            let client = connect::connect(&settings, out).await?;
            wait::run(&client, ids, &options, &render, out).await
        }
        CommandSettings::Tree {
            id,
            render,
            connect: settings,
        } => {
            let client = connect::connect(&settings, out).await?;
            tree::run(&client, &id, &render, out).await
        }
        CommandSettings::Demo => demo::run(out).await,
        CommandSettings::Sim(args) => sim::run(&args, out).await,
        CommandSettings::Completions(shell) => completions::run(shell, out),
    }
}
