//! `wait`: the exit code is the outcome (the most severe over several jobs), few polls, the
//! not-found grace, `--fail-fast`, duplicates, the request budget, many jobs through faults.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::common::Sim;
use crate::test::{Exit, Test};

/// Times (ms since the simulator started) of the requests for one job.
pub(crate) fn times_of(sim: &Sim, job: &str) -> Vec<u64> {
    sim.requests_for(job)
        .iter()
        .map(|r| r["at_ms"].as_u64().expect("at_ms"))
        .collect()
}

#[test]
fn wait_success_exits_0_with_few_polls() {
    let sim =
        Sim::with("examples: false\njobs: [{id: four-seconds, duration: 4s, image_name: img}]\n");
    let doc = Test::on(&sim)
        .args(["wait", "four-seconds", "--json"])
        .run()
        .json();
    assert_eq!(doc["status"], "SUCCESS");
    assert_eq!(doc["entities"]["image_name"], "img");
    // 0 s, ~2 s, ~5 s: a 4-second job costs three or four polls, not one a second.
    let polls = sim.requests_for("four-seconds").len();
    assert!((2..=4).contains(&polls), "{polls} polls");
}

#[test]
fn wait_fail_exits_1_with_the_reason_on_stderr() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: doomed, duration: 1s, outcome: FAIL, error_code: IMG.0194, fail_reason: too many imports at once}]\n",
    );
    Test::on(&sim)
        .args(["wait", "doomed", "--interval", "500ms"])
        .expect_exit(Exit::JobFailed)
        .stderr_has("doomed")
        .stderr_has("IMG.0194: too many imports at once")
        .stdout_has("FAIL")
        .run();
}

#[test]
fn wait_timeout_exits_124_and_says_the_job_may_finish() {
    let sim = Sim::with("examples: false\njobs: [{id: slowpoke, duration: 1h}]\n");
    let doc = Test::on(&sim)
        .args(["wait", "slowpoke", "--timeout", "1s", "--json"])
        .expect_exit(Exit::Timeout)
        .stderr_has("may still finish")
        .run()
        .json();
    assert_eq!(doc["job_id"], "slowpoke", "the final state as JSON");
}

#[test]
fn wait_several_jobs_takes_the_most_severe_code() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: good, duration: 0s}, {id: bad, duration: 0s, outcome: FAIL}]\n",
    );
    Test::on(&sim)
        .args(["wait", "good", "bad"])
        .expect_exit(Exit::JobFailed)
        .run();
    // Not found (4) outranks FAIL (1).
    Test::on(&sim)
        .args(["wait", "good", "bad", "missing", "--timeout", "0"])
        .expect_exit(Exit::NotFound)
        .run();
}

#[test]
fn not_found_is_pending_for_the_grace_then_4() {
    let sim = Sim::with("examples: false\njobs: [{id: late, duration: 0s, missing_for: 1s}]\n");
    // A job that appears within the grace is waited for normally.
    Test::on(&sim)
        .args(["wait", "late", "--interval", "300ms"])
        .run();
    assert!(sim.requests_for("late").iter().any(|r| r["status"] == 400));
    // One that never appears ends with 4 after the grace.
    let started = Instant::now();
    Test::on(&sim)
        .args(["wait", "never", "--not-found-grace", "1s"])
        .args(["--interval", "300ms"])
        .expect_exit(Exit::NotFound)
        .stderr_has("IMG.0023")
        .run();
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[test]
fn not_found_is_said_once_with_the_grace_left() {
    let sim = Sim::with("examples: false\njobs: []\n");
    let ran = Test::on(&sim)
        .args([
            "wait",
            "ghost",
            "--not-found-grace",
            "2s",
            "--interval",
            "200ms",
        ])
        .expect_exit(Exit::NotFound)
        .stderr_has("for up to 2s more")
        .run();
    assert_eq!(
        ran.stderr.matches("not found yet").count(),
        1,
        "{}",
        ran.stderr
    );
    assert!(sim.requests_for("ghost").len() >= 5, "it kept looking");
}

#[test]
fn fail_fast_stops_at_the_first_failure() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: quick-fail, duration: 0s, outcome: FAIL}, {id: long-run, duration: 1h}]\n",
    );
    let started = Instant::now();
    Test::on(&sim)
        .args(["wait", "quick-fail", "long-run", "--fail-fast"])
        .expect_exit(Exit::JobFailed)
        .run();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_job_named_twice_is_polled_once() {
    let sim =
        Sim::with("examples: false\njobs: [{id: twice, duration: 0s}, {id: once, duration: 0s}]\n");
    let doc = Test::on(&sim)
        .args(["wait", "twice", "once", "twice", "--json"])
        .stderr_has("1 duplicate job id(s) ignored")
        .run()
        .json();
    assert_eq!(doc.as_array().map(Vec::len), Some(2));
    assert_eq!(sim.requests_for("twice").len(), 1);
}

#[test]
fn steady_progress_lets_the_end_be_noticed_promptly_without_more_polls() {
    // 8 s job; the cadence alone (0.5 s growing ×1.5 to 5 s) would look at ~6.6 s and then
    // at ~10.4 s. Its process_percent grows steadily, so imsjob looks right after 8 s.
    let sim = Sim::with("examples: false\njobs: [{id: steady, duration: 8s, queued: 500ms}]\n");
    Test::on(&sim)
        .args([
            "wait",
            "steady",
            "--interval",
            "500ms",
            "--max-interval",
            "5s",
            "-q",
        ])
        .run();
    let times = times_of(&sim, "steady");
    let lag = times.last().expect("polled") - times[0];
    assert!(
        lag < 9200,
        "the end (at 8 s) was noticed at {lag} ms: {times:?}"
    );
    assert!(times.len() <= 8, "{} polls: {times:?}", times.len());
}

/// `jobs` YAML entries with ids `{prefix}-{i}`.
fn many_jobs(prefix: &str, count: usize, make: impl Fn(usize) -> String) -> (String, Vec<String>) {
    let ids: Vec<String> = (0..count).map(|i| format!("{prefix}-{i}")).collect();
    let mut yaml = String::from("examples: false\njobs:\n");
    for (i, id) in ids.iter().enumerate() {
        let _ = writeln!(yaml, "  - {{id: {id}, {}}}", make(i));
    }
    (yaml, ids)
}

#[test]
fn the_request_budget_holds_in_every_second() {
    let (yaml, ids) = many_jobs("rps", 200, |i| {
        format!("duration: {}ms", 500 + (i % 10) * 200)
    });
    let sim = Sim::with(&yaml);
    Test::on(&sim)
        .args(["wait", "-", "--max-rps", "50", "--interval", "500ms", "-q"])
        .stdin(ids.join("\n"))
        .run();
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
    let doc = Test::on(&sim)
        .args([
            "wait",
            "-",
            "--json",
            "--max-rps",
            "200",
            "--interval",
            "200ms",
        ])
        .args(["--max-interval", "1s", "-q"])
        .stdin(ids.join("\n"))
        .expect_exit(Exit::JobFailed)
        .run()
        .json();
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
