//! The one exit-status type: every way `imsjob` can end, and how errors map onto it.
//!
//! The codes and their severity order are a contract (doc/contract.md, "Exit codes"): scripts and
//! CI pipelines branch on them, so they are defined here once and nowhere else.

use crate::api::error::{ApiError, CertificateProblem, GatewayCode};
use crate::usage_error::UsageError;

/// How a run of `imsjob` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// `get`/`tree` fetched everything; `wait`: every job SUCCESS.
    Success,
    /// `wait`: at least one job ended FAIL.
    JobFailed,
    /// Bad flag, bad id, or unusable configuration; nothing was sent.
    Usage,
    /// Authentication or authorization refused (401 after re-auth, 403).
    AuthRefused,
    /// A job was not found.
    NotFound,
    /// The API was unreachable or its answers unusable after retries.
    Unavailable,
    /// `wait --timeout` passed while a job was still running.
    Timeout,
    /// Stopped by SIGINT.
    Interrupted,
    /// Stopped by SIGTERM.
    Terminated,
    /// Neither usage, authentication, API nor job outcome: a local write failure, a runtime
    /// that cannot start, a bug. `EX_SOFTWARE` from `sysexits.h`.
    Internal,
}

impl ExitStatus {
    /// The process exit code.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::JobFailed => 1,
            Self::Usage => 2,
            Self::AuthRefused => 3,
            Self::NotFound => 4,
            Self::Unavailable => 5,
            Self::Timeout => 124,
            Self::Interrupted => 130,
            Self::Terminated => 143,
            Self::Internal => 70,
        }
    }

    /// Rank in the contract's order `3 > 5 > 4 > 124 > 1 > 0` (signals, usage and internal
    /// errors end a run before any job result exists, so they outrank everything).
    fn severity(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::JobFailed => 1,
            Self::Timeout => 2,
            Self::NotFound => 3,
            Self::Unavailable => 4,
            Self::AuthRefused => 5,
            Self::Usage | Self::Internal => 6,
            Self::Terminated => 7,
            Self::Interrupted => 8,
        }
    }

    /// The more severe of two outcomes, for runs over several jobs.
    #[must_use]
    pub fn worst(self, other: Self) -> Self {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        Self::from(status.code())
    }
}

impl From<&ApiError> for ExitStatus {
    fn from(error: &ApiError) -> Self {
        if let Some(rule) = gateway_rule(error) {
            return rule.exit;
        }
        match error {
            ApiError::Status {
                status: 401 | 403, ..
            } => Self::AuthRefused,
            ApiError::Status { .. } if error.is_not_found() => Self::NotFound,
            // Nothing reached IMS: the configuration is at fault, as with any usage error.
            ApiError::Config { .. } => Self::Usage,
            ApiError::Status { .. }
            | ApiError::Network { .. }
            | ApiError::Tls { .. }
            | ApiError::Decode { .. }
            | ApiError::TooLarge { .. } => Self::Unavailable,
        }
    }
}

/// What an API gateway code earns: the exit status, whether asking again may help (the API
/// layer decides retries with [`ApiError::is_transient`]; a unit test keeps both in step),
/// and the hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GatewayRule {
    pub exit: ExitStatus,
    pub retry: bool,
    pub hint: GatewayHint,
}

/// The hint of a gateway code; the clock one is worded from the server's `Date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GatewayHint {
    Text(&'static str),
    Clock,
}

const KEY_LOCKED: &str = "the access key is locked for 5 minutes after repeated failed authentications: stop every job using it now (each attempt prolongs the lock), fix `OS_ACCESS_KEY`/`OS_SECRET_KEY`, then wait 5 minutes";
const REFUSED: &str = "the credentials were refused: check the token (`OS_AUTH_TOKEN`; tokens expire after 24 h), the access key pair (`OS_ACCESS_KEY`/`OS_SECRET_KEY`) or the password settings";

/// The table of gateway codes (`APIG.xxxx` and `APIGW.xxxx` alike), by what they mean.
#[must_use]
pub(crate) fn gateway_rule_for(code: GatewayCode, key_locked: bool) -> Option<GatewayRule> {
    use ExitStatus::{AuthRefused, Unavailable};
    let (exit, retry, hint) = match code {
        GatewayCode::ApiNotFound => (
            Unavailable,
            false,
            GatewayHint::Text(
                "the gateway knows no such API: the endpoint, region or path is wrong, not the job id; check `--endpoint`/`IMSJOB_ENDPOINT` and `--region`",
            ),
        ),
        GatewayCode::BackendUnavailable => (
            Unavailable,
            true,
            GatewayHint::Text(
                "the API gateway cannot reach the IMS backend: a service-side outage; try again later",
            ),
        ),
        GatewayCode::Credentials if key_locked => {
            (AuthRefused, false, GatewayHint::Text(KEY_LOCKED))
        }
        GatewayCode::Credentials => (AuthRefused, false, GatewayHint::Text(REFUSED)),
        GatewayCode::AccessDenied => (
            AuthRefused,
            false,
            GatewayHint::Text(
                "the gateway refuses requests from this IP address or account (an access-control list): check the IAM and network ACLs",
            ),
        ),
        GatewayCode::SignatureExpired => (AuthRefused, false, GatewayHint::Clock),
        GatewayCode::Throttled => (
            Unavailable,
            true,
            GatewayHint::Text(
                "the API gateway throttles this account: lower `--max-rps`, or run fewer imsjob processes at once",
            ),
        ),
        GatewayCode::Other => return None,
    };
    Some(GatewayRule { exit, retry, hint })
}

/// The rule for an error's gateway code, if it has one.
fn gateway_rule(error: &ApiError) -> Option<GatewayRule> {
    gateway_rule_for(error.gateway_code()?, error.is_key_locked())
}

/// "the local clock is 17 min behind the server's": the skew an expired signature points to.
fn clock_hint(error: &ApiError) -> String {
    const ADVICE: &str = "AK/SK signatures allow 15 minutes of skew; synchronise the clock (NTP)";
    let offset = match error {
        ApiError::Status { clock_offset, .. } => *clock_offset,
        _ => None,
    };
    match offset {
        // Within the allowed skew: the clock is not the cause.
        Some(offset) if offset.unsigned_abs() < 15 * 60 => format!(
            "the signature expired, but the local clock is within {} of the server's (its `Date` header): check that the request is signed when it is sent (no stale `X-Sdk-Date`)",
            humantime::format_duration(std::time::Duration::from_secs(offset.unsigned_abs()))
        ),
        Some(offset) => {
            let (side, secs) = if offset >= 0 {
                ("behind", offset.unsigned_abs())
            } else {
                ("ahead of", offset.unsigned_abs())
            };
            let amount = humantime::format_duration(std::time::Duration::from_secs(secs));
            format!(
                "the signature expired: the local clock is {amount} {side} the server's (its `Date` header); {ADVICE}"
            )
        }
        None => format!(
            "the signature expired: compare the local clock with the server's (`date -u`); {ADVICE}"
        ),
    }
}

/// A next step for the user after an API error, where one helps.
#[must_use]
pub(crate) fn api_hint(error: &ApiError) -> Option<String> {
    if let Some(rule) = gateway_rule(error) {
        return Some(match rule.hint {
            GatewayHint::Text(text) => text.to_owned(),
            GatewayHint::Clock => clock_hint(error),
        });
    }
    Some(match error {
        ApiError::Status { status: 401, .. } if error.is_key_locked() => KEY_LOCKED.into(),
        ApiError::Status { status: 401, .. } => REFUSED.into(),
        ApiError::Status { status: 403, .. } => {
            "the credentials are valid but may not read this project's jobs: check `OS_PROJECT_ID` and your IAM permissions".into()
        }
        ApiError::Status { .. } if error.is_not_found() => {
            "check the job id and that it belongs to the project, region and service in use (`--project-id`, `--region`, `--service`)".into()
        }
        ApiError::Status { status: 200..=299, .. } => {
            "the API answered with an error object instead of the job: check the endpoint (`--endpoint`, `IMSJOB_ENDPOINT`) is the IMS one".into()
        }
        ApiError::Network { timed_out: true, .. } => {
            "the API did not answer in time; raise `--request-timeout` or check the network".into()
        }
        ApiError::Tls {
            certificate: CertificateProblem::CaAsServer,
            ..
        } => {
            "the server's certificate is a CA certificate (as `openssl req -x509` makes by default), which TLS clients may not accept as a server's own: give the server a certificate issued by that CA and pass the CA with `--cacert FILE`; `--insecure` skips verification (for testing only)".into()
        }
        ApiError::Tls {
            certificate: CertificateProblem::Untrusted,
            ..
        } => {
            "the server's certificate is not trusted here: if it comes from a private or self-signed CA, trust that CA with `--cacert FILE` (or `OS_CACERT`); `--insecure` skips verification (never in production)".into()
        }
        ApiError::Tls { .. } => {
            "check that the endpoint speaks HTTPS, and the TLS trust (`--cacert FILE`, `OS_CACERT`; `--insecure` skips verification)".into()
        }
        ApiError::Network { .. } => {
            "check the endpoint (`--endpoint`, `IMSJOB_ENDPOINT`, `--region`): is the host name and port right, is the service up, does a proxy or firewall stand between".into()
        }
        ApiError::Config { .. } => {
            "check `OS_AUTH_URL`, `OS_PROJECT_NAME` and the access key".into()
        }
        // Redirects are never followed (a token must not travel to wherever a server says).
        ApiError::Status {
            status: 300..=399,
            ..
        } => {
            "the endpoint redirects, and imsjob does not follow redirects: give the final URL with `--endpoint` (`curl -sI URL` shows where it points)".into()
        }
        ApiError::Status { .. } | ApiError::Decode { .. } | ApiError::TooLarge { .. } => {
            return None;
        }
    })
}

/// Classifies an error chain once, at the top: the first typed error found decides. An
/// error with no type we know is a local failure or a bug, never blamed on the API.
#[must_use]
pub(crate) fn classify(error: &anyhow::Error) -> ExitStatus {
    for cause in error.chain() {
        // A `--jq` filter that fails on the document is the expression's fault, not the API's.
        if cause.downcast_ref::<UsageError>().is_some()
            || cause
                .downcast_ref::<crate::render::jq::JqRunError>()
                .is_some()
        {
            return ExitStatus::Usage;
        }
        if let Some(api) = cause.downcast_ref::<ApiError>() {
            return api.into();
        }
    }
    ExitStatus::Internal
}

/// The hint attached to the first typed error of the chain, if any.
#[must_use]
pub(crate) fn hint(error: &anyhow::Error) -> Option<String> {
    error.chain().find_map(|cause| {
        if let Some(usage) = cause.downcast_ref::<UsageError>() {
            return usage.hint.clone();
        }
        cause.downcast_ref::<ApiError>().and_then(api_hint)
    })
}

#[cfg(test)]
mod tests {
    use super::ExitStatus::*;
    use super::*;

    #[test]
    fn severity_follows_the_contract() {
        // 3 > 5 > 4 > 124 > 1 > 0
        let order = [
            AuthRefused,
            Unavailable,
            NotFound,
            Timeout,
            JobFailed,
            Success,
        ];
        for (i, a) in order.iter().enumerate() {
            for b in &order[i..] {
                assert_eq!(a.worst(*b), *a);
                assert_eq!(b.worst(*a), *a);
            }
        }
    }

    #[test]
    fn usage_and_internal_end_a_run() {
        assert_eq!(Internal.code(), 70);
        assert_eq!(AuthRefused.worst(Internal), Internal);
        assert_eq!(Internal.worst(Usage), Internal);
    }

    #[test]
    fn api_errors_keep_their_exit_codes() {
        let status = |status| ApiError::Status {
            status,
            code: None,
            message: None,
            request_id: None,
            retry_after: None,
            clock_offset: None,
        };
        assert_eq!(ExitStatus::from(&status(401)), AuthRefused);
        assert_eq!(ExitStatus::from(&status(403)), AuthRefused);
        assert_eq!(ExitStatus::from(&status(404)), NotFound);
        assert_eq!(ExitStatus::from(&status(503)), Unavailable);
        let config = ApiError::Config {
            message: "bad".into(),
        };
        assert_eq!(ExitStatus::from(&config), Usage);
        assert!(api_hint(&config).is_some());
    }

    #[test]
    fn unknown_errors_are_internal_not_the_apis_fault() {
        let write = anyhow::Error::from(std::io::Error::other("disk full")).context("writing");
        assert_eq!(classify(&write), Internal);
        let api = anyhow::Error::from(ApiError::Network {
            message: "refused".into(),
            timed_out: false,
        })
        .context("fetching");
        assert_eq!(classify(&api), Unavailable);
        assert_eq!(classify(&UsageError::new("bad").into()), Usage);
    }

    fn gateway(status: u16, code: &str, message: &str) -> ApiError {
        ApiError::Status {
            status,
            code: Some(code.into()),
            message: Some(message.into()),
            request_id: None,
            retry_after: None,
            clock_offset: None,
        }
    }

    #[test]
    fn the_gateway_table_and_the_retry_decision_agree() {
        // Each code with the HTTP status the gateway sends it with; both spellings.
        let cases = [
            (404, "0101", "The API does not exist", Unavailable, false),
            (503, "0201", "Backend unavailable", Unavailable, true),
            (
                401,
                "0301",
                "Incorrect IAM authentication information",
                AuthRefused,
                false,
            ),
            (
                401,
                "0301",
                "AK access failed to reach the limit",
                AuthRefused,
                false,
            ),
            (
                403,
                "0302",
                "The IP address is not allowed",
                AuthRefused,
                false,
            ),
            (401, "0303", "The signature expired", AuthRefused, false),
            (
                429,
                "0308",
                "The throttling threshold has been reached",
                Unavailable,
                true,
            ),
        ];
        for prefix in ["APIG.", "APIGW."] {
            for (status, number, message, exit, retry) in cases {
                let error = gateway(status, &format!("{prefix}{number}"), message);
                let rule = gateway_rule(&error).expect("a rule");
                assert_eq!(rule.exit, exit, "{error}");
                assert_eq!(rule.retry, retry, "{error}");
                assert_eq!(error.is_transient(), retry, "{error}");
                assert_eq!(ExitStatus::from(&error), exit, "{error}");
                assert!(api_hint(&error).is_some(), "{error}");
            }
        }
    }

    #[test]
    fn hints_name_the_real_cause() {
        let hint = |e: &ApiError| api_hint(e).unwrap_or_default();
        let missing_api = gateway(404, "APIGW.0101", "The API does not exist");
        assert!(
            hint(&missing_api).contains("endpoint"),
            "{}",
            hint(&missing_api)
        );
        assert!(!hint(&missing_api).contains("check the job id"));
        let locked = gateway(401, "APIG.0301", "AK access failed to reach the limit");
        assert!(hint(&locked).contains("locked for 5 minutes"));
        let text_locked = ApiError::from_response(
            401,
            b"AK access failed to reach the limit,forbidden.",
            None,
            None,
        );
        assert!(hint(&text_locked).contains("locked for 5 minutes"));
        assert_eq!(ExitStatus::from(&text_locked), AuthRefused);
        let mut expired = gateway(401, "APIG.0303", "The signature expired");
        assert!(hint(&expired).contains("compare the local clock"));
        if let ApiError::Status { clock_offset, .. } = &mut expired {
            *clock_offset = Some(1200);
        }
        assert!(
            hint(&expired).contains("the local clock is 20m behind the server's"),
            "{}",
            hint(&expired)
        );
        if let ApiError::Status { clock_offset, .. } = &mut expired {
            *clock_offset = Some(-3600);
        }
        assert!(
            hint(&expired).contains("1h ahead of the server's"),
            "{}",
            hint(&expired)
        );
        let throttled = gateway(429, "APIGW.0308", "limit:5, time:5 second");
        assert!(hint(&throttled).contains("throttles"));
    }
}
