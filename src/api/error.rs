//! Typed API errors: callers branch on these (retry, re-authenticate, give up, exit code).
//!
//! IMS answers errors in two shapes (API.md, "Errors"): the service's own
//! `{"error": {"code", "message"}}` and the API gateway's `{"error_code", "error_msg",
//! "request_id"}`. Both are read into [`ApiError::Status`]; anything else (an HTML page from a
//! proxy, an empty body) keeps only the HTTP status.

use std::time::Duration;

use crate::exit::ExitStatus;
use crate::text::sanitize;

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

    /// Whether repeating the same request later may succeed (CLI.md, "wait").
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Status { status, .. } => matches!(status, 429 | 500 | 502 | 503 | 504),
            // A proxy's HTML page or a torn body with a 2xx status: usually a passing gateway
            // fault, and asking again costs one small request. It never counts as a job.
            Self::Network { .. } | Self::Decode { .. } => true,
            // The same certificate or the same oversized body would come back.
            Self::TooLarge { .. } | Self::Tls { .. } => false,
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

    #[must_use]
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Status { status: 401, .. })
    }

    /// The exit status this error ends a run with.
    #[must_use]
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Self::Status {
                status: 401 | 403, ..
            } => ExitStatus::AuthRefused,
            Self::Status { status: 404, .. } => ExitStatus::NotFound,
            _ => ExitStatus::Unavailable,
        }
    }

    /// A next step for the user, where one helps.
    #[must_use]
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Self::Status { status: 401, .. } => {
                "the credentials were refused: check the token (`OS_AUTH_TOKEN`; tokens expire after 24 h), the access key pair (`OS_ACCESS_KEY`/`OS_SECRET_KEY`) or the password settings".into()
            }
            Self::Status { status: 403, .. } => {
                "the credentials are valid but may not read this project's jobs: check `OS_PROJECT_ID` and your IAM permissions".into()
            }
            Self::Status { status: 404, .. } => {
                "check the job id and that it belongs to the project and region in use (`--project-id`, `--region`)".into()
            }
            Self::Network { timed_out: true, .. } => {
                "the API did not answer in time; raise `--request-timeout` or check the network".into()
            }
            Self::Tls {
                certificate: true, ..
            } => {
                "the server's certificate is not trusted here: if it comes from a private or self-signed CA, trust that CA with `--cacert FILE` (or `OS_CACERT`); `--insecure` skips verification (never in production)".into()
            }
            Self::Tls { .. } => {
                "check that the endpoint speaks HTTPS, and the TLS trust (`--cacert FILE`, `OS_CACERT`; `--insecure` skips verification)".into()
            }
            Self::Network { .. } => {
                "check the endpoint (`--endpoint`, `IMSJOB_ENDPOINT`, `--region`) and the network or proxy".into()
            }
            _ => return None,
        })
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

/// The fields an error body may carry, in either of the two shapes.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ErrorBody {
    pub code: Option<String>,
    pub message: Option<String>,
    pub request_id: Option<String>,
}

impl ErrorBody {
    /// Reads `{"error": {"code", "message"}}` or `{"error_code", "error_msg", "request_id"}`;
    /// anything else yields an empty value (never an error: the status alone still counts).
    #[must_use]
    pub fn parse(body: &[u8]) -> Self {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
            return Self::default();
        };
        // Codes may be numbers: Keystone sends `{"error": {"code": 401, ...}}`.
        let text = |value: Option<&serde_json::Value>| match value {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Some(truncate(s, 500)),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        if let Some(serde_json::Value::Object(inner)) = map.get("error") {
            return Self {
                code: text(inner.get("code")),
                message: text(inner.get("message")),
                request_id: text(map.get("request_id")),
            };
        }
        Self {
            code: text(map.get("error_code")),
            message: text(map.get("error_msg").or_else(|| map.get("message"))),
            request_id: text(map.get("request_id")),
        }
    }
}

/// Caps a server-supplied string so a hostile answer cannot flood the terminal.
fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ims_shape() {
        let body = br#"{"error": {"code": "IMG.0023", "message": "An exception occurred during task query"}}"#;
        let parsed = ErrorBody::parse(body);
        assert_eq!(parsed.code.as_deref(), Some("IMG.0023"));
        assert_eq!(
            parsed.message.as_deref(),
            Some("An exception occurred during task query")
        );
    }

    #[test]
    fn reads_the_gateway_shape() {
        let body = br#"{"error_code": "APIG.0308", "error_msg": "The throttling threshold has been reached", "request_id": "abc"}"#;
        let parsed = ErrorBody::parse(body);
        assert_eq!(parsed.code.as_deref(), Some("APIG.0308"));
        assert_eq!(parsed.request_id.as_deref(), Some("abc"));
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
        assert_eq!(error.exit_status(), ExitStatus::NotFound);
    }
}
