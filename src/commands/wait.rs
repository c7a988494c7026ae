//! `imsjob wait ID...`: poll until every job is SUCCESS or FAIL.
//!
//! This module only does I/O: it sends the polls [`schedule`] asks for, within one request
//! budget (`--max-rps`) shared by all jobs (soonest due first, so thousands of jobs cost one
//! task, flat memory and a bounded request rate), listens for signals and the deadline, and
//! tells one [`WaitObserver`] what happened. It returns a [`Report`]; it never prints.

pub(crate) mod schedule;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::time::Instant;

use self::schedule::{FastRand, JobSchedule, Next, Policy, throttled_until};
use super::fetch::refuses_credentials;
use crate::api::client::ImsClient;
use crate::api::error::ApiError;
use crate::api::id::JobId;
use crate::api::model::Job;
use crate::api::retry::{Clock, TokioClock};
use crate::config::settings::WaitOptions;
use crate::report::{
    Body, JobEntry, Jobs, JobsKind, Outcome, Report, Signal, WaitEvent, WaitObserver, WaitSummary,
};

/// Requests in flight at once, whatever the budget (bounds sockets when the API hangs).
const MAX_IN_FLIGHT: usize = 256;
/// Heartbeat period (the observers decide whether it shows).
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(60);
/// Jobs named in a heartbeat.
const HEARTBEAT_SAMPLE: usize = 3;

/// The schedule's part of the options.
pub(crate) fn policy(options: &WaitOptions) -> Policy {
    Policy {
        interval: options.interval,
        max_interval: options.max_interval,
        not_found_grace: options.not_found_grace,
        check_once: options.check_once,
        timeout: options.timeout,
    }
}

/// One job being waited on.
#[derive(Debug)]
struct Watch {
    entry: JobEntry,
    schedule: JobSchedule,
}

/// Runs `wait`.
///
/// # Errors
/// Failures of the observer's output, or when signals cannot be set up; job outcomes fold
/// into the report's exit status.
pub(crate) async fn run(
    client: &ImsClient,
    ids: Vec<JobId>,
    array: bool,
    options: &WaitOptions,
    observer: &mut dyn WaitObserver,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let policy = policy(options);
    let mut watches = start(ids, &policy, observer)?;
    let fetch = |id: JobId| {
        let client = client.clone();
        async move { client.get_job(&id).await }
    };
    let stop = poll_until_done(fetch, &mut watches, options, &policy, observer, started).await;
    observer.finish();
    // After a signal the report holds what was known: the last state of every job, open ones
    // without an outcome (`doc/contract.md`, "wait").
    Ok(Report {
        stopped_by: stop?,
        ..report(watches, array, options, started)
    })
}

/// `wait` after a login that failed for good (refused, or IAM out of reach beyond the
/// patience): it ends as at a refusal of its first poll, the first job with the login's error
/// and every other abandoned, so that the observer and the report give the shape they give
/// then (`doc/contract.md`, "One account, one answer"). No request is sent.
///
/// # Errors
/// Failures of the observer's output.
pub(crate) fn after_failed_login(
    login: ApiError,
    ids: Vec<JobId>,
    array: bool,
    options: &WaitOptions,
    observer: &mut dyn WaitObserver,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let mut watches = start(ids, &policy(options), observer)?;
    let mut others = watches.iter_mut();
    if let Some(Watch { entry, .. }) = others.next() {
        let outcome = entry.outcome.insert(Outcome::Error(login.clone()));
        entry.error = Some(login);
        observer.on(&WaitEvent::Done {
            id: &entry.id,
            outcome,
            last: None,
        })?;
    }
    for other in others {
        other.entry.outcome = Some(Outcome::Abandoned);
    }
    observer.finish();
    Ok(report(watches, array, options, started).at_login())
}

/// The jobs to wait on, each once (a job named twice is watched once: polling it twice
/// would only spend the budget), told to the observer.
fn start(
    ids: Vec<JobId>,
    policy: &Policy,
    observer: &mut dyn WaitObserver,
) -> std::io::Result<Vec<Watch>> {
    let given = ids.len();
    let mut seen = HashSet::with_capacity(given);
    let unique: Vec<JobId> = ids
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect();
    drop(seen);
    observer.on(&WaitEvent::Start {
        ids: &unique,
        duplicates: given - unique.len(),
    })?;
    Ok(unique
        .into_iter()
        .map(|id| Watch {
            entry: JobEntry {
                id,
                job: None,
                error: None,
                outcome: None,
            },
            schedule: JobSchedule::new(policy),
        })
        .collect())
}

/// The report of a wait that ran to its end.
fn report(watches: Vec<Watch>, array: bool, options: &WaitOptions, started: Instant) -> Report {
    Report::new(Body::Jobs(Jobs {
        entries: watches.into_iter().map(|w| w.entry).collect(),
        kind: JobsKind::Wait(WaitSummary {
            elapsed: started.elapsed(),
            check_once: options.check_once,
            timeout: options.timeout,
        }),
        array,
    }))
}

/// The polling loop over `fetch` (one request for one job). Returns the signal when
/// interrupted.
async fn poll_until_done<F, Fut>(
    fetch: F,
    watches: &mut [Watch],
    options: &WaitOptions,
    policy: &Policy,
    observer: &mut dyn WaitObserver,
    started: Instant,
) -> anyhow::Result<Option<Signal>>
where
    F: Fn(JobId) -> Fut,
    Fut: Future<Output = Result<Job, ApiError>>,
{
    let clock = TokioClock::from(started);
    let mut signals = Signals::new()?;
    let mut random = FastRand;
    let deadline = options.timeout.map(|t| clock.instant_at(t));
    let spacing = Duration::from_secs_f64(1.0 / options.max_rps);
    let mut next_send = started;
    let mut due: BinaryHeap<Reverse<(Instant, usize)>> =
        (0..watches.len()).map(|i| Reverse((started, i))).collect();
    let mut in_flight = FuturesUnordered::new();
    let mut pending = watches.len();
    let mut heartbeat = tokio::time::interval_at(started + HEARTBEAT, HEARTBEAT);
    // Whether the endpoint has answered anything in this run (see `schedule::on_error`).
    let mut reached = false;

    while pending > 0 {
        let next_due = due
            .peek()
            .filter(|_| in_flight.len() < MAX_IN_FLIGHT)
            .map(|Reverse((at, _))| (*at).max(next_send));
        tokio::select! {
            biased;
            status = signals.recv() => return Ok(Some(status)),
            () = sleep_until_opt(deadline), if deadline.is_some() => {
                for watch in watches.iter_mut().filter(|w| w.entry.outcome.is_none()) {
                    watch.entry.outcome = Some(at_deadline(&watch.entry));
                }
                return Ok(None);
            }
            Some((index, result)) = in_flight.next(), if !in_flight.is_empty() => {
                let now = clock.now();
                let result: Result<Job, ApiError> = result;
                // Any HTTP answer, even an error, shows the endpoint is the right one.
                reached |= !matches!(&result, Err(error) if error.is_unreachable());
                if let Err(error) = &result
                    && let Some(until) = throttled_until(error, now, policy)
                {
                    next_send = next_send.max(clock.instant_at(until));
                }
                let watch = &mut watches[index];
                match answer(watch, result, reached, policy, now, observer, &mut random)? {
                    Some(at) => due.push(Reverse((clock.instant_at(at), index))),
                    None => {
                        pending -= 1;
                        let outcome = watch.entry.outcome.as_ref();
                        let failed = matches!(outcome, Some(Outcome::Failed));
                        let refused = matches!(outcome, Some(Outcome::Error(error)) if refuses_credentials(error));
                        if refused || (failed && options.fail_fast) {
                            // Refused credentials will be refused for every job (and repeated
                            // AK/SK failures lock the key); --fail-fast asked to stop here.
                            for other in watches.iter_mut().filter(|w| w.entry.outcome.is_none()) {
                                other.entry.outcome = Some(Outcome::Abandoned);
                            }
                            return Ok(None);
                        }
                    }
                }
            }
            () = sleep_until_opt(next_due), if next_due.is_some() => {
                let Some(Reverse((_, index))) = due.pop() else { continue };
                next_send = Instant::now() + spacing;
                let request = fetch(watches[index].entry.id.clone());
                in_flight.push(async move { (index, request.await) });
            }
            _ = heartbeat.tick() => observer.on(&heartbeat_event(watches, started.elapsed()))?,
        }
    }
    Ok(None)
}

/// Takes in one answer: asks the schedule what comes next and tells the observer. Returns
/// when to poll again, or `None` when the wait for this job is over.
fn answer(
    watch: &mut Watch,
    result: Result<Job, ApiError>,
    reached: bool,
    policy: &Policy,
    now: Duration,
    observer: &mut dyn WaitObserver,
    random: &mut FastRand,
) -> std::io::Result<Option<Duration>> {
    let entry = &mut watch.entry;
    let next = match result {
        Ok(job) => {
            entry.error = None;
            let next = watch.schedule.on_job(&job, now, policy, random);
            observer.on(&WaitEvent::Answer {
                id: &entry.id,
                from: entry.status(),
                job: &job,
                elapsed: now,
            })?;
            entry.job = Some(Box::new(job));
            next
        }
        Err(error) => {
            let next = watch
                .schedule
                .on_error(&error, now, reached, policy, random);
            entry.error = Some(error);
            next
        }
    };
    match next {
        Next::PollAt(at) => Ok(Some(at)),
        Next::RetryAt(at) => {
            if let Some(error) = &entry.error {
                observer.on(&WaitEvent::Retrying {
                    id: &entry.id,
                    error,
                    delay: at.saturating_sub(now),
                    streak: watch.schedule.failure_streak(),
                    grace_left: watch.schedule.grace_left(now, policy),
                })?;
            }
            Ok(Some(at))
        }
        Next::Done(how) => {
            let outcome = entry.outcome.insert(how.outcome(entry.error.as_ref()));
            observer.on(&WaitEvent::Done {
                id: &entry.id,
                outcome,
                last: entry.job.as_deref(),
            })?;
            Ok(None)
        }
    }
}

fn heartbeat_event(watches: &[Watch], elapsed: Duration) -> WaitEvent<'_> {
    let mut open = watches.iter().filter(|w| w.entry.outcome.is_none());
    let sample = open
        .by_ref()
        .take(HEARTBEAT_SAMPLE)
        .map(|w| (&w.entry.id, w.entry.status()))
        .collect::<Vec<_>>();
    WaitEvent::Heartbeat {
        elapsed,
        open: sample.len() + open.count(),
        total: watches.len(),
        sample,
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The outcome of a job still open at the deadline.
fn at_deadline(entry: &JobEntry) -> Outcome {
    match (&entry.job, &entry.error) {
        // Never seen, and the API is refusing or failing: say so rather than "timeout".
        (None, Some(error)) => Outcome::Error(error.clone()),
        _ => Outcome::TimedOut,
    }
}

/// SIGINT and SIGTERM as futures.
#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn recv(&mut self) -> Signal {
        tokio::select! {
            _ = self.interrupt.recv() => Signal::Interrupt,
            _ = self.terminate.recv() => Signal::Terminate,
        }
    }
}

/// Windows has no signals: Ctrl-C is the interrupt, and Ctrl-Break (what a console or a
/// service manager sends to stop a process group) stands in for SIGTERM.
#[cfg(windows)]
struct Signals {
    interrupt: tokio::signal::windows::CtrlC,
    terminate: tokio::signal::windows::CtrlBreak,
}

#[cfg(windows)]
impl Signals {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::windows::{ctrl_break, ctrl_c};
        Ok(Self {
            interrupt: ctrl_c()?,
            terminate: ctrl_break()?,
        })
    }

    async fn recv(&mut self) -> Signal {
        tokio::select! {
            _ = self.interrupt.recv() => Signal::Interrupt,
            _ = self.terminate.recv() => Signal::Terminate,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    const SEC: Duration = Duration::from_secs(1);

    fn options() -> WaitOptions {
        WaitOptions {
            timeout: Some(3600 * SEC),
            check_once: false,
            interval: 2 * SEC,
            max_interval: 30 * SEC,
            max_rps: 10.0,
            fail_fast: false,
            not_found_grace: 30 * SEC,
        }
    }

    fn watches(n: usize, policy: &Policy) -> Vec<Watch> {
        (0..n)
            .map(|i| Watch {
                entry: JobEntry {
                    id: JobId::parse(&format!("job-{i}")).expect("an id"),
                    job: None,
                    error: None,
                    outcome: None,
                },
                schedule: JobSchedule::new(policy),
            })
            .collect()
    }

    fn job(id: &JobId, status: &str) -> Job {
        Job::from_value(serde_json::json!({"job_id": id.as_str(), "status": status}))
            .expect("a job")
    }

    /// Says nothing, remembers nothing.
    struct Quiet;

    impl WaitObserver for Quiet {
        fn on(&mut self, _: &WaitEvent<'_>) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Every request the loop sent: (job, time since the start).
    type Log = RefCell<Vec<(String, Duration)>>;

    /// Runs the polling loop in paused time over `answer` (given the job and the time).
    async fn run(
        n: usize,
        options: &WaitOptions,
        answer: impl Fn(&JobId, Duration) -> Result<Job, ApiError>,
    ) -> (Vec<Watch>, Option<Signal>, Vec<(String, Duration)>) {
        let policy = policy(options);
        let mut watches = watches(n, &policy);
        let started = Instant::now();
        let log = Log::default();
        let fetch = |id: JobId| {
            let at = started.elapsed();
            log.borrow_mut().push((id.as_str().to_owned(), at));
            let result = answer(&id, at);
            async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                result
            }
        };
        let stop = poll_until_done(fetch, &mut watches, options, &policy, &mut Quiet, started)
            .await
            .expect("no observer failure");
        (watches, stop, log.into_inner())
    }

    fn outcomes(watches: &[Watch]) -> Vec<String> {
        watches
            .iter()
            .map(|w| {
                format!(
                    "{:?}",
                    w.entry.outcome.as_ref().map(crate::exit::outcome_status)
                )
            })
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn jobs_are_polled_on_their_cadence_until_they_end() {
        // Each job runs for 10 s.
        let (watches, stop, log) = run(3, &options(), |id, at| {
            Ok(job(id, if at >= 10 * SEC { "SUCCESS" } else { "RUNNING" }))
        })
        .await;
        assert_eq!(stop, None);
        assert!(outcomes(&watches).iter().all(|o| o == "Some(Success)"));
        // A first poll at once (spaced by the request budget), then ~2, ~3, ~4.5 s apart:
        // at most five polls per job in ten seconds.
        let first: Vec<_> = log.iter().take(3).map(|(_, at)| *at).collect();
        assert!(first[2] >= Duration::from_millis(200), "{first:?}");
        for i in 0..3 {
            let polls = log
                .iter()
                .filter(|(id, _)| *id == format!("job-{i}"))
                .count();
            assert!(
                (4..=6).contains(&polls),
                "job-{i}: {polls} polls in {log:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_abandons_every_other_job_after_one_request() {
        let refused = ApiError::from_response(
            401,
            b"AK access failed to reach the limit,forbidden.",
            None,
            None,
        );
        let (watches, stop, log) = run(200, &options(), |_, _| Err(refused.clone())).await;
        assert_eq!(stop, None);
        // The answer comes back before the request budget allows a second request.
        assert_eq!(log.len(), 1, "{log:?}");
        assert!(matches!(
            watches[0].entry.outcome,
            Some(Outcome::Error(ref e)) if refuses_credentials(e)
        ));
        assert!(
            watches[1..]
                .iter()
                .all(|w| matches!(w.entry.outcome, Some(Outcome::Abandoned)))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_answer_pauses_every_job_for_its_window() {
        let body = br#"{"error_code": "APIGW.0308", "error_msg": "limit:2000,time:1 minute"}"#;
        let (watches, _, log) = run(3, &options(), |id, at| {
            if id.as_str() == "job-0" && at < SEC {
                Err(ApiError::from_response(429, body, None, None))
            } else {
                Ok(job(id, "SUCCESS"))
            }
        })
        .await;
        assert!(outcomes(&watches).iter().all(|o| o == "Some(Success)"));
        // job-0 was throttled at once: the others' first polls, due right after it, wait
        // out the minute, as does job-0's retry.
        let after: Vec<_> = log.iter().skip(1).map(|(_, at)| *at).collect();
        assert_eq!(after.len(), 3, "{log:?}");
        assert!(
            after.iter().all(|at| *at >= 60 * SEC),
            "no request inside the window: {log:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_ending_between_the_last_regular_poll_and_the_deadline_is_seen_to_end() {
        // The field report: a job ending at 28 s, `--timeout 40s`, the default cadence, whose
        // regular polls skip from ~27 s to past the deadline.
        let options = WaitOptions {
            timeout: Some(40 * SEC),
            ..options()
        };
        let (watches, stop, log) = run(1, &options, |id, at| {
            Ok(job(id, if at >= 28 * SEC { "SUCCESS" } else { "RUNNING" }))
        })
        .await;
        assert_eq!(stop, None);
        assert_eq!(outcomes(&watches), ["Some(Success)"], "{log:?}");
        let (_, last) = log.last().expect("polls");
        assert!(*last >= 39 * SEC && *last < 40 * SEC, "{log:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttling_window_over_the_deadline_sends_no_last_look() {
        let options = WaitOptions {
            timeout: Some(40 * SEC),
            ..options()
        };
        let body = br#"{"error_code": "APIGW.0308", "error_msg": "limit:2000,time:1 minute"}"#;
        let throttled_once = std::cell::Cell::new(false);
        let (watches, _, log) = run(1, &options, |id, at| {
            if at >= 20 * SEC && !throttled_once.replace(true) {
                Err(ApiError::from_response(429, body, None, None))
            } else {
                Ok(job(id, "RUNNING"))
            }
        })
        .await;
        assert!(matches!(watches[0].entry.outcome, Some(Outcome::TimedOut)));
        let (_, last) = log.last().expect("polls");
        assert!(*last < 30 * SEC, "nothing inside the window: {log:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_ends_open_jobs_and_check_once_sends_one_request_each() {
        let options = WaitOptions {
            timeout: Some(5 * SEC),
            ..options()
        };
        let (watches, stop, _) = run(2, &options, |id, _| Ok(job(id, "RUNNING"))).await;
        assert_eq!(stop, None);
        assert!(
            watches
                .iter()
                .all(|w| matches!(w.entry.outcome, Some(Outcome::TimedOut)))
        );
        let once = WaitOptions {
            check_once: true,
            timeout: None,
            ..options
        };
        let unavailable = ApiError::from_response(503, b"", None, None);
        let (watches, _, log) = run(4, &once, |_, _| Err(unavailable.clone())).await;
        assert_eq!(log.len(), 4);
        assert!(
            watches
                .iter()
                .all(|w| matches!(w.entry.outcome, Some(Outcome::Error(_))))
        );
    }
}
