//! The worker process that runs a `--jq` filter under its limits (memory, CPU time, time,
//! output), and the parent's side of it: starting it, feeding it the document, reading its
//! output, ending it on a signal. The reasons are in the room's documentation (`super`).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::compile::{JqFilter, JqRunError, JqStop, OUTPUT_BUDGET, TIME_BUDGET};

/// Set (to `1`) in the environment of the worker process that runs a filter.
const WORKER_ENV: &str = "IMSJOB_JQ_WORKER";

/// The worker's one argument: with [`WORKER_ENV`], so that neither alone (a stray variable in
/// a shell, an odd job id) turns an ordinary run into a worker.
const WORKER_ARG: &str = "--internal-jq-worker";

/// The worker's address-space limit: room for the binary, its stack and a document many
/// times over, far below what would hurt the machine. (Unix only: Windows has no rlimit.)
#[cfg(unix)]
const MEMORY_BUDGET: u64 = 2 * 1024 * 1024 * 1024;

/// The worker's CPU-time limit, enforced by the kernel: a little more than the parent's
/// [`TIME_BUDGET`], so that the parent's clearer message normally comes first, and a worker
/// whose parent is gone still stops.
const CPU_BUDGET_SECS: u64 = TIME_BUDGET.as_secs() + 2;

/// What the worker reads on stdin: this header on one line, then `len` bytes of the
/// document's JSON text as it is (never re-encoded: it may be megabytes). After that stdin
/// stays open until the parent is done with the worker: its end means the parent is gone.
#[derive(serde::Serialize, serde::Deserialize)]
struct WorkerRequest {
    expr: String,
    neutralise: bool,
    len: u64,
}

/// How the worker says on stderr why a filter stopped (exit 1); what the filter wrote until
/// then is on stdout.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum WorkerStop {
    Error(String),
    Halt(i32),
}

impl JqFilter {
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
            len: text.len() as u64,
        })
        .map_err(|e| JqRunError::error(e.to_string()))?;
        request.push(b'\n');
        request.extend_from_slice(text);
        let signals = signals::watch();
        let mut command = Command::new(exe);
        // Nothing of imsjob's environment (credentials above all) is the filter's business.
        command.env_clear().arg(WORKER_ARG).env(WORKER_ENV, "1");
        #[cfg(windows)]
        if let Some(root) = std::env::var_os("SystemRoot") {
            command.env("SystemRoot", root);
        }
        let mut child = command
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
        // The writer hands stdin back: it stays open until the worker has ended, since its
        // end of file tells the worker that imsjob is gone.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&request);
            stdin
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
            if let Some(terminated) = signals.received() {
                let _ = child.kill();
                let _ = child.wait();
                drop(writer.join());
                return Err(JqRunError::new(
                    String::new(),
                    JqStop::Signal { terminated },
                ));
            }
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
        drop(writer.join());
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
}

/// The worker process: when [`WORKER_ENV`] is set and [`WORKER_ARG`] is the only argument, reads a filter and a document on stdin,
/// runs the filter under the memory budget and writes its output on stdout (exit 0) or its
/// error on stderr (exit 1). Returns `None` in an ordinary imsjob process.
#[must_use]
pub(crate) fn worker_main() -> Option<std::process::ExitCode> {
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
        // SIGXCPU at the soft limit, SIGKILL a second later: the kernel ends a runaway
        // filter even when no parent is left to do it.
        let _ = setrlimit(
            Resource::Cpu,
            Rlimit {
                current: Some(CPU_BUDGET_SECS),
                maximum: Some(CPU_BUDGET_SECS + 1),
            },
        );
    }
    let fail = |message: &str| {
        let _ = writeln!(std::io::stderr(), "{message}");
        Some(std::process::ExitCode::from(1))
    };
    let (request, document) = {
        use std::io::BufRead;
        let mut stdin = std::io::stdin().lock();
        let mut header = Vec::new();
        if let Err(e) = stdin.read_until(b'\n', &mut header) {
            return fail(&format!("cannot read the filter's input: {e}"));
        }
        let request: WorkerRequest = match serde_json::from_slice(&header) {
            Ok(request) => request,
            Err(e) => return fail(&format!("unreadable filter input: {e}")),
        };
        let mut document = Vec::new();
        if let Err(e) = (&mut stdin).take(request.len).read_to_end(&mut document) {
            return fail(&format!("cannot read the filter's input: {e}"));
        }
        (request, document)
    };
    // Anything after the document, or its end, means the parent is done with this worker or
    // gone: exit at once, whatever the filter is doing.
    std::thread::spawn(|| {
        let mut rest = [0_u8; 64];
        while let Ok(1..) = std::io::stdin().lock().read(&mut rest) {}
        std::process::exit(1);
    });
    let document = document.as_slice();
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
                JqStop::Signal { .. } => WorkerStop::Error(e.stop.to_string()),
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

/// SIGINT and SIGTERM seen while a filter runs. The filter runs synchronously, where the
/// async signal streams of `wait` cannot be polled: a flag set by the signal handler is
/// checked instead. It is registered on the first filter run only (afterwards the signals no
/// longer end the process by themselves, which is what every other command expects of them
/// until then) and stays registered, as the handlers of a process do.
mod signals {
    #[cfg(unix)]
    use std::sync::{Arc, OnceLock, atomic::AtomicBool, atomic::Ordering};

    pub(super) struct Watch {
        #[cfg(unix)]
        flags: &'static (Arc<AtomicBool>, Arc<AtomicBool>),
    }

    #[cfg(unix)]
    pub(super) fn watch() -> Watch {
        use signal_hook::consts::{SIGINT, SIGTERM};
        static FLAGS: OnceLock<(Arc<AtomicBool>, Arc<AtomicBool>)> = OnceLock::new();
        let flags = FLAGS.get_or_init(|| {
            let interrupted = Arc::new(AtomicBool::new(false));
            let terminated = Arc::new(AtomicBool::new(false));
            let _ = signal_hook::flag::register(SIGINT, Arc::clone(&interrupted));
            let _ = signal_hook::flag::register(SIGTERM, Arc::clone(&terminated));
            (interrupted, terminated)
        });
        Watch { flags }
    }

    #[cfg(not(unix))]
    pub(super) fn watch() -> Watch {
        Watch {}
    }

    impl Watch {
        /// `Some(true)` after SIGTERM, `Some(false)` after SIGINT.
        pub(super) fn received(&self) -> Option<bool> {
            #[cfg(unix)]
            {
                if self.flags.1.load(Ordering::Relaxed) {
                    return Some(true);
                }
                if self.flags.0.load(Ordering::Relaxed) {
                    return Some(false);
                }
            }
            None
        }
    }
}
