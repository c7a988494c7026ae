//! Job documents as the services write them: IMS's `current_task` and `process_percent` on
//! live `wait` lines and in `-o wide`, a bare `subJobId` followed by `tree`, and each
//! service's jobs only on its own endpoint.

use crate::common::Sim;
use crate::test::{Exit, Test};

#[test]
fn current_task_and_progress_show_while_a_job_runs() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: building, type: imsCreateImageByInstance, duration: 1h, queued: 0s}]\n",
    );
    Test::on(&sim)
        .args(["get", "building", "-o", "wide"])
        .stdout_has("CreateImageByInstanceTask")
        .run();
    // The live line of `wait` (off a terminal: one line per status change).
    Test::on(&sim)
        .args(["wait", "building", "--timeout", "0"])
        .expect_exit(Exit::Timeout)
        .stderr_has("job building: RUNNING")
        .stderr_has("CreateImageByInstanceTask")
        .stderr_has("0%")
        .run();
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
    let get = Test::on(&sim)
        .args(["get", "import", "--jq", ".entities.subJobId"])
        .any_exit()
        .run();
    assert_eq!(get.stdout.trim(), "import-upload", "kept as sent");
    let tree = Test::on(&sim)
        .args(["tree", "import", "-o", "json"])
        .run()
        .json();
    assert_eq!(tree["sub_jobs"][0]["job"]["job_id"], "import-upload");
    assert_eq!(tree["sub_jobs"][0]["job"]["status"], "SUCCESS");
    assert_eq!(sim.requests_for("import-upload").len(), 1, "fetched by id");
}

#[test]
fn an_ecs_job_is_not_found_on_the_ims_endpoint() {
    let sim = Sim::builtin();
    Test::on(&sim)
        .args(["get", "job-ecs"])
        .expect_exit(Exit::NotFound)
        .stderr_has("`--service`")
        .run();
    Test::on_service(&sim, "ecs")
        .args(["get", "job-ecs", "--service", "ecs"])
        .run();
    Test::on_service(&sim, "bms")
        .args(["get", "job-bms", "--service", "bms"])
        .run();
    Test::on_service(&sim, "evs")
        .args(["get", "job-ecs"])
        .expect_exit(Exit::NotFound)
        .run();
}
