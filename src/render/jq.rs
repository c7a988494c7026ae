//! `--jq EXPR`: a jq filter (jaq) over the JSON document; strings print raw, like `gh --jq`.
//!
//! A jq filter is a program: `def f: [f]; f` recurses until the stack is gone and
//! `[range(1e9)]` allocates until memory is, and either would abort the process (jaq has no
//! depth or size limit to set). So the filter runs in a child process of this same binary
//! (see [`worker_main`]) under an address-space limit, a time budget and an output budget;
//! the child dying or running over any of them is an error of the filter (exit 2), never an
//! abort of imsjob.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data};
use jaq_json::Val;

use crate::error::UsageError;

/// A compiled filter. Compiling happens before any request, so a typo costs nothing.
pub struct JqFilter {
    filter: jaq_core::Filter<data::JustLut<Val>>,
    /// The expression, for the worker process to compile again.
    expr: String,
}

/// Set (to `1`) in the environment of the worker process that runs a filter.
pub const WORKER_ENV: &str = "IMSJOB_JQ_WORKER";

/// The worker's one argument: with [`WORKER_ENV`], so that neither alone (a stray variable in
/// a shell, an odd job id) turns an ordinary run into a worker.
pub const WORKER_ARG: &str = "--internal-jq-worker";

/// Longest a filter may run.
pub const TIME_BUDGET: Duration = Duration::from_secs(10);

/// Most output a filter may produce (far beyond any job document's worth).
pub const OUTPUT_BUDGET: usize = 64 * 1024 * 1024;

/// The worker's address-space limit: room for the binary, its stack and a document many
/// times over, far below what would hurt the machine. (Unix only: Windows has no rlimit.)
#[cfg(unix)]
const MEMORY_BUDGET: u64 = 2 * 1024 * 1024 * 1024;

/// What the worker reads on stdin: this header on one line, then the document's JSON text
/// as it is (never re-encoded: it may be megabytes).
#[derive(serde::Serialize, serde::Deserialize)]
struct WorkerRequest {
    expr: String,
    neutralise: bool,
}

/// How the worker says on stderr why a filter stopped (exit 1); what the filter wrote until
/// then is on stdout.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum WorkerStop {
    Error(String),
    Halt(i32),
}

impl std::fmt::Debug for JqFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JqFilter")
    }
}

/// Why a filter run stopped before its end, with what it wrote until then.
#[derive(Debug, thiserror::Error)]
#[error("{stop}")]
pub struct JqRunError {
    /// The lines the filter wrote before it stopped.
    pub partial: String,
    pub stop: JqStop,
}

/// How a filter run stopped. Neither decides imsjob's exit code (`doc/contract.md`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JqStop {
    /// A runtime error (indexing a string, `error(...)`).
    #[error("jq: {0}")]
    Error(String),
    /// `halt`, `halt(n)` or `halt_error`.
    #[error("jq: the `--jq` program halted with exit code {0}")]
    Halt(i32),
}

impl JqRunError {
    fn new(partial: String, stop: JqStop) -> Self {
        Self { partial, stop }
    }

    /// A runtime error before anything was written.
    fn error(message: impl Into<String>) -> Self {
        Self::new(String::new(), JqStop::Error(message.into()))
    }
}

impl JqFilter {
    /// # Errors
    /// A usage error when the expression does not parse or names unknown functions.
    pub fn compile(expr: &str) -> Result<Self, UsageError> {
        let program = File {
            code: expr,
            path: (),
        };
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let invalid = || {
            UsageError::new(format!("invalid `--jq` expression `{expr}`"))
                .with_hint("the syntax is jq's: for example `--jq .entities.image_id`")
        };
        let modules = loader.load(&arena, program).map_err(|_| invalid())?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|_| invalid())?;
        Ok(Self {
            filter,
            expr: expr.to_owned(),
        })
    }

    /// Runs the filter over a document; each output becomes one line (strings raw, other
    /// values as JSON). With `neutralise` (stdout is a terminal) strings are shown with their
    /// control characters made visible, as everywhere else API text reaches a screen; in a
    /// pipe they stay raw, since a script asked for the exact value.
    ///
    /// Runs in a worker process, within the time, output and memory budgets (see the module
    /// documentation); unit tests of the library run in-process, as their binary is a test
    /// harness.
    ///
    /// # Errors
    /// When the filter raises an error (e.g. indexing a string), exhausts its stack or memory,
    /// or runs over its time or output budget.
    pub fn run(
        &self,
        document: &serde_json::Value,
        neutralise: bool,
    ) -> Result<String, JqRunError> {
        let text = serde_json::to_vec(document).map_err(|e| JqRunError::error(e.to_string()))?;
        self.run_text(&text, neutralise)
    }

    /// [`JqFilter::run`] over JSON text: the document is parsed only by the filter.
    ///
    /// # Errors
    /// As [`JqFilter::run`].
    pub fn run_text(&self, text: &[u8], neutralise: bool) -> Result<String, JqRunError> {
        if cfg!(test) {
            return self.run_text_in_process(text, neutralise);
        }
        let exe = std::env::current_exe()
            .map_err(|e| JqRunError::error(format!("cannot start the filter: {e}")))?;
        self.run_text_in_worker(&exe, text, neutralise)
    }

    /// [`Self::run`] in a worker process started from `exe` (this binary).
    ///
    /// # Errors
    /// As [`Self::run`].
    pub fn run_in_worker(
        &self,
        exe: &std::path::Path,
        document: &serde_json::Value,
        neutralise: bool,
    ) -> Result<String, JqRunError> {
        let text = serde_json::to_vec(document).map_err(|e| JqRunError::error(e.to_string()))?;
        self.run_text_in_worker(exe, &text, neutralise)
    }

    fn run_text_in_worker(
        &self,
        exe: &std::path::Path,
        text: &[u8],
        neutralise: bool,
    ) -> Result<String, JqRunError> {
        let mut request = serde_json::to_vec(&WorkerRequest {
            expr: self.expr.clone(),
            neutralise,
        })
        .map_err(|e| JqRunError::error(e.to_string()))?;
        request.push(b'\n');
        request.extend_from_slice(text);
        let mut child = Command::new(exe)
            .arg(WORKER_ARG)
            .env(WORKER_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| JqRunError::error(format!("cannot start the filter: {e}")))?;
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(JqRunError::error("cannot start the filter"));
        };
        // Writer and readers on their own threads: a pipe blocks when full, and the worker
        // may stop reading (or die) at any time.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&request);
        });
        let cap = OUTPUT_BUDGET as u64 + 1;
        let capped = Arc::new(AtomicBool::new(false));
        let out_reader = std::thread::spawn({
            let capped = Arc::clone(&capped);
            move || {
                let mut out = Vec::new();
                let _ = stdout.take(cap).read_to_end(&mut out);
                if out.len() as u64 >= cap {
                    capped.store(true, Ordering::Relaxed);
                }
                out
            }
        });
        let err_reader = std::thread::spawn(move || {
            let mut err = Vec::new();
            let _ = stderr.take(64 * 1024).read_to_end(&mut err);
            err
        });
        let deadline = Instant::now() + TIME_BUDGET;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if capped.load(Ordering::Relaxed) || Instant::now() >= deadline => {
                    break None;
                }
                // The child's exit has no portable waitable handle besides `wait`, which
                // cannot time out: poll at a pace that costs nothing next to a filter run.
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(JqRunError::error(format!(
                        "the filter's process failed: {e}"
                    )));
                }
            }
        };
        let timed_out = status.is_none();
        if timed_out {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = writer.join();
        let out = out_reader.join().unwrap_or_default();
        let err = err_reader.join().unwrap_or_default();
        if out.len() as u64 >= cap {
            return Err(JqRunError::error(format!(
                "the filter's output exceeded {} MiB; stopped",
                OUTPUT_BUDGET / (1024 * 1024)
            )));
        }
        let Some(status) = status else {
            return Err(JqRunError::error(format!(
                "the filter ran longer than {} s; stopped",
                TIME_BUDGET.as_secs()
            )));
        };
        let out = String::from_utf8_lossy(&out).into_owned();
        match status.code() {
            Some(0) => Ok(out),
            Some(1) => Err(match serde_json::from_slice::<WorkerStop>(&err) {
                Ok(WorkerStop::Halt(code)) => JqRunError::new(out, JqStop::Halt(code)),
                Ok(WorkerStop::Error(message)) => JqRunError::new(out, JqStop::Error(message)),
                Err(_) => JqRunError::new(
                    out,
                    JqStop::Error(String::from_utf8_lossy(&err).trim().to_owned()),
                ),
            }),
            _ => Err(JqRunError::error(
                "the filter ran out of stack or memory (unbounded recursion or a huge value?)",
            )),
        }
    }

    /// Runs the filter in this process, with no limit: only for filters known to be
    /// harmless, and for the worker itself.
    ///
    /// # Errors
    /// When the filter raises an error (e.g. indexing a string).
    pub fn run_in_process(
        &self,
        document: &serde_json::Value,
        neutralise: bool,
    ) -> Result<String, JqRunError> {
        let text = serde_json::to_vec(document).map_err(|e| JqRunError::error(e.to_string()))?;
        self.run_text_in_process(&text, neutralise)
    }

    fn run_text_in_process(&self, text: &[u8], neutralise: bool) -> Result<String, JqRunError> {
        let input =
            jaq_json::read::parse_single(text).map_err(|e| JqRunError::error(e.to_string()))?;
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        let mut out = String::new();
        for value in self.filter.id.run((ctx, input)) {
            // Not `jaq_core::unwrap_valr`: on `halt` it ends the process with the filter's
            // code, and a filter must never decide imsjob's exit code.
            let value = match value {
                Ok(value) => value,
                Err(exn) => {
                    let stop = match exn.get_err() {
                        Ok(error) => JqStop::Error(error.to_string()),
                        Err(exn) => match exn.get_halt() {
                            Ok(code) => JqStop::Halt(code),
                            Err(other) => JqStop::Error(format!("{other:?}")),
                        },
                    };
                    return Err(JqRunError::new(out, stop));
                }
            };
            match &value {
                Val::TStr(bytes) if neutralise => {
                    out.push_str(&crate::text::sanitize(&String::from_utf8_lossy(bytes)));
                }
                Val::TStr(bytes) => out.push_str(&String::from_utf8_lossy(bytes)),
                other => out.push_str(&super::json::escape_hazards(other.to_string())),
            }
            out.push('\n');
            if out.len() > OUTPUT_BUDGET {
                return Err(JqRunError::error(format!(
                    "the filter's output exceeded {} MiB; stopped",
                    OUTPUT_BUDGET / (1024 * 1024)
                )));
            }
        }
        Ok(out)
    }
}

/// The worker process: when [`WORKER_ENV`] is set and [`WORKER_ARG`] is the only argument, reads a filter and a document on stdin,
/// runs the filter under the memory budget and writes its output on stdout (exit 0) or its
/// error on stderr (exit 1). Returns `None` in an ordinary imsjob process.
#[must_use]
pub fn worker_main() -> Option<std::process::ExitCode> {
    std::env::var_os(WORKER_ENV)?;
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(std::ffi::OsStr::new(WORKER_ARG)) || args.next().is_some() {
        return None;
    }
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        let _ = setrlimit(
            Resource::As,
            Rlimit {
                current: Some(MEMORY_BUDGET),
                maximum: Some(MEMORY_BUDGET),
            },
        );
    }
    let fail = |message: &str| {
        let _ = writeln!(std::io::stderr(), "{message}");
        Some(std::process::ExitCode::from(1))
    };
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        return fail(&format!("cannot read the filter's input: {e}"));
    }
    let header_end = input
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(input.len());
    let request: WorkerRequest = match serde_json::from_slice(&input[..header_end]) {
        Ok(request) => request,
        Err(e) => return fail(&format!("unreadable filter input: {e}")),
    };
    let document = input.get(header_end + 1..).unwrap_or_default();
    let filter = match JqFilter::compile(&request.expr) {
        Ok(filter) => filter,
        Err(e) => return fail(&e.message),
    };
    let result = filter.run_text_in_process(document, request.neutralise);
    let (out, stop) = match result {
        Ok(out) => (out, None),
        Err(e) => {
            let stop = match e.stop {
                JqStop::Error(message) => WorkerStop::Error(message),
                JqStop::Halt(code) => WorkerStop::Halt(code),
            };
            (e.partial, Some(stop))
        }
    };
    let mut stdout = std::io::stdout().lock();
    // A parent that stopped reading (output budget) makes this fail: nothing to add.
    let _ = stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush());
    match stop {
        None => Some(std::process::ExitCode::SUCCESS),
        Some(stop) => {
            let line = serde_json::to_string(&stop).unwrap_or_default();
            let _ = writeln!(std::io::stderr(), "{line}");
            Some(std::process::ExitCode::from(1))
        }
    }
}

impl super::mode::DocumentFormat for JqFilter {
    fn render(
        &self,
        document: &super::document::Document<'_>,
        stdout_is_terminal: bool,
    ) -> anyhow::Result<String> {
        Ok(self.run_text(&document.compact(), stdout_is_terminal)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_print_raw() {
        let filter = JqFilter::compile(".entities.image_id").expect("compiles");
        let out = filter
            .run(&json!({"entities": {"image_id": "abc"}}), false)
            .expect("runs");
        assert_eq!(out, "abc\n");
    }

    #[test]
    fn other_values_print_as_json() {
        let filter = JqFilter::compile(".[] | {id: .job_id}").expect("compiles");
        let out = filter
            .run(&json!([{"job_id": "a"}, {"job_id": "b"}]), false)
            .expect("runs");
        assert_eq!(out, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
    }

    #[test]
    fn strings_are_neutralised_for_a_terminal_only() {
        let filter = JqFilter::compile(".fail_reason").expect("compiles");
        let document = json!({"fail_reason": "x\u{1b}]0;pwned\u{7}y"});
        assert_eq!(
            filter.run(&document, true).expect("runs"),
            "x\\x1b]0;pwned\\x07y\n"
        );
        assert_eq!(
            filter.run(&document, false).expect("runs"),
            "x\u{1b}]0;pwned\u{7}y\n"
        );
        let filter = JqFilter::compile("{r: .fail_reason}").expect("compiles");
        let out = filter
            .run(&json!({"fail_reason": "\u{9b}2J"}), false)
            .expect("runs");
        assert!(!out.contains('\u{9b}'), "{out}");
    }

    #[test]
    fn bad_expressions_are_usage_errors() {
        assert!(JqFilter::compile(".[").is_err());
        assert!(JqFilter::compile("nosuchfunction").is_err());
    }
}
