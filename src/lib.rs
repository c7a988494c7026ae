//! imsjob: see and gate on Open Telekom Cloud IMS asynchronous jobs.
//!
//! Data flows one way (`doc/contract.md` is the contract it serves), one room at a time:
//! `cli` (syntax) → `config` (flags, the environment captured once, and clouds.yaml resolved
//! into typed settings per command; nothing below sees a clap type or reads a variable)
//! → `commands` (one module each; `get`, `wait` and `tree` return a `report`) → `api` (the IMS
//! client, its wire format, TLS trust, typed errors) with `auth` behind its credentials
//! interface → `render` (report in, text out, the format chosen once; it never writes, reads
//! the environment, probes the terminal or starts a process) → `ui` (the output object that
//! owns the streams, the printer every report goes through, which also runs a `--jq` filter,
//! and `wait`'s progress observers) → `exit` (the exit status, decided once from the report,
//! and hints).
//! Below them all: `jq` (a `--jq` filter compiled, and run in a worker process of this binary
//! under limits), `tables` (the exit codes and environment variables every help text and
//! document is made from), `usage_error`, `safe_text` (untrusted text made safe to show), `log`
//! (the `-v` debug log), `time`, `service`, `codes` (the table of published error codes:
//! meaning, what to do, retried). `sim` is the built-in simulator.
//!
//! Only [`main_entry`] is the library's interface; [`testing`] lets the property tests, fuzz
//! targets and generated-file checks reach the parsers and tables they exercise.

mod api;
mod auth;
mod cli;
mod codes;
mod commands;
mod config;
mod core_dumps;
mod exit;
mod jq;
mod log;
mod render;
mod report;
mod safe_text;
mod service;
mod sim;
mod tables;
mod time;
mod ui;
mod usage_error;

/// What the property tests, the fuzz targets and the generated-file checks exercise: the
/// parsers of untrusted input, the jq worker's limits, the clap command and the contract's
/// tables. Not an API; the binary is the product.
#[doc(hidden)]
pub mod testing {
    pub use crate::api::error::{ApiError, ErrorBody, ErrorDetail};
    pub use crate::api::id::{JobId, ProjectId};
    pub use crate::api::model::{Job, Status};
    pub use crate::auth::aksk::{canonical_query, canonical_uri, format_sdk_date, parse_sdk_date};
    pub use crate::auth::keystone::{
        ims_endpoint_from_catalog, parse_projects_response, parse_token_response,
    };
    pub use crate::cli::{command, completions};
    pub use crate::codes::{is_code_shaped, table as codes_table};
    pub use crate::config::clouds::{CloudConfig, ConfigEnv, load as load_clouds};
    pub use crate::jq::{JqFilter, OUTPUT_BUDGET, TIME_BUDGET};
    pub use crate::render::document::Document;
    pub use crate::safe_text::{escape_hazards, is_hazard, redact_userinfo, sanitize};
    pub use crate::sim::scenario::Scenario;
    pub use crate::tables::{ENV_VARS, EnvVar, exit_codes, severity_sentence};
    pub use crate::time::{parse_api_time, parse_duration};
}

use std::process::ExitCode;

use crate::config::settings::{Env, Settings, output_settings};
use crate::exit::ExitStatus;
use crate::ui::output::Output;

/// Parses the command line, resolves it against the environment, runs it, and turns the
/// outcome into the process exit code.
#[must_use]
pub fn main_entry() -> ExitCode {
    core_dumps::forbid();
    // A `--jq` filter runs in a child process of this binary, under limits.
    if let Some(code) = jq::worker_main() {
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
    let mut out = Output::new(&output_settings(&cli.global, &env));
    let settings = match Settings::resolve(cli, &env) {
        Ok(settings) => settings,
        Err(error) => {
            out.error(&error.message, error.hint.as_deref());
            return ExitStatus::Usage.into();
        }
    };
    out.set_hint_context(settings.command.hint_context());
    let out = out;
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
    let printer = ui::printer::Printer::new(&out);
    let status = match runtime
        .block_on(commands::run(settings.command, printer))
        .and_then(|(report, mode)| printer.show(&report, &mode))
    {
        Ok(status) => status,
        Err(error) => {
            out.error(
                &error_line(&error),
                exit::hint(&error, out.hint_context()).as_deref(),
            );
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
