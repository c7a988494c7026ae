//! Configuration files beyond any real one's size or nesting are refused at once, naming the
//! file, before anything is sent.

use std::time::{Duration, Instant};

use crate::common::Sim;
use crate::test::{Exit, Ran, Test};

/// Runs `get` with cloud `otc` selected, with `clouds.yaml` (and `secure.yaml`, if given) in
/// the current directory, where they are looked for first. It must be refused as a usage
/// error naming the file (`names`).
fn refused_with(sim: &Sim, clouds: &str, secure: Option<&str>, names: &str) -> (Ran, Duration) {
    let dir = sim.home.path();
    std::fs::write(dir.join("clouds.yaml"), clouds).expect("write clouds.yaml");
    if let Some(secure) = secure {
        std::fs::write(dir.join("secure.yaml"), secure).expect("write secure.yaml");
    }
    let started = Instant::now();
    let ran = Test::on(sim)
        .env_remove("OS_AUTH_TOKEN")
        .env("OS_CLOUD", "otc")
        .args(["get", "job-success"])
        .expect_exit(Exit::Usage)
        .stderr_has(names)
        .run();
    (ran, started.elapsed())
}

#[test]
fn deeply_nested_brackets_are_refused_at_once() {
    let sim = Sim::builtin();
    let nested = format!(
        "clouds:\n  otc:\n    region_name: {}\n",
        "[".repeat(100_000)
    );
    let (ran, took) = refused_with(&sim, &nested, None, "clouds.yaml");
    let stderr = ran.stderr;
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(stderr.contains("nest"), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.contains("error")).count(),
        1,
        "{stderr}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(sim.requests().is_empty(), "nothing was sent");
}

#[test]
fn a_huge_secure_file_is_refused() {
    let sim = Sim::builtin();
    let clouds = "clouds:\n  otc:\n    auth: {auth_url: 'http://127.0.0.1:9/v3'}\n";
    let secure = format!(
        "clouds:\n  otc:\n    auth:\n      password: hunter2-secret\n# {}\n",
        "x".repeat(2 * 1024 * 1024)
    );
    let (ran, _) = refused_with(&sim, clouds, Some(&secure), "secure.yaml");
    let stderr = ran.stderr;
    assert!(stderr.contains("larger than"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(sim.requests().is_empty(), "nothing was sent");
}
