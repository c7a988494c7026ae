//! `wait` progress off a terminal: one line per change (never a redraw into a log), the
//! job's own story (its own duration, sub-jobs counted, not invented), `-q` silences it.

use crate::common::Sim;
use crate::test::{Exit, Test};

#[test]
fn progress_off_a_terminal_is_one_line_per_change() {
    let sim = Sim::with("examples: false\njobs: [{id: lines, duration: 2s, queued: 500ms}]\n");
    let ran = Test::on(&sim)
        .args([
            "wait",
            "lines",
            "--interval",
            "100ms",
            "--max-interval",
            "100ms",
        ])
        // No redraws into a log.
        .stderr_lacks("\r")
        .stderr_lacks("\x1b")
        .run();
    // About 20 polls, but only the changes are written: INIT, RUNNING, SUCCESS.
    assert_eq!(ran.stderr.lines().count(), 3, "{}", ran.stderr);
    // -q silences it.
    Test::on(&sim)
        .args(["wait", "lines", "-q"])
        .any_exit()
        .stderr_is("")
        .run();
}

#[test]
fn progress_off_a_terminal_tells_the_jobs_own_story() {
    let sim = Sim::with(
        "examples: false
jobs:
  - {id: parent, type: imsImportOvaImageJob, duration: 1s, queued: 200ms, embed_sub_jobs: false,
     sub_jobs: [{id: child-a, start: 0s, duration: 500ms}, {id: child-b, start: 0s, duration: 500ms}]}
  - {id: broken, duration: 600ms, queued: 100ms, outcome: FAIL, error_code: IMG.0194, fail_reason: nope}
",
    );
    let ran = Test::on(&sim)
        .args(["wait", "parent", "broken"])
        .args(["--interval", "200ms", "--max-interval", "200ms"])
        .expect_exit(Exit::JobFailed)
        // Sub-jobs listed by id only: their count, never an invented `0/2 done`.
        .stderr_has("2 sub-jobs")
        .stderr_lacks("0/2")
        .run();
    // The duration is the job's own (about 1 s), not the time since `wait` started.
    let success = ran
        .stderr
        .lines()
        .find(|l| l.starts_with("job parent:") && l.contains("SUCCESS"))
        .unwrap_or_else(|| panic!("{}", ran.stderr));
    assert!(
        success.contains("SUCCESS after 1s") || success.contains("SUCCESS after 9"),
        "{success}"
    );
}
