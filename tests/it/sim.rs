//! The simulator itself, through its HTTP interface: the error codes and bodies it teaches
//! (real `IMG.*` codes, the gateway's throttling and locked-key answers), ECS/EVS-shaped
//! jobs and `PENDING_PAYMENT`, Keystone version discovery, the token catalog, the printed
//! password exports; a scenario that cannot be read.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{self, Sim, eventually};
use crate::test::{Exit, Test};

/// One HTTP answer, read whole.
pub(crate) struct Answer {
    pub status: u16,
    /// Header names in lowercase.
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Answer {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Sends one request to the simulator at `endpoint` and reads the whole answer.
pub(crate) fn http(
    endpoint: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let address = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect to the simulator");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        let _ = write!(request, "{name}: {value}\r\n");
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// `GET /v1/{project}/jobs/{id}` with the simulator's token.
fn get_job(sim: &Sim, id: &str) -> Answer {
    get_job_of(sim, "ims", id)
}

/// The same on the endpoint of `service` (`ecs` is `/ecs/v1/{project}/jobs/{id}`).
fn get_job_of(sim: &Sim, service: &str, id: &str) -> Answer {
    let prefix = if service == "ims" {
        String::new()
    } else {
        format!("/{service}")
    };
    http(
        &sim.endpoint,
        "GET",
        &format!("{prefix}/v1/{}/jobs/{id}", sim.project_id),
        &[("X-Auth-Token", &sim.token)],
        "",
    )
}

#[test]
fn a_failing_job_reports_a_real_img_code_with_its_meaning() {
    let sim = Sim::with(
        "examples: false\njobs:\n  - {id: doomed, duration: 0s, outcome: FAIL}\n  - {id: import, type: imsImportImageJob, duration: 0s, outcome: FAIL, error_code: IMG.0194, fail_reason: too many imports}\n",
    );
    let doc = get_job(&sim, "doomed").json();
    assert_eq!(doc["status"], "FAIL");
    assert_eq!(doc["error_code"], "IMG.0010");
    // The reason in the `<Task>-fail:<text>` form, with the error table's meaning.
    assert_eq!(
        doc["fail_reason"],
        "CreateImageByInstanceTask-fail:The ECS cannot be used to create an image because it has in-progress tasks."
    );
    let doc = get_job(&sim, "import").json();
    assert_eq!(doc["error_code"], "IMG.0194");
}

#[test]
fn builtin_failing_job_uses_img_0194() {
    let sim = Sim::builtin();
    let doc = get_job(&sim, "job-fail").json();
    // Not failed yet (5 s), but the scenario is what `wait job-fail` will end with.
    assert_eq!(doc["job_type"], "imsImportImageJob");
    let scenario = imsjob::testing::Scenario::builtin();
    let fail = scenario
        .jobs
        .iter()
        .find(|j| j.id == "job-fail")
        .expect("job-fail");
    assert_eq!(fail.error_code.as_deref(), Some("IMG.0194"));
    assert_eq!(
        fail.fail_reason.as_deref(),
        Some(
            "ImportImageTask-fail:The maximum number of images that can be imported at one time has been reached."
        )
    );
}

#[test]
fn unknown_job_is_the_documented_failed_query_answer_on_each_service() {
    let sim = Sim::builtin();
    let answer = get_job(&sim, "no-such-job");
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json(),
        json!({"error": {"message": "An exception occurred during task query.", "code": "IMG.0023"}})
    );
    Test::on(&sim)
        .args(["get", "no-such-job"])
        .expect_exit(Exit::NotFound)
        .stderr_has("IMG.0023")
        .run();
    // ECS and EVS answer with their own tables' code.
    for (service, message) in [
        ("ecs", "Failed to query system tasks."),
        ("evs", "query job fail."),
    ] {
        let answer = get_job_of(&sim, service, "no-such-job");
        assert_eq!(answer.status, 400);
        assert_eq!(
            answer.json(),
            json!({"error": {"message": message, "code": "Common.0011"}})
        );
        Test::on_service(&sim, service)
            .args(["get", "no-such-job", "--service", service])
            .expect_exit(Exit::NotFound)
            .run();
    }

    // The other possible answer, kept as an option: a 404 with the same body.
    let sim = Sim::with("not_found_status: 404\n");
    let answer = get_job(&sim, "no-such-job");
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json()["error"]["code"], "IMG.0023");
    Test::on(&sim)
        .args(["get", "no-such-job"])
        .expect_exit(Exit::NotFound)
        .run();
}

#[test]
fn throttling_names_its_window_and_sends_no_retry_after() {
    let sim = Sim::builtin();
    let answer = get_job(&sim, "job-throttled");
    assert_eq!(answer.status, 429);
    assert!(
        !answer.headers.contains_key("retry-after"),
        "{:?}",
        answer.headers
    );
    let body = answer.json();
    assert_eq!(body["error_code"], "APIGW.0308");
    assert_eq!(
        body["error_msg"],
        "The throttling threshold has been reached: policy ip over ratelimit, limit:5, time:5 second"
    );
    assert!(body["request_id"].is_string());
    // Only the first request is throttled.
    assert_eq!(get_job(&sim, "job-throttled").status, 200);
    let faults: Vec<Value> = sim
        .requests_for("job-throttled")
        .iter()
        .map(|r| r["fault"].clone())
        .collect();
    assert_eq!(faults, [json!("throttle"), Value::Null]);

    // The same from a scenario file, with another window.
    let sim = Sim::with(
        "examples: false\njobs: [{id: t, faults: [{throttle: 'limit:100, time:1 minute', times: 2}]}]\n",
    );
    for _ in 0..2 {
        let answer = get_job(&sim, "t");
        assert_eq!(answer.status, 429);
        assert!(
            answer.json()["error_msg"]
                .as_str()
                .is_some_and(|m| m.ends_with("limit:100, time:1 minute"))
        );
    }
    assert_eq!(get_job(&sim, "t").status, 200);
}

#[test]
fn a_locked_key_is_a_plain_text_401_and_is_not_retried() {
    let sim = Sim::builtin();
    let answer = get_job(&sim, "job-ak-locked");
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.body,
        "AK access failed to reach the limit,forbidden."
    );
    assert!(
        answer
            .headers
            .get("content-type")
            .is_some_and(|t| t.starts_with("text/plain")),
        "{:?}",
        answer.headers
    );
    let before = sim.requests_for("job-ak-locked").len();
    Test::on(&sim)
        .args(["get", "job-ak-locked"])
        .expect_exit(Exit::AuthRefused)
        .run();
    assert_eq!(sim.requests_for("job-ak-locked").len(), before + 1);
}

#[test]
fn pending_payment_then_running_then_success() {
    let sim = Sim::with(
        "examples: false\njobs:\n  - {id: pay, type: createServer, shape: ecs, queued: 600ms, queued_status: PENDING_PAYMENT, duration: 1200ms, sub_jobs: [{id: pay-vm, type: createSingleServer, start: 600ms, duration: 600ms}]}\n",
    );
    let first = get_job_of(&sim, "ecs", "pay").json();
    assert_eq!(first["status"], "PENDING_PAYMENT");
    assert_eq!(first["end_time"], "");
    let mut seen = vec!["PENDING_PAYMENT".to_owned()];
    assert!(eventually(Duration::from_secs(5), || {
        let status = get_job_of(&sim, "ecs", "pay").json()["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        status == "SUCCESS"
    }));
    assert_eq!(seen, ["PENDING_PAYMENT", "RUNNING", "SUCCESS"]);

    // The built-in one starts the same way.
    let sim = Sim::builtin();
    let doc = get_job_of(&sim, "ecs", "job-pending-payment").json();
    assert_eq!(doc["status"], "PENDING_PAYMENT");
    assert_eq!(doc["entities"]["sub_jobs_total"], 1);
}

/// Checks a sub-job object is a full job object, as ECS and EVS embed them.
fn assert_full_sub_job(sub: &Value) {
    for field in [
        "job_id",
        "job_type",
        "status",
        "begin_time",
        "end_time",
        "entities",
    ] {
        assert!(sub.get(field).is_some(), "{field} missing in {sub}");
    }
    assert!(sub.get("error_code").is_some() && sub.get("fail_reason").is_some());
}

#[test]
fn builtin_ecs_and_evs_jobs_embed_full_sub_jobs() {
    let sim = Sim::builtin();
    for (service, id, kind) in [
        ("ecs", "job-ecs", "createServer"),
        ("evs", "job-evs", "batchCreateVolume"),
    ] {
        let doc = get_job_of(&sim, service, id).json();
        assert_eq!(doc["job_type"], kind);
        // As ECS and EVS publish them: the status first, then the entities.
        let keys: Vec<&String> = doc.as_object().expect("object").keys().collect();
        assert_eq!(keys[..2], ["status", "entities"], "{doc}");
        let entities = &doc["entities"];
        // ECS counts its sub-jobs; EVS's published batch job has no count.
        if service == "ecs" {
            assert_eq!(entities["sub_jobs_total"], 2, "{doc}");
        } else {
            assert!(entities.get("sub_jobs_total").is_none(), "{doc}");
        }
        let subs = entities["sub_jobs"].as_array().expect("sub_jobs");
        assert_eq!(subs.len(), 2);
        subs.iter().for_each(assert_full_sub_job);
        assert!(
            entities.get("sub_jobs_result").is_none() && entities.get("sub_jobs_list").is_none()
        );
        assert!(entities.get("process_percent").is_none());
        // Sub-jobs are also served by their own id.
        let sub_id = subs[0]["job_id"].as_str().expect("id");
        assert_eq!(get_job_of(&sim, service, sub_id).json()["job_id"], sub_id);
        // Each endpoint knows only its own service's jobs.
        assert_eq!(get_job(&sim, id).status, 400);
    }
}

#[test]
fn finished_ecs_and_evs_sub_jobs_name_their_resource() {
    let sim = Sim::with(
        "examples: false\njobs:\n  - {id: vm, type: createServer, shape: ecs, duration: 0s, sub_jobs: [{id: vm-0, type: createSingleServer, duration: 0s}]}\n  - {id: vol, type: batchCreateVolume, shape: evs, duration: 0s, sub_jobs: [{id: vol-0, type: createVolume, duration: 0s}, {id: vol-1, type: createVolume, duration: 0s, outcome: FAIL, error_code: EVS.2024, fail_reason: 'CreateVolumeTask-fail:volume is error!'}]}\n",
    );
    let vm = get_job_of(&sim, "ecs", "vm").json();
    assert_eq!(vm["status"], "SUCCESS");
    let sub = &vm["entities"]["sub_jobs"][0];
    assert_eq!(sub["status"], "SUCCESS");
    assert!(sub["entities"]["server_id"].is_string(), "{sub}");
    let vol = get_job_of(&sim, "evs", "vol").json();
    let subs = &vol["entities"]["sub_jobs"];
    assert!(subs[0]["entities"]["volume_id"].is_string(), "{vol}");
    assert_eq!(subs[1]["status"], "FAIL");
    assert_eq!(subs[1]["error_code"], "EVS.2024");
    assert_eq!(
        subs[1]["fail_reason"],
        "CreateVolumeTask-fail:volume is error!"
    );
}

#[test]
fn keystone_version_discovery() {
    let sim = Sim::builtin();
    let answer = http(&sim.endpoint, "GET", "/v3", &[], "");
    assert_eq!(answer.status, 200);
    let version = &answer.json()["version"];
    assert_eq!(version["id"], "v3.0");
    assert_eq!(version["status"], "stable");
    assert_eq!(version["links"][0]["rel"], "self");
    assert_eq!(version["links"][0]["href"], format!("{}/v3/", sim.endpoint));
    let answer = http(&sim.endpoint, "GET", "/", &[], "");
    assert_eq!(answer.status, 300);
    assert_eq!(answer.json()["versions"]["values"][0]["id"], "v3.0");
}

/// A simulator started by hand, to read everything it prints (the password exports are
/// comments after the three lines the harness reads).
struct Printed {
    child: Child,
    /// Variable → value, from `export` lines and from `#   export` comment lines, grouped
    /// by the method announced in the comment before them.
    by_method: HashMap<String, HashMap<String, String>>,
    _home: tempfile::TempDir,
}

impl Drop for Printed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_and_read_exports() -> Printed {
    let home = tempfile::tempdir().expect("home");
    let mut cmd = std::process::Command::new(common::binary());
    common::hermetic(&mut cmd, home.path());
    let mut child = cmd
        .args(["sim", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut by_method: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut method = "token".to_owned();
    while by_method
        .get("password")
        .is_none_or(|p| !p.contains_key("OS_REGION_NAME"))
    {
        let line = lines.next().expect("a line").expect("readable");
        if let Some(rest) = line.strip_prefix("# or, with ") {
            rest.split_whitespace()
                .next()
                .unwrap_or_default()
                .clone_into(&mut method);
            continue;
        }
        let line = line.trim_start_matches('#').trim_start();
        if let Some((name, value)) = line.strip_prefix("export ").and_then(|l| l.split_once('=')) {
            by_method
                .entry(method.clone())
                .or_default()
                .insert(name.to_owned(), value.to_owned());
        }
    }
    Printed {
        child,
        by_method,
        _home: home,
    }
}

#[test]
fn printed_password_exports_scope_the_project_with_its_domain() {
    let printed = start_and_read_exports();
    let password = &printed.by_method["password"];
    let token_exports = &printed.by_method["token"];
    let endpoint = &token_exports["IMSJOB_ENDPOINT"];
    assert_eq!(
        password["OS_PROJECT_DOMAIN_NAME"],
        password["OS_USER_DOMAIN_NAME"]
    );
    assert_eq!(password["OS_AUTH_URL"], format!("{endpoint}/v3"));

    // What keystoneauth sends for exactly these variables.
    let request = |project_domain: Option<&str>| {
        let mut project = json!({"name": password["OS_PROJECT_NAME"]});
        if let Some(domain) = project_domain {
            project["domain"] = json!({"name": domain});
        }
        json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": password["OS_USERNAME"],
                "password": password["OS_PASSWORD"],
                "domain": {"name": password["OS_USER_DOMAIN_NAME"]}}}},
            "scope": {"project": project}}})
        .to_string()
    };
    let headers = [("Content-Type", "application/json")];
    let without = http(
        endpoint,
        "POST",
        "/v3/auth/tokens",
        &headers,
        &request(None),
    );
    assert_eq!(
        without.status, 401,
        "a name without its domain is refused, as IAM does"
    );
    let answer = http(
        endpoint,
        "POST",
        "/v3/auth/tokens",
        &headers,
        &request(Some(&password["OS_PROJECT_DOMAIN_NAME"])),
    );
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert!(answer.headers.contains_key("x-subject-token"));

    // The catalog: every service the jobs API serves, pointing at the simulator.
    let catalog = answer.json()["token"]["catalog"].clone();
    let urls: HashMap<String, String> = catalog
        .as_array()
        .expect("catalog")
        .iter()
        .map(|entry| {
            let endpoint = &entry["endpoints"][0];
            assert_eq!(endpoint["interface"], "public");
            // IAM is global: its region is `*`, as IAM publishes it.
            let region = if entry["type"] == "identity" {
                "*"
            } else {
                password["OS_REGION_NAME"].as_str()
            };
            assert_eq!(endpoint["region"], region);
            (
                entry["type"].as_str().expect("type").to_owned(),
                endpoint["url"].as_str().expect("url").to_owned(),
            )
        })
        .collect();
    for kind in [
        "identity", "image", "ecs", "compute", "evs", "volumev2", "bms",
    ] {
        assert!(
            urls.get(kind)
                .is_some_and(|u| u.starts_with(endpoint.as_str())),
            "{kind}: {urls:?}"
        );
    }
    assert_eq!(
        urls["image"], *endpoint,
        "IMS is listed without version or project"
    );

    // And imsjob itself works from the printed password exports alone.
    Test::new()
        .envs(password)
        .args(["get", "job-success", "--jq", ".job_id"])
        .stdout_is("job-success\n")
        .run();
}

#[test]
fn random_throttle_faults_name_their_window() {
    let sim = Sim::with(
        "examples: false\nrandom_faults: {rate: 1.0, seed: 1, kinds: [throttle], retry_after: 2}\njobs: [{id: t}]\n",
    );
    let answer = get_job(&sim, "t");
    assert_eq!(answer.status, 429);
    assert!(!answer.headers.contains_key("retry-after"));
    assert_eq!(answer.json()["error_code"], "APIGW.0308");
    assert!(
        answer.json()["error_msg"]
            .as_str()
            .is_some_and(|m| m.ends_with("limit:10, time:2 second")),
        "{}",
        answer.body
    );
    assert_eq!(sim.requests_for("t")[0]["fault"], "throttle");
}

#[test]
fn sim_refuses_a_bad_scenario_naming_the_line() {
    let home = tempfile::tempdir().expect("home");
    let path = home.path().join("bad.yaml");
    std::fs::write(&path, "jobs:\n  - id: ok\n    duration: [oops]\n").expect("write");
    Test::home(home.path())
        .args(["sim", "--scenario"])
        .arg(&path)
        .expect_exit(Exit::Usage)
        .stderr_has("bad.yaml")
        .stderr_has("line 2")
        .run();
}
