//! When to poll a job next: a pure function of (answer, now, policy, randomness).
//!
//! The *cadence* of a healthy job lives here: first poll at once, then `--interval` growing
//! ×1.5 with ±10 % jitter up to `--max-interval`; when a job's `process_percent` grows
//! steadily, one poll may move earlier, to just after the predicted end. A job not found is
//! given `--not-found-grace`. A poll that would fall due after the last look (just before
//! `--timeout`) is made at the last look instead. Every other failed poll is the retry policy's to judge
//! ([`crate::api::retry`], shared with `get` and `tree`).
//!
//! Time is a [`Duration`] since the wait started and randomness a source of numbers in
//! `[0, 1)`, both passed in, so every decision can be replayed in a test.

use std::time::Duration;

use crate::api::error::ApiError;
use crate::api::model::{Job, Status};
use crate::api::retry::{Backoff, Patience, Verdict, server_delay, throttle_pause};
pub(crate) use crate::api::retry::{FastRand, Random};
use crate::report::Outcome;

/// Growth of the polling interval per poll.
pub(crate) const CADENCE_GROWTH: f64 = 1.5;
/// How long before `--timeout` the last look is taken, at most: a round trip of the jobs API
/// usually takes well under a second, so its answer is back before the deadline.
const LAST_LOOK_MARGIN: Duration = Duration::from_secs(1);

/// The options that shape polling.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    pub interval: Duration,
    pub max_interval: Duration,
    /// A job not found is taken for one created moments ago for this long.
    pub not_found_grace: Duration,
    /// `--timeout 0`: one look per job.
    pub check_once: bool,
    /// `--timeout`: the whole wait ends then, whatever grace a job has left.
    pub timeout: Option<Duration>,
}

impl Policy {
    /// How long failed polls are retried (the shared retry policy's `wait` patience).
    #[must_use]
    pub(crate) fn patience(&self) -> Patience {
        Patience::Wait {
            max_interval: self.max_interval,
        }
    }

    /// When every open job is asked one last time: just before `--timeout`, so that a job
    /// ending between its regular polls and the deadline is seen to end rather than timed
    /// out. The margin is a tenth of a short timeout, so that the regular cadence keeps most
    /// of it. `None` without a deadline, and for `--timeout 0` (one look only).
    #[must_use]
    pub(crate) fn last_look(&self) -> Option<Duration> {
        let timeout = self.timeout.filter(|_| !self.check_once)?;
        Some(timeout.saturating_sub((timeout / 10).min(LAST_LOOK_MARGIN)))
    }

    /// `at`, or the last look when `at` falls after it: the backoff would otherwise skip the
    /// end of the wait. Once the last look is made (`now` past it), nothing more is added.
    fn no_later_than_last_look(&self, at: Duration, now: Duration) -> Duration {
        match self.last_look() {
            Some(last) if now < last && at > last => last,
            _ => at,
        }
    }
}

/// What the scheduler decided after an answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Next {
    /// Poll again at this time (since the start).
    PollAt(Duration),
    /// Poll again at this time, after a failed poll: worth a retry notice.
    RetryAt(Duration),
    /// The wait for this job is over. An error answer ends as [`Outcome::Error`] of it.
    Done(DoneWith),
}

/// How a job's wait ended, without the error itself (the caller holds it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DoneWith {
    Success,
    Failed,
    TimedOut,
    Error,
}

impl DoneWith {
    /// The outcome, given the error that ended the wait when there was one.
    #[must_use]
    pub(crate) fn outcome(self, error: Option<&ApiError>) -> Outcome {
        match (self, error) {
            (Self::Success, _) => Outcome::Success,
            (Self::Failed, _) => Outcome::Failed,
            (Self::Error, Some(error)) => Outcome::Error(error.clone()),
            (Self::TimedOut | Self::Error, _) => Outcome::TimedOut,
        }
    }
}

/// The scheduling state of one job.
#[derive(Debug, Clone)]
pub(crate) struct JobSchedule {
    /// Delay before the next poll of a healthy job.
    cadence: Duration,
    /// Consecutive failed polls, and since when.
    backoff: Backoff,
    not_found_since: Option<Duration>,
    /// An earlier `process_percent` reading and when it was taken, to estimate the end.
    progress_mark: Option<(Duration, f64)>,
    /// Whether the next poll was moved earlier by that estimate (one at a time).
    early_poll: bool,
}

impl JobSchedule {
    #[must_use]
    pub(crate) fn new(policy: &Policy) -> Self {
        Self {
            cadence: policy.interval,
            backoff: Backoff::default(),
            not_found_since: None,
            progress_mark: None,
            early_poll: false,
        }
    }

    /// Consecutive failed polls so far.
    #[must_use]
    pub(crate) fn failure_streak(&self) -> u32 {
        self.backoff.streak()
    }

    /// While a job is not found: how much longer it may take to appear before the wait for
    /// it ends (for the one notice that says so): its grace, or the time to the `--timeout`
    /// when that comes first.
    #[must_use]
    pub(crate) fn grace_left(&self, now: Duration, policy: &Policy) -> Option<Duration> {
        let since = self.not_found_since?;
        let grace = policy
            .not_found_grace
            .saturating_sub(now.saturating_sub(since));
        Some(match policy.timeout {
            Some(timeout) => grace.min(timeout.saturating_sub(now)),
            None => grace,
        })
    }

    /// Decides after a job document arrived at `now`.
    pub(crate) fn on_job(
        &mut self,
        job: &Job,
        now: Duration,
        policy: &Policy,
        random: &mut impl Random,
    ) -> Next {
        self.backoff.reset();
        self.not_found_since = None;
        match job.view.status {
            Status::Success => return Next::Done(DoneWith::Success),
            Status::Fail => return Next::Done(DoneWith::Failed),
            _ if policy.check_once => return Next::Done(DoneWith::TimedOut),
            _ => {}
        }
        let mut delay = jitter(self.cadence, random).min(policy.max_interval);
        match self.predicted_end(job, now) {
            // The job reports progress steadily and should end before the next regular
            // poll: look shortly after the predicted end instead. Never twice in a row, so
            // a job stuck near 100 % cannot turn the prediction into extra polls.
            Some(eta) if !self.early_poll && eta < delay => {
                delay = eta
                    .mul_f64(1.1)
                    .max(policy.interval.min(Duration::from_secs(1)));
                self.early_poll = true;
            }
            _ => self.early_poll = false,
        }
        self.cadence = self
            .cadence
            .mul_f64(CADENCE_GROWTH)
            .min(policy.max_interval);
        Next::PollAt(policy.no_later_than_last_look(now + delay, now))
    }

    /// Decides what a failed poll at `now` means: wait a little longer, retry, or give up.
    /// `reached`: whether the endpoint has answered anything at all in this run.
    pub(crate) fn on_error(
        &mut self,
        error: &ApiError,
        now: Duration,
        reached: bool,
        policy: &Policy,
        random: &mut impl Random,
    ) -> Next {
        // `--timeout 0` means one look: exactly one request per job, whatever comes back.
        if policy.check_once {
            return Next::Done(DoneWith::Error);
        }
        if error.is_not_found() {
            let since = *self.not_found_since.get_or_insert(now);
            if now.saturating_sub(since) >= policy.not_found_grace {
                return Next::Done(DoneWith::Error);
            }
            // Not found moments after creation is normal: keep the healthy cadence.
            let at = now + jitter(policy.interval, random);
            return Next::RetryAt(policy.no_later_than_last_look(at, now));
        }
        match self
            .backoff
            .after(error, now, reached, policy.patience(), random)
        {
            // A delay the server asked for (`Retry-After`, a throttling window) is kept even
            // past the deadline: asking earlier would only be refused again.
            Verdict::RetryIn(delay) if !server_delay(error).is_zero() => {
                Next::RetryAt(now.saturating_add(delay))
            }
            Verdict::RetryIn(delay) => {
                Next::RetryAt(policy.no_later_than_last_look(now.saturating_add(delay), now))
            }
            Verdict::GiveUp(_) => Next::Done(DoneWith::Error),
        }
    }

    /// When a running job will end, judged from how fast its `process_percent` grew since an
    /// earlier reading; `None` without two increasing readings.
    fn predicted_end(&mut self, job: &Job, now: Duration) -> Option<Duration> {
        let fraction = Some(job)
            .filter(|job| job.view.status == Status::Running)
            .and_then(|job| job.view.process_percent)
            .filter(|f| *f > 0.0 && *f < 1.0)?;
        let Some((then, earlier)) = self.progress_mark else {
            self.progress_mark = Some((now, fraction));
            return None;
        };
        if fraction <= earlier {
            return None;
        }
        let rate = (fraction - earlier) / now.saturating_sub(then).as_secs_f64().max(0.001);
        Duration::try_from_secs_f64((1.0 - fraction) / rate).ok()
    }
}

/// Until when every job pauses after an answer: a 429 is per account, not per job, so every
/// job's next request waits as long as the gateway asked, and one 429 does not become a
/// burst of them. `None` for any other answer.
#[must_use]
pub(crate) fn throttled_until(
    error: &ApiError,
    now: Duration,
    policy: &Policy,
) -> Option<Duration> {
    throttle_pause(error, policy.patience()).map(|pause| now.saturating_add(pause))
}

/// ±10 % so that many jobs started together do not poll in lockstep.
fn jitter(delay: Duration, random: &mut impl Random) -> Duration {
    delay.mul_f64(0.9 + 0.2 * random.next())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::{Answerer, Destination, NetworkFailure};
    use crate::api::retry::tests::{Fixed, status as status_error};
    use crate::api::retry::{
        DEAD_ENDPOINT_BUDGET, OUTAGE_BUDGET, SERVER_DELAY_CAP, THROTTLE_FLOOR,
    };

    const SEC: Duration = Duration::from_secs(1);

    fn policy() -> Policy {
        Policy {
            interval: 2 * SEC,
            max_interval: 30 * SEC,
            not_found_grace: 30 * SEC,
            check_once: false,
            timeout: None,
        }
    }

    fn job(status: &str, percent: Option<f64>) -> Job {
        let mut raw = serde_json::json!({"job_id": "j", "status": status});
        if let Some(p) = percent {
            raw["entities"] = serde_json::json!({"process_percent": p});
        }
        Job::from_value(raw).expect("a job")
    }

    fn poll_at(next: &Next) -> Duration {
        match next {
            Next::PollAt(at) | Next::RetryAt(at) => *at,
            Next::Done(how) => panic!("done ({how:?}) where a poll was expected"),
        }
    }

    #[test]
    fn cadence_grows_by_half_up_to_the_maximum() {
        let policy = policy();
        let mut schedule = JobSchedule::new(&policy);
        let running = job("RUNNING", None);
        let mut now = Duration::ZERO;
        let mut delays = Vec::new();
        for _ in 0..12 {
            // 0.5 is the middle of the jitter: no change.
            let at = poll_at(&schedule.on_job(&running, now, &policy, &mut Fixed(0.5)));
            delays.push(at.checked_sub(now).expect("no underflow").as_secs_f64());
            now = at;
        }
        let expected = [2.0, 3.0, 4.5, 6.75, 10.125, 15.1875, 22.78125, 30.0, 30.0];
        for (delay, want) in delays.iter().zip(expected) {
            assert!((delay - want).abs() < 1e-6, "{delays:?}");
        }
        assert!(delays.iter().all(|d| *d <= 30.0));
    }

    #[test]
    fn jitter_stays_within_ten_percent_and_under_the_cap() {
        let policy = policy();
        let running = job("RUNNING", None);
        for r in [0.0, 0.25, 0.999_999] {
            let mut schedule = JobSchedule::new(&policy);
            let at = poll_at(&schedule.on_job(&running, Duration::ZERO, &policy, &mut Fixed(r)));
            assert!(
                at >= (2 * SEC).mul_f64(0.9) && at <= (2 * SEC).mul_f64(1.1),
                "{at:?}"
            );
        }
        let fixed = Policy {
            interval: 30 * SEC,
            ..policy
        };
        let mut schedule = JobSchedule::new(&fixed);
        let at = poll_at(&schedule.on_job(&running, Duration::ZERO, &fixed, &mut Fixed(0.99)));
        assert_eq!(
            at,
            30 * SEC,
            "jitter never lifts a delay over --max-interval"
        );
    }

    #[test]
    fn terminal_answers_end_the_wait() {
        let policy = policy();
        let mut schedule = JobSchedule::new(&policy);
        let mut r = Fixed(0.5);
        let success = schedule.on_job(&job("SUCCESS", None), SEC, &policy, &mut r);
        assert_eq!(success, Next::Done(DoneWith::Success));
        let failed = schedule.on_job(&job("FAIL", None), SEC, &policy, &mut r);
        assert_eq!(failed, Next::Done(DoneWith::Failed));
        let once = Policy {
            check_once: true,
            ..policy
        };
        let running = schedule.on_job(&job("RUNNING", None), SEC, &once, &mut r);
        assert_eq!(running, Next::Done(DoneWith::TimedOut));
    }

    #[test]
    fn retry_after_is_a_floor() {
        let policy = policy();
        let mut schedule = JobSchedule::new(&policy);
        let throttled = status_error(429, Some(7 * SEC));
        for attempt in 0..5u32 {
            let now = SEC * attempt;
            let at = poll_at(&schedule.on_error(&throttled, now, true, &policy, &mut Fixed(0.0)));
            assert_eq!(at.checked_sub(now).expect("no underflow"), 7 * SEC);
        }
        assert_eq!(schedule.failure_streak(), 5);
        assert_eq!(throttled_until(&throttled, SEC, &policy), Some(8 * SEC));
        assert_eq!(
            throttled_until(&status_error(429, None), SEC, &policy),
            Some(SEC + THROTTLE_FLOOR)
        );
        assert_eq!(
            throttled_until(&status_error(503, None), SEC, &policy),
            None
        );
    }

    fn throttled_saying(message: &str) -> ApiError {
        ApiError::Status {
            answerer: Answerer::JobsApi,
            status: 429,
            code: Some("APIGW.0308".into()),
            message: Some(message.into()),
            details: Box::default(),
            request_id: None,
            retry_after: None,
            clock_offset: None,
        }
    }

    #[test]
    fn a_throttled_answer_waits_out_the_window_it_names() {
        let policy = policy();
        let mut r = Fixed(0.0);
        let five = throttled_saying("policy ip over ratelimit, limit:5, time:5 second");
        let mut schedule = JobSchedule::new(&policy);
        let at = poll_at(&schedule.on_error(&five, SEC, true, &policy, &mut r));
        assert_eq!(at, 6 * SEC);
        assert_eq!(throttled_until(&five, SEC, &policy), Some(6 * SEC));
        let minute = throttled_saying("policy api over ratelimit, limit:100, time:1 minute");
        assert_eq!(throttled_until(&minute, SEC, &policy), Some(61 * SEC));
        // Nothing named: the gateway's shortest window, never a one-second retry.
        let unnamed = throttled_saying("The throttling threshold has been reached");
        let mut schedule = JobSchedule::new(&policy);
        let at = poll_at(&schedule.on_error(&unnamed, SEC, true, &policy, &mut r));
        assert_eq!(at, SEC + THROTTLE_FLOOR);
    }

    #[test]
    fn server_delays_are_clamped_and_never_overflow() {
        let policy = policy();
        let mut r = Fixed(0.999_999);
        for asked in [
            Duration::from_secs(99_999_999_999),
            Duration::from_secs(u64::MAX),
            Duration::MAX,
        ] {
            let error = status_error(429, Some(asked));
            let mut schedule = JobSchedule::new(&policy);
            let at = poll_at(&schedule.on_error(&error, Duration::MAX, true, &policy, &mut r));
            assert_eq!(at, Duration::MAX, "saturates instead of overflowing");
            let at = poll_at(&schedule.on_error(&error, SEC, true, &policy, &mut r));
            assert_eq!(at, SEC + SERVER_DELAY_CAP);
            assert_eq!(
                throttled_until(&error, SEC, &policy),
                Some(SEC + SERVER_DELAY_CAP)
            );
        }
        // A longer --max-interval raises the clamp with it.
        let slow = Policy {
            max_interval: 300 * SEC,
            ..policy
        };
        let error = status_error(503, Some(1000 * SEC));
        let mut schedule = JobSchedule::new(&slow);
        let at = poll_at(&schedule.on_error(&error, Duration::ZERO, true, &slow, &mut r));
        assert_eq!(at, 300 * SEC);
        // A window named in a message is clamped the same way.
        let hours = throttled_saying("limit:1, time:18446744073709551615 day");
        assert_eq!(
            throttled_until(&hours, SEC, &policy),
            Some(SEC + SERVER_DELAY_CAP)
        );
    }

    #[test]
    fn check_once_sends_one_request_whatever_comes_back() {
        let once = Policy {
            check_once: true,
            ..policy()
        };
        let mut r = Fixed(0.5);
        let throttled = throttled_saying("limit:5, time:5 second");
        let refused = ApiError::Network {
            destination: Destination::JobsApi,
            message: "refused".into(),
            failure: NetworkFailure::Connect,
        };
        for error in [throttled, status_error(503, None), refused] {
            let mut schedule = JobSchedule::new(&once);
            assert_eq!(
                schedule.on_error(&error, Duration::ZERO, true, &once, &mut r),
                Next::Done(DoneWith::Error),
                "{error}"
            );
        }
    }

    #[test]
    fn an_endpoint_that_never_answered_is_given_seconds_not_minutes() {
        let policy = policy();
        let refused = ApiError::Network {
            destination: Destination::JobsApi,
            message: "cannot connect to `127.0.0.1:9`: Connection refused".into(),
            failure: NetworkFailure::Connect,
        };
        // The longest backoff draws: still over within the budget.
        let mut r = Fixed(0.999_999);
        let mut schedule = JobSchedule::new(&policy);
        let mut now = Duration::ZERO;
        let mut polls = 1;
        while let Next::RetryAt(at) = schedule.on_error(&refused, now, false, &policy, &mut r) {
            assert!(at <= DEAD_ENDPOINT_BUDGET, "{at:?}");
            now = at;
            polls += 1;
        }
        assert!(now <= DEAD_ENDPOINT_BUDGET);
        assert!(polls >= 4, "a few quick retries first: {polls}");
        // A connect timeout that already used the budget: no second try.
        let mut schedule = JobSchedule::new(&policy);
        assert_eq!(
            schedule.on_error(&refused, DEAD_ENDPOINT_BUDGET, false, &policy, &mut r),
            Next::Done(DoneWith::Error)
        );
        // Once the endpoint has answered, an outage gets the full five minutes.
        let mut schedule = JobSchedule::new(&policy);
        assert!(matches!(
            schedule.on_error(&refused, 200 * SEC, true, &policy, &mut r),
            Next::RetryAt(_)
        ));
        // An HTTP answer, even a failing one, is not a dead endpoint.
        let mut schedule = JobSchedule::new(&policy);
        assert!(matches!(
            schedule.on_error(&status_error(503, None), 20 * SEC, false, &policy, &mut r),
            Next::RetryAt(_)
        ));
    }

    #[test]
    fn failed_polls_wait_twice_as_long_each_time() {
        let policy = policy();
        let mut schedule = JobSchedule::new(&policy);
        let unavailable = status_error(503, None);
        let mut top = Vec::new();
        for _ in 0..10 {
            let next = schedule.on_error(
                &unavailable,
                Duration::ZERO,
                true,
                &policy,
                &mut Fixed(0.999_999),
            );
            top.push(poll_at(&next).as_secs_f64().round());
        }
        assert_eq!(top, [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]);
    }

    #[test]
    fn the_grace_shown_never_outlasts_the_timeout() {
        let missing = status_error(404, None);
        let mut r = Fixed(0.5);
        for (timeout, left) in [(None, 27 * SEC), (Some(20 * SEC), 17 * SEC)] {
            let policy = Policy {
                timeout,
                ..policy()
            };
            let mut schedule = JobSchedule::new(&policy);
            schedule.on_error(&missing, Duration::ZERO, true, &policy, &mut r);
            assert_eq!(schedule.grace_left(3 * SEC, &policy), Some(left));
        }
    }

    #[test]
    fn not_found_is_given_its_grace_then_ends() {
        let policy = policy();
        let mut schedule = JobSchedule::new(&policy);
        let missing = status_error(404, None);
        let mut r = Fixed(0.5);
        assert_eq!(
            schedule.on_error(&missing, 5 * SEC, true, &policy, &mut r),
            Next::RetryAt(7 * SEC),
            "the healthy interval, not a backoff"
        );
        assert!(matches!(
            schedule.on_error(&missing, 34 * SEC, true, &policy, &mut r),
            Next::RetryAt(_)
        ));
        assert_eq!(
            schedule.on_error(&missing, 35 * SEC, true, &policy, &mut r),
            Next::Done(DoneWith::Error)
        );
        // An answer resets the grace.
        schedule.on_job(&job("INIT", None), 36 * SEC, &policy, &mut r);
        assert!(matches!(
            schedule.on_error(&missing, 40 * SEC, true, &policy, &mut r),
            Next::RetryAt(_)
        ));
        let once = Policy {
            check_once: true,
            ..policy
        };
        let mut schedule = JobSchedule::new(&once);
        assert_eq!(
            schedule.on_error(&missing, Duration::ZERO, true, &once, &mut r),
            Next::Done(DoneWith::Error)
        );
    }

    #[test]
    fn an_outage_is_given_five_minutes() {
        let policy = policy();
        let mut schedule = JobSchedule::new(&policy);
        let down = status_error(502, None);
        let mut r = Fixed(0.5);
        let start = 10 * SEC;
        assert!(matches!(
            schedule.on_error(&down, start, true, &policy, &mut r),
            Next::RetryAt(_)
        ));
        let almost = (start + OUTAGE_BUDGET)
            .checked_sub(SEC)
            .expect("no underflow");
        assert!(matches!(
            schedule.on_error(&down, almost, true, &policy, &mut r),
            Next::RetryAt(_)
        ));
        assert_eq!(
            schedule.on_error(&down, start + OUTAGE_BUDGET, true, &policy, &mut r),
            Next::Done(DoneWith::Error)
        );
        // A good answer in between starts the budget again.
        let mut schedule = JobSchedule::new(&policy);
        schedule.on_error(&down, start, true, &policy, &mut r);
        schedule.on_job(&job("RUNNING", None), start + 100 * SEC, &policy, &mut r);
        assert!(matches!(
            schedule.on_error(&down, start + OUTAGE_BUDGET, true, &policy, &mut r),
            Next::RetryAt(_)
        ));
        // A refusal is never retried.
        let mut schedule = JobSchedule::new(&policy);
        assert_eq!(
            schedule.on_error(&status_error(403, None), start, true, &policy, &mut r),
            Next::Done(DoneWith::Error)
        );
    }

    #[test]
    fn a_poll_due_after_the_deadline_is_made_just_before_it() {
        let policy = Policy {
            timeout: Some(40 * SEC),
            ..policy()
        };
        assert_eq!(policy.last_look(), Some(39 * SEC));
        let mut schedule = JobSchedule::new(&policy);
        let running = job("RUNNING", None);
        let mut r = Fixed(0.5);
        // The cadence alone polls at 0, 2, 5, 9.5, 16.25 and 26.375 s, then at 49.16 s: a
        // job ending at 28 s would be timed out at 40 s without another look.
        let mut now = Duration::ZERO;
        let mut polls = Vec::new();
        while now < 39 * SEC {
            now = poll_at(&schedule.on_job(&running, now, &policy, &mut r));
            polls.push(now.as_secs_f64());
        }
        assert_eq!(polls, [2.0, 5.0, 9.5, 16.25, 26.375, 39.0]);
        // The last look made, the next poll stays after the deadline: it is never sent.
        let after = poll_at(&schedule.on_job(&running, now, &policy, &mut r));
        assert!(after > 40 * SEC, "{after:?}");
    }

    #[test]
    fn the_last_look_leaves_a_short_timeout_most_of_its_time() {
        let short = Policy {
            timeout: Some(4 * SEC),
            ..policy()
        };
        assert_eq!(short.last_look(), Some(Duration::from_millis(3600)));
        let mut schedule = JobSchedule::new(&short);
        let running = job("RUNNING", None);
        let mut r = Fixed(0.5);
        assert_eq!(
            schedule.on_job(&running, 3 * SEC, &short, &mut r),
            Next::PollAt(Duration::from_millis(3600))
        );
        // No deadline, or one look only: nothing to bring forward.
        assert_eq!(policy().last_look(), None);
        let once = Policy {
            check_once: true,
            timeout: None,
            ..policy()
        };
        assert_eq!(once.last_look(), None);
    }

    #[test]
    fn retries_are_brought_forward_to_the_last_look_but_server_delays_are_not() {
        let policy = Policy {
            timeout: Some(40 * SEC),
            ..policy()
        };
        let mut r = Fixed(0.999_999);
        // A backoff growing past the deadline ends on the last look.
        let mut schedule = JobSchedule::new(&policy);
        let unavailable = status_error(503, None);
        let mut retries = Vec::new();
        for _ in 0..8 {
            retries.push(poll_at(&schedule.on_error(
                &unavailable,
                35 * SEC,
                true,
                &policy,
                &mut r,
            )));
        }
        assert!(retries.iter().all(|at| *at <= 39 * SEC), "{retries:?}");
        assert_eq!(retries.last(), Some(&(39 * SEC)));
        // A job not found is looked for once more too.
        let mut schedule = JobSchedule::new(&policy);
        let missing = status_error(404, None);
        let at = poll_at(&schedule.on_error(&missing, 38 * SEC, true, &policy, &mut r));
        assert_eq!(at, 39 * SEC);
        // What the server asked for is kept: a throttling window covering the deadline means
        // no further request.
        for asked in [
            status_error(429, Some(7 * SEC)),
            status_error(503, Some(7 * SEC)),
            throttled_saying("limit:5, time:5 second"),
        ] {
            let mut schedule = JobSchedule::new(&policy);
            let at = poll_at(&schedule.on_error(&asked, 35 * SEC, true, &policy, &mut r));
            assert!(at >= 40 * SEC, "{asked}: {at:?}");
        }
    }

    #[test]
    fn steady_progress_moves_one_poll_to_the_predicted_end() {
        let policy = Policy {
            interval: 10 * SEC,
            max_interval: 30 * SEC,
            ..policy()
        };
        let mut schedule = JobSchedule::new(&policy);
        let mut r = Fixed(0.5);
        // 50 % at 0 s: a first reading, the regular cadence.
        let first = schedule.on_job(&job("RUNNING", Some(0.5)), Duration::ZERO, &policy, &mut r);
        assert_eq!(first, Next::PollAt(10 * SEC));
        // 90 % at 10 s: 4 %/s, so the end is 2.5 s away; the poll comes just after it.
        let early = schedule.on_job(&job("RUNNING", Some(0.9)), 10 * SEC, &policy, &mut r);
        let at = poll_at(&early);
        assert!(at > 12 * SEC && at < 13 * SEC, "{at:?}");
        // Never twice in a row: a job stuck near the end falls back to the cadence.
        let stuck = schedule.on_job(&job("RUNNING", Some(0.95)), at, &policy, &mut r);
        assert_eq!(
            poll_at(&stuck).checked_sub(at).expect("no underflow"),
            22_500 * Duration::from_millis(1)
        );
        // No progress figure: no prediction.
        let mut plain = JobSchedule::new(&policy);
        plain.on_job(&job("RUNNING", None), Duration::ZERO, &policy, &mut r);
        let regular = plain.on_job(&job("RUNNING", None), 10 * SEC, &policy, &mut r);
        assert_eq!(regular, Next::PollAt(25 * SEC));
    }
}
