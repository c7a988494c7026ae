//! `imsjob sim` says truthfully what it serves, naming every job id it answers for; `imsjob
//! demo` runs whatever proxy the shell has set.

use std::io::{BufRead, BufReader};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Sim, binary, hermetic};
use crate::test::Test;

fn common_home() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp home")
}

/// The stderr lines `imsjob sim ARGS` prints before it serves, up to the first line that
/// satisfies `last`.
fn banner(args: &[&str], last: impl Fn(&str) -> bool) -> Vec<String> {
    let home = common_home();
    let mut cmd = StdCommand::new(binary());
    hermetic(&mut cmd, home.path());
    let mut child = cmd
        .args(["sim", "--port", "0"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let stderr = child.stderr.take().expect("stderr");
    // Read on a thread: a banner that never prints the line looked for fails the test
    // within the deadline instead of blocking it.
    let (send, lines_read) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut lines = Vec::new();
    while let Ok(line) = lines_read.recv_timeout(deadline.saturating_duration_since(Instant::now()))
    {
        let done = last(&line);
        lines.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(lines.last().is_some_and(|l| last(l)), "{lines:#?}");
    lines
}

#[test]
fn the_banner_lists_every_example_id_and_only_what_is_served() {
    let lines = banner(&[], |l| l.contains("imsVolumesToSysDataImagesJob"));
    let examples: Vec<&String> = lines.iter().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(examples.len(), 14, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("jobs: job-success, job-fail"))
    );
    // Every id listed is served.
    let sim = Sim::builtin();
    for line in examples {
        let id = line.split_whitespace().next().expect("an id");
        Test::on(&sim).args(["get", id]).stdout_has(id).run();
    }

    let home = common_home();
    let scenario = home.path().join("scenario.yaml");
    std::fs::write(&scenario, "examples: false\njobs: [{id: only-job}]\n").expect("written");
    let path = scenario.to_string_lossy().into_owned();
    let lines = banner(&["--scenario", &path], |l| l.contains("jobs: "));
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[0].starts_with("imsjob sim: serving on http://127.0.0.1:"));
    assert_eq!(lines[1], "imsjob sim: jobs: only-job");
    assert!(!lines.concat().contains("example"), "{lines:#?}");
}

#[test]
fn demo_runs_with_a_proxy_set_in_the_shell() {
    let home = common_home();
    Test::home(home.path())
        .arg("demo")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("http_proxy", "http://127.0.0.1:9")
        .env("ALL_PROXY", "http://127.0.0.1:9")
        .stdout_has("-> exit 124")
        .run();
}
