//! The `--jq` worker process: it sees none of imsjob's environment, and never outlives
//! imsjob, however imsjob ends; a signal during a filter ends the command at once.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, Sim, eventually};
use crate::test::{Exit, Ran, Test};

/// A filter that never ends and allocates nothing.
const ENDLESS: &str = "last(range(infinite))";

/// Child processes of `parent`, from the process table.
fn children(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            // `pid (comm) state ppid ...`; comm may hold spaces, so split after its `)`.
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let rest = stat.rsplit_once(')')?.1.to_owned();
                    rest.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(parent)
        })
        .collect()
}

/// Whether `pid` still runs (a zombie waiting to be reaped does not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

fn signal(pid: u32, name: &str) {
    let status = std::process::Command::new("kill")
        .args([name, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Starts `imsjob ARGS --jq ENDLESS` and waits until its worker runs: (imsjob, worker pid).
fn start_endless(sim: &Sim, args: &[&str]) -> (Child, u32) {
    let mut child = sim
        .std_cmd()
        .args(args)
        .args(["--jq", ENDLESS])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut worker = None;
    let started = eventually(Duration::from_secs(20), || {
        worker = children(child.id()).first().copied();
        worker.is_some()
    });
    if !started {
        let _ = child.kill();
        panic!("no worker process appeared");
    }
    (child, worker.expect("a worker"))
}

#[test]
fn the_worker_does_not_outlive_a_killed_imsjob() {
    let sim = Sim::builtin();
    let (mut child, worker) = start_endless(&sim, &["get", "job-success"]);
    signal(child.id(), "-KILL");
    let _ = child.wait();
    let killed = Instant::now();
    let gone = eventually(Duration::from_secs(1), || !alive(worker));
    if !gone {
        signal(worker, "-KILL");
    }
    assert!(gone, "the worker still ran 1 s after imsjob was killed");
    common::report(&format!(
        "jq worker gone {:?} after imsjob was killed",
        killed.elapsed()
    ));
}

#[test]
fn sigterm_while_the_filter_of_wait_runs_exits_143_at_once() {
    let sim = Sim::builtin();
    let (child, worker) = start_endless(&sim, &["wait", "job-success"]);
    let sent = Instant::now();
    signal(child.id(), "-TERM");
    let ran = Ran::from(child.wait_with_output().expect("ends"));
    let took = sent.elapsed();
    ran.assert_exit(Exit::Terminated);
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(
        eventually(Duration::from_secs(1), || !alive(worker)),
        "the worker outlived imsjob"
    );
    common::report(&format!("wait --jq: exit 143 {took:?} after SIGTERM"));
}

#[test]
fn the_filter_sees_none_of_the_environment() {
    let sim = Sim::builtin();
    Test::on(&sim)
        .env("OS_PASSWORD", "it-password-5ecret")
        .args(["get", "job-success", "--jq", "env.OS_PASSWORD, env.OS_AUTH_TOKEN, ([env | keys[] | select(startswith(\"OS_\"))] | length)"])
        .stdout_is("null\nnull\n0\n")
        .output_lacks("5ecret")
        .output_lacks(sim.token.as_str())
        .run();
}
