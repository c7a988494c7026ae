//! One-shot fetching shared by `get` and `tree`: each job with the shared retry policy's
//! one-shot patience ([`crate::api::retry`]), many jobs concurrently, as one run.
//!
//! The jobs of a run share one account, so what the API says about the account holds for all
//! of them:
//! - the first credential refusal (401/403, a locked key) ends the run: no further request is
//!   sent (repeated failed AK/SK signatures lock the key, repeated failed logins the user),
//!   and every job not yet asked for is reported as not attempted;
//! - a throttled answer pauses every request for the window the gateway names, when that is
//!   short; a longer window ends the run at once, saying when to try again;
//! - the first request goes alone, so that credentials the API refuses cost one request, not
//!   one per request in flight.
//!
//! Pauses over a second are announced on stderr: a silent pause looks like a hang.

use std::cell::Cell;
use std::time::Duration;

use futures_util::StreamExt;

use crate::api::client::ImsClient;
use crate::api::error::ApiError;
use crate::api::id::JobId;
use crate::api::model::Job;
use crate::api::retry::{
    ANNOUNCE_AFTER, Backoff, Clock, FastRand, GiveUp, Patience, TokioClock, Verdict, is_throttled,
};
use crate::exit::ExitStatus;

/// Fetches in flight at once for several ids.
const CONCURRENCY: usize = 16;

/// Why a job of a one-shot run has no document.
#[derive(Debug)]
pub(crate) enum Unfetched {
    /// Asked for, and this was the final answer.
    Error(ApiError),
    /// Never asked for: the run had stopped (a refusal, a long throttling window).
    NotAttempted,
}

/// Something a run says on stderr while it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Notice {
    /// Progress (silenced by `-q`): a pause is being taken.
    Note(String),
    /// Why the run stopped sending requests (shown even with `-q`).
    Warning(String),
}

/// Whether an answer refuses the credentials themselves: every other request would be refused
/// too. The same test ends a `wait`.
#[must_use]
pub(crate) fn refuses_credentials(error: &ApiError) -> bool {
    ExitStatus::from(error) == ExitStatus::AuthRefused
}

/// Why a run stopped sending requests.
#[derive(Debug)]
enum Stop {
    /// The credentials were refused.
    Refused,
    /// Credentials could not be obtained (IAM unreachable or hanging).
    LoginFailed,
    /// The server asked for a longer pause than a one-shot command takes (the whole text).
    Window(String),
}

/// The shared state of one run's fetches (all on one task, hence `Cell`s).
pub(crate) struct Fetcher<'a, F, C> {
    fetch: F,
    clock: C,
    notify: &'a dyn Fn(Notice),
    /// Whether obtaining credentials has failed (then every request would fail alike).
    credentials_failed: Box<dyn Fn() -> bool + 'a>,
    /// No request is sent any more, and why.
    stopped: Cell<bool>,
    /// Wakes every pause when the run stops: a request waiting out a throttling window or a
    /// backoff is not going to be sent, so the run need not wait for it.
    halted: tokio::sync::Notify,
    why: std::cell::RefCell<Option<Stop>>,
    /// No request is sent before this time (a throttling window), since the clock's start.
    paused_until: Cell<Duration>,
    /// The end of the last pause announced: pauses that end sooner go unsaid.
    announced_until: Cell<Duration>,
    /// Whether the endpoint has answered anything in this run.
    reached: Cell<bool>,
}

/// A fetcher on the real client and clock.
pub(crate) fn fetcher<'a>(
    client: &'a ImsClient,
    notify: &'a dyn Fn(Notice),
) -> Fetcher<'a, impl AsyncFn(&JobId) -> Result<Job, ApiError> + 'a, TokioClock> {
    let mut fetcher = Fetcher::new(
        async move |id: &JobId| client.get_job(id).await,
        TokioClock::start(),
        notify,
    );
    fetcher.credentials_failed = Box::new(|| client.credentials_failed());
    fetcher
}

/// A fetcher for a run whose login failed before its first request: that request gets the
/// login's error, as it would have got a later login's, and the run stops there as it does
/// at a refusal (no request is sent, every other id is not attempted and counted).
pub(crate) fn after_failed_login<'a>(
    login: &'a ApiError,
    notify: &'a dyn Fn(Notice),
) -> Fetcher<'a, impl AsyncFn(&JobId) -> Result<Job, ApiError> + 'a, TokioClock> {
    let mut fetcher = Fetcher::new(
        async move |_: &JobId| Err(login.clone()),
        TokioClock::start(),
        notify,
    );
    fetcher.credentials_failed = Box::new(|| true);
    fetcher
}

impl<'a, F, C> Fetcher<'a, F, C>
where
    F: AsyncFn(&JobId) -> Result<Job, ApiError>,
    C: Clock,
{
    pub(crate) fn new(fetch: F, clock: C, notify: &'a dyn Fn(Notice)) -> Self {
        Self {
            fetch,
            clock,
            notify,
            credentials_failed: Box::new(|| false),
            stopped: Cell::new(false),
            halted: tokio::sync::Notify::new(),
            why: std::cell::RefCell::new(None),
            paused_until: Cell::new(Duration::ZERO),
            announced_until: Cell::new(Duration::ZERO),
            reached: Cell::new(false),
        }
    }

    /// Fetches jobs, the first alone and then [`CONCURRENCY`] at a time; the results come
    /// back in the order of `ids`.
    pub(crate) async fn fetch_all(&self, ids: &[JobId]) -> Vec<Result<Job, Unfetched>> {
        let Some((first, rest)) = ids.split_first() else {
            return Vec::new();
        };
        let mut results = Vec::with_capacity(ids.len());
        results.push(self.fetch(first).await);
        let rest: Vec<_> = futures_util::stream::iter(rest)
            .map(|id| self.fetch(id))
            .buffered(CONCURRENCY)
            .collect()
            .await;
        results.extend(rest);
        let left_out = results
            .iter()
            .filter(|r| matches!(r, Err(Unfetched::NotAttempted)))
            .count();
        self.finish(left_out, "job(s)");
        results
    }

    /// Fetches one job, retrying what the policy allows.
    pub(crate) async fn fetch(&self, id: &JobId) -> Result<Job, Unfetched> {
        let started = self.clock.now();
        let mut backoff = Backoff::default();
        let mut last = None;
        loop {
            self.wait_out_pause().await;
            if self.stopped.get() {
                return Err(last.map_or(Unfetched::NotAttempted, Unfetched::Error));
            }
            let error = match (self.fetch)(id).await {
                Ok(job) => {
                    self.reached.set(true);
                    return Ok(job);
                }
                Err(error) => error,
            };
            self.reached
                .set(self.reached.get() || !error.is_unreachable());
            if refuses_credentials(&error) {
                self.stop(Stop::Refused);
                return Err(Unfetched::Error(error));
            }
            if (self.credentials_failed)() {
                self.stop(Stop::LoginFailed);
                return Err(Unfetched::Error(error));
            }
            let now = self.clock.now();
            let verdict = backoff.after(
                &error,
                now.saturating_sub(started),
                self.reached.get(),
                Patience::OneShot,
                &mut FastRand,
            );
            match verdict {
                Verdict::RetryIn(delay) => {
                    let until = now.saturating_add(delay);
                    if is_throttled(&error) {
                        // Throttling is per account: every request waits the window out.
                        self.paused_until.set(self.paused_until.get().max(until));
                    }
                    self.announce(id, &error, delay, until);
                    self.pause(delay).await;
                    last = Some(error);
                }
                Verdict::GiveUp(GiveUp::TooLongAWait(window)) => {
                    self.stop(Stop::Window(format!(
                        "the API asks to wait {} before the next request ({}); a one-shot command does not wait that long: try again after {}",
                        crate::time::format_duration(window),
                        if is_throttled(&error) {
                            "a throttling window"
                        } else {
                            "`Retry-After`"
                        },
                        retry_time(window),
                    )));
                    return Err(Unfetched::Error(error));
                }
                Verdict::GiveUp(_) => return Err(Unfetched::Error(error)),
            }
        }
    }

    async fn wait_out_pause(&self) {
        loop {
            let now = self.clock.now();
            let until = self.paused_until.get();
            if until <= now || self.stopped.get() {
                return;
            }
            self.pause(until.saturating_sub(now)).await;
        }
    }

    /// Lets `delay` pass, or less if the run stops meanwhile.
    async fn pause(&self, delay: Duration) {
        // Made before the check: a stop after it wakes this future, even before it is polled.
        let halted = std::pin::pin!(self.halted.notified());
        if self.stopped.get() {
            return;
        }
        let sleep = std::pin::pin!(self.clock.sleep(delay));
        futures_util::future::select(sleep, halted).await;
    }

    /// Stops the run (the first reason is the one kept).
    fn stop(&self, why: Stop) {
        if !self.stopped.replace(true) {
            *self.why.borrow_mut() = Some(why);
            self.halted.notify_waiters();
        }
    }

    /// The end of the run: says why it stopped early, if it did, and what that left out.
    pub(crate) fn finish(&self, not_attempted: usize, what: &str) {
        let left_out = format!("{not_attempted} {what} not attempted");
        let text = match self.why.borrow_mut().take() {
            Some(Stop::Refused) if not_attempted > 0 => format!(
                "the credentials were refused: no further request was sent ({left_out}: each would be refused too, and repeated refusals lock an access key or an IAM user)"
            ),
            Some(Stop::LoginFailed) if not_attempted > 0 => format!(
                "no token could be obtained from IAM: no further request was sent ({left_out})"
            ),
            Some(Stop::Window(text)) if not_attempted > 0 => format!("{text} ({left_out})"),
            Some(Stop::Window(text)) => text,
            Some(Stop::Refused | Stop::LoginFailed) | None => return,
        };
        (self.notify)(Notice::Warning(text));
    }

    /// Says that a pause over [`ANNOUNCE_AFTER`] is being taken, unless one already announced
    /// lasts at least as long.
    fn announce(&self, id: &JobId, error: &ApiError, delay: Duration, until: Duration) {
        if delay <= ANNOUNCE_AFTER || until <= self.announced_until.get() {
            return;
        }
        self.announced_until.set(until);
        (self.notify)(Notice::Note(format!(
            "job {id}: {error}; retrying in {}",
            crate::time::format_duration(delay)
        )));
    }
}

/// The wall-clock time a window of `window` from now ends, `14:05:09 UTC`, to the second up.
fn retry_time(window: Duration) -> String {
    let seconds = window.as_secs() + u64::from(window.subsec_nanos() > 0);
    let at = i64::try_from(seconds).ok().and_then(|s| {
        jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_secs(s))
            .ok()
    });
    match at {
        Some(at) => format!("{} UTC", at.strftime("%Y-%m-%d %H:%M:%S")),
        None => "a long while".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::api::retry::tests::ManualClock;

    fn ids(n: usize) -> Vec<JobId> {
        (0..n)
            .map(|i| JobId::parse(&format!("job-{i}")).expect("an id"))
            .collect()
    }

    fn job(id: &JobId) -> Job {
        Job::from_value(serde_json::json!({"job_id": id.as_str(), "status": "SUCCESS"}))
            .expect("a job")
    }

    fn status(status: u16, body: &str) -> ApiError {
        ApiError::from_response(status, body.as_bytes(), None, None)
    }

    /// Runs `get` of `n` ids against `answer` (given the request's number, from 0) in paused
    /// time; returns the results, the requests sent, the notices and the time taken.
    async fn run(
        n: usize,
        answer: impl Fn(usize, &JobId) -> Result<Job, ApiError>,
    ) -> (Vec<Result<Job, Unfetched>>, usize, Vec<Notice>, Duration) {
        let sent = Cell::new(0);
        let notices = RefCell::new(Vec::new());
        let notify = |notice: Notice| notices.borrow_mut().push(notice);
        let clock = TokioClock::start();
        let fetcher = Fetcher::new(
            async |id: &JobId| {
                let number = sent.replace(sent.get() + 1);
                // An answer takes a moment, so that requests overlap as they would.
                tokio::time::sleep(Duration::from_millis(50)).await;
                answer(number, id)
            },
            clock,
            &notify,
        );
        let results = fetcher.fetch_all(&ids(n)).await;
        let elapsed = clock.now();
        drop(fetcher);
        (results, sent.get(), notices.into_inner(), elapsed)
    }

    fn not_attempted(results: &[Result<Job, Unfetched>]) -> usize {
        results
            .iter()
            .filter(|r| matches!(r, Err(Unfetched::NotAttempted)))
            .count()
    }

    #[test]
    fn the_driver_runs_on_an_injected_clock() {
        let clock = ManualClock::default();
        let sent = Cell::new(0);
        let notices = RefCell::new(Vec::new());
        let notify = |notice: Notice| notices.borrow_mut().push(notice);
        let body = include_str!("../../tests/fixtures/error-bodies/gateway-throttled.json");
        let fetcher = Fetcher::new(
            async |id: &JobId| {
                if sent.replace(sent.get() + 1) == 0 {
                    Err(status(429, body))
                } else {
                    Ok(job(id))
                }
            },
            &clock,
            &notify,
        );
        let results = futures_util::FutureExt::now_or_never(fetcher.fetch_all(&ids(3)))
            .expect("a manual clock never keeps a future pending");
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(sent.get(), 4);
        assert_eq!(*clock.slept.borrow(), [Duration::from_secs(5)]);
        assert_eq!(notices.borrow().len(), 1);
        // An absurd pause is a far instant, not a panic.
        let _ = TokioClock::start().instant_at(Duration::MAX);
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_ends_the_run_after_one_request() {
        for refusal in [
            status(401, "AK access failed to reach the limit,forbidden."),
            status(
                401,
                r#"{"error_code": "APIG.0301", "error_msg": "Incorrect IAM authentication information"}"#,
            ),
            status(403, r#"{"error": {"code": "403", "message": "forbidden"}}"#),
        ] {
            let (results, sent, notices, _) = run(200, |_, _| Err(refusal.clone())).await;
            assert_eq!(sent, 1, "{refusal}");
            assert!(matches!(&results[0], Err(Unfetched::Error(e)) if refuses_credentials(e)));
            assert_eq!(not_attempted(&results), 199);
            assert!(
                matches!(&notices[..], [Notice::Warning(w)] if w.contains("credentials were refused") && w.contains("199 job(s) not attempted")),
                "{notices:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_login_ends_the_run_at_its_first_id_without_a_retry() {
        let unreachable = ApiError::Network {
            destination: crate::api::error::Destination::Iam {
                url: "http://127.0.0.1:9/v3/auth/tokens".into(),
            },
            message: "cannot connect".into(),
            failure: crate::api::error::NetworkFailure::Connect,
        };
        for (login, why) in [
            (
                ApiError::iam_answer(401, "The username or password is wrong."),
                "credentials were refused",
            ),
            (unreachable, "no token could be obtained from IAM"),
        ] {
            let notices = RefCell::new(Vec::new());
            let notify = |notice: Notice| notices.borrow_mut().push(notice);
            let fetcher = after_failed_login(&login, &notify);
            let results = fetcher.fetch_all(&ids(3)).await;
            assert!(
                matches!(&results[0], Err(Unfetched::Error(e)) if e.to_string() == login.to_string()),
                "{results:?}"
            );
            assert_eq!(not_attempted(&results), 2, "{login}");
            assert!(
                matches!(&notices.borrow()[..], [Notice::Warning(w)] if w.contains(why) && w.contains("2 job(s) not attempted")),
                "{notices:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_mid_run_stops_what_was_not_yet_sent() {
        // The credentials work, then are revoked at the 30th request.
        let (results, sent, _, _) = run(200, |n, id| {
            if n < 29 {
                Ok(job(id))
            } else {
                Err(status(401, "{}"))
            }
        })
        .await;
        let fetched = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(fetched, 29);
        // Only the requests already in flight went out after the refusal.
        assert!(sent < 29 + CONCURRENCY + 1, "{sent}");
        assert_eq!(not_attempted(&results), 200 - sent);
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_throttling_window_ends_the_run_at_once() {
        let body = r#"{"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached: policy user over ratelimit,limit:2000,time:1 minute", "request_id": "r"}"#;
        let (results, sent, notices, elapsed) = run(200, |_, _| Err(status(429, body))).await;
        assert_eq!(sent, 1);
        assert_eq!(not_attempted(&results), 199);
        assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
        let [Notice::Warning(warning)] = &notices[..] else {
            panic!("{notices:?}")
        };
        assert!(
            warning.contains("wait 1m")
                && warning.contains("try again after")
                && warning.contains("199 job(s) not attempted"),
            "{warning}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_short_window_pauses_every_request_once_and_says_so() {
        let body = include_str!("../../tests/fixtures/error-bodies/gateway-throttled.json");
        // The first request is throttled (a five-second window); all others go through.
        let (results, sent, notices, elapsed) = run(40, |n, id| {
            if n == 0 {
                Err(status(429, body))
            } else {
                Ok(job(id))
            }
        })
        .await;
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(sent, 41);
        assert!(
            elapsed >= Duration::from_secs(5) && elapsed < Duration::from_secs(6),
            "{elapsed:?}"
        );
        let [Notice::Note(note)] = &notices[..] else {
            panic!("{notices:?}")
        };
        assert!(
            note.contains("APIG.0308") && note.contains("retrying in 5s"),
            "{note}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_cuts_short_a_pause_taken_by_another_request() {
        let throttled = include_str!("../../tests/fixtures/error-bodies/gateway-throttled.json");
        // The second request is throttled (a five-second window), the third refused.
        let (results, sent, _, elapsed) = run(3, |n, id| match n {
            0 => Ok(job(id)),
            1 => Err(status(429, throttled)),
            _ => Err(status(
                401,
                "AK access failed to reach the limit,forbidden.",
            )),
        })
        .await;
        assert_eq!(sent, 3);
        assert!(matches!(&results[1], Err(Unfetched::Error(e)) if e.http_status() == Some(429)));
        assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn short_backoffs_go_unsaid_and_spent_retries_are_final() {
        let (results, sent, notices, _) = run(1, |_, _| Err(status(503, "{}"))).await;
        assert_eq!(sent, 4);
        assert!(matches!(&results[0], Err(Unfetched::Error(_))));
        // Backoffs of at most 0.5, 1 and 2 s: only one can pass a second.
        assert!(notices.len() <= 1, "{notices:?}");
        assert!(notices.iter().all(|n| matches!(n, Notice::Note(_))));
    }
}
