//! The HTTP wire format shared by every service imsjob talks to (IMS and IAM alike): the
//! capped body reader and the two error-body shapes. It depends on neither `api` nor `auth`,
//! so both can build on it without depending on each other.

/// Largest body read from any answer; an IMS job document or an IAM token is a few kilobytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Why a capped body could not be read.
#[derive(Debug)]
pub enum BodyError {
    Transport(reqwest::Error),
    /// More than the cap: reading stopped there.
    TooLarge,
}

/// Reads a body chunk by chunk, stopping at `cap` bytes without buffering the rest: every
/// answer imsjob reads (IMS and IAM alike) goes through here.
///
/// # Errors
/// A transport failure, or a body longer than `cap`.
pub async fn read_body_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > cap as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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
    fn keystone_codes_may_be_numbers() {
        let parsed = ErrorBody::parse(br#"{"error": {"code": 401, "message": "wrong"}}"#);
        assert_eq!(parsed.code.as_deref(), Some("401"));
    }
}
