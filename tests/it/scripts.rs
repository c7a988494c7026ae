//! What scripts rely on: one JSON shape for an id that cannot be fetched, errors that name
//! the job and the cause, and ids piped from one imsjob into another.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{Sim, stderr_of, stdout_of};
use crate::screen::Tmux;

const JOBS: &str = "
examples: false
jobs:
  - {id: ok-job, duration: 0s, image_name: img}
  - {id: other-job, duration: 0s, image_name: img2}
";

#[test]
fn an_unfetchable_id_has_one_json_shape_in_get_wait_and_tree() {
    let sim = Sim::with(JOBS);
    let expected = json!({"job_id": "nope", "error": {"status": 400, "code": "IMG.0023",
        "message": "An exception occurred during task query."}});
    for args in [
        &["get", "nope", "--json"][..],
        &["wait", "nope", "--json", "--not-found-grace", "0s"],
        &["tree", "nope", "--json"],
    ] {
        let output = sim.cmd().args(args).output().expect("runs");
        assert_eq!(output.status.code(), Some(4), "{args:?}");
        let document: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout_of(&output)));
        assert_eq!(document, expected, "{args:?}");
        assert!(
            stderr_of(&output).contains("imsjob: error: job nope: HTTP 400"),
            "{args:?}: {}",
            stderr_of(&output)
        );
    }
}

#[test]
fn tree_of_an_unfetchable_id_names_the_job() {
    let sim = Sim::with(JOBS);
    let output = sim.cmd().args(["tree", "nope"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(4));
    assert!(output.stdout.is_empty(), "{}", stdout_of(&output));
    let stderr = stderr_of(&output);
    assert!(
        stderr.starts_with("imsjob: error: job nope: HTTP 400 IMG.0023"),
        "{stderr}"
    );
}

#[test]
fn an_invalid_jq_expression_says_why_and_where() {
    let sim = Sim::with(JOBS);
    for (expr, reason) in [
        (".[", "expected closing bracket at column 3"),
        (".a |", "expected term, found the end at column 5"),
        (
            "{a;}",
            "expected comma or right brace, found `;` at column 3",
        ),
        (".a | nosuch", "undefined filter `nosuch` at column 6"),
    ] {
        let output = sim
            .cmd()
            .args(["get", "ok-job", "--jq", expr])
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{expr}");
        let stderr = stderr_of(&output);
        let first = stderr.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            format!("imsjob: error: invalid `--jq` expression `{expr}`: {reason}"),
        );
        assert!(sim.requests_for("ok-job").is_empty(), "nothing was sent");
    }
}

#[test]
fn the_json_array_of_get_pipes_into_wait() {
    let sim = Sim::with(JOBS);
    let got = sim
        .cmd()
        .args(["get", "ok-job", "other-job", "--json"])
        .output()
        .expect("runs");
    assert!(got.status.success(), "{}", stderr_of(&got));
    let waited = sim
        .cmd()
        .args(["wait", "-", "--jq", ".[].job_id"])
        .write_stdin(got.stdout)
        .output()
        .expect("runs");
    assert!(waited.status.success(), "{}", stderr_of(&waited));
    assert_eq!(stdout_of(&waited), "ok-job\nother-job\n");
    // A compact array on one line reads the same.
    let waited = sim
        .cmd()
        .args(["wait", "-", "--jq", ".[].job_id"])
        .write_stdin(r#"[{"job_id":"other-job","status":"SUCCESS"},"ok-job"]"#)
        .output()
        .expect("runs");
    assert_eq!(
        stdout_of(&waited),
        "other-job\nok-job\n",
        "{}",
        stderr_of(&waited)
    );
    // An element without an id is refused, naming where it is.
    let refused = sim
        .cmd()
        .args(["wait", "-"])
        .write_stdin("[\n{\"job_id\": \"ok-job\"},\n{\"status\": \"SUCCESS\"}\n]\n")
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr_of(&refused).starts_with(
            "imsjob: error: stdin line 1: element 2 of the JSON array: the JSON object has no `job_id` string"
        ),
        "{}",
        stderr_of(&refused)
    );
}

#[test]
fn wait_dash_on_a_terminal_says_it_reads_stdin() {
    let sim = Sim::with(JOBS);
    let Some(tmux) = Tmux::imsjob(&sim, 80, "", "wait -") else {
        return; // no tmux here
    };
    let (told, screen) = tmux.until(Duration::from_secs(10), |s| {
        s.contains("reading job ids from stdin")
    });
    assert!(told, "{screen}");
    tmux.keys("ok-job");
    tmux.keys("Enter");
    tmux.keys("C-d");
    let (code, screen) = tmux.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("SUCCESS"), "{screen}");
    // Off a terminal, nothing is said: a pipe is not a person.
    let piped = sim
        .cmd()
        .args(["wait", "-"])
        .write_stdin("ok-job\n")
        .output()
        .expect("runs");
    assert!(piped.status.success());
    assert!(
        !stderr_of(&piped).contains("reading job ids"),
        "{}",
        stderr_of(&piped)
    );
}
