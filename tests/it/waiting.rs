//! `wait` in the real world: retries, rate limits, many jobs, signals, events.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Sim, eventually, stderr_of, stdout_of};

/// Times (ms since the simulator started) of the requests for one job.
fn times_of(sim: &Sim, job: &str) -> Vec<u64> {
    sim.requests_for(job)
        .iter()
        .map(|r| r["at_ms"].as_u64().expect("at_ms"))
        .collect()
}

#[test]
fn two_503s_then_success_exits_0() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: bumpy, duration: 0s, faults: [{status: 503, times: 2}]}]\n",
    );
    let output = sim.cmd().args(["wait", "bumpy"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let statuses: Vec<u64> = sim
        .requests_for("bumpy")
        .iter()
        .map(|r| r["status"].as_u64().expect("status"))
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
}

#[test]
fn retry_after_is_honoured() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: throttled, duration: 0s, faults: [{status: 429, retry_after: '2'}]}]\n",
    );
    let output = sim
        .cmd()
        .args(["wait", "throttled"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let times = times_of(&sim, "throttled");
    assert_eq!(times.len(), 2);
    assert!(
        times[1] - times[0] >= 2000,
        "retried after {} ms",
        times[1] - times[0]
    );
    // `get` honours it too.
    let sim = Sim::with(
        "examples: false\njobs: [{id: throttled, duration: 0s, faults: [{status: 429, retry_after: '1'}]}]\n",
    );
    sim.cmd().args(["get", "throttled"]).assert().code(0);
    let times = times_of(&sim, "throttled");
    assert!(times[1] - times[0] >= 1000);
}

#[test]
fn a_hanging_server_is_bounded_by_the_request_timeout() {
    let sim =
        Sim::with("examples: false\njobs: [{id: hangs, faults: [{delay: 30s, times: 100}]}]\n");
    let started = Instant::now();
    let output = sim
        .cmd()
        .args(["get", "hangs", "--request-timeout", "300ms"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(5));
    assert!(
        stderr_of(&output).contains("timed out"),
        "{}",
        stderr_of(&output)
    );
    // Four tries of 300 ms plus three short backoffs: far from 30 s.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    // In `wait`, the deadline cuts through a hanging request too.
    let started = Instant::now();
    let output = sim
        .cmd()
        .args(["wait", "hangs", "--timeout", "1s"])
        .output()
        .expect("runs");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(output.status.code(), Some(124));
    assert!(
        stderr_of(&output).contains("no answer yet"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn not_found_is_pending_for_the_grace_then_4() {
    let sim = Sim::with("examples: false\njobs: [{id: late, duration: 0s, missing_for: 1s}]\n");
    // A job that appears within the grace is waited for normally.
    let output = sim
        .cmd()
        .args(["wait", "late", "--interval", "300ms"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(sim.requests_for("late").iter().any(|r| r["status"] == 400));
    // One that never appears ends with 4 after the grace.
    let started = Instant::now();
    let output = sim
        .cmd()
        .args([
            "wait",
            "never",
            "--not-found-grace",
            "1s",
            "--interval",
            "300ms",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(4));
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(stderr_of(&output).contains("IMG.0023"));
}

fn interrupt_exits_with(signal: &str, code: i32) {
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
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let output = child.wait_with_output().expect("ends");
    assert!(
        sent.elapsed() < Duration::from_secs(1),
        "took {:?}",
        sent.elapsed()
    );
    assert_eq!(output.status.code(), Some(code));
    assert!(
        stderr_of(&output).contains("keep running remotely"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn sigint_exits_130_at_once() {
    interrupt_exits_with("INT", 130);
}

#[test]
fn sigterm_exits_143_at_once() {
    interrupt_exits_with("TERM", 143);
}

/// `jobs` YAML entries with ids `{prefix}-{i}`.
fn many_jobs(prefix: &str, count: usize, make: impl Fn(usize) -> String) -> (String, Vec<String>) {
    let ids: Vec<String> = (0..count).map(|i| format!("{prefix}-{i}")).collect();
    let mut yaml = String::from("examples: false\njobs:\n");
    for (i, id) in ids.iter().enumerate() {
        yaml.push_str(&format!("  - {{id: {id}, {}}}\n", make(i)));
    }
    (yaml, ids)
}

#[test]
fn the_request_budget_holds_in_every_second() {
    let (yaml, ids) = many_jobs("rps", 200, |i| {
        format!("duration: {}ms", 500 + (i % 10) * 200)
    });
    let sim = Sim::with(&yaml);
    let output = sim
        .cmd()
        .args(["wait", "-", "--max-rps", "50", "--interval", "500ms", "-q"])
        .write_stdin(ids.join("\n"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let times: Vec<u64> = sim
        .requests()
        .iter()
        .map(|r| r["at_ms"].as_u64().expect("at_ms"))
        .collect();
    assert!(times.len() >= 400, "every job needs at least two polls");
    for (i, start) in times.iter().enumerate() {
        let in_window = times[i..].iter().take_while(|t| **t < start + 1000).count();
        assert!(
            in_window <= 50,
            "{in_window} requests in the second after {start} ms"
        );
    }
}

#[test]
fn many_jobs_through_faults_keep_their_true_outcomes() {
    let (yaml, ids) = many_jobs("chaos", 100, |i| {
        let outcome = if i % 7 == 0 { "FAIL" } else { "SUCCESS" };
        format!("duration: {}ms, outcome: {outcome}", (i % 5) * 300)
    });
    let yaml = yaml.replace(
        "examples: false\n",
        "examples: false\nrandom_faults: {rate: 0.3, seed: 42, kinds: [503, 429, 500, 502, 504, html, drop, malformed], retry_after: 1}\n",
    );
    let sim = Sim::with(&yaml);
    let output = sim
        .cmd()
        .args([
            "wait",
            "-",
            "--json",
            "--max-rps",
            "200",
            "--interval",
            "200ms",
            "--max-interval",
            "1s",
            "-q",
        ])
        .write_stdin(ids.join("\n"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    let doc: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let jobs = doc.as_array().expect("array");
    assert_eq!(jobs.len(), ids.len(), "nothing lost, nothing invented");
    for (i, (job, id)) in jobs.iter().zip(&ids).enumerate() {
        assert_eq!(job["job_id"], id.as_str());
        let truth = if i % 7 == 0 { "FAIL" } else { "SUCCESS" };
        assert_eq!(job["status"], truth, "{id}");
    }
    let faulted = sim
        .requests()
        .iter()
        .filter(|r| !r["fault"].is_null())
        .count();
    assert!(faulted > 20, "the faults really happened ({faulted})");
}

#[test]
fn fail_fast_stops_at_the_first_failure() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: quick-fail, duration: 0s, outcome: FAIL}, {id: long-run, duration: 1h}]\n",
    );
    let started = Instant::now();
    let output = sim
        .cmd()
        .args(["wait", "quick-fail", "long-run", "--fail-fast"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn events_are_ndjson_on_stdout() {
    let sim = Sim::with("examples: false\njobs: [{id: evented, duration: 1s, queued: 300ms}]\n");
    let output = sim
        .cmd()
        .args(["wait", "evented", "--events", "--interval", "200ms"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let lines: Vec<Value> = stdout_of(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines[0]["event"], "start");
    assert_eq!(lines[0]["schema"], 1);
    let changes: Vec<(&Value, &Value)> = lines
        .iter()
        .filter(|l| l["event"] == "status")
        .map(|l| (&l["from"], &l["to"]))
        .collect();
    assert_eq!(changes.first().map(|c| c.0), Some(&Value::Null));
    assert_eq!(changes.last().map(|c| c.1.as_str()), Some(Some("SUCCESS")));
    let last = lines.last().expect("final line");
    assert_eq!(last["event"], "end");
    assert_eq!(last["exit_code"], 0);
    assert_eq!(last["jobs"][0]["outcome"], "success");
}

#[test]
fn progress_off_a_terminal_is_one_line_per_change() {
    let sim = Sim::with("examples: false\njobs: [{id: lines, duration: 2s, queued: 500ms}]\n");
    let output = sim
        .cmd()
        .args([
            "wait",
            "lines",
            "--interval",
            "100ms",
            "--max-interval",
            "100ms",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let stderr = stderr_of(&output);
    // About 20 polls, but only the changes are written: INIT, RUNNING, SUCCESS.
    assert_eq!(stderr.lines().count(), 3, "{stderr}");
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "no redraws into a log"
    );
    // -q silences it.
    let output = sim
        .cmd()
        .args(["wait", "lines", "-q"])
        .output()
        .expect("runs");
    assert!(stderr_of(&output).is_empty());
}

#[test]
fn a_429_pauses_every_job_not_just_the_throttled_one() {
    let sim = Sim::with(
        "examples: false\njobs:\n  - {id: throttled, duration: 3s, faults: [{status: 429, retry_after: '2'}]}\n  - {id: bystander, duration: 3s}\n",
    );
    let output = sim
        .cmd()
        .args([
            "wait",
            "throttled",
            "bystander",
            "--interval",
            "200ms",
            "--max-interval",
            "200ms",
            "-q",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let throttled_at = sim
        .requests_for("throttled")
        .iter()
        .find(|r| r["status"] == 429)
        .and_then(|r| r["at_ms"].as_u64())
        .expect("the 429 happened");
    let too_soon: Vec<u64> = times_of(&sim, "bystander")
        .into_iter()
        .filter(|t| *t > throttled_at && *t < throttled_at + 2000)
        .collect();
    assert!(
        too_soon.is_empty(),
        "requests during the pause at {too_soon:?} (429 at {throttled_at})"
    );
}

#[test]
fn a_job_named_twice_is_polled_once() {
    let sim =
        Sim::with("examples: false\njobs: [{id: twice, duration: 0s}, {id: once, duration: 0s}]\n");
    let output = sim
        .cmd()
        .args(["wait", "twice", "once", "twice", "--json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr_of(&output).contains("1 duplicate job id(s) ignored"));
    let doc: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(doc.as_array().map(Vec::len), Some(2));
    assert_eq!(sim.requests_for("twice").len(), 1);
}

#[test]
fn steady_progress_lets_the_end_be_noticed_promptly_without_more_polls() {
    // 8 s job; the cadence alone (0.5 s growing ×1.5 to 5 s) would look at ~6.6 s and then
    // at ~10.4 s. Its process_percent grows steadily, so imsjob looks right after 8 s.
    let sim = Sim::with("examples: false\njobs: [{id: steady, duration: 8s, queued: 500ms}]\n");
    let output = sim
        .cmd()
        .args([
            "wait",
            "steady",
            "--interval",
            "500ms",
            "--max-interval",
            "5s",
            "-q",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let times = times_of(&sim, "steady");
    let lag = times.last().expect("polled") - times[0];
    assert!(
        lag < 9200,
        "the end (at 8 s) was noticed at {lag} ms: {times:?}"
    );
    assert!(times.len() <= 8, "{} polls: {times:?}", times.len());
}
