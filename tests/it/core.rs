//! The core contract: get, wait, tree, exit codes, errors.

use std::time::Duration;

use serde_json::Value;

use crate::common::{Sim, examples, imsjob, stderr_of, stdout_of};

#[test]
fn every_documented_example_round_trips_unchanged() {
    let sim = Sim::builtin();
    let all = examples();
    assert_eq!(all.len(), 14);
    for (name, text) in &all {
        let expected: Value = serde_json::from_str(text).expect("example JSON");
        let id = expected["job_id"].as_str().expect("job_id");
        let output = sim
            .cmd()
            .args(["get", id, "--json"])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{name}: {}", stderr_of(&output));
        let stdout = stdout_of(&output);
        // Field for field, in order, numbers as sent (the published text is indented by 4,
        // imsjob prints by 2).
        let published = serde_json::to_string_pretty(&expected).expect("JSON");
        assert_eq!(stdout.trim_end(), published, "{name} changed");
    }
}

#[test]
fn several_ids_give_an_array_in_argument_order() {
    let sim = Sim::builtin();
    let ids = [
        "9a175ac692fa12540193005c340f321c",
        "9a175ac892fa1342019300224f22218e",
    ];
    let output = sim
        .cmd()
        .arg("get")
        .args(ids)
        .arg("--json")
        .output()
        .expect("runs");
    assert!(output.status.success());
    let doc: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let got: Vec<&str> = doc
        .as_array()
        .expect("array")
        .iter()
        .map(|j| j["job_id"].as_str().expect("id"))
        .collect();
    assert_eq!(got, ids);
}

#[test]
fn unknown_fields_and_statuses_survive() {
    let sim = Sim::with(
        r#"
examples: false
jobs:
  - id: odd-job
    type: imsBrandNewJob
    outcome: QUEUED_FOREVER
    duration: 0s
    extra: {shiny_new_field: {nested: [1, true]}}
    entities: {alarm_code: X-1}
  - id: exact-numbers
    faults: [{body: '{"job_id": "exact-numbers", "status": "SUCCESS", "n": 2.50, "big": 123456789012345678901234567890}', times: 5}]
"#,
    );
    let output = sim
        .cmd()
        .args(["get", "odd-job", "--json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stdout = stdout_of(&output);
    assert!(stdout.contains("\"shiny_new_field\""), "{stdout}");
    assert!(stdout.contains("\"alarm_code\": \"X-1\""));
    let exact = sim
        .cmd()
        .args(["get", "exact-numbers", "--json"])
        .output()
        .expect("runs");
    let exact = stdout_of(&exact);
    assert!(
        exact.contains("\"n\": 2.50"),
        "numbers are kept as sent: {exact}"
    );
    assert!(exact.contains("123456789012345678901234567890"), "{exact}");
    // An unknown status is shown raw and is never taken for success.
    let table = sim.cmd().args(["get", "odd-job"]).output().expect("runs");
    assert!(stdout_of(&table).contains("QUEUED_FOREVER"));
    assert!(stdout_of(&table).contains("imsBrandNewJob"));
    sim.cmd()
        .args(["wait", "odd-job", "--timeout", "0"])
        .assert()
        .code(124);
}

#[test]
fn table_snapshot_at_fixed_width() {
    let sim = Sim::builtin();
    let output = sim
        .cmd()
        .env("COLUMNS", "150")
        .args([
            "get",
            "-o",
            "wide",
            "9a175ac892fa13420193006a49173317",
            "9a175ac692fa12540193002a6d4b2720",
            "9a175ac792fa12d20193002da96f2ac2",
            "9a175ac792fa12d20193002100dd2762",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let expected = "\
JOB ID                            TYPE                      STATUS   STARTED               DURATION  RESULT
9a175ac892fa13420193006a49173317  imsImportOvaImageJob      SUCCESS  2024-11-06 07:39:45Z  10m00s    1 sub-job
9a175ac692fa12540193002a6d4b2720  imsAddImageMembersJob     SUCCESS  2024-11-06 06:30:00Z  2s        1/1 members ok
9a175ac792fa12d20193002da96f2ac2  imsDelImageMembersJob     SUCCESS  2024-11-06 06:33:32Z  1s
9a175ac792fa12d20193002100dd2762  imsCreateImageByInstance  SUCCESS  2024-11-06 06:19:43Z  3m41s     3f7185de-b59a-4bb8-aa1d-7a513528b0e9 (test)
";
    assert_eq!(stdout_of(&output), expected);
    assert!(!output.stdout.contains(&0x1b), "no ANSI off a terminal");
}

#[test]
fn narrow_table_fits_the_width() {
    let sim = Sim::builtin();
    let output = sim
        .cmd()
        .env("COLUMNS", "100")
        .args(["get", "9a175ac792fa12d20193002100dd2762"])
        .output()
        .expect("runs");
    let text = stdout_of(&output);
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line:?}");
    }
    // Columns give way (STARTED, then TYPE); ids are never cut.
    assert!(
        text.contains("9a175ac792fa12d20193002100dd2762  SUCCESS"),
        "{text}"
    );
    assert!(
        text.contains("3f7185de-b59a-4bb8-aa1d-7a513528b0e9 (test)"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn wait_success_exits_0_with_few_polls() {
    let sim =
        Sim::with("examples: false\njobs: [{id: four-seconds, duration: 4s, image_name: img}]\n");
    let output = sim
        .cmd()
        .args(["wait", "four-seconds", "--json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let doc: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(doc["status"], "SUCCESS");
    assert_eq!(doc["entities"]["image_name"], "img");
    // 0 s, ~2 s, ~5 s: a 4-second job costs three or four polls, not one a second.
    let polls = sim.requests_for("four-seconds").len();
    assert!((2..=4).contains(&polls), "{polls} polls");
}

#[test]
fn wait_fail_exits_1_with_the_reason_on_stderr() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: doomed, duration: 1s, outcome: FAIL, error_code: IMG.0194, fail_reason: too many imports at once}]\n",
    );
    let output = sim
        .cmd()
        .args(["wait", "doomed", "--interval", "500ms"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("doomed"), "{stderr}");
    assert!(
        stderr.contains("IMG.0194: too many imports at once"),
        "{stderr}"
    );
    assert!(stdout_of(&output).contains("FAIL"));
}

#[test]
fn wait_timeout_exits_124_and_says_the_job_may_finish() {
    let sim = Sim::with("examples: false\njobs: [{id: slowpoke, duration: 1h}]\n");
    let output = sim
        .cmd()
        .args(["wait", "slowpoke", "--timeout", "1s", "--json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(124));
    assert!(stderr_of(&output).contains("may still finish"));
    let doc: Value = serde_json::from_slice(&output.stdout).expect("final state as JSON");
    assert_eq!(doc["job_id"], "slowpoke");
}

#[test]
fn wait_several_jobs_takes_the_most_severe_code() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: good, duration: 0s}, {id: bad, duration: 0s, outcome: FAIL}]\n",
    );
    sim.cmd().args(["wait", "good", "bad"]).assert().code(1);
    // Not found (4) outranks FAIL (1).
    sim.cmd()
        .args(["wait", "good", "bad", "missing", "--timeout", "0"])
        .assert()
        .code(4);
}

#[test]
fn tree_fetches_sub_jobs_listed_only_by_id() {
    let sim = Sim::with(
        r"
examples: false
jobs:
  - id: parent
    type: imsImportOvaImageJob
    duration: 0s
    embed_sub_jobs: false
    sub_jobs: [{id: child-one, type: imsImportImageJob, duration: 0s, image_name: disk0}]
",
    );
    let output = sim.cmd().args(["tree", "parent"]).output().expect("runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    assert!(text.contains("└─ child-one"), "{text}");
    assert!(text.contains("disk0"), "{text}");
    assert_eq!(sim.requests_for("child-one").len(), 1, "fetched by id");

    let output = sim
        .cmd()
        .args(["tree", "parent", "--json"])
        .output()
        .expect("runs");
    let doc: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(doc["job"]["job_id"], "parent");
    assert_eq!(doc["sub_jobs"][0]["job"]["job_id"], "child-one");
    assert_eq!(doc["sub_jobs"][0]["sub_jobs"], Value::Array(vec![]));
}

#[test]
fn tree_reports_a_sub_job_that_cannot_be_fetched() {
    let sim = Sim::with(
        r"
examples: false
jobs:
  - id: parent
    duration: 0s
    entities: {sub_jobs_list: [ghost-child]}
",
    );
    let output = sim
        .cmd()
        .args(["tree", "parent", "--json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(4));
    let doc: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(doc["sub_jobs"][0]["job_id"], "ghost-child");
    assert_eq!(doc["sub_jobs"][0]["error"]["status"], 400);
    assert_eq!(doc["sub_jobs"][0]["error"]["code"], "IMG.0023");
}

#[test]
fn tree_of_the_documented_ova_example() {
    let sim = Sim::builtin();
    let output = sim
        .cmd()
        .args(["tree", "9a175ac892fa13420193006a49173317"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let text = stdout_of(&output);
    assert!(
        text.contains("└─ 9a175ac892fa13420193006c29e133f0"),
        "{text}"
    );
    assert!(
        text.contains("fc496c19-40c2-4220-8b1a-eba9d53fca7b (test)"),
        "{text}"
    );
}

#[test]
fn hostile_id_exits_2_and_nothing_is_sent() {
    let sim = Sim::builtin();
    for bad in [
        "../x",
        "a/b",
        "a%2fb",
        "a b",
        "ünïcode",
        &"a".repeat(10_000),
    ] {
        let output = sim
            .cmd()
            .args(["get", "good-id", bad])
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let stderr = stderr_of(&output);
        assert!(
            stderr.starts_with("imsjob: error: invalid job id"),
            "{stderr}"
        );
        assert!(stderr.len() < 300, "a long id is shortened in the message");
    }
    sim.cmd().args(["wait", "../x"]).assert().code(2);
    sim.cmd().args(["tree", "../x"]).assert().code(2);
    assert!(sim.requests().is_empty(), "the server saw a request");
}

#[test]
fn ids_from_stdin() {
    let sim = Sim::builtin();
    let output = sim
        .cmd()
        .args(["get", "-", "--jq", ".[].job_type"])
        .write_stdin(
            "# the batch\n9a175ac692fa12540193005c340f321c\n\n9a175ac892fa1342019300224f22218e\n",
        )
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(
        stdout_of(&output),
        "imsUpdateImageMembersJob\nimsImportImageJob\n"
    );
    let output = sim
        .cmd()
        .args(["get", "-"])
        .write_stdin("good\n../bad\n")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("stdin line 2"));
}

#[test]
fn wrong_token_exits_3() {
    let sim = Sim::builtin();
    let output = sim
        .cmd()
        .env("OS_AUTH_TOKEN", "not-the-token")
        .args(["get", "9a175ac692fa12540193005c340f321c"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(3));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("HTTP 401 APIGW.0301"), "{stderr}");
    assert!(
        !stderr.contains("not-the-token"),
        "the token leaked: {stderr}"
    );
}

#[test]
fn unknown_job_exits_4_with_the_api_error_code() {
    let sim = Sim::builtin();
    let output = sim
        .cmd()
        .args(["get", "no-such-job"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(4));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("HTTP 400 IMG.0023"), "{stderr}");
    assert!(stderr.contains("check the job id"), "{stderr}");
    // The gateway's request id: 32 hex digits.
    let id = stderr
        .split("request id ")
        .nth(1)
        .and_then(|rest| rest.get(..32))
        .expect("a request id");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{stderr}");
    assert!(stdout_of(&output).is_empty());
}

#[test]
fn malformed_json_exits_5_without_a_panic() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: torn, faults: [{body: '{\"job_id\": \"torn', times: 10}]}, {id: html, faults: [{html: true, times: 10}]}]\n",
    );
    let output = sim.cmd().args(["get", "torn"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(5));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("malformed JSON"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // An HTML error page is retried (it is a 502), then reported as unusable.
    let output = sim.cmd().args(["get", "html"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(5));
    assert!(stderr_of(&output).contains("HTTP 502"));
    assert_eq!(
        sim.requests_for("html").len(),
        4,
        "one try and three retries"
    );
}

#[test]
fn a_json_body_that_is_not_a_job_is_never_success() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: empty, document: {}}, {id: lowercase, document: {job_id: lowercase, status: success}}]\n",
    );
    let output = sim
        .cmd()
        .args(["wait", "empty", "--timeout", "0"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(5), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("no `status`"));
    // `success` is not `SUCCESS`: not terminal, so a check-once wait says 124.
    sim.cmd()
        .args(["wait", "lowercase", "--timeout", "0"])
        .assert()
        .code(124);
}

#[test]
fn missing_credentials_exit_2_naming_the_variables() {
    let home = tempfile::tempdir().expect("home");
    let output = imsjob(home.path())
        .args(["get", "abc"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("OS_AUTH_TOKEN"), "{stderr}");
}

#[test]
fn closed_stdout_is_not_an_error() {
    let sim = Sim::builtin();
    let mut child = sim
        .std_cmd()
        .args(["get", "-", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        for (_, text) in examples() {
            let doc: Value = serde_json::from_str(&text).expect("json");
            writeln!(stdin, "{}", doc["job_id"].as_str().expect("id")).expect("write");
        }
    }
    // Close our end of stdout at once, like `| head -0`.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("ends");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(!stderr_of(&output).contains("Broken pipe"));
}

#[test]
fn bad_jq_is_a_usage_error_before_any_request() {
    let sim = Sim::builtin();
    let output = sim
        .cmd()
        .args(["get", "abc", "--jq", ".["])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("invalid `--jq` expression"));
    assert!(sim.requests().is_empty());
}

#[test]
fn demo_runs_offline_and_ends_well() {
    let home = tempfile::tempdir().expect("home");
    let started = std::time::Instant::now();
    let output = imsjob(home.path()).arg("demo").output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(started.elapsed() < Duration::from_secs(20));
    let stdout = stdout_of(&output);
    assert!(stdout.contains("demo-ova-import"), "{stdout}");
    assert!(stdout.contains("├─ demo-ova-disk-0"), "{stdout}");
    assert!(stdout.contains("imsjob wait"), "{stdout}");
    assert!(stderr_of(&output).contains("RUNNING"), "progress is shown");
}

#[test]
fn sim_refuses_a_bad_scenario_naming_the_line() {
    let home = tempfile::tempdir().expect("home");
    let path = home.path().join("bad.yaml");
    std::fs::write(&path, "jobs:\n  - id: ok\n    duration: [oops]\n").expect("write");
    let output = imsjob(home.path())
        .args(["sim", "--scenario"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("bad.yaml") && stderr.contains("line 2"),
        "{stderr}"
    );
}

#[test]
fn proxies_from_the_environment_are_honoured() {
    let sim = Sim::builtin();
    // The endpoint's host does not resolve: only a proxy can reach it. The simulator itself
    // serves as the proxy (it reads the path of an absolute-form request).
    let via_proxy = || {
        let mut cmd = sim.cmd();
        cmd.env("IMSJOB_ENDPOINT", "http://ims.unreachable.invalid")
            .env("HTTP_PROXY", &sim.endpoint)
            .args(["get", "9a175ac692fa12540193005c340f321c", "--jq", ".status"]);
        cmd
    };
    let output = via_proxy().output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(stdout_of(&output), "SUCCESS\n");
    let output = via_proxy()
        .env("NO_PROXY", "ims.unreachable.invalid")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(5), "NO_PROXY bypasses the proxy");
}

#[test]
fn a_jq_filter_that_fails_on_the_document_is_a_usage_error() {
    let sim = Sim::builtin();
    let output = sim
        .cmd()
        .args([
            "get",
            "9a175ac692fa12540193005c340f321c",
            "--jq",
            ".status | .foo",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("jq: cannot index"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn a_format_that_does_not_apply_is_refused_before_anything_is_sent() {
    let sim = Sim::builtin();
    for args in [
        ["get", "job-success", "-o", "tree"],
        ["wait", "job-success", "-o", "tree"],
    ] {
        let output = sim.cmd().args(args).output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = stderr_of(&output);
        assert!(
            stderr.starts_with(&format!(
                "imsjob: error: `-o tree` does not apply to `{}`\n",
                args[0]
            )),
            "{stderr}"
        );
        assert!(
            stderr.contains("hint: use `-o` `table` or `wide` or `json`"),
            "{stderr}"
        );
    }
    assert!(sim.requests_for("job-success").is_empty());
    // A tree is a table with branches: `tree -o table` is the tree.
    let output = sim
        .cmd()
        .args(["tree", "job-ova", "-o", "table"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(stdout_of(&output).contains("└─ "), "{}", stdout_of(&output));
}
