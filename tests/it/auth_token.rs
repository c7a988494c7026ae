//! Token authentication (`OS_AUTH_TOKEN`) and what happens without any credentials.

use crate::common::Sim;
use crate::test::{Exit, Test};

#[test]
fn wrong_token_exits_3() {
    Test::on(&Sim::builtin())
        .env("OS_AUTH_TOKEN", "not-the-token")
        .args(["get", "9a175ac692fa12540193005c340f321c"])
        .expect_exit(Exit::AuthRefused)
        .stderr_has("HTTP 401 APIGW.0301")
        .output_lacks("not-the-token")
        .run();
}

#[test]
fn missing_credentials_exit_2_naming_the_variables() {
    Test::new()
        .args(["get", "abc"])
        .expect_exit(Exit::Usage)
        .stderr_has("OS_AUTH_TOKEN")
        .run();
}

#[test]
fn no_credentials_is_a_usage_error() {
    let ran = Test::new()
        .args(["get", "job-ok"])
        .expect_exit(Exit::Usage)
        .run();
    for variable in ["OS_AUTH_TOKEN", "OS_ACCESS_KEY", "OS_PASSWORD"] {
        assert!(ran.all().contains(variable), "{}", ran.all());
    }
}

#[test]
fn line_breaks_in_credentials_are_configuration_errors_naming_the_variable() {
    let sim = Sim::builtin();
    for (variable, value) in [
        ("OS_AUTH_TOKEN", "sim-token\r\nX-Evil: 1"),
        ("OS_ACCESS_KEY", "AK\r\nX-Evil: 1"),
    ] {
        let mut test = Test::home(sim.home.path())
            .env("IMSJOB_ENDPOINT", &sim.endpoint)
            .env("OS_PROJECT_ID", &sim.project_id)
            .env(variable, value);
        if variable == "OS_ACCESS_KEY" {
            test = test.env("OS_SECRET_KEY", "some-secret-key");
        }
        test.args(["get", "job-success"])
            .expect_exit(Exit::Usage)
            .stderr_has(format!("`{variable}`"))
            .output_lacks("X-Evil")
            .run();
    }
    assert!(sim.requests().is_empty(), "nothing sent");
}
