//! The body of the `parse_any` fuzz target, shared with `tests/props.rs` so that CI runs it
//! on stable Rust (over the seeds and random inputs) and it cannot rot.
//!
//! Any input goes through every parser of untrusted text; none may panic, and what they
//! accept must hold together.

use imsjob::testing::ErrorBody;
use imsjob::testing::JobId;
use imsjob::testing::parse_api_time;
use imsjob::testing::sanitize;
use imsjob::testing::{Job, Status};

/// Feeds `data` to the job parser, the error-body parser, the time parser and the id
/// validator, and checks their invariants.
pub fn parse_any(data: &[u8]) {
    // A job document, as the client reads it.
    let parsed = serde_json::from_slice::<serde_json::Value>(data);
    let job = Job::from_body(data.to_vec());
    // Every object with a textual status is a job. (The converse does not hold: a lone
    // surrogate escape in a field imsjob does not read is kept verbatim, not refused.)
    if parsed.as_ref().is_ok_and(|v| v["status"].is_string()) {
        assert!(job.is_ok(), "a JSON object with a textual status is a job");
    }
    if let (Ok(raw), Ok(job)) = (parsed, job) {
        assert_eq!(
            job.raw.get().as_bytes(),
            data.trim_ascii(),
            "the raw document is kept untouched"
        );
        assert_eq!(job.value(), raw, "and reads as the same document");
        let status = raw["status"].as_str().expect("a job has a textual status");
        assert_eq!(job.view.status.as_str(), status, "status round-trips");
        if job.view.status.is_terminal() {
            assert!(matches!(status, "SUCCESS" | "FAIL"));
        }
        if let Some(fraction) = job.view.process_percent {
            assert!((0.0..=1.0).contains(&fraction));
        }
        assert!(job.view.sub_jobs_done() <= job.view.sub_job_count());
        let _ = job.view.missing_sub_jobs();
    }
    // An error body, either shape.
    let body = ErrorBody::parse(data);
    for text in [&body.code, &body.message, &body.request_id]
        .into_iter()
        .flatten()
    {
        assert!(!text.is_empty());
        assert!(text.chars().count() <= 501, "server strings are capped");
    }
    let error = imsjob::testing::ApiError::from_response(500, data, None, None);
    assert!(
        !error.to_string().chars().any(char::is_control),
        "an error line carries no control character"
    );
    // Times and ids come as text.
    let text = String::from_utf8_lossy(data);
    if let Some(ts) = parse_api_time(&text) {
        // What parses once parses again from its canonical form, to the same instant.
        assert_eq!(parse_api_time(&ts.to_string()), Some(ts));
    }
    match JobId::parse(&text) {
        Ok(id) => {
            assert_eq!(id.as_str(), text);
            assert!((1..=64).contains(&text.len()));
            assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        }
        Err(error) => {
            let message = error.to_string();
            assert!(!message.chars().any(char::is_control), "{message:?}");
            assert!(
                message.chars().count() < 200,
                "a huge id makes a short message"
            );
        }
    }
    let clean = sanitize(&text);
    assert!(!clean.chars().any(char::is_control));
    assert_eq!(sanitize(&clean), clean, "sanitising is idempotent");
    let _ = Status::parse(&text);
}

/// Splits fuzz input into a jq filter (before the first NUL, at most 256 bytes) and a
/// document (the rest: JSON when it parses, else a string).
pub fn split_filter_and_document(data: &[u8]) -> (String, serde_json::Value) {
    let (filter, rest) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let filter = String::from_utf8_lossy(&filter[..filter.len().min(256)]).into_owned();
    let document = serde_json::from_slice(rest)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(rest).into_owned()));
    (filter, document)
}

/// Names that let a filter run unbounded (recursion, generators, loops) or end the process
/// (`halt`): such filters are only run in the worker process, where the limits hold;
/// in-process they are only compiled.
const UNBOUNDED: [&str; 13] = [
    "def", "recurse", "repeat", "range", "while", "until", "limit", "walk", "..", "paths", "env",
    "input", "halt",
];

/// A jq filter over a document, in-process: compiling never panics, and a filter free of
/// anything that can run unbounded never panics either, and prints at most its budget.
pub fn jq_filter(data: &[u8]) {
    let (filter, document) = split_filter_and_document(data);
    let Ok(compiled) = imsjob::testing::JqFilter::compile(&filter) else {
        return;
    };
    if UNBOUNDED.iter().any(|name| filter.contains(name)) {
        return;
    }
    if let Ok(out) = compiled.run_in_process(&document, data.len() % 2 == 1) {
        assert!(out.len() <= imsjob::testing::OUTPUT_BUDGET + 64 * 1024);
    }
}

/// A jq filter over a document in the worker process started from `exe` (the imsjob binary):
/// whatever the filter, the caller gets an output or an error, within the time budget.
pub fn jq_filter_in_worker(data: &[u8], exe: &std::path::Path) -> Result<String, String> {
    let (filter, document) = split_filter_and_document(data);
    let Ok(compiled) = imsjob::testing::JqFilter::compile(&filter) else {
        return Err("does not compile".into());
    };
    let started = std::time::Instant::now();
    let result = compiled.run_in_worker(exe, &document, data.len() % 2 == 1);
    assert!(
        started.elapsed() < imsjob::testing::TIME_BUDGET + std::time::Duration::from_secs(5),
        "the time budget holds"
    );
    result.map_err(|e| e.to_string())
}

/// IAM answers and error bodies of every shape: the token and project parsers, the error-body
/// reader and the error line built from it never panic, and what they show is clean and short.
pub fn error_body(data: &[u8]) {
    use imsjob::testing as keystone;
    let body = ErrorBody::parse(data);
    for text in [&body.code, &body.message, &body.request_id]
        .into_iter()
        .flatten()
    {
        assert!(text.chars().count() <= 501, "server strings are capped");
    }
    for status in [400, 401, 403, 404, 429, 500, 502] {
        let error = imsjob::testing::ApiError::from_response(status, data, None, None);
        let line = error.to_string();
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert!(line.chars().count() < 2_000, "an error line stays short");
    }
    let subject = (!data.is_empty()).then(|| String::from_utf8_lossy(&data[..data.len().min(64)]));
    if let Ok(token) = keystone::parse_token_response(subject.as_deref(), data, Some("eu-de")) {
        assert!(!token.project_id.is_empty());
        let _ = token.is_fresh(token.received_at);
        let _ = token.margin();
    }
    let _ = keystone::parse_projects_response(data, "eu-de_x");
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = keystone::ims_endpoint_from_catalog(&value, Some("eu-de"), "p");
        let _ = keystone::ims_endpoint_from_catalog(&value, None, "p");
    }
    let text = String::from_utf8_lossy(data);
    let redacted = imsjob::testing::redact_userinfo(&text);
    if text.contains("://") {
        for (i, _) in redacted.match_indices("://") {
            let authority = &redacted[i + 3..];
            let end = authority
                .find(|c: char| {
                    matches!(c, '/' | '?' | '#' | '`' | '\'' | '"' | '<' | '>') || c.is_whitespace()
                })
                .unwrap_or(authority.len());
            let authority = &authority[..end];
            if let Some(at) = authority.rfind('@') {
                assert!(authority[..at].ends_with("<redacted>"), "{authority:?}");
            }
        }
    }
}
