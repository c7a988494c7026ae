//! `imsjob sim`: serve the simulator until interrupted.

use crate::config::settings::SimSettings;
use crate::report::Report;
use crate::sim::{self, scenario::Scenario};
use crate::ui::printer::Printer;
use crate::usage_error::UsageError;

/// Runs `sim`: what it has to say goes through `printer` as it happens, since serving only
/// ends with a signal.
///
/// # Errors
/// An unreadable or invalid scenario, a port that cannot be bound, or a failed write.
pub(crate) async fn run(args: &SimSettings, printer: Printer<'_>) -> anyhow::Result<Report> {
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
    let tls = if let Some(dir) = &args.tls_dir {
        Some(sim::tls::self_signed(dir).map_err(|e| {
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
    printer.text(&handle.all_exports())?;
    let mut notes = vec![format!(
        "imsjob sim: serving on {}; Ctrl-C stops",
        handle.endpoint()
    )];
    if !handle.job_ids.is_empty() {
        notes.push(format!("imsjob sim: jobs: {}", handle.job_ids.join(", ")));
    }
    // Only what is served is announced: a scenario with `examples: false` has none.
    if !handle.example_ids.is_empty() {
        notes.push(format!(
            "imsjob sim: the {} documented examples, by job id:",
            handle.example_ids.len()
        ));
        notes.extend(
            handle
                .example_ids
                .iter()
                .map(|(id, name)| format!("  {id}  {name}")),
        );
    }
    if let Some(path) = &handle.cacert {
        notes.push(format!(
            "imsjob sim: HTTPS with a self-signed certificate; trust it with `--cacert {}`",
            path.display()
        ));
    }
    printer.notes(&notes);
    let stopped = wait_for_stop().await;
    if let Some(path) = &handle.cacert {
        let _ = std::fs::remove_file(path);
    }
    stopped?;
    Ok(Report::notes(Vec::new()))
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
