//! The API as it really answers: every published error shape (bodies copied into
//! `tests/fixtures/error-bodies/`), the gateway's codes, throttling windows, a dead endpoint,
//! an outage after the first answer, hostile `Retry-After` values and a CA certificate served
//! as the server's own.

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{Sim, imsjob, stderr_of};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/error-bodies")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A simulator whose jobs answer with the given faults, forever (`times` large).
fn sim_with_faults(jobs: &[(&str, serde_json::Value)]) -> Sim {
    let jobs: Vec<_> = jobs
        .iter()
        .map(|(id, fault)| json!({"id": id, "duration": "1s", "faults": [fault]}))
        .collect();
    Sim::with(&json!({"examples": false, "jobs": jobs}).to_string())
}

/// One published body served with one status: what `get` must say about it.
struct Case {
    id: &'static str,
    status: u16,
    body: &'static str,
    exit: i32,
    says: &'static str,
    hint: &'static str,
}

#[test]
fn every_published_error_shape_is_shown_with_its_code_and_message() {
    let cases = [
        Case {
            id: "ims",
            status: 400,
            body: "ims-error.json",
            // IMS's answer to a job query that finds nothing: a missing job.
            exit: 4,
            says: "HTTP 400 IMG.0023: An exception occurred during task query",
            hint: "check the job id",
        },
        Case {
            id: "camel",
            status: 400,
            body: "camel-case.json",
            exit: 5,
            says: "HTTP 400 IAM.0011: Request parameter error",
            hint: "",
        },
        Case {
            id: "flat",
            status: 404,
            body: "flat.json",
            exit: 4,
            says: "HTTP 404 VPC.0101: Query resource by id failed",
            hint: "check the job id",
        },
        Case {
            id: "numeric",
            status: 404,
            body: "numeric-code.json",
            exit: 4,
            says: "HTTP 404 10404: the resource does not exist",
            hint: "check the job id",
        },
        Case {
            id: "wrapped",
            status: 404,
            body: "item-not-found.json",
            exit: 4,
            says: "HTTP 404: Instance could not be found",
            hint: "check the job id",
        },
        Case {
            id: "bad-request",
            status: 400,
            body: "bad-request.json",
            exit: 5,
            says: "HTTP 400: Invalid input for field/attribute volume",
            hint: "",
        },
        Case {
            id: "api-missing",
            status: 404,
            body: "gateway-api-missing.json",
            exit: 5,
            says: "HTTP 404 APIGW.0101: The API does not exist",
            hint: "the endpoint, region or path is wrong, not the job id",
        },
        Case {
            id: "locked",
            status: 401,
            body: "ak-locked.txt",
            exit: 3,
            says: "HTTP 401: AK access failed to reach the limit,forbidden.",
            hint: "locked for 5 minutes",
        },
        Case {
            id: "expired",
            status: 401,
            body: "gateway-signature-expired.json",
            exit: 3,
            says: "HTTP 401 APIG.0303:",
            // The simulator sends a `Date` header: the offset is measured, not guessed.
            hint: "of the server's (its `Date` header)",
        },
    ];
    let mut jobs: Vec<(&str, serde_json::Value)> = cases
        .iter()
        .map(|case| {
            (
                case.id,
                json!({"status": case.status, "body": fixture(case.body), "times": 100}),
            )
        })
        .collect();
    jobs.push((
        "error-in-200",
        json!({"body": fixture("error-in-200.json"), "times": 100}),
    ));
    let sim = sim_with_faults(&jobs);
    for case in &cases {
        let output = sim.cmd().args(["get", case.id]).output().expect("runs");
        let stderr = stderr_of(&output);
        assert_eq!(
            output.status.code(),
            Some(case.exit),
            "{}: {stderr}",
            case.id
        );
        assert!(stderr.contains(case.says), "{}: {stderr}", case.id);
        if !case.hint.is_empty() {
            let hint = stderr.split("hint:").nth(1).unwrap_or_default();
            assert!(hint.contains(case.hint), "{}: {stderr}", case.id);
        }
        // Only transient answers are asked again; none of these is.
        assert_eq!(sim.requests_for(case.id).len(), 1, "{}", case.id);
    }
    let output = sim
        .cmd()
        .args(["get", "error-in-200"])
        .output()
        .expect("runs");
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("HTTP 200 EVS.2024: Request param error"),
        "{stderr}"
    );
}

#[test]
fn a_locked_key_is_never_asked_again() {
    let sim = sim_with_faults(&[("k", json!({"ak_locked": true, "times": 100}))]);
    let output = sim
        .cmd()
        .args(["wait", "k", "--timeout", "30s"])
        .output()
        .expect("runs");
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("locked for 5 minutes"), "{stderr}");
    assert_eq!(sim.requests_for("k").len(), 1);
}

#[test]
fn check_once_is_one_request_even_when_throttled() {
    let sim = sim_with_faults(&[(
        "t",
        json!({"throttle": "limit:5, time:5 second", "times": 100}),
    )]);
    let started = Instant::now();
    let output = sim
        .cmd()
        .args(["wait", "t", "--timeout", "0"])
        .output()
        .expect("runs");
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert_eq!(sim.requests_for("t").len(), 1, "{stderr}");
    assert!(stderr.contains("throttles"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn wait_waits_out_a_five_second_throttling_window() {
    let sim = sim_with_faults(&[("t", json!({"throttle": "limit:5, time:5 second"}))]);
    let output = sim
        .cmd()
        .args(["wait", "t", "--interval", "100ms"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let log = sim.requests_for("t");
    assert!(log.len() >= 2, "{log:?}");
    let at = |i: usize| log[i]["at_ms"].as_u64().expect("a timestamp");
    assert!(
        at(1) - at(0) >= 5000,
        "polled again after {} ms",
        at(1) - at(0)
    );
}

#[test]
fn an_absurd_retry_after_neither_panics_nor_stalls() {
    for value in [
        "9223372036854775807",
        "99999999999",
        "184467440737095516150",
    ] {
        let sim = sim_with_faults(&[(
            "r",
            json!({"status": 429, "retry_after": value, "times": 100}),
        )]);
        let started = Instant::now();
        let output = sim
            .cmd()
            .args(["wait", "r", "--timeout", "2s"])
            .output()
            .expect("runs");
        let stderr = stderr_of(&output);
        // Never seen and throttled at the deadline: the API's refusal, not a timeout.
        assert_eq!(output.status.code(), Some(5), "{value}: {stderr}");
        assert!(started.elapsed() < Duration::from_secs(6), "{value}");
        let output = sim.cmd().args(["get", "r"]).output().expect("runs");
        assert_eq!(output.status.code(), Some(5), "{value}");
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[test]
fn a_dead_endpoint_fails_fast_and_is_named() {
    let port = closed_port();
    let home = tempfile::tempdir().expect("home");
    for command in [
        &["wait", "job-x"][..],
        &["get", "job-x"],
        &["tree", "job-x"],
    ] {
        let started = Instant::now();
        let output = imsjob(home.path())
            .env("IMSJOB_ENDPOINT", format!("http://127.0.0.1:{port}"))
            .env("OS_PROJECT_ID", "0123456789abcdef0123456789abcdef")
            .env("OS_AUTH_TOKEN", "t")
            .args(command)
            .output()
            .expect("runs");
        let took = started.elapsed();
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(5), "{command:?}: {stderr}");
        assert!(took <= Duration::from_secs(15), "{command:?} took {took:?}");
        assert!(
            stderr.contains(&format!("`127.0.0.1:{port}`")),
            "{command:?}: {stderr}"
        );
        assert!(stderr.contains("hint: check the endpoint"), "{stderr}");
    }
}

#[test]
fn an_outage_after_the_first_answer_is_waited_out() {
    const SCENARIO: &str = "examples: false\njobs: [{id: o, duration: 2s}]\n";
    let port = closed_port().to_string();
    let sim = Sim::spawn(Some(SCENARIO), &["--port", &port]);
    let mut wait = sim
        .std_cmd()
        .args(["wait", "o", "--timeout", "3m"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    assert!(
        crate::common::eventually(Duration::from_secs(10), || !sim
            .requests_for("o")
            .is_empty()),
        "the first poll was answered"
    );
    drop(sim);
    let outage = Instant::now();
    // The outage itself is the condition under test: 20 s, longer than a dead endpoint gets.
    std::thread::sleep(Duration::from_secs(20));
    assert!(
        wait.try_wait().expect("status").is_none(),
        "wait gave up during the outage"
    );
    let back = Sim::spawn(Some(SCENARIO), &["--port", &port]);
    let status = wait.wait().expect("ends");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut wait.stderr.take().expect("stderr"), &mut stderr)
        .expect("read");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!back.requests_for("o").is_empty());
    crate::common::report(&format!(
        "outage of 20 s waited out; done {:?} after it began",
        outage.elapsed()
    ));
}

#[test]
fn a_ca_certificate_served_as_the_servers_own_is_explained() {
    let mut params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("params");
    // What `openssl req -x509` makes by default: basicConstraints CA:TRUE.
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = params.self_signed(&key).expect("certificate");
    let home = tempfile::tempdir().expect("home");
    let pem = home.path().join("ca.pem");
    std::fs::write(&pem, cert.pem()).expect("write");

    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("config");
    let config = std::sync::Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let Ok(connection) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(connection, stream);
            let mut buffer = [0u8; 256];
            // The client refuses the certificate: the handshake ends in an alert.
            let _ = std::io::Read::read(&mut tls, &mut buffer);
        }
    });

    let output = imsjob(home.path())
        .env("IMSJOB_ENDPOINT", format!("https://127.0.0.1:{port}"))
        .env("OS_PROJECT_ID", "0123456789abcdef0123456789abcdef")
        .env("OS_AUTH_TOKEN", "t")
        .args(["get", "job-x", "--cacert"])
        .arg(&pem)
        .output()
        .expect("runs");
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("the server presents a CA certificate as its own"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("`127.0.0.1:{port}`")), "{stderr}");
    let hint = stderr.split("hint:").nth(1).unwrap_or_default();
    assert!(hint.contains("openssl req -x509"), "{stderr}");
    assert!(
        hint.contains("`--cacert FILE`") && hint.contains("`--insecure`"),
        "{stderr}"
    );
}

#[test]
fn the_system_store_comes_from_ssl_cert_file_or_ssl_cert_dir() {
    let sim = Sim::spawn(None, &["--tls"]);
    let cacert = sim.cacert.clone().expect("a certificate");
    // Not trusted by the system store as installed: refused.
    let output = sim
        .cmd()
        .args(["get", "job-success"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(5), "{}", stderr_of(&output));
    // Installed as the system store, as OpenSSL tools read it: trusted without `--cacert`.
    let output = sim
        .cmd()
        .env("SSL_CERT_FILE", &cacert)
        .args(["get", "job-success"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let dir = tempfile::tempdir().expect("dir");
    std::fs::copy(&cacert, dir.path().join("sim.pem")).expect("copy");
    let output = sim
        .cmd()
        .env("SSL_CERT_DIR", dir.path())
        .args(["get", "job-success"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
}
