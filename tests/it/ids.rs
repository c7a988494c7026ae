//! Job ids, as arguments and on stdin: comments and blank lines skipped, hostile ids refused
//! naming their line before anything is sent, one id or many decides object or array.

use crate::common::Sim;
use crate::test::{Exit, Test};

#[test]
fn hostile_id_exits_2_and_nothing_is_sent() {
    let sim = Sim::builtin();
    for bad in [
        "../x",
        "a/b",
        "a%2fb",
        "a b",
        "ünïcode",
        &"a".repeat(10_000),
    ] {
        let ran = Test::on(&sim)
            .args(["get", "good-id", bad])
            .expect_exit(Exit::Usage)
            .stderr_starts_with("imsjob: error: invalid job id")
            .run();
        assert!(
            ran.stderr.len() < 300,
            "a long id is shortened in the message"
        );
    }
    for command in ["wait", "tree"] {
        Test::on(&sim)
            .args([command, "../x"])
            .expect_exit(Exit::Usage)
            .run();
    }
    assert!(sim.requests().is_empty(), "the server saw a request");
}

#[test]
fn ids_from_stdin() {
    let sim = Sim::builtin();
    Test::on(&sim)
        .args(["get", "-", "--jq", ".[].job_type"])
        .stdin(
            "# the batch\n9a175ac692fa12540193005c340f321c\n\n9a175ac892fa1342019300224f22218e\n",
        )
        .stdout_is("imsUpdateImageMembersJob\nimsImportImageJob\n")
        .run();
    Test::on(&sim)
        .args(["get", "-"])
        .stdin("good\n../bad\n")
        .expect_exit(Exit::Usage)
        .stderr_has("stdin line 2")
        .run();
}

#[test]
fn hostile_ids_on_stdin_name_their_line_and_nothing_is_sent() {
    let sim = Sim::builtin();
    let long = "a".repeat(10_000);
    for (bad, why) in [
        ("../etc/passwd", "invalid job id"),
        ("a/b", "invalid job id"),
        ("a%2Fb", "invalid job id"),
        ("a b", "invalid job id"),
        ("jöb", "invalid job id"),
        ("id\u{1b}[2J", "invalid job id"),
        ("nul\0byte", "invalid job id"),
        (long.as_str(), "10000 bytes is too long"),
    ] {
        let ran = Test::on(&sim)
            .args(["wait", "-"])
            .stdin(format!("good-1\n# comment\n{bad}\ngood-2\n"))
            .expect_exit(Exit::Usage)
            .stderr_starts_with(format!("imsjob: error: stdin line 3: {why}"))
            // An escape sequence is never echoed.
            .stderr_lacks("\u{1b}")
            .run();
        assert!(ran.stderr.len() < 300, "kept short: {}", ran.stderr);
    }
    assert!(sim.requests().is_empty(), "a request was sent");
}

#[test]
fn ids_from_stdin_always_give_an_array() {
    let sim = Sim::with("examples: false\njobs: [{id: ok-job, duration: 0s}]\n");
    for command in ["get", "wait"] {
        let document = Test::on(&sim)
            .args([command, "-", "--json"])
            .stdin("ok-job\n")
            .run()
            .json();
        assert_eq!(
            document.as_array().map(Vec::len),
            Some(1),
            "{command}: {document}"
        );
        let one = Test::on(&sim)
            .args([command, "ok-job", "--json"])
            .run()
            .json();
        assert!(
            one.is_object(),
            "{command}: one id as an argument is an object"
        );
    }
}
