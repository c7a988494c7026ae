//! Backoff for failed requests: exponential with full jitter, never sooner than the server's
//! `Retry-After`. Separate from the polling cadence of a healthy job (see `commands::wait`).

use std::future::Future;
use std::time::Duration;

use super::error::ApiError;
use crate::log::debug_log;

/// Retry delays start here and double per attempt…
pub(crate) const RETRY_BASE: Duration = Duration::from_millis(500);
/// …up to this cap (before `Retry-After`, which may ask for more).
pub(crate) const RETRY_CAP: Duration = Duration::from_secs(30);
/// `get` and `tree` give up rather than sleep longer than this on a `Retry-After`.
const ONE_SHOT_PATIENCE: Duration = Duration::from_secs(60);
/// A throttled answer that names no window and has no `Retry-After` waits this long: the
/// gateway's shortest published window (a retry within it is throttled again).
const THROTTLE_FLOOR: Duration = Duration::from_secs(5);
/// No retry is started this long after the first attempt when the endpoint was never
/// reached at all (refused, unknown host): a wrong endpoint, not a passing fault.
const UNREACHABLE_PATIENCE: Duration = Duration::from_secs(10);

/// The delay before retry number `attempt` (0-based): full jitter over the exponential
/// window, raised to what `Retry-After` asked for.
#[must_use]
pub(crate) fn retry_delay(attempt: u32, error: &ApiError) -> Duration {
    let window = RETRY_BASE
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(RETRY_CAP);
    let jittered = window.mul_f64(fastrand::f64());
    jittered.max(server_floor(error))
}

/// What the server asked for: `Retry-After`, else for a throttled answer the window its
/// message names (else [`THROTTLE_FLOOR`]).
fn server_floor(error: &ApiError) -> Duration {
    let throttled = error.http_status() == Some(429)
        || error.gateway_code() == Some(super::error::GatewayCode::Throttled);
    match error.retry_after() {
        Some(delay) => delay,
        None if throttled => error.throttle_window().unwrap_or(THROTTLE_FLOOR),
        None => Duration::ZERO,
    }
}

/// Runs `call` and retries transient failures up to `retries` times (`get`, `tree`).
///
/// # Errors
/// The last error, when it is not transient or the retries are spent.
pub(crate) async fn with_retries<T, F, Fut>(retries: u32, mut call: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let mut attempt = 0;
    let started = std::time::Instant::now();
    let mut reached = false;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(error) if error.is_transient() && attempt < retries => {
                reached |= !error.is_unreachable();
                let delay = retry_delay(attempt, &error);
                if delay > ONE_SHOT_PATIENCE
                    || (!reached && started.elapsed() + delay > UNREACHABLE_PATIENCE)
                {
                    return Err(error);
                }
                debug_log(1, || {
                    format!("retrying in {} ms after: {error}", delay.as_millis())
                });
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_a_floor() {
        let throttled = ApiError::Status {
            status: 429,
            code: None,
            message: None,
            request_id: None,
            retry_after: Some(Duration::from_secs(2)),
            clock_offset: None,
        };
        for attempt in 0..5 {
            assert!(retry_delay(attempt, &throttled) >= Duration::from_secs(2));
        }
    }

    #[test]
    fn a_throttled_answer_waits_out_its_window() {
        let throttled = ApiError::from_response(
            429,
            br#"{"error_code": "APIGW.0308", "error_msg": "limit:5, time:2 second"}"#,
            None,
            None,
        );
        assert!(retry_delay(0, &throttled) >= Duration::from_secs(2));
        let unnamed = ApiError::from_response(429, b"", None, None);
        assert!(retry_delay(0, &unnamed) >= THROTTLE_FLOOR);
    }

    #[test]
    fn delay_stays_within_the_window() {
        let error = ApiError::Network {
            message: String::new(),
            timed_out: false,
        };
        for attempt in 0..40 {
            assert!(retry_delay(attempt, &error) <= RETRY_CAP);
        }
        assert!(retry_delay(0, &error) <= RETRY_BASE);
    }
}
