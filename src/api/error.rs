//! Typed API errors: callers branch on these (retry, re-authenticate, give up, exit code).
//!
//! IMS answers errors in two shapes: the service's own
//! `{"error": {"code", "message"}}` and the API gateway's `{"error_code", "error_msg",
//! "request_id"}`. Both are read into [`ApiError::Status`]; anything else (an HTML page from a
//! proxy, an empty body) keeps only the HTTP status.
//!
//! The error holds facts only; which exit code and which hint it earns is decided at the top
//! (`exit`).

use std::time::Duration;

use crate::text::sanitize;
pub use crate::wire::ErrorBody;

/// What went wrong talking to the API.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The API answered with a non-success HTTP status.
    #[error("{}", status_text(*.status, code.as_deref(), message.as_deref(), request_id.as_deref()))]
    Status {
        status: u16,
        code: Option<String>,
        message: Option<String>,
        request_id: Option<String>,
        /// How long the server asked us to wait (`Retry-After`), if it did.
        retry_after: Option<Duration>,
    },
    /// No HTTP answer: connection refused or dropped, DNS.
    #[error("{message}")]
    Network { message: String, timed_out: bool },
    /// The TLS handshake failed, most often because the server's certificate is not trusted.
    /// Not transient: asking again gets the same certificate.
    #[error("{message}")]
    Tls {
        message: String,
        /// The failure is about the certificate (unknown issuer, expired, wrong name).
        certificate: bool,
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

fn request_suffix(request_id: Option<&str>) -> String {
    request_id.map_or_else(String::new, |id| format!(" (request id {})", sanitize(id)))
}

fn status_text(
    status: u16,
    code: Option<&str>,
    message: Option<&str>,
    request_id: Option<&str>,
) -> String {
    let mut text = format!("HTTP {status}");
    if let Some(code) = code {
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
    /// Builds a status error from an HTTP answer, reading either error body shape.
    #[must_use]
    pub fn from_response(
        status: u16,
        body: &[u8],
        request_id: Option<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        let parsed = ErrorBody::parse(body);
        Self::Status {
            status,
            code: parsed.code,
            message: parsed.message,
            request_id: request_id.or(parsed.request_id),
            retry_after,
        }
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
            Self::Status { status, .. } => matches!(status, 429 | 500 | 502 | 503 | 504),
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

    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Status { status: 404, .. })
    }

    /// The `{status, code, message}` object used for failed nodes in `tree -o json`.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Status {
                status,
                code,
                message,
                ..
            } => serde_json::json!({"status": status, "code": code, "message": message}),
            Self::Decode { status, reason, .. } => {
                serde_json::json!({"status": status, "code": null, "message": reason})
            }
            other => {
                serde_json::json!({"status": null, "code": null, "message": other.to_string()})
            }
        }
    }
}

/// Describes a transport failure without leaking the URL's query or any header.
pub fn network_error(error: reqwest::Error) -> ApiError {
    let timed_out = error.is_timeout();
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
        let certificate = matches!(
            tls,
            rustls::Error::InvalidCertificate(_)
                | rustls::Error::NoCertificatesPresented
                | rustls::Error::UnsupportedNameType
        );
        let what = if certificate {
            "TLS certificate verification failed"
        } else {
            "the TLS handshake failed"
        };
        return ApiError::Tls {
            message: format!("{what}: {}", crate::text::sanitize(&tls.to_string())),
            certificate,
        };
    }
    let mut message = if timed_out {
        "the request timed out".to_owned()
    } else if error.is_connect() {
        "cannot connect to the API".to_owned()
    } else if error.is_body() || error.is_decode() {
        "the connection broke while reading the answer".to_owned()
    } else {
        "the request failed".to_owned()
    };
    if let Some(cause) = innermost {
        message.push_str(": ");
        message.push_str(&crate::text::sanitize(&cause));
    }
    ApiError::Network { message, timed_out }
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
}
