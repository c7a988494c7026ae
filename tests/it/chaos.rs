//! The chaos suite: hundreds of jobs through the simulator while it throws random faults
//! (5xx bursts, 429 with `Retry-After`, HTML 502 pages, dropped connections, answers slower
//! than the request timeout, torn JSON). Every job's reported outcome must equal its true
//! outcome: nothing lost, nothing invented, exit codes in the contract's severity order.
//!
//! Timelines are scaled down (jobs of 0–3 s) so the suite runs in well under a minute. The
//! seed is printed; `IMSJOB_CHAOS_SEED=N cargo test chaos` replays a job mix (the faults'
//! order also depends on request timing, so a replay is close, not exact).

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{Value, json};

use crate::common::Sim;
use crate::test::{Exit, Test};

struct Plan {
    seed: u64,
    scenario: String,
    /// Job id → declared final status.
    outcomes: Vec<(String, &'static str)>,
}

fn seed() -> u64 {
    std::env::var("IMSJOB_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..))
}

/// `count` jobs of 0–`max_ms` ms, about one in six failing, under random faults.
fn plan(prefix: &str, count: usize, max_ms: u64, rate: f64) -> Plan {
    let seed = seed();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut jobs = Vec::new();
    let mut outcomes = Vec::new();
    for i in 0..count {
        let id = format!("{prefix}-{i:04}");
        let outcome = if rng.u8(..6) == 0 { "FAIL" } else { "SUCCESS" };
        let duration_ms = rng.u64(..=max_ms);
        jobs.push(json!({
            "id": id,
            "duration": format!("{duration_ms}ms"),
            "outcome": outcome,
            "image_name": format!("image-{i}"),
            "error_code": "IMG.0194",
            "fail_reason": format!("chaos failure {i}"),
        }));
        outcomes.push((id, outcome));
    }
    let scenario = json!({
        "examples": false,
        "jobs": jobs,
        "random_faults": {
            "rate": rate,
            "seed": seed,
            "kinds": [500, 502, 503, 504, 429, "html", "drop", "slow", "malformed"],
            "retry_after": 1,
            // Longer than the clients' `--request-timeout 1s`.
            "slow": "1500ms",
        },
    });
    Plan {
        seed,
        scenario: scenario.to_string(),
        outcomes,
    }
}

/// The fault kinds the simulator really injected, counted (so a run proves what it survived).
fn faults_seen(sim: &Sim) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for request in sim.requests() {
        if let Some(fault) = request["fault"].as_str() {
            *seen.entry(fault.to_owned()).or_insert(0) += 1;
        }
    }
    seen
}

#[test]
fn wait_reports_every_true_outcome_under_random_faults() {
    let plan = plan("chaos", 300, 3000, 0.3);
    let seed = plan.seed;
    let sim = Sim::with(&plan.scenario);
    let ids: String = plan
        .outcomes
        .iter()
        .flat_map(|(id, _)| [id.as_str(), "\n"])
        .collect();
    let started = Instant::now();
    let ran = Test::on(&sim)
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
            "--request-timeout",
            "1s",
            "--timeout",
            "120s",
        ])
        .stdin(ids)
        .any_exit()
        .run();
    let took = started.elapsed();
    let faults = faults_seen(&sim);
    crate::common::report(&format!(
        "chaos wait (seed {seed}): 300 jobs in {took:?}, {} requests, faults {faults:?}",
        sim.requests().len()
    ));

    let any_fail = plan.outcomes.iter().any(|(_, o)| *o == "FAIL");
    let expected = if any_fail {
        Exit::JobFailed
    } else {
        Exit::Success
    };
    assert_eq!(
        Exit::of(ran.output.status),
        Some(expected),
        "seed {seed}: {}",
        ran.stderr
    );
    let reported = ran.json();
    let reported = reported.as_array().expect("array");
    // Nothing lost, nothing invented: every id once, in input order, with its true status.
    assert_eq!(reported.len(), plan.outcomes.len(), "seed {seed}");
    for ((id, outcome), job) in plan.outcomes.iter().zip(reported) {
        assert_eq!(job["job_id"], json!(id), "seed {seed}: order");
        assert_eq!(job["status"], json!(outcome), "seed {seed}: {id}");
        if *outcome == "FAIL" {
            assert_eq!(job["error_code"], "IMG.0194", "seed {seed}: {id}");
        } else {
            assert!(job["entities"]["image_id"].is_string(), "seed {seed}: {id}");
        }
    }
    // Every FAIL is reported on stderr, once.
    let stderr = &ran.stderr;
    let fails = plan.outcomes.iter().filter(|(_, o)| *o == "FAIL").count();
    assert_eq!(
        stderr.matches(") failed: IMG.0194").count(),
        fails,
        "{stderr}"
    );
    // The run really met each kind of fault.
    for kind in [
        "500", "502", "503", "504", "429", "html", "drop", "delay", "body",
    ] {
        assert!(
            faults.contains_key(kind),
            "seed {seed}: no `{kind}` fault in {faults:?}"
        );
    }
}

#[test]
fn get_never_invents_a_status_under_random_faults() {
    // Jobs that end at once; `get` retries a transient failure 3 times, so a job may honestly
    // end as an error (exit 5) but must never be shown with a status it does not have.
    let plan = plan("snap", 200, 0, 0.4);
    let seed = plan.seed;
    let sim = Sim::with(&plan.scenario);
    let mut ids: Vec<String> = plan.outcomes.iter().map(|(id, _)| id.clone()).collect();
    // A few ids that do not exist: the service's answer for a failed job query, 400
    // `IMG.0023` (exit 4), unless a fault hides it (then 5).
    ids.extend((0..5).map(|i| format!("ghost-{i}")));
    let ran = Test::on(&sim)
        .args(["get", "-", "--json", "--request-timeout", "1s"])
        .stdin(ids.join("\n"))
        .any_exit()
        .run();
    let reported = ran.json();
    let reported = reported.as_array().expect("array");
    assert_eq!(reported.len(), ids.len(), "seed {seed}");
    let truth: HashMap<&str, &str> = plan
        .outcomes
        .iter()
        .map(|(id, o)| (id.as_str(), *o))
        .collect();
    let (mut unavailable, mut not_found) = (0, 0);
    for (id, entry) in ids.iter().zip(reported) {
        assert_eq!(entry["job_id"], json!(id), "seed {seed}: order");
        if let Some(error) = entry.get("error") {
            // Missing as the real service says it, or as a plain 404 would.
            let missing =
                error["status"] == 404 || (error["status"] == 400 && error["code"] == "IMG.0023");
            if missing {
                assert!(!truth.contains_key(id.as_str()), "seed {seed}: {id} lost");
                not_found += 1;
            } else {
                unavailable += 1;
            }
        } else {
            let outcome = truth
                .get(id.as_str())
                .unwrap_or_else(|| panic!("seed {seed}: {id} invented"));
            assert_eq!(entry["status"], json!(outcome), "seed {seed}: {id}");
        }
    }
    let expected = if unavailable > 0 {
        Exit::Unavailable
    } else if not_found > 0 {
        Exit::NotFound
    } else {
        Exit::Success
    };
    crate::common::report(&format!(
        "chaos get (seed {seed}): {unavailable} unavailable, {not_found} not found, faults {:?}",
        faults_seen(&sim)
    ));
    assert_eq!(Exit::of(ran.output.status), Some(expected), "seed {seed}");
}

#[test]
fn password_tokens_expiring_mid_chaos_are_renewed_and_nothing_is_lost() {
    // 120 jobs under 20 % random faults, with a password-derived token; three jobs expire
    // every token at their 2nd, 4th and 6th request (spread over different poll rounds). Each
    // expiry costs exactly one renewal, however many requests were in flight with the old
    // token, and every job still ends with its true outcome.
    let mut plan = plan("expiry", 120, 2000, 0.2);
    let mut scenario: Value = serde_json::from_str(&plan.scenario).expect("scenario");
    scenario["auth"] = json!({
        "user": "chaos-user", "password": "chaos-password", "user_domain": "CHAOS-DOMAIN",
        "project_name": "eu-de_chaos",
    });
    // No random 429s here: each pauses every job for a second, which would leave too few
    // polls to reach the expiring requests (throttling has its own tests).
    scenario["random_faults"]["kinds"] = json!([500, 502, 503, 504, "html", "drop", "malformed"]);
    let jobs = scenario["jobs"].as_array_mut().expect("jobs");
    for (index, before) in [(0, 1), (1, 3), (2, 5)] {
        // Long enough to reach the expiring request: 120 jobs share 100 requests a second,
        // so each is polled about every 1.2 s (more after a fault), and the 6th request must
        // come well before the job ends.
        jobs[index]["duration"] = json!("15s");
        jobs[index]["outcome"] = json!("SUCCESS");
        plan.outcomes[index].1 = "SUCCESS";
        jobs[index]["faults"] = json!([{"times": before}, {"expire_tokens": true}]);
    }
    let sim = Sim::with(&scenario.to_string());
    let ids: String = plan
        .outcomes
        .iter()
        .flat_map(|(id, _)| [id.as_str(), "\n"])
        .collect();
    let ran = Test::on(&sim)
        .env_remove("OS_AUTH_TOKEN")
        .env_remove("OS_PROJECT_ID")
        .env("OS_AUTH_URL", format!("{}/v3", sim.endpoint))
        .env("OS_USERNAME", "chaos-user")
        .env("OS_PASSWORD", "chaos-password")
        .env("OS_USER_DOMAIN_NAME", "CHAOS-DOMAIN")
        .env("OS_PROJECT_NAME", "eu-de_chaos")
        .args([
            "wait",
            "-",
            "--json",
            "--max-rps",
            "100",
            "--interval",
            "200ms",
            "--max-interval",
            "500ms",
            "--request-timeout",
            "1s",
            "--timeout",
            "120s",
        ])
        .stdin(ids)
        .any_exit()
        .run();
    let seed = plan.seed;
    let any_fail = plan.outcomes.iter().any(|(_, o)| *o == "FAIL");
    let expected = if any_fail {
        Exit::JobFailed
    } else {
        Exit::Success
    };
    assert_eq!(
        Exit::of(ran.output.status),
        Some(expected),
        "seed {seed}: {}",
        ran.stderr
    );
    let reported = ran.json();
    let reported = reported.as_array().expect("array");
    assert_eq!(reported.len(), plan.outcomes.len());
    for ((id, outcome), job) in plan.outcomes.iter().zip(reported) {
        assert_eq!(job["job_id"], json!(id), "seed {seed}");
        assert_eq!(job["status"], json!(outcome), "seed {seed}: {id}");
    }
    let requests = sim.requests();
    let iam = requests
        .iter()
        .filter(|r| r["path"] == "/v3/auth/tokens")
        .count();
    let expiries = requests
        .iter()
        .filter(|r| r["fault"] == "expire_tokens")
        .count();
    let refused = requests.iter().filter(|r| r["status"] == 401).count();
    assert_eq!(expiries, 3, "seed {seed}");
    assert_eq!(
        iam,
        1 + expiries,
        "one token, then one renewal per expiry (seed {seed})"
    );
    assert!(refused >= expiries, "each expiry was noticed through a 401");
}
