//! The simulator's API gateway as the gateway publishes itself: `APIGW` codes and texts with
//! `error_msg` first, one request id in header and body, the 5xx and 429 answers, no API for
//! an unknown path or method; and the IAM and IMS calls real clients make besides the jobs
//! API (`/v3/auth/catalog`, `/v3/auth/projects`, `/v1/cloudimages/job/{id}`).

use serde_json::{Value, json};

use crate::common::Sim;
use crate::sim::{Answer, http};
use crate::test::{Exit, Test};

/// The request id of an answer: the `X-Request-Id` header, 32 hex digits, and the same in
/// the body when the body names one.
fn request_id(answer: &Answer) -> String {
    let id = answer
        .headers
        .get("x-request-id")
        .unwrap_or_else(|| panic!("no X-Request-Id: {:?}", answer.headers))
        .clone();
    assert_eq!(id.len(), 32, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    if let Ok(body) = serde_json::from_str::<Value>(&answer.body)
        && let Some(in_body) = body.get("request_id")
    {
        assert_eq!(in_body, &json!(id), "header and body disagree");
    }
    id
}

/// A gateway error: its status, code and text, with `error_msg` first as published.
fn assert_gateway(answer: &Answer, status: u16, code: &str, message: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert!(
        answer.body.starts_with(r#"{"error_msg":"#),
        "{}",
        answer.body
    );
    let body = answer.json();
    assert_eq!(body["error_code"], code, "{}", answer.body);
    assert_eq!(body["error_msg"], message, "{}", answer.body);
    request_id(answer);
}

fn jobs_path(sim: &Sim, id: &str) -> String {
    format!("/v1/{}/jobs/{id}", sim.project_id)
}

#[test]
fn a_bad_token_gets_apigw_0301_with_one_request_id() {
    let sim = Sim::builtin();
    let answer = http(
        &sim.endpoint,
        "GET",
        &jobs_path(&sim, "job-success"),
        &[("X-Auth-Token", "not-a-token")],
        "",
    );
    assert_gateway(
        &answer,
        401,
        "APIGW.0301",
        "Incorrect IAM authentication information: decrypt token fail",
    );
    let none = http(
        &sim.endpoint,
        "GET",
        &jobs_path(&sim, "job-success"),
        &[],
        "",
    );
    assert_gateway(
        &none,
        401,
        "APIGW.0301",
        "Incorrect IAM authentication information: x-auth-token not found",
    );
    // Two answers, two ids.
    assert_ne!(request_id(&answer), request_id(&none));

    Test::on(&sim)
        .env("OS_AUTH_TOKEN", "not-a-token")
        .args(["get", "job-success"])
        .expect_exit(Exit::AuthRefused)
        .stderr_has("HTTP 401 APIGW.0301")
        .run();
}

#[test]
fn every_answer_carries_a_request_id() {
    let sim = Sim::builtin();
    let token = [("X-Auth-Token", sim.token.as_str())];
    for (method, path) in [
        ("GET", jobs_path(&sim, "job-success")),
        ("GET", jobs_path(&sim, "job-ak-locked")),
        ("GET", jobs_path(&sim, "job-throttled")),
        ("GET", jobs_path(&sim, "never-created")),
        ("GET", "/v3".to_owned()),
        ("GET", "/".to_owned()),
        ("GET", "/v2/images".to_owned()),
        ("POST", "/v3/auth/tokens".to_owned()),
    ] {
        let answer = http(&sim.endpoint, method, &path, &token, "{}");
        request_id(&answer);
    }
    // Faults too: a proxy's page and a streamed body.
    let sim =
        Sim::with("examples: false\njobs: [{id: odd, faults: [{html: true}, {huge_bytes: 16}]}]\n");
    let token = [("X-Auth-Token", sim.token.as_str())];
    for _ in 0..2 {
        let answer = http(&sim.endpoint, "GET", &jobs_path(&sim, "odd"), &token, "");
        request_id(&answer);
    }
}

#[test]
fn unknown_paths_and_methods_are_no_api() {
    let sim = Sim::builtin();
    let token = [("X-Auth-Token", sim.token.as_str())];
    let path = http(&sim.endpoint, "GET", "/v2/no/such/api", &token, "");
    assert_gateway(
        &path,
        404,
        "APIGW.0101",
        "The API does not exist or has not been published in the environment.",
    );
    for method in ["DELETE", "POST", "PUT"] {
        let answer = http(
            &sim.endpoint,
            method,
            &jobs_path(&sim, "job-success"),
            &token,
            "",
        );
        assert_gateway(&answer, 404, "APIGW.0101", "The API does not exist.");
    }
    let answer = http(&sim.endpoint, "GET", "/v3/auth/tokens", &token, "");
    assert_gateway(&answer, 404, "APIGW.0101", "The API does not exist.");
    // A jobs path under a service prefix the simulator does not serve is no API either.
    let answer = http(
        &sim.endpoint,
        "GET",
        &format!("/rds{}", jobs_path(&sim, "job-success")),
        &token,
        "",
    );
    assert_eq!(answer.status, 404);
}

#[test]
fn server_errors_carry_the_gateway_codes_of_their_status() {
    let sim = Sim::with(
        "
examples: false
jobs:
  - id: faulty
    faults: [{status: 500}, {status: 502}, {status: 503}, {status: 504}, {status: 429}]
",
    );
    let token = [("X-Auth-Token", sim.token.as_str())];
    let expected = [
        (500, "APIGW.0201", "An unexpected error occurred"),
        (502, "APIGW.0201", "Backend unavailable."),
        (
            503,
            "APIGW.0613",
            "The IAM service is currently unavailable.",
        ),
        (504, "APIGW.0201", "Backend timeout."),
    ];
    for (status, code, message) in expected {
        let answer = http(&sim.endpoint, "GET", &jobs_path(&sim, "faulty"), &token, "");
        assert_gateway(&answer, status, code, message);
    }
    let throttled = http(&sim.endpoint, "GET", &jobs_path(&sim, "faulty"), &token, "");
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.json()["error_code"], "APIGW.0308");
    assert!(
        !throttled.headers.contains_key("retry-after"),
        "no published gateway answer carries Retry-After"
    );
}

#[test]
fn random_429s_send_retry_after_only_when_asked() {
    for (asked, expected) in [("", None), ("\n  send_retry_after: true", Some("1"))] {
        let sim = Sim::with(&format!(
            "examples: false\njobs: [{{id: busy, duration: 1h}}]\nrandom_faults:\n  rate: 1\n  seed: 1\n  kinds: [429]{asked}\n"
        ));
        let answer = http(
            &sim.endpoint,
            "GET",
            &jobs_path(&sim, "busy"),
            &[("X-Auth-Token", sim.token.as_str())],
            "",
        );
        assert_eq!(answer.status, 429);
        assert_eq!(
            answer.headers.get("retry-after").map(String::as_str),
            expected
        );
    }
}

#[test]
fn the_progress_api_serves_the_same_job() {
    let sim =
        Sim::with("examples: false\njobs: [{id: image-job, duration: 0s, image_name: done}]\n");
    let token = [("X-Auth-Token", sim.token.as_str())];
    let jobs = http(
        &sim.endpoint,
        "GET",
        &jobs_path(&sim, "image-job"),
        &token,
        "",
    );
    let progress = http(
        &sim.endpoint,
        "GET",
        "/v1/cloudimages/job/image-job",
        &token,
        "",
    );
    assert_eq!(progress.status, 200, "{}", progress.body);
    assert_eq!(progress.json(), jobs.json());
    let entities = &progress.json()["entities"];
    // A finished IMS job: done in full, on no task.
    assert_eq!(entities["process_percent"], json!(1));
    assert_eq!(entities["current_task"], "");
    let unknown = http(
        &sim.endpoint,
        "GET",
        "/v1/cloudimages/job/never-created",
        &token,
        "",
    );
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.json()["error"]["code"], "IMG.0023");
    let refused = http(
        &sim.endpoint,
        "GET",
        "/v1/cloudimages/job/image-job",
        &[("X-Auth-Token", "not-a-token")],
        "",
    );
    assert_eq!(refused.status, 401);
}

#[test]
fn the_catalog_and_projects_of_a_token() {
    let sim = Sim::builtin();
    let refused = http(&sim.endpoint, "GET", "/v3/auth/catalog", &[], "");
    assert_eq!(refused.status, 401);
    let token = [("X-Auth-Token", sim.token.as_str())];
    let answer = http(&sim.endpoint, "GET", "/v3/auth/catalog", &token, "");
    assert_eq!(answer.status, 200, "{}", answer.body);
    let catalog = answer.json();
    let url = |kind: &str| {
        catalog["catalog"]
            .as_array()
            .expect("catalog")
            .iter()
            .find(|e| e["type"] == kind)
            .and_then(|e| e["endpoints"][0]["url"].as_str())
            .unwrap_or_else(|| panic!("no {kind} entry"))
            .to_owned()
    };
    assert_eq!(url("image"), sim.endpoint);
    assert_eq!(
        url("ecs"),
        format!("{}/ecs/v1/{}", sim.endpoint, sim.project_id)
    );
    assert!(url("evs").starts_with(&format!("{}/evs/", sim.endpoint)));
    assert!(url("bms").starts_with(&format!("{}/bms/", sim.endpoint)));
    assert!(catalog["links"]["self"].is_string());

    let projects = http(&sim.endpoint, "GET", "/v3/auth/projects", &token, "");
    assert_eq!(projects.status, 200, "{}", projects.body);
    assert_eq!(projects.json()["projects"][0]["id"], sim.project_id);
}

#[test]
fn the_printed_exports_name_each_service_endpoint() {
    let home = tempfile::tempdir().expect("home");
    let mut cmd = std::process::Command::new(crate::common::binary());
    crate::common::hermetic(&mut cmd, home.path());
    let mut child = cmd
        .args(["sim", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut text = String::new();
    // The exports end with the password alternative's region.
    for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
        let line = line.expect("readable");
        text.push_str(&line);
        text.push('\n');
        if line.contains("OS_REGION_NAME") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let endpoint = text
        .lines()
        .find_map(|l| l.strip_prefix("export IMSJOB_ENDPOINT="))
        .expect("the IMS endpoint")
        .to_owned();
    for service in ["ecs", "evs", "bms"] {
        assert!(
            text.contains(&format!("#   {service}: {endpoint}/{service}\n")),
            "{text}"
        );
    }
}
