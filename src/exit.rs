//! The one exit-status type: every way `imsjob` can end, and how errors map onto it.
//!
//! The codes and their severity order are a contract (doc/contract.md, "Exit codes"): scripts and
//! CI pipelines branch on them, so they are defined here once and nowhere else, with their
//! one-line meanings: help, the man pages, the README and the contract are made from these.

use crate::api::credentials::AuthKind;
use crate::api::error::{ApiError, CertificateProblem, GatewayCode, NetworkFailure};
use crate::report::{Body, Explained, Explanation, JobsKind, Outcome, Report, Signal, TreeNode};
use crate::usage_error::UsageError;

/// How a run of `imsjob` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// `get`/`tree` fetched everything; `wait`: every job SUCCESS.
    Success,
    /// `wait`: at least one job ended FAIL.
    JobFailed,
    /// Bad flag, bad id, no or invalid credentials; nothing was sent (see [`Self::meaning`]).
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
    /// Every exit status, in the order the contract's table lists them. Help, the man page,
    /// README and `doc/contract.md` are made from this and [`ExitStatus::meaning`].
    pub const ALL: [Self; 10] = [
        Self::Success,
        Self::JobFailed,
        Self::Usage,
        Self::AuthRefused,
        Self::NotFound,
        Self::Unavailable,
        Self::Internal,
        Self::Timeout,
        Self::Interrupted,
        Self::Terminated,
    ];

    /// What the code means, in one line: the one wording every table shows.
    #[must_use]
    pub fn meaning(self) -> &'static str {
        match self {
            Self::Success => "success: get/tree fetched everything; wait: every job SUCCESS",
            Self::JobFailed => "wait: at least one job ended FAIL",
            Self::Usage => {
                "usage or configuration error (bad flag, id or credentials); nothing sent"
            }
            Self::AuthRefused => "authentication or authorization refused (401 after re-auth, 403)",
            Self::NotFound => "job not found",
            Self::Unavailable => "API unavailable or unusable after retries",
            Self::Internal => "internal error of imsjob itself (a bug, or local I/O); never 5",
            Self::Timeout => {
                "wait --timeout passed while a job was still running (it may still finish)"
            }
            Self::Interrupted => "interrupted by SIGINT (the remote job is not touched)",
            Self::Terminated => "terminated by SIGTERM (the remote job is not touched)",
        }
    }

    /// The statuses a job can earn, most severe first: with several jobs, the most severe wins.
    #[must_use]
    pub fn by_severity() -> Vec<Self> {
        let mut outcomes: Vec<Self> = Self::ALL
            .into_iter()
            .filter(|status| status.severity() <= Self::AuthRefused.severity())
            .collect();
        outcomes.sort_by_key(|status| std::cmp::Reverse(status.severity()));
        outcomes
    }

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

/// The exit status of a command that ran: the one place where a report (the jobs' outcomes,
/// the errors of the ids that could not be fetched, a signal) becomes an exit status.
#[must_use]
#[expect(
    clippy::match_same_arms,
    reason = "one arm per kind of report, each with its own reason to succeed"
)]
pub(crate) fn status(report: &Report) -> ExitStatus {
    if let Some(signal) = report.stopped_by {
        return signal.into();
    }
    match &report.body {
        Body::Jobs(jobs) => jobs
            .entries
            .iter()
            .map(|entry| match (&jobs.kind, &entry.outcome, &entry.error) {
                (JobsKind::Wait(_), Some(outcome), _) => outcome_status(outcome),
                (JobsKind::Get, _, Some(error)) => ExitStatus::from(error),
                _ => ExitStatus::Success,
            })
            .fold(ExitStatus::Success, ExitStatus::worst),
        Body::Tree(tree) => tree_status(&tree.root),
        Body::SelfCheck { passed: false } => ExitStatus::Internal,
        Body::SelfCheck { passed: true } | Body::Text(_) | Body::Notes(_) => ExitStatus::Success,
        Body::Explain(Explanation::List) => ExitStatus::Success,
        Body::Explain(Explanation::Codes(asked)) => asked
            .iter()
            .map(|explained| match explained {
                Explained::Known(_) => ExitStatus::Success,
                // As a job that is not found: the code may be newer than the table.
                Explained::Unknown { .. } => ExitStatus::NotFound,
                Explained::NotACode { .. } => ExitStatus::Usage,
            })
            .fold(ExitStatus::Success, ExitStatus::worst),
    }
}

/// What the end of the wait for one job earns.
#[must_use]
pub(crate) fn outcome_status(outcome: &Outcome) -> ExitStatus {
    match outcome {
        Outcome::Success | Outcome::Abandoned => ExitStatus::Success,
        Outcome::Failed => ExitStatus::JobFailed,
        Outcome::TimedOut => ExitStatus::Timeout,
        Outcome::Error(error) => ExitStatus::from(error),
    }
}

/// The worst status of the nodes of a tree that could not be fetched.
fn tree_status(node: &TreeNode) -> ExitStatus {
    let own = match &node.outcome {
        Ok(_) => ExitStatus::Success,
        Err(error) => ExitStatus::from(error),
    };
    node.children
        .iter()
        .fold(own, |status, child| status.worst(tree_status(child)))
}

/// How the `--jq` program, if any, ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FilterEnd {
    /// No filter, or it ran to its end (or to `halt` with any code: the jobs decide).
    Finished,
    /// A runtime error.
    Failed,
    /// A signal stopped it: the command ends as it would have without a filter running.
    Signalled(Signal),
}

/// The status once the document was written: a `--jq` program that failed on it is a usage
/// error, but only where the jobs themselves went well (it never hides a FAIL or a timeout);
/// a signal during the filter ends the command as it would have without one.
#[must_use]
pub(crate) fn after_rendering(status: ExitStatus, filter: FilterEnd) -> ExitStatus {
    match filter {
        FilterEnd::Failed if status == ExitStatus::Success => ExitStatus::Usage,
        FilterEnd::Signalled(signal) => signal.into(),
        FilterEnd::Finished | FilterEnd::Failed => status,
    }
}

/// A command stopped by a signal ends as the shell reports a process killed by it.
impl From<Signal> for ExitStatus {
    fn from(signal: Signal) -> Self {
        match signal {
            Signal::Interrupt => Self::Interrupted,
            Signal::Terminate => Self::Terminated,
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
        if let Some(exit) = gateway_exit(error) {
            return exit;
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

/// What a hint may depend on besides the error itself: how the run authenticates, whether
/// its endpoints are on this machine (a simulator) and which command runs. Resolved from the
/// settings at the top and handed down, so that `exit` needs nothing above it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct HintContext {
    /// The credentials in use; `None` where none were resolved (then a hint names them all).
    pub auth: Option<AuthKind>,
    /// Every endpoint of the run is a loopback address.
    pub loopback: bool,
    /// The command is `wait`, whose `--max-rps` spreads its requests.
    pub waits: bool,
    /// A proxy variable is set: a connection that fails may be the proxy's, whatever host
    /// the error names.
    pub proxied: bool,
    /// The endpoint was given (`--endpoint`, `IMSJOB_ENDPOINT`): used as given, so `--region`
    /// and `--service` do not move it, and a hint does not offer them.
    pub endpoint_given: bool,
}

/// The table's advice for a gateway code, or nothing. The rows of the six codes imsjob knows
/// by meaning are checked by a unit test, so this is only empty on a table the tests would
/// refuse.
fn row_advice(code: GatewayCode) -> String {
    code.table_code()
        .and_then(|code| crate::codes::table().get(code))
        .map(|row| row.what_to_do.to_owned())
        .unwrap_or_default()
}

/// Refused credentials (`APIG.0301`, or a 401 without a gateway code), in the words of the
/// method in use; the table's advice, which names every method, when none is known.
fn refused(error: &ApiError, context: HintContext) -> String {
    match context.auth {
        // The login went through, but the token it gave was refused, also after a new login.
        Some(AuthKind::Password) if !error.is_iam_refusal() => "the gateway refused the token IAM issued for the password login, also after a fresh login: check that the project (`OS_PROJECT_NAME`/`OS_PROJECT_ID`) and the region (`--region`) are those of the endpoint".into(),
        Some(AuthKind::Token) => "the token was refused: a token expires after 24 h and is valid for the project it was issued for only; get a new one for this project and set `OS_AUTH_TOKEN`".into(),
        Some(AuthKind::AkSk) => "the access key pair was refused: check that the access key `OS_ACCESS_KEY` exists and is enabled, and that `OS_SECRET_KEY` is its secret key".into(),
        Some(AuthKind::Password) => "the password login was refused: check `OS_USERNAME`, `OS_PASSWORD` and `OS_USER_DOMAIN_NAME` (the account's domain, `OTC…`), and `OS_PASSCODE` where the user has MFA; IAM locks a user after repeated failed logins".into(),
        None => row_advice(GatewayCode::Credentials),
    }
}

/// The gateway's "AK access failed to reach the limit": its FAQ gives locked access keys and
/// expired tokens alike as causes (opentelekomcloud-docs/api-gateway,
/// `umn/source/faqs/api_authentication/common_errors_related_to_iam_authentication_information.rst`,
/// commit c0fe2d00a1f07e258e9a1bb3cb0f47084d6c7a08), so the method in use says which one it is.
fn key_locked(context: HintContext) -> String {
    let hint = match context.auth {
        Some(AuthKind::Token) => "the gateway answers an expired token with \"AK access failed to reach the limit\" too: this run sends a token, not an access key, so get a new token for this project and set `OS_AUTH_TOKEN` (tokens expire after 24 h)".to_owned(),
        Some(AuthKind::Password) => "the gateway answers an expired token with \"AK access failed to reach the limit\" too: this run logs in with a password, not an access key, so run again with `--no-token-cache` to get a fresh token; if that fails as well, check the project (`OS_PROJECT_NAME`/`OS_PROJECT_ID`) and the region".to_owned(),
        Some(AuthKind::AkSk) | None => "the access key is locked for 5 minutes after repeated failed authentications: stop every job using it now (each attempt prolongs the lock), fix `OS_ACCESS_KEY`/`OS_SECRET_KEY`, then wait 5 minutes".to_owned(),
    };
    if context.loopback {
        format!("{hint} (a local simulator answers so for a job with the `ak_locked` fault)")
    } else {
        hint
    }
}

/// An `APIG.0303` (app authentication failed): the clock is the cause only when the gateway
/// says the signature expired; any other text is a signature or key the gateway refused
/// (opentelekomcloud-docs/api-gateway,
/// `umn/source/faqs/api_authentication/what_should_i_do_if_the_app_authentication_information_is_incorrect.rst`,
/// commit c0fe2d00a1f07e258e9a1bb3cb0f47084d6c7a08).
fn app_authentication(error: &ApiError, context: HintContext) -> String {
    // With a token nothing was signed: neither the clock nor a key pair can be the cause, and
    // the gateway asking for app authentication points at an API other than the jobs' one.
    if let Some(AuthKind::Token | AuthKind::Password) = context.auth {
        return "the gateway wants app authentication (a signed request), but this run sends an IAM token and signs nothing: check that the endpoint (`--endpoint`, `IMSJOB_ENDPOINT`) is the jobs' API of the service in use, not another API behind the same gateway".into();
    }
    let expired = matches!(error, ApiError::Status { message: Some(message), .. }
        if message.to_ascii_lowercase().contains("signature expired"));
    if expired {
        return clock_hint(error);
    }
    match context.auth {
        Some(AuthKind::AkSk) => "the gateway refused the request's signature (app authentication): check that `OS_ACCESS_KEY` and `OS_SECRET_KEY` belong together, and that no proxy changes the method, path, query or headers that are signed".into(),
        _ => row_advice(GatewayCode::AppAuthentication),
    }
}

/// A throttled request: when to try again, from the window the gateway names; `wait` can
/// also spread its requests with `--max-rps`.
fn throttled(error: &ApiError, context: HintContext) -> String {
    if context.waits {
        return "the API gateway throttles this account: lower `--max-rps`, or run fewer imsjob processes at once".into();
    }
    let when = error.throttle_window().map_or_else(
        || "try again in a minute".to_owned(),
        |window| {
            format!(
                "try again once the window it names ({}) has passed",
                crate::time::format_duration(window)
            )
        },
    );
    format!("the API gateway throttles this account: {when}, or run fewer imsjob processes at once")
}

/// The exit status a gateway code earns (`APIG.xxxx` and `APIGW.xxxx` alike), by what it
/// means. Whether asking again may help is not decided here: the table of codes answers that
/// for the retry decision ([`ApiError::is_transient`]) and for `imsjob explain` alike. The
/// table is not consulted for the status itself: a unit test holds a row for each code
/// known by meaning, and every failed request asks this (whether it refuses the
/// credentials), so it stays a match on the parsed code.
fn gateway_exit(error: &ApiError) -> Option<ExitStatus> {
    let code = error.gateway_code()?;
    Some(match code {
        GatewayCode::ApiNotFound | GatewayCode::BackendUnavailable | GatewayCode::Throttled => {
            ExitStatus::Unavailable
        }
        GatewayCode::Credentials | GatewayCode::AccessDenied | GatewayCode::AppAuthentication => {
            ExitStatus::AuthRefused
        }
        GatewayCode::Other => return None,
    })
}

/// The hint of a gateway code: the table's advice, worded for the method in use where the
/// cause depends on it.
fn gateway_hint(error: &ApiError, context: HintContext) -> Option<String> {
    let code = error.gateway_code()?;
    Some(match code {
        // A code not known by meaning: the codes of the body, like any other answer's.
        GatewayCode::Other => return None,
        GatewayCode::Credentials if error.is_key_locked() => key_locked(context),
        GatewayCode::Credentials => refused(error, context),
        GatewayCode::AppAuthentication => app_authentication(error, context),
        GatewayCode::Throttled => throttled(error, context),
        GatewayCode::AccessDenied if context.loopback => format!(
            "{} (a local simulator answers so when the project in the path is not the one of the credentials)",
            row_advice(code)
        ),
        // The gateway gives 0201 with 413, 414 and 494 (and 400) too: a request it will not
        // pass on, which no retry changes (the table of codes retries 0201 by its status).
        GatewayCode::BackendUnavailable if !error.is_transient() => format!(
            "the API gateway refused the request itself (HTTP {}: too large or malformed), and asking again gets the same answer: check the endpoint path, and what a proxy adds to the request",
            error.http_status().unwrap_or_default()
        ),
        _ => row_advice(code),
    })
}

/// "the local clock is 17 min behind the server's": the skew an expired signature points to,
/// as the gateway's message measures it, else as the answer's `Date` header does.
fn clock_hint(error: &ApiError) -> String {
    const ADVICE: &str = "AK/SK signatures allow 15 minutes of skew; synchronise the clock (NTP)";
    let from_date = match error {
        ApiError::Status { clock_offset, .. } => *clock_offset,
        _ => None,
    };
    let (offset, source) = match error.signature_skew() {
        Some(skew) => (
            Some(skew),
            "the signature and server times the gateway names",
        ),
        None => (from_date, "its `Date` header"),
    };
    match offset {
        // Within the allowed skew: the clock is not the cause.
        Some(offset) if offset.unsigned_abs() < 15 * 60 => format!(
            "the signature expired, but the local clock is within {} of the server's ({source}): check that the request is signed when it is sent (no stale `X-Sdk-Date`)",
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
                "the signature expired: the local clock is {amount} {side} the server's ({source}); {ADVICE}"
            )
        }
        None => format!(
            "the signature expired: compare the local clock with the server's (`date -u`); {ADVICE}"
        ),
    }
}

/// A next step for the user after an API error, where one helps, in the terms of the run's
/// authentication method and endpoint.
#[must_use]
pub(crate) fn api_hint(error: &ApiError, context: HintContext) -> Option<String> {
    // IAM's own "no such API" (a gateway's 0101 or a plain 404): the IAM URL is wrong, not
    // the endpoint of the jobs nor a job id.
    if error.is_iam_answer() && error.http_status() == Some(404) {
        return Some("IAM has no such API at that URL: check `OS_AUTH_URL` (or `auth.auth_url` in clouds.yaml), IAM's base URL such as `https://iam.eu-de.otc.t-systems.com/v3`, without `/auth/tokens`".into());
    }
    if let Some(hint) = gateway_hint(error, context) {
        return Some(hint);
    }
    Some(match error {
        ApiError::Status { status: 401, .. } if error.is_key_locked() => key_locked(context),
        ApiError::Status { status: 401, .. } => refused(error, context),
        ApiError::Status { status: 403, .. } => {
            "the credentials are valid but may not read this project's jobs: check `OS_PROJECT_ID` and your IAM permissions".into()
        }
        ApiError::Status { .. } if error.is_not_found() && context.endpoint_given => {
            "check the job id, and that it belongs to the project in use (`--project-id`) and to the service of the endpoint given (`--endpoint`, `IMSJOB_ENDPOINT`), which `--region` and `--service` do not move".into()
        }
        ApiError::Status { .. } if error.is_not_found() => {
            "check the job id and that it belongs to the project, region and service in use (`--project-id`, `--region`, `--service`)".into()
        }
        ApiError::Status { status: 200..=299, .. } => {
            "the API answered with an error object instead of the job: check the endpoint (`--endpoint`, `IMSJOB_ENDPOINT`) is the IMS one".into()
        }
        ApiError::Network { failure: NetworkFailure::TimedOut, .. } => {
            "the API did not answer in time; raise `--request-timeout` or check the network".into()
        }
        // Something accepted the connection: the host name and port lead somewhere.
        ApiError::Network { failure: NetworkFailure::Dropped, .. } => {
            let who = if error.is_at_iam() { "IAM" } else { "the API" };
            let between = if context.proxied {
                "the proxy set (`HTTPS_PROXY`, `HTTP_PROXY` or `ALL_PROXY`), which may be the one that closed it"
            } else {
                "for a proxy, load balancer or firewall on the way that cuts connections"
            };
            // `wait` has already ridden it out for its whole budget: "try again" would not help.
            if context.waits {
                format!("{who} accepted the connection but kept closing it before a whole answer came, for as long as `wait` retried: check {between}")
            } else {
                format!("{who} accepted the connection but closed it before a whole answer came, which is usually passing: try again; if it persists, check {between}")
            }
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
            let what = if error.is_at_iam() {
                "the IAM URL (`OS_AUTH_URL`, or `auth.auth_url` in clouds.yaml): is the host name and port right, is IAM up"
            } else {
                // A given endpoint is used as given: the region does not move it.
                let region = if context.endpoint_given { "" } else { ", `--region`" };
                &format!("the endpoint (`--endpoint`, `IMSJOB_ENDPOINT`{region}): is the host name and port right, is the service up")
            };
            // Through a proxy, the connection that failed may be the proxy's own, while the
            // error names the host asked for.
            let between = if context.proxied {
                "; a proxy is set (`HTTPS_PROXY`, `HTTP_PROXY` or `ALL_PROXY`): is it up and reachable, or does this host belong in `NO_PROXY`"
            } else {
                ", does a proxy or firewall stand between"
            };
            format!("check {what}{between}")
        }
        ApiError::Config { .. } => match context.auth {
            Some(AuthKind::Password) => "check `OS_AUTH_URL` and `OS_PROJECT_NAME`".into(),
            Some(AuthKind::AkSk) => "check `OS_PROJECT_NAME` and the access key".into(),
            _ => "check `OS_AUTH_URL`, `OS_PROJECT_NAME` and the access key".into(),
        },
        // Redirects are never followed (a token must not travel to wherever a server says).
        ApiError::Status {
            status: 300..=399,
            ..
        } => {
            "the endpoint redirects, and imsjob does not follow redirects: give the final URL with `--endpoint` (`curl -sI URL` shows where it points)".into()
        }
        // The real cause first: a known code of the body's `details[]`, then its own.
        ApiError::Status { .. } => return error.codes().into_iter().find_map(coded_hint),
        ApiError::Decode { .. } | ApiError::TooLarge { .. } => return None,
    })
}

/// What to do about an API answer's code, from the table of codes (`IMG.0001: fix the
/// request body ...`).
fn coded_hint(code: &str) -> Option<String> {
    let row = crate::codes::table().get(code)?;
    Some(format!("{}: {}", row.code, row.what_to_do))
}

/// Classifies an error chain once, at the top: the first typed error found decides. An
/// error with no type we know is a local failure or a bug, never blamed on the API.
#[must_use]
pub(crate) fn classify(error: &anyhow::Error) -> ExitStatus {
    for cause in error.chain() {
        // A `--jq` filter that fails on the document is the expression's fault, not the API's.
        if let Some(jq) = cause.downcast_ref::<crate::jq::JqRunError>() {
            return match jq.stop {
                crate::jq::JqStop::Signal { terminated: true } => ExitStatus::Terminated,
                crate::jq::JqStop::Signal { terminated: false } => ExitStatus::Interrupted,
                _ => ExitStatus::Usage,
            };
        }
        if cause.downcast_ref::<UsageError>().is_some() {
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
pub(crate) fn hint(error: &anyhow::Error, context: HintContext) -> Option<String> {
    error.chain().find_map(|cause| {
        if let Some(usage) = cause.downcast_ref::<UsageError>() {
            return usage.hint.clone();
        }
        cause
            .downcast_ref::<ApiError>()
            .and_then(|api| api_hint(api, context))
    })
}

#[cfg(test)]
mod tests {
    use super::ExitStatus::*;
    use super::*;
    use crate::api::error::{Answerer, Destination};
    use crate::api::retry::tests::status as status_error;

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
    fn a_report_decides_its_status_once() {
        use crate::api::id::JobId;
        use crate::report::{JobEntry, Jobs, Tree, WaitSummary};
        let missing = status_error(404, None);
        let entry = |outcome: Option<Outcome>, error: Option<ApiError>| JobEntry {
            id: JobId::parse("a").expect("an id"),
            job: None,
            error,
            outcome,
        };
        let jobs = |kind, entries| {
            Report::new(Body::Jobs(Jobs {
                entries,
                kind,
                array: true,
            }))
        };
        let get = jobs(
            JobsKind::Get,
            vec![entry(None, None), entry(None, Some(missing.clone()))],
        );
        assert_eq!(status(&get), NotFound);
        let summary = WaitSummary {
            elapsed: std::time::Duration::ZERO,
            check_once: false,
            timeout: None,
        };
        let mut wait = jobs(
            JobsKind::Wait(summary),
            vec![
                entry(Some(Outcome::Failed), None),
                entry(Some(Outcome::TimedOut), None),
                // The last failed poll of a job that succeeded in the end does not count.
                entry(Some(Outcome::Success), Some(missing.clone())),
            ],
        );
        assert_eq!(status(&wait), Timeout);
        wait.stopped_by = Some(Signal::Terminate);
        assert_eq!(status(&wait), Terminated);
        let mut root = TreeNode::leaf("r", Err(missing.clone()));
        root.children.push(TreeNode::leaf(
            "s",
            Err(ApiError::Network {
                destination: Destination::JobsApi,
                message: "down".into(),
                failure: NetworkFailure::TimedOut,
            }),
        ));
        let tree = Report::new(Body::Tree(Box::new(Tree {
            root,
            stopped: None,
        })));
        assert_eq!(status(&tree), Unavailable);
        assert_eq!(
            status(&Report::new(Body::SelfCheck { passed: false })),
            Internal
        );
        assert_eq!(status(&Report::text("x")), Success);
        assert_eq!(after_rendering(Success, FilterEnd::Failed), Usage);
        assert_eq!(after_rendering(JobFailed, FilterEnd::Failed), JobFailed);
        assert_eq!(after_rendering(Success, FilterEnd::Finished), Success);
        assert_eq!(
            after_rendering(JobFailed, FilterEnd::Signalled(Signal::Terminate)),
            Terminated
        );
    }

    #[test]
    fn usage_and_internal_end_a_run() {
        assert_eq!(Internal.code(), 70);
        assert_eq!(AuthRefused.worst(Internal), Internal);
        assert_eq!(Internal.worst(Usage), Internal);
    }

    #[test]
    fn api_errors_keep_their_exit_codes() {
        let status = |status| status_error(status, None);
        assert_eq!(ExitStatus::from(&status(401)), AuthRefused);
        assert_eq!(ExitStatus::from(&status(403)), AuthRefused);
        assert_eq!(ExitStatus::from(&status(404)), NotFound);
        assert_eq!(ExitStatus::from(&status(503)), Unavailable);
        let config = ApiError::Config {
            message: "bad".into(),
        };
        assert_eq!(ExitStatus::from(&config), Usage);
        assert!(api_hint(&config, HintContext::default()).is_some());
    }

    #[test]
    fn unknown_errors_are_internal_not_the_apis_fault() {
        let write = anyhow::Error::from(std::io::Error::other("disk full")).context("writing");
        assert_eq!(classify(&write), Internal);
        let api = anyhow::Error::from(ApiError::Network {
            destination: Destination::JobsApi,
            message: "refused".into(),
            failure: NetworkFailure::Connect,
        })
        .context("fetching");
        assert_eq!(classify(&api), Unavailable);
        assert_eq!(classify(&UsageError::new("bad").into()), Usage);
    }

    fn gateway(status: u16, code: &str, message: &str) -> ApiError {
        ApiError::Status {
            answerer: Answerer::JobsApi,
            status,
            code: Some(code.into()),
            message: Some(message.into()),
            details: Box::default(),
            request_id: None,
            retry_after: None,
            clock_offset: None,
        }
    }

    #[test]
    fn gateway_codes_keep_their_exit_codes_and_the_table_decides_retries() {
        // Each code with the HTTP status the gateway sends it with; both spellings.
        let cases = [
            (404, "0101", "The API does not exist", Unavailable, false),
            (503, "0201", "Backend unavailable", Unavailable, true),
            (502, "0201", "Backend unavailable.", Unavailable, true),
            (504, "0201", "Backend timeout.", Unavailable, true),
            (413, "0201", "Request entity too large.", Unavailable, false),
            (414, "0201", "Request URI too large.", Unavailable, false),
            (
                494,
                "0201",
                "Request headers too large.",
                Unavailable,
                false,
            ),
            (400, "0201", "API request error.", Unavailable, false),
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
                "The IAM user is not authorized to access the API.",
                AuthRefused,
                false,
            ),
            (401, "0303", "signature expired", AuthRefused, false),
            (
                429,
                "0308",
                "The throttling threshold has been reached",
                Unavailable,
                true,
            ),
        ];
        let table = crate::codes::table();
        for prefix in ["APIG.", "APIGW."] {
            for (status, number, message, exit, retry) in cases {
                let code = format!("{prefix}{number}");
                let error = gateway(status, &code, message);
                assert_eq!(ExitStatus::from(&error), exit, "{error}");
                assert_eq!(error.is_transient(), retry, "{error}");
                let row = table.get(&code).expect("a row");
                assert_eq!(row.retried_with(status), retry, "{error}");
                assert!(
                    api_hint(&error, HintContext::default()).is_some(),
                    "{error}"
                );
            }
        }
    }

    #[test]
    fn gateway_hints_are_the_rows_of_the_table_of_codes() {
        let table = crate::codes::table();
        let unknown = HintContext::default();
        for (status, code, message) in [
            (404, "APIGW.0101", "The API does not exist."),
            (503, "APIG.0201", "Backend unavailable."),
            (401, "APIG.0301", "Incorrect IAM authentication information"),
            (
                403,
                "APIGW.0302",
                "The IAM user is not authorized to access the API.",
            ),
            (
                401,
                "APIG.0303",
                "Incorrect app authentication information: app not found, appkey 0",
            ),
        ] {
            let row = table.get(code).expect("a row");
            let error = gateway(status, code, message);
            assert_eq!(
                api_hint(&error, unknown).as_deref(),
                Some(row.what_to_do),
                "{code}"
            );
        }
        // Other coded answers get the table's advice when nothing else fits.
        let bad = gateway(400, "img.0001", "The request message format is invalid.");
        assert_eq!(
            api_hint(&bad, unknown).as_deref(),
            Some("IMG.0001: fix the request body against the API reference")
        );
        assert_eq!(api_hint(&gateway(400, "IMG.9999", "?"), unknown), None);
    }

    /// The hint for `error` in `context`, empty when there is none.
    fn hint_in(error: &ApiError, context: HintContext) -> String {
        api_hint(error, context).unwrap_or_default()
    }

    fn context(auth: AuthKind) -> HintContext {
        HintContext {
            auth: Some(auth),
            ..HintContext::default()
        }
    }

    #[test]
    fn a_given_endpoint_is_not_moved_by_the_options_a_hint_offers() {
        let missing = ApiError::from_response(
            400,
            br#"{"error": {"code": "IMG.0023", "message": "An exception occurred during task query."}}"#,
            None,
            None,
        );
        let given = HintContext {
            endpoint_given: true,
            ..HintContext::default()
        };
        assert!(hint_in(&missing, HintContext::default()).contains("`--region`"));
        let with_endpoint = hint_in(&missing, given);
        assert!(
            with_endpoint.contains("check the job id"),
            "{with_endpoint}"
        );
        assert!(with_endpoint.contains("do not move"), "{with_endpoint}");
        let dead = ApiError::Network {
            destination: Destination::JobsApi,
            message: "cannot connect to 127.0.0.1:9".into(),
            failure: NetworkFailure::Connect,
        };
        assert!(hint_in(&dead, HintContext::default()).contains("`--region`"));
        assert!(!hint_in(&dead, given).contains("`--region`"));
    }

    #[test]
    fn a_dropped_connection_is_not_told_to_try_again_after_wait_retried_it() {
        let dropped = ApiError::Network {
            destination: Destination::JobsApi,
            message: "connection closed before message completed".into(),
            failure: NetworkFailure::Dropped,
        };
        let once = hint_in(&dropped, HintContext::default());
        assert!(
            once.contains("try again") && !once.contains("host name"),
            "{once}"
        );
        let waited = hint_in(
            &dropped,
            HintContext {
                waits: true,
                ..HintContext::default()
            },
        );
        assert!(waited.contains("for as long as `wait` retried"), "{waited}");
        assert!(!waited.contains("try again"), "{waited}");
    }

    #[test]
    fn hints_name_the_real_cause() {
        let hint = |e: &ApiError| hint_in(e, HintContext::default());
        let missing_api = gateway(404, "APIGW.0101", "The API does not exist");
        assert!(
            hint(&missing_api).contains("endpoint"),
            "{}",
            hint(&missing_api)
        );
        assert!(!hint(&missing_api).contains("check the job id"));
        // IAM out of reach is the IAM URL's problem, not the endpoint's.
        let iam = ApiError::Network {
            destination: Destination::Iam {
                url: "http://127.0.0.1:9/v3/auth/tokens".into(),
            },
            message: "cannot connect".into(),
            failure: NetworkFailure::Connect,
        };
        assert!(hint(&iam).contains("`OS_AUTH_URL`") && !hint(&iam).contains("--endpoint"));
        let proxied = HintContext {
            proxied: true,
            ..HintContext::default()
        };
        assert!(hint_in(&iam, proxied).contains("a proxy is set (`HTTPS_PROXY`"));
        // IAM answering 404 (a wrong path in the IAM URL) is not a job that does not exist.
        let iam_404 = ApiError::iam_answer(404, "The resource could not be found.");
        assert_eq!(ExitStatus::from(&iam_404), Unavailable);
        assert!(
            hint(&iam_404).contains("`OS_AUTH_URL`"),
            "{}",
            hint(&iam_404)
        );
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
        let published = gateway(
            401,
            "APIG.0303",
            "Incorrect app authentication information: signature expired, signature time:20230527T000431Z,server time:20230527T020608Z",
        );
        assert!(
            hint(&published).contains("the local clock is 2h 1m 37s behind the server's (the signature and server times the gateway names)"),
            "{}",
            hint(&published)
        );
        let mut expired = gateway(
            401,
            "APIG.0303",
            "Incorrect app authentication information: signature expired",
        );
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
        // Any other app-authentication failure is not the clock's.
        let refused = gateway(
            401,
            "APIGW.0303",
            "Incorrect app authentication information: verify signature fail",
        );
        assert!(!hint(&refused).contains("clock is"), "{}", hint(&refused));
        // With a token, neither the clock nor a key pair is named: nothing was signed.
        for auth in [AuthKind::Token, AuthKind::Password] {
            for answer in [&refused, &expired] {
                let with_token = hint_in(answer, context(auth));
                assert!(with_token.contains("signs nothing"), "{with_token}");
                assert!(!with_token.contains("clock") && !with_token.contains("OS_SECRET_KEY"));
            }
        }
        let aksk = hint_in(&refused, context(AuthKind::AkSk));
        assert!(aksk.contains("`OS_SECRET_KEY` belong together"), "{aksk}");
        assert!(!aksk.contains("clock"), "{aksk}");
        let throttled = gateway(429, "APIGW.0308", "limit:5, time:5 second");
        assert!(hint(&throttled).contains("throttles"));
        assert!(
            hint(&throttled).contains("(5s) has passed"),
            "{}",
            hint(&throttled)
        );
        assert!(
            !hint(&throttled).contains("--max-rps"),
            "{}",
            hint(&throttled)
        );
        let waiting = HintContext {
            waits: true,
            ..HintContext::default()
        };
        assert!(hint_in(&throttled, waiting).contains("--max-rps"));
        let denied = gateway(
            403,
            "APIG.0302",
            "The IAM user is not authorized to access the API.",
        );
        assert!(hint(&denied).contains("permissions"), "{}", hint(&denied));
        assert!(!hint(&denied).contains("IP address"), "{}", hint(&denied));
        let too_large = gateway(413, "APIG.0201", "Request entity too large.");
        assert!(hint(&too_large).contains("asking again gets the same answer"));
    }

    #[test]
    fn hints_speak_of_the_method_in_use() {
        let refused = gateway(
            401,
            "APIG.0301",
            "Incorrect IAM authentication information: decrypt token fail",
        );
        let password = hint_in(&refused, context(AuthKind::Password));
        assert!(
            password.contains("refused the token IAM issued"),
            "{password}"
        );
        let login = ApiError::from(crate::auth::keystone::KeystoneError::BadCredentials {
            code: None,
            message: Some("The username or password is wrong.".into()),
            request_id: None,
        });
        let password = hint_in(&login, context(AuthKind::Password));
        assert!(password.contains("`OS_PASSWORD`"), "{password}");
        assert!(
            !password.contains("OS_AUTH_TOKEN") && !password.contains("OS_ACCESS_KEY"),
            "{password}"
        );
        let token = hint_in(&refused, context(AuthKind::Token));
        assert!(token.contains("`OS_AUTH_TOKEN`"), "{token}");
        assert!(
            !token.contains("OS_ACCESS_KEY") && !token.contains("OS_PASSWORD"),
            "{token}"
        );
        let locked = ApiError::from_response(
            401,
            b"AK access failed to reach the limit,forbidden.",
            None,
            None,
        );
        for auth in [AuthKind::Token, AuthKind::Password] {
            let hint = hint_in(&locked, context(auth));
            assert!(!hint.contains("OS_ACCESS_KEY"), "{hint}");
            assert!(hint.contains("expired token"), "{hint}");
        }
        let aksk = hint_in(&locked, context(AuthKind::AkSk));
        assert!(aksk.contains("`OS_ACCESS_KEY`"), "{aksk}");
    }
}
