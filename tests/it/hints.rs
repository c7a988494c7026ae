//! Hints that name the cause the published tables give, in the terms of the authentication
//! method in use: the gateway's `0302` (the user's permissions), `0303` (the clock only when
//! the signature expired), refused and locked credentials per method, the simulator suggested
//! only where it can be meant, and `0201`/`0308` retried and worded as the table of codes says.

use std::path::Path;

use serde_json::json;

use crate::common::Sim;
use crate::test::{Exit, Ran, Test};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/error-bodies")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A simulator whose jobs each answer with one fault, again and again.
fn sim_with(faults: &[(&str, serde_json::Value)]) -> Sim {
    let jobs: Vec<_> = faults
        .iter()
        .map(|(id, fault)| {
            let mut fault = fault.clone();
            fault["times"] = json!(1000);
            json!({"id": id, "duration": "1s", "faults": [fault]})
        })
        .collect();
    Sim::with(&json!({"examples": false, "jobs": jobs}).to_string())
}

/// The hint line of a run's stderr.
fn hint(ran: &Ran) -> &str {
    ran.stderr
        .split("hint: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("no hint: {}", ran.stderr))
}

/// `imsjob` on the simulator with AK/SK instead of its token.
fn aksk(sim: &Sim) -> Test {
    Test::on(sim)
        .env_remove("OS_AUTH_TOKEN")
        .env("OS_ACCESS_KEY", "SIMACCESSKEY00000000")
        .env("OS_SECRET_KEY", "sim-secret-key-0000000000000000000000000")
}

/// `imsjob` on the simulator with its password account instead of its token.
fn password(sim: &Sim, password: &str) -> Test {
    Test::on(sim)
        .env_remove("OS_AUTH_TOKEN")
        .env_remove("OS_PROJECT_ID")
        .env("OS_AUTH_URL", format!("{}/v3", sim.endpoint))
        .env("OS_USERNAME", "sim-user")
        .env("OS_PASSWORD", password)
        .env("OS_USER_DOMAIN_NAME", "OTC00000000001000000SIM")
        .env("OS_PROJECT_NAME", "eu-de_sim")
        .arg("--no-token-cache")
}

#[test]
fn apig_0302_speaks_of_the_users_permissions_not_of_an_ip_list() {
    let sim = sim_with(&[
        ("sim-403", json!({"status": 403})),
        (
            "published",
            json!({"status": 403, "body": fixture("gateway-user-not-authorized.json")}),
        ),
    ]);
    // The simulator's own 0302: credentials of one project asking for another's jobs.
    let ran = Test::on(&sim)
        .args([
            "get",
            "job",
            "--project-id",
            "fedcba9876543210fedcba9876543210",
        ])
        .expect_exit(Exit::AuthRefused)
        .stderr_has("APIGW.0302")
        .run();
    assert!(
        hint(&ran).contains("not the one of the credentials"),
        "{}",
        hint(&ran)
    );
    for id in ["sim-403", "published"] {
        let ran = Test::on(&sim)
            .args(["get", id])
            .expect_exit(Exit::AuthRefused)
            .stderr_has("0302: The IAM user is not authorized to access the API.")
            .context(id)
            .run();
        let hint = hint(&ran);
        assert!(hint.contains("permissions"), "{hint}");
        assert!(
            hint.contains("project") && hint.contains("--region"),
            "{hint}"
        );
        assert!(
            !hint.contains("IP address") && !hint.contains("ACL"),
            "{hint}"
        );
    }
}

#[test]
fn apig_0303_blames_the_clock_only_for_an_expired_signature() {
    let sim = sim_with(&[
        (
            "expired",
            json!({"status": 401, "body": fixture("gateway-signature-expired.json")}),
        ),
        (
            "refused",
            json!({"status": 401, "body": fixture("gateway-app-not-found.json")}),
        ),
    ]);
    let expired = aksk(&sim)
        .args(["get", "expired"])
        .expect_exit(Exit::AuthRefused)
        .stderr_has("APIG.0303: Incorrect app authentication information: signature expired")
        .run();
    let text = hint(&expired);
    assert!(text.starts_with("the signature expired"), "{text}");
    // The gateway's message names both times: the offset is measured, not guessed.
    assert!(
        text.contains("the local clock is 2h 1m 37s behind the server's"),
        "{text}"
    );
    for (run, signed) in [(aksk(&sim), true), (Test::on(&sim), false)] {
        let refused = run
            .args(["get", "refused"])
            .expect_exit(Exit::AuthRefused)
            .stderr_has("APIG.0303: Incorrect app authentication information: app not found")
            .run();
        let text = hint(&refused);
        assert!(!text.contains("clock is"), "{text}");
        assert!(!text.starts_with("the signature expired"), "{text}");
        // A key pair is the cause only when the request was signed with one.
        assert_eq!(text.contains("OS_ACCESS_KEY"), signed, "{text}");
        assert_eq!(text.contains("signs nothing"), !signed, "{text}");
    }
    // With a token nothing was signed: an expired signature is not the local clock's either.
    let expired_with_token = Test::on(&sim)
        .args(["get", "expired"])
        .expect_exit(Exit::AuthRefused)
        .run();
    let text = hint(&expired_with_token);
    assert!(
        !text.contains("clock") && text.contains("signs nothing"),
        "{text}"
    );
    // Neither is asked again.
    assert_eq!(sim.requests_for("expired").len(), 2);
    assert_eq!(sim.requests_for("refused").len(), 2);
}

#[test]
fn a_wrong_password_gets_password_advice() {
    let sim = Sim::builtin();
    let ran = password(&sim, "not-the-password")
        .args(["get", "job-success"])
        .expect_exit(Exit::AuthRefused)
        .stderr_has("IAM refused the credentials")
        .output_lacks("not-the-password")
        .run();
    let text = hint(&ran);
    assert!(text.contains("`OS_PASSWORD`"), "{text}");
    assert!(
        !text.contains("OS_AUTH_TOKEN") && !text.contains("OS_ACCESS_KEY"),
        "{text}"
    );
}

#[test]
fn a_refused_token_after_a_good_login_is_not_blamed_on_the_password() {
    let sim = sim_with(&[("refused", json!({"status": 401}))]);
    let ran = password(&sim, "sim-password")
        .args(["get", "refused"])
        .expect_exit(Exit::AuthRefused)
        .stderr_has("APIGW.0301")
        .run();
    let text = hint(&ran);
    assert!(text.contains("refused the token IAM issued"), "{text}");
    assert!(!text.contains("OS_PASSWORD"), "{text}");
    // One login, and one more after the 401.
    assert_eq!(sim.count("/v3/auth/tokens"), 2);
}

#[test]
fn a_locked_key_answer_is_worded_for_the_method_in_use() {
    let sim = Sim::builtin();
    // Under token authentication the gateway's locked-key answer means an expired token.
    let token = Test::on(&sim)
        .args(["get", "job-ak-locked"])
        .expect_exit(Exit::AuthRefused)
        .stderr_has("AK access failed to reach the limit")
        .run();
    let text = hint(&token);
    assert!(!text.contains("OS_ACCESS_KEY"), "{text}");
    assert!(text.contains("`OS_AUTH_TOKEN`"), "{text}");
    assert!(text.contains("ak_locked"), "a loopback endpoint: {text}");
    let signed = aksk(&sim)
        .args(["get", "job-ak-locked"])
        .expect_exit(Exit::AuthRefused)
        .run();
    let text = hint(&signed);
    assert!(text.contains("locked for 5 minutes"), "{text}");
    assert!(text.contains("`OS_ACCESS_KEY`"), "{text}");
    // The gateway's published JSON body for it, under token authentication.
    let sim = sim_with(&[(
        "locked",
        json!({"status": 401, "body": fixture("gateway-key-locked.json")}),
    )]);
    let ran = Test::on(&sim)
        .args(["get", "locked"])
        .expect_exit(Exit::AuthRefused)
        .stderr_has("APIG.0301: Incorrect IAM authentication information: AK access failed")
        .run();
    assert!(!hint(&ran).contains("OS_ACCESS_KEY"), "{}", hint(&ran));
}

#[test]
fn the_simulator_is_suggested_only_where_it_can_be_meant() {
    // Nothing configured at all.
    Test::new()
        .args(["get", "x"])
        .expect_exit(Exit::Usage)
        .stderr_has("hint: run `imsjob sim`")
        .run();
    // Incomplete, against a loopback endpoint: a simulator's exports half pasted.
    Test::new()
        .args(["get", "x"])
        .env("IMSJOB_ENDPOINT", "http://127.0.0.1:1")
        .env("OS_ACCESS_KEY", "AK")
        .expect_exit(Exit::Usage)
        .stderr_has("hint: run `imsjob sim`")
        .run();
    // Incomplete, against the real cloud.
    for (name, value) in [
        ("IMSJOB_ENDPOINT", "https://ims.eu-de.otc.t-systems.com"),
        ("OS_AUTH_URL", "https://iam.eu-de.otc.t-systems.com/v3"),
    ] {
        Test::new()
            .args(["get", "x"])
            .env(name, value)
            .env("OS_ACCESS_KEY", "AK")
            .expect_exit(Exit::Usage)
            .stderr_has("AK/SK authentication is incomplete: set `OS_SECRET_KEY`")
            // Each variable quoted on its own, to be copied whole.
            .stderr_has("`OS_PROJECT_ID` or `OS_PROJECT_NAME`")
            .stderr_has("hint: `imsjob --help` lists what each authentication method needs")
            .stderr_lacks("imsjob sim")
            .context(name)
            .run();
    }
}

#[test]
fn apig_0201_is_retried_only_where_asking_again_can_help() {
    let body = |status: u16, message: &str| {
        json!({"status": status, "body": json!({
            "error_msg": message, "error_code": "APIGW.0201",
            "request_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}).to_string()})
    };
    let sim = sim_with(&[
        ("too-large", body(413, "Request entity too large.")),
        ("uri-too-large", body(414, "Request URI too large.")),
        ("headers-too-large", body(494, "Request headers too large.")),
        ("down", body(502, "Backend unavailable.")),
    ]);
    for id in ["too-large", "uri-too-large", "headers-too-large"] {
        let ran = Test::on(&sim)
            .args(["get", id])
            .expect_exit(Exit::Unavailable)
            .stderr_lacks("retrying")
            .context(id)
            .run();
        assert!(
            hint(&ran).contains("asking again gets the same answer"),
            "{}",
            hint(&ran)
        );
        assert_eq!(sim.requests_for(id).len(), 1, "{id}");
    }
    let ran = Test::on(&sim)
        .args(["get", "down"])
        .expect_exit(Exit::Unavailable)
        .run();
    assert!(hint(&ran).contains("try again later"), "{}", hint(&ran));
    assert!(sim.requests_for("down").len() > 1, "a 502 is asked again");
}

#[test]
fn a_throttled_get_says_when_to_try_again_not_max_rps() {
    let sim = sim_with(&[("t", json!({"throttle": "limit:5, time:1 second"}))]);
    for command in ["get", "tree"] {
        let ran = Test::on(&sim)
            .args([command, "t"])
            .expect_exit(Exit::Unavailable)
            .stderr_has("APIGW.0308")
            .context(command)
            .run();
        let text = hint(&ran);
        assert!(!text.contains("--max-rps"), "{text}");
        assert!(text.contains("try again once"), "{text}");
    }
    let ran = Test::on(&sim)
        .args(["wait", "t", "--timeout", "0"])
        .expect_exit(Exit::Unavailable)
        .run();
    assert!(hint(&ran).contains("--max-rps"), "{}", hint(&ran));
}

#[test]
fn details_under_a_generic_code_are_shown_and_hinted() {
    let hostile: Vec<_> = (0..10)
        .map(|i| json!({"code": format!("Ecs.{i:04}"), "message": format!("\u{1b}[31m{}", "x".repeat(5000))}))
        .collect();
    let sim = sim_with(&[
        (
            "ecs",
            json!({"status": 400, "body": fixture("ecs-details.json")}),
        ),
        (
            "hostile",
            json!({"status": 400, "body": json!({"error": {"code": "Ecs.0000", "message": "m", "details": hostile}}).to_string()}),
        ),
    ]);
    let ran = Test::on(&sim)
        .args(["get", "ecs"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("HTTP 400 Ecs.0000: Request error. Try again later or contact customer service.; details: Ecs.0039: The specified IP address does not belong to the subnet. (request id ")
        .run();
    let text = hint(&ran);
    assert!(text.starts_with("Ecs.0039: "), "{text}");
    let json = Test::on(&sim)
        .args(["get", "ecs", "-o", "json"])
        .expect_exit(Exit::Unavailable)
        .run()
        .json();
    assert_eq!(
        json["error"]["details"],
        json!([{"code": "Ecs.0039", "message": "The specified IP address does not belong to the subnet."}]),
        "{json}"
    );
    assert_eq!(json["error"]["code"], "Ecs.0000");
    // Bounded in count and length, and made safe to show.
    let ran = Test::on(&sim)
        .args(["get", "hostile"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("details: Ecs.0000: ")
        .stderr_lacks("Ecs.0003")
        .stderr_lacks("\u{1b}")
        .run();
    let line = ran.stderr.lines().next().unwrap_or_default();
    assert!(
        line.chars().count() < 1000,
        "{} chars",
        line.chars().count()
    );
    let json = Test::on(&sim)
        .args(["get", "hostile", "-o", "json"])
        .expect_exit(Exit::Unavailable)
        .run()
        .json();
    assert_eq!(json["error"]["details"].as_array().map(Vec::len), Some(3));
    // An error without details keeps its three members.
    let plain = Test::on(&sim)
        .args(["get", "never-created", "-o", "json"])
        .expect_exit(Exit::NotFound)
        .run()
        .json();
    assert_eq!(
        plain["error"].as_object().map(serde_json::Map::len),
        Some(3),
        "{plain}"
    );
}

#[test]
fn an_endpoint_with_the_jobs_path_is_trimmed_with_a_warning() {
    let sim = Sim::builtin();
    for suffix in [
        format!("/v1/{}", sim.project_id),
        "/v1".to_owned(),
        "/v1/".to_owned(),
    ] {
        let endpoint = format!("{}{suffix}", sim.endpoint);
        let ran = Test::on(&sim)
            .args(["get", "job-success", "--endpoint", &endpoint])
            .stderr_has(format!(
                "imsjob: warning: the endpoint ended in `{}`, which imsjob adds itself: dropped it",
                suffix.trim_end_matches('/')
            ))
            .context(suffix.clone())
            .run();
        assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);
    }
    // The endpoint of another service keeps its own path.
    Test::on_service(&sim, "ecs")
        .args(["get", "job-ecs", "--service", "ecs"])
        .stderr_lacks("warning")
        .run();
}

#[test]
fn an_auth_url_without_v3_gets_it_and_says_so_at_v() {
    let sim = Sim::builtin();
    password(&sim, "sim-password")
        .env("OS_AUTH_URL", &sim.endpoint)
        .args(["get", "job-success", "-v"])
        .stderr_has(format!(
            "imsjob: debug: the IAM URL `{0}` names no API version: using `{0}/v3`",
            sim.endpoint
        ))
        .run();
    assert_eq!(sim.count("/v3/auth/tokens"), 1);
    // Without `-v` nothing is said.
    password(&sim, "sim-password")
        .env("OS_AUTH_URL", &sim.endpoint)
        .args(["get", "job-success"])
        .stderr_is("")
        .run();
}
