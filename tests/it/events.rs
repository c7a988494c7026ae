//! `wait --events`: NDJSON on stdout, a `start` line with the schema, one line per status
//! change with what a log needs, an `end` line with the exit code.

use serde_json::Value;

use crate::common::Sim;
use crate::table::IMAGE;
use crate::test::{Exit, Test};

/// Each stdout line as one JSON document.
fn ndjson(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
fn events_are_ndjson_on_stdout() {
    let sim = Sim::with("examples: false\njobs: [{id: evented, duration: 1s, queued: 300ms}]\n");
    let ran = Test::on(&sim)
        .args(["wait", "evented", "--events", "--interval", "200ms"])
        .run();
    let lines = ndjson(&ran.stdout);
    assert_eq!(lines[0]["event"], "start");
    assert_eq!(lines[0]["schema"], 1);
    let changes: Vec<(&Value, &Value)> = lines
        .iter()
        .filter(|l| l["event"] == "status")
        .map(|l| (&l["from"], &l["to"]))
        .collect();
    assert_eq!(changes.first().map(|c| c.0), Some(&Value::Null));
    assert_eq!(changes.last().map(|c| c.1.as_str()), Some(Some("SUCCESS")));
    let last = lines.last().expect("final line");
    assert_eq!(last["event"], "end");
    assert_eq!(last["exit_code"], 0);
    assert_eq!(last["jobs"][0]["outcome"], "success");
}

#[test]
fn events_carry_what_a_log_needs() {
    let sim = Sim::with(&format!(
        "examples: false
jobs:
  - {{id: made, duration: 1s, queued: 100ms, image_id: {IMAGE}}}
  - {{id: broken, duration: 300ms, outcome: FAIL, error_code: IMG.0194, fail_reason: too many imports}}
"
    ));
    let ran = Test::on(&sim)
        .args(["wait", "made", "broken", "--events"])
        .args(["--interval", "200ms", "--max-interval", "200ms"])
        .expect_exit(Exit::JobFailed)
        .run();
    let lines = ndjson(&ran.stdout);
    let to = |id: &str, status: &str| {
        lines
            .iter()
            .find(|l| l["job_id"] == id && l["to"] == status)
            .unwrap_or_else(|| panic!("no {id} -> {status}: {lines:?}"))
    };
    let failed = to("broken", "FAIL");
    assert_eq!(failed["error_code"], "IMG.0194");
    assert_eq!(failed["fail_reason"], "too many imports");
    assert_eq!(to("made", "SUCCESS")["image_id"], IMAGE);
    assert!(to("made", "RUNNING")["process_percent"].is_number());
    assert_eq!(lines[0]["schema"], 1, "additions keep the schema");
}
