//! Throttling in one-shot commands: `get` and `tree` take a short throttling window (announced
//! on stderr) and refuse to stall on a long one: exit 5 at once, saying when to try again.
//! (`wait` honouring windows of any length is tested with paused time in `commands::wait`.)

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::Sim;
use crate::test::{Exit, Test};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/error-bodies")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A simulator whose jobs first answer with `fault`.
fn sim(jobs: &[&str], fault: &serde_json::Value) -> Sim {
    let jobs: Vec<_> = jobs
        .iter()
        .map(|id| json!({"id": id, "duration": "0s", "faults": [fault]}))
        .collect();
    Sim::with(&json!({"examples": false, "jobs": jobs}).to_string())
}

#[test]
fn get_does_not_stall_on_a_one_minute_throttling_window() {
    let minute =
        json!({"status": 429, "body": fixture("gateway-throttled-minute.json"), "times": 100});
    let ids = ["a", "b", "c"];
    let sim = sim(&ids, &minute);
    let started = Instant::now();
    let ran = Test::on(&sim)
        .arg("get")
        .args(ids)
        .expect_exit(Exit::Unavailable)
        .stderr_has("asks to wait 1m00s")
        .stderr_has("try again after")
        .stderr_has("2 job(s) not attempted")
        // The hint names the window as the warning does.
        .stderr_has("window it names (1m00s)")
        .run();
    let elapsed = started.elapsed();
    crate::common::report(&format!(
        "get of 3 ids on the one-minute throttle body: exit {:?} after {elapsed:?}",
        ran.code()
    ));
    assert!(elapsed < Duration::from_secs(35), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(5),
        "ends at once: {elapsed:?}"
    );
    let sent: usize = ids.iter().map(|id| sim.requests_for(id).len()).sum();
    assert_eq!(sent, 1, "one request, then no more: {}", ran.stderr);
    // `tree` likewise.
    let started = Instant::now();
    Test::on(&sim)
        .args(["tree", "a"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("try again after")
        // `wait` draws no tree, so it is not offered instead.
        .stderr_lacks("imsjob wait")
        .run();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn get_waits_out_a_five_second_window_and_says_so() {
    let five = json!({"status": 429, "body": fixture("gateway-throttled.json")});
    let sim = sim(&["t"], &five);
    let started = Instant::now();
    Test::on(&sim)
        .args(["get", "t"])
        .stderr_has("job t: HTTP 429 APIG.0308")
        .stderr_has("retrying in 5s")
        .run();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(5) && elapsed < Duration::from_secs(15),
        "{elapsed:?}"
    );
    assert_eq!(sim.requests_for("t").len(), 2);
    // `-q` silences the notice, not the pause.
    let sim = self::sim(&["t"], &five);
    Test::on(&sim).args(["get", "t", "-q"]).stderr_is("").run();
}
