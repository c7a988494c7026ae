//! The region (and the region prefix of a project name) becomes part of endpoint host names:
//! a value that is no region name is refused, naming where it came from, before anything is
//! sent anywhere.

use std::net::TcpListener;

use crate::test::{Exit, Test};

/// A listener on 127.0.0.1 standing in for a foreign host, and a region that would point
/// requests at it (`https://ims.x@127.0.0.1:PORT/.otc.t-systems.com`).
fn foreign() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("address").port();
    (listener, format!("x@127.0.0.1:{port}/"))
}

/// Runs `test`, which must be refused as a usage error naming `names`, with nothing sent.
fn assert_refused(test: Test, listener: &TcpListener, names: &str) -> String {
    let stderr = test
        .expect_exit(Exit::Usage)
        .stderr_has(names)
        .stderr_has("region name")
        .run()
        .stderr;
    assert!(
        listener.accept().is_err(),
        "a connection reached the foreign listener: {stderr}"
    );
    stderr
}

#[test]
fn a_region_variable_that_is_no_region_name_is_refused() {
    let (listener, region) = foreign();
    let home = tempfile::tempdir().expect("home");
    let test = Test::home(home.path())
        .env("OS_AUTH_TOKEN", "it-token-5ecret")
        .env("OS_PROJECT_ID", "0123456789abcdef0123456789abcdef")
        .env("OS_REGION_NAME", &region)
        .args(["get", "job-1", "--request-timeout", "2s"]);
    assert_refused(test, &listener, "`OS_REGION_NAME`");
}

#[test]
fn a_region_flag_that_is_no_region_name_is_refused() {
    let (listener, region) = foreign();
    let home = tempfile::tempdir().expect("home");
    let test = Test::home(home.path())
        .env("OS_AUTH_TOKEN", "it-token-5ecret")
        .env("OS_PROJECT_ID", "0123456789abcdef0123456789abcdef")
        .env("OS_REGION_NAME", "eu-de")
        .args([
            "get",
            "job-1",
            "--region",
            &region,
            "--request-timeout",
            "2s",
        ]);
    assert_refused(test, &listener, "`--region`");
}

#[test]
fn a_project_name_prefix_that_is_no_region_name_is_refused_before_the_iam_lookup() {
    // AK/SK with a project name: the project id would be looked up at the IAM host of the
    // region the name's prefix gives.
    let (listener, region) = foreign();
    let home = tempfile::tempdir().expect("home");
    let test = Test::home(home.path())
        .env("OS_ACCESS_KEY", "ITACCESSKEY000000000")
        .env("OS_SECRET_KEY", "it-secret-key-5ecret")
        .env("OS_PROJECT_NAME", format!("{region}_project"))
        .args(["get", "job-1", "--request-timeout", "2s"]);
    assert_refused(test, &listener, "`OS_PROJECT_NAME`");
}

#[test]
fn a_clouds_yaml_region_in_the_current_directory_is_refused() {
    let (listener, region) = foreign();
    let home = tempfile::tempdir().expect("home");
    std::fs::write(
        home.path().join("clouds.yaml"),
        format!(
            "clouds:\n  otc:\n    region_name: '{region}'\n    auth:\n      token: it-token-5ecret\n      project_id: 0123456789abcdef0123456789abcdef\n"
        ),
    )
    .expect("write clouds.yaml");
    let test = Test::home(home.path()).env("OS_CLOUD", "otc").args([
        "get",
        "job-1",
        "--request-timeout",
        "2s",
    ]);
    let stderr = assert_refused(test, &listener, "`region_name` of cloud `otc`");
    assert!(stderr.contains("clouds.yaml"), "{stderr}");
}
