//! Password authentication: IAM tokens scoped by project name, the endpoint from the token's
//! catalog, the token cache used and bypassed, one renewal when a token expires mid-wait,
//! one login for many requests, a wrong password refused.

use std::path::Path;

use crate::common::{Sim, auth_scenario, identity::PASSWORD, password_env};
use crate::test::{Exit, Test};

/// `imsjob` with the password variables against `sim`'s IAM, without `IMSJOB_ENDPOINT` (the
/// endpoint comes from the token's catalog); HOME is `home`.
fn password(sim: &Sim, home: &Path) -> Test {
    Test::home(home).envs(password_env(&format!("{}/v3", sim.endpoint)))
}

/// The token-cache files under `home` (not the cache's keyed-hash key).
pub(crate) fn cache_files(home: &Path) -> Vec<std::path::PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.file_name().is_none_or(|n| n != "hmac.key") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&home.join(".cache"), &mut out);
    out
}

#[test]
fn password_scope_by_name_uses_the_catalog_and_the_cache() {
    let sim = Sim::with(&auth_scenario(None));
    let home = tempfile::tempdir().expect("home");
    // No IMSJOB_ENDPOINT and no OS_PROJECT_ID: both come from the token.
    password(&sim, home.path())
        .args(["get", "job-ok", "--json"])
        .stdout_has("\"SUCCESS\"")
        .run();
    assert_eq!(sim.count("/v3/auth/tokens"), 1);

    password(&sim, home.path()).args(["get", "job-ok"]).run();
    assert_eq!(
        sim.count("/v3/auth/tokens"),
        1,
        "the second run used the cache"
    );

    let cache_files = cache_files(home.path());
    assert_eq!(cache_files.len(), 1, "{cache_files:?}");
    let content = std::fs::read_to_string(&cache_files[0]).expect("cache file");
    assert!(!content.contains(PASSWORD));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cache_files[0])
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    password(&sim, home.path())
        .args(["get", "job-ok", "--no-token-cache"])
        .run();
    assert_eq!(sim.count("/v3/auth/tokens"), 2, "--no-token-cache asks IAM");
}

#[test]
fn token_expiry_mid_wait_renews_once() {
    let sim = Sim::with(&auth_scenario(None));
    let home = tempfile::tempdir().expect("home");
    password(&sim, home.path())
        .args([
            "wait",
            "job-expire",
            "--interval",
            "300ms",
            "--max-interval",
            "300ms",
        ])
        .args(["-q", "--no-token-cache"])
        .run();
    assert_eq!(sim.count("/v3/auth/tokens"), 2, "one renewal after the 401");
    let refused = sim
        .requests()
        .iter()
        .filter(|r| r["job_id"] == "job-expire" && r["status"] == 401)
        .count();
    assert_eq!(refused, 1);
}

#[test]
fn wrong_password_is_exit_3() {
    let sim = Sim::with(&auth_scenario(None));
    password(&sim, sim.home.path())
        .env("OS_PASSWORD", "not-the-password")
        .args(["get", "job-ok"])
        .expect_exit(Exit::AuthRefused)
        .output_lacks("not-the-password")
        .run();
    assert_eq!(sim.count("/v1/"), 0, "nothing sent to IMS");
}

#[test]
fn a_short_lived_token_serves_twenty_jobs_with_one_login() {
    let sim = Sim::with(&auth_scenario(Some("2m")));
    password(&sim, sim.home.path())
        .env("IMSJOB_ENDPOINT", &sim.endpoint)
        .arg("get")
        .args(std::iter::repeat_n("job-ok", 20))
        .arg("--no-token-cache")
        .run();
    assert_eq!(
        sim.count("/v3/auth/tokens"),
        1,
        "one login for twenty requests"
    );
}
