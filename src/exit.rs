//! The one exit-status type: every way `imsjob` can end, and how errors map onto it.
//!
//! The codes and their severity order are a contract (doc/contract.md, "Exit codes"): scripts and
//! CI pipelines branch on them, so they are defined here once and nowhere else.

use crate::api::error::ApiError;
use crate::error::UsageError;

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
        match error {
            ApiError::Status {
                status: 401 | 403, ..
            } => Self::AuthRefused,
            ApiError::Status { status: 404, .. } => Self::NotFound,
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

/// A next step for the user after an API error, where one helps.
#[must_use]
pub fn api_hint(error: &ApiError) -> Option<String> {
    Some(match error {
        ApiError::Status { status: 401, .. } => {
            "the credentials were refused: check the token (`OS_AUTH_TOKEN`; tokens expire after 24 h), the access key pair (`OS_ACCESS_KEY`/`OS_SECRET_KEY`) or the password settings".into()
        }
        ApiError::Status { status: 403, .. } => {
            "the credentials are valid but may not read this project's jobs: check `OS_PROJECT_ID` and your IAM permissions".into()
        }
        ApiError::Status { status: 404, .. } => {
            "check the job id and that it belongs to the project and region in use (`--project-id`, `--region`)".into()
        }
        ApiError::Network { timed_out: true, .. } => {
            "the API did not answer in time; raise `--request-timeout` or check the network".into()
        }
        ApiError::Tls {
            certificate: true, ..
        } => {
            "the server's certificate is not trusted here: if it comes from a private or self-signed CA, trust that CA with `--cacert FILE` (or `OS_CACERT`); `--insecure` skips verification (never in production)".into()
        }
        ApiError::Tls { .. } => {
            "check that the endpoint speaks HTTPS, and the TLS trust (`--cacert FILE`, `OS_CACERT`; `--insecure` skips verification)".into()
        }
        ApiError::Network { .. } => {
            "check the endpoint (`--endpoint`, `IMSJOB_ENDPOINT`, `--region`) and the network or proxy".into()
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
pub fn classify(error: &anyhow::Error) -> ExitStatus {
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
pub fn hint(error: &anyhow::Error) -> Option<String> {
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
}
