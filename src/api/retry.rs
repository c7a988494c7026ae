//! The one retry policy of every command: what a failed request means for the next one.
//!
//! `get`, `tree` and `wait` ask the same questions of a failure: may asking again help; how long
//! first (exponential backoff with full jitter, never sooner than `Retry-After` or the
//! throttling window the gateway names); and when to stop (retries spent, five minutes of
//! continuous failure, an endpoint that never answered, a throttling window too long for a
//! one-shot command). [`Backoff::after`] answers them as a pure function of (error, now,
//! randomness), and time is a [`Clock`] passed in, so every decision can be replayed in a test
//! without waiting. Two drivers apply it: `commands::fetch` (one-shot runs of `get` and
//! `tree`) and `commands::wait` (through its schedule). The polling cadence of a healthy job
//! is not here: it is `wait`'s own (`commands::wait::schedule`).

use std::future::Future;
use std::time::Duration;

use super::error::{ApiError, GatewayCode};

/// Retry delays start here and double per attempt…
pub(crate) const RETRY_BASE: Duration = Duration::from_millis(500);
/// …up to this cap (before what the server asks for, which may be more).
pub(crate) const RETRY_CAP: Duration = Duration::from_secs(30);
/// A throttled answer that names no window and has no `Retry-After` waits this long: the
/// gateway's shortest published window (a retry within it is throttled again).
pub(crate) const THROTTLE_FLOOR: Duration = Duration::from_secs(5);
/// An endpoint that has never answered (refused, unknown host, TLS failure; not a connection
/// it accepted and then dropped) is a wrong endpoint, not an outage: no retry is planned past this point (doc/contract.md: given up
/// within 15 s, which leaves room for the last attempt).
pub(crate) const DEAD_ENDPOINT_BUDGET: Duration = Duration::from_secs(10);
/// After this much continuous failure a long wait counts the API as unavailable (exit 5).
pub(crate) const OUTAGE_BUDGET: Duration = Duration::from_secs(300);
/// A server-supplied delay is honoured by `wait` up to `max(--max-interval, this)`.
pub(crate) const SERVER_DELAY_CAP: Duration = Duration::from_secs(60);
/// Retries of one request by `get` and `tree` (doc/contract.md).
pub(crate) const ONE_SHOT_RETRIES: u32 = 3;
/// The longest single pause of `get` and `tree`: an operator's one-shot command answers in
/// seconds. A server asking for more (a throttling window of a minute) ends the request at
/// once, saying when to try again, rather than stalling silently.
pub(crate) const ONE_SHOT_PATIENCE: Duration = Duration::from_secs(5);
/// Pauses longer than this are announced on stderr (a silent pause looks like a hang).
pub(crate) const ANNOUNCE_AFTER: Duration = Duration::from_secs(1);

/// Numbers in `[0, 1)`: `fastrand` in a run, a fixed sequence in a test.
pub(crate) trait Random {
    fn next(&mut self) -> f64;
}

/// The process-wide generator.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastRand;

impl Random for FastRand {
    fn next(&mut self) -> f64 {
        fastrand::f64()
    }
}

/// Time as the retry driver sees it: a [`Duration`] since the clock's start, and a way to let
/// some pass. [`TokioClock`] in a run (paused in tests), anything in a unit test.
pub(crate) trait Clock {
    fn now(&self) -> Duration;
    fn sleep(&self, delay: Duration) -> impl Future<Output = ()>;
}

impl<T: Clock> Clock for &T {
    fn now(&self) -> Duration {
        (**self).now()
    }

    fn sleep(&self, delay: Duration) -> impl Future<Output = ()> {
        (**self).sleep(delay)
    }
}

/// Tokio's clock, counted from when it was made.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokioClock {
    started: tokio::time::Instant,
}

impl TokioClock {
    #[must_use]
    pub(crate) fn start() -> Self {
        Self {
            started: tokio::time::Instant::now(),
        }
    }

    /// A clock counting from `started`.
    #[must_use]
    pub(crate) fn from(started: tokio::time::Instant) -> Self {
        Self { started }
    }

    /// The instant `offset` after the start; one a year away when it cannot be represented
    /// (an absurd server delay must never panic).
    #[must_use]
    pub(crate) fn instant_at(&self, offset: Duration) -> tokio::time::Instant {
        const FAR: Duration = Duration::from_secs(365 * 24 * 3600);
        self.started
            .checked_add(offset)
            .or_else(|| self.started.checked_add(FAR))
            .unwrap_or(self.started)
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Duration {
        self.started.elapsed()
    }

    fn sleep(&self, delay: Duration) -> impl Future<Output = ()> {
        tokio::time::sleep_until(self.instant_at(self.now().saturating_add(delay)))
    }
}

/// How long a command is prepared to keep asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Patience {
    /// `get` and `tree`: [`ONE_SHOT_RETRIES`] retries, no pause over [`ONE_SHOT_PATIENCE`].
    OneShot,
    /// `wait`: until [`OUTAGE_BUDGET`] of continuous failure; server delays honoured up to
    /// `max(max_interval, SERVER_DELAY_CAP)`.
    Wait { max_interval: Duration },
}

impl Patience {
    /// The longest delay a server may impose before a request is sent again.
    #[must_use]
    pub(crate) fn server_delay_cap(self) -> Duration {
        match self {
            Self::OneShot => ONE_SHOT_PATIENCE,
            Self::Wait { max_interval } => max_interval.max(SERVER_DELAY_CAP),
        }
    }
}

/// What to do after a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Send it again after this delay.
    RetryIn(Duration),
    /// Stop: the error is final.
    GiveUp(GiveUp),
}

/// Why a request is not sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GiveUp {
    /// The same request would get the same answer (a refusal, a wrong path, a certificate).
    Permanent,
    /// A one-shot command's retries are spent.
    RetriesSpent,
    /// The API has failed continuously for [`OUTAGE_BUDGET`].
    Outage,
    /// The endpoint never answered within [`DEAD_ENDPOINT_BUDGET`].
    DeadEndpoint,
    /// The server asked for a pause longer than a one-shot command takes: this long.
    TooLongAWait(Duration),
}

/// A 429, or the gateway's throttling code: a limit on the account, not on one request.
#[must_use]
pub(crate) fn is_throttled(error: &ApiError) -> bool {
    error.http_status() == Some(429) || error.gateway_code() == Some(GatewayCode::Throttled)
}

/// The least delay the server asks for: `Retry-After`; for a throttled answer without it,
/// the window its message names, else [`THROTTLE_FLOOR`]. Not clamped.
#[must_use]
pub(crate) fn server_delay(error: &ApiError) -> Duration {
    match error.retry_after() {
        Some(delay) => delay,
        None if is_throttled(error) => error.throttle_window().unwrap_or(THROTTLE_FLOOR),
        None => Duration::ZERO,
    }
}

/// How long every request pauses after a throttled answer (throttling is per account, so one
/// 429 must not become a burst of them), clamped for `patience`; `None` for any other answer.
#[must_use]
pub(crate) fn throttle_pause(error: &ApiError, patience: Patience) -> Option<Duration> {
    is_throttled(error).then(|| server_delay(error).min(patience.server_delay_cap()))
}

/// The retry state of one request (one job's polls in `wait`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Backoff {
    /// Consecutive failures, and since when.
    failures: u32,
    failing_since: Option<Duration>,
}

impl Backoff {
    /// An answer came: the next failure starts a new streak.
    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }

    /// Consecutive failures so far.
    #[must_use]
    pub(crate) fn streak(&self) -> u32 {
        self.failures
    }

    /// Decides after a failure at `now`. `reached`: whether the endpoint has answered
    /// anything at all in this run (this error included).
    pub(crate) fn after(
        &mut self,
        error: &ApiError,
        now: Duration,
        reached: bool,
        patience: Patience,
        random: &mut impl Random,
    ) -> Verdict {
        // Whether asking again may help is the error's own classification (the table of
        // codes where the answer names one, [`ApiError::is_transient`]).
        let retryable = match patience {
            Patience::OneShot => error.is_transient(),
            // In a long wait even an oversized answer is asked again (within the outage
            // budget): one bad answer must not end it, and it never counts as success.
            Patience::Wait { .. } => {
                error.is_transient() || matches!(error, ApiError::TooLarge { .. })
            }
        };
        if !retryable {
            return Verdict::GiveUp(GiveUp::Permanent);
        }
        let since = *self.failing_since.get_or_insert(now);
        let attempt = self.failures;
        self.failures = self.failures.saturating_add(1);
        match patience {
            Patience::OneShot if attempt >= ONE_SHOT_RETRIES => {
                return Verdict::GiveUp(GiveUp::RetriesSpent);
            }
            Patience::Wait { .. } if now.saturating_sub(since) >= OUTAGE_BUDGET => {
                return Verdict::GiveUp(GiveUp::Outage);
            }
            _ => {}
        }
        let asked = server_delay(error);
        if patience == Patience::OneShot && asked > ONE_SHOT_PATIENCE {
            return Verdict::GiveUp(GiveUp::TooLongAWait(asked));
        }
        let delay = backoff_delay(attempt, random).max(asked.min(patience.server_delay_cap()));
        if !reached && error.is_unreachable() && now.saturating_add(delay) > DEAD_ENDPOINT_BUDGET {
            return Verdict::GiveUp(GiveUp::DeadEndpoint);
        }
        Verdict::RetryIn(delay)
    }
}

/// Full jitter over the exponential window of retry number `attempt` (0-based).
fn backoff_delay(attempt: u32, random: &mut impl Random) -> Duration {
    let window = RETRY_BASE
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(RETRY_CAP);
    window.mul_f64(random.next().clamp(0.0, 1.0))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::{Cell, RefCell};

    use super::*;
    use crate::api::error::{Answerer, Destination, NetworkFailure};

    /// Always the same number.
    pub(crate) struct Fixed(pub f64);

    impl Random for Fixed {
        fn next(&mut self) -> f64 {
            self.0
        }
    }

    /// A clock that moves only when slept on, and remembers every sleep.
    #[derive(Default)]
    pub(crate) struct ManualClock {
        now: Cell<Duration>,
        pub slept: RefCell<Vec<Duration>>,
    }

    impl Clock for ManualClock {
        fn now(&self) -> Duration {
            self.now.get()
        }

        fn sleep(&self, delay: Duration) -> impl Future<Output = ()> {
            self.now.set(self.now.get().saturating_add(delay));
            self.slept.borrow_mut().push(delay);
            std::future::ready(())
        }
    }

    const SEC: Duration = Duration::from_secs(1);

    /// A bare HTTP error answer, with `Retry-After` when given.
    pub(crate) fn status(status: u16, retry_after: Option<Duration>) -> ApiError {
        ApiError::Status {
            answerer: Answerer::JobsApi,
            status,
            code: None,
            message: None,
            details: Box::default(),
            request_id: None,
            retry_after,
            clock_offset: None,
        }
    }

    fn throttled(message: &str) -> ApiError {
        ApiError::from_response(
            429,
            format!(r#"{{"error_code": "APIGW.0308", "error_msg": "{message}"}}"#).as_bytes(),
            None,
            None,
        )
    }

    fn refused() -> ApiError {
        ApiError::Network {
            destination: Destination::JobsApi,
            message: "cannot connect to `127.0.0.1:9`: Connection refused".into(),
            failure: NetworkFailure::Connect,
        }
    }

    const WAIT: Patience = Patience::Wait {
        max_interval: Duration::from_secs(30),
    };

    /// Replays a scripted list of answers through the policy on a manual clock, as a driver
    /// would; returns the value or the final error and why, the requests sent and the pauses.
    fn drive(
        patience: Patience,
        answers: Vec<Result<u32, ApiError>>,
    ) -> (Result<u32, (ApiError, GiveUp)>, usize, Vec<Duration>) {
        let clock = ManualClock::default();
        let mut backoff = Backoff::default();
        let mut sent = 0;
        let mut answers = answers.into_iter();
        let result = loop {
            sent += 1;
            let error = match answers.next().expect("a scripted answer") {
                Ok(value) => break Ok(value),
                Err(error) => error,
            };
            let reached = !error.is_unreachable();
            match backoff.after(&error, clock.now(), reached, patience, &mut Fixed(0.5)) {
                Verdict::RetryIn(delay) => {
                    futures_util::FutureExt::now_or_never(clock.sleep(delay)).expect("ready");
                }
                Verdict::GiveUp(why) => break Err((error, why)),
            }
        };
        let slept = clock.slept.borrow().clone();
        (result, sent, slept)
    }

    #[test]
    fn a_one_shot_request_is_retried_three_times_with_growing_pauses() {
        let (result, sent, slept) = drive(
            Patience::OneShot,
            (0..4).map(|_| Err(status(503, None))).collect(),
        );
        let failed = result.expect_err("gives up");
        assert_eq!(failed.1, GiveUp::RetriesSpent);
        assert_eq!(sent, 4);
        assert_eq!(
            slept,
            [Duration::from_millis(250), Duration::from_millis(500), SEC]
        );
        let (result, sent, _) = drive(Patience::OneShot, vec![Err(status(502, None)), Ok(7)]);
        assert_eq!(result.expect("recovers"), 7);
        assert_eq!(sent, 2);
    }

    #[test]
    fn a_refusal_is_never_repeated() {
        for error in [
            status(401, None),
            status(403, None),
            ApiError::from_response(
                401,
                include_bytes!("../../tests/fixtures/error-bodies/ak-locked.txt"),
                None,
                None,
            ),
        ] {
            for patience in [Patience::OneShot, WAIT] {
                let (result, sent, slept) = drive(patience, vec![Err(error.clone())]);
                assert_eq!(result.expect_err("final").1, GiveUp::Permanent);
                assert_eq!((sent, slept.len()), (1, 0), "{error}");
            }
        }
    }

    #[test]
    fn a_one_shot_command_takes_a_short_window_and_refuses_a_long_one_at_once() {
        // The shortest published window: waited out once, announced.
        let body = include_bytes!("../../tests/fixtures/error-bodies/gateway-throttled.json");
        let five = ApiError::from_response(429, body, None, None);
        let (result, sent, slept) = drive(Patience::OneShot, vec![Err(five), Ok(1)]);
        assert_eq!(result.expect("after the window"), 1);
        assert_eq!((sent, slept), (2, vec![5 * SEC]));
        // A minute: no pause at all, and the window is reported.
        let minute = throttled(
            "The throttling threshold has been reached: policy user over ratelimit,limit:2000,time:1 minute",
        );
        let (result, sent, slept) = drive(Patience::OneShot, vec![Err(minute)]);
        assert_eq!(
            result.expect_err("not waited").1,
            GiveUp::TooLongAWait(60 * SEC)
        );
        assert_eq!((sent, slept.len()), (1, 0));
        // The same from `Retry-After`.
        let (result, ..) = drive(Patience::OneShot, vec![Err(status(503, Some(6 * SEC)))]);
        assert_eq!(
            result.expect_err("not waited").1,
            GiveUp::TooLongAWait(6 * SEC)
        );
        // `wait` honours the minute.
        let minute = throttled("limit:2000,time:1 minute");
        let (result, _, slept) = drive(WAIT, vec![Err(minute), Ok(2)]);
        assert_eq!(result.expect("after the window"), 2);
        assert_eq!(slept, [60 * SEC]);
    }

    #[test]
    fn retry_after_and_named_windows_are_floors() {
        let mut backoff = Backoff::default();
        for attempt in 0..5 {
            let verdict = backoff.after(
                &status(429, Some(7 * SEC)),
                SEC * attempt,
                true,
                WAIT,
                &mut Fixed(0.0),
            );
            assert_eq!(verdict, Verdict::RetryIn(7 * SEC));
        }
        assert_eq!(backoff.streak(), 5);
        let two = throttled("limit:5, time:2 second");
        let mut backoff = Backoff::default();
        assert_eq!(
            backoff.after(&two, SEC, true, Patience::OneShot, &mut Fixed(0.0)),
            Verdict::RetryIn(2 * SEC)
        );
        let unnamed = throttled("The throttling threshold has been reached");
        assert_eq!(server_delay(&unnamed), THROTTLE_FLOOR);
        assert_eq!(throttle_pause(&unnamed, WAIT), Some(THROTTLE_FLOOR));
        assert_eq!(
            throttle_pause(&throttled("limit:1, time:1 minute"), WAIT),
            Some(60 * SEC)
        );
        assert_eq!(throttle_pause(&status(503, None), WAIT), None);
    }

    #[test]
    fn server_delays_are_clamped_and_never_overflow() {
        for asked in [
            Duration::from_secs(99_999_999_999),
            Duration::from_secs(u64::MAX),
            Duration::MAX,
        ] {
            let error = status(429, Some(asked));
            let mut backoff = Backoff::default();
            assert_eq!(
                backoff.after(&error, Duration::MAX, true, WAIT, &mut Fixed(0.99)),
                Verdict::RetryIn(SERVER_DELAY_CAP)
            );
            assert_eq!(throttle_pause(&error, WAIT), Some(SERVER_DELAY_CAP));
            assert_eq!(
                Backoff::default().after(&error, SEC, true, Patience::OneShot, &mut Fixed(0.5)),
                Verdict::GiveUp(GiveUp::TooLongAWait(asked))
            );
        }
        let slow = Patience::Wait {
            max_interval: 300 * SEC,
        };
        assert_eq!(
            Backoff::default().after(
                &status(503, Some(1000 * SEC)),
                Duration::ZERO,
                true,
                slow,
                &mut Fixed(0.5)
            ),
            Verdict::RetryIn(300 * SEC)
        );
        let days = throttled("limit:1, time:18446744073709551615 day");
        assert_eq!(throttle_pause(&days, WAIT), Some(SERVER_DELAY_CAP));
    }

    #[test]
    fn delays_double_within_their_window() {
        let mut backoff = Backoff::default();
        let top: Vec<f64> = (0..10)
            .map(|_| {
                match backoff.after(
                    &status(503, None),
                    Duration::ZERO,
                    true,
                    WAIT,
                    &mut Fixed(0.999_999),
                ) {
                    Verdict::RetryIn(delay) => delay.as_secs_f64().round(),
                    other @ Verdict::GiveUp(_) => panic!("{other:?}"),
                }
            })
            .collect();
        assert_eq!(top, [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]);
    }

    #[test]
    fn an_endpoint_that_never_answered_is_given_seconds_not_minutes() {
        for patience in [Patience::OneShot, WAIT] {
            let mut backoff = Backoff::default();
            let mut now = Duration::ZERO;
            let mut retries = 0;
            while let Verdict::RetryIn(delay) =
                backoff.after(&refused(), now, false, patience, &mut Fixed(0.999_999))
            {
                now += delay;
                retries += 1;
                assert!(now <= DEAD_ENDPOINT_BUDGET, "{now:?}");
            }
            assert!(retries >= 3, "a few quick retries first: {retries}");
        }
        // Once the endpoint has answered, an outage gets the full budget.
        assert!(matches!(
            Backoff::default().after(&refused(), 200 * SEC, true, WAIT, &mut Fixed(0.5)),
            Verdict::RetryIn(_)
        ));
        // An HTTP answer, even a failing one, is not a dead endpoint.
        assert!(matches!(
            Backoff::default().after(&status(503, None), 20 * SEC, false, WAIT, &mut Fixed(0.5)),
            Verdict::RetryIn(_)
        ));
    }

    #[test]
    fn an_outage_is_given_five_minutes_then_ends() {
        let mut backoff = Backoff::default();
        let down = status(502, None);
        let start = 10 * SEC;
        let mut r = Fixed(0.5);
        assert!(matches!(
            backoff.after(&down, start, true, WAIT, &mut r),
            Verdict::RetryIn(_)
        ));
        assert!(matches!(
            backoff.after(
                &down,
                start + OUTAGE_BUDGET.saturating_sub(SEC),
                true,
                WAIT,
                &mut r
            ),
            Verdict::RetryIn(_)
        ));
        assert_eq!(
            backoff.after(&down, start + OUTAGE_BUDGET, true, WAIT, &mut r),
            Verdict::GiveUp(GiveUp::Outage)
        );
        backoff.reset();
        assert!(matches!(
            backoff.after(&down, start + OUTAGE_BUDGET, true, WAIT, &mut r),
            Verdict::RetryIn(_)
        ));
        // An oversized answer is asked again by `wait` only.
        let large = ApiError::TooLarge { limit: 1 };
        assert!(matches!(
            Backoff::default().after(&large, SEC, true, WAIT, &mut r),
            Verdict::RetryIn(_)
        ));
        assert_eq!(
            Backoff::default().after(&large, SEC, true, Patience::OneShot, &mut r),
            Verdict::GiveUp(GiveUp::Permanent)
        );
    }
}
