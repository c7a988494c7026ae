//! Settings resolved once, from the one captured environment: `wait`'s numbers are checked
//! with the other flags, and `demo` runs its command lines through the same resolution
//! against its simulator alone.

use crate::common::Sim;
use crate::test::{Exit, Test};

#[test]
fn wait_numbers_are_refused_with_the_flags_before_credentials_are_looked_for() {
    for (flags, named) in [
        (&["--max-rps", "0"][..], "`--max-rps`"),
        (&["--interval", "0s"], "`--interval`"),
        (
            &["--interval", "10s", "--max-interval", "5s"],
            "`--max-interval`",
        ),
    ] {
        // No credentials at all: the flag is what the user got wrong first.
        Test::new()
            .args(["wait", "job-x"])
            .args(flags)
            .expect_exit(Exit::Usage)
            .stderr_has(named)
            .stderr_lacks("OS_AUTH_TOKEN")
            .context(format!("{flags:?}"))
            .run();
    }
}

#[test]
fn the_demo_talks_to_its_simulator_whatever_the_user_has_configured() {
    // A proxy that answers nothing, and credentials for somewhere else: the demo's steps see
    // only the simulator's exports.
    let dead = "http://127.0.0.1:9";
    Test::new()
        .arg("demo")
        .env("HTTP_PROXY", dead)
        .env("HTTPS_PROXY", dead)
        .env("ALL_PROXY", dead)
        .env("OS_AUTH_TOKEN", "someone-elses-token")
        .env("IMSJOB_ENDPOINT", dead)
        .stdout_has("-> exit 0")
        .stdout_has("-> exit 1")
        .stdout_has("-> exit 124")
        .stdout_lacks("someone-elses-token")
        .run();
}

#[test]
fn proxy_variables_are_read_as_the_http_client_reads_them() {
    let sim = Sim::builtin();
    let get = |variable: &str, value: &str| {
        Test::on(&sim).env(variable, value).args([
            "get",
            "9a175ac692fa12540193005c340f321c",
            "--jq",
            ".status",
        ])
    };
    // Not a URI at all: no proxy, as before (the request goes straight to the simulator).
    get("HTTP_PROXY", "http://[bad")
        .stdout_is("SUCCESS\n")
        .run();
    // A URI the client cannot use: a configuration error naming the variables, not a network
    // error about the endpoint; the value (with its password) is not shown.
    get("HTTP_PROXY", "http://user:proxy-secret@:99999")
        .expect_exit(Exit::Usage)
        .stderr_has("`HTTP_PROXY`")
        .stderr_lacks("proxy-secret")
        .run();
}

#[test]
fn an_invalid_project_id_names_where_it_was_set() {
    let sim = Sim::builtin();
    // The variable, when it is the one that set it.
    Test::on(&sim)
        .env("OS_PROJECT_ID", "abc/def")
        .args(["get", "job-success"])
        .expect_exit(Exit::Usage)
        .stderr_has("`OS_PROJECT_ID`: invalid project id `abc/def`")
        .stdout_empty()
        .run();
    // The flag, which wins over the variable.
    Test::on(&sim)
        .args(["get", "job-success", "--project-id", "a b"])
        .expect_exit(Exit::Usage)
        .stderr_has("`--project-id`: invalid project id `a b`")
        .run();
    // Nothing was sent with either.
    assert!(sim.requests_for("job-success").is_empty());
}
