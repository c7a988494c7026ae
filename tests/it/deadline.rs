//! `wait` near its limits: a job ending between its last regular poll and the deadline is
//! seen to end, because every open job is asked once more just before the deadline; and
//! connections dropped after they were made are ridden out within `--timeout`, not taken for
//! an endpoint that was never reached.

use serde_json::json;

use crate::common::Sim;
use crate::test::{Exit, Test};
use crate::wait::times_of;

/// An ECS job (no `process_percent`, so no poll is moved to a predicted end) of `duration`.
fn sim_with_ecs_job(id: &str, duration: &str) -> Sim {
    let scenario = json!({
        "examples": false,
        "jobs": [{"id": id, "type": "createServer", "shape": "ecs", "duration": duration,
                  "queued": "500ms", "outcome": "SUCCESS"}],
    });
    Sim::with(&scenario.to_string())
}

#[test]
fn a_job_ending_after_the_last_regular_poll_is_seen_before_the_deadline() {
    // The cadence polls at 0, ~1 and ~2.5 s (±10 %), then not before ~4.4 s: past the
    // 4-second deadline. The job ends at 3 s, between the two.
    let sim = sim_with_ecs_job("almost-late", "3s");
    Test::on_service(&sim, "ecs")
        .args(["wait", "almost-late"])
        .args(["--interval", "1s", "--max-interval", "10s"])
        .args(["--timeout", "4s", "--events"])
        .stdout_has(r#""outcome":"success""#)
        .stdout_has(r#""exit_code":0"#)
        .run();
    let times = times_of(&sim, "almost-late");
    let last = times.last().expect("polled") - times[0];
    // The last look is at `--timeout` minus a tenth of it: 3.6 s.
    assert!(
        (3000..4000).contains(&last),
        "the last poll, {last} ms after the first, was not just before the deadline: {times:?}"
    );
}

#[test]
fn the_deadline_stays_hard_and_timeout_0_still_looks_once() {
    let sim = sim_with_ecs_job("too-late", "1h");
    Test::on_service(&sim, "ecs")
        .args(["wait", "too-late"])
        .args(["--interval", "1s", "--max-interval", "10s"])
        .args(["--timeout", "2s", "-q"])
        .expect_exit(Exit::Timeout)
        .run();
    let times = times_of(&sim, "too-late");
    let last = times.last().expect("polled") - times[0];
    // The last look at 1.8 s; the run ends at 2 s whatever comes back.
    assert!((1500..2000).contains(&last), "{times:?}");
    let sim = sim_with_ecs_job("once", "1h");
    Test::on_service(&sim, "ecs")
        .args(["wait", "once", "--timeout", "0", "-q"])
        .expect_exit(Exit::Timeout)
        .run();
    assert_eq!(sim.requests_for("once").len(), 1);
}

#[test]
fn dropped_connections_are_ridden_out_not_taken_for_a_wrong_endpoint() {
    // Every connection is accepted, then closed after 3.5 s without an answer, three times
    // over: more than the seconds an endpoint that never answered is given, well within
    // `--timeout`. The server is there, so `wait` keeps polling until the job ends.
    let scenario = json!({
        "examples": false,
        "jobs": [{"id": "flaky", "duration": "0s",
                  "faults": [{"drop": true, "delay": "3500ms", "times": 3}]}],
    });
    let sim = Sim::with(&scenario.to_string());
    Test::on(&sim)
        .args(["wait", "flaky", "--timeout", "60s", "--events"])
        .stdout_has(r#""outcome":"success""#)
        .stdout_has(r#""exit_code":0"#)
        .output_lacks("host name and port")
        .run();
    let statuses: Vec<u64> = sim
        .requests_for("flaky")
        .iter()
        .map(|r| r["status"].as_u64().expect("status"))
        .collect();
    assert_eq!(statuses, [0, 0, 0, 200], "three drops, then the answer");
}

#[test]
fn a_dropped_connection_is_not_blamed_on_the_host_name_or_port() {
    let scenario = json!({
        "examples": false,
        "jobs": [{"id": "cut-off", "duration": "0s", "faults": [{"drop": true, "times": 10}]}],
    });
    let sim = Sim::with(&scenario.to_string());
    Test::on(&sim)
        .args(["get", "cut-off"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("closed it before")
        .output_lacks("host name and port")
        .run();
}
