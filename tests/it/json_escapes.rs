//! JSON output (`-o json`, `--events`) shows invisible format and separator characters as
//! `\u` escapes, as tables make them visible: still valid JSON, the same values once parsed.

use serde_json::{Value, json};

use crate::common::Sim;
use crate::test::{Exit, Test};

/// Marks, separators, a zero-width space and a byte-order mark: none of them is a control
/// character, and JSON may carry each raw.
const HIDDEN: &str = "\u{200e}\u{200f}\u{61c}\u{2028}\u{2029}\u{200b}\u{feff}";

fn sim() -> Sim {
    let reason = format!("disk{HIDDEN}full");
    let scenario = json!({
        "examples": false,
        "jobs": [{"id": "hidden-fail", "duration": 0, "outcome": "FAIL",
                  "error_code": "IMG.0001", "fail_reason": reason}]
    });
    // YAML (the scenario format) wants some of them escaped: JSON's escapes are YAML's too.
    let mut text = scenario.to_string();
    for c in HIDDEN.chars() {
        text = text.replace(c, &format!("\\u{:04x}", u32::from(c)));
    }
    Sim::with(&text)
}

fn assert_escaped(what: &str, text: &str) {
    assert!(
        !text.contains(|c| HIDDEN.contains(c)),
        "{what}: an invisible character got through raw: {text:?}"
    );
    assert!(
        text.contains("\\u200e") && text.contains("\\ufeff"),
        "{what}: {text}"
    );
}

#[test]
fn json_output_escapes_invisible_characters_and_keeps_their_value() {
    let sim = sim();
    let stdout = Test::on(&sim)
        .args(["get", "hidden-fail", "-o", "json"])
        .run()
        .stdout;
    assert_escaped("get -o json", &stdout);
    let document: Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(document["fail_reason"], format!("disk{HIDDEN}full"));
}

#[test]
fn event_lines_escape_invisible_characters_and_keep_their_value() {
    let sim = sim();
    let stdout = Test::on(&sim)
        .args(["wait", "hidden-fail", "--events"])
        .expect_exit(Exit::JobFailed)
        .run()
        .stdout;
    assert_escaped("--events", &stdout);
    let carried = stdout
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("each line is JSON"))
        .any(|event| event.to_string().contains(&format!("disk{HIDDEN}full")));
    assert!(carried, "some event carries the reason unchanged: {stdout}");
}
