//! imsjob: see and gate on Open Telekom Cloud IMS asynchronous jobs.
//!
//! Data flows one way (`doc/contract.md` is the contract it serves), one room at a time:
//! `cli` (syntax) → `config` (flags, environment and clouds.yaml resolved once into settings)
//! → `commands` (one module each; they return a `report`, never print) → `api` (the IMS client,
//! its wire format, typed errors) with `auth` behind its credentials interface → `render`
//! (report in, text out, the format chosen once) → `ui` (the output object that owns the
//! streams, and `wait`'s progress observers) → `exit` (the exit status and hints).
//! Below them all: `usage_error`, `safe_text` (untrusted text made safe to show), `log` (the
//! `-v` debug log), `time`, `service`, `codes` (the table of error codes: meaning, what to do,
//! retried). `sim` is the built-in simulator.

pub mod api;
pub mod auth;
pub mod cli;
pub mod codes;
pub mod commands;
pub mod config;
pub(crate) mod core_dumps;
pub(crate) mod exit;
pub(crate) mod log;
pub mod render;
pub(crate) mod report;
pub mod safe_text;
pub(crate) mod service;
pub mod sim;
pub mod time;
pub(crate) mod ui;
pub(crate) mod usage_error;

use std::process::ExitCode;

use crate::config::settings::{Env, Settings, output_from_env};
use crate::exit::ExitStatus;
use crate::ui::output::{Output, OutputSettings};

/// Parses the command line, resolves it against the environment, runs it, and turns the
/// outcome into the process exit code.
#[must_use]
pub fn main_entry() -> ExitCode {
    core_dumps::forbid();
    // A `--jq` filter runs in a child process of this binary, under limits.
    if let Some(code) = render::jq::worker_main() {
        return code;
    }
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help/version on stdout and usage errors on stderr itself.
            let _ = error.print();
            return if error.use_stderr() {
                ExitStatus::Usage.into()
            } else {
                ExitStatus::Success.into()
            };
        }
    };
    let env = Env::from_process();
    // Output settings come first so that even a settings error is shown as configured.
    let out = Output::new(&OutputSettings {
        color: cli.global.color,
        quiet: cli.global.quiet,
        verbose: cli.global.verbose,
        ..output_from_env(&env)
    });
    let settings = match Settings::resolve(cli, &env) {
        Ok(settings) => settings,
        Err(error) => {
            out.error(&error.message, error.hint.as_deref());
            return ExitStatus::Usage.into();
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            out.error(&format!("cannot start the async runtime: {error}"), None);
            return ExitStatus::Internal.into();
        }
    };
    let status = match runtime.block_on(commands::run(settings.command, &out)) {
        Ok(status) => status,
        Err(error) => {
            out.error(&error_line(&error), exit::hint(&error).as_deref());
            exit::classify(&error)
        }
    };
    // Do not wait for in-flight requests or blocking DNS lookups: the answer is known.
    runtime.shutdown_background();
    status.into()
}

/// The error chain on one line: `outer: inner: innermost`.
fn error_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !line.is_empty() {
            if line.ends_with(&text) {
                continue;
            }
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}
