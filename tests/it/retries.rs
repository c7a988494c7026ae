//! Retries and patience: transient answers asked again, `Retry-After` and the gateway's
//! throttling windows honoured (for every job), a locked key never asked again, hanging and
//! dead endpoints bounded, an outage after the first answer waited out.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{Sim, closed_port, eventually, report};
use crate::test::{Exit, Ran, Test};
use crate::wait::times_of;

/// A simulator whose jobs answer with the given faults (`times` in the fault, else once).
fn sim_with_faults(jobs: &[(&str, serde_json::Value)]) -> Sim {
    let jobs: Vec<_> = jobs
        .iter()
        .map(|(id, fault)| json!({"id": id, "duration": "1s", "faults": [fault]}))
        .collect();
    Sim::with(&json!({"examples": false, "jobs": jobs}).to_string())
}

#[test]
fn two_503s_then_success_exits_0() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: bumpy, duration: 0s, faults: [{status: 503, times: 2}]}]\n",
    );
    Test::on(&sim).args(["wait", "bumpy"]).run();
    let statuses: Vec<u64> = sim
        .requests_for("bumpy")
        .iter()
        .map(|r| r["status"].as_u64().expect("status"))
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
}

#[test]
fn retry_after_is_honoured() {
    let throttled = |seconds: &str| {
        Sim::with(&format!(
            "examples: false\njobs: [{{id: throttled, duration: 0s, faults: [{{status: 429, retry_after: '{seconds}'}}]}}]\n"
        ))
    };
    let sim = throttled("2");
    Test::on(&sim).args(["wait", "throttled"]).run();
    let times = times_of(&sim, "throttled");
    assert_eq!(times.len(), 2);
    assert!(
        times[1] - times[0] >= 2000,
        "retried after {} ms",
        times[1] - times[0]
    );
    // `get` honours it too.
    let sim = throttled("1");
    Test::on(&sim).args(["get", "throttled"]).run();
    let times = times_of(&sim, "throttled");
    assert!(times[1] - times[0] >= 1000);
}

#[test]
fn a_429_pauses_every_job_not_just_the_throttled_one() {
    let sim = Sim::with(
        "examples: false\njobs:\n  - {id: throttled, duration: 3s, faults: [{status: 429, retry_after: '2'}]}\n  - {id: bystander, duration: 3s}\n",
    );
    Test::on(&sim)
        .args(["wait", "throttled", "bystander"])
        .args(["--interval", "200ms", "--max-interval", "200ms", "-q"])
        .run();
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

/// The contract: a 429 without `Retry-After` waits at least the window the gateway names.
#[test]
fn wait_honours_the_named_throttling_window() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: t, duration: 0s, faults: [{throttle: 'limit:5, time:2 second'}]}]\n",
    );
    Test::on(&sim)
        .args(["wait", "t", "--interval", "100ms"])
        .run();
    let log = sim.requests_for("t");
    assert_eq!(log.len(), 2, "{log:?}");
    let gap = log[1]["at_ms"].as_u64().unwrap_or(0) - log[0]["at_ms"].as_u64().unwrap_or(0);
    assert!(gap >= 2000, "polled again after {gap} ms");
}

#[test]
fn wait_waits_out_a_five_second_throttling_window() {
    let sim = sim_with_faults(&[("t", json!({"throttle": "limit:5, time:5 second"}))]);
    Test::on(&sim)
        .args(["wait", "t", "--interval", "100ms"])
        .run();
    let log = sim.requests_for("t");
    assert!(log.len() >= 2, "{log:?}");
    let at = |i: usize| log[i]["at_ms"].as_u64().expect("a timestamp");
    assert!(
        at(1) - at(0) >= 5000,
        "polled again after {} ms",
        at(1) - at(0)
    );
}

#[test]
fn check_once_is_one_request_even_when_throttled() {
    let sim = sim_with_faults(&[(
        "t",
        json!({"throttle": "limit:5, time:5 second", "times": 100}),
    )]);
    let started = Instant::now();
    Test::on(&sim)
        .args(["wait", "t", "--timeout", "0"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("throttles")
        .run();
    assert_eq!(sim.requests_for("t").len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn an_absurd_retry_after_neither_panics_nor_stalls() {
    for value in [
        "9223372036854775807",
        "99999999999",
        "184467440737095516150",
    ] {
        let sim = sim_with_faults(&[(
            "r",
            json!({"status": 429, "retry_after": value, "times": 100}),
        )]);
        let started = Instant::now();
        // Never seen and throttled at the deadline: the API's refusal, not a timeout.
        Test::on(&sim)
            .args(["wait", "r", "--timeout", "2s"])
            .expect_exit(Exit::Unavailable)
            .run();
        assert!(started.elapsed() < Duration::from_secs(6), "{value}");
        Test::on(&sim)
            .args(["get", "r"])
            .expect_exit(Exit::Unavailable)
            .run();
    }
}

#[test]
fn a_locked_key_is_never_asked_again() {
    let sim = sim_with_faults(&[("k", json!({"ak_locked": true, "times": 100}))]);
    Test::on(&sim)
        .args(["wait", "k", "--timeout", "30s"])
        .expect_exit(Exit::AuthRefused)
        .stderr_has("AK access failed to reach the limit")
        .run();
    assert_eq!(sim.requests_for("k").len(), 1);
}

#[test]
fn a_hanging_server_is_bounded_by_the_request_timeout() {
    let sim =
        Sim::with("examples: false\njobs: [{id: hangs, faults: [{delay: 30s, times: 100}]}]\n");
    let started = Instant::now();
    Test::on(&sim)
        .args(["get", "hangs", "--request-timeout", "300ms"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("timed out")
        .run();
    // Four tries of 300 ms plus three short backoffs: far from 30 s.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    // In `wait`, the deadline cuts through a hanging request too.
    let started = Instant::now();
    Test::on(&sim)
        .args(["wait", "hangs", "--timeout", "1s"])
        .expect_exit(Exit::Timeout)
        .stderr_has("no answer yet")
        .run();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_dead_endpoint_fails_fast_and_is_named() {
    let port = closed_port();
    for command in [
        &["wait", "job-x"][..],
        &["get", "job-x"],
        &["tree", "job-x"],
    ] {
        let started = Instant::now();
        Test::new()
            .env("IMSJOB_ENDPOINT", format!("http://127.0.0.1:{port}"))
            .env("OS_PROJECT_ID", "0123456789abcdef0123456789abcdef")
            .env("OS_AUTH_TOKEN", "t")
            .args(command)
            .expect_exit(Exit::Unavailable)
            .stderr_has(format!("`127.0.0.1:{port}`"))
            .stderr_has("hint: check the endpoint")
            .run();
        let took = started.elapsed();
        assert!(took <= Duration::from_secs(15), "{command:?} took {took:?}");
    }
}

#[test]
fn an_outage_after_the_first_answer_is_waited_out() {
    const SCENARIO: &str = "examples: false\njobs: [{id: o, duration: 2s}]\n";
    let port = closed_port().to_string();
    let sim = Sim::spawn(Some(SCENARIO), &["--port", &port]);
    let mut wait = sim
        .std_cmd()
        .args(["wait", "o", "--timeout", "3m"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    assert!(
        eventually(Duration::from_secs(10), || !sim
            .requests_for("o")
            .is_empty()),
        "the first poll was answered"
    );
    drop(sim);
    let outage = Instant::now();
    // The outage itself is the condition under test: 20 s, longer than a dead endpoint gets.
    std::thread::sleep(Duration::from_secs(20));
    assert!(
        wait.try_wait().expect("status").is_none(),
        "wait gave up during the outage"
    );
    let back = Sim::spawn(Some(SCENARIO), &["--port", &port]);
    let ran = Ran::from(wait.wait_with_output().expect("ends"));
    assert_eq!(ran.code(), Some(Exit::Success.code()), "{}", ran.stderr);
    assert!(!back.requests_for("o").is_empty());
    report(&format!(
        "outage of 20 s waited out; done {:?} after it began",
        outage.elapsed()
    ));
}
