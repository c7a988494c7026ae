//! The one rendering entry point: a command's [`Report`] and the chosen [`Render`] mode in,
//! the lines for stderr and the text for stdout out.

use std::fmt::Write as _;

use jiff::Timestamp;

use super::document::Document;
use super::events::end_line;
pub(crate) use super::message::Message;
use super::mode::{Render, Written};
use super::remedy;
use super::style::Style;
use super::table::{Row, fit_width, jobs_table};
use super::tree::{stop_warning, to_json, to_text};
use super::unfetched::unfetched;
use crate::api::error::ApiError;
use crate::api::id::JobId;
use crate::api::model::Status;
use crate::exit::{ExitStatus, FilterEnd};
use crate::jq::{JqFilter, JqRunError, JqStop};
use crate::report::{
    Body, JobEntry, Jobs, JobsKind, Outcome, Report, Signal, TreeNode, WaitSummary,
};
use crate::safe_text::sanitize;

/// What the rendering depends on besides the report: the terminal, and the time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View {
    pub style: Style,
    /// stdout is a terminal: `--jq` strings have their control characters made visible.
    pub neutralise: bool,
    /// Closes the duration of jobs still running.
    pub now: Timestamp,
}

/// A rendered report: stderr lines first, then the stdout text (none when there is nothing
/// to show).
#[derive(Debug)]
pub(crate) struct Rendered<'m> {
    pub messages: Vec<Message>,
    pub stdout: Option<String>,
    /// How a `--jq` program ended on the document (`exit::after_rendering` weighs it).
    pub filter: FilterEnd,
    /// A `--jq` filter still to run on the document; `stdout` waits for its output. The
    /// printer runs it and settles its outcome with [`Rendered::filtered`].
    pub pending: Option<PendingFilter<'m>>,
}

/// A filter to run, and the document's one-line JSON text it reads.
#[derive(Debug)]
pub(crate) struct PendingFilter<'m> {
    pub filter: &'m JqFilter,
    pub input: Vec<u8>,
}

/// Renders a report in the chosen mode. `status` is the report's exit status, decided
/// before (`exit::status`): the `--events` end line and the `--jq` messages quote it.
#[must_use]
pub(crate) fn render<'m>(
    report: &Report,
    status: ExitStatus,
    mode: &'m Render,
    view: &View,
) -> Rendered<'m> {
    let (messages, stdout) = match &report.body {
        Body::Jobs(jobs) => {
            // The table ends with the advice for failed jobs; other formats get it as the
            // hint of the failure on stderr.
            let table = !matches!(mode, Render::Document(_) | Render::Events);
            (
                job_messages(jobs, report, table),
                jobs_text(jobs, status, mode, view),
            )
        }
        Body::Tree(tree) => {
            let mut messages = Vec::new();
            tree_messages(&tree.root, report.ended_at_login, &mut messages);
            if let Some(stop) = &tree.stopped {
                messages.push(Message::Warning(stop_warning(stop)));
            }
            let stdout = match mode {
                Render::Document(format) => format.render(&to_json(tree)),
                // The job asked for could not be fetched: its error line says everything.
                _ if tree.root.outcome.is_err() => Written::Text(String::new()),
                Render::Wide => Written::Text(tree_text(tree, view, true)),
                Render::Table | Render::Tree | Render::Events => {
                    Written::Text(tree_text(tree, view, false))
                }
            };
            (messages, Some(stdout))
        }
        Body::Text(text) => (Vec::new(), Some(Written::Text(text.clone()))),
        Body::Notes(lines) => (lines.iter().cloned().map(Message::Note).collect(), None),
        Body::SelfCheck { .. } => (Vec::new(), None),
        Body::Explain(explanation) => {
            let (messages, stdout) = super::explain::render(
                explanation,
                matches!(mode, Render::Document(_)),
                fit_width(view.style, false),
            );
            (messages, stdout.map(Written::Text))
        }
    };
    let (stdout, pending) = match stdout {
        // A filter may print nothing at all (`// empty`): then stdout stays empty.
        Some(Written::Text(text)) => (Some(text).filter(|text| !text.is_empty()), None),
        Some(Written::Filter { filter, input }) => (None, Some(PendingFilter { filter, input })),
        None => (None, None),
    };
    Rendered {
        messages,
        stdout,
        filter: FilterEnd::Finished,
        pending,
    }
}

/// The tree as text, ended by the advice for its failed jobs.
fn tree_text(tree: &crate::report::Tree, view: &View, wide: bool) -> String {
    fn views<'a>(node: &'a TreeNode, out: &mut Vec<&'a crate::api::model::JobView>) {
        if let Ok(job) = &node.outcome {
            out.push(&job.view);
        }
        for child in &node.children {
            views(child, out);
        }
    }
    let mut text = to_text(tree, view.style, view.now, wide);
    let mut jobs = Vec::new();
    views(&tree.root, &mut jobs);
    remedy::append(&mut text, jobs, fit_width(view.style, wide));
    text
}

impl Rendered<'_> {
    /// The pending filter's outcome settled: its output is stdout. A filter that stopped (a
    /// runtime error, `halt` or `halt_error`) keeps what it wrote so far, the stop is
    /// reported, and the jobs' outcome still decides the exit code (`doc/contract.md`, "Exit
    /// codes"); `status` is the report's.
    #[must_use]
    pub(crate) fn filtered(
        mut self,
        outcome: Result<String, JqRunError>,
        status: ExitStatus,
    ) -> Self {
        self.pending = None;
        let stopped = match outcome {
            Ok(text) => {
                self.stdout = Some(text).filter(|text| !text.is_empty());
                return self;
            }
            Err(stopped) => stopped,
        };
        let text = stopped.to_string();
        self.filter = match stopped.stop {
            JqStop::Halt(0) => FilterEnd::Finished,
            JqStop::Halt(_) => {
                self.messages.push(Message::Warning(format!(
                    "{text}; imsjob's exit code follows the jobs ({})",
                    status.code()
                )));
                FilterEnd::Finished
            }
            JqStop::Error(_) => {
                self.messages.push(jq_error(text, status));
                FilterEnd::Failed
            }
            JqStop::Signal { terminated } => FilterEnd::Signalled(if terminated {
                Signal::Terminate
            } else {
                Signal::Interrupt
            }),
        };
        self.stdout = Some(stopped.partial).filter(|p| !p.is_empty());
        self
    }
}

fn jq_error(text: String, status: ExitStatus) -> Message {
    let hint = (status != ExitStatus::Success).then(|| {
        format!(
            "the jobs were fetched; the exit code ({}) is theirs",
            status.code()
        )
    });
    Message::Error { text, hint }
}

fn jobs_text<'m>(
    jobs: &Jobs,
    status: ExitStatus,
    mode: &'m Render,
    view: &View,
) -> Option<Written<'m>> {
    let single = !jobs.array && jobs.entries.len() == 1;
    let wait = match &jobs.kind {
        JobsKind::Get => None,
        JobsKind::Wait(summary) => Some(summary),
    };
    // One id that `get` could not fetch: in a table its error line says everything; a
    // document still holds its stand-in, the shape `wait` and `tree` give it too.
    let lone_error = wait.is_none() && single && jobs.entries[0].job.is_none();
    match (mode, wait) {
        (Render::Events, Some(summary)) => Some(Written::Text(end_line(
            &jobs.entries,
            status,
            view.now,
            summary.elapsed,
        ))),
        (Render::Document(format), _) => {
            let mut documents: Vec<Document<'_>> = jobs
                .entries
                .iter()
                .map(|entry| match &entry.job {
                    Some(job) => Document::Raw(&job.raw),
                    None => Document::Value(unfetched(entry.id.as_str(), entry.error.as_ref())),
                })
                .collect();
            // One id given as an argument: its object; otherwise an array in argument order.
            let document = match documents.pop() {
                Some(one) if single => one,
                last => {
                    documents.extend(last);
                    Document::Array(documents)
                }
            };
            Some(format.render(&document))
        }
        _ if lone_error => None,
        _ => {
            let rows: Vec<Row<'_>> = jobs.entries.iter().map(row).collect();
            let wide = matches!(mode, Render::Wide);
            let mut text = jobs_table(&rows, view.style, view.now, wide);
            let jobs = jobs.entries.iter().filter_map(|e| e.job.as_ref());
            remedy::append(
                &mut text,
                jobs.map(|job| &job.view),
                fit_width(view.style, wide),
            );
            Some(Written::Text(text))
        }
    }
}

/// A table row: the last document received, else why there is none.
fn row(entry: &JobEntry) -> Row<'_> {
    let message = match (&entry.job, &entry.outcome, &entry.error) {
        (Some(job), _, _) => return Row::Job(&job.view),
        (None, Some(Outcome::Error(error)), _) | (None, None, Some(error)) => error.to_string(),
        (None, _, _) => "not checked".into(),
    };
    Row::Error {
        job_id: entry.id.as_str(),
        message,
    }
}

/// The error lines of `get` and `wait` (of `report`), in job order; after a signal, what
/// was left running.
fn job_messages(jobs: &Jobs, report: &Report, table: bool) -> Vec<Message> {
    if report.stopped_by.is_some() {
        return interrupted(jobs);
    }
    jobs.entries
        .iter()
        .enumerate()
        .filter_map(|(index, entry)| {
            let about = Subject::of(&entry.id, report.ended_at_login && index == 0);
            match &jobs.kind {
                JobsKind::Get => entry.error.as_ref().map(|e| api_error(about, e)),
                JobsKind::Wait(summary) => entry
                    .outcome
                    .as_ref()
                    .and_then(|outcome| outcome_message(entry, about, outcome, summary, table)),
            }
        })
        .collect()
}

/// What an API error line is about.
#[derive(Debug, Clone, Copy)]
enum Subject<'a> {
    /// An answer about this job.
    Job(&'a JobId),
    /// The login, which failed before any job was asked for: its line names no job, which
    /// was never asked for (the error says it is IAM's).
    Login,
}

impl<'a> Subject<'a> {
    fn of(id: &'a JobId, login: bool) -> Self {
        if login { Self::Login } else { Self::Job(id) }
    }
}

/// A wait stopped by a signal: the jobs seen running go on remotely; ids never answered for
/// are named apart (they may not exist at all).
fn interrupted(jobs: &Jobs) -> Vec<Message> {
    let open = jobs.entries.iter().filter(|e| e.outcome.is_none());
    let (seen, unseen): (Vec<&JobEntry>, Vec<&JobEntry>) = open.partition(|e| e.job.is_some());
    let mut text = "interrupted: stopped waiting".to_owned();
    if !seen.is_empty() {
        let _ = write!(
            text,
            "; {} job(s) keep running remotely (imsjob never cancels jobs)",
            seen.len()
        );
    }
    // An id the API said it does not know (yet) is not one it never answered for (an outage,
    // a throttling pause): only the first may simply not exist yet.
    let missing = unseen
        .iter()
        .filter(|e| e.error.as_ref().is_some_and(ApiError::is_not_found))
        .count();
    if missing > 0 {
        let _ = write!(text, "; {missing} job id(s) had not been found yet");
    }
    if unseen.len() > missing {
        let _ = write!(
            text,
            "; {} job id(s) had no answer yet",
            unseen.len() - missing
        );
    }
    vec![Message::Warning(text)]
}

/// `job X: <error>` with the error's hint; a failed login's error as it is.
fn api_error(about: Subject<'_>, error: &ApiError) -> Message {
    let text = match about {
        Subject::Job(id) => format!("job {id}: {error}"),
        Subject::Login => error.to_string(),
    };
    Message::ApiError {
        text,
        error: error.clone(),
    }
}

/// Longest failure reason the error line carries: real ones are a sentence or two, and a
/// runaway one (megabytes of a stack trace) would scroll a terminal for seconds. The table
/// cuts it to its column; `--json` keeps it whole.
const REASON_MAX_CHARS: usize = 2_000;

/// `reason`, cut to [`REASON_MAX_CHARS`] with a note saying how long it was and where it is
/// whole.
fn shortened_reason(reason: &str) -> std::borrow::Cow<'_, str> {
    let chars = reason.chars().count();
    if chars <= REASON_MAX_CHARS {
        return std::borrow::Cow::Borrowed(reason);
    }
    std::borrow::Cow::Owned(format!(
        "{} ({chars} characters in all; `--json` shows the whole reason)",
        crate::api::wire::truncate(reason, REASON_MAX_CHARS)
    ))
}

/// A job that ended SUCCESS with sub-jobs that ended FAIL: its status is the service's to
/// give, and so is the exit code it earns, but the failures are said (`tree` shows why).
fn failed_sub_jobs_warning(entry: &JobEntry) -> Option<Message> {
    // A few ids name them; thousands would drown the line.
    const NAMED: usize = 3;
    let view = &entry.job.as_ref()?.view;
    let count = view.failed_sub_jobs().count();
    if count == 0 {
        return None;
    }
    let mut named: Vec<String> = view
        .failed_sub_jobs()
        .take(NAMED)
        .map(|sub| sanitize(&sub.job_id).into_owned())
        .collect();
    if count > NAMED {
        named.push(format!("and {} more", count - NAMED));
    }
    Some(Message::Warning(format!(
        "job {} ended SUCCESS, but {count} of its {} sub-jobs failed ({}): `imsjob tree {}` shows why",
        entry.id,
        view.sub_job_count(),
        named.join(", "),
        entry.id
    )))
}

/// Why a wait did not end in success, when it did not.
fn outcome_message(
    entry: &JobEntry,
    about: Subject<'_>,
    outcome: &Outcome,
    summary: &WaitSummary,
    table: bool,
) -> Option<Message> {
    match outcome {
        Outcome::Success => failed_sub_jobs_warning(entry),
        Outcome::Abandoned => None,
        Outcome::Failed => {
            let view = entry.job.as_ref().map(|job| &job.view);
            let code = view
                .and_then(|v| v.error_code.as_deref())
                .unwrap_or("no error code");
            let reason = view
                .and_then(|v| v.fail_reason.as_deref())
                .unwrap_or("no reason given");
            let kind = view.and_then(|v| v.job_type.as_deref()).unwrap_or("job");
            Some(Message::Error {
                text: format!(
                    "job {} ({}) failed: {}: {}",
                    entry.id,
                    sanitize(kind),
                    sanitize(code),
                    sanitize(&shortened_reason(reason))
                ),
                // Where the table does not end with it: what to do, for each known code.
                hint: view.filter(|_| !table).and_then(|view| {
                    let advice: Vec<String> = remedy::codes_of([view])
                        .into_iter()
                        .map(|code| format!("{}: {}", code.code, code.what_to_do))
                        .collect();
                    (!advice.is_empty()).then(|| format!("what to do: {}", advice.join("; ")))
                }),
            })
        }
        Outcome::TimedOut => {
            let status = entry
                .status()
                .map_or("the API had given no answer yet", Status::as_str);
            let limit = if summary.check_once {
                "checked once (`--timeout 0`)".to_owned()
            } else {
                format!(
                    "timed out after {}",
                    crate::time::format_duration(summary.timeout.unwrap_or_default())
                )
            };
            Some(Message::Error {
                text: format!(
                    "job {}: {limit} while {}; it may still finish remotely",
                    entry.id,
                    sanitize(status)
                ),
                hint: Some(
                    "wait longer with `--timeout`, e.g. `--timeout 2h`, or `--timeout none`".into(),
                ),
            })
        }
        Outcome::Error(error) => Some(api_error(about, error)),
    }
}

/// The sub-jobs of a tree that could not be fetched, depth first; `login`: the root's error
/// is that of a failed login.
fn tree_messages(node: &TreeNode, login: bool, messages: &mut Vec<Message>) {
    if let Err(error) = &node.outcome
        && let Ok(id) = JobId::parse(&node.job_id)
    {
        messages.push(api_error(Subject::of(&id, login), error));
    }
    for child in &node.children {
        tree_messages(child, false, messages);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::api::error::Answerer;
    use crate::api::model::Job;
    use crate::exit::ExitStatus;

    fn view() -> View {
        View {
            style: Style::default(),
            neutralise: false,
            now: "2026-01-02T03:04:05Z".parse().expect("a time"),
        }
    }

    fn entry(id: &str, status: Option<&str>, outcome: Option<Outcome>) -> JobEntry {
        let job = status.map(|s| {
            Box::new(
                Job::from_value(
                    serde_json::json!({"job_id": id, "status": s, "fail_reason": "bad"}),
                )
                .expect("a job"),
            )
        });
        JobEntry {
            id: JobId::parse(id).expect("an id"),
            job,
            error: None,
            outcome,
        }
    }

    fn not_found() -> ApiError {
        ApiError::Status {
            answerer: Answerer::JobsApi,
            status: 404,
            code: None,
            message: None,
            details: Box::default(),
            request_id: None,
            retry_after: None,
            clock_offset: None,
        }
    }

    fn report(kind: JobsKind, entries: Vec<JobEntry>) -> Report {
        Report::new(Body::Jobs(Jobs {
            array: entries.len() != 1,
            entries,
            kind,
        }))
    }

    /// Renders as the top of the program does: the status decided from the report, then
    /// weighed with what the rendering met (a `--jq` filter runs in this process here).
    fn render(report: &Report, mode: &Render, view: &View) -> (Rendered<'static>, ExitStatus) {
        let status = crate::exit::status(report);
        let mut rendered = super::render(report, status, mode, view);
        if let Some(run) = rendered.pending.take() {
            let outcome = run.filter.run_text(&run.input, view.neutralise);
            rendered = rendered.filtered(outcome, status);
        }
        let status = crate::exit::after_rendering(status, rendered.filter);
        // Owned again: the filter that borrowed `mode` has run.
        let Rendered {
            messages,
            stdout,
            filter,
            ..
        } = rendered;
        let rendered = Rendered {
            messages,
            stdout,
            filter,
            pending: None,
        };
        (rendered, status)
    }

    #[test]
    fn a_lone_job_that_get_could_not_fetch_is_an_error_line_and_its_stand_in() {
        let mut missing = entry("gone", None, None);
        missing.error = Some(not_found());
        let report = report(JobsKind::Get, vec![missing]);
        let stand_in = serde_json::json!({"job_id": "gone",
            "error": {"status": 404, "code": null, "message": null}});
        for (mode, stdout) in [(Render::Table, None), (Render::json(), Some(stand_in))] {
            let (rendered, _) = render(&report, &mode, &view());
            let document = rendered
                .stdout
                .map(|text| serde_json::from_str::<serde_json::Value>(&text).expect("JSON"));
            assert_eq!(document, stdout);
            let [Message::ApiError { text, .. }] = rendered.messages.as_slice() else {
                panic!("{:?}", rendered.messages);
            };
            assert!(text.starts_with("job gone: "), "{text}");
        }
    }

    #[test]
    fn a_failed_login_is_its_own_error_line_not_the_first_jobs() {
        let login = ApiError::iam_answer(401, "The username or password is wrong.");
        let lines = |report: &Report| -> Vec<String> {
            render(report, &Render::json(), &view())
                .0
                .messages
                .into_iter()
                .map(|message| match message {
                    Message::ApiError { text, .. } => text,
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        let mut refused = entry("first", None, None);
        refused.error = Some(login.clone());
        let get = report(JobsKind::Get, vec![refused, entry("second", None, None)]);
        assert_eq!(lines(&get), [format!("job first: {login}")]);
        assert_eq!(lines(&get.at_login()), [login.to_string()]);
        let tree = Report::new(Body::Tree(Box::new(crate::report::Tree {
            root: TreeNode::leaf("root", Err(login.clone())),
            stopped: None,
        })));
        assert_eq!(lines(&tree.at_login()), [login.to_string()]);
    }

    #[test]
    fn wait_reports_every_unhappy_ending_in_job_order() {
        let summary = WaitSummary {
            elapsed: Duration::from_secs(3),
            check_once: false,
            timeout: Some(Duration::from_secs(60)),
        };
        let report = report(
            JobsKind::Wait(summary),
            vec![
                entry("ok", Some("SUCCESS"), Some(Outcome::Success)),
                entry("slow", Some("RUNNING"), Some(Outcome::TimedOut)),
                entry("bad", Some("FAIL"), Some(Outcome::Failed)),
                entry("never", None, Some(Outcome::Abandoned)),
            ],
        );
        let (rendered, _) = render(&report, &Render::Table, &view());
        let texts: Vec<&str> = rendered
            .messages
            .iter()
            .map(|m| match m {
                Message::Error { text, .. } => text.as_str(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            [
                "job slow: timed out after 1m00s while RUNNING; it may still finish remotely",
                "job bad (job) failed: no error code: bad",
            ]
        );
        let table = rendered.stdout.expect("a table");
        assert!(
            table
                .lines()
                .any(|l| l.starts_with("never") && l.ends_with("not checked")),
            "{table}"
        );
        let (events, _) = render(&report, &Render::Events, &view());
        let line = events.stdout.expect("the end line");
        assert!(line.starts_with(r#"{"event":"end","#), "{line}");
        assert!(line.contains(r#""elapsed_ms":3000"#), "{line}");
    }

    #[test]
    fn an_interrupted_wait_shows_what_it_knew_and_counts_only_jobs_seen() {
        let mut interrupted = report(
            JobsKind::Wait(WaitSummary {
                elapsed: Duration::from_secs(3),
                check_once: false,
                timeout: None,
            }),
            vec![
                entry("done", Some("SUCCESS"), Some(Outcome::Success)),
                entry("going", Some("RUNNING"), None),
                JobEntry {
                    error: Some(not_found()),
                    ..entry("ghost", None, None)
                },
                // Never answered for (an outage, a throttling pause): not said to be missing.
                entry("unasked", None, None),
            ],
        );
        interrupted.stopped_by = Some(crate::report::Signal::Interrupt);
        let (rendered, status) = render(&interrupted, &Render::json(), &view());
        assert_eq!(status, ExitStatus::Interrupted);
        let [Message::Warning(warning)] = rendered.messages.as_slice() else {
            panic!("{:?}", rendered.messages);
        };
        assert_eq!(
            warning,
            "interrupted: stopped waiting; 1 job(s) keep running remotely (imsjob never cancels jobs); 1 job id(s) had not been found yet; 1 job id(s) had no answer yet"
        );
        let document: serde_json::Value =
            serde_json::from_str(&rendered.stdout.expect("a document")).expect("JSON");
        assert_eq!(document[1]["status"], "RUNNING");
        assert_eq!(document[2]["job_id"], "ghost");
        let (events, _) = render(&interrupted, &Render::Events, &view());
        let line = events.stdout.expect("the end line");
        assert!(line.contains(r#""exit_code":130"#), "{line}");
        assert!(
            line.contains(r#""job_id":"going","status":"RUNNING","outcome":null"#),
            "{line}"
        );
    }

    #[test]
    fn a_jq_program_never_decides_the_exit_code() {
        let jq =
            |expr: &str| Render::Document(Box::new(JqFilter::compile(expr).expect("compiles")));
        let failed = report(
            JobsKind::Wait(WaitSummary {
                elapsed: Duration::from_secs(3),
                check_once: false,
                timeout: None,
            }),
            vec![entry("bad", Some("FAIL"), Some(Outcome::Failed))],
        );
        for expr in [
            "halt",
            "halt_error",
            ".job_id | halt_error(0)",
            "error(\"x\")",
            ".[0]",
        ] {
            let (_, status) = render(&failed, &jq(expr), &view());
            assert_eq!(status, ExitStatus::JobFailed, "{expr}");
        }
        let fine = report(JobsKind::Get, vec![entry("ok", Some("SUCCESS"), None)]);
        let (rendered, status) = render(&fine, &jq(".job_id, error(\"x\")"), &view());
        assert_eq!(status, ExitStatus::Usage, "a jq error after a clean run");
        assert_eq!(
            rendered.stdout.as_deref(),
            Some("ok\n"),
            "what came before the error"
        );
        assert!(
            matches!(&rendered.messages[..], [Message::Error { text, .. }] if text.starts_with("jq: "))
        );
        let (rendered, status) = render(&fine, &jq("halt"), &view());
        assert_eq!((status, rendered.stdout), (ExitStatus::Success, None));
    }
}

/// A new format needs no change here: any [`DocumentFormat`] gets every command's document.
#[cfg(test)]
mod new_format {
    use super::*;
    use crate::exit::ExitStatus;
    use crate::render::mode::{DocumentFormat, Written};

    /// A stand-in for a new format such as YAML: the top-level keys of the document.
    #[derive(Debug)]
    struct Keys;

    impl DocumentFormat for Keys {
        fn render(&self, document: &Document<'_>) -> Written<'_> {
            let keys = document
                .to_value()
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>().join(","))
                .unwrap_or_default();
            Written::Text(format!("keys: {keys}"))
        }
    }

    #[test]
    fn a_new_document_format_renders_every_command() {
        let job = crate::api::model::Job::from_value(
            serde_json::json!({"job_id": "a", "status": "SUCCESS"}),
        )
        .expect("a job");
        let view = View {
            style: Style::default(),
            neutralise: false,
            now: jiff::Timestamp::UNIX_EPOCH,
        };
        let get = Report::new(Body::Jobs(Jobs {
            entries: vec![JobEntry {
                id: JobId::parse("a").expect("an id"),
                job: Some(Box::new(job.clone())),
                error: None,
                outcome: None,
            }],
            kind: JobsKind::Get,
            array: false,
        }));
        let tree = Report::new(Body::Tree(Box::new(crate::report::Tree {
            root: TreeNode::leaf("a", Ok(job)),
            stopped: None,
        })));
        let mode = Render::Document(Box::new(Keys));
        let text = |report: &Report| render(report, ExitStatus::Success, &mode, &view).stdout;
        assert_eq!(text(&get).as_deref(), Some("keys: job_id,status"));
        assert_eq!(text(&tree).as_deref(), Some("keys: job,sub_jobs"));
    }
}
