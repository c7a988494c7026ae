//! Hostile input: ids, stdin floods, oversized and endless bodies, escape sequences
//! (imsjob must not be fooled).

use std::io::Write;
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{Sim, eventually, stderr_of, stdout_of};

/// Generous ceiling for the peak resident memory of one imsjob process facing hostile input.
/// A 100 MiB body buffered whole would blow through it; the 8 MiB body cap stays far below.
const RSS_CEILING_KIB: u64 = 64 * 1024;

/// `VmHWM` (peak resident set) of a live process, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs a command under `/usr/bin/time` when the machine has it: (output, peak RSS in KiB).
fn run_measured(
    mut cmd: StdCommand,
    stdin: Option<&Path>,
    home: &Path,
) -> (std::process::Output, Option<u64>) {
    let open = |path: &Path| std::fs::File::open(path).expect("open stdin file");
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        if let Some(path) = stdin {
            cmd.stdin(open(path));
        }
        return (cmd.output().expect("runs"), None);
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
    (output, peak)
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
        let output = sim
            .cmd()
            .args(["wait", "-"])
            .write_stdin(format!("good-1\n# comment\n{bad}\ngood-2\n"))
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        let stderr = stderr_of(&output);
        assert!(
            stderr.starts_with(&format!("imsjob: error: stdin line 3: {why}")),
            "{bad:?}: {stderr}"
        );
        assert!(stderr.len() < 300, "kept short: {stderr}");
        assert!(!stderr.contains('\u{1b}'), "escape echoed: {stderr:?}");
    }
    assert!(sim.requests().is_empty(), "a request was sent");
}

#[test]
fn a_hundred_thousand_ids_on_stdin_stay_in_bounded_memory() {
    let sim = Sim::builtin();
    let mut ids = String::with_capacity(100_000 * 12);
    for i in 0..100_000 {
        ids.push_str(&format!("job-{i:06}\n"));
    }
    // The last line is bad: the whole batch is read and checked, nothing is sent, and the
    // error names the line.
    let bad = format!("{ids}bad/one\n");
    let mut cmd = sim.std_cmd();
    cmd.args(["get", "-"]);
    let input = sim.home.path().join("ids.txt");
    std::fs::write(&input, &bad).expect("write ids");
    let (output, peak) = run_measured(cmd, Some(&input), sim.home.path());
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output)
            .starts_with("imsjob: error: stdin line 100001: invalid job id `bad/one`"),
        "{}",
        stderr_of(&output)
    );
    assert!(sim.requests().is_empty());
    if let Some(peak) = peak {
        crate::common::report(&format!("get - with 100 000 ids: peak RSS {peak} KiB"));
        assert!(peak < RSS_CEILING_KIB, "peak RSS {peak} KiB");
    }

    // Waiting on all of them: one scheduler, flat memory. Stop it once it is polling.
    let mut child = sim
        .std_cmd()
        .args([
            "wait",
            "-",
            "--max-rps",
            "200",
            "--interval",
            "1h",
            "--max-interval",
            "1h",
        ])
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
        eventually(Duration::from_secs(30), || sim.requests().len() >= 50),
        "the wait started polling"
    );
    let peak = peak_rss_kib(child.id()).expect("VmHWM of a live process");
    crate::common::report(&format!("wait - with 100 000 ids: peak RSS {peak} KiB"));
    assert!(peak < 2 * RSS_CEILING_KIB, "peak RSS {peak} KiB");
    let status = StdCommand::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let output = child.wait_with_output().expect("ends");
    assert_eq!(output.status.code(), Some(143));
}

#[test]
fn a_100_mib_body_is_cut_off_at_the_cap_without_buffering() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: huge, faults: [{huge_bytes: 104857600, times: 100}]}]\n",
    );
    let mut cmd = sim.std_cmd();
    cmd.args(["get", "huge"]);
    let started = Instant::now();
    let (output, peak) = run_measured(cmd, None, sim.home.path());
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(5), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("the API answer exceeded 8388608 bytes and was cut off"),
        "{}",
        stderr_of(&output)
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    // Not retried: the same request would bring the same flood.
    assert_eq!(sim.requests_for("huge").len(), 1);
    if let Some(peak) = peak {
        crate::common::report(&format!(
            "get of a 100 MiB body: peak RSS {peak} KiB in {took:?}"
        ));
        assert!(peak < RSS_CEILING_KIB, "peak RSS {peak} KiB");
    }
}

#[test]
fn an_endless_body_is_cut_off_again_and_again_in_flat_memory() {
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
        eventually(Duration::from_secs(30), || sim
            .requests_for("endless")
            .len()
            >= 4),
        "the wait kept retrying"
    );
    let peak = peak_rss_kib(child.id()).expect("VmHWM of a live process");
    crate::common::report(&format!(
        "wait on an endless body: peak RSS {peak} KiB after 3 cut-off bodies"
    ));
    assert!(peak < RSS_CEILING_KIB, "peak RSS {peak} KiB");
    StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    let output = child.wait_with_output().expect("ends");
    assert_eq!(output.status.code(), Some(130));
    assert!(stderr_of(&output).contains("exceeded 8388608 bytes"));
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
    let hazards = ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'];
    let check = |what: &str, output: &std::process::Output| {
        for text in [stdout_of(output), stderr_of(output)] {
            assert!(
                !text.contains(&hazards[..]),
                "{what}: a control character got through: {text:?}"
            );
        }
    };
    let get = sim
        .cmd()
        .args(["get", "evil-fail", "evil-running", "evil-error"])
        .output()
        .expect("runs");
    assert_eq!(get.status.code(), Some(5), "{}", stderr_of(&get));
    assert!(
        stdout_of(&get).contains("\\x1b]0;pwned"),
        "{}",
        stdout_of(&get)
    );
    assert!(
        stderr_of(&get).contains("bad \\x1b]0;pwned"),
        "{}",
        stderr_of(&get)
    );
    check("get", &get);

    let wait = sim
        .cmd()
        .args(["wait", "evil-fail"])
        .output()
        .expect("runs");
    assert_eq!(wait.status.code(), Some(1));
    assert!(
        stderr_of(&wait).contains("disk \\x1b]0;pwned"),
        "{}",
        stderr_of(&wait)
    );
    check("wait", &wait);

    let running = sim
        .cmd()
        .args([
            "wait",
            "evil-running",
            "--timeout",
            "1s",
            "--interval",
            "200ms",
        ])
        .output()
        .expect("runs");
    assert_eq!(running.status.code(), Some(124));
    check("wait (progress)", &running);

    let tree = sim
        .cmd()
        .args(["tree", "evil-fail"])
        .output()
        .expect("runs");
    assert_eq!(tree.status.code(), Some(0), "{}", stderr_of(&tree));
    assert!(stdout_of(&tree).contains("evil-sub"));
    check("tree", &tree);

    // JSON output escapes control characters itself.
    let json_out = sim
        .cmd()
        .args(["get", "evil-fail", "--json"])
        .output()
        .expect("runs");
    assert!(!stdout_of(&json_out).contains('\u{1b}'));
    assert!(stdout_of(&json_out).contains("\\u001b"));
}

/// A crash must not leave the secrets of the process in a core file: core dumps are off from
/// the first instruction of `main` (the simulator is the same binary, and stays up to look at).
#[cfg(target_os = "linux")]
#[test]
fn core_dumps_are_off() {
    let sim = crate::common::Sim::builtin();
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", sim.pid())).expect("limits");
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .expect("a core limit line");
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "{core}");
}
