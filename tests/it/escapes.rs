//! Text from the API cannot drive the terminal: escape sequences, C1 controls, forged line
//! breaks and bidirectional overrides are shown escaped in tables, progress, errors, logs and
//! jq strings on a terminal; JSON escapes them itself and keeps the value exact.

use serde_json::{Value, json};

use crate::common::Sim;
use crate::test::{Exit, Test};

/// A job whose every API-supplied text tries to drive the terminal: clear the screen, set
/// the title, a fake hyperlink, an 8-bit CSI, carriage returns that forge a new line, and a
/// right-to-left override.
const HOSTILE: &str = r#"
examples: false
jobs:
  - id: evil-fail
    type: "imsEvil\e]0;pwned\aJob"
    duration: 0s
    outcome: FAIL
    error_code: "IMS.\e[2J0001"
    fail_reason: "disk \e[31mred\e[0m \x9b2J gone\r\nimsjob: all good \u202eevil"
  - id: evil-ok
    duration: 0s
    image_name: "img\e]8;;http://x\e\\link\e]8;;\e\\"
    extra: {note: "\e[5mblink\x7f"}
    sub_jobs:
      - {id: evil-sub, start: 0s, duration: 0s, type: "sub\e[1Atype", outcome: "ODD\e[2K", fail_reason: x}
  - id: evil-status
    duration: 0s
    document: {job_id: evil-status, job_type: "t\e[8m", status: "RUN\e[2JNING", entities: {current_task: "\e]0;x\a"}}
"#;

/// No character that a terminal interprets: C0 (except newline), DEL, C1, and the
/// bidirectional overrides.
fn assert_inert(what: &str, text: &str) {
    let bad = text.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    assert!(bad.is_none(), "{what}: raw {bad:?} in {text:?}");
}

#[test]
fn escape_sequences_from_the_api_are_neutralised() {
    let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[H\u{9b}31m\u{202e}";
    let scenario = json!({
        "examples": false,
        "jobs": [
            {"id": "evil-fail", "type": format!("ims{evil}Job"), "duration": 0, "outcome": "FAIL",
             "error_code": format!("IMG.{evil}"), "fail_reason": format!("disk {evil} wiped"),
             "sub_jobs": [{"id": "evil-sub", "start": 0, "duration": 0, "image_name": format!("img{evil}")}]},
            {"id": "evil-running", "duration": 0, "outcome": format!("RUN{evil}NING"),
             "entities": {"current_task": format!("task{evil}")}},
            {"id": "evil-error", "faults": [{"status": 400, "times": 10,
             "body": json!({"error": {"code": format!("IMG.{evil}"), "message": format!("bad {evil} request")}}).to_string()}]},
        ]
    });
    // YAML (the scenario format) refuses raw C1 controls: escape them as JSON allows.
    let text = scenario
        .to_string()
        .replace('\u{9b}', "\\u009b")
        .replace('\u{202e}', "\\u202e");
    let sim = Sim::with(&text);
    let hazards = ["\u{1b}", "\u{7}", "\u{9b}", "\u{202e}"];
    let neutral = |test: Test| hazards.iter().fold(test, |test, h| test.output_lacks(*h));
    neutral(Test::on(&sim))
        .args(["get", "evil-fail", "evil-running", "evil-error"])
        .expect_exit(Exit::Unavailable)
        .stdout_has("\\x1b]0;pwned")
        .stderr_has("bad \\x1b]0;pwned")
        .run();
    neutral(Test::on(&sim))
        .args(["wait", "evil-fail"])
        .expect_exit(Exit::JobFailed)
        .stderr_has("disk \\x1b]0;pwned")
        .run();
    // Progress lines too.
    neutral(Test::on(&sim))
        .args([
            "wait",
            "evil-running",
            "--timeout",
            "1s",
            "--interval",
            "200ms",
        ])
        .expect_exit(Exit::Timeout)
        .run();
    neutral(Test::on(&sim))
        .args(["tree", "evil-fail"])
        .stdout_has("evil-sub")
        .run();
    // JSON output escapes control characters itself.
    Test::on(&sim)
        .args(["get", "evil-fail", "--json"])
        .any_exit()
        .stdout_lacks("\u{1b}")
        .stdout_has("\\u001b")
        .run();
}

#[test]
fn hostile_api_text_never_reaches_the_terminal_raw() {
    let sim = Sim::with(HOSTILE);
    let cases: &[&[&str]] = &[
        &["get", "evil-fail", "evil-ok", "evil-status"],
        &["get", "evil-fail"],
        &["tree", "evil-ok"],
        &["tree", "evil-fail"],
        &["wait", "evil-fail"],
        &["wait", "evil-fail", "evil-ok", "--fail-fast"],
        &["wait", "evil-status", "--timeout", "0"],
        &["wait", "evil-status", "--timeout", "1s", "-v"],
        // -vvv logs the bodies themselves.
        &["get", "evil-fail", "evil-ok", "evil-status", "-vvv"],
        &["wait", "evil-ok", "evil-fail", "--events"],
        // A jq error quotes the value it choked on.
        &["get", "evil-fail", "--jq", ".fail_reason | .[0]"],
    ];
    for args in cases {
        let ran = Test::on(&sim).args(*args).any_exit().run();
        assert_inert(&format!("{args:?} stdout"), &ran.stdout);
        assert_inert(&format!("{args:?} stderr"), &ran.stderr);
    }
    // The text stays readable: the escapes are shown, not dropped.
    let ran = Test::on(&sim)
        .args(["wait", "evil-fail"])
        .expect_exit(Exit::JobFailed)
        .stderr_has(r"failed: IMS.\x1b[2J0001: disk \x1b[31mred\x1b[0m \x9b2J gone\x0d\x0aimsjob: all good \u{202e}evil")
        .run();
    // An error is one line: the forged `imsjob: all good` line does not start a line.
    assert!(
        !ran.stderr
            .lines()
            .any(|l| l.starts_with("imsjob: all good"))
    );
}

#[test]
fn hostile_text_in_json_is_escaped_by_json_and_kept_exactly() {
    let sim = Sim::with(HOSTILE);
    for args in [
        ["get", "evil-fail", "-o", "json"].as_slice(),
        &["get", "evil-fail", "evil-ok", "--json"],
        &["tree", "evil-ok", "--json"],
        &["wait", "evil-fail", "--json"],
    ] {
        let ran = Test::on(&sim).args(args).any_exit().run();
        assert_inert(&format!("{args:?}"), &ran.stdout);
        let document: Value = serde_json::from_str(&ran.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e})"));
        assert!(document.is_object() || document.is_array());
    }
    let job = Test::on(&sim)
        .args(["get", "evil-fail", "--json"])
        .run()
        .json();
    assert_eq!(
        job["fail_reason"],
        "disk \u{1b}[31mred\u{1b}[0m \u{9b}2J gone\r\nimsjob: all good \u{202e}evil",
        "the value survives exactly"
    );
    // A script asking for the string gets it exactly (a pipe is not a terminal).
    Test::on(&sim)
        .args(["get", "evil-ok", "--jq", ".note"])
        .stdout_is("\u{1b}[5mblink\u{7f}\n")
        .run();
}

/// Unix only: a pseudo-terminal through util-linux `script`.
#[cfg(unix)]
#[test]
fn jq_strings_are_neutralised_on_a_terminal() {
    let sim = Sim::with(HOSTILE);
    let Some(text) = crate::common::on_a_terminal(&sim, "get evil-ok --jq .note", &[]) else {
        return; // no util-linux `script` here (it is part of every Linux CI image)
    };
    // `script` turns the newline into CR LF; everything else must be inert.
    let text = text.replace("\r\n", "\n");
    assert_inert("--jq on a terminal", &text);
    assert!(text.contains(r"\x1b[5mblink\x7f"), "{text:?}");
}
