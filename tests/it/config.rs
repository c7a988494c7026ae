//! Configuration users already have: clouds.yaml and secure.yaml (and when they are broken),
//! `OS_CLOUD`, forgiving booleans and empty variables in the environment.

use crate::common::{
    Sim, auth_scenario,
    identity::{DOMAIN, PASSWORD, PROJECT_NAME, USER},
};
use crate::test::{Exit, Test};

/// Writes `~/.config/openstack/clouds.yaml` in the simulator's HOME.
fn user_clouds_yaml(sim: &Sim, text: &str) {
    let dir = sim.home.path().join(".config/openstack");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(dir.join("clouds.yaml"), text).expect("write");
}

#[test]
fn clouds_yaml_and_secure_yaml() {
    let sim = Sim::with(&auth_scenario(None));
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let cloud = |name: &str| {
        Test::home(home.path())
            .current_dir(cwd.path())
            .env("OS_CLOUD", name)
            .args(["get", "job-ok", "--no-token-cache"])
    };
    let clouds = format!(
        "clouds:\n  it:\n    auth:\n      auth_url: {}/v3\n      username: {USER}\n      password: {PASSWORD}\n      user_domain_name: {DOMAIN}\n      project_name: {PROJECT_NAME}\n",
        sim.endpoint
    );
    std::fs::write(cwd.path().join("clouds.yaml"), &clouds).expect("clouds.yaml");
    cloud("it").run();

    // The password moves to ~/.config/openstack/secure.yaml.
    let without_password: String = clouds
        .lines()
        .filter(|l| !l.contains("password"))
        .flat_map(|l| [l, "\n"])
        .collect();
    std::fs::write(cwd.path().join("clouds.yaml"), without_password).expect("clouds.yaml");
    let user_dir = home.path().join(".config/openstack");
    std::fs::create_dir_all(&user_dir).expect("mkdir");
    std::fs::write(
        user_dir.join("secure.yaml"),
        format!("clouds:\n  it:\n    auth:\n      password: {PASSWORD}\n"),
    )
    .expect("secure.yaml");
    cloud("it").run();

    let unknown = cloud("nope").expect_exit(Exit::Usage).run();
    assert!(unknown.all().contains("`it`"), "{}", unknown.all());
}

#[test]
fn malformed_clouds_yaml_exits_2_naming_the_file_and_line() {
    let sim = Sim::builtin();
    user_clouds_yaml(
        &sim,
        "clouds:\n  otc:\n    auth:\n      password: hunter2-secret\n      username: [unclosed\n",
    );
    let ran = Test::on(&sim)
        .env_remove("OS_AUTH_TOKEN")
        .env("OS_CLOUD", "otc")
        .args(["get", "abc"])
        .expect_exit(Exit::Usage)
        .stderr_has("clouds.yaml")
        // A secret never leaks.
        .stderr_lacks("hunter2")
        .run();
    assert!(
        ran.stderr.contains("line 5") || ran.stderr.contains("line 6"),
        "{}",
        ran.stderr
    );
    assert!(sim.requests().is_empty(), "nothing was sent");
}

#[test]
fn an_unknown_cloud_name_lists_the_known_ones() {
    let sim = Sim::builtin();
    user_clouds_yaml(
        &sim,
        "clouds:\n  prod: {auth: {token: t}}\n  test: {auth: {token: t}}\n",
    );
    Test::on(&sim)
        .env_remove("OS_AUTH_TOKEN")
        .env("OS_CLOUD", "staging")
        .args(["get", "abc"])
        .expect_exit(Exit::Usage)
        .stderr_has("staging")
        .stderr_has("prod")
        .stderr_has("test")
        .run();
}

#[test]
fn forgiving_booleans_and_empty_variables_in_the_environment() {
    let sim = Sim::builtin();
    for value in ["1", "0", "yes", "True", "off", ""] {
        Test::on(&sim)
            .env("OS_INSECURE", value)
            .env("OS_CACERT", "")
            .args(["get", "job-success", "--json"])
            .run();
    }
    // Even a command that never connects ignores them.
    Test::on(&sim)
        .env("OS_INSECURE", "1")
        .args(["completions", "bash"])
        .run();
    // An invalid value names the variable, not a flag nobody typed.
    Test::on(&sim)
        .env("OS_INSECURE", "maybe")
        .args(["get", "job-success"])
        .expect_exit(Exit::Usage)
        .stderr_has("OS_INSECURE")
        .stderr_lacks("--insecure")
        .run();
    assert!(
        sim.requests().len() == 6,
        "only the six good runs were sent"
    );
}
