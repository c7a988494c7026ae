//! `imsjob wait ID...`: poll until every job is SUCCESS or FAIL.
//!
//! Two loops are kept apart (issue "wait that survives the real world"):
//! - the *cadence* of a healthy job: first poll at once, then `--interval` growing ×1.5 with
//!   jitter up to `--max-interval`; when a job's `process_percent` grows steadily, one poll
//!   may move earlier, to just after the predicted end;
//! - the *retry* of a failed poll: exponential backoff with full jitter, never sooner than
//!   `Retry-After`, until the deadline or five minutes of continuous failure.
//!
//! All jobs share one scheduler (soonest due first) and one request budget (`--max-rps`),
//! so thousands of jobs cost one task, flat memory and a bounded request rate.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::get::{print_document, report_error};
use super::wait_progress::Progress;
use crate::api::client::ImsClient;
use crate::api::error::ApiError;
use crate::api::id::JobId;
use crate::api::model::{Job, Status};
use crate::api::retry::retry_delay;
use crate::cli::{Timeout, WaitArgs};
use crate::error::UsageError;
use crate::exit::ExitStatus;
use crate::output::Output;
use crate::render::table::{Row, jobs_table};
use crate::render::{self, Style};
use crate::settings::Render;
use crate::text::sanitize;

/// After this much continuous failure the API counts as unavailable (exit 5).
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(300);
/// Growth of the polling interval per poll.
const CADENCE_GROWTH: f64 = 1.5;
/// Requests in flight at once, whatever the budget (bounds sockets when the API hangs).
const MAX_IN_FLIGHT: usize = 256;
/// Retries of one check when `--timeout 0` asks to check once (same as `get`).
const CHECK_ONCE_RETRIES: u32 = super::get::ONE_SHOT_RETRIES;
/// How long all polling pauses after a 429 that carries no `Retry-After`.
const THROTTLE_PAUSE: Duration = Duration::from_secs(1);
/// Version of the `--events` line format.
pub const EVENTS_SCHEMA: u32 = 1;

/// Validated `wait` options.
#[derive(Debug, Clone)]
pub struct WaitOptions {
    /// `None`: no deadline.
    pub timeout: Option<Duration>,
    /// `--timeout 0`: look once, do not wait.
    pub check_once: bool,
    pub interval: Duration,
    pub max_interval: Duration,
    pub max_rps: f64,
    pub fail_fast: bool,
    pub events: bool,
    /// A job not found is taken for one created moments ago for this long (CLI.md: 30 s).
    pub not_found_grace: Duration,
}

impl WaitOptions {
    /// # Errors
    /// When the numbers cannot work (zero interval, budget out of range).
    pub fn from_args(args: &WaitArgs) -> Result<Self, UsageError> {
        if args.interval.is_zero() {
            return Err(UsageError::new("`--interval` must be greater than zero"));
        }
        if args.max_interval < args.interval {
            return Err(UsageError::new(
                "`--max-interval` must be at least `--interval`",
            ));
        }
        if !(args.max_rps.is_finite() && (0.01..=10_000.0).contains(&args.max_rps)) {
            return Err(UsageError::new(
                "`--max-rps` must be a number between 0.01 and 10000",
            ));
        }
        let (timeout, check_once) = match args.timeout {
            Timeout::Never => (None, false),
            Timeout::After(d) if d.is_zero() => (None, true),
            Timeout::After(d) => (Some(d), false),
        };
        Ok(Self {
            timeout,
            check_once,
            interval: args.interval,
            max_interval: args.max_interval,
            max_rps: args.max_rps,
            fail_fast: args.fail_fast,
            events: args.events,
            not_found_grace: args.not_found_grace,
        })
    }
}

/// How the wait for one job ended.
#[derive(Debug, Clone)]
pub enum Final {
    Success,
    Failed,
    /// Still running at the deadline (or at the single check of `--timeout 0`).
    TimedOut,
    /// Stopped because another job failed under `--fail-fast`.
    Abandoned,
    /// An error ended the wait for this job (not found, refused, unavailable).
    Error(ApiError),
}

impl Final {
    fn exit_status(&self) -> ExitStatus {
        match self {
            Self::Success | Self::Abandoned => ExitStatus::Success,
            Self::Failed => ExitStatus::JobFailed,
            Self::TimedOut => ExitStatus::Timeout,
            Self::Error(error) => ExitStatus::from(error),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failed => "failed",
            Self::TimedOut => "timeout",
            Self::Abandoned => "abandoned",
            Self::Error(e) if e.is_not_found() => "not_found",
            Self::Error(e) if matches!(ExitStatus::from(e), ExitStatus::AuthRefused) => "refused",
            Self::Error(_) => "unavailable",
        }
    }
}

/// What is known of one job being waited on.
#[derive(Debug)]
pub struct Watch {
    pub id: JobId,
    /// The last document received (boxed: most watches hold none for a while, and 100 000
    /// of them must stay small).
    pub last: Option<Box<Job>>,
    /// Delay before the next poll of a healthy job.
    cadence: Duration,
    /// Consecutive failed polls, and since when.
    failures: u32,
    failing_since: Option<Instant>,
    not_found_since: Option<Instant>,
    last_error: Option<ApiError>,
    /// An earlier `process_percent` reading and when it was taken, to estimate the end.
    progress_mark: Option<(Instant, f64)>,
    /// Whether the poll in flight was moved earlier by that estimate (one at a time).
    early_poll: bool,
    pub outcome: Option<Final>,
}

impl Watch {
    fn new(id: JobId, interval: Duration) -> Self {
        Self {
            id,
            last: None,
            cadence: interval,
            failures: 0,
            failing_since: None,
            not_found_since: None,
            last_error: None,
            progress_mark: None,
            early_poll: false,
            outcome: None,
        }
    }

    /// Consecutive failed polls so far.
    #[must_use]
    pub fn failure_streak(&self) -> u32 {
        self.failures
    }

    #[must_use]
    pub fn status(&self) -> Option<&Status> {
        self.last.as_ref().map(|job| &job.view.status)
    }
}

/// Why the loop stopped before every job ended.
enum Stop {
    Signal(ExitStatus),
}

/// Runs `wait`.
///
/// # Errors
/// Output failures only; job outcomes fold into the exit status.
pub async fn run(
    client: &ImsClient,
    ids: Vec<JobId>,
    options: &WaitOptions,
    render: &Render,
    out: &Output,
) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    // A job named twice is watched once: polling it twice would only spend the budget.
    let given = ids.len();
    let mut seen = std::collections::HashSet::with_capacity(given);
    let mut watches: Vec<Watch> = ids
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .map(|id| Watch::new(id, options.interval))
        .collect();
    drop(seen);
    if watches.len() < given {
        out.warn(&format!(
            "{} duplicate job id(s) ignored: each job is waited on once",
            given - watches.len()
        ));
    }
    let mut progress = Progress::new(out, &watches, options.events);
    if options.events {
        out.result(&render::json::compact(&json!({
            "event": "start",
            "schema": EVENTS_SCHEMA,
            "time": jiff::Timestamp::now().to_string(),
            "jobs": watches.len(),
        })))?;
    }

    let stop = poll_until_done(client, &mut watches, options, &mut progress, out, started).await?;
    progress.finish();

    if let Some(Stop::Signal(status)) = stop {
        let running = watches.iter().filter(|w| w.outcome.is_none()).count();
        out.warn(&format!(
            "interrupted: stopped waiting; {running} job(s) keep running remotely (imsjob never cancels jobs)"
        ));
        return Ok(status);
    }

    let mut status = ExitStatus::Success;
    for watch in &watches {
        let Some(outcome) = &watch.outcome else {
            continue;
        };
        status = status.worst(outcome.exit_status());
        report_outcome(out, watch, outcome, options);
    }
    if options.events {
        let jobs: Vec<Value> = watches
            .iter()
            .map(|w| {
                json!({
                    "job_id": w.id.as_str(),
                    "status": w.status().map(Status::as_str),
                    "outcome": w.outcome.as_ref().map(Final::name),
                })
            })
            .collect();
        out.result(&render::json::compact(&json!({
            "event": "end",
            "time": jiff::Timestamp::now().to_string(),
            "elapsed_ms": millis(started.elapsed()),
            "exit_code": status.code(),
            "jobs": jobs,
        })))?;
    } else {
        print_final(out, &watches, render)?;
    }
    Ok(status)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// The polling loop. Returns `Some(Stop)` when interrupted.
async fn poll_until_done(
    client: &ImsClient,
    watches: &mut [Watch],
    options: &WaitOptions,
    progress: &mut Progress<'_>,
    out: &Output,
    started: Instant,
) -> anyhow::Result<Option<Stop>> {
    let mut signals = Signals::new()?;
    let deadline = options.timeout.map(|t| started + t);
    let spacing = Duration::from_secs_f64(1.0 / options.max_rps);
    let mut next_send = started;
    let mut due: BinaryHeap<Reverse<(Instant, usize)>> =
        (0..watches.len()).map(|i| Reverse((started, i))).collect();
    let mut in_flight = FuturesUnordered::new();
    let mut pending = watches.len();
    let mut heartbeat =
        tokio::time::interval_at(started + Progress::HEARTBEAT, Progress::HEARTBEAT);

    while pending > 0 {
        let next_due = due
            .peek()
            .filter(|_| in_flight.len() < MAX_IN_FLIGHT)
            .map(|Reverse((at, _))| (*at).max(next_send));
        tokio::select! {
            biased;
            status = signals.recv() => return Ok(Some(Stop::Signal(status))),
            () = sleep_until_opt(deadline), if deadline.is_some() => {
                for watch in watches.iter_mut().filter(|w| w.outcome.is_none()) {
                    watch.outcome = Some(at_deadline(watch));
                }
                return Ok(None);
            }
            Some((index, result)) = in_flight.next(), if !in_flight.is_empty() => {
                let now = Instant::now();
                let result: Result<Job, ApiError> = result;
                if let Err(error) = &result
                    && error.http_status() == Some(429)
                {
                    // Throttling is per account, not per job: every job's next request
                    // waits as long as the gateway asked, so one 429 does not become a
                    // burst of them.
                    let pause = error.retry_after().unwrap_or(THROTTLE_PAUSE);
                    next_send = next_send.max(now + pause);
                }
                let watch = &mut watches[index];
                match handle_answer(watch, result, options, now, progress, out, started)? {
                    Next::PollAt(at) => due.push(Reverse((at, index))),
                    Next::Done => {
                        pending -= 1;
                        let failed = matches!(watch.outcome, Some(Final::Failed));
                        let refused = matches!(&watch.outcome, Some(Final::Error(e)) if ExitStatus::from(e) == ExitStatus::AuthRefused);
                        if refused || (failed && options.fail_fast) {
                            // Refused credentials will be refused for every job (and repeated
                            // AK/SK failures lock the key); --fail-fast asked to stop here.
                            for other in watches.iter_mut().filter(|w| w.outcome.is_none()) {
                                other.outcome = Some(Final::Abandoned);
                            }
                            return Ok(None);
                        }
                    }
                }
            }
            () = sleep_until_opt(next_due), if next_due.is_some() => {
                let Some(Reverse((_, index))) = due.pop() else { continue };
                let now = Instant::now();
                next_send = now + spacing;
                let id = watches[index].id.clone();
                let client = client.clone();
                in_flight.push(async move { (index, client.get_job(&id).await) });
            }
            _ = heartbeat.tick() => progress.heartbeat(watches, started.elapsed()),
        }
    }
    Ok(None)
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// What to do with a job after an answer.
enum Next {
    PollAt(Instant),
    Done,
}

fn handle_answer(
    watch: &mut Watch,
    result: Result<Job, ApiError>,
    options: &WaitOptions,
    now: Instant,
    progress: &mut Progress<'_>,
    out: &Output,
    started: Instant,
) -> anyhow::Result<Next> {
    match result {
        Ok(job) => {
            watch.failures = 0;
            watch.failing_since = None;
            watch.not_found_since = None;
            watch.last_error = None;
            let old = watch.status().cloned();
            let new = job.view.status.clone();
            if old.as_ref() != Some(&new) && options.events {
                out.result(&render::json::compact(&json!({
                    "event": "status",
                    "job_id": watch.id.as_str(),
                    "from": old.as_ref().map(Status::as_str),
                    "to": new.as_str(),
                    "time": jiff::Timestamp::now().to_string(),
                    "elapsed_ms": millis(now - started),
                })))?;
            }
            progress.observed(watch, old.as_ref(), &job, now - started);
            watch.last = Some(Box::new(job));
            let outcome = match new {
                Status::Success => Some(Final::Success),
                Status::Fail => Some(Final::Failed),
                _ if options.check_once => Some(Final::TimedOut),
                _ => None,
            };
            if let Some(outcome) = outcome {
                progress.done(watch, &outcome);
                watch.outcome = Some(outcome);
                return Ok(Next::Done);
            }
            let mut delay = jitter(watch.cadence).min(options.max_interval);
            match predicted_end(watch, now) {
                // The job reports progress steadily and should end before the next regular
                // poll: look shortly after the predicted end instead. Never twice in a row,
                // so a job stuck near 100 % cannot turn the prediction into extra polls.
                Some(eta) if !watch.early_poll && eta < delay => {
                    delay = eta
                        .mul_f64(1.1)
                        .max(options.interval.min(Duration::from_secs(1)));
                    watch.early_poll = true;
                }
                _ => watch.early_poll = false,
            }
            watch.cadence = watch
                .cadence
                .mul_f64(CADENCE_GROWTH)
                .min(options.max_interval);
            Ok(Next::PollAt(now + delay))
        }
        Err(error) => {
            let next = failed_poll(watch, &error, options, now);
            match &next {
                Next::Done => {
                    watch.outcome = Some(Final::Error(error.clone()));
                    progress.done(watch, watch.outcome.as_ref().unwrap_or(&Final::TimedOut));
                }
                Next::PollAt(at) => progress.retrying(watch, &error, *at - now),
            }
            watch.last_error = Some(error);
            Ok(next)
        }
    }
}

/// When a running job will end, judged from how fast its `process_percent` grew since an
/// earlier reading; `None` without two increasing readings.
fn predicted_end(watch: &mut Watch, now: Instant) -> Option<Duration> {
    let fraction = watch
        .last
        .as_ref()
        .filter(|job| job.view.status == Status::Running)
        .and_then(|job| job.view.process_percent)
        .filter(|f| *f > 0.0 && *f < 1.0)?;
    let Some((then, earlier)) = watch.progress_mark else {
        watch.progress_mark = Some((now, fraction));
        return None;
    };
    if fraction <= earlier {
        return None;
    }
    let rate = (fraction - earlier) / (now - then).as_secs_f64().max(0.001);
    Duration::try_from_secs_f64((1.0 - fraction) / rate).ok()
}

/// Decides what a failed poll means: wait a little longer, retry, or give up.
fn failed_poll(watch: &mut Watch, error: &ApiError, options: &WaitOptions, now: Instant) -> Next {
    if error.is_not_found() {
        let since = *watch.not_found_since.get_or_insert(now);
        if options.check_once || now - since >= options.not_found_grace {
            return Next::Done;
        }
        // Not found moments after creation is normal: keep the healthy cadence.
        return Next::PollAt(now + jitter(options.interval));
    }
    // In a long wait even an oversized answer is asked again (with backoff, within the
    // five-minute limit): one bad answer must not end it, and it never counts as success.
    let retryable = error.is_transient() || matches!(error, ApiError::TooLarge { .. });
    if !retryable {
        return Next::Done;
    }
    let since = *watch.failing_since.get_or_insert(now);
    let attempt = watch.failures;
    watch.failures += 1;
    if options.check_once && attempt >= CHECK_ONCE_RETRIES {
        return Next::Done;
    }
    if now - since >= GIVE_UP_AFTER {
        return Next::Done;
    }
    Next::PollAt(now + retry_delay(attempt, error))
}

/// The outcome of a job still open at the deadline.
fn at_deadline(watch: &Watch) -> Final {
    match (&watch.last, &watch.last_error) {
        // Never seen, and the API is refusing or failing: say so rather than "timeout".
        (None, Some(error)) => Final::Error(error.clone()),
        _ => Final::TimedOut,
    }
}

/// ±10 % so that many jobs started together do not poll in lockstep.
fn jitter(delay: Duration) -> Duration {
    delay.mul_f64(0.9 + 0.2 * fastrand::f64())
}

fn report_outcome(out: &Output, watch: &Watch, outcome: &Final, options: &WaitOptions) {
    match outcome {
        Final::Success | Final::Abandoned => {}
        Final::Failed => {
            let view = watch.last.as_ref().map(|job| &job.view);
            let code = view
                .and_then(|v| v.error_code.as_deref())
                .unwrap_or("no error code");
            let reason = view
                .and_then(|v| v.fail_reason.as_deref())
                .unwrap_or("no reason given");
            let kind = view.and_then(|v| v.job_type.as_deref()).unwrap_or("job");
            out.error(
                &format!(
                    "job {} ({}) failed: {}: {}",
                    watch.id,
                    sanitize(kind),
                    sanitize(code),
                    sanitize(reason)
                ),
                None,
            );
        }
        Final::TimedOut => {
            let status = watch
                .status()
                .map_or("the API had given no answer yet", Status::as_str);
            let limit = if options.check_once {
                "checked once (`--timeout 0`)".to_owned()
            } else {
                format!(
                    "timed out after {}",
                    crate::time::format_duration(options.timeout.unwrap_or_default())
                )
            };
            out.error(
                &format!(
                    "job {}: {limit} while {}; it may still finish remotely",
                    watch.id,
                    sanitize(status)
                ),
                Some("wait longer with `--timeout`, e.g. `--timeout 2h`, or `--timeout none`"),
            );
        }
        Final::Error(error) => report_error(out, &watch.id, error),
    }
}

fn print_final(out: &Output, watches: &[Watch], render: &Render) -> anyhow::Result<()> {
    let single = watches.len() == 1;
    match render {
        Render::Table | Render::Tree => {
            let rows: Vec<Row<'_>> = watches
                .iter()
                .map(|w| match (&w.last, &w.outcome) {
                    (Some(job), _) => Row::Job(&job.view),
                    (None, Some(Final::Error(error))) => Row::Error {
                        job_id: w.id.as_str(),
                        message: error.to_string(),
                    },
                    (None, _) => Row::Error {
                        job_id: w.id.as_str(),
                        message: "not checked".into(),
                    },
                })
                .collect();
            let style = Style {
                width: out.stdout_width(),
                color: out.color_stdout(),
            };
            out.result(&jobs_table(&rows, style, jiff::Timestamp::now()))?;
        }
        Render::Json | Render::Jq(_) => {
            let documents: Vec<Value> = watches
                .iter()
                .map(|w| match &w.last {
                    Some(job) => job.raw.clone(),
                    None => render::json::unfetched(w.id.as_str(), w.last_error.as_ref()),
                })
                .collect();
            print_document(out, render, &render::json::document(&documents, single))?;
        }
    }
    Ok(())
}

/// SIGINT and SIGTERM as futures.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn recv(&mut self) -> ExitStatus {
        tokio::select! {
            _ = self.interrupt.recv() => ExitStatus::Interrupted,
            _ = self.terminate.recv() => ExitStatus::Terminated,
        }
    }
}
