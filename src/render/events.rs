//! `wait --events`: NDJSON on stdout, one `start` line, one `status` line per state change
//! and one `end` line with the exit code, for dashboards and log shippers.

use std::time::Duration;

use serde_json::{Value, json};

use super::json::compact;
use crate::api::id::JobId;
use crate::api::model::{JobView, Status};
use crate::exit::ExitStatus;
use crate::report::{JobEntry, Outcome};

/// Version of the line format; bumped when a field changes meaning or goes away.
pub(crate) const EVENTS_SCHEMA: u32 = 1;

/// `{"event": "start", ...}`: the wait begins on `jobs` jobs.
#[must_use]
pub(crate) fn start_line(jobs: usize, time: jiff::Timestamp) -> String {
    compact(&json!({
        "event": "start",
        "schema": EVENTS_SCHEMA,
        "time": time.to_string(),
        "jobs": jobs,
    }))
}

/// `{"event": "status", ...}`: a job moved from one status to another, with what a log needs
/// to tell why (`error_code`, `fail_reason`, `image_id`, `process_percent`, each only when the
/// answer has it: members are added, never retyped, so the schema stays 1).
#[must_use]
pub(crate) fn status_line(
    id: &JobId,
    from: Option<&Status>,
    job: &JobView,
    time: jiff::Timestamp,
    elapsed: Duration,
) -> String {
    let mut line = json!({
        "event": "status",
        "job_id": id.as_str(),
        "from": from.map(Status::as_str),
        "to": job.status.as_str(),
        "time": time.to_string(),
        "elapsed_ms": millis(elapsed),
    });
    if let Value::Object(members) = &mut line {
        let mut add = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                members.insert(key.to_owned(), value);
            }
        };
        add("error_code", job.error_code.clone().map(Value::from));
        add("fail_reason", job.fail_reason.clone().map(Value::from));
        add("image_id", job.image_id.clone().map(Value::from));
        add(
            "process_percent",
            job.process_percent
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
        );
    }
    compact(&line)
}

/// `{"event": "end", ...}`: every job's last status and outcome, and the exit code.
#[must_use]
pub(crate) fn end_line(
    entries: &[JobEntry],
    status: ExitStatus,
    time: jiff::Timestamp,
    elapsed: Duration,
) -> String {
    let jobs: Vec<Value> = entries
        .iter()
        .map(|entry| {
            json!({
                "job_id": entry.id.as_str(),
                "status": entry.status().map(Status::as_str),
                "outcome": entry.outcome.as_ref().map(outcome_name),
            })
        })
        .collect();
    let mut line = json!({
        "event": "end",
        "time": time.to_string(),
        "elapsed_ms": millis(elapsed),
        "exit_code": status.code(),
        "jobs": jobs,
    });
    // What to do about the failed jobs' known codes, as the table shows it: a member added
    // within schema 1, only when there is advice.
    let advice: Vec<Value> = super::remedy::codes_of(
        entries
            .iter()
            .filter_map(|e| e.job.as_ref())
            .map(|j| &j.view),
    )
    .into_iter()
    .map(|code| {
        json!({
            "code": code.code,
            "meaning": code.meaning,
            "what_to_do": code.what_to_do,
        })
    })
    .collect();
    if let (false, Value::Object(members)) = (advice.is_empty(), &mut line) {
        members.insert("explain".to_owned(), Value::Array(advice));
    }
    compact(&line)
}

/// The `outcome` of a job in the `end` line.
#[must_use]
pub(crate) fn outcome_name(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Success => "success",
        Outcome::Failed => "failed",
        Outcome::TimedOut => "timeout",
        Outcome::Abandoned => "abandoned",
        Outcome::Error(e) if e.is_not_found() => "not_found",
        Outcome::Error(e) if matches!(ExitStatus::from(e), ExitStatus::AuthRefused) => "refused",
        Outcome::Error(_) => "unavailable",
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_shape() {
        let time: jiff::Timestamp = "2026-01-02T03:04:05Z".parse().expect("a time");
        assert_eq!(
            start_line(2, time),
            r#"{"event":"start","schema":1,"time":"2026-01-02T03:04:05Z","jobs":2}"#
        );
        let id = JobId::parse("j-1").expect("an id");
        let job = |raw| crate::api::model::Job::from_value(raw).expect("a job").view;
        assert_eq!(
            status_line(
                &id,
                None,
                &job(json!({"status": "INIT"})),
                time,
                Duration::from_millis(1500)
            ),
            r#"{"event":"status","job_id":"j-1","from":null,"to":"INIT","time":"2026-01-02T03:04:05Z","elapsed_ms":1500}"#
        );
        let failed = job(
            json!({"status": "FAIL", "error_code": "IMG.0194", "fail_reason": "too many",
            "entities": {"process_percent": 0.5, "image_id": "img-1"}}),
        );
        assert_eq!(
            status_line(
                &id,
                Some(&Status::Running),
                &failed,
                time,
                Duration::from_millis(1)
            ),
            r#"{"event":"status","job_id":"j-1","from":"RUNNING","to":"FAIL","time":"2026-01-02T03:04:05Z","elapsed_ms":1,"error_code":"IMG.0194","fail_reason":"too many","image_id":"img-1","process_percent":0.5}"#
        );
        let entry = JobEntry {
            id,
            job: None,
            error: None,
            outcome: Some(Outcome::TimedOut),
        };
        assert_eq!(
            end_line(&[entry], ExitStatus::Timeout, time, Duration::from_secs(2)),
            r#"{"event":"end","time":"2026-01-02T03:04:05Z","elapsed_ms":2000,"exit_code":124,"jobs":[{"job_id":"j-1","status":null,"outcome":"timeout"}]}"#
        );
    }
}
