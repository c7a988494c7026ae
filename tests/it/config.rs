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
