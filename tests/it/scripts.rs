//! What scripts rely on: one JSON shape for an id that cannot be fetched, errors that name
//! the job and the cause, and ids piped from one imsjob into another.

use std::time::Duration;

use serde_json::json;

use crate::common::Sim;
use crate::screen::Tmux;
use crate::test::{Exit, Test};

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
        let document = Test::on(&sim)
            .args(args)
            .expect_exit(Exit::NotFound)
            .stderr_has("imsjob: error: job nope: HTTP 400")
            .context(format!("{args:?}"))
            .run()
            .json();
        assert_eq!(document, expected, "{args:?}");
    }
}

#[test]
fn tree_of_an_unfetchable_id_names_the_job() {
    let sim = Sim::with(JOBS);
    Test::on(&sim)
        .args(["tree", "nope"])
        .expect_exit(Exit::NotFound)
        .stdout_empty()
        .stderr_starts_with("imsjob: error: job nope: HTTP 400 IMG.0023")
        .run();
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
        let stderr = Test::on(&sim)
            .args(["get", "ok-job", "--jq", expr])
            .expect_exit(Exit::Usage)
            .context(expr)
            .run()
            .stderr;
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
    let got = Test::on(&sim)
        .args(["get", "ok-job", "other-job", "--json"])
        .run();
    Test::on(&sim)
        .args(["wait", "-", "--jq", ".[].job_id"])
        .stdin(got.output.stdout)
        .stdout_is("ok-job\nother-job\n")
        .run();
    // A compact array on one line reads the same.
    Test::on(&sim)
        .args(["wait", "-", "--jq", ".[].job_id"])
        .stdin(r#"[{"job_id":"other-job","status":"SUCCESS"},"ok-job"]"#)
        .any_exit()
        .stdout_is("other-job\nok-job\n")
        .run();
    // An element without an id is refused, naming where it is.
    Test::on(&sim)
        .args(["wait", "-"])
        .stdin("[\n{\"job_id\": \"ok-job\"},\n{\"status\": \"SUCCESS\"}\n]\n")
        .expect_exit(Exit::Usage)
        .stderr_starts_with(
            "imsjob: error: stdin line 1: element 2 of the JSON array: the JSON object has no `job_id` string",
        )
        .run();
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
    Test::on(&sim)
        .args(["wait", "-"])
        .stdin("ok-job\n")
        .stderr_lacks("reading job ids")
        .run();
}
