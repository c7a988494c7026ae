//! Signals: SIGINT and SIGTERM end a wait at once with 130 and 143, saying the jobs keep
//! running remotely, with the last known states as JSON or as a final event.
//!
//! Unix only (the module is gated in `main.rs`): Windows has neither signal nor `kill`.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Sim, eventually, send_signal};
use crate::test::{Exit, Ran};

fn interrupt_exits_with(signal: &str, exit: Exit) {
    let sim = Sim::with("examples: false\njobs: [{id: forever, duration: 1h}]\n");
    let child = sim
        .std_cmd()
        .args(["wait", "forever"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    assert!(eventually(Duration::from_secs(5), || !sim
        .requests_for("forever")
        .is_empty()));
    let sent = Instant::now();
    send_signal(child.id(), signal);
    let ran = Ran::from(child.wait_with_output().expect("ends"));
    assert!(
        sent.elapsed() < Duration::from_secs(1),
        "took {:?}",
        sent.elapsed()
    );
    assert_eq!(Exit::of(ran.output.status), Some(exit), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("keep running remotely"),
        "{}",
        ran.stderr
    );
}

#[test]
fn sigint_exits_130_at_once() {
    interrupt_exits_with("INT", Exit::Interrupted);
}

#[test]
fn sigterm_exits_143_at_once() {
    interrupt_exits_with("TERM", Exit::Terminated);
}

/// Starts `wait ARGS`, waits until stderr shows every line in `seen`, sends `signal`, and
/// returns the exit code, stdout and stderr.
fn interrupt_once_seen(
    sim: &Sim,
    args: &[&str],
    seen: &[&str],
    signal: &str,
) -> (Option<Exit>, String, String) {
    let mut child = sim
        .std_cmd()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut log = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !seen
        .iter()
        .all(|s| log.iter().any(|l: &String| l.contains(s)))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(left) {
            Ok(line) => log.push(line),
            Err(e) => panic!("never saw {seen:?} ({e}): {log:?}"),
        }
    }
    send_signal(child.id(), signal);
    let ran = Ran::from(child.wait_with_output().expect("ends"));
    log.extend(received.iter());
    (Exit::of(ran.output.status), ran.stdout, log.join("\n"))
}

#[test]
fn sigint_during_wait_json_prints_the_last_known_states() {
    let sim = Sim::with("examples: false\njobs: [{id: slow-one, duration: 1h, queued: 1s}]\n");
    let (exit, stdout, stderr) = interrupt_once_seen(
        &sim,
        &["wait", "slow-one", "ghost", "--json", "--interval", "200ms"],
        &["job slow-one: INIT", "job ghost: not found yet"],
        "INT",
    );
    assert_eq!(exit, Some(Exit::Interrupted), "{stderr}");
    let document: Value = serde_json::from_str(&stdout).expect("a JSON document");
    assert_eq!(document[0]["job_id"], "slow-one");
    assert_eq!(document[0]["status"], "INIT");
    assert_eq!(document[1]["job_id"], "ghost");
    assert_eq!(document[1]["error"]["status"], 400);
    assert!(
        stderr.contains("1 job(s) keep running remotely"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 job id(s) had not been found yet"),
        "{stderr}"
    );

    // SIGTERM with `--events`: the final line, with the exit code and open jobs as `null`.
    let (exit, stdout, _) = interrupt_once_seen(
        &sim,
        &["wait", "slow-one", "--events", "-v"],
        &["GET"],
        "TERM",
    );
    assert_eq!(exit, Some(Exit::Terminated));
    let end: Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("an end line");
    assert_eq!(end["event"], "end");
    assert_eq!(end["exit_code"], 143);
    assert_eq!(end["jobs"][0]["outcome"], Value::Null);
}
