//! AK/SK authentication: both signer variants, the project looked up by name, a wrong secret
//! refused after one request, the security token of temporary credentials.

use crate::common::{
    Sim, auth_scenario,
    identity::{AK, PROJECT_ID, PROJECT_NAME, SK},
};
use crate::test::{Exit, Test};

/// `imsjob` with an AK/SK pair and a project id against `sim`.
fn aksk(sim: &Sim, secret: &str) -> Test {
    Test::home(sim.home.path())
        .env("IMSJOB_ENDPOINT", &sim.endpoint)
        .env("OS_PROJECT_ID", PROJECT_ID)
        .env("OS_ACCESS_KEY", AK)
        .env("OS_SECRET_KEY", secret)
}

#[test]
fn aksk_both_variants_are_accepted() {
    let sim = Sim::with(&auth_scenario(None));
    for variant in ["plain", "derived"] {
        aksk(&sim, SK)
            .env("IMSJOB_AKSK_SIGNER", variant)
            .args(["get", "job-ok"])
            .run();
    }
    assert_eq!(
        sim.count("/v3/"),
        0,
        "AK/SK with a project id needs no IAM call"
    );
}

#[test]
fn aksk_project_name_is_looked_up() {
    let sim = Sim::with(&auth_scenario(None));
    aksk(&sim, SK)
        .env_remove("OS_PROJECT_ID")
        .env("OS_AUTH_URL", format!("{}/v3", sim.endpoint))
        .env("OS_PROJECT_NAME", PROJECT_NAME)
        .args(["get", "job-ok"])
        .run();
    assert_eq!(sim.count("/v3/projects"), 1);
}

#[test]
fn wrong_secret_is_refused_after_exactly_one_request() {
    let sim = Sim::with(&auth_scenario(None));
    aksk(&sim, "wrong-secret-value")
        .args(["wait", "job-ok", "--timeout", "10s"])
        .expect_exit(Exit::AuthRefused)
        .output_lacks("wrong-secret-value")
        .run();
    let job_requests = sim.requests_for("job-ok");
    assert_eq!(job_requests.len(), 1, "{job_requests:?}");
    assert_eq!(job_requests[0]["status"], 401);
}

#[test]
fn only_the_scenario_security_token_is_accepted_under_aksk() {
    const AK: &str = "SIMACCESSKEY00000000";
    const SK: &str = "sim-secret-key-0000000000000000000000000";
    let run = |sim: &Sim, security_token: Option<&str>, exit: Exit| {
        let mut test = Test::home(sim.home.path())
            .env("IMSJOB_ENDPOINT", &sim.endpoint)
            .env("OS_PROJECT_ID", &sim.project_id)
            .env("OS_ACCESS_KEY", AK)
            .env("OS_SECRET_KEY", SK);
        if let Some(token) = security_token {
            test = test.env("OS_SECURITY_TOKEN", token);
        }
        test.args(["get", "ok"])
            .expect_exit(exit)
            .output_lacks(SK)
            .output_lacks("made-up-token")
            .run();
    };
    let permanent = Sim::with("examples: false\njobs: [{id: ok, duration: 0s}]\n");
    run(&permanent, None, Exit::Success);
    run(&permanent, Some("made-up-token"), Exit::AuthRefused);

    let temporary = Sim::with(
        "examples: false\nauth: {security_token: sim-security-token}\njobs: [{id: ok, duration: 0s}]\n",
    );
    run(&temporary, Some("sim-security-token"), Exit::Success);
    run(&temporary, Some("made-up-token"), Exit::AuthRefused);
    run(&temporary, None, Exit::AuthRefused);
}
