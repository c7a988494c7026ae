//! The RESULT column: what each job made, its id whole at every width; `-o wide` every id.

use serde_json::{Value, json};

use crate::common::Sim;
use crate::screen::{Tmux, ids_whole};
use crate::test::Test;

/// ECS and EVS jobs whose sub-jobs are done at once (their ids as IMS writes them).
const SERVICES: &str = "
examples: false
jobs:
  - id: ff8080814dbd65d7014dbe0d84db00e1
    type: createServer
    shape: ecs
    duration: 0s
    sub_jobs:
      - {id: ff8080814dbd65d7014dbe0d84db00e2, type: createSingleServer, start: 0s, duration: 0s}
      - {id: ff8080814dbd65d7014dbe0d84db00e3, type: createSingleServer, start: 0s, duration: 0s}
  - id: ff8080814dbd65d7014dbe0d84db00f1
    type: batchCreateVolumes
    shape: evs
    duration: 0s
    sub_jobs:
      - {id: ff8080814dbd65d7014dbe0d84db00f2, type: createSingleVolume, start: 0s, duration: 0s}
";

/// The id a finished sub-job names, as the simulator serves it.
fn entity(sim: &Sim, service: &str, job: &str, key: &str) -> String {
    let document = Test::on_service(sim, service)
        .args(["get", job, "--json"])
        .any_exit()
        .run()
        .json();
    document["entities"][key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {document}"))
        .to_owned()
}

#[test]
fn server_and_volume_ids_stay_whole_at_60_80_and_120_columns() {
    let sim = Sim::with(SERVICES);
    let vm_0 = entity(&sim, "ecs", "ff8080814dbd65d7014dbe0d84db00e2", "server_id");
    let vm_1 = entity(&sim, "ecs", "ff8080814dbd65d7014dbe0d84db00e3", "server_id");
    let volume = entity(&sim, "evs", "ff8080814dbd65d7014dbe0d84db00f2", "volume_id");
    assert_eq!(vm_0.len(), 36, "a UUID: {vm_0}");
    let (ecs, evs) = (sim.service_endpoint("ecs"), sim.service_endpoint("evs"));
    for cols in [60, 80, 120] {
        let tree = "tree ff8080814dbd65d7014dbe0d84db00e1";
        let Some(tmux) = Tmux::imsjob_at(&sim, &ecs, cols, "", tree) else {
            return; // no tmux here
        };
        let (code, screen) = tmux.finish();
        assert_eq!(code, 0, "{screen}");
        assert!(ids_whole(&screen, &[&vm_0, &vm_1]), "{cols}:\n{screen}");
        assert!(!screen.contains('…'), "{cols}: nothing cut:\n{screen}");

        // Each service's jobs on its own endpoint, as on the cloud.
        for (endpoint, job, made) in [
            (&ecs, "ff8080814dbd65d7014dbe0d84db00e2", &vm_0),
            (&evs, "ff8080814dbd65d7014dbe0d84db00f2", &volume),
        ] {
            let tmux =
                Tmux::imsjob_at(&sim, endpoint, cols, "", &format!("get {job}")).expect("tmux");
            let (code, screen) = tmux.finish();
            assert_eq!(code, 0, "{screen}");
            assert!(ids_whole(&screen, &[made]), "{cols}:\n{screen}");
        }
    }
}

/// Published job documents of other services that name more than one id, or none at the
/// top of `entities` (VBS backup, SDRS protection group, classic ELB).
fn documents() -> Value {
    json!({"examples": false, "jobs": [
        {"id": "vbs-backup", "document": {
            "status": "SUCCESS", "job_id": "vbs-backup", "job_type": "bksCreateBackup",
            "begin_time": "2018-05-09T14:29:06.520Z", "end_time": "2018-05-09T14:31:08.120Z",
            "error_code": null, "fail_reason": null,
            "entities": {
                "bks_create_volume_name": "autobk_volume_2018-05-09T14:29:06.520Z",
                "backup_id": "9bd1c2e6-0e2c-4df6-8cc6-9a4e0d0e0e01",
                "snapshot_id": "5bd1c2e6-0e2c-4df6-8cc6-9a4e0d0e0e02",
                "volume_id": "7bd1c2e6-0e2c-4df6-8cc6-9a4e0d0e0e03"}}},
        {"id": "sdrs-group", "document": {
            "status": "SUCCESS", "job_id": "sdrs-group", "job_type": "createProtectionGroupNoCG",
            "begin_time": "2018-04-19T01:55:30.443Z", "end_time": "2018-04-19T01:55:45.493Z",
            "error_code": null, "fail_reason": null,
            "entities": {"server_group_id": "a59d008e-4bad-4bf3-9b17-6cc25e7da483"}}},
        {"id": "elb-classic", "document": {
            "status": "SUCCESS", "job_id": "elb-classic", "job_type": "createElb",
            "begin_time": "2018-04-19T01:55:30.443Z", "end_time": "2018-04-19T01:55:45.493Z",
            "error_code": null, "fail_reason": null,
            "entities": {"elb": {"id": "2c9eb7e2-7b1c-4a3c-9a52-ad1f5e3c6f10", "name": "web"}}}}
    ]})
}

#[test]
fn result_shows_what_the_job_made_and_wide_shows_every_id() {
    let sim = Sim::with(&documents().to_string());
    let table = Test::on(&sim)
        .args(["get", "vbs-backup", "sdrs-group", "elb-classic"])
        .run()
        .stdout;
    let row = |id: &str| {
        table
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id}: {table}"))
            .to_owned()
    };
    let backup = row("vbs-backup");
    assert!(
        backup.ends_with("9bd1c2e6-0e2c-4df6-8cc6-9a4e0d0e0e01"),
        "the backup made, not the volume backed up: {backup}"
    );
    assert!(!backup.contains("7bd1c2e6"), "{backup}");
    assert!(row("sdrs-group").ends_with("a59d008e-4bad-4bf3-9b17-6cc25e7da483"));
    assert!(row("elb-classic").ends_with("2c9eb7e2-7b1c-4a3c-9a52-ad1f5e3c6f10"));

    let wide = Test::on(&sim)
        .args(["get", "vbs-backup", "elb-classic", "-o", "wide"])
        .any_exit()
        .run()
        .stdout;
    let backup = wide
        .lines()
        .find(|l| l.starts_with("vbs-backup"))
        .expect("a row");
    for id in [
        "9bd1c2e6-0e2c-4df6-8cc6-9a4e0d0e0e01",
        "snapshot_id=5bd1c2e6-0e2c-4df6-8cc6-9a4e0d0e0e02",
        "volume_id=7bd1c2e6-0e2c-4df6-8cc6-9a4e0d0e0e03",
    ] {
        assert!(backup.contains(id), "{id}: {backup}");
    }
    Test::on(&sim)
        .args(["tree", "vbs-backup", "-o", "wide"])
        .any_exit()
        .stdout_has("volume_id=7bd1c2e6")
        .run();
}
