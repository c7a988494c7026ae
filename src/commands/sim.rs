//! `imsjob sim`: serve the simulator until interrupted.

use crate::cli::SimArgs;
use crate::exit::{ExitStatus, UsageError};
use crate::output::Output;
use crate::sim::{self, scenario::Scenario};

/// Runs `sim`.
///
/// # Errors
/// An unreadable or invalid scenario, or a port that cannot be bound.
pub async fn run(args: &SimArgs, out: &Output) -> anyhow::Result<ExitStatus> {
    let scenario = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                UsageError::new(format!("cannot read scenario `{}`: {e}", path.display()))
            })?;
            Scenario::parse(&text).map_err(|e| {
                UsageError::new(format!("invalid scenario `{}`: {e}", path.display()))
                    .with_hint("see the README section on the simulator for the format")
            })?
        }
        None => Scenario::builtin(),
    };
    let handle = sim::start(scenario, args.port).await.map_err(|e| {
        UsageError::new(format!("cannot listen on 127.0.0.1:{}: {e}", args.port))
            .with_hint("pick another `--port`, or `--port 0` for a free one")
    })?;
    // stdout: only the exports, so `eval "$(imsjob sim &)"`-style use and tests can read them.
    out.result(&handle.all_exports())?;
    if !handle.job_ids.is_empty() {
        out.progress(&format!(
            "imsjob sim: serving on {} — jobs: {} (plus the documented examples); Ctrl-C stops",
            handle.endpoint(),
            handle.job_ids.join(", ")
        ));
    } else {
        out.progress(&format!(
            "imsjob sim: serving on {}; Ctrl-C stops",
            handle.endpoint()
        ));
    }
    wait_for_stop().await?;
    Ok(ExitStatus::Success)
}

async fn wait_for_stop() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    Ok(())
}
