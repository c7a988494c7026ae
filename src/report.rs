//! What commands return: the data of a run, never its presentation.
//!
//! A command fetches or waits and hands back a [`Report`] (the jobs with their outcome or
//! error, a tree, or plain text). The exit status is not part of it: `exit::status` derives
//! it from the report, once, at the top. `render` turns a report into text once, in the
//! format chosen up front, and `ui` writes it. The `wait` progress vocabulary
//! ([`WaitEvent`], [`WaitObserver`]) lives here too, so that the polling loop and the displays
//! that follow it only share data, not code.

use std::time::Duration;

use crate::api::error::ApiError;
use crate::api::id::JobId;
use crate::api::model::{Job, Status};

/// The result of one command.
#[derive(Debug)]
pub(crate) struct Report {
    pub body: Body,
    /// The signal that stopped the command before its end (`wait`).
    pub stopped_by: Option<Signal>,
    /// The command ended at its login, before any job was asked for: the error of the first
    /// job (the root of a tree) is the login's, not an answer about that job.
    pub ended_at_login: bool,
}

impl Report {
    /// A report of a command that ran to its end.
    #[must_use]
    pub(crate) fn new(body: Body) -> Self {
        Self {
            body,
            stopped_by: None,
            ended_at_login: false,
        }
    }

    /// This report, of a command that ended at its login (see [`Report::ended_at_login`]).
    #[must_use]
    pub(crate) fn at_login(self) -> Self {
        Self {
            ended_at_login: true,
            ..self
        }
    }

    /// Text for stdout as is (completions, the demo's narration, the simulator's exports).
    #[must_use]
    pub(crate) fn text(text: impl Into<String>) -> Self {
        Self::new(Body::Text(text.into()))
    }

    /// Lines for stderr that `-q` silences.
    #[must_use]
    pub(crate) fn notes(lines: Vec<String>) -> Self {
        Self::new(Body::Notes(lines))
    }
}

/// A signal that stopped a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM (Ctrl-Break on Windows).
    Terminate,
}

/// What a report holds.
#[derive(Debug)]
pub(crate) enum Body {
    /// `get` and `wait`: jobs in argument order.
    Jobs(Jobs),
    /// `tree`: a job and its sub-jobs.
    Tree(Box<Tree>),
    Text(String),
    Notes(Vec<String>),
    /// `demo`'s verdict: whether every step ended as the contract says.
    SelfCheck {
        passed: bool,
    },
    /// `explain`: codes looked up in the table of published error codes.
    Explain(Explanation),
}

/// What `explain` found.
#[derive(Debug)]
pub(crate) enum Explanation {
    /// `--list`: every code in the table.
    List,
    /// The codes asked for, in the order given.
    Codes(Vec<Explained>),
}

/// One code asked for.
#[derive(Debug)]
pub(crate) enum Explained {
    Known(&'static crate::codes::Code),
    /// Shaped like a code but not in the table, with the nearest known codes.
    Unknown {
        asked: String,
        nearest: Vec<&'static str>,
    },
    /// Not shaped like a code at all.
    NotACode {
        asked: String,
    },
}

/// Jobs of `get` or `wait`.
#[derive(Debug)]
pub(crate) struct Jobs {
    pub entries: Vec<JobEntry>,
    pub kind: JobsKind,
    /// The JSON document is an array: several ids were given, or any came from stdin (a
    /// script reading ids it did not count must get one shape, `doc/contract.md`).
    pub array: bool,
}

/// Which command the jobs come from: the two differ in what an error means.
#[derive(Debug)]
pub(crate) enum JobsKind {
    /// One fetch per id; a lone id that failed is only its error line in a table.
    Get,
    /// Final states of a wait.
    Wait(WaitSummary),
}

/// What `wait` knew at its end, beyond the jobs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WaitSummary {
    pub elapsed: Duration,
    /// `--timeout 0`: checked once.
    pub check_once: bool,
    pub timeout: Option<Duration>,
}

/// One job of a report.
#[derive(Debug)]
pub(crate) struct JobEntry {
    pub id: JobId,
    /// The last document received.
    pub job: Option<Box<Job>>,
    /// The last error (`get`: why there is no job; `wait`: the last failed poll).
    pub error: Option<ApiError>,
    /// How the wait ended (`None` for `get`).
    pub outcome: Option<Outcome>,
}

impl JobEntry {
    #[must_use]
    pub(crate) fn status(&self) -> Option<&Status> {
        self.job.as_ref().map(|job| &job.view.status)
    }
}

/// How the wait for one job ended.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Success,
    Failed,
    /// Still running at the deadline (or at the single check of `--timeout 0`).
    TimedOut,
    /// Stopped because another job failed under `--fail-fast`, or credentials were refused.
    Abandoned,
    /// An error ended the wait for this job (not found, refused, unavailable).
    Error(ApiError),
}

/// What `tree` found: the nodes, and whether it stopped before the end.
#[derive(Debug)]
pub(crate) struct Tree {
    pub root: TreeNode,
    /// Set when some sub-jobs were left out (the limit, or the depth bound).
    pub stopped: Option<TreeStop>,
}

/// Why and where `tree` stopped short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TreeStop {
    /// The `--max-sub-jobs` in force.
    pub max_sub_jobs: usize,
    /// Sub-jobs left out because the limit was reached.
    pub over_limit: usize,
    /// Sub-jobs left out because they nest deeper than `max_depth`.
    pub too_deep: usize,
    pub max_depth: usize,
    /// Sub-jobs not fetched because the run stopped sending requests (a refusal, a long
    /// throttling window).
    pub not_attempted: usize,
}

/// One node of `tree`: a job (fetched, or given in full by its parent), or an id that could
/// not be fetched.
#[derive(Debug)]
pub(crate) struct TreeNode {
    pub job_id: String,
    pub outcome: Result<Job, ApiError>,
    pub children: Vec<TreeNode>,
    /// Sub-jobs of this job left out (see [`TreeStop`]).
    pub not_shown: usize,
}

impl TreeNode {
    /// A node without sub-jobs.
    #[must_use]
    pub(crate) fn leaf(job_id: impl Into<String>, outcome: Result<Job, ApiError>) -> Self {
        Self {
            job_id: job_id.into(),
            outcome,
            children: Vec::new(),
            not_shown: 0,
        }
    }
}

/// What happens during a `wait`, in the order it happens. `elapsed` counts from the start.
#[derive(Debug)]
pub(crate) enum WaitEvent<'a> {
    /// The jobs to wait on (each once), and how many duplicate ids were dropped.
    Start { ids: &'a [JobId], duplicates: usize },
    /// A successful poll; `from` is the status known before it.
    Answer {
        id: &'a JobId,
        from: Option<&'a Status>,
        job: &'a Job,
        elapsed: Duration,
    },
    /// A failed poll that will be retried after `delay`; `streak` counts consecutive failures.
    /// For a job not found, `grace_left` is how much longer it may take to appear.
    Retrying {
        id: &'a JobId,
        error: &'a ApiError,
        delay: Duration,
        streak: u32,
        grace_left: Option<Duration>,
    },
    /// The wait for a job ended.
    Done {
        id: &'a JobId,
        outcome: &'a Outcome,
        last: Option<&'a Job>,
    },
    /// Time passes: `open` of `total` jobs still open, `sample` the first few of them.
    Heartbeat {
        elapsed: Duration,
        open: usize,
        total: usize,
        sample: Vec<(&'a JobId, Option<&'a Status>)>,
    },
}

/// Whatever follows a `wait` while it runs (live bars, log lines, the `--events` stream).
pub(crate) trait WaitObserver {
    /// # Errors
    /// Output failures of an observer that writes results (the `--events` stream).
    fn on(&mut self, event: &WaitEvent<'_>) -> std::io::Result<()>;

    /// The wait is over: clear any live display before the result is written.
    fn finish(&mut self) {}
}
