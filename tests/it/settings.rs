//! Settings resolved once, from the one captured environment: `wait`'s numbers are checked
//! with the other flags, and `demo` runs its command lines through the same resolution
//! against its simulator alone.

use crate::common::{Sim, imsjob, stderr_of, stdout_of};

#[test]
fn wait_numbers_are_refused_with_the_flags_before_credentials_are_looked_for() {
    let home = tempfile::tempdir().expect("home");
    for (flags, named) in [
        (&["--max-rps", "0"][..], "`--max-rps`"),
        (&["--interval", "0s"], "`--interval`"),
        (
            &["--interval", "10s", "--max-interval", "5s"],
            "`--max-interval`",
        ),
    ] {
        // No credentials at all: the flag is what the user got wrong first.
        let output = imsjob(home.path())
            .args(["wait", "job-x"])
            .args(flags)
            .output()
            .expect("runs");
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(named), "{flags:?}: {stderr}");
        assert!(!stderr.contains("OS_AUTH_TOKEN"), "{flags:?}: {stderr}");
    }
}

#[test]
fn the_demo_talks_to_its_simulator_whatever_the_user_has_configured() {
    let home = tempfile::tempdir().expect("home");
    // A proxy that answers nothing, and credentials for somewhere else: the demo's steps see
    // only the simulator's exports.
    let dead = "http://127.0.0.1:9";
    let output = imsjob(home.path())
        .arg("demo")
        .env("HTTP_PROXY", dead)
        .env("HTTPS_PROXY", dead)
        .env("ALL_PROXY", dead)
        .env("OS_AUTH_TOKEN", "someone-elses-token")
        .env("IMSJOB_ENDPOINT", dead)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let stdout = stdout_of(&output);
    for needle in ["-> exit 0", "-> exit 1", "-> exit 124"] {
        assert!(stdout.contains(needle), "{needle}:\n{stdout}");
    }
    assert!(!stdout.contains("someone-elses-token"), "{stdout}");
}

#[test]
fn proxy_variables_are_read_as_the_http_client_reads_them() {
    let sim = Sim::builtin();
    let get = |variable: &str, value: &str| {
        sim.cmd()
            .env(variable, value)
            .args(["get", "9a175ac692fa12540193005c340f321c", "--jq", ".status"])
            .output()
            .expect("runs")
    };
    // Not a URI at all: no proxy, as before (the request goes straight to the simulator).
    let output = get("HTTP_PROXY", "http://[bad");
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(stdout_of(&output), "SUCCESS\n");
    // A URI the client cannot use: a configuration error naming the variables, not a network
    // error about the endpoint; the value (with its password) is not shown.
    let output = get("HTTP_PROXY", "http://user:proxy-secret@:99999");
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`HTTP_PROXY`"), "{stderr}");
    assert!(!stderr.contains("proxy-secret"), "{stderr}");
}
