//! The one exit-status type: every way `imsjob` can end, and how errors map onto it.
//!
//! The codes and their severity order are a contract (CLI.md, "Exit codes"): scripts and
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
        }
    }

    /// Rank in the contract's order `3 > 5 > 4 > 124 > 1 > 0` (signals and usage errors end a
    /// run before any job result exists, so they outrank everything).
    fn severity(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::JobFailed => 1,
            Self::Timeout => 2,
            Self::NotFound => 3,
            Self::Unavailable => 4,
            Self::AuthRefused => 5,
            Self::Usage => 6,
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

/// Classifies an error chain once, at the top: the first typed error found decides.
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
            return api.exit_status();
        }
    }
    ExitStatus::Unavailable
}

/// The hint attached to the first typed error of the chain, if any.
#[must_use]
pub fn hint(error: &anyhow::Error) -> Option<String> {
    error.chain().find_map(|cause| {
        if let Some(usage) = cause.downcast_ref::<UsageError>() {
            return usage.hint.clone();
        }
        cause.downcast_ref::<ApiError>().and_then(ApiError::hint)
    })
}

#[cfg(test)]
mod tests {
    use super::ExitStatus::*;

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
}
