//! `tree`: sub-jobs fetched by id or given in full, a sub-job that cannot be fetched, and the
//! limit on how many are fetched.

use std::fmt::Write as _;

use serde_json::Value;

use crate::common::Sim;
use crate::test::{Exit, Test};

#[test]
fn tree_fetches_sub_jobs_listed_only_by_id() {
    let sim = Sim::with(
        r"
examples: false
jobs:
  - id: parent
    type: imsImportOvaImageJob
    duration: 0s
    embed_sub_jobs: false
    sub_jobs: [{id: child-one, type: imsImportImageJob, duration: 0s, image_name: disk0}]
",
    );
    Test::on(&sim)
        .args(["tree", "parent"])
        .stdout_has("└─ child-one")
        .stdout_has("disk0")
        .run();
    assert_eq!(sim.requests_for("child-one").len(), 1, "fetched by id");

    let doc = Test::on(&sim)
        .args(["tree", "parent", "--json"])
        .run()
        .json();
    assert_eq!(doc["job"]["job_id"], "parent");
    assert_eq!(doc["sub_jobs"][0]["job"]["job_id"], "child-one");
    assert_eq!(doc["sub_jobs"][0]["sub_jobs"], Value::Array(vec![]));
}

#[test]
fn tree_reports_a_sub_job_that_cannot_be_fetched() {
    let sim = Sim::with(
        r"
examples: false
jobs:
  - id: parent
    duration: 0s
    entities: {sub_jobs_list: [ghost-child]}
",
    );
    let doc = Test::on(&sim)
        .args(["tree", "parent", "--json"])
        .expect_exit(Exit::NotFound)
        .run()
        .json();
    assert_eq!(doc["sub_jobs"][0]["job_id"], "ghost-child");
    assert_eq!(doc["sub_jobs"][0]["error"]["status"], 400);
    assert_eq!(doc["sub_jobs"][0]["error"]["code"], "IMG.0023");
}

#[test]
fn tree_of_the_documented_ova_example() {
    Test::on(&Sim::builtin())
        .args(["tree", "9a175ac892fa13420193006a49173317"])
        .stdout_has("└─ 9a175ac892fa13420193006c29e133f0")
        .stdout_has("fc496c19-40c2-4220-8b1a-eba9d53fca7b (test)")
        .run();
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
    let tree = Test::on(&sim)
        .args(["tree", "wide-parent", "--max-sub-jobs", "50", "-o", "json"])
        .stderr_has("3010 more sub-job(s) not shown: the limit of 50 was reached")
        .run()
        .json();
    let requests = sim.job_requests();
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
    assert_eq!(tree["sub_jobs"].as_array().map(Vec::len), Some(50));
    assert_eq!(tree["sub_jobs_not_shown"], 3010);
    assert_eq!(tree["truncated"]["max_sub_jobs"], 50);
    assert_eq!(tree["truncated"]["over_limit"], 3010);
    Test::on(&sim)
        .args(["tree", "wide-parent", "--max-sub-jobs", "2"])
        .stdout_has("└─ …")
        .stdout_has("3058 more sub-job(s) not shown")
        .run();
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
    // The listed ids do not exist: each fetched one is an error node (exit 4, not found).
    let tree = Test::on(&sim)
        .args(["tree", "huge-parent", "-o", "json"])
        .expect_exit(Exit::NotFound)
        .run()
        .json();
    let requests = sim.job_requests();
    assert_eq!(
        requests.len(),
        1001,
        "the parent and the default limit of 1000"
    );
    assert_eq!(tree["truncated"]["over_limit"], 99_000);
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn a_success_with_failed_sub_jobs_says_so() {
    // The service's word on the parent stands (exit 0), but a failed sub-job is not hidden
    // behind it: RESULT counts the good ones, and `wait` warns.
    let sub = |id: &str, status: &str| {
        serde_json::json!({"job_id": id, "job_type": "imsImportImageJob", "status": status,
            "begin_time": "2024-11-06T07:39:45.814Z", "end_time": "2024-11-06T07:45:45.814Z",
            "error_code": if status == "FAIL" { "IMG.0194" } else { "" }, "entities": {}})
    };
    let scenario = serde_json::json!({"examples": false, "jobs": [{"id": "parent", "document": {
        "job_id": "parent", "job_type": "imsImportOvaImageJob", "status": "SUCCESS",
        "begin_time": "2024-11-06T07:39:45.814Z", "end_time": "2024-11-06T07:49:45.814Z",
        "entities": {"sub_jobs_list": ["child-a", "child-b"],
            "sub_jobs_result": [sub("child-a", "SUCCESS"), sub("child-b", "FAIL")]}}}]});
    let sim = Sim::with(&scenario.to_string());
    Test::on(&sim)
        .args(["wait", "parent"])
        .stdout_has("1/2 sub-jobs ok")
        .stderr_has("warning: job parent ended SUCCESS, but 1 of its 2 sub-jobs failed (child-b): `imsjob tree parent` shows why")
        .run();
    Test::on(&sim)
        .args(["get", "parent"])
        .stdout_has("1/2 sub-jobs ok")
        .run();
}
