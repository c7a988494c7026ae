//! Jobs of every OTC service that answers the jobs API (ECS, EVS, BMS beside IMS): sub-jobs
//! given in full, `PENDING_PAYMENT`, `--service` and `IMSJOB_SERVICE`.

use serde_json::Value;

use crate::common::Sim;
use crate::test::{Exit, Test};

const PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn tree_of_an_ecs_job_shows_its_sub_jobs_without_fetching_them() {
    let sim = Sim::builtin();
    let tree = Test::on_service(&sim, "ecs")
        .args(["tree", "job-ecs", "-o", "json"])
        .run()
        .json();
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
        sim.job_requests(),
        ["job-ecs"],
        "sub-jobs given in full are not fetched again"
    );

    Test::on_service(&sim, "ecs")
        .args(["tree", "job-ecs"])
        .stdout_has("├─ job-ecs-vm-0")
        .stdout_has("└─ job-ecs-vm-1")
        .run();
    Test::on_service(&sim, "ecs")
        .args(["get", "job-ecs"])
        .any_exit()
        .stdout_has("/2 sub-jobs")
        .run();
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
    let ran = Test::on_service(&sim, "ecs")
        .args(["wait", "paid-server", "--events", "--interval", "200ms"])
        .args(["--max-interval", "300ms", "--timeout", "30s"])
        .run();
    let lines: Vec<Value> = ran
        .stdout
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
    // Password authentication without `IMSJOB_ENDPOINT`: the endpoint must come from the
    // token's catalog.
    let password = || {
        Test::home(home.path())
            .env("OS_AUTH_URL", format!("{}/v3", sim.endpoint))
            .env("OS_USERNAME", "svc-user")
            .env("OS_PASSWORD", "svc-password-5ecret")
            .env("OS_USER_DOMAIN_NAME", "OTC-SVC")
            .env("OS_PROJECT_NAME", "eu-de_svc")
    };
    password()
        .args(["get", "job-ecs", "--service", "ecs", "-v"])
        .stderr_has(format!("ECS endpoint `{}", sim.endpoint))
        .stderr_has("(from the IAM catalog)")
        .stderr_lacks("svc-password-5ecret")
        .run();
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
    password()
        .env("IMSJOB_SERVICE", "evs")
        .args(["get", "job-ecs", "-v"])
        .expect_exit(Exit::NotFound)
        .stderr_has("EVS endpoint")
        .run();
    let tokens = sim
        .requests()
        .iter()
        .filter(|r| r["path"] == "/v3/auth/tokens")
        .count();
    assert_eq!(tokens, 1);
    password()
        .env("IMSJOB_SERVICE", "rds")
        .args(["get", "job-ecs"])
        .expect_exit(Exit::Usage)
        .stderr_has("IMSJOB_SERVICE")
        .run();
}

#[test]
fn a_service_beside_an_endpoint_that_is_not_its_own_is_warned_about() {
    let sim = Sim::builtin();
    // The simulator's exports point at its IMS endpoint: `--service ecs` does not move it.
    let ran = Test::on(&sim)
        .args(["get", "job-ecs", "--service", "ecs"])
        .expect_exit(Exit::NotFound)
        .stderr_has("warning: `--service ecs` does not move the endpoint given")
        .stderr_has("does not look like the ECS API")
        .run();
    // The not-found hint offers neither `--region` nor `--service`, which would not help.
    let hint = ran.stderr.split("hint: ").nth(1).unwrap_or_default();
    assert!(hint.contains("the endpoint given"), "{hint}");
    assert!(!hint.contains("`--region`,"), "{hint}");
    Test::on(&sim)
        .env("IMSJOB_SERVICE", "evs")
        .args(["get", "job-ecs"])
        .expect_exit(Exit::NotFound)
        .stderr_has("warning: `IMSJOB_SERVICE=evs` does not move the endpoint given")
        .run();
    // An endpoint that names the service is taken to be its own: no warning.
    Test::on_service(&sim, "ecs")
        .args(["get", "job-ecs", "--service", "ecs"])
        .stderr_lacks("warning")
        .run();
}
