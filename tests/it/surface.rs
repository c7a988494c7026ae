//! The operator's and the script author's surface: tables and live progress that fit real
//! terminals (tmux at 60, 80 and 120 columns), rendering linear in the answer's size,
//! progress that tells the truth, `--events`, the JSON shape rules, `--jq` that cannot change
//! the exit code, a wait interrupted, and the demo.

use std::io::{BufRead, BufReader};
use std::process::{Command as StdCommand, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Sim, binary, eventually, imsjob, stderr_of, stdout_of};

/// Ids as IMS writes them (32 hex characters) and image ids as UUIDs (36).
const DONE: &str = "ff8080814dbd65d7014dbe0d84db0013";
const FAILED: &str = "ff8080814dbd65d7014dbe0d84db0014";
const OVA: &str = "ff8080814dbd65d7014dbe0d84db0015";
const DISK_0: &str = "ff8080814dbd65d7014dbe0d84db0016";
const DISK_1: &str = "ff8080814dbd65d7014dbe0d84db0017";
const IMAGE: &str = "2b7e3d8a-9f4c-4d1e-8b6a-0c5f7e9d1a2b";
const DISK_IMAGE: &str = "7c1d9e2f-3a4b-4c5d-8e6f-9a0b1c2d3e4f";

fn scenario() -> String {
    format!(
        "examples: false
jobs:
  - {{id: {DONE}, type: imsCreateImageByInstance, duration: 0s, image_name: web-server-2024, image_id: {IMAGE}}}
  - {{id: {FAILED}, type: imsImportImageJob, duration: 0s, outcome: FAIL, error_code: IMG.0194,
     fail_reason: The maximum number of images being imported at once is reached.}}
  - id: {OVA}
    type: imsImportOvaImageJob
    duration: 0s
    sub_jobs:
      - {{id: {DISK_0}, start: 0s, duration: 0s, image_name: system-disk, image_id: {DISK_IMAGE}}}
      - {{id: {DISK_1}, start: 0s, duration: 0s, image_name: data-disk}}
"
    )
}

/// A tmux server of its own, with one window of a given width running one command.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// Runs `imsjob ARGS` against `sim` on a `cols`-column terminal. `None` without tmux.
    fn run(sim: &Sim, cols: u16, args: &str) -> Option<Self> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let probe = StdCommand::new("tmux").arg("-V").output();
        if !probe.is_ok_and(|o| o.status.success()) {
            return None;
        }
        let socket = format!(
            "imsjob-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        // `env -i`: the program sees only what is set here, whatever the tmux server has.
        let command = format!(
            "env -i HOME={home} TERM=xterm-256color IMSJOB_ENDPOINT={endpoint} \
             OS_PROJECT_ID={project} OS_AUTH_TOKEN={token} {binary} {args}; \
             echo __EXIT=$?; sleep 600",
            home = sim.home.path().display(),
            endpoint = sim.endpoint,
            project = sim.project_id,
            token = sim.token,
            binary = binary().display(),
        );
        let started = StdCommand::new("tmux")
            .env_remove("TMUX")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &cols.to_string(), "-y", "60", &command])
            .status()
            .expect("tmux runs");
        assert!(started.success(), "tmux new-session");
        Some(Self { socket })
    }

    /// The screen, row by row, as the terminal shows it (wrapped lines stay wrapped).
    fn screen(&self) -> String {
        let output = StdCommand::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-S", "-"])
            .output()
            .expect("capture");
        stdout_of(&output)
    }

    /// Waits for the command to end; its exit code and the final screen.
    fn finish(&self) -> (i32, String) {
        let mut screen = String::new();
        assert!(
            eventually(Duration::from_secs(30), || {
                screen = self.screen();
                screen.contains("__EXIT=")
            }),
            "the command ended: {screen}"
        );
        let code = screen
            .split("__EXIT=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|code| code.parse().ok())
            .expect("an exit code");
        (code, screen)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = StdCommand::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// Every id is on one screen row, whole.
fn ids_whole(screen: &str, ids: &[&str]) -> bool {
    ids.iter()
        .all(|id| screen.lines().any(|row| row.contains(id)))
}

#[test]
fn get_and_tree_fit_60_80_and_120_columns_without_splitting_an_id() {
    let sim = Sim::with(&scenario());
    for cols in [60, 80, 120] {
        let Some(tmux) = Tmux::run(&sim, cols, &format!("get {DONE} {FAILED} {OVA}")) else {
            return; // no tmux here
        };
        let (code, screen) = tmux.finish();
        assert_eq!(code, 0, "{screen}");
        assert!(
            ids_whole(&screen, &[DONE, FAILED, OVA, IMAGE]),
            "{cols}:\n{screen}"
        );
        assert!(screen.contains("IMG.0194"), "{cols}:\n{screen}");

        let tmux = Tmux::run(&sim, cols, &format!("tree {OVA}")).expect("tmux");
        let (code, screen) = tmux.finish();
        assert_eq!(code, 0, "{screen}");
        assert!(
            ids_whole(&screen, &[OVA, DISK_0, DISK_1, DISK_IMAGE]),
            "{cols}:\n{screen}"
        );
        assert!(screen.contains("STATUS"), "{screen}");
    }
    // Wide enough, every column is there, STARTED as an age.
    let tmux = Tmux::run(&sim, 200, &format!("get {DONE}")).expect("tmux");
    let (_, screen) = tmux.finish();
    assert!(
        screen.contains("TYPE") && screen.contains("STARTED"),
        "{screen}"
    );
    assert!(screen.contains(" ago "), "{screen}");
}

#[test]
fn off_a_terminal_rows_never_wrap_and_wide_shows_utc_times() {
    let sim = Sim::with(&scenario());
    let output = sim
        .cmd()
        .args(["get", DONE, FAILED, OVA])
        .output()
        .expect("runs");
    let text = stdout_of(&output);
    assert_eq!(text.lines().count(), 4, "one line per job: {text}");
    assert!(
        text.contains("IMG.0194: The maximum number of images being imported at once is reached.")
    );
    let wide = sim
        .cmd()
        .env("COLUMNS", "60")
        .args(["get", DONE, "-o", "wide"])
        .output()
        .expect("runs");
    let text = stdout_of(&wide);
    assert_eq!(text.lines().count(), 2, "{text}");
    let row = text.lines().nth(1).unwrap_or_default();
    assert!(row.contains("imsCreateImageByInstance") && row.ends_with("(web-server-2024)"));
    assert!(
        row.split_whitespace()
            .any(|w| w.len() == 9 && w.ends_with('Z')),
        "an absolute UTC time: {row}"
    );
}

#[test]
fn a_megabyte_fail_reason_renders_in_well_under_a_second() {
    let reason = "x".repeat(1 << 20);
    let scenario = json!({"examples": false, "jobs": [
        {"id": "huge-reason", "duration": 0, "outcome": "FAIL", "error_code": "IMG.0194", "fail_reason": reason},
    ]});
    let sim = Sim::with(&scenario.to_string());
    // First sight starts the job: it is FAIL from then on.
    sim.cmd()
        .args(["get", "huge-reason", "-q"])
        .assert()
        .success();
    for columns in ["80", ""] {
        let run = || {
            let mut cmd = sim.cmd();
            if !columns.is_empty() {
                cmd.env("COLUMNS", columns);
            }
            let started = Instant::now();
            let output = cmd.args(["get", "huge-reason"]).output().expect("runs");
            (started.elapsed(), output)
        };
        // The best of three: the machine may be busy with other tests; the program is not
        // allowed to be slow.
        let (took, output) = (0..3)
            .map(|_| run())
            .min_by_key(|(took, _)| *took)
            .expect("three runs");
        crate::common::report(&format!(
            "get with a 1 MiB fail_reason, COLUMNS={columns:?}: {took:?} (best of 3)"
        ));
        assert!(took < Duration::from_secs(1), "took {took:?}");
        assert!(output.status.success());
        let text = stdout_of(&output);
        if columns.is_empty() {
            assert!(text.contains(&reason), "off a terminal the row is whole");
        } else {
            assert!(text.lines().all(|l| l.chars().count() <= 80), "fitted");
            assert!(text.contains("IMG.0194: xxx") && text.contains('…'));
        }
    }
}

#[test]
fn the_live_wait_display_fits_and_keeps_ids_whole() {
    // Jobs of their own for each width: a job's timeline starts at its first request.
    let ids_at = |cols: u16| -> Vec<String> {
        (1..=3)
            .map(|i| {
                format!("{cols:0>3}{i}{}", "8080814dbd65d7014dbe0d84db00")
                    .chars()
                    .take(32)
                    .collect()
            })
            .collect()
    };
    let jobs: Vec<Value> = [60, 80, 120]
        .into_iter()
        .flat_map(ids_at)
        .map(|id| json!({"id": id, "duration": "6s", "queued": "300ms", "image_id": IMAGE}))
        .collect();
    let sim = Sim::with(&json!({"examples": false, "jobs": jobs}).to_string());
    for cols in [60, 80, 120] {
        let ids = ids_at(cols);
        assert_eq!(ids[0].len(), 32);
        let args = format!(
            "wait {} --interval 300ms --max-interval 300ms",
            ids.join(" ")
        );
        let Some(tmux) = Tmux::run(&sim, cols, &args) else {
            return; // no tmux here
        };
        // While it runs: one row per job, each id whole, nothing wrapped onto another row.
        let mut screen = String::new();
        let live = eventually(Duration::from_secs(20), || {
            screen = tmux.screen();
            let rows: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
            rows.len() == ids.len()
                && screen.contains("RUNNING")
                && ids.iter().all(|id| rows.iter().any(|r| r.contains(id)))
        });
        assert!(live, "{cols} columns, live display:\n{screen}");
        if cols >= 80 {
            assert!(screen.contains('['), "a bar where there is room: {screen}");
        }
        let (code, screen) = tmux.finish();
        assert_eq!(code, 0, "{screen}");
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert!(
            ids_whole(&screen, &ids) && screen.contains(IMAGE),
            "{screen}"
        );
    }
}

#[test]
fn progress_off_a_terminal_tells_the_jobs_own_story() {
    let sim = Sim::with(
        "examples: false
jobs:
  - {id: parent, type: imsImportOvaImageJob, duration: 1s, queued: 200ms, embed_sub_jobs: false,
     sub_jobs: [{id: child-a, start: 0s, duration: 500ms}, {id: child-b, start: 0s, duration: 500ms}]}
  - {id: broken, duration: 600ms, queued: 100ms, outcome: FAIL, error_code: IMG.0194, fail_reason: nope}
",
    );
    let output = sim
        .cmd()
        .args([
            "wait",
            "parent",
            "broken",
            "--interval",
            "200ms",
            "--max-interval",
            "200ms",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    // Sub-jobs listed by id only: their count, never an invented `0/2 done`.
    assert!(stderr.contains("2 sub-jobs"), "{stderr}");
    assert!(!stderr.contains("0/2"), "{stderr}");
    // The duration is the job's own (about 1 s), not the time since `wait` started.
    let success = stderr
        .lines()
        .find(|l| l.starts_with("job parent:") && l.contains("SUCCESS"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        success.contains("SUCCESS after 1s") || success.contains("SUCCESS after 9"),
        "{success}"
    );
}

#[test]
fn not_found_is_said_once_with_the_grace_left() {
    let sim = Sim::with("examples: false\njobs: []\n");
    let output = sim
        .cmd()
        .args([
            "wait",
            "ghost",
            "--not-found-grace",
            "2s",
            "--interval",
            "200ms",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(4));
    let stderr = stderr_of(&output);
    assert_eq!(stderr.matches("not found yet").count(), 1, "{stderr}");
    assert!(stderr.contains("for up to 2s more"), "{stderr}");
    assert!(sim.requests_for("ghost").len() >= 5, "it kept looking");
}

/// Starts `wait ARGS`, waits until stderr shows every line in `seen`, sends `signal`, and
/// returns the exit code, stdout and stderr.
fn interrupt_once_seen(
    sim: &Sim,
    args: &[&str],
    seen: &[&str],
    signal: &str,
) -> (i32, String, String) {
    let mut child = sim
        .std_cmd()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut log = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !seen
        .iter()
        .all(|s| log.iter().any(|l: &String| l.contains(s)))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(left) {
            Ok(line) => log.push(line),
            Err(_) => panic!("never saw {seen:?}: {log:?}"),
        }
    }
    StdCommand::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill");
    let output = child.wait_with_output().expect("ends");
    log.extend(received.iter());
    (
        output.status.code().unwrap_or(-1),
        stdout_of(&output),
        log.join("\n"),
    )
}

#[test]
fn sigint_during_wait_json_prints_the_last_known_states() {
    let sim = Sim::with("examples: false\njobs: [{id: slow-one, duration: 1h, queued: 1s}]\n");
    let (code, stdout, stderr) = interrupt_once_seen(
        &sim,
        &["wait", "slow-one", "ghost", "--json", "--interval", "200ms"],
        &["job slow-one: INIT", "job ghost: not found yet"],
        "INT",
    );
    assert_eq!(code, 130, "{stderr}");
    let document: Value = serde_json::from_str(&stdout).expect("a JSON document");
    assert_eq!(document[0]["job_id"], "slow-one");
    assert_eq!(document[0]["status"], "INIT");
    assert_eq!(document[1]["job_id"], "ghost");
    assert_eq!(document[1]["error"]["status"], 400);
    assert!(
        stderr.contains("1 job(s) keep running remotely"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 job id(s) had not been found yet"),
        "{stderr}"
    );

    // SIGTERM with `--events`: the final line, with the exit code and open jobs as `null`.
    let (code, stdout, _) = interrupt_once_seen(
        &sim,
        &["wait", "slow-one", "--events", "-v"],
        &["GET"],
        "TERM",
    );
    assert_eq!(code, 143);
    let end: Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("an end line");
    assert_eq!(end["event"], "end");
    assert_eq!(end["exit_code"], 143);
    assert_eq!(end["jobs"][0]["outcome"], Value::Null);
}

#[test]
fn events_carry_what_a_log_needs() {
    let sim = Sim::with(&format!(
        "examples: false
jobs:
  - {{id: made, duration: 1s, queued: 100ms, image_id: {IMAGE}}}
  - {{id: broken, duration: 300ms, outcome: FAIL, error_code: IMG.0194, fail_reason: too many imports}}
"
    ));
    let output = sim
        .cmd()
        .args([
            "wait",
            "made",
            "broken",
            "--events",
            "--interval",
            "200ms",
            "--max-interval",
            "200ms",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<Value> = stdout_of(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("NDJSON"))
        .collect();
    let to = |id: &str, status: &str| {
        lines
            .iter()
            .find(|l| l["job_id"] == id && l["to"] == status)
            .unwrap_or_else(|| panic!("no {id} -> {status}: {lines:?}"))
    };
    let failed = to("broken", "FAIL");
    assert_eq!(failed["error_code"], "IMG.0194");
    assert_eq!(failed["fail_reason"], "too many imports");
    assert_eq!(to("made", "SUCCESS")["image_id"], IMAGE);
    assert!(to("made", "RUNNING")["process_percent"].is_number());
    assert_eq!(lines[0]["schema"], 1, "additions keep the schema");
}

#[test]
fn ids_from_stdin_always_give_an_array() {
    let sim = Sim::with("examples: false\njobs: [{id: ok-job, duration: 0s}]\n");
    for command in ["get", "wait"] {
        let output = sim
            .cmd()
            .args([command, "-", "--json"])
            .write_stdin("ok-job\n")
            .output()
            .expect("runs");
        assert!(output.status.success(), "{}", stderr_of(&output));
        let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        assert_eq!(
            document.as_array().map(Vec::len),
            Some(1),
            "{command}: {document}"
        );
        let one: Value = serde_json::from_slice(
            &sim.cmd()
                .args([command, "ok-job", "--json"])
                .output()
                .expect("runs")
                .stdout,
        )
        .expect("JSON");
        assert!(
            one.is_object(),
            "{command}: one id as an argument is an object"
        );
    }
}

#[test]
fn a_jq_program_cannot_change_the_exit_code() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: ok-job, duration: 0s}, {id: bad-job, duration: 0s, outcome: FAIL, error_code: IMG.0194}]\n",
    );
    let run = |args: &[&str]| sim.cmd().args(args).output().expect("runs");
    for program in ["halt", "halt_error", "error(\"boom\")", ".x.y.z | .[0]"] {
        let output = run(&["wait", "bad-job", "--jq", program]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{program}: {}",
            stderr_of(&output)
        );
    }
    let output = run(&["wait", "bad-job", "--jq", "halt"]);
    assert!(
        stderr_of(&output).contains("failed: IMG.0194"),
        "the FAIL is still named"
    );
    // A runtime error after a clean run is a usage error, reported as jq's, after the requests.
    let output = run(&["get", "ok-job", "--jq", "error(\"boom\")"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("jq: ") && stderr_of(&output).contains("boom"));
    let output = run(&["get", "ok-job", "--jq", ".job_id, halt"]);
    assert_eq!(
        (output.status.code(), stdout_of(&output)),
        (Some(0), "ok-job\n".into())
    );
    // `// empty`: a missing field prints nothing, so `test -n "$IMAGE"` fails as it should.
    let output = run(&["wait", "ok-job", "--jq", ".entities.image_id // empty"]);
    assert_eq!(
        (output.status.code(), stdout_of(&output)),
        (Some(0), String::new())
    );
}

#[test]
fn the_demo_teaches_the_contract_in_under_20_seconds() {
    let home = tempfile::tempdir().expect("home");
    let started = Instant::now();
    let output = imsjob(home.path()).arg("demo").output().expect("runs");
    let took = started.elapsed();
    crate::common::report(&format!("imsjob demo: {took:?}"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(took < Duration::from_secs(20), "took {took:?}");
    let stdout = stdout_of(&output);
    for needle in [
        "-> exit 0",
        "-> exit 1",
        "-> exit 124",
        "$ imsjob get demo-ova-import",
        "\"error_code\": \"IMG.0194\"",
        "--jq",
        "├─ demo-ova-disk-0",
    ] {
        assert!(stdout.contains(needle), "{needle}:\n{stdout}");
    }
    let stderr = stderr_of(&output);
    assert!(stderr.contains("failed: IMG.0194"), "{stderr}");
    assert!(stderr.contains("timed out after 2s"), "{stderr}");
}
