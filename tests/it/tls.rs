//! TLS for real: `imsjob sim --tls` serves HTTPS with a self-signed certificate made at start
//! (imsjob must not be fooled).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Sim, stderr_of, stdout_of};

fn tls_sim() -> Sim {
    let sim = Sim::spawn(None, &["--tls"]);
    assert!(
        sim.endpoint.starts_with("https://127.0.0.1:"),
        "{}",
        sim.endpoint
    );
    let cacert = sim.cacert.as_ref().expect("a certificate path");
    let pem = std::fs::read_to_string(cacert).expect("the certificate file exists");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    sim
}

#[test]
fn default_verification_refuses_a_self_signed_certificate() {
    let sim = tls_sim();
    let output = sim
        .cmd()
        .args(["get", "job-success"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(5), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    assert!(
        stderr.starts_with("imsjob: error: job job-success: TLS certificate verification failed"),
        "{stderr}"
    );
    assert!(stderr.contains("UnknownIssuer"), "says why: {stderr}");
    assert!(
        stderr.contains("`--cacert FILE`"),
        "names --cacert: {stderr}"
    );
    assert!(stderr.contains("`--insecure`"), "{stderr}");
    assert!(stdout_of(&output).is_empty());
}

#[test]
fn wait_gives_up_at_once_on_an_untrusted_certificate() {
    // Asking again gets the same certificate: a wait must not spin until its deadline.
    let sim = tls_sim();
    let started = Instant::now();
    let output = sim
        .cmd()
        .args(["wait", "job-success", "--timeout", "60s"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(5), "{}", stderr_of(&output));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert!(stderr_of(&output).contains("`--cacert FILE`"));
}

#[test]
fn cacert_trusts_the_certificate() {
    let sim = tls_sim();
    let cacert = sim.cacert.clone().expect("cacert");
    let output = sim
        .cmd()
        .args([
            "get",
            "9a175ac692fa12540193005c340f321c",
            "--json",
            "--cacert",
        ])
        .arg(&cacert)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let job: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(job["job_id"], "9a175ac692fa12540193005c340f321c");
    assert!(
        stderr_of(&output).is_empty(),
        "no warning: {}",
        stderr_of(&output)
    );
    // The same through the environment, as OpenStack users set it.
    sim.cmd()
        .env("OS_CACERT", &cacert)
        .args([
            "wait",
            "9a175ac692fa12540193005c340f321c",
            "--timeout",
            "10s",
        ])
        .assert()
        .code(0);
}

#[test]
fn insecure_accepts_with_a_warning() {
    let sim = tls_sim();
    let output = sim
        .cmd()
        .args(["get", "9a175ac692fa12540193005c340f321c", "--insecure"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(stdout_of(&output).contains("9a175ac692fa12540193005c340f321c"));
    let stderr = stderr_of(&output);
    assert!(
        stderr.starts_with("imsjob: warning: TLS certificate verification is disabled"),
        "{stderr}"
    );
}

#[test]
fn a_file_that_is_not_a_certificate_is_a_usage_error() {
    let sim = tls_sim();
    let bogus = sim.home.path().join("bogus.pem");
    std::fs::write(&bogus, "not a certificate\n").expect("write");
    let output = sim
        .cmd()
        .args(["get", "job-success", "--cacert"])
        .arg(&bogus)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("bogus.pem"));
}
