//! Every job body the services publish (tests/fixtures/published, see its SOURCES.md), served
//! by the simulator on its own service's endpoint and read by `get`, `get -o json`, `tree`
//! and `wait --timeout 0`: exit codes, the JSON as published, and what a user must see.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::Sim;
use crate::test::{Exit, Test};

const SERVICES: [&str; 4] = ["ims", "ecs", "evs", "bms"];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/published")
}

/// `(service, file name, text)` of every published body, in a stable order.
fn corpus() -> Vec<(&'static str, String, String)> {
    let mut bodies = Vec::new();
    for service in SERVICES {
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir().join(service))
            .expect("a directory per service")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for path in files {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("readable");
            bodies.push((service, name, text));
        }
    }
    bodies
}

#[test]
fn the_corpus_is_complete_and_cited() {
    let bodies = corpus();
    let count = |service: &str| bodies.iter().filter(|(s, ..)| *s == service).count();
    assert_eq!(count("ims"), 14);
    assert!(count("ecs") >= 1 && count("evs") >= 2 && count("bms") >= 1);
    let sources =
        std::fs::read_to_string(corpus_dir().join("SOURCES.md")).expect("SOURCES.md exists");
    for (service, name, _) in &bodies {
        assert!(
            sources.contains(&format!("{service}/{name}")),
            "{service}/{name} is not cited in SOURCES.md"
        );
    }
}

#[test]
fn the_simulator_serves_the_corpus_byte_for_byte() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sim");
    for (service, name, text) in corpus() {
        let shipped = if service == "ims" {
            src.join("examples").join(&name)
        } else {
            src.join("published").join(format!("{service}-{name}"))
        };
        let shipped = std::fs::read_to_string(&shipped)
            .unwrap_or_else(|e| panic!("{}: {e}", shipped.display()));
        assert_eq!(
            shipped, text,
            "{service}/{name} differs from what the simulator serves"
        );
    }
}

/// The job ids of a body's sub-jobs, given in full or by id.
fn sub_job_ids(body: &Value) -> Vec<String> {
    let entities = &body["entities"];
    let mut ids: Vec<String> = ["sub_jobs_result", "sub_jobs"]
        .iter()
        .flat_map(|key| entities[*key].as_array().cloned().unwrap_or_default())
        .filter_map(|sub| sub["job_id"].as_str().map(str::to_owned))
        .collect();
    for id in entities["sub_jobs_list"].as_array().into_iter().flatten() {
        if let Some(id) = id
            .as_str()
            .filter(|id| !ids.iter().any(|known| known == id))
        {
            ids.push(id.to_owned());
        }
    }
    ids
}

#[test]
fn every_published_body_reads_through_get_tree_and_wait() {
    let sim = Sim::builtin();
    for (service, name, text) in corpus() {
        let body: Value = serde_json::from_str(&text).expect("JSON");
        let Some(id) = body["job_id"].as_str() else {
            continue;
        };
        let what = format!("{service}/{name}");
        let run = |args: &[&str]| {
            Test::on_service(&sim, service)
                .args(args)
                .args(["--service", service])
                .context(what.as_str())
        };

        let status = body["status"].as_str().expect("a status");
        let shown = run(&["get", id, "-o", "wide"])
            .stdout_has(id)
            .stdout_has(status)
            .run()
            .stdout;
        for key in ["error_code", "fail_reason"] {
            if let Some(value) = body[key].as_str().filter(|v| !v.is_empty()) {
                assert!(shown.contains(value), "{what}: {key} not shown: {shown}");
            }
        }
        let subs = sub_job_ids(&body);
        if !subs.is_empty() {
            assert!(shown.contains("sub-job"), "{what}: {shown}");
        }

        // Field for field, in the published order, numbers as published.
        let mut published = serde_json::to_string_pretty(&body).expect("JSON");
        published.push('\n');
        run(&["get", id, "-o", "json"]).stdout_is(published).run();

        let mut tree = run(&["tree", id]);
        for sub in &subs {
            tree = tree.stdout_has(sub.as_str());
        }
        tree.run();

        let expected = match status {
            "SUCCESS" => Exit::Success,
            "FAIL" => Exit::JobFailed,
            _ => Exit::Timeout,
        };
        run(&["wait", id, "--timeout", "0"])
            .expect_exit(expected)
            .run();
    }
}

#[test]
fn a_published_job_is_found_only_on_its_own_service() {
    let sim = Sim::builtin();
    // The ECS and BMS references publish the same job id; each endpoint serves its own.
    let id = "2c9eb2c5544cbf6101544f0602af2b4f";
    let types: Vec<String> = ["ecs", "bms"]
        .iter()
        .map(|service| {
            Test::on_service(&sim, service)
                .args(["get", id, "--jq", ".job_type"])
                .run()
                .stdout
                .trim()
                .to_owned()
        })
        .collect();
    assert_eq!(types, ["createServer", "baremetalBatchCreate"]);
    // The IMS endpoint does not know it: a missing job, exit 4.
    Test::on(&sim)
        .args(["get", id])
        .expect_exit(Exit::NotFound)
        .run();
}
