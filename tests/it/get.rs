//! `get`: documents shown exactly as the API sent them, several ids in argument order,
//! unknown fields and statuses kept, a closed stdout.

use serde_json::Value;

use crate::common::{Sim, examples};
use crate::test::{Exit, Test};

#[test]
fn every_documented_example_round_trips_unchanged() {
    let sim = Sim::builtin();
    let all = examples();
    assert_eq!(all.len(), 14);
    for (name, text) in &all {
        let expected: Value = serde_json::from_str(text).expect("example JSON");
        let id = expected["job_id"].as_str().expect("job_id");
        let ran = Test::on(&sim).args(["get", id, "--json"]).run();
        // Field for field, in order, numbers as sent (the published text is indented by 4,
        // imsjob prints by 2).
        let published = serde_json::to_string_pretty(&expected).expect("JSON");
        assert_eq!(ran.stdout.trim_end(), published, "{name} changed");
    }
}

#[test]
fn several_ids_give_an_array_in_argument_order() {
    let sim = Sim::builtin();
    let ids = [
        "9a175ac692fa12540193005c340f321c",
        "9a175ac892fa1342019300224f22218e",
    ];
    let doc = Test::on(&sim)
        .arg("get")
        .args(ids)
        .arg("--json")
        .run()
        .json();
    let got: Vec<&str> = doc
        .as_array()
        .expect("array")
        .iter()
        .map(|j| j["job_id"].as_str().expect("id"))
        .collect();
    assert_eq!(got, ids);
}

#[test]
fn unknown_fields_and_statuses_survive() {
    let sim = Sim::with(
        r#"
examples: false
jobs:
  - id: odd-job
    type: imsBrandNewJob
    outcome: QUEUED_FOREVER
    duration: 0s
    extra: {shiny_new_field: {nested: [1, true]}}
    entities: {alarm_code: X-1}
  - id: exact-numbers
    faults: [{body: '{"job_id": "exact-numbers", "status": "SUCCESS", "n": 2.50, "big": 123456789012345678901234567890}', times: 5}]
"#,
    );
    Test::on(&sim)
        .args(["get", "odd-job", "--json"])
        .stdout_has("\"shiny_new_field\"")
        .stdout_has("\"alarm_code\": \"X-1\"")
        .run();
    // Numbers are kept as sent.
    Test::on(&sim)
        .args(["get", "exact-numbers", "--json"])
        .stdout_has("\"n\": 2.50")
        .stdout_has("123456789012345678901234567890")
        .run();
    // An unknown status is shown raw and is never taken for success.
    Test::on(&sim)
        .args(["get", "odd-job"])
        .stdout_has("QUEUED_FOREVER")
        .stdout_has("imsBrandNewJob")
        .run();
    Test::on(&sim)
        .args(["wait", "odd-job", "--timeout", "0"])
        .expect_exit(Exit::Timeout)
        .run();
}

#[test]
fn closed_stdout_is_not_an_error() {
    let sim = Sim::builtin();
    let mut child = sim
        .std_cmd()
        .args(["get", "-", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        for (_, text) in examples() {
            let doc: Value = serde_json::from_str(&text).expect("json");
            writeln!(stdin, "{}", doc["job_id"].as_str().expect("id")).expect("write");
        }
    }
    // Close our end of stdout at once, like `| head -0`.
    drop(child.stdout.take());
    let ran = crate::test::Ran::from(child.wait_with_output().expect("ends"));
    assert_eq!(ran.code(), Some(Exit::Success.code()), "{}", ran.stderr);
    assert!(!ran.stderr.contains("Broken pipe"), "{}", ran.stderr);
}
