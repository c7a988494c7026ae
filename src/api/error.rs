//! Typed API errors: callers branch on these (retry, re-authenticate, give up, exit code).
//!
//! IMS, its gateway and the services beside it answer errors in many shapes (IMS's own
//! `{"error": {"code", "message"}}`, the gateway's `{"error_code", "error_msg", "request_id"}`,
//! plain text, ...; see [`ErrorBody`]). All are read into [`ApiError::Status`]; an HTML page
//! from a proxy or an empty body keeps only the HTTP status.
//!
//! The error holds facts only; which exit code and which hint it earns is decided at the top
//! (`exit`). Which service answered, or was being reached, is one of those facts
//! ([`Answerer`], [`Destination`]), set where the request is made: a message can say
//! anything, so it is never read back to tell IAM from the jobs' API.

use std::borrow::Cow;
use std::time::Duration;

use crate::api::wire::truncate;
pub use crate::api::wire::{ErrorBody, ErrorDetail};
use crate::safe_text::sanitize;

/// What went wrong talking to the API.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The API answered with a non-success HTTP status.
    #[error("{}", status_text(*.status, code.as_deref(), answerer.shown_message(message.as_deref()).as_deref(), details, request_id.as_deref()))]
    Status {
        /// Who answered: the status and code mean different things from IAM.
        answerer: Answerer,
        status: u16,
        code: Option<String>,
        /// The server's own text, without the words that name IAM (those are the
        /// [`Answerer`]'s, added when shown).
        message: Option<String>,
        /// The body's `details[]`: the real cause under a generic code, when it names one.
        /// Boxed: every error is passed by value, and most have none.
        details: Box<[ErrorDetail]>,
        request_id: Option<String>,
        /// How long the server asked us to wait (`Retry-After`), if it did.
        retry_after: Option<Duration>,
        /// Seconds the server's `Date` header was ahead of the local clock (negative:
        /// behind), when the answer carried one. An expired signature (`APIG.0303`) is most
        /// often a local clock that is off.
        clock_offset: Option<i64>,
    },
    /// No HTTP answer: connection refused or dropped, DNS.
    #[error("{}", destination.introduce(message))]
    Network {
        /// Where the request was going: the URL to fix is that one.
        destination: Destination,
        /// The transport's own account (what failed, to which host and port).
        message: String,
        /// How far the request got: whether the server is there at all.
        failure: NetworkFailure,
    },
    /// The TLS handshake failed, most often because the server's certificate is not trusted.
    /// Not transient: asking again gets the same certificate.
    #[error("{}", destination.introduce(message))]
    Tls {
        /// Where the request was going: the URL to fix is that one.
        destination: Destination,
        /// The handshake's own account (what failed, to which host and port).
        message: String,
        /// Whether, and how, the server's certificate is the cause.
        certificate: CertificateProblem,
    },
    /// A 2xx answer that is not a usable job document.
    #[error("unusable answer from the API (HTTP {status}): {reason}{}", request_suffix(request_id.as_deref()))]
    Decode {
        status: u16,
        reason: String,
        request_id: Option<String>,
    },
    /// The body exceeded the size cap; reading stopped there.
    #[error("the API answer exceeded {limit} bytes and was cut off")]
    TooLarge { limit: usize },
    /// The request could not even be built from the configuration (an unusable IAM URL, a
    /// project name IAM does not know, input the signer refuses). Asking again cannot help,
    /// and nothing reached IMS.
    #[error("{message}")]
    Config { message: String },
}

/// What a failed TLS handshake says about the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateProblem {
    /// The handshake failed for another reason (no TLS there, no common protocol).
    None,
    /// Not trusted here: unknown issuer, expired, wrong name.
    Untrusted,
    /// The server presents a CA certificate as its own (what `openssl req -x509` makes by
    /// default): browsers and curl accept it, WebPKI verification never does.
    CaAsServer,
}

/// The API gateway's own codes. It writes them `APIG.xxxx` or `APIGW.xxxx` (same meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayCode {
    /// 0101: the API does not exist: a wrong endpoint, region or path, not a missing job.
    ApiNotFound,
    /// 0201: the backend behind the gateway is unavailable.
    BackendUnavailable,
    /// 0301: the credentials were refused.
    Credentials,
    /// 0302: the IAM user is not authorized to call the API (its permissions, project or
    /// region).
    AccessDenied,
    /// 0303: app authentication failed: a refused signature or key, or, when the message says
    /// so, an expired signature (`X-Sdk-Date` over 15 minutes off the gateway's clock).
    AppAuthentication,
    /// 0308: throttled.
    Throttled,
    /// Any other gateway code.
    Other,
}

impl GatewayCode {
    /// Reads `APIG.0101`, `APIGW.0101`, ...; `None` for codes that are not the gateway's.
    #[must_use]
    pub fn parse(code: &str) -> Option<Self> {
        let number = code
            .strip_prefix("APIGW.")
            .or_else(|| code.strip_prefix("APIG."))?;
        Some(match number {
            "0101" => Self::ApiNotFound,
            "0201" => Self::BackendUnavailable,
            "0301" => Self::Credentials,
            "0302" => Self::AccessDenied,
            "0303" => Self::AppAuthentication,
            "0308" => Self::Throttled,
            _ => Self::Other,
        })
    }

    /// The code's row in the table of codes (`crate::codes`), spelled `APIG.xxxx`.
    #[must_use]
    pub fn table_code(self) -> Option<&'static str> {
        Some(match self {
            Self::ApiNotFound => "APIG.0101",
            Self::BackendUnavailable => "APIG.0201",
            Self::Credentials => "APIG.0301",
            Self::AccessDenied => "APIG.0302",
            Self::AppAuthentication => "APIG.0303",
            Self::Throttled => "APIG.0308",
            Self::Other => return None,
        })
    }
}

/// Who gave the answer a [`ApiError::Status`] holds. Told by the code that made the request,
/// because the same status means different things: IAM's 404 is a wrong IAM URL, never a job
/// that does not exist, and IAM refusing a login calls for other advice than the gateway
/// refusing a token IAM issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answerer {
    /// The jobs' API (IMS, ECS, EVS), or the gateway in front of it.
    JobsApi,
    /// IAM refused a login (its 401 to a password, a passcode or a signature).
    IamRefusedLogin,
    /// Any other answer of IAM (a login, a project lookup).
    Iam,
}

impl Answerer {
    /// The message as users see it (in the error line and in JSON error objects): an answer
    /// of IAM says so first, and says it even when IAM gave no text of its own.
    #[must_use]
    pub(crate) fn shown_message(self, message: Option<&str>) -> Option<Cow<'_, str>> {
        match (self, message) {
            (Self::JobsApi, message) => message.map(Cow::Borrowed),
            (Self::IamRefusedLogin, None) => Some(Cow::Borrowed("IAM refused the credentials")),
            (Self::IamRefusedLogin, Some(message)) => Some(Cow::Owned(format!(
                "IAM refused the credentials: {message}"
            ))),
            (Self::Iam, None) => Some(Cow::Borrowed("IAM error")),
            (Self::Iam, Some(message)) => Some(Cow::Owned(format!("IAM: {message}"))),
        }
    }
}

/// How far a request that got no HTTP answer ([`ApiError::Network`]) got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkFailure {
    /// No connection was made: refused, unknown host, no route. From an endpoint that has
    /// never answered, most often a wrong host name or port.
    Connect,
    /// A connection was made, then reset or closed before a whole answer came: something is
    /// listening there, so this is a passing fault of the server or of what stands between.
    Dropped,
    /// No answer, or no connection, within the time limit: a slow server may still be the
    /// right one.
    TimedOut,
}

/// Where a request that got no answer ([`ApiError::Network`], [`ApiError::Tls`]) was going.
/// A failure on the way to IAM is the IAM URL's to fix, not the endpoint of the jobs'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// The jobs' API (its endpoint, `--endpoint`), or no server in particular (the HTTP
    /// client could not be set up): the endpoint is what the user checks.
    JobsApi,
    /// IAM, at this URL (userinfo redacted, cut short), which the error line names.
    Iam { url: String },
}

impl Destination {
    /// The transport's message as users see it: on the way to IAM, after the IAM URL, which
    /// the transport's own words (a host and port only) do not name in full.
    fn introduce<'a>(&self, message: &'a str) -> Cow<'a, str> {
        match self {
            Self::JobsApi => Cow::Borrowed(message),
            Self::Iam { url } => Cow::Owned(format!("IAM at `{url}`: {message}")),
        }
    }
}

/// The 400 codes the services' error tables give a job query that found nothing: IMS's
/// `IMG.0023` ("An exception occurred during job query"), and ECS's and EVS's `Common.0011`
/// (`Invalid job ID`, `Failed to query JobVO using jobId`).
pub(crate) const JOB_QUERY_FAILED_CODES: [&str; 2] = ["IMG.0023", "Common.0011"];

fn request_suffix(request_id: Option<&str>) -> String {
    request_id.map_or_else(String::new, |id| format!(" (request id {})", sanitize(id)))
}

fn status_text(
    status: u16,
    code: Option<&str>,
    message: Option<&str>,
    details: &[ErrorDetail],
    request_id: Option<&str>,
) -> String {
    let mut text = format!("HTTP {status}");
    // `{"itemNotFound": {"code": 404, ...}}` repeats the status as its code: said once.
    if let Some(code) = code.filter(|code| *code != status.to_string()) {
        text.push(' ');
        text.push_str(&sanitize(code));
    }
    match message {
        Some(message) => {
            text.push_str(": ");
            text.push_str(&sanitize(message));
        }
        None => {
            if let Some(reason) = http_reason(status) {
                text.push_str(": ");
                text.push_str(reason);
            }
        }
    }
    // The details say what the generic code and message do not: `; details: Ecs.0039: …`.
    let shown: Vec<String> = details
        .iter()
        .map(|detail| match (&detail.code, &detail.message) {
            (Some(code), Some(message)) => format!("{}: {}", sanitize(code), sanitize(message)),
            (Some(only), None) | (None, Some(only)) => sanitize(only).into_owned(),
            (None, None) => String::new(),
        })
        .collect();
    if !shown.is_empty() {
        // Bounded as a whole too, so that the line stays one readable line whatever the
        // server sends (its code, message and request id are capped on their own).
        const MAX_DETAILS_TEXT_CHARS: usize = 300;
        text.push_str("; details: ");
        text.push_str(&truncate(&shown.join("; "), MAX_DETAILS_TEXT_CHARS));
    }
    text.push_str(&request_suffix(request_id));
    text
}

fn http_reason(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "bad request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not found",
        429 => "too many requests",
        500 => "internal server error",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        _ => return None,
    })
}

impl ApiError {
    /// An answer of IAM with `status` and `message` and nothing else, as tests need one.
    #[cfg(test)]
    pub(crate) fn iam_answer(status: u16, message: &str) -> Self {
        Self::Status {
            answerer: Answerer::Iam,
            status,
            code: None,
            message: Some(message.to_owned()),
            details: Box::default(),
            request_id: None,
            retry_after: None,
            clock_offset: None,
        }
    }

    /// Builds a status error from an HTTP answer of the jobs' API, reading any error body
    /// shape.
    #[must_use]
    pub fn from_response(
        status: u16,
        body: &[u8],
        request_id: Option<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        Self::from_body(status, ErrorBody::parse(body), request_id, retry_after)
    }

    /// A status error from an already parsed body (also a 2xx whose body is an error) of the
    /// jobs' API: IAM's answers are built from `KeystoneError`, which knows they are IAM's.
    #[must_use]
    pub fn from_body(
        status: u16,
        parsed: ErrorBody,
        request_id: Option<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        Self::Status {
            answerer: Answerer::JobsApi,
            status,
            code: parsed.code,
            message: parsed.message,
            details: parsed.details.into_boxed_slice(),
            request_id: request_id.or(parsed.request_id),
            retry_after,
            clock_offset: None,
        }
    }

    /// The API gateway's code, when the gateway answered with one.
    #[must_use]
    pub fn gateway_code(&self) -> Option<GatewayCode> {
        match self {
            Self::Status {
                code: Some(code), ..
            } => GatewayCode::parse(code),
            _ => None,
        }
    }

    /// The gateway locked the access key after repeated failures (for 5 minutes): it says
    /// "reach the limit", with `APIG.0301` or in a plain-text 401. Any further request only
    /// prolongs the lock.
    #[must_use]
    pub fn is_key_locked(&self) -> bool {
        match self {
            Self::Status {
                status,
                message: Some(message),
                ..
            } => {
                (*status == 401 || self.gateway_code() == Some(GatewayCode::Credentials))
                    && message.to_ascii_lowercase().contains("reach the limit")
            }
            _ => false,
        }
    }

    /// IAM itself refused a login (a password, a passcode), as opposed to the gateway
    /// refusing a token IAM issued.
    #[must_use]
    pub fn is_iam_refusal(&self) -> bool {
        matches!(
            self,
            Self::Status {
                answerer: Answerer::IamRefusedLogin,
                ..
            }
        )
    }

    /// An answer of IAM itself (a login, a project lookup), not of the jobs' API.
    #[must_use]
    pub(crate) fn is_iam_answer(&self) -> bool {
        matches!(
            self,
            Self::Status {
                answerer: Answerer::Iam | Answerer::IamRefusedLogin,
                ..
            }
        )
    }

    /// A network failure on the way to IAM (a login, a project lookup), not to the jobs' API.
    #[must_use]
    pub(crate) fn is_at_iam(&self) -> bool {
        matches!(
            self,
            Self::Network {
                destination: Destination::Iam { .. },
                ..
            } | Self::Tls {
                destination: Destination::Iam { .. },
                ..
            }
        )
    }

    /// The throttling window a gateway message names (`limit:5, time:5 second`,
    /// `time:1 minute`), for a 429 that carries no `Retry-After`.
    #[must_use]
    pub fn throttle_window(&self) -> Option<Duration> {
        let Self::Status {
            message: Some(message),
            ..
        } = self
        else {
            return None;
        };
        parse_throttle_window(message)
    }

    /// The codes an answer names, the real cause first: those of its `details[]`, then its
    /// own (often a generic one).
    #[must_use]
    pub fn codes(&self) -> Vec<&str> {
        match self {
            Self::Status { code, details, .. } => details
                .iter()
                .filter_map(|detail| detail.code.as_deref())
                .chain(code.as_deref())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Seconds the gateway's clock was ahead of the request's signature time (negative:
    /// behind), when its "signature expired" message names both
    /// (`signature time:20230527T000431Z,server time:20230527T020608Z`, as the gateway's FAQ
    /// shows it: opentelekomcloud-docs/api-gateway,
    /// `umn/source/faqs/api_authentication/what_should_i_do_if_the_app_authentication_information_is_incorrect.rst`,
    /// commit c0fe2d00a1f07e258e9a1bb3cb0f47084d6c7a08). The gateway's own measure of the
    /// request, so it is preferred to the `Date` header's.
    #[must_use]
    pub fn signature_skew(&self) -> Option<i64> {
        let Self::Status {
            message: Some(message),
            ..
        } = self
        else {
            return None;
        };
        let lower = message.to_ascii_lowercase();
        let time_after = |label: &str| {
            let rest = &lower[lower.find(label)? + label.len()..];
            let text: String = rest
                .trim_start()
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            let civil = jiff::civil::DateTime::strptime("%Y%m%dt%H%M%Sz", &text).ok()?;
            jiff::tz::TimeZone::UTC.to_timestamp(civil).ok()
        };
        let signed = time_after("signature time:")?;
        let server = time_after("server time:")?;
        Some(server.as_second() - signed.as_second())
    }

    /// The HTTP status, when there was an HTTP answer.
    #[must_use]
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } | Self::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether repeating the same request later may succeed (doc/contract.md, "wait").
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            // The table of codes decides where it names the code (a wrong path, refused or
            // locked credentials or an expired signature get the same answer again; a
            // throttled or unreachable backend passes), the HTTP status everywhere else.
            Self::Status { status, code, .. } => {
                crate::codes::is_transient(code.as_deref(), *status)
            }
            // A proxy's HTML page or a torn body with a 2xx status: usually a passing gateway
            // fault, and asking again costs one small request. It never counts as a job.
            Self::Network { .. } | Self::Decode { .. } => true,
            // The same certificate, the same oversized body or the same configuration would
            // come back.
            Self::TooLarge { .. } | Self::Tls { .. } | Self::Config { .. } => false,
        }
    }

    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The job was not found (doc/contract.md, "Exit codes"). A 404 from the gateway saying
    /// the API itself does not exist (`APIG.0101`) is a wrong endpoint or path, not a missing
    /// job. The services' error tables list no 404 for an unknown job id: IMS answers a job
    /// query it cannot serve with 400 `IMG.0023`, ECS and EVS with 400 `Common.0011`, so those
    /// mean "not found or not queryable" too.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        if self.is_iam_answer() {
            return false;
        }
        match self {
            Self::Status { status: 404, .. } => {
                self.gateway_code() != Some(GatewayCode::ApiNotFound)
            }
            Self::Status {
                status: 400,
                code: Some(code),
                ..
            } => JOB_QUERY_FAILED_CODES.contains(&code.as_str()),
            _ => false,
        }
    }

    /// A failure to reach the server at all (refused, unknown host, no TLS session), as
    /// opposed to an answer that was bad. Neither a timeout (a server that is slow to answer
    /// may still be the right one) nor a connection dropped after it was made (something
    /// accepted it) is counted.
    #[must_use]
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Self::Network {
                failure: NetworkFailure::Connect,
                ..
            } | Self::Tls { .. }
        )
    }

    /// The `{status, code, message}` object used for failed nodes in `tree -o json`.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Status {
                answerer,
                status,
                code,
                message,
                details,
                ..
            } => {
                // The message as the error line shows it: an answer of IAM says so here too.
                let message = answerer.shown_message(message.as_deref());
                let mut object =
                    serde_json::json!({"status": status, "code": code, "message": message});
                // Added only when the body had them, so that every other error object keeps
                // its three members.
                if !details.is_empty() {
                    object["details"] = details
                        .iter()
                        .map(|detail| serde_json::json!({"code": detail.code, "message": detail.message}))
                        .collect();
                }
                object
            }
            Self::Decode { status, reason, .. } => {
                serde_json::json!({"status": status, "code": null, "message": reason})
            }
            other => {
                serde_json::json!({"status": null, "code": null, "message": other.to_string()})
            }
        }
    }
}

/// Reads `time:5 second` / `time:1 minute` / `time:2 hour` out of a throttling message.
fn parse_throttle_window(message: &str) -> Option<Duration> {
    let lower = message.to_ascii_lowercase();
    let rest = &lower[lower.find("time:")? + "time:".len()..];
    let rest = rest.trim_start();
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let count: u64 = rest[..digits].parse().ok()?;
    let unit = rest[digits..].trim_start();
    let seconds = if unit.starts_with("sec") || unit.starts_with('s') {
        1
    } else if unit.starts_with("min") {
        60
    } else if unit.starts_with("hour") || unit.starts_with('h') {
        3600
    } else if unit.starts_with("day") || unit.starts_with('d') {
        86_400
    } else {
        return None;
    };
    Some(Duration::from_secs(count.saturating_mul(seconds)))
}

/// Describes a transport failure without leaking the URL's path, query, user or password:
/// only the host and port it was talking to are named (and, on the way to IAM, the IAM URL
/// as the caller shows it).
pub(crate) fn network_error(error: &reqwest::Error, destination: Destination) -> ApiError {
    // A connect timeout is both `is_connect` and `is_timeout`: a timeout, as any other.
    let failure = if error.is_timeout() {
        NetworkFailure::TimedOut
    } else if error.is_connect() {
        NetworkFailure::Connect
    } else {
        NetworkFailure::Dropped
    };
    let peer = error.url().map(peer).unwrap_or_default();
    // The innermost cause says what really happened (refused, reset, certificate, ...).
    let mut source = std::error::Error::source(&error);
    let mut innermost = None;
    let mut tls = None;
    while let Some(cause) = source {
        innermost = Some(cause.to_string());
        if tls.is_none() {
            tls = tls_cause(cause);
        }
        source = cause.source();
    }
    if let Some(tls) = tls {
        let certificate = match tls {
            // webpki's `CaUsedAsEndEntity` reaches rustls as an opaque "other" error.
            rustls::Error::InvalidCertificate(_)
                if format!("{tls:?}").contains("CaUsedAsEndEntity") =>
            {
                CertificateProblem::CaAsServer
            }
            rustls::Error::InvalidCertificate(_)
            | rustls::Error::NoCertificatesPresented
            | rustls::Error::UnsupportedNameType => CertificateProblem::Untrusted,
            _ => CertificateProblem::None,
        };
        let what = match certificate {
            CertificateProblem::CaAsServer => {
                "TLS certificate verification failed: the server presents a CA certificate as its own"
            }
            CertificateProblem::Untrusted => "TLS certificate verification failed",
            CertificateProblem::None => "the TLS handshake failed",
        };
        return ApiError::Tls {
            destination,
            message: format!(
                "{what}{peer}: {}",
                crate::safe_text::sanitize(&tls.to_string())
            ),
            certificate,
        };
    }
    let mut message = if failure == NetworkFailure::TimedOut {
        format!("the request{peer} timed out")
    } else if failure == NetworkFailure::Connect {
        format!("cannot connect{peer}")
    } else if error.is_body() || error.is_decode() {
        format!("the connection{peer} broke while reading the answer")
    } else {
        format!("the request{peer} failed")
    };
    if let Some(cause) = innermost {
        message.push_str(": ");
        message.push_str(&crate::safe_text::sanitize(&cause));
    }
    ApiError::Network {
        destination,
        message,
        failure,
    }
}

/// ` to host:port`, from the URL's host and port only (never its user, password or path).
fn peer(url: &reqwest::Url) -> String {
    let Some(host) = url.host_str() else {
        return String::new();
    };
    let host = crate::safe_text::sanitize(host);
    match url.port_or_known_default() {
        Some(port) => format!(" to `{host}:{port}`"),
        None => format!(" to `{host}`"),
    }
}

/// A rustls error in an error chain, also when wrapped in `io::Error`s (whose `source()`
/// skips the wrapped error itself; hyper-util wraps rustls's error twice).
fn tls_cause<'a>(cause: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut current = cause;
    for _ in 0..8 {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        current = current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_stay_within_one_short_line() {
        let details: Vec<_> = (0..3)
            .map(|i| serde_json::json!({"code": "C".repeat(100) + &i.to_string(), "message": "\u{1b}[2J".repeat(500)}))
            .collect();
        let body = serde_json::json!({"error": {"code": "X".repeat(600), "message": "m".repeat(600), "details": details}, "request_id": "r".repeat(600)});
        let line =
            ApiError::from_response(500, body.to_string().as_bytes(), None, None).to_string();
        assert!(line.contains("; details: "), "{line}");
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert!(
            line.chars().count() < 2_000,
            "{} chars",
            line.chars().count()
        );
    }

    #[tokio::test]
    async fn only_a_failure_to_connect_counts_as_unreachable() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        // A port nobody listens on: refused, the endpoint is not there.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        drop(listener);
        let source = http.get(&url).send().await.expect_err("refused");
        let refused = network_error(&source, Destination::JobsApi);
        assert!(
            matches!(
                refused,
                ApiError::Network {
                    failure: NetworkFailure::Connect,
                    ..
                }
            ),
            "{refused:?}"
        );
        assert!(refused.is_unreachable());
        // Accepted, then closed without an answer: something is there, a passing fault.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.expect("accept");
            drop(socket);
        });
        let source = http.get(&url).send().await.expect_err("dropped");
        server.await.expect("server");
        let dropped = network_error(&source, Destination::JobsApi);
        assert!(
            matches!(
                dropped,
                ApiError::Network {
                    failure: NetworkFailure::Dropped,
                    ..
                }
            ),
            "{dropped:?}"
        );
        assert!(!dropped.is_unreachable());
        assert!(dropped.is_transient());
    }

    #[test]
    fn html_keeps_only_the_status() {
        let error = ApiError::from_response(502, b"<html>Bad Gateway</html>", None, None);
        assert_eq!(error.to_string(), "HTTP 502: bad gateway");
        assert!(error.is_transient());
    }

    #[test]
    fn display_names_code_message_and_request_id() {
        let error = ApiError::from_response(
            404,
            br#"{"error": {"code": "IMG.0010", "message": "job not found"}}"#,
            Some("req-1".into()),
            None,
        );
        assert_eq!(
            error.to_string(),
            "HTTP 404 IMG.0010: job not found (request id req-1)"
        );
        assert!(error.is_not_found());
    }

    #[test]
    fn gateway_codes_come_in_both_spellings() {
        assert_eq!(
            GatewayCode::parse("APIG.0101"),
            Some(GatewayCode::ApiNotFound)
        );
        assert_eq!(
            GatewayCode::parse("APIGW.0101"),
            Some(GatewayCode::ApiNotFound)
        );
        assert_eq!(
            GatewayCode::parse("APIGW.0308"),
            Some(GatewayCode::Throttled)
        );
        assert_eq!(GatewayCode::parse("APIG.9999"), Some(GatewayCode::Other));
        assert_eq!(GatewayCode::parse("IMG.0101"), None);
    }

    #[test]
    fn a_failed_job_query_is_a_missing_job() {
        for (code, message) in [
            ("IMG.0023", "An exception occurred during task query."),
            ("Common.0011", "query job fail."),
        ] {
            let body = format!(r#"{{"error": {{"message": "{message}", "code": "{code}"}}}}"#);
            let error = ApiError::from_response(400, body.as_bytes(), None, None);
            assert!(error.is_not_found(), "{code}");
            assert!(!error.is_transient(), "{code}");
        }
        // Any other 400 is a request error, and a 500 with the code is not a missing job.
        let other = br#"{"error": {"message": "bad", "code": "IMG.0008"}}"#;
        assert!(!ApiError::from_response(400, other, None, None).is_not_found());
        let server = br#"{"error": {"message": "x", "code": "IMG.0023"}}"#;
        assert!(!ApiError::from_response(500, server, None, None).is_not_found());
    }

    #[test]
    fn who_answered_is_told_by_the_answerer_not_by_the_message() {
        // The jobs' API may word a message any way it likes, "IAM: " first included: a 404
        // of its own is still a job that does not exist.
        let body = br#"{"error": {"code": "IMG.0010", "message": "IAM: job not found"}}"#;
        let jobs = ApiError::from_response(404, body, None, None);
        assert!(jobs.is_not_found());
        assert!(!jobs.is_iam_answer() && !jobs.is_iam_refusal());
        assert_eq!(jobs.to_string(), "HTTP 404 IMG.0010: IAM: job not found");
        // IAM's own 404 (a wrong IAM URL) is not, though it reads the same way.
        let iam = ApiError::iam_answer(404, "The resource could not be found.");
        assert!(!iam.is_not_found());
        assert!(iam.is_iam_answer() && !iam.is_iam_refusal());
        assert_eq!(
            iam.to_string(),
            "HTTP 404: IAM: The resource could not be found."
        );
        assert_eq!(
            iam.to_json(),
            serde_json::json!({"status": 404, "code": null, "message": "IAM: The resource could not be found."})
        );
        // Without a message of its own, IAM is still named (in place of the HTTP reason).
        let mut bare = iam;
        if let ApiError::Status { message, .. } = &mut bare {
            *message = None;
        }
        assert_eq!(bare.to_string(), "HTTP 404: IAM error");
        assert_eq!(bare.to_json()["message"], "IAM error");
    }

    #[test]
    fn a_missing_api_is_not_a_missing_job() {
        let body = include_bytes!("../../tests/fixtures/error-bodies/gateway-api-missing.json");
        let error = ApiError::from_response(404, body, None, None);
        assert!(!error.is_not_found());
        assert!(!error.is_transient());
    }

    #[test]
    fn a_locked_key_is_recognised_in_text_and_json() {
        let body = include_bytes!("../../tests/fixtures/error-bodies/ak-locked.txt");
        let error = ApiError::from_response(401, body, None, None);
        assert!(error.is_key_locked());
        assert_eq!(
            error.to_string(),
            "HTTP 401: AK access failed to reach the limit,forbidden."
        );
        let json =
            br#"{"error_code": "APIG.0301", "error_msg": "AK access failed to reach the limit"}"#;
        assert!(ApiError::from_response(401, json, None, None).is_key_locked());
        let plain = br#"{"error_code": "APIG.0301", "error_msg": "Incorrect IAM authentication information"}"#;
        assert!(!ApiError::from_response(401, plain, None, None).is_key_locked());
    }

    #[test]
    fn throttling_windows_are_read_from_the_message() {
        let window = |text: &str| parse_throttle_window(text);
        let sec = Duration::from_secs;
        assert_eq!(
            window(
                "The throttling threshold has been reached: policy ip over ratelimit, limit:5, time:5 second"
            ),
            Some(sec(5))
        );
        assert_eq!(
            window("policy api over ratelimit, limit:100, time:1 minute"),
            Some(sec(60))
        );
        assert_eq!(window("limit:1, time: 2 hours"), Some(sec(7200)));
        assert_eq!(window("time:99999999999999999999 second"), None);
        assert_eq!(
            window("time:18446744073709551615 day"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(window("time:5 fortnights"), None);
        assert_eq!(window("no window"), None);
        let body = include_bytes!("../../tests/fixtures/error-bodies/gateway-throttled.json");
        let error = ApiError::from_response(429, body, None, None);
        assert_eq!(error.throttle_window(), Some(sec(5)));
        assert!(error.is_transient());
    }
}
