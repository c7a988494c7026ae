//! TLS for real: `imsjob sim --tls` serves HTTPS with a self-signed certificate made at start;
//! `--cacert`, `OS_CACERT`, `SSL_CERT_FILE`/`SSL_CERT_DIR` and `--insecure`; every failure
//! towards IMS or IAM explained (imsjob must not be fooled).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::common::{
    Sim, auth_scenario,
    identity::{AK, PROJECT_NAME, SK},
    password_env,
};
use crate::test::{Exit, Test};

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
    Test::on(&tls_sim())
        .args(["get", "job-success"])
        .expect_exit(Exit::Unavailable)
        .stderr_starts_with("imsjob: error: job job-success: TLS certificate verification failed")
        // Says why, and names both ways out.
        .stderr_has("UnknownIssuer")
        .stderr_has("`--cacert FILE`")
        .stderr_has("`--insecure`")
        .stdout_empty()
        .run();
}

#[test]
fn wait_gives_up_at_once_on_an_untrusted_certificate() {
    // Asking again gets the same certificate: a wait must not spin until its deadline.
    let sim = tls_sim();
    let started = Instant::now();
    Test::on(&sim)
        .args(["wait", "job-success", "--timeout", "60s"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("`--cacert FILE`")
        .run();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn cacert_trusts_the_certificate() {
    let sim = tls_sim();
    let cacert = sim.cacert.clone().expect("cacert");
    let job = Test::on(&sim)
        .args([
            "get",
            "9a175ac692fa12540193005c340f321c",
            "--json",
            "--cacert",
        ])
        .arg(&cacert)
        // No warning.
        .stderr_is("")
        .run()
        .json();
    assert_eq!(job["job_id"], "9a175ac692fa12540193005c340f321c");
    // The same through the environment, as OpenStack users set it.
    Test::on(&sim)
        .env("OS_CACERT", &cacert)
        .args([
            "wait",
            "9a175ac692fa12540193005c340f321c",
            "--timeout",
            "10s",
        ])
        .run();
}

#[test]
fn insecure_accepts_with_a_warning() {
    Test::on(&tls_sim())
        .args(["get", "9a175ac692fa12540193005c340f321c", "--insecure"])
        .stdout_has("9a175ac692fa12540193005c340f321c")
        .stderr_starts_with("imsjob: warning: TLS certificate verification is disabled")
        .run();
}

#[test]
fn a_file_that_is_not_a_certificate_is_a_usage_error() {
    let sim = tls_sim();
    let bogus = sim.home.path().join("bogus.pem");
    std::fs::write(&bogus, "not a certificate\n").expect("write");
    Test::on(&sim)
        .args(["get", "job-success", "--cacert"])
        .arg(&bogus)
        .expect_exit(Exit::Usage)
        .stderr_has("bogus.pem")
        .run();
}

#[test]
fn the_system_store_comes_from_ssl_cert_file_or_ssl_cert_dir() {
    let sim = Sim::spawn(None, &["--tls"]);
    let cacert = sim.cacert.clone().expect("a certificate");
    // Not trusted by the system store as installed: refused.
    Test::on(&sim)
        .args(["get", "job-success"])
        .expect_exit(Exit::Unavailable)
        .run();
    // Installed as the system store, as OpenSSL tools read it: trusted without `--cacert`.
    Test::on(&sim)
        .env("SSL_CERT_FILE", &cacert)
        .args(["get", "job-success"])
        .run();
    let dir = tempfile::tempdir().expect("dir");
    std::fs::copy(&cacert, dir.path().join("sim.pem")).expect("copy");
    Test::on(&sim)
        .env("SSL_CERT_DIR", dir.path())
        .args(["get", "job-success"])
        .run();
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
            let _ = tls.read(&mut buffer);
        }
    });

    let ran = Test::home(home.path())
        .env("IMSJOB_ENDPOINT", format!("https://127.0.0.1:{port}"))
        .env("OS_PROJECT_ID", "0123456789abcdef0123456789abcdef")
        .env("OS_AUTH_TOKEN", "t")
        .args(["get", "job-x", "--cacert"])
        .arg(&pem)
        .expect_exit(Exit::Unavailable)
        .stderr_has("the server presents a CA certificate as its own")
        .stderr_has(format!("`127.0.0.1:{port}`"))
        .run();
    let hint = ran.stderr.split("hint:").nth(1).unwrap_or_default();
    assert!(hint.contains("openssl req -x509"), "{}", ran.stderr);
    assert!(
        hint.contains("`--cacert FILE`") && hint.contains("`--insecure`"),
        "{}",
        ran.stderr
    );
}

/// A proxy that accepts any `CONNECT` and relays the bytes to `target` (a TLS server with a
/// certificate nobody trusts): what a TLS-intercepting proxy looks like to a client.
fn intercepting_proxy(target: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { return };
            let target = target.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0_u8; 1];
                while !head.ends_with(b"\r\n\r\n") && client.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let Ok(mut server) = TcpStream::connect(&target) else {
                    return;
                };
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                let (mut c2, mut s2) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut s2);
                });
                let _ = std::io::copy(&mut server, &mut client);
            });
        }
    });
    format!("http://{address}")
}

#[test]
fn every_tls_failure_towards_iam_is_exit_5_with_a_clear_message() {
    let tls = Sim::spawn(Some(&auth_scenario(Some("24h"))), &["--tls"]);
    let plain = Sim::with(&auth_scenario(Some("24h")));
    let home = tempfile::tempdir().expect("home");
    let tls_address = tls.endpoint.trim_start_matches("https://").to_owned();
    let plain_address = plain.endpoint.trim_start_matches("http://").to_owned();
    // A self-signed IAM; `https://` to a plain-HTTP port; a TLS-intercepting proxy (which
    // presents its own certificate for whatever name is asked).
    let cases = [
        ("self-signed", format!("https://{tls_address}/v3"), false),
        ("plain port", format!("https://{plain_address}/v3"), false),
        (
            "intercepting proxy",
            "https://iam.example.invalid/v3".to_owned(),
            true,
        ),
    ];
    for (what, auth_url, via_proxy) in cases {
        let proxy = via_proxy.then(|| intercepting_proxy(tls_address.clone()));
        let with_proxy = |test: Test| match &proxy {
            Some(proxy) => test.env("HTTPS_PROXY", proxy),
            None => test,
        };
        let ran = with_proxy(Test::home(home.path()))
            .envs(password_env(&auth_url))
            .env("IMSJOB_ENDPOINT", &plain.endpoint)
            .args(["get", "job-ok"])
            .context(what)
            .expect_exit(Exit::Unavailable)
            .stderr_has("IAM at `")
            .stderr_has("TLS")
            .stderr_has("hint:")
            .run();
        ran.assert_no_crash();

        // The AK/SK project lookup goes to the same IAM.
        let ran = with_proxy(Test::home(home.path()))
            .env("OS_AUTH_URL", &auth_url)
            .env("OS_ACCESS_KEY", AK)
            .env("OS_SECRET_KEY", SK)
            .env("OS_PROJECT_NAME", PROJECT_NAME)
            .env("IMSJOB_ENDPOINT", &plain.endpoint)
            .args(["get", "job-ok"])
            .context(format!("AK/SK {what}"))
            .expect_exit(Exit::Unavailable)
            .stderr_has("TLS")
            .run();
        ran.assert_no_crash();
    }
    assert!(
        plain
            .requests()
            .iter()
            .all(|r| r["path"].as_str().is_some_and(|p| !p.contains("/v1/"))),
        "nothing reached IMS"
    );
}
