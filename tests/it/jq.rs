//! `--jq`: compiled before any request, its errors are usage errors, it never changes the
//! exit code of a wait, and filters that would exhaust the stack or memory are stopped.

use crate::common::Sim;
use crate::test::{Exit, Test};

#[test]
fn bad_jq_is_a_usage_error_before_any_request() {
    let sim = Sim::builtin();
    Test::on(&sim)
        .args(["get", "abc", "--jq", ".["])
        .expect_exit(Exit::Usage)
        .stderr_has("invalid `--jq` expression")
        .run();
    assert!(sim.requests().is_empty());
}

#[test]
fn a_jq_filter_that_fails_on_the_document_is_a_usage_error() {
    Test::on(&Sim::builtin())
        .args([
            "get",
            "9a175ac692fa12540193005c340f321c",
            "--jq",
            ".status | .foo",
        ])
        .expect_exit(Exit::Usage)
        .stderr_has("jq: cannot index")
        .run();
}

#[test]
fn a_jq_program_cannot_change_the_exit_code() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: ok-job, duration: 0s}, {id: bad-job, duration: 0s, outcome: FAIL, error_code: IMG.0194}]\n",
    );
    for program in ["halt", "halt_error", "error(\"boom\")", ".x.y.z | .[0]"] {
        Test::on(&sim)
            .args(["wait", "bad-job", "--jq", program])
            .expect_exit(Exit::JobFailed)
            .run();
    }
    // The FAIL is still named.
    Test::on(&sim)
        .args(["wait", "bad-job", "--jq", "halt"])
        .expect_exit(Exit::JobFailed)
        .stderr_has("failed: IMG.0194")
        .run();
    // A runtime error after a clean run is a usage error, reported as jq's, after the requests.
    Test::on(&sim)
        .args(["get", "ok-job", "--jq", "error(\"boom\")"])
        .expect_exit(Exit::Usage)
        .stderr_has("jq: ")
        .stderr_has("boom")
        .run();
    Test::on(&sim)
        .args(["get", "ok-job", "--jq", ".job_id, halt"])
        .stdout_is("ok-job\n")
        .run();
    // `// empty`: a missing field prints nothing, so `test -n "$IMAGE"` fails as it should.
    Test::on(&sim)
        .args(["wait", "ok-job", "--jq", ".entities.image_id // empty"])
        .stdout_empty()
        .run();
}

#[test]
fn jq_filters_that_would_exhaust_the_stack_or_memory_are_errors() {
    let sim = Sim::builtin();
    for filter in ["def f: [f]; f", "[range(1e9)]"] {
        Test::on(&sim)
            .args(["get", "job-success", "--jq", filter])
            .expect_exit(Exit::Usage)
            .stderr_has("jq: the filter")
            .run()
            .assert_no_crash();
    }
    Test::on(&sim)
        .args(["get", "job-success", "--jq", ".job_id"])
        .stdout_is("job-success\n")
        .run();
}
