//! `imsjob demo`: offline, in under 20 seconds, teaching the contract (exit codes 0, 1 and
//! 124, `--jq`, a tree, a failure named by its code).

use std::time::{Duration, Instant};

use crate::common::report;
use crate::test::Test;

#[test]
fn demo_runs_offline_and_ends_well() {
    let started = Instant::now();
    Test::new()
        .arg("demo")
        .stdout_has("demo-ova-import")
        .stdout_has("├─ demo-ova-disk-0")
        .stdout_has("imsjob wait")
        // Progress is shown.
        .stderr_has("RUNNING")
        .run();
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn the_demo_teaches_the_contract_in_under_20_seconds() {
    let started = Instant::now();
    let mut demo = Test::new().arg("demo");
    for needle in [
        "-> exit 0",
        "-> exit 1",
        "-> exit 124",
        "$ imsjob get demo-ova-import",
        "\"error_code\": \"IMG.0194\"",
        "--jq",
        "├─ demo-ova-disk-0",
    ] {
        demo = demo.stdout_has(needle);
    }
    demo.stderr_has("failed: IMG.0194")
        .stderr_has("timed out after 2s")
        .run();
    let took = started.elapsed();
    report(&format!("imsjob demo: {took:?}"));
    assert!(took < Duration::from_secs(20), "took {took:?}");
}
