//! `imsjob sim`: serve the simulator until interrupted.

use crate::cli::SimArgs;
use crate::exit::ExitStatus;
use crate::report::Report;
use crate::sim::{self, scenario::Scenario};
use crate::usage_error::UsageError;

/// Runs `sim`: what it has to say is handed to `show` as it happens, since serving only
/// ends with a signal.
///
/// # Errors
/// An unreadable or invalid scenario, a port that cannot be bound, or a failure of `show`.
pub(crate) async fn run(
    args: &SimArgs,
    show: &mut dyn FnMut(&Report) -> anyhow::Result<()>,
) -> anyhow::Result<ExitStatus> {
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
    let tls = if args.tls {
        let dir = std::env::temp_dir();
        Some(sim::tls::self_signed(&dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot set up TLS (certificate file in `{}`): {e}",
                dir.display()
            )
        })?)
    } else {
        None
    };
    let handle = sim::start_with(scenario, args.port, tls)
        .await
        .map_err(|e| {
            UsageError::new(format!("cannot listen on 127.0.0.1:{}: {e}", args.port))
                .with_hint("pick another `--port`, or `--port 0` for a free one")
        })?;
    // stdout: only the exports, so `eval "$(imsjob sim &)"`-style use and tests can read them.
    show(&Report::text(handle.all_exports()))?;
    let mut notes = Vec::new();
    if !handle.job_ids.is_empty() {
        notes.push(format!(
            "imsjob sim: serving on {} — jobs: {} (plus the documented examples); Ctrl-C stops",
            handle.endpoint(),
            handle.job_ids.join(", ")
        ));
    } else {
        notes.push(format!(
            "imsjob sim: serving on {}; Ctrl-C stops",
            handle.endpoint()
        ));
    }
    if let Some(path) = &handle.cacert {
        notes.push(format!(
            "imsjob sim: HTTPS with a self-signed certificate; trust it with `--cacert {}`",
            path.display()
        ));
    }
    show(&Report::notes(notes))?;
    let stopped = wait_for_stop().await;
    if let Some(path) = &handle.cacert {
        let _ = std::fs::remove_file(path);
    }
    stopped?;
    Ok(ExitStatus::Success)
}

#[cfg(unix)]
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

/// Windows: Ctrl-C or Ctrl-Break (the stand-ins for SIGINT and SIGTERM).
#[cfg(windows)]
async fn wait_for_stop() -> std::io::Result<()> {
    use tokio::signal::windows::{ctrl_break, ctrl_c};
    let mut interrupt = ctrl_c()?;
    let mut terminate = ctrl_break()?;
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    Ok(())
}
