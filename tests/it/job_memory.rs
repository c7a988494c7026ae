//! Memory per job: the typed view of an answer costs at most a few times the answer, however
//! the answer is shaped. A stand-in server on 127.0.0.1 serves 7.5 MB answers made of
//! millions of tiny items, the shapes that cost most per byte.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command as StdCommand;
use std::sync::Arc;

use crate::common;
use crate::test::{Exit, Ran};

/// Peak resident memory allowed for `get` of two such answers: the answers themselves,
/// their views at about their own size, and the program. Keeping the items cost over 250 MiB.
const CEILING_KIB: u64 = 128 * 1024;

/// 2.5 million `{}` in `entities.results`: each one a member the view counts.
fn members_body() -> Vec<u8> {
    let items = vec!["{}"; 2_500_000].join(",");
    format!(r#"{{"status":"RUNNING","entities":{{"results":[{items}]}}}}"#).into_bytes()
}

/// 1.9 million one-letter ids in `entities.sub_jobs_list`.
fn listed_body() -> Vec<u8> {
    let items = vec![r#""a""#; 1_875_000].join(",");
    format!(r#"{{"status":"RUNNING","entities":{{"sub_jobs_list":[{items}]}}}}"#).into_bytes()
}

/// Serves the members body for `GET .../jobs/members` and the listed one for any other job,
/// keeping connections open.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let members = Arc::new(members_body());
    let listed = Arc::new(listed_body());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let members = Arc::clone(&members);
            let listed = Arc::clone(&listed);
            std::thread::spawn(move || answer(stream, &members, &listed));
        }
    });
    format!("http://{address}")
}

fn answer(stream: TcpStream, members: &[u8], listed: &[u8]) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if !matches!(reader.read_line(&mut line), Ok(1..)) {
            return;
        }
        let body = if line.contains("/jobs/members ") {
            members
        } else {
            listed
        };
        // The headers; no request here has a body.
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {}
            }
        }
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(body).is_err() {
            return;
        }
    }
}

#[test]
fn answers_of_millions_of_tiny_items_cost_about_their_size() {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return;
    }
    let endpoint = serve();
    let home = tempfile::tempdir().expect("home");
    let report = home.path().join("time.txt");
    let mut cmd = StdCommand::new(time);
    common::hermetic(&mut cmd, home.path());
    let output = cmd
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&report)
        .arg(common::binary())
        .args(["get", "members", "listed"])
        // Generous: a debug build on a busy machine reads 15 MB of JSON slowly.
        .args(["--request-timeout", "600s"])
        .env("IMSJOB_ENDPOINT", &endpoint)
        .env("OS_PROJECT_ID", "0123456789abcdef0123456789abcdef")
        .env("OS_AUTH_TOKEN", "it-token")
        .output()
        .expect("runs");
    let stdout = Ran::from(output).assert_exit(Exit::Success).stdout.clone();
    assert!(stdout.contains("0/2500000 members ok"), "{stdout}");
    assert!(stdout.contains("1875000 sub-jobs"), "{stdout}");
    let peak: u64 = std::fs::read_to_string(&report)
        .expect("time's report")
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .expect("a peak in KiB");
    common::report(&format!(
        "get of two 7.5 MB answers of tiny items: peak RSS {peak} KiB"
    ));
    assert!(peak < CEILING_KIB, "peak RSS {peak} KiB");
}
