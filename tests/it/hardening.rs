//! Hardening: TLS failures towards IAM, credentials kept out of every output, sane token
//! reuse, a tamper-proof token cache, bounded `--jq` filters, proxies and credentials that
//! cannot work refused at start.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

use crate::common::{self, Sim, stderr_of};

const USER: &str = "it-user";
const PASSWORD: &str = "it-password-5ecret";
const DOMAIN: &str = "OTC-IT-DOMAIN";
const PROJECT_NAME: &str = "eu-de_ittest";

fn scenario(token_ttl: &str) -> String {
    format!(
        "
project_id: 0123456789abcdef0123456789abcdef
token: it-fixed-token
examples: false
auth:
  user: {USER}
  password: {PASSWORD}
  user_domain: {DOMAIN}
  project_name: {PROJECT_NAME}
  token_ttl: {token_ttl}
jobs:
  - {{id: job-ok, duration: 0s, image_name: done}}
"
    )
}

fn run(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = common::imsjob(home);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("runs")
}

fn password_env(auth_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("OS_AUTH_URL", auth_url.to_owned()),
        ("OS_USERNAME", USER.into()),
        ("OS_PASSWORD", PASSWORD.into()),
        ("OS_USER_DOMAIN_NAME", DOMAIN.into()),
        ("OS_PROJECT_NAME", PROJECT_NAME.into()),
    ]
}

fn pairs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn logins(sim: &Sim) -> usize {
    sim.requests()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.contains("/v3/auth/tokens"))
        })
        .count()
}

/// No panic, no abort: the process ended with one of the contract's exit codes.
fn assert_no_crash(output: &Output) {
    let all = common::all_output(output);
    assert!(
        !all.contains("panicked") && !all.contains("unreachable") && !all.contains("overflow"),
        "{all}"
    );
    assert!(output.status.code().is_some(), "killed by a signal: {all}");
    assert_ne!(output.status.code(), Some(134), "{all}");
    assert_ne!(output.status.code(), Some(101), "{all}");
}

/// A server answering every connection with `response` (read the request head first).
fn canned_server(response: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut head = Vec::new();
            let mut byte = [0_u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let _ = stream.write_all(&response);
        }
    });
    format!("http://{address}")
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
    let tls = Sim::spawn(Some(&scenario("24h")), &["--tls"]);
    let plain = Sim::with(&scenario("24h"));
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
        let mut env = password_env(&auth_url);
        env.push(("IMSJOB_ENDPOINT", plain.endpoint.clone()));
        if let Some(proxy) = &proxy {
            env.push(("HTTPS_PROXY", proxy.clone()));
        }
        let output = run(home.path(), &pairs(&env), &["get", "job-ok"]);
        assert_no_crash(&output);
        assert_eq!(
            output.status.code(),
            Some(5),
            "{what}: {}",
            common::all_output(&output)
        );
        let stderr = stderr_of(&output);
        assert!(stderr.contains("IAM at `"), "{what}: {stderr}");
        assert!(stderr.contains("TLS"), "{what}: {stderr}");
        assert!(stderr.contains("hint:"), "{what}: {stderr}");

        // The AK/SK project lookup goes to the same IAM.
        let mut env = vec![
            ("OS_AUTH_URL", auth_url.as_str()),
            ("OS_ACCESS_KEY", "ITACCESSKEY000000000"),
            ("OS_SECRET_KEY", "it-secret-key-5ecret"),
            ("OS_PROJECT_NAME", PROJECT_NAME),
            ("IMSJOB_ENDPOINT", plain.endpoint.as_str()),
        ];
        if let Some(proxy) = &proxy {
            env.push(("HTTPS_PROXY", proxy.as_str()));
        }
        let output = run(home.path(), &env, &["get", "job-ok"]);
        assert_no_crash(&output);
        assert_eq!(
            output.status.code(),
            Some(5),
            "AK/SK {what}: {}",
            common::all_output(&output)
        );
        assert!(stderr_of(&output).contains("TLS"), "AK/SK {what}");
    }
    assert!(
        plain
            .requests()
            .iter()
            .all(|r| r["path"].as_str().is_some_and(|p| !p.contains("/v1/"))),
        "nothing reached IMS"
    );
}

#[test]
fn userinfo_in_urls_never_reaches_any_output() {
    const SECRET: &str = "url-pa55word";
    let sim = Sim::with(&scenario("24h"));
    let home = tempfile::tempdir().expect("home");
    let with_userinfo = sim
        .endpoint
        .replace("http://", &format!("http://someone:{SECRET}@"));

    // In the IMS endpoint, logged at every verbosity.
    let output = run(
        home.path(),
        &[
            ("IMSJOB_ENDPOINT", with_userinfo.as_str()),
            ("OS_PROJECT_ID", sim.project_id.as_str()),
            ("OS_AUTH_TOKEN", sim.token.as_str()),
        ],
        &["get", "job-ok", "-vvv"],
    );
    assert!(
        common::all_output(&output).contains("debug"),
        "{}",
        common::all_output(&output)
    );
    assert!(
        !common::all_output(&output).contains(SECRET),
        "{}",
        common::all_output(&output)
    );

    // In the IAM URL, when IAM cannot be reached (no -v).
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let mut env = password_env(&format!("http://someone:{SECRET}@127.0.0.1:{port}/v3"));
    env.push(("IMSJOB_ENDPOINT", sim.endpoint.clone()));
    let output = run(home.path(), &pairs(&env), &["get", "job-ok"]);
    assert_eq!(
        output.status.code(),
        Some(5),
        "{}",
        common::all_output(&output)
    );
    assert!(
        stderr_of(&output).contains("127.0.0.1"),
        "{}",
        common::all_output(&output)
    );
    assert!(
        !common::all_output(&output).contains(SECRET),
        "{}",
        common::all_output(&output)
    );

    // In an invalid endpoint.
    let invalid = format!("http://someone:{SECRET}@127.0.0.1:1/?query");
    let output = run(
        home.path(),
        &[
            ("IMSJOB_ENDPOINT", invalid.as_str()),
            ("OS_PROJECT_ID", sim.project_id.as_str()),
            ("OS_AUTH_TOKEN", sim.token.as_str()),
        ],
        &["get", "job-ok"],
    );
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        common::all_output(&output)
    );
    assert!(
        !common::all_output(&output).contains(SECRET),
        "{}",
        common::all_output(&output)
    );
}

#[test]
fn a_server_echoing_the_password_or_a_huge_request_id_is_defused() {
    let request_id = "r".repeat(60_000);
    let body = format!(r#"{{"error": {{"code": 401, "message": "bad password {PASSWORD}"}}}}"#);
    let response = format!(
        "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nx-request-id: {request_id}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let iam = canned_server(response.into_bytes());
    let home = tempfile::tempdir().expect("home");
    let mut env = password_env(&format!("{iam}/v3"));
    env.push(("IMSJOB_ENDPOINT", "http://127.0.0.1:1".to_owned()));
    let output = run(home.path(), &pairs(&env), &["get", "job-ok", "-vvv"]);
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        common::all_output(&output)
    );
    let all = common::all_output(&output);
    assert!(!all.contains(PASSWORD), "{all}");
    assert!(all.contains("bad password <redacted>"), "{all}");
    assert!(all.len() < 4_000, "{} bytes of output", all.len());
}

#[test]
fn a_short_lived_token_serves_twenty_jobs_with_one_login() {
    let sim = Sim::with(&scenario("2m"));
    let home = tempfile::tempdir().expect("home");
    let mut env = password_env(&format!("{}/v3", sim.endpoint));
    env.push(("IMSJOB_ENDPOINT", sim.endpoint.clone()));
    let ids: Vec<String> = (0..20).map(|_| "job-ok".to_owned()).collect();
    let mut args = vec!["get"];
    args.extend(ids.iter().map(String::as_str));
    args.push("--no-token-cache");
    let output = run(home.path(), &pairs(&env), &args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::all_output(&output)
    );
    assert_eq!(logins(&sim), 1, "one login for twenty requests");
}

fn token_dir(home: &Path) -> PathBuf {
    home.join(".cache").join("imsjob").join("tokens")
}

#[test]
fn a_changed_password_or_region_is_not_served_from_the_cache() {
    let sim = Sim::with(&scenario("24h"));
    let home = tempfile::tempdir().expect("home");
    let mut env = password_env(&format!("{}/v3", sim.endpoint));
    env.push(("IMSJOB_ENDPOINT", sim.endpoint.clone()));
    let first = run(home.path(), &pairs(&env), &["get", "job-ok"]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        common::all_output(&first)
    );
    let again = run(home.path(), &pairs(&env), &["get", "job-ok"]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        common::all_output(&again)
    );
    assert_eq!(logins(&sim), 1, "the cache served the second run");

    // A wrong password no longer "works" thanks to a cached token.
    let mut wrong = env.clone();
    wrong[2].1 = "not-the-password".into();
    let output = run(home.path(), &pairs(&wrong), &["get", "job-ok"]);
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        common::all_output(&output)
    );
    assert_eq!(logins(&sim), 2);

    // Another region is another cache entry.
    let mut region = env.clone();
    region.push(("OS_REGION_NAME", "eu-nl".into()));
    let output = run(home.path(), &pairs(&region), &["get", "job-ok"]);
    assert_eq!(logins(&sim), 3, "{}", common::all_output(&output));

    let key = token_dir(home.path()).join("hmac.key");
    let content = std::fs::read(&key).expect("the HMAC key exists");
    assert_eq!(content.len(), 32);
    for entry in std::fs::read_dir(token_dir(home.path())).expect("dir") {
        let text = std::fs::read(entry.expect("entry").path()).expect("read");
        assert!(
            !String::from_utf8_lossy(&text).contains(PASSWORD),
            "no password on disk"
        );
    }
}

#[test]
fn stale_temp_files_are_swept_and_an_open_directory_is_made_private() {
    use std::os::unix::fs::PermissionsExt;
    let sim = Sim::with(&scenario("24h"));
    let home = tempfile::tempdir().expect("home");
    let dir = token_dir(home.path());
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    // What a process killed between writing and renaming leaves behind.
    let stale = dir.join(".tmp-killed.tmp");
    std::fs::write(&stale, "MIIsim-token-left-behind").expect("write");
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .expect("open")
        .set_modified(SystemTime::now() - Duration::from_secs(600))
        .expect("mtime");
    let mut env = password_env(&format!("{}/v3", sim.endpoint));
    env.push(("IMSJOB_ENDPOINT", sim.endpoint.clone()));
    let output = run(home.path(), &pairs(&env), &["get", "job-ok"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::all_output(&output)
    );
    assert!(!stale.exists(), "the stale temporary file was swept");
    let mode = std::fs::metadata(&dir).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "tightened");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.ends_with(".tmp")),
        "no temporary file outlives the process: {names:?}"
    );
}

#[test]
fn a_cache_directory_owned_by_someone_else_is_refused_with_a_warning() {
    use std::os::unix::fs::MetadataExt;
    let home = tempfile::tempdir().expect("home");
    // Only root can give a directory away; elsewhere there is nothing to test.
    let probe = home.path().join("probe");
    std::fs::write(&probe, "").expect("probe");
    if std::fs::metadata(&probe).expect("meta").uid() != 0 {
        return;
    }
    let sim = Sim::with(&scenario("24h"));
    let dir = token_dir(home.path());
    std::fs::create_dir_all(&dir).expect("dir");
    std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).expect("chown");
    let mut env = password_env(&format!("{}/v3", sim.endpoint));
    env.push(("IMSJOB_ENDPOINT", sim.endpoint.clone()));
    let output = run(home.path(), &pairs(&env), &["get", "job-ok"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::all_output(&output)
    );
    assert!(
        stderr_of(&output).contains("warning: token cache directory"),
        "{}",
        common::all_output(&output)
    );
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        0,
        "nothing written there"
    );
}

#[test]
fn jq_filters_that_would_exhaust_the_stack_or_memory_are_errors() {
    let sim = Sim::builtin();
    for filter in ["def f: [f]; f", "[range(1e9)]"] {
        let output = sim
            .cmd()
            .args(["get", "job-success", "--jq", filter])
            .output()
            .expect("runs");
        assert_no_crash(&output);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{filter}: {}",
            common::all_output(&output)
        );
        assert!(
            stderr_of(&output).contains("jq: the filter"),
            "{}",
            common::all_output(&output)
        );
    }
    let output = sim
        .cmd()
        .args(["get", "job-success", "--jq", ".job_id"])
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        common::all_output(&output)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "job-success\n");
}

#[test]
fn line_breaks_in_credentials_are_configuration_errors_naming_the_variable() {
    let sim = Sim::builtin();
    for (variable, value) in [
        ("OS_AUTH_TOKEN", "sim-token\r\nX-Evil: 1"),
        ("OS_ACCESS_KEY", "AK\r\nX-Evil: 1"),
    ] {
        let mut cmd = common::imsjob(sim.home.path());
        cmd.env("IMSJOB_ENDPOINT", &sim.endpoint)
            .env("OS_PROJECT_ID", &sim.project_id)
            .env(variable, value)
            .args(["get", "job-success"]);
        if variable == "OS_ACCESS_KEY" {
            cmd.env("OS_SECRET_KEY", "some-secret-key");
        }
        let output = cmd.output().expect("runs");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{variable}: {}",
            common::all_output(&output)
        );
        assert!(
            stderr_of(&output).contains(&format!("`{variable}`")),
            "{}",
            common::all_output(&output)
        );
        assert!(
            !common::all_output(&output).contains("X-Evil"),
            "{}",
            common::all_output(&output)
        );
    }
    assert!(sim.requests().is_empty(), "nothing sent");
}

#[test]
fn a_socks_proxy_is_refused_at_start_naming_the_variable() {
    let sim = Sim::builtin();
    for variable in ["ALL_PROXY", "https_proxy", "HTTP_PROXY"] {
        let output = sim
            .cmd()
            .env(variable, "socks5://proxy-user:proxy-secret@127.0.0.1:1080")
            .args(["get", "job-success"])
            .output()
            .expect("runs");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{variable}: {}",
            common::all_output(&output)
        );
        let stderr = stderr_of(&output);
        assert!(stderr.contains(&format!("`{variable}`")), "{stderr}");
        assert!(stderr.contains("socks5"), "{stderr}");
        assert!(!stderr.contains("proxy-secret"), "{stderr}");
    }
    assert!(sim.requests().is_empty(), "nothing sent");
}

fn canned_ims(response: String) -> (tempfile::TempDir, assert_cmd::Command) {
    let endpoint = canned_server(response.into_bytes());
    let home = tempfile::tempdir().expect("home");
    let mut cmd = common::imsjob(home.path());
    cmd.env("IMSJOB_ENDPOINT", endpoint)
        .env("OS_PROJECT_ID", "0123456789abcdef0123456789abcdef")
        .env("OS_AUTH_TOKEN", "fixed-token-value");
    (home, cmd)
}

#[test]
fn an_answer_about_another_job_is_unusable() {
    let body = r#"{"job_id": "some-other-job", "status": "SUCCESS", "job_type": "x"}"#;
    let (_home, mut cmd) = canned_ims(format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ));
    let output = cmd.args(["get", "job-asked"]).output().expect("runs");
    assert_eq!(
        output.status.code(),
        Some(5),
        "{}",
        common::all_output(&output)
    );
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("`some-other-job`, not the one asked for"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("SUCCESS"));
}

#[test]
fn a_redirect_says_to_give_the_final_url() {
    let (_home, mut cmd) = canned_ims(
        "HTTP/1.1 301 Moved Permanently\r\nlocation: https://elsewhere.example/v1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            .to_owned(),
    );
    let output = cmd.args(["get", "job-asked"]).output().expect("runs");
    assert_eq!(
        output.status.code(),
        Some(5),
        "{}",
        common::all_output(&output)
    );
    let stderr = stderr_of(&output);
    assert!(stderr.contains("HTTP 301"), "{stderr}");
    assert!(stderr.contains("hint: the endpoint redirects"), "{stderr}");
    assert!(stderr.contains("--endpoint"), "{stderr}");
}
