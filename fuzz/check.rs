//! The body of the `parse_any` fuzz target, shared with `tests/props.rs` so that CI runs it
//! on stable Rust (over the seeds and random inputs) and it cannot rot.
//!
//! Any input goes through every parser of untrusted text; none may panic, and what they
//! accept must hold together.

use imsjob::api::error::ErrorBody;
use imsjob::api::id::JobId;
use imsjob::api::model::{Job, Status};
use imsjob::text::sanitize;
use imsjob::time::parse_api_time;

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
    let error = imsjob::api::error::ApiError::from_response(500, data, None, None);
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
