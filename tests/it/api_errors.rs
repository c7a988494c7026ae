//! The API's answers when they are not a job: every published error shape (bodies copied into
//! `tests/fixtures/error-bodies/`), the gateway's codes, unknown jobs, torn or foreign bodies,
//! redirects.

use std::path::Path;

use serde_json::json;

use crate::common::{Sim, canned_server};
use crate::test::{Exit, Test};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/error-bodies")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One published body served with one status: what `get` must say about it.
struct Case {
    id: &'static str,
    status: u16,
    body: &'static str,
    exit: Exit,
    says: &'static str,
    hint: &'static str,
}

#[test]
fn every_published_error_shape_is_shown_with_its_code_and_message() {
    #[rustfmt::skip]
    let cases = [
        // IMS's answer to a job query that finds nothing: a missing job.
        Case { id: "ims", status: 400, body: "ims-error.json", exit: Exit::NotFound,
            says: "HTTP 400 IMG.0023: An exception occurred during task query", hint: "check the job id" },
        Case { id: "camel", status: 400, body: "camel-case.json", exit: Exit::Unavailable,
            says: "HTTP 400 IAM.0011: Request parameter error", hint: "" },
        Case { id: "flat", status: 404, body: "flat.json", exit: Exit::NotFound,
            says: "HTTP 404 VPC.0101: Query resource by id failed", hint: "check the job id" },
        Case { id: "numeric", status: 404, body: "numeric-code.json", exit: Exit::NotFound,
            says: "HTTP 404 10404: the resource does not exist", hint: "check the job id" },
        Case { id: "wrapped", status: 404, body: "item-not-found.json", exit: Exit::NotFound,
            says: "HTTP 404: Instance could not be found", hint: "check the job id" },
        Case { id: "bad-request", status: 400, body: "bad-request.json", exit: Exit::Unavailable,
            says: "HTTP 400: Invalid input for field/attribute volume", hint: "" },
        Case { id: "api-missing", status: 404, body: "gateway-api-missing.json",
            exit: Exit::Unavailable, says: "HTTP 404 APIGW.0101: The API does not exist",
            hint: "the endpoint, region or path is wrong, not the job id" },
        Case { id: "locked", status: 401, body: "ak-locked.txt", exit: Exit::AuthRefused,
            says: "HTTP 401: AK access failed to reach the limit,forbidden.",
            hint: "answers an expired token" },
        // Under a token nothing was signed, so the clock the gateway's message measures is
        // not the cause (under AK/SK it is: `hints::apig_0303_…`).
        Case { id: "expired", status: 401, body: "gateway-signature-expired.json",
            exit: Exit::AuthRefused, says: "HTTP 401 APIG.0303:",
            hint: "signs nothing" },
    ];
    let mut jobs: Vec<_> = cases
        .iter()
        .map(|case| {
            let fault = json!({"status": case.status, "body": fixture(case.body), "times": 100});
            json!({"id": case.id, "duration": "1s", "faults": [fault]})
        })
        .collect();
    jobs.push(json!({"id": "error-in-200", "duration": "1s",
        "faults": [{"body": fixture("error-in-200.json"), "times": 100}]}));
    let sim = Sim::with(&json!({"examples": false, "jobs": jobs}).to_string());
    for case in &cases {
        let ran = Test::on(&sim)
            .args(["get", case.id])
            .expect_exit(case.exit)
            .stderr_has(case.says)
            .run();
        if !case.hint.is_empty() {
            let hint = ran.stderr.split("hint:").nth(1).unwrap_or_default();
            assert!(hint.contains(case.hint), "{}: {}", case.id, ran.stderr);
        }
        // Only transient answers are asked again; none of these is.
        assert_eq!(sim.requests_for(case.id).len(), 1, "{}", case.id);
    }
    Test::on(&sim)
        .args(["get", "error-in-200"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("HTTP 200 EVS.2024: Request param error")
        .run();
}

#[test]
fn unknown_job_exits_4_with_the_api_error_code() {
    let ran = Test::on(&Sim::builtin())
        .args(["get", "no-such-job"])
        .expect_exit(Exit::NotFound)
        .stderr_has("HTTP 400 IMG.0023")
        .stderr_has("check the job id")
        .stdout_empty()
        .run();
    // The gateway's request id: 32 hex digits.
    let id = ran
        .stderr
        .split("request id ")
        .nth(1)
        .and_then(|rest| rest.get(..32))
        .expect("a request id");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{}", ran.stderr);
}

#[test]
fn malformed_json_exits_5_without_a_panic() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: torn, faults: [{body: '{\"job_id\": \"torn', times: 10}]}, {id: html, faults: [{html: true, times: 10}]}]\n",
    );
    Test::on(&sim)
        .args(["get", "torn"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("malformed JSON")
        .stderr_lacks("panicked")
        .run();
    // An HTML error page is retried (it is a 502), then reported as unusable.
    Test::on(&sim)
        .args(["get", "html"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("HTTP 502")
        .run();
    assert_eq!(
        sim.requests_for("html").len(),
        4,
        "one try and three retries"
    );
}

#[test]
fn a_json_body_that_is_not_a_job_is_never_success() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: empty, document: {}}, {id: lowercase, document: {job_id: lowercase, status: success}}]\n",
    );
    Test::on(&sim)
        .args(["wait", "empty", "--timeout", "0"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("no `status`")
        .run();
    // `success` is not `SUCCESS`: not terminal, so a check-once wait says 124.
    Test::on(&sim)
        .args(["wait", "lowercase", "--timeout", "0"])
        .expect_exit(Exit::Timeout)
        .run();
}

/// `imsjob` with a token, against a server that always gives `response`.
fn canned_ims(response: &str) -> Test {
    let endpoint = canned_server(response.as_bytes().to_vec());
    Test::new()
        .env("IMSJOB_ENDPOINT", endpoint)
        .env("OS_PROJECT_ID", "0123456789abcdef0123456789abcdef")
        .env("OS_AUTH_TOKEN", "fixed-token-value")
}

#[test]
fn an_answer_about_another_job_is_unusable() {
    let body = r#"{"job_id": "some-other-job", "status": "SUCCESS", "job_type": "x"}"#;
    canned_ims(&format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ))
    .args(["get", "job-asked"])
    .expect_exit(Exit::Unavailable)
    .stderr_has("`some-other-job`, not the one asked for")
    .stdout_lacks("SUCCESS")
    .run();
}

#[test]
fn a_redirect_says_to_give_the_final_url() {
    canned_ims(
        "HTTP/1.1 301 Moved Permanently\r\nlocation: https://elsewhere.example/v1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    )
    .args(["get", "job-asked"])
    .expect_exit(Exit::Unavailable)
    .stderr_has("HTTP 301")
    .stderr_has("hint: the endpoint redirects")
    .stderr_has("--endpoint")
    .run();
}
