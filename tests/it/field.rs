//! Features meeting each other: a refusal while another request waits out a throttling
//! window, an interrupted wait whose ids were never answered for, an unreachable IAM behind a
//! password login, and help text at the width of a common terminal.

use std::time::{Duration, Instant};

use crate::common::{Sim, closed_port, password_env};
use crate::test::{Exit, Test};

#[test]
fn a_refusal_ends_get_at_once_even_while_a_throttling_window_is_waited_out() {
    // `thr` is throttled for longer than the test allows; `locked` refuses the credentials
    // while `thr`'s five-second window runs. Nothing is sent after the refusal, so nothing
    // is left to wait for.
    let sim = Sim::with(
        "examples: false
jobs:
  - {id: ok, duration: 0s}
  - id: thr
    faults: [{throttle: 'limit:5, time:5 second', times: 50}]
  - id: locked
    faults: [{ak_locked: true, times: 50}]
",
    );
    let started = Instant::now();
    Test::on(&sim)
        .args(["get", "ok", "thr", "locked"])
        .expect_exit(Exit::AuthRefused)
        .stderr_has("job locked: HTTP 401")
        .run();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(sim.requests_for("thr").len(), 1);
}

// Unix only: Windows has no SIGINT to send another process.
#[cfg(unix)]
#[test]
fn an_interrupted_wait_does_not_call_an_id_it_had_no_answer_for_missing() {
    use std::process::Stdio;

    use crate::common::{eventually, send_signal};
    use crate::test::Ran;

    // Every answer for `down` is a 503: the API never said the job does not exist.
    let sim = Sim::with(
        "examples: false
jobs:
  - id: down
    faults: [{status: 503, times: 1000}]
  - {id: gone-soon, missing_for: 1h}
",
    );
    let child = sim
        .std_cmd()
        .args(["wait", "down", "gone-soon"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    assert!(eventually(Duration::from_secs(10), || {
        !sim.requests_for("down").is_empty() && !sim.requests_for("gone-soon").is_empty()
    }));
    send_signal(child.id(), "INT");
    let ran = Ran::from(child.wait_with_output().expect("ends"));
    ran.assert_exit(Exit::Interrupted);
    assert!(
        ran.stderr.contains("1 job id(s) had not been found yet")
            && ran.stderr.contains("1 job id(s) had no answer yet"),
        "{}",
        ran.stderr
    );
}

#[test]
fn an_unreachable_iam_is_blamed_on_the_iam_url_not_the_endpoint() {
    let url = format!("http://127.0.0.1:{}/v3", closed_port());
    Test::new()
        .envs(password_env(&url))
        .args(["get", "some-job"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("IAM at `")
        .stderr_has("hint: check the IAM URL (`OS_AUTH_URL`")
        .stderr_lacks("--endpoint")
        .run();
}

#[test]
fn the_examples_of_every_help_fit_80_columns() {
    // clap wraps help at the terminal's width (`COLUMNS` off a terminal, at most 100): an
    // example that does not fit breaks mid-comment, so at 80 columns each must read exactly
    // as it does at 100.
    let examples = |columns: &str, command: &str| {
        let ran = Test::new()
            .env("COLUMNS", columns)
            .args([command, "--help"])
            .run();
        let text = ran.stdout.split("Examples:").nth(1).map(str::to_owned);
        text.unwrap_or_else(|| panic!("`{command} --help` has examples"))
    };
    for command in [
        "get",
        "wait",
        "tree",
        "explain",
        "sim",
        "demo",
        "completions",
    ] {
        assert_eq!(
            examples("80", command),
            examples("100", command),
            "`imsjob {command} --help` at 80 columns"
        );
    }
}

#[test]
fn live_lines_of_jobs_not_seen_yet_start_their_text_in_one_column() {
    // Neither job has been seen: `down` answers 503, `gone-soon` is not found. Their notices
    // start right after the id column, in the same column.
    let sim = Sim::with(
        "examples: false
jobs:
  - id: down
    faults: [{status: 503, times: 1000}]
  - {id: gone-soon, missing_for: 1h}
",
    );
    let Some(tmux) = crate::screen::Tmux::imsjob(&sim, 80, "", "wait down gone-soon") else {
        return;
    };
    let (shown, screen) = tmux.until(Duration::from_secs(10), |s| {
        s.contains("HTTP 503") && s.contains("not found yet")
    });
    assert!(shown, "{screen}");
    let column = |needle: &str| {
        screen
            .lines()
            .find_map(|row| row.find(needle))
            .expect("shown")
    };
    assert_eq!(column("HTTP 503"), column("not found yet"), "{screen}");
    tmux.keys("C-c");
}

#[test]
fn explain_names_an_empty_argument_as_such() {
    // What `imsjob explain "$CODE"` gets when the variable is unset.
    Test::new()
        .args(["explain", ""])
        .expect_exit(Exit::Usage)
        .stderr_has("imsjob: error: an empty argument is not an error code")
        .stderr_has("hint: a code is letters, a dot and digits")
        .stderr_lacks("``")
        .stdout_empty()
        .run();
}

#[test]
fn a_scenario_fault_with_a_status_no_answer_can_carry_is_refused() {
    // Served as some other status (a 500, which `get` retries), the fault would go unseen.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let scenario = dir.path().join("typo.yaml");
    std::fs::write(&scenario, "jobs: [{id: a, faults: [{status: 99}]}]\n").expect("written");
    Test::new()
        .arg("sim")
        .arg("--scenario")
        .arg(&scenario)
        .expect_exit(Exit::Usage)
        .stderr_has("job `a`: fault `status: 99` is not an HTTP status")
        .run();
}

#[test]
fn iam_answering_404_is_a_wrong_iam_url_not_a_job_not_found() {
    // What IAM answers an `OS_AUTH_URL` pasted with `/auth/tokens` on it: a plain 404.
    let body = r#"{"error": {"code": 404, "message": "The resource could not be found.", "title": "Not Found"}}"#;
    let iam = crate::common::canned_server(
        format!(
            "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    );
    for command in ["get", "wait"] {
        Test::new()
            .envs(password_env(&format!("{iam}/v3/auth/tokens")))
            .args([command, "some-job", "--no-token-cache"])
            .expect_exit(Exit::Unavailable)
            .stderr_has("HTTP 404: IAM: The resource could not be found.")
            .stderr_has("hint: IAM has no such API at that URL: check `OS_AUTH_URL`")
            .stderr_lacks("check the job id")
            .context(command)
            .run();
    }
}

#[test]
fn jq_beside_a_view_is_refused_rather_than_the_view_silently_dropped() {
    let sim = Sim::builtin();
    for (command, view) in [
        ("get", "table"),
        ("get", "wide"),
        ("tree", "tree"),
        ("wait", "wide"),
    ] {
        Test::on(&sim)
            .args([command, "job-success", "--jq", ".", "-o", view])
            .expect_exit(Exit::Usage)
            .stderr_has(format!(
                "`--jq` filters the JSON document, so it cannot be combined with `-o {view}`"
            ))
            .stdout_empty()
            .context(format!("{command} -o {view}"))
            .run();
    }
    assert!(sim.job_requests().is_empty(), "nothing is sent");
    // With `-o json` it filters as ever.
    Test::on(&sim)
        .args(["get", "job-success", "--jq", ".job_id", "-o", "json"])
        .stdout_is("job-success\n")
        .run();
}

#[test]
fn a_verbose_wait_on_a_terminal_is_a_log_not_live_lines_torn_by_debug_lines() {
    let sim = Sim::with("examples: false\njobs: [{id: slow, duration: 1h}]\n");
    let Some(tmux) = crate::screen::Tmux::imsjob(&sim, 80, "", "wait slow -v") else {
        return;
    };
    let (logged, screen) = tmux.until(Duration::from_secs(10), |s| {
        s.contains("job slow: INIT, begun") && s.contains("imsjob: debug: GET ")
    });
    assert!(logged, "{screen}");
    assert!(!screen.contains("waiting for the first answer"), "{screen}");
    tmux.keys("C-c");
    let (code, _) = tmux.finish();
    assert_eq!(code, Exit::Interrupted.code());
}

// Unix only: Windows has no SIGINT to send another process.
#[cfg(unix)]
#[test]
fn ctrl_c_during_a_demo_step_ends_the_demo_with_130() {
    use std::process::Stdio;

    use crate::common::{eventually, send_signal};

    let home = tempfile::tempdir().expect("a home");
    let log = home.path().join("demo.out");
    let mut cmd = std::process::Command::new(crate::common::binary());
    crate::common::hermetic(&mut cmd, home.path());
    let child = cmd
        .arg("demo")
        .stdout(std::fs::File::create(&log).expect("a log file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let shown = || std::fs::read_to_string(&log).unwrap_or_default();
    // The first `wait` step takes seconds: interrupt it.
    assert!(eventually(Duration::from_secs(10), || shown()
        .contains("$ imsjob wait demo-ova-import")));
    send_signal(child.id(), "INT");
    let status = child.wait_with_output().expect("ends").status;
    let out = shown();
    assert_eq!(status.code(), Some(Exit::Interrupted.code()), "{out}");
    assert!(
        out.contains("-> exit 130: interrupted; the demo stops here"),
        "{out}"
    );
    assert!(!out.contains("$ imsjob wait demo-import-fail"), "{out}");
}

#[test]
fn a_zero_request_timeout_is_a_usage_error_and_nothing_is_sent() {
    let sim = Sim::builtin();
    for command in ["get", "wait", "tree"] {
        Test::on(&sim)
            .args([command, "job-success", "--request-timeout", "0"])
            .expect_exit(Exit::Usage)
            .stderr_has("imsjob: error: `--request-timeout` must be greater than zero")
            .context(command)
            .run();
    }
    assert!(sim.job_requests().is_empty(), "nothing is sent");
}

#[test]
fn the_refusal_warning_under_a_token_does_not_speak_of_locking_the_token() {
    // A refused token locks nothing; the warning says why the other ids were not asked for
    // in terms true of every method.
    let sim = Sim::builtin();
    Test::on(&sim)
        .env("OS_AUTH_TOKEN", "not-the-token")
        .args(["get", "job-success", "job-fail"])
        .expect_exit(Exit::AuthRefused)
        .stderr_has(
            "no further request was sent (1 job(s) not attempted: each would be refused too",
        )
        .stderr_lacks("counts towards locking them")
        .run();
}

#[test]
fn ids_on_stdin_may_start_with_a_byte_order_mark() {
    // `Out-File -Encoding utf8` of Windows PowerShell writes one at the head of the file.
    let sim = Sim::builtin();
    Test::on(&sim)
        .args(["get", "-", "--jq", ".[].job_id"])
        .stdin(b"\xEF\xBB\xBFjob-success\r\njob-fail\r\n".to_vec())
        .stdout_is("job-success\njob-fail\n")
        .run();
    Test::on(&sim)
        .args(["get", "-", "--jq", ".[].job_id"])
        .stdin(b"\xEF\xBB\xBF[{\"job_id\": \"job-success\"}]".to_vec())
        .stdout_is("job-success\n")
        .run();
}

#[test]
fn a_connection_failing_through_a_proxy_is_hinted_at_the_proxy() {
    // The error names the host asked for; the connection that failed was the proxy's.
    let sim = Sim::builtin();
    let proxy = format!("http://127.0.0.1:{}", closed_port());
    Test::on(&sim)
        .env("HTTP_PROXY", &proxy)
        .args(["get", "job-success"])
        .expect_exit(Exit::Unavailable)
        .stderr_has("a proxy is set (`HTTPS_PROXY`, `HTTP_PROXY` or `ALL_PROXY`)")
        .stderr_has("`NO_PROXY`")
        .run();
}

#[test]
fn explain_on_a_narrow_terminal_wraps_between_words_under_the_value() {
    let sim = Sim::builtin();
    let Some(tmux) = crate::screen::Tmux::imsjob(&sim, 60, "", "explain APIG.0308") else {
        return;
    };
    let (code, screen) = tmux.finish();
    assert_eq!(code, 0, "{screen}");
    // The advice goes on under itself, a whole word first: never `try a` / `gain`.
    assert!(
        screen.contains("\n               again once the window its message names"),
        "{screen}"
    );
    assert!(
        screen.lines().all(|row| row.chars().count() <= 60),
        "{screen}"
    );
}

#[test]
fn wait_rides_out_an_iam_outage_at_its_first_login() {
    // IAM answers 503 twice, then issues a token: `wait` logs in and waits as usual rather
    // than failing the step at once (exit 5).
    let sim = Sim::with(&crate::common::auth_scenario(None));
    let iam = sim.endpoint.clone();
    let answers = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let front = format!("http://{}", listener.local_addr().expect("address"));
    let seen = answers.clone();
    // A stand-in in front of IAM: the first two logins get the gateway's 503, the others go
    // through to the simulator.
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = Vec::new();
            let mut buffer = [0_u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            let head_end = request
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(0, |p| p + 4);
            let head = String::from_utf8_lossy(&request[..head_end]).to_string();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            while request.len() < head_end + length {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2 {
                let body = r#"{"error_code": "APIGW.0613", "error_msg": "The IAM service is currently unavailable.", "request_id": "r"}"#;
                let _ = write!(
                    stream,
                    "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                continue;
            }
            // Passed on as is: the simulator answers, and the connection closes after it.
            let Ok(mut upstream) = std::net::TcpStream::connect(iam.trim_start_matches("http://"))
            else {
                return;
            };
            let text = String::from_utf8_lossy(&request).replacen(
                "\r\n\r\n",
                "\r\nconnection: close\r\n\r\n",
                1,
            );
            let _ = upstream.write_all(text.as_bytes());
            let mut answer = Vec::new();
            let _ = upstream.read_to_end(&mut answer);
            let _ = stream.write_all(&answer);
        }
    });
    Test::new()
        .envs(password_env(&format!("{front}/v3")))
        .env("IMSJOB_ENDPOINT", &sim.endpoint)
        .args(["wait", "job-ok", "--no-token-cache", "--timeout", "30s"])
        .stderr_has("login: HTTP 503 APIGW.0613")
        .stdout_has("SUCCESS")
        .run();
    assert!(answers.load(std::sync::atomic::Ordering::SeqCst) >= 3);
}
