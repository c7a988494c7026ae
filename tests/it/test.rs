//! `Test`: one run of the real binary, described and checked in one expression.
//!
//! ```text
//! Test::on(&sim)                      // pointed at a simulator, with its token
//!     .args(["wait", "slowpoke", "--timeout", "1s", "--json"])
//!     .env("COLUMNS", "80")           // also: env_remove, stdin, current_dir, timeout
//!     .expect_exit(Exit::Timeout)     // the default is Exit::Success
//!     .stderr_has("may still finish") // also: stdout_has, *_lacks, *_is, output_lacks
//!     .context("slow job")            // names the case of a loop in failure messages
//!     .run()                          // -> Ran: stdout, stderr, json(), for further asserts
//! ```
//!
//! `Test::new()` runs without any credentials in a fresh temporary HOME; `Test::home(dir)` runs
//! in a HOME the test keeps (a token cache shared by several runs, a clouds.yaml). The
//! environment is always hermetic (see `common::hermetic`). A failed expectation panics once,
//! naming every expectation that failed, the command line, the exit code and both streams, so
//! a failing test explains itself without a rerun.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;

use serde_json::Value;
use tempfile::TempDir;

use crate::common::{Sim, imsjob};

/// The exit codes of the contract (doc/contract.md, "Exit codes"), by name.
///
/// The library's own exit-status type is private to the crate, so the table is mirrored here
/// once, and `exit_codes_are_the_contracts` below fails when the two drift apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    Success,
    JobFailed,
    Usage,
    AuthRefused,
    NotFound,
    Unavailable,
    Internal,
    Timeout,
    Interrupted,
    Terminated,
}

impl Exit {
    pub(crate) fn code(self) -> i32 {
        match self {
            Self::Success => 0,
            Self::JobFailed => 1,
            Self::Usage => 2,
            Self::AuthRefused => 3,
            Self::NotFound => 4,
            Self::Unavailable => 5,
            Self::Internal => 70,
            Self::Timeout => 124,
            Self::Interrupted => 130,
            Self::Terminated => 143,
        }
    }

    pub(crate) const ALL: [Self; 10] = [
        Self::Success,
        Self::JobFailed,
        Self::Usage,
        Self::AuthRefused,
        Self::NotFound,
        Self::Unavailable,
        Self::Internal,
        Self::Timeout,
        Self::Interrupted,
        Self::Terminated,
    ];

    /// The named code for a process status (None: killed by a signal, or not in the table).
    pub(crate) fn of(status: std::process::ExitStatus) -> Option<Self> {
        let code = status.code()?;
        Self::ALL.into_iter().find(|exit| exit.code() == code)
    }
}

#[test]
fn exit_codes_are_the_contracts() {
    let contract = include_str!("../../doc/contract.md");
    let table = contract
        .split("\n## Exit codes\n")
        .nth(1)
        .expect("doc/contract.md has an `Exit codes` section");
    // The first column of each table row: `| 0 |`, `| 130 / 143 |`.
    let mut documented: Vec<i32> = table
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .filter_map(|row| row.split('|').nth(1))
        .flat_map(|cell| cell.split('/').map(str::trim))
        .filter_map(|code| code.parse().ok())
        .collect();
    documented.sort_unstable();
    let mut named: Vec<i32> = Exit::ALL.iter().map(|exit| exit.code()).collect();
    named.sort_unstable();
    assert_eq!(
        named, documented,
        "the test-side table differs from doc/contract.md"
    );
}

/// One expectation on a finished run.
enum Check {
    StdoutHas(String),
    StdoutLacks(String),
    StdoutIs(String),
    StderrHas(String),
    StderrLacks(String),
    StderrIs(String),
    StderrStartsWith(String),
    /// Neither stream contains it (secrets, tokens, passwords).
    OutputLacks(String),
}

impl Check {
    /// A description of the failure, or None when the expectation holds.
    fn failure(&self, stdout: &str, stderr: &str) -> Option<String> {
        let holds = match self {
            Self::StdoutHas(s) => stdout.contains(s.as_str()),
            Self::StdoutLacks(s) => !stdout.contains(s.as_str()),
            Self::StdoutIs(s) => stdout == s,
            Self::StderrHas(s) => stderr.contains(s.as_str()),
            Self::StderrLacks(s) => !stderr.contains(s.as_str()),
            Self::StderrIs(s) => stderr == s,
            Self::StderrStartsWith(s) => stderr.starts_with(s.as_str()),
            Self::OutputLacks(s) => !stdout.contains(s.as_str()) && !stderr.contains(s.as_str()),
        };
        let what = match self {
            Self::StdoutHas(s) => format!("stdout has {s:?}"),
            Self::StdoutLacks(s) => format!("stdout lacks {s:?}"),
            Self::StdoutIs(s) => format!("stdout is {s:?}"),
            Self::StderrHas(s) => format!("stderr has {s:?}"),
            Self::StderrLacks(s) => format!("stderr lacks {s:?}"),
            Self::StderrIs(s) => format!("stderr is {s:?}"),
            Self::StderrStartsWith(s) => format!("stderr starts with {s:?}"),
            Self::OutputLacks(s) => format!("no output has {s:?}"),
        };
        (!holds).then_some(what)
    }
}

/// A run of `imsjob` to be made, with what it must show.
#[must_use = "a Test does nothing until `run`"]
pub(crate) struct Test {
    cmd: assert_cmd::Command,
    /// The command line, for failure messages.
    line: Vec<String>,
    /// A temporary HOME owned by the test, kept until the run is over.
    temp_home: Option<TempDir>,
    exit: Option<Exit>,
    checks: Vec<Check>,
    /// Which case of a loop this is, for failure messages.
    context: Option<String>,
}

impl Test {
    /// No credentials, a fresh temporary HOME.
    pub(crate) fn new() -> Self {
        let home = tempfile::tempdir().expect("temp home");
        let mut test = Self::home(home.path());
        test.temp_home = Some(home);
        test
    }

    /// No credentials; HOME (and the working directory) is `home`, kept by the caller.
    pub(crate) fn home(home: &Path) -> Self {
        Self::with(imsjob(home))
    }

    /// Pointed at `sim` with its endpoint, project and token; HOME is the simulator's.
    pub(crate) fn on(sim: &Sim) -> Self {
        Self::with(sim.cmd())
    }

    /// On the endpoint of another service's jobs on `sim` (`ecs`, `evs`, `bms`).
    pub(crate) fn on_service(sim: &Sim, service: &str) -> Self {
        Self::with(sim.cmd_for(service))
    }

    fn with(cmd: assert_cmd::Command) -> Self {
        Self {
            cmd,
            line: vec!["imsjob".to_owned()],
            temp_home: None,
            exit: Some(Exit::Success),
            checks: Vec::new(),
            context: None,
        }
    }

    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.line.push(arg.as_ref().to_string_lossy().into_owned());
        self.cmd.arg(arg);
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            self = self.arg(arg);
        }
        self
    }

    pub(crate) fn env(mut self, name: &str, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(name, value);
        self
    }

    /// Every `(name, value)` pair.
    pub(crate) fn envs<K: AsRef<str>, V: AsRef<OsStr>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        for (name, value) in pairs {
            self.cmd.env(name.as_ref(), value);
        }
        self
    }

    pub(crate) fn env_remove(mut self, name: &str) -> Self {
        self.cmd.env_remove(name);
        self
    }

    pub(crate) fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.cmd.write_stdin(input);
        self
    }

    pub(crate) fn current_dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    /// Killed after `limit` (a run that must end by itself, such as a refused `sim`).
    pub(crate) fn timeout(mut self, limit: std::time::Duration) -> Self {
        self.cmd.timeout(limit);
        self
    }

    /// The exit code the run must end with (`Exit::Success` unless said otherwise).
    pub(crate) fn expect_exit(mut self, exit: Exit) -> Self {
        self.exit = Some(exit);
        self
    }

    /// Any exit code will do: the test checks the outcome some other way.
    pub(crate) fn any_exit(mut self) -> Self {
        self.exit = None;
        self
    }

    pub(crate) fn stdout_has(mut self, text: impl Into<String>) -> Self {
        self.checks.push(Check::StdoutHas(text.into()));
        self
    }

    pub(crate) fn stdout_lacks(mut self, text: impl Into<String>) -> Self {
        self.checks.push(Check::StdoutLacks(text.into()));
        self
    }

    pub(crate) fn stdout_is(mut self, text: impl Into<String>) -> Self {
        self.checks.push(Check::StdoutIs(text.into()));
        self
    }

    pub(crate) fn stdout_empty(self) -> Self {
        self.stdout_is("")
    }

    pub(crate) fn stderr_has(mut self, text: impl Into<String>) -> Self {
        self.checks.push(Check::StderrHas(text.into()));
        self
    }

    pub(crate) fn stderr_lacks(mut self, text: impl Into<String>) -> Self {
        self.checks.push(Check::StderrLacks(text.into()));
        self
    }

    pub(crate) fn stderr_is(mut self, text: impl Into<String>) -> Self {
        self.checks.push(Check::StderrIs(text.into()));
        self
    }

    pub(crate) fn stderr_starts_with(mut self, text: impl Into<String>) -> Self {
        self.checks.push(Check::StderrStartsWith(text.into()));
        self
    }

    /// Neither stream shows `text` (a secret, a token).
    pub(crate) fn output_lacks(mut self, text: impl Into<String>) -> Self {
        self.checks.push(Check::OutputLacks(text.into()));
        self
    }

    /// Names the case in failure messages (a loop over cases, an environment not shown).
    pub(crate) fn context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    /// Runs to the end and checks every expectation at once.
    #[track_caller]
    pub(crate) fn run(mut self) -> Ran {
        let output = self.cmd.output().expect("the binary runs");
        let ran = Ran::from(output);
        let mut failures: Vec<String> = self
            .checks
            .iter()
            .filter_map(|check| check.failure(&ran.stdout, &ran.stderr))
            .collect();
        if let Some(exit) = self.exit
            && ran.output.status.code() != Some(exit.code())
        {
            failures.insert(0, format!("exit {} ({exit:?})", exit.code()));
        }
        assert!(
            failures.is_empty(),
            "{}expected: {}\ncommand: {}\nexit: {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.context.map(|c| format!("{c}: ")).unwrap_or_default(),
            failures.join("; "),
            self.line.join(" "),
            ran.output.status.code(),
            ran.stdout,
            ran.stderr,
        );
        ran
    }
}

/// A finished run: its streams as text, and the raw output.
pub(crate) struct Ran {
    pub stdout: String,
    pub stderr: String,
    pub output: Output,
}

impl From<Output> for Ran {
    fn from(output: Output) -> Self {
        Self {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            output,
        }
    }
}

impl Ran {
    /// stdout as one JSON document.
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", self.stdout))
    }

    /// stdout then stderr, for assertions on everything a run showed.
    pub(crate) fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    pub(crate) fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    /// The run ended with `exit`: for processes started by hand (signals, closed streams,
    /// a wrapper such as GNU time, a shell running a documented script), which the builder
    /// cannot run.
    #[track_caller]
    pub(crate) fn assert_exit(&self, exit: Exit) -> &Self {
        self.assert_exit_under("", exit)
    }

    /// [`Self::assert_exit`], naming the case (the shell a script ran under) on failure.
    #[track_caller]
    pub(crate) fn assert_exit_under(&self, case: &str, exit: Exit) -> &Self {
        assert_eq!(
            self.code(),
            Some(exit.code()),
            "{case}{}expected exit {} ({exit:?})\n--- stdout\n{}\n--- stderr\n{}",
            if case.is_empty() { "" } else { ": " },
            exit.code(),
            self.stdout,
            self.stderr
        );
        self
    }

    /// No panic, no abort: the process ended with one of its own exit codes.
    #[track_caller]
    pub(crate) fn assert_no_crash(&self) -> &Self {
        let all = self.all();
        assert!(
            !all.contains("panicked") && !all.contains("unreachable") && !all.contains("overflow"),
            "{all}"
        );
        let code = self.code();
        assert!(code.is_some(), "killed by a signal: {all}");
        // 101: a Rust panic; 134: an abort.
        assert!(!matches!(code, Some(101 | 134)), "{all}");
        self
    }
}
