//! `imsjob wait ID...`: poll until every job is SUCCESS or FAIL.
//!
//! This module only does I/O: it sends the polls [`schedule`] asks for, within one request
//! budget (`--max-rps`) shared by all jobs (soonest due first, so thousands of jobs cost one
//! task, flat memory and a bounded request rate), listens for signals and the deadline, and
//! tells one [`WaitObserver`] what happened. It returns a [`Report`]; it never prints.

pub(crate) mod schedule;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::time::Instant;

use self::schedule::{FastRand, JobSchedule, Next, Policy, throttled_until};
use crate::api::client::ImsClient;
use crate::api::error::ApiError;
use crate::api::id::JobId;
use crate::api::model::Job;
use crate::config::settings::WaitOptions;
use crate::exit::ExitStatus;
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
fn policy(options: &WaitOptions) -> Policy {
    Policy {
        interval: options.interval,
        max_interval: options.max_interval,
        not_found_grace: options.not_found_grace,
        check_once: options.check_once,
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
    // A job named twice is watched once: polling it twice would only spend the budget.
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
    let mut watches: Vec<Watch> = unique
        .into_iter()
        .map(|id| Watch {
            entry: JobEntry {
                id,
                job: None,
                error: None,
                outcome: None,
            },
            schedule: JobSchedule::new(&policy),
        })
        .collect();

    let stop = poll_until_done(client, &mut watches, options, &policy, observer, started).await;
    observer.finish();
    // After a signal the report holds what was known: the last state of every job, open ones
    // without an outcome (`doc/contract.md`, "wait").
    Ok(Report {
        stopped_by: stop?,
        body: Body::Jobs(Jobs {
            entries: watches.into_iter().map(|w| w.entry).collect(),
            kind: JobsKind::Wait(WaitSummary {
                elapsed: started.elapsed(),
                check_once: options.check_once,
                timeout: options.timeout,
            }),
            array,
        }),
    })
}

/// The polling loop. Returns the signal when interrupted.
async fn poll_until_done(
    client: &ImsClient,
    watches: &mut [Watch],
    options: &WaitOptions,
    policy: &Policy,
    observer: &mut dyn WaitObserver,
    started: Instant,
) -> anyhow::Result<Option<Signal>> {
    let mut signals = Signals::new()?;
    let mut random = FastRand;
    let deadline = options.timeout.map(|t| instant_at(started, t));
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
                let now = Instant::now().saturating_duration_since(started);
                let result: Result<Job, ApiError> = result;
                // Any HTTP answer, even an error, shows the endpoint is the right one.
                reached |= !matches!(&result, Err(error) if error.is_unreachable());
                if let Err(error) = &result
                    && let Some(until) = throttled_until(error, now, policy)
                {
                    next_send = next_send.max(instant_at(started, until));
                }
                let watch = &mut watches[index];
                match answer(watch, result, reached, policy, now, observer, &mut random)? {
                    Some(at) => due.push(Reverse((instant_at(started, at), index))),
                    None => {
                        pending -= 1;
                        let outcome = watch.entry.outcome.as_ref();
                        let failed = matches!(outcome, Some(Outcome::Failed));
                        let refused = outcome.is_some_and(|o| crate::exit::outcome_status(o) == ExitStatus::AuthRefused);
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
                let id = watches[index].entry.id.clone();
                let client = client.clone();
                in_flight.push(async move { (index, client.get_job(&id).await) });
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

/// `started + offset`, for offsets that may come from the server or a huge flag value: an
/// `Instant` that cannot be represented becomes one a year away (never reached in practice,
/// and never a panic).
fn instant_at(started: Instant, offset: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(365 * 24 * 3600);
    started
        .checked_add(offset)
        .or_else(|| started.checked_add(FAR))
        .unwrap_or(started)
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
