//! Secrets never reach any output: passwords, secret keys and tokens at every verbosity,
//! a password echoed back by a server, credentials written into URLs.

use crate::common::{
    Sim, auth_scenario, canned_server, closed_port,
    identity::{AK, PASSWORD, PROJECT_ID, SK},
    password_env,
};
use crate::test::{Exit, Test};

#[test]
fn secrets_never_appear_in_verbose_output() {
    let sim = Sim::with(&auth_scenario(None));
    let home = tempfile::tempdir().expect("home");
    Test::home(home.path())
        .envs(password_env(&format!("{}/v3", sim.endpoint)))
        .args(["get", "job-ok", "-vvv", "--json"])
        // -vvv logs something.
        .stderr_has("debug")
        .output_lacks(PASSWORD)
        // Tokens issued by the simulator start with `MIIsim`.
        .output_lacks("MIIsim")
        .run();

    Test::home(home.path())
        .env("IMSJOB_ENDPOINT", &sim.endpoint)
        .env("OS_PROJECT_ID", PROJECT_ID)
        .env("OS_ACCESS_KEY", AK)
        .env("OS_SECRET_KEY", SK)
        .args(["get", "job-ok", "-vvv"])
        .output_lacks(SK)
        .run();
}

#[test]
fn a_server_echoing_the_password_or_a_huge_request_id_is_defused() {
    let request_id = "r".repeat(60_000);
    let body = format!(r#"{{"error": {{"code": 401, "message": "bad password {PASSWORD}"}}}}"#);
    let response = format!(
        "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nx-request-id: {request_id}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let iam = canned_server(response.into_bytes());
    let ran = Test::new()
        .envs(password_env(&format!("{iam}/v3")))
        .env("IMSJOB_ENDPOINT", "http://127.0.0.1:1")
        .args(["get", "job-ok", "-vvv"])
        .expect_exit(Exit::AuthRefused)
        .output_lacks(PASSWORD)
        .stderr_has("bad password <redacted>")
        .run();
    assert!(
        ran.all().len() < 4_000,
        "{} bytes of output",
        ran.all().len()
    );
}

#[test]
fn userinfo_in_urls_never_reaches_any_output() {
    const SECRET: &str = "url-pa55word";
    let sim = Sim::with(&auth_scenario(Some("24h")));
    let home = tempfile::tempdir().expect("home");
    let with_token = |endpoint: &str| {
        Test::home(home.path())
            .env("IMSJOB_ENDPOINT", endpoint)
            .env("OS_PROJECT_ID", &sim.project_id)
            .env("OS_AUTH_TOKEN", &sim.token)
            .output_lacks(SECRET)
    };

    // In the IMS endpoint, logged at every verbosity.
    let with_userinfo = sim
        .endpoint
        .replace("http://", &format!("http://someone:{SECRET}@"));
    with_token(&with_userinfo)
        .args(["get", "job-ok", "-vvv"])
        .any_exit()
        .stderr_has("debug")
        .run();

    // In the IAM URL, when IAM cannot be reached (no -v).
    let port = closed_port();
    Test::home(home.path())
        .envs(password_env(&format!(
            "http://someone:{SECRET}@127.0.0.1:{port}/v3"
        )))
        .env("IMSJOB_ENDPOINT", &sim.endpoint)
        .args(["get", "job-ok"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("127.0.0.1")
        .output_lacks(SECRET)
        .run();

    // In an invalid endpoint.
    with_token(&format!("http://someone:{SECRET}@127.0.0.1:1/?query"))
        .args(["get", "job-ok"])
        .expect_exit(Exit::Usage)
        .run();
}

#[test]
fn a_token_echoed_in_a_job_is_taken_out_of_every_json_output() {
    // A service that quotes the request's token in a failure reason: JSON keeps answers as
    // they came, but never this process's secrets.
    const TOKEN: &str = "echoed-token-0123";
    let scenario = serde_json::json!({
        "examples": false,
        "token": TOKEN,
        "jobs": [{
            "id": "echo", "duration": "0s", "outcome": "FAIL", "error_code": "IMG.0194",
            "fail_reason": format!("request with token {TOKEN} refused"),
        }],
    });
    let sim = Sim::with(&scenario.to_string());
    for args in [
        &["get", "echo", "--json"][..],
        &["get", "echo", "--jq", ".fail_reason"],
        &["wait", "echo", "--json"],
        &["wait", "echo", "--events"],
        &["get", "echo"],
    ] {
        Test::on(&sim)
            .args(args)
            .any_exit()
            .output_lacks(TOKEN)
            .stdout_has("request with token <redacted> refused")
            .run();
    }
}
