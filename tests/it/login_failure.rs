//! A failed IAM login ends `get`, `wait` and `tree` as a refusal of their first request does
//! (`doc/contract.md`, "One account, one answer"): the first id carries the login's error, the
//! others are not attempted (`get`, `tree`) or abandoned (`wait`), stdout has the command's
//! usual document, and the exit code is the login's. The stderr line is the login's own, with
//! its hint; nothing reaches IMS, and a refused password costs one login.

use serde_json::{Value, json};

use crate::common::{
    Sim, auth_scenario, closed_port,
    identity::{AK, PASSWORD, SK},
    password_env,
};
use crate::test::{Exit, Test};

const WRONG_PASSWORD: &str = "wrong-password-5ecret";

/// The two jobs of `auth_scenario`: the ids do not matter, the login fails first.
const IDS: [&str; 2] = ["job-ok", "job-expire"];

/// `imsjob` logging in to `sim`'s IAM with a password it refuses; IMS at `sim`.
fn refused_login(sim: &Sim) -> Test {
    Test::home(sim.home.path())
        .envs(password_env(&format!("{}/v3", sim.endpoint)))
        .env("OS_PASSWORD", WRONG_PASSWORD)
        .env("IMSJOB_ENDPOINT", &sim.endpoint)
        .expect_exit(Exit::AuthRefused)
        .output_lacks(WRONG_PASSWORD)
        .output_lacks(PASSWORD)
}

/// `imsjob` logging in to an IAM that is not there (a closed port); IMS at `sim`.
fn unreachable_iam(sim: &Sim) -> Test {
    Test::home(sim.home.path())
        .envs(password_env(&format!(
            "http://127.0.0.1:{}/v3",
            closed_port()
        )))
        .env("IMSJOB_ENDPOINT", &sim.endpoint)
        .expect_exit(Exit::Unavailable)
}

/// The login's own error line and its hint, naming no job (no request about one was sent).
fn says_iam_refused(test: Test) -> Test {
    test.stderr_has("imsjob: error: HTTP 401: IAM refused the credentials")
        .stderr_has("hint: the password login was refused: check `OS_USERNAME`, `OS_PASSWORD`")
        .stderr_lacks("error: job ")
}

/// Nothing reached IMS, and IAM was asked `logins` times.
fn sent_nothing_to_ims(sim: &Sim, logins: usize) {
    assert_eq!(sim.count("/v1/"), 0, "no job request: {:?}", sim.requests());
    assert_eq!(sim.count("/v3/auth/tokens"), logins, "{:?}", sim.requests());
}

/// The JSON array of `get` and `wait`: the login's error on the first id, `null` after.
fn assert_first_carries(document: &Value, status: &Value, message: &str) {
    let first = &document[0];
    assert_eq!(first["job_id"], IDS[0], "{document}");
    assert_eq!(&first["error"]["status"], status, "{document}");
    let shown = first["error"]["message"].as_str().unwrap_or_default();
    assert!(shown.contains(message), "{document}");
    assert_eq!(
        document[1],
        json!({"job_id": IDS[1], "error": null}),
        "{document}"
    );
    assert_eq!(document.as_array().map(Vec::len), Some(2), "{document}");
}

#[test]
fn get_after_a_refused_login_reports_every_id_after_one_login() {
    let sim = Sim::with(&auth_scenario(None));
    let ran = says_iam_refused(refused_login(&sim))
        .arg("get")
        .args(IDS)
        .arg("--json")
        .stderr_has(
            "the credentials were refused: no further request was sent (1 job(s) not attempted",
        )
        .run();
    assert_first_carries(&ran.json(), &json!(401), "IAM refused the credentials");
    sent_nothing_to_ims(&sim, 1);
    // The table: the error in the first row, `not checked` in the second.
    says_iam_refused(refused_login(&sim))
        .arg("get")
        .args(IDS)
        .stdout_has("IAM refused the credentials")
        .stdout_has("not checked")
        .stderr_has("1 job(s) not attempted")
        .run();
    sent_nothing_to_ims(&sim, 2);
}

#[test]
fn wait_after_a_refused_login_ends_its_events_and_its_document() {
    let sim = Sim::with(&auth_scenario(None));
    let ran = says_iam_refused(refused_login(&sim))
        .arg("wait")
        .args(IDS)
        .arg("--events")
        .run();
    let lines: Vec<Value> = ran
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("an NDJSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "{}", ran.stdout);
    assert_eq!(lines[0]["event"], "start", "{}", ran.stdout);
    assert_eq!(lines[0]["jobs"], 2, "{}", ran.stdout);
    let end = &lines[1];
    assert_eq!(end["event"], "end", "{end}");
    assert_eq!(end["exit_code"], 3, "{end}");
    assert_eq!(
        end["jobs"],
        json!([
            {"job_id": IDS[0], "status": null, "outcome": "refused"},
            {"job_id": IDS[1], "status": null, "outcome": "abandoned"},
        ]),
        "{end}"
    );
    sent_nothing_to_ims(&sim, 1);

    let ran = says_iam_refused(refused_login(&sim))
        .arg("wait")
        .args(IDS)
        .arg("--json")
        .run();
    assert_first_carries(&ran.json(), &json!(401), "IAM refused the credentials");
    sent_nothing_to_ims(&sim, 2);
}

#[test]
fn tree_after_a_refused_login_reports_its_root() {
    let sim = Sim::with(&auth_scenario(None));
    let ran = says_iam_refused(refused_login(&sim))
        .args(["tree", IDS[0], "--json"])
        .run();
    let document = ran.json();
    assert_eq!(document["job_id"], IDS[0], "{document}");
    assert_eq!(document["error"]["status"], 401, "{document}");
    sent_nothing_to_ims(&sim, 1);
}

#[test]
fn an_unreachable_iam_ends_get_and_wait_with_exit_5() {
    let sim = Sim::with(&auth_scenario(None));
    let iam_error = "imsjob: error: IAM at `http://127.0.0.1:";
    let ran = unreachable_iam(&sim)
        .arg("get")
        .args(IDS)
        .arg("--json")
        .stderr_has("no token could be obtained from IAM: no further request was sent (1 job(s) not attempted)")
        .stderr_has(iam_error)
        .stderr_has("hint: check the IAM URL (`OS_AUTH_URL`")
        .run();
    assert_first_carries(&ran.json(), &Value::Null, "IAM at `http://127.0.0.1:");
    // `wait` retries the login within `--timeout`, then ends as `get` does.
    let ran = unreachable_iam(&sim)
        .arg("wait")
        .args(IDS)
        .args(["--events", "--timeout", "1s"])
        .stderr_has(iam_error)
        .run();
    let end: Value = ran
        .stdout
        .lines()
        .last()
        .map(|line| serde_json::from_str(line).expect("an NDJSON line"))
        .expect("an end line");
    assert_eq!(end["exit_code"], 5, "{}", ran.stdout);
    let outcomes: Vec<&Value> = end["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|job| &job["outcome"])
        .collect();
    assert_eq!(outcomes, [&json!("unavailable"), &json!("abandoned")]);
    assert_eq!(sim.count("/v1/"), 0, "{:?}", sim.requests());
}

#[test]
fn a_setting_at_fault_at_login_stays_a_usage_error() {
    // A project name IAM does not know under AK/SK: the configuration is wrong, nothing is
    // reported per job, nothing reaches IMS.
    let sim = Sim::with(&auth_scenario(None));
    Test::home(sim.home.path())
        .env("IMSJOB_ENDPOINT", &sim.endpoint)
        .env("OS_AUTH_URL", format!("{}/v3", sim.endpoint))
        .env("OS_ACCESS_KEY", AK)
        .env("OS_SECRET_KEY", SK)
        .env("OS_PROJECT_NAME", "eu-de_no-such-project")
        .arg("get")
        .args(IDS)
        .arg("--json")
        .expect_exit(Exit::Usage)
        .stdout_empty()
        .stderr_has("eu-de_no-such-project")
        .stderr_lacks("not attempted")
        .run();
    assert_eq!(sim.count("/v1/"), 0, "{:?}", sim.requests());
}
