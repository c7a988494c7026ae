//! Configuration files users already have, when they are broken.

use crate::common::{Sim, stderr_of};

#[test]
fn malformed_clouds_yaml_exits_2_naming_the_file_and_line() {
    let sim = Sim::builtin();
    let dir = sim.home.path().join(".config/openstack");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(
        dir.join("clouds.yaml"),
        "clouds:\n  otc:\n    auth:\n      password: hunter2-secret\n      username: [unclosed\n",
    )
    .expect("write");
    let output = sim
        .cmd()
        .env_remove("OS_AUTH_TOKEN")
        .env("OS_CLOUD", "otc")
        .args(["get", "abc"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("clouds.yaml"), "{stderr}");
    assert!(
        stderr.contains("line 5") || stderr.contains("line 6"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "a secret leaked: {stderr}");
    assert!(sim.requests().is_empty(), "nothing was sent");
}

#[test]
fn an_unknown_cloud_name_lists_the_known_ones() {
    let sim = Sim::builtin();
    let dir = sim.home.path().join(".config/openstack");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(
        dir.join("clouds.yaml"),
        "clouds:\n  prod: {auth: {token: t}}\n  test: {auth: {token: t}}\n",
    )
    .expect("write");
    let output = sim
        .cmd()
        .env_remove("OS_AUTH_TOKEN")
        .env("OS_CLOUD", "staging")
        .args(["get", "abc"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("staging") && stderr.contains("prod") && stderr.contains("test"),
        "{stderr}"
    );
}

#[test]
fn forgiving_booleans_and_empty_variables_in_the_environment() {
    let sim = Sim::builtin();
    for value in ["1", "0", "yes", "True", "off", ""] {
        let output = sim
            .cmd()
            .env("OS_INSECURE", value)
            .env("OS_CACERT", "")
            .args(["get", "job-success", "--json"])
            .output()
            .expect("runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "OS_INSECURE={value:?}: {}",
            stderr_of(&output)
        );
    }
    // Even a command that never connects ignores them.
    let output = sim
        .cmd()
        .env("OS_INSECURE", "1")
        .args(["completions", "bash"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    // An invalid value names the variable, not a flag nobody typed.
    let output = sim
        .cmd()
        .env("OS_INSECURE", "maybe")
        .args(["get", "job-success"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("OS_INSECURE"), "{stderr}");
    assert!(!stderr.contains("--insecure"), "{stderr}");
    assert!(
        sim.requests().len() == 6,
        "only the six good runs were sent"
    );
}

#[test]
fn options_that_do_not_apply_are_refused() {
    let sim = Sim::builtin();
    for args in [
        &["sim", "--jq", "x"][..],
        &["--jq", "x", "sim"],
        &["demo", "--endpoint", "http://x"],
        &["--json", "completions", "bash"],
    ] {
        let output = sim.cmd().args(args).output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    assert!(sim.requests().is_empty());
}

#[test]
fn help_never_shows_environment_values_nor_makes_them_required() {
    let sim = Sim::builtin();
    let output = sim
        .cmd()
        .env("IMSJOB_ENDPOINT", "http://user:hunter2@example.com")
        .env("OS_PROJECT_ID", "secret-project-id")
        .args(["get", "--help"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(!help.contains("hunter2"), "{help}");
    assert!(!help.contains("secret-project-id"), "{help}");
    assert!(
        help.contains("Usage: imsjob get [OPTIONS] <JOB_ID>..."),
        "{help}"
    );
    assert!(help.contains("Examples:"), "{help}");
    assert!(help.contains("Global options:"), "{help}");
    let output = sim.cmd().arg("--help").output().expect("runs");
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "OS_AUTH_TOKEN",
        "OS_ACCESS_KEY",
        "OS_PASSWORD",
        "first one configured wins",
    ] {
        assert!(help.contains(needle), "top-level help lacks {needle}");
    }
}
