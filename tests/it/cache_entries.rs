//! Token-cache entries that could not have been written by imsjob are treated as absent,
//! never as a reason to fail.

use std::path::{Path, PathBuf};

use crate::common::Sim;
use crate::test::Test;

const SCENARIO: &str = "
project_id: 0123456789abcdef0123456789abcdef
token: it-fixed-token
examples: false
auth:
  user: it-user
  password: it-password-5ecret
  user_domain: OTC-IT-DOMAIN
  project_name: eu-de_ittest
jobs:
  - {id: job-ok, duration: 0s, image_name: done}
";

fn cache_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(cache_entries(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out
}

#[test]
fn an_entry_at_the_edge_of_time_is_ignored_and_replaced() {
    let sim = Sim::with(SCENARIO);
    let home = tempfile::tempdir().expect("home");
    let run = || {
        Test::home(home.path())
            .env("OS_AUTH_URL", format!("{}/v3", sim.endpoint))
            .env("OS_USERNAME", "it-user")
            .env("OS_PASSWORD", "it-password-5ecret")
            .env("OS_USER_DOMAIN_NAME", "OTC-IT-DOMAIN")
            .env("OS_PROJECT_NAME", "eu-de_ittest")
            .args(["get", "job-ok"])
            .run()
    };
    let logins = || {
        sim.requests()
            .iter()
            .filter(|r| {
                r["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("/v3/auth/tokens"))
            })
            .count()
    };
    run();
    let files = cache_entries(&home.path().join(".cache"));
    assert_eq!(files.len(), 1, "{files:?}");
    let path = &files[0];
    let mut entry: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON");
    // The earliest time there is, and nothing that says when it was received: the day
    // before it, which an old entry's margin is counted from, does not exist.
    entry["expires_at"] = "-009999-01-02T01:59:59Z".into();
    let object = entry.as_object_mut().expect("an object");
    object.remove("received_at");
    object.remove("local_expires_at");
    std::fs::write(path, entry.to_string()).expect("write");
    // The entry counts as absent (one login), and the whole one written in its place
    // serves the next run (no login).
    for _ in 0..2 {
        run();
        assert_eq!(logins(), 2);
    }
}
