//! Jobs of every OTC service that answers the jobs API (ECS, EVS, BMS beside IMS): sub-jobs
//! given in full, `PENDING_PAYMENT`, `--service`; and the bounds of `tree`.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::common::{self, Sim, stderr_of, stdout_of};

const PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";

/// Job requests (not IAM, not the log) the simulator has seen, by job id.
fn job_requests(sim: &Sim) -> Vec<String> {
    sim.requests()
        .iter()
        .filter_map(|r| r["job_id"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn tree_of_an_ecs_job_shows_its_sub_jobs_without_fetching_them() {
    let sim = Sim::builtin();
    let output = sim
        .cmd_for("ecs")
        .args(["tree", "job-ecs", "-o", "json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let tree: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(tree["job"]["job_id"], "job-ecs");
    let subs: Vec<&str> = tree["sub_jobs"]
        .as_array()
        .expect("sub_jobs")
        .iter()
        .map(|node| node["job"]["job_id"].as_str().expect("a sub-job in full"))
        .collect();
    assert_eq!(subs, ["job-ecs-vm-0", "job-ecs-vm-1"]);
    assert_eq!(tree["sub_jobs"][0]["sub_jobs"], serde_json::json!([]));
    assert!(tree.get("truncated").is_none(), "{tree}");
    assert_eq!(
        job_requests(&sim),
        ["job-ecs"],
        "sub-jobs given in full are not fetched again"
    );

    let text = sim
        .cmd_for("ecs")
        .args(["tree", "job-ecs"])
        .output()
        .expect("runs");
    let text = stdout_of(&text);
    assert!(text.contains("├─ job-ecs-vm-0"), "{text}");
    assert!(text.contains("└─ job-ecs-vm-1"), "{text}");
    let table = sim
        .cmd_for("ecs")
        .args(["get", "job-ecs"])
        .output()
        .expect("runs");
    assert!(
        stdout_of(&table).contains("/2 sub-jobs"),
        "{}",
        stdout_of(&table)
    );
}

#[test]
fn pending_payment_is_waited_through_to_success() {
    let sim = Sim::with(
        "
examples: false
jobs:
  - id: paid-server
    type: createServer
    shape: ecs
    duration: 3s
    queued: 2s
    queued_status: PENDING_PAYMENT
",
    );
    let output = sim
        .cmd_for("ecs")
        .args([
            "wait",
            "paid-server",
            "--events",
            "--interval",
            "200ms",
            "--max-interval",
            "300ms",
            "--timeout",
            "30s",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let lines: Vec<Value> = stdout_of(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("NDJSON"))
        .collect();
    let statuses: Vec<&str> = lines
        .iter()
        .filter(|l| l["event"] == "status")
        .filter_map(|l| l["to"].as_str())
        .collect();
    assert_eq!(statuses.first(), Some(&"PENDING_PAYMENT"), "{lines:?}");
    assert_eq!(statuses.last(), Some(&"SUCCESS"), "{lines:?}");
}

/// Password authentication against the simulator's IAM, without `IMSJOB_ENDPOINT`: the
/// endpoint must come from the token's catalog.
fn password_run(
    sim: &Sim,
    home: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut cmd = common::imsjob(home);
    cmd.env("OS_AUTH_URL", format!("{}/v3", sim.endpoint))
        .env("OS_USERNAME", "svc-user")
        .env("OS_PASSWORD", "svc-password-5ecret")
        .env("OS_USER_DOMAIN_NAME", "OTC-SVC")
        .env("OS_PROJECT_NAME", "eu-de_svc")
        .args(args);
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().expect("runs")
}

#[test]
fn service_ecs_with_password_auth_asks_the_ecs_catalog_entry() {
    let sim = Sim::with(&format!(
        "
project_id: {PROJECT_ID}
examples: false
auth:
  user: svc-user
  password: svc-password-5ecret
  user_domain: OTC-SVC
  project_name: eu-de_svc
jobs:
  - id: job-ecs
    type: createServer
    shape: ecs
    duration: 0s
    sub_jobs:
      - {{id: job-ecs-vm, type: createSingleServer, duration: 0s}}
"
    ));
    let home = tempfile::tempdir().expect("home");
    let output = password_run(
        &sim,
        home.path(),
        &["get", "job-ecs", "--service", "ecs", "-v"],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let log = stderr_of(&output);
    assert!(
        log.contains(&format!("ECS endpoint `{}", sim.endpoint))
            && log.contains("(from the IAM catalog)"),
        "{log}"
    );
    assert!(!log.contains("svc-password-5ecret"));
    let paths: Vec<String> = sim
        .requests()
        .iter()
        .filter_map(|r| r["path"].as_str().map(str::to_owned))
        .collect();
    assert!(
        paths.contains(&format!("/ecs/v1/{PROJECT_ID}/jobs/job-ecs")),
        "{paths:?}"
    );
    // The cached token serves another service without asking IAM again; the variable works
    // like the flag. The EVS endpoint does not know an ECS job, as on the cloud.
    let again = password_run(
        &sim,
        home.path(),
        &["get", "job-ecs", "-v"],
        &[("IMSJOB_SERVICE", "evs")],
    );
    assert_eq!(again.status.code(), Some(4), "{}", stderr_of(&again));
    assert!(
        stderr_of(&again).contains("EVS endpoint"),
        "{}",
        stderr_of(&again)
    );
    let tokens = sim
        .requests()
        .iter()
        .filter(|r| r["path"] == "/v3/auth/tokens")
        .count();
    assert_eq!(tokens, 1);
    let bad = password_run(
        &sim,
        home.path(),
        &["get", "job-ecs"],
        &[("IMSJOB_SERVICE", "rds")],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", stderr_of(&bad));
    assert!(
        stderr_of(&bad).contains("IMSJOB_SERVICE"),
        "{}",
        stderr_of(&bad)
    );
}

#[test]
fn tree_stops_at_the_limit_and_says_so() {
    // A parent naming 60 real sub-jobs and 3000 more ids: only `--max-sub-jobs` are fetched.
    let mut scenario = String::from("examples: false\njobs:\n");
    let mut ids: Vec<String> = (0..60).map(|i| format!("child-{i}")).collect();
    for id in &ids {
        writeln!(scenario, "  - {{id: {id}, duration: 0s}}").expect("write");
    }
    ids.extend((0..3000).map(|i| format!("ghost-{i}")));
    let document = serde_json::json!({
        "job_id": "wide-parent", "job_type": "imsImportOvaImageJob", "status": "RUNNING",
        "entities": {"sub_jobs_list": ids},
    });
    writeln!(scenario, "  - id: wide-parent\n    document: {document}").expect("write");
    let sim = Sim::with(&scenario);
    let output = sim
        .cmd()
        .args(["tree", "wide-parent", "--max-sub-jobs", "50", "-o", "json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let requests = job_requests(&sim);
    assert_eq!(
        requests.len(),
        51,
        "the parent and 50 sub-jobs: {requests:?}"
    );
    assert!(
        requests
            .iter()
            .all(|id| id == "wide-parent" || id.starts_with("child-"))
    );
    let tree: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(tree["sub_jobs"].as_array().map(Vec::len), Some(50));
    assert_eq!(tree["sub_jobs_not_shown"], 3010);
    assert_eq!(tree["truncated"]["max_sub_jobs"], 50);
    assert_eq!(tree["truncated"]["over_limit"], 3010);
    assert!(
        stderr_of(&output).contains("3010 more sub-job(s) not shown: the limit of 50 was reached"),
        "{}",
        stderr_of(&output)
    );
    let text = sim
        .cmd()
        .args(["tree", "wide-parent", "--max-sub-jobs", "2"])
        .output()
        .expect("runs");
    assert!(
        stdout_of(&text).contains("└─ …")
            && stdout_of(&text).contains("3058 more sub-job(s) not shown"),
        "{}",
        stdout_of(&text)
    );
}

#[test]
fn a_hundred_thousand_listed_sub_jobs_cost_a_thousand_requests() {
    let ids: Vec<String> = (0..100_000).map(|i| format!("ghost-{i:06}")).collect();
    let document = serde_json::json!({
        "job_id": "huge-parent", "status": "RUNNING", "entities": {"sub_jobs_list": ids},
    });
    let sim = Sim::with(&format!(
        "examples: false\njobs:\n  - id: huge-parent\n    document: {document}\n"
    ));
    let started = std::time::Instant::now();
    let output = sim
        .cmd()
        .args(["tree", "huge-parent", "-o", "json"])
        .output()
        .expect("runs");
    // The listed ids do not exist: each fetched one is an error node (exit 4, not found).
    assert_eq!(output.status.code(), Some(4), "{}", stderr_of(&output));
    let requests = job_requests(&sim);
    assert_eq!(
        requests.len(),
        1001,
        "the parent and the default limit of 1000"
    );
    let tree: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(tree["truncated"]["over_limit"], 99_000);
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}
