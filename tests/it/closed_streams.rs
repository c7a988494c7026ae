//! A stderr that is closed or full loses the log, never the command: `-v` output is a
//! courtesy, and writing it must not abort the run.

use std::process::Stdio;

use crate::common::Sim;
use crate::test::{Exit, Ran};

#[test]
fn verbose_log_into_a_closed_pipe_does_not_abort() {
    let sim = Sim::builtin();
    let mut child = sim
        .std_cmd()
        .args(["wait", "job-success", "-vvv"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // The reader goes away before the first line: `2>&1 | head -c1` at its most abrupt.
    drop(child.stderr.take());
    let ran = Ran::from(child.wait_with_output().expect("exits"));
    ran.assert_exit(Exit::Success);
    assert!(ran.stdout.contains("job-success"), "{}", ran.stdout);
}

#[test]
fn verbose_log_onto_a_full_device_does_not_abort() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let sim = Sim::builtin();
    // The builder cannot hand the process a device for stderr.
    let output = sim
        .std_cmd()
        .args(["wait", "job-success", "-vvv"])
        .stderr(Stdio::from(full))
        .output()
        .expect("runs");
    Ran::from(output).assert_exit(Exit::Success);
}

#[test]
fn a_full_device_on_stdout_is_named_in_the_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let sim = Sim::builtin();
    let output = sim
        .std_cmd()
        .args(["get", "job-success"])
        .stdout(Stdio::from(full))
        .output()
        .expect("runs");
    let ran = Ran::from(output);
    ran.assert_exit(Exit::Internal);
    assert!(
        ran.stderr
            .contains("cannot write the result to stdout: No space left on device"),
        "{}",
        ran.stderr
    );
}
