//! The HTTP wire format shared by every service imsjob talks to (IMS and IAM alike): the
//! capped body reader and the parser of every error-body shape they use. It depends on
//! neither `api` nor `auth`, so both can build on it without depending on each other.

/// Largest body read from any answer; an IMS job document or an IAM token is a few kilobytes.
pub(crate) const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Why a capped body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    Transport(reqwest::Error),
    /// More than the cap: reading stopped there.
    TooLarge,
}

/// Reads a body chunk by chunk, stopping at `cap` bytes without buffering the rest: every
/// answer imsjob reads (IMS and IAM alike) goes through here.
///
/// # Errors
/// A transport failure, or a body longer than `cap`.
pub(crate) async fn read_body_capped(
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

/// The fields an error body may carry, whatever its shape.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ErrorBody {
    pub code: Option<String>,
    pub message: Option<String>,
    pub request_id: Option<String>,
    /// `details[]` beside the code and message: the real cause under a generic code (ECS's
    /// error object, `api-ref/source/common_parameters/job_request_results/responses_jobs.rst`
    /// of opentelekomcloud-docs/elastic-cloud-server). At most [`MAX_DETAILS`], each capped.
    pub details: Vec<ErrorDetail>,
}

/// One entry of an error body's `details[]`: a code and a message, either may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorDetail {
    pub code: Option<String>,
    pub message: Option<String>,
}

/// Most `details[]` entries kept from one body; the rest are counted, not kept.
pub(crate) const MAX_DETAILS: usize = 3;
/// Longest detail message kept: the error line carries it beside the main message.
const MAX_DETAIL_CHARS: usize = 200;
/// Longest detail code kept (codes are short: `Ecs.0039`).
const MAX_DETAIL_CODE_CHARS: usize = 40;

/// Longest message or text snippet kept from an error body.
const MAX_MESSAGE_CHARS: usize = 500;
/// Longest snippet kept from a body that is plain text rather than JSON.
const MAX_SNIPPET_CHARS: usize = 200;

/// Code keys and message keys, in the order the official SDK core tries them.
const CODE_KEYS: [&str; 4] = ["error_code", "errorCode", "code", "err_code"];
const MESSAGE_KEYS: [&str; 5] = [
    "error_msg",
    "errorMsg",
    "message",
    "err_msg",
    "error_message",
];

impl ErrorBody {
    /// Reads every error shape the services and their gateway are known to send:
    /// `{"error": {"code", "message"}}`, `{"error_code", "error_msg", "request_id"}`,
    /// `{"errorCode", "errorMsg"}`, flat `{"code", "message"}`, `{"error_msg", "err_code": 10404}`,
    /// and a wrapper such as `{"itemNotFound": {"message", "code": 404}}`. A body that is
    /// plain text (the gateway's `AK access failed to reach the limit,forbidden.`) becomes the
    /// message, cleaned and capped; an HTML page or an empty body yields nothing. Never an
    /// error: the status alone still counts.
    #[must_use]
    pub fn parse(body: &[u8]) -> Self {
        match serde_json::from_slice(body) {
            Ok(serde_json::Value::Object(map)) => Self::from_object(&map),
            Ok(_) => Self::default(),
            Err(_) => Self {
                message: text_snippet(body),
                ..Self::default()
            },
        }
    }

    /// The error carried by a JSON object, if it carries one at all.
    fn from_object(map: &serde_json::Map<String, serde_json::Value>) -> Self {
        let request_id = text(map.get("request_id"));
        // `{"error": {...}}`: IMS's own shape (and a 2xx that is really an error).
        if let Some(serde_json::Value::Object(inner)) = map.get("error") {
            let found = Self::flat(inner, request_id.clone());
            if found.code.is_some() || found.message.is_some() {
                return found;
            }
        }
        let found = Self::flat(map, request_id.clone());
        if found.code.is_some() || found.message.is_some() {
            return found;
        }
        // A wrapper named after the error (`itemNotFound`, `badRequest`, ...): the first
        // nested object with a code or a message.
        map.values()
            .filter_map(|value| value.as_object())
            .map(|inner| Self::flat(inner, request_id.clone()))
            .find(|found| found.code.is_some() || found.message.is_some())
            .unwrap_or(Self {
                request_id,
                ..Self::default()
            })
    }

    /// Code and message as direct members of `map`, and its `details[]`.
    fn flat(map: &serde_json::Map<String, serde_json::Value>, request_id: Option<String>) -> Self {
        let first = |keys: &[&str]| keys.iter().find_map(|key| text(map.get(*key)));
        Self {
            code: first(&CODE_KEYS),
            message: first(&MESSAGE_KEYS),
            request_id: request_id.or_else(|| text(map.get("request_id"))),
            details: details(map.get("details")),
        }
    }

    /// Whether a 2xx body is in fact an error object (`{"error": {"code": "EVS.2024", ...}}`)
    /// rather than a document: it holds an error code or message and no `status`.
    #[must_use]
    pub fn in_success(value: &serde_json::Value) -> Option<Self> {
        let map = value.as_object()?;
        if map.contains_key("status") || map.contains_key("job_id") {
            return None;
        }
        let found = Self::from_object(map);
        (found.code.is_some() || found.message.is_some()).then_some(found)
    }
}

/// The entries of a `details` array that carry a code or a message, at most
/// [`MAX_DETAILS`], each shortened; anything else there is ignored.
fn details(value: Option<&serde_json::Value>) -> Vec<ErrorDetail> {
    let Some(serde_json::Value::Array(entries)) = value else {
        return Vec::new();
    };
    let short = |value: Option<&serde_json::Value>, max: usize| {
        text(value).map(|text| truncate(&text, max))
    };
    entries
        .iter()
        .filter_map(serde_json::Value::as_object)
        .map(|entry| ErrorDetail {
            code: CODE_KEYS
                .iter()
                .find_map(|key| short(entry.get(*key), MAX_DETAIL_CODE_CHARS)),
            message: MESSAGE_KEYS
                .iter()
                .find_map(|key| short(entry.get(*key), MAX_DETAIL_CHARS)),
        })
        .filter(|detail| detail.code.is_some() || detail.message.is_some())
        .take(MAX_DETAILS)
        .collect()
}

/// A string or number member as text; codes may be numbers (`"err_code": 10404`, Keystone's
/// `{"error": {"code": 401}}`) and are kept as such.
fn text(value: Option<&serde_json::Value>) -> Option<String> {
    match value {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
            Some(truncate(s.trim(), MAX_MESSAGE_CHARS))
        }
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// A plain-text body as one short line: whitespace runs collapsed, capped. An HTML page
/// (a proxy's error page) says nothing the status does not, so it yields nothing.
fn text_snippet(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with('<') {
        return None;
    }
    let line = trimmed.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(truncate(&line, MAX_SNIPPET_CHARS))
}

/// Caps a server-supplied string so a hostile answer cannot flood the terminal.
pub(crate) fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A published body (copied into `tests/fixtures/error-bodies/`) and what must be read.
    fn check(body: &[u8], code: Option<&str>, message: Option<&str>) {
        let parsed = ErrorBody::parse(body);
        assert_eq!(parsed.code.as_deref(), code, "{parsed:?}");
        assert_eq!(parsed.message.as_deref(), message, "{parsed:?}");
    }

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!("../../tests/fixtures/error-bodies/", $name))
        };
    }

    #[test]
    fn details_are_read_and_bounded() {
        let parsed = ErrorBody::parse(fixture!("ecs-details.json"));
        assert_eq!(parsed.code.as_deref(), Some("Ecs.0000"));
        assert_eq!(
            parsed.details,
            [ErrorDetail {
                code: Some("Ecs.0039".into()),
                message: Some("The specified IP address does not belong to the subnet.".into()),
            }]
        );
        let many: Vec<_> = (0..50)
            .map(
                |i| serde_json::json!({"code": format!("X.{i:04}"), "message": "m".repeat(10_000)}),
            )
            .collect();
        let body = serde_json::json!({"error": {"code": "A.0001", "details": many}}).to_string();
        let parsed = ErrorBody::parse(body.as_bytes());
        assert_eq!(parsed.details.len(), MAX_DETAILS);
        for detail in &parsed.details {
            let message = detail.message.as_deref().unwrap_or_default();
            assert_eq!(
                message.chars().count(),
                MAX_DETAIL_CHARS + 1,
                "cut, with `…`"
            );
        }
        // Entries that are not objects, or carry neither code nor message, are skipped.
        let odd = br#"{"error": {"code": "A.0001", "details": [1, "x", {}, {"code": "B.0002"}]}}"#;
        let parsed = ErrorBody::parse(odd);
        assert_eq!(parsed.details.len(), 1);
        assert!(
            ErrorBody::parse(br#"{"code": "A.0001", "details": "no"}"#)
                .details
                .is_empty()
        );
    }

    #[test]
    fn reads_every_published_shape() {
        check(
            fixture!("ims-error.json"),
            Some("IMG.0023"),
            Some("An exception occurred during task query"),
        );
        check(
            fixture!("gateway-api-missing.json"),
            Some("APIGW.0101"),
            Some("The API does not exist or has not been published in the environment"),
        );
        check(
            fixture!("camel-case.json"),
            Some("IAM.0011"),
            Some("Request parameter error"),
        );
        check(
            fixture!("flat.json"),
            Some("VPC.0101"),
            Some("Query resource by id failed"),
        );
        check(
            fixture!("numeric-code.json"),
            Some("10404"),
            Some("the resource does not exist"),
        );
        check(
            fixture!("item-not-found.json"),
            Some("404"),
            Some("Instance could not be found"),
        );
        check(
            fixture!("bad-request.json"),
            Some("400"),
            Some("Invalid input for field/attribute volume"),
        );
        check(
            fixture!("ak-locked.txt"),
            None,
            Some("AK access failed to reach the limit,forbidden."),
        );
        check(fixture!("proxy.html"), None, None);
        check(b"", None, None);
        check(b"[1, 2]", None, None);
    }

    #[test]
    fn keeps_the_gateway_request_id() {
        let parsed = ErrorBody::parse(fixture!("gateway-throttled.json"));
        assert_eq!(parsed.code.as_deref(), Some("APIG.0308"));
        assert_eq!(
            parsed.request_id.as_deref(),
            Some("a4b5c6d7e8f90123456789abcdef0123")
        );
    }

    #[test]
    fn keystone_codes_may_be_numbers() {
        check(
            br#"{"error": {"code": 401, "message": "wrong"}}"#,
            Some("401"),
            Some("wrong"),
        );
    }

    #[test]
    fn a_text_body_is_one_capped_line() {
        let long = format!("line one\n\n  line\ttwo {}", "x".repeat(1000));
        let parsed = ErrorBody::parse(long.as_bytes());
        let message = parsed.message.expect("a snippet");
        assert!(message.starts_with("line one line two x"), "{message}");
        assert_eq!(
            message.chars().count(),
            MAX_SNIPPET_CHARS + 1,
            "capped, with `…`"
        );
    }

    #[test]
    fn an_error_object_in_a_success_is_recognised() {
        let value: serde_json::Value =
            serde_json::from_slice(fixture!("error-in-200.json")).expect("JSON");
        let found = ErrorBody::in_success(&value).expect("an error");
        assert_eq!(found.code.as_deref(), Some("EVS.2024"));
        assert_eq!(found.message.as_deref(), Some("Request param error"));
        // A job document is never taken for an error, even one carrying `error_code`.
        let job = serde_json::json!({"job_id": "j", "status": "FAIL", "error_code": "IMG.0010"});
        assert_eq!(ErrorBody::in_success(&job), None);
        assert_eq!(
            ErrorBody::in_success(&serde_json::json!({"entities": {}})),
            None
        );
    }
}
