//! Limits under hostile input: a flood of ids on stdin, oversized and endless bodies, all in
//! bounded memory; core dumps off so a crash leaves no secrets on disk.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command as StdCommand;
use std::time::{Duration, Instant};

use crate::common::{Sim, report};
use crate::test::{Exit, Ran};

/// Generous ceiling for the peak resident memory of one imsjob process facing hostile input.
/// A 100 MiB body buffered whole would blow through it; the 8 MiB body cap stays far below.
const RSS_CEILING_KIB: u64 = 64 * 1024;

/// `VmHWM` (peak resident set) of a live process, in KiB. Linux only: it reads `/proc`.
#[cfg(target_os = "linux")]
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs a command under `/usr/bin/time` when the machine has it: (output, peak RSS in KiB).
fn run_measured(mut cmd: StdCommand, stdin: Option<&Path>, home: &Path) -> (Ran, Option<u64>) {
    let open = |path: &Path| std::fs::File::open(path).expect("open stdin file");
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        if let Some(path) = stdin {
            cmd.stdin(open(path));
        }
        return (Ran::from(cmd.output().expect("runs")), None);
    }
    let report = home.join("time.txt");
    let mut timed = StdCommand::new(time);
    timed.arg("-f").arg("%M").arg("-o").arg(&report);
    timed.arg(cmd.get_program()).args(cmd.get_args());
    for (name, value) in cmd.get_envs() {
        match value {
            Some(value) => timed.env(name, value),
            None => timed.env_remove(name),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    if let Some(path) = stdin {
        timed.stdin(open(path));
    }
    let output = timed.output().expect("runs");
    let peak = std::fs::read_to_string(&report)
        .ok()
        .and_then(|text| text.lines().last()?.trim().parse().ok());
    (Ran::from(output), peak)
}

/// Linux only: the second half reads the live process's peak memory from `/proc` and stops
/// it with SIGTERM.
#[cfg(target_os = "linux")]
#[test]
fn a_hundred_thousand_ids_on_stdin_stay_in_bounded_memory() {
    use std::io::Write;
    use std::process::Stdio;
    let sim = Sim::builtin();
    let mut ids = String::with_capacity(100_000 * 12);
    for i in 0..100_000 {
        let _ = writeln!(ids, "job-{i:06}");
    }
    // The last line is bad: the whole batch is read and checked, nothing is sent, and the
    // error names the line.
    let bad = format!("{ids}bad/one\n");
    let mut cmd = sim.std_cmd();
    cmd.args(["get", "-"]);
    let input = sim.home.path().join("ids.txt");
    std::fs::write(&input, &bad).expect("write ids");
    let (ran, peak) = run_measured(cmd, Some(&input), sim.home.path());
    assert_eq!(ran.code(), Some(Exit::Usage.code()), "{}", ran.stderr);
    assert!(
        ran.stderr
            .starts_with("imsjob: error: stdin line 100001: invalid job id `bad/one`"),
        "{}",
        ran.stderr
    );
    assert!(sim.requests().is_empty());
    if let Some(peak) = peak {
        report(&format!("get - with 100 000 ids: peak RSS {peak} KiB"));
        assert!(peak < RSS_CEILING_KIB, "peak RSS {peak} KiB");
    }

    // Waiting on all of them: one scheduler, flat memory. Stop it once it is polling.
    let mut child = sim
        .std_cmd()
        .args(["wait", "-", "--max-rps", "200", "--interval", "1h"])
        .args(["--max-interval", "1h"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start wait");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(ids.as_bytes()).expect("write ids");
    }
    assert!(
        crate::common::eventually(Duration::from_secs(30), || sim.requests().len() >= 50),
        "the wait started polling"
    );
    let peak = peak_rss_kib(child.id()).expect("VmHWM of a live process");
    report(&format!("wait - with 100 000 ids: peak RSS {peak} KiB"));
    assert!(peak < 2 * RSS_CEILING_KIB, "peak RSS {peak} KiB");
    crate::common::send_signal(child.id(), "TERM");
    let output = child.wait_with_output().expect("ends");
    assert_eq!(Exit::of(output.status), Some(Exit::Terminated));
}

#[test]
fn a_100_mib_body_is_cut_off_at_the_cap_without_buffering() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: huge, faults: [{huge_bytes: 104857600, times: 100}]}]\n",
    );
    let mut cmd = sim.std_cmd();
    cmd.args(["get", "huge"]);
    let started = Instant::now();
    let (ran, peak) = run_measured(cmd, None, sim.home.path());
    let took = started.elapsed();
    assert_eq!(ran.code(), Some(Exit::Unavailable.code()), "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("the API answer exceeded 8388608 bytes and was cut off"),
        "{}",
        ran.stderr
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    // Not retried: the same request would bring the same flood.
    assert_eq!(sim.requests_for("huge").len(), 1);
    if let Some(peak) = peak {
        report(&format!(
            "get of a 100 MiB body: peak RSS {peak} KiB in {took:?}"
        ));
        assert!(peak < RSS_CEILING_KIB, "peak RSS {peak} KiB");
    }
}

/// Linux only: it reads the live process's peak memory from `/proc` and stops it with SIGINT.
#[cfg(target_os = "linux")]
#[test]
fn an_endless_body_is_cut_off_again_and_again_in_flat_memory() {
    use std::process::Stdio;
    let sim = Sim::with(
        "examples: false\njobs: [{id: endless, faults: [{endless: true, times: 1000}]}]\n",
    );
    let child = sim
        .std_cmd()
        .args(["wait", "endless", "--timeout", "2m"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wait");
    // Each new request means the previous endless body was abandoned at the cap.
    assert!(
        crate::common::eventually(Duration::from_secs(30), || sim
            .requests_for("endless")
            .len()
            >= 4),
        "the wait kept retrying"
    );
    let peak = peak_rss_kib(child.id()).expect("VmHWM of a live process");
    report(&format!(
        "wait on an endless body: peak RSS {peak} KiB after 3 cut-off bodies"
    ));
    assert!(peak < RSS_CEILING_KIB, "peak RSS {peak} KiB");
    crate::common::send_signal(child.id(), "INT");
    let ran = Ran::from(child.wait_with_output().expect("ends"));
    assert_eq!(Exit::of(ran.output.status), Some(Exit::Interrupted));
    assert!(
        ran.stderr.contains("exceeded 8388608 bytes"),
        "{}",
        ran.stderr
    );
}

/// A crash must not leave the secrets of the process in a core file: core dumps are off from
/// the first instruction of `main` (the simulator is the same binary, and stays up to look at).
/// Linux only: it reads the limits from `/proc`.
#[cfg(target_os = "linux")]
#[test]
fn core_dumps_are_off() {
    let sim = Sim::builtin();
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", sim.pid())).expect("limits");
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .expect("a core limit line");
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "{core}");
}
