//! Job documents as the services write them: IMS's `current_task` and `process_percent` on
//! live `wait` lines and in `-o wide`, a bare `subJobId` followed by `tree`, and each
//! service's jobs only on its own endpoint.

use serde_json::Value;

use crate::common::{Sim, stderr_of, stdout_of};

#[test]
fn current_task_and_progress_show_while_a_job_runs() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: building, type: imsCreateImageByInstance, duration: 1h, queued: 0s}]\n",
    );
    let wide = sim
        .cmd()
        .args(["get", "building", "-o", "wide"])
        .output()
        .expect("runs");
    assert_eq!(wide.status.code(), Some(0), "{}", stderr_of(&wide));
    assert!(
        stdout_of(&wide).contains("CreateImageByInstanceTask"),
        "{}",
        stdout_of(&wide)
    );
    // The live line of `wait` (off a terminal: one line per status change).
    let waited = sim
        .cmd()
        .args(["wait", "building", "--timeout", "0"])
        .output()
        .expect("runs");
    assert_eq!(waited.status.code(), Some(124), "{}", stderr_of(&waited));
    let live = stderr_of(&waited);
    assert!(
        live.contains("job building: RUNNING") && live.contains("CreateImageByInstanceTask"),
        "{live}"
    );
    assert!(live.contains("0%"), "{live}");
}

#[test]
fn a_bare_sub_job_id_is_followed_as_a_sub_job() {
    let sim = Sim::with(
        "
examples: false
jobs:
  - id: import
    type: imsImportImageJob
    duration: 0s
    image_name: imported
    bare_sub_job_id: true
    sub_jobs: [{id: import-upload, type: imsImportImageJob, duration: 0s, image_name: imported}]
",
    );
    let get = sim
        .cmd()
        .args(["get", "import", "--jq", ".entities.subJobId"])
        .output()
        .expect("runs");
    assert_eq!(stdout_of(&get).trim(), "import-upload", "kept as sent");
    let output = sim
        .cmd()
        .args(["tree", "import", "-o", "json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let tree: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(tree["sub_jobs"][0]["job"]["job_id"], "import-upload");
    assert_eq!(tree["sub_jobs"][0]["job"]["status"], "SUCCESS");
    assert_eq!(sim.requests_for("import-upload").len(), 1, "fetched by id");
}

#[test]
fn an_ecs_job_is_not_found_on_the_ims_endpoint() {
    let sim = Sim::builtin();
    let output = sim.cmd().args(["get", "job-ecs"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(4), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("`--service`"),
        "{}",
        stderr_of(&output)
    );
    let ecs = sim
        .cmd_for("ecs")
        .args(["get", "job-ecs", "--service", "ecs"])
        .output()
        .expect("runs");
    assert_eq!(ecs.status.code(), Some(0), "{}", stderr_of(&ecs));
    let bms = sim
        .cmd_for("bms")
        .args(["get", "job-bms", "--service", "bms"])
        .output()
        .expect("runs");
    assert_eq!(bms.status.code(), Some(0), "{}", stderr_of(&bms));
    let evs = sim
        .cmd_for("evs")
        .args(["get", "job-ecs"])
        .output()
        .expect("runs");
    assert_eq!(evs.status.code(), Some(4), "{}", stderr_of(&evs));
}
