//! `wait --events`: NDJSON on stdout, one `start` line, one `status` line per state change
//! and one `end` line with the exit code, for dashboards and log shippers.

use std::time::Duration;

use serde_json::{Value, json};

use super::json::compact;
use crate::api::id::JobId;
use crate::api::model::Status;
use crate::exit::ExitStatus;
use crate::report::{JobEntry, Outcome};

/// Version of the line format; bumped when a field changes meaning or goes away.
pub const EVENTS_SCHEMA: u32 = 1;

/// `{"event": "start", ...}`: the wait begins on `jobs` jobs.
#[must_use]
pub fn start_line(jobs: usize, time: jiff::Timestamp) -> String {
    compact(&json!({
        "event": "start",
        "schema": EVENTS_SCHEMA,
        "time": time.to_string(),
        "jobs": jobs,
    }))
}

/// `{"event": "status", ...}`: a job moved from one status to another.
#[must_use]
pub fn status_line(
    id: &JobId,
    from: Option<&Status>,
    to: &Status,
    time: jiff::Timestamp,
    elapsed: Duration,
) -> String {
    compact(&json!({
        "event": "status",
        "job_id": id.as_str(),
        "from": from.map(Status::as_str),
        "to": to.as_str(),
        "time": time.to_string(),
        "elapsed_ms": millis(elapsed),
    }))
}

/// `{"event": "end", ...}`: every job's last status and outcome, and the exit code.
#[must_use]
pub fn end_line(
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
    compact(&json!({
        "event": "end",
        "time": time.to_string(),
        "elapsed_ms": millis(elapsed),
        "exit_code": status.code(),
        "jobs": jobs,
    }))
}

/// The `outcome` of a job in the `end` line.
#[must_use]
pub fn outcome_name(outcome: &Outcome) -> &'static str {
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
        assert_eq!(
            status_line(&id, None, &Status::Init, time, Duration::from_millis(1500)),
            r#"{"event":"status","job_id":"j-1","from":null,"to":"INIT","time":"2026-01-02T03:04:05Z","elapsed_ms":1500}"#
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
