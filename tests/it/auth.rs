//! Authentication end to end: password (IAM tokens, cache, renewal), AK/SK (both signer
//! variants), clouds.yaml/secure.yaml, and secrets kept out of every output.

use std::path::Path;
use std::process::Output;

use crate::common::{self, Sim};

const PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
const USER: &str = "it-user";
const PASSWORD: &str = "it-password-5ecret";
const DOMAIN: &str = "OTC-IT-DOMAIN";
const PROJECT_NAME: &str = "eu-de_ittest";
const AK: &str = "ITACCESSKEY000000000";
const SK: &str = "it-secret-key-5ecret";

const SCENARIO: &str = "
project_id: 0123456789abcdef0123456789abcdef
token: it-fixed-token
examples: false
auth:
  user: it-user
  password: it-password-5ecret
  user_domain: OTC-IT-DOMAIN
  project_name: eu-de_ittest
  access_key: ITACCESSKEY000000000
  secret_key: it-secret-key-5ecret
jobs:
  - {id: job-ok, duration: 0s, image_name: done}
  - id: job-expire
    duration: 2s
    faults: [{times: 1}, {expire_tokens: true}]
";

/// Runs the binary in a hermetic environment with HOME = `home`, in `cwd`.
fn imsjob(home: &Path, cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = common::imsjob(home);
    cmd.current_dir(cwd).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("runs")
}

/// Requests whose path contains `path_part`.
fn count(sim: &Sim, path_part: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.contains(path_part)))
        .count()
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

fn password_env(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("OS_AUTH_URL", format!("{base}/v3")),
        ("OS_USERNAME", USER.into()),
        ("OS_PASSWORD", PASSWORD.into()),
        ("OS_USER_DOMAIN_NAME", DOMAIN.into()),
        ("OS_PROJECT_NAME", PROJECT_NAME.into()),
    ]
}

fn pairs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn password_scope_by_name_uses_the_catalog_and_the_cache() {
    let sim = Sim::with(SCENARIO);
    let home = tempfile::tempdir().expect("home");
    let env = password_env(&sim.endpoint);
    // No IMSJOB_ENDPOINT and no OS_PROJECT_ID: both come from the token.
    let first = imsjob(
        home.path(),
        home.path(),
        &pairs(&env),
        &["get", "job-ok", "--json"],
    );
    assert_eq!(code(&first), 0, "{}", common::all_output(&first));
    assert!(String::from_utf8_lossy(&first.stdout).contains("\"SUCCESS\""));
    assert_eq!(count(&sim, "/v3/auth/tokens"), 1);

    let second = imsjob(home.path(), home.path(), &pairs(&env), &["get", "job-ok"]);
    assert_eq!(code(&second), 0, "{}", common::all_output(&second));
    assert_eq!(
        count(&sim, "/v3/auth/tokens"),
        1,
        "the second run used the cache"
    );

    let cache_files: Vec<_> = walk(&home.path().join(".cache"));
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

    let third = imsjob(
        home.path(),
        home.path(),
        &pairs(&env),
        &["get", "job-ok", "--no-token-cache"],
    );
    assert_eq!(code(&third), 0, "{}", common::all_output(&third));
    assert_eq!(
        count(&sim, "/v3/auth/tokens"),
        2,
        "--no-token-cache asks IAM"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else if path.file_name().is_some_and(|n| n == "hmac.key") {
                // The cache's keyed-hash key, not a token entry.
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn token_expiry_mid_wait_renews_once() {
    let sim = Sim::with(SCENARIO);
    let home = tempfile::tempdir().expect("home");
    let env = password_env(&sim.endpoint);
    let output = imsjob(
        home.path(),
        home.path(),
        &pairs(&env),
        &[
            "wait",
            "job-expire",
            "--interval",
            "300ms",
            "--max-interval",
            "300ms",
            "-q",
            "--no-token-cache",
        ],
    );
    assert_eq!(code(&output), 0, "{}", common::all_output(&output));
    assert_eq!(
        count(&sim, "/v3/auth/tokens"),
        2,
        "one renewal after the 401"
    );
    let refused = sim
        .requests()
        .iter()
        .filter(|r| r["job_id"] == "job-expire" && r["status"] == 401)
        .count();
    assert_eq!(refused, 1);
}

#[test]
fn wrong_password_is_exit_3() {
    let sim = Sim::with(SCENARIO);
    let home = tempfile::tempdir().expect("home");
    let mut env = password_env(&sim.endpoint);
    env[2].1 = "not-the-password".into();
    let output = imsjob(home.path(), home.path(), &pairs(&env), &["get", "job-ok"]);
    assert_eq!(code(&output), 3, "{}", common::all_output(&output));
    assert!(!common::all_output(&output).contains("not-the-password"));
    assert_eq!(count(&sim, "/v1/"), 0, "nothing sent to IMS");
}

#[test]
fn aksk_both_variants_are_accepted() {
    let sim = Sim::with(SCENARIO);
    let home = tempfile::tempdir().expect("home");
    for variant in ["plain", "derived"] {
        let env = [
            ("IMSJOB_ENDPOINT", sim.endpoint.as_str()),
            ("OS_PROJECT_ID", PROJECT_ID),
            ("OS_ACCESS_KEY", AK),
            ("OS_SECRET_KEY", SK),
            ("IMSJOB_AKSK_SIGNER", variant),
        ];
        let output = imsjob(home.path(), home.path(), &env, &["get", "job-ok"]);
        assert_eq!(
            code(&output),
            0,
            "{variant}: {}",
            common::all_output(&output)
        );
    }
    assert_eq!(
        count(&sim, "/v3/"),
        0,
        "AK/SK with a project id needs no IAM call"
    );
}

#[test]
fn aksk_project_name_is_looked_up() {
    let sim = Sim::with(SCENARIO);
    let home = tempfile::tempdir().expect("home");
    let auth_url = format!("{}/v3", sim.endpoint);
    let env = [
        ("IMSJOB_ENDPOINT", sim.endpoint.as_str()),
        ("OS_AUTH_URL", auth_url.as_str()),
        ("OS_PROJECT_NAME", PROJECT_NAME),
        ("OS_ACCESS_KEY", AK),
        ("OS_SECRET_KEY", SK),
    ];
    let output = imsjob(home.path(), home.path(), &env, &["get", "job-ok"]);
    assert_eq!(code(&output), 0, "{}", common::all_output(&output));
    assert_eq!(count(&sim, "/v3/projects"), 1);
}

#[test]
fn wrong_secret_is_refused_after_exactly_one_request() {
    let sim = Sim::with(SCENARIO);
    let home = tempfile::tempdir().expect("home");
    let env = [
        ("IMSJOB_ENDPOINT", sim.endpoint.as_str()),
        ("OS_PROJECT_ID", PROJECT_ID),
        ("OS_ACCESS_KEY", AK),
        ("OS_SECRET_KEY", "wrong-secret-value"),
    ];
    let output = imsjob(
        home.path(),
        home.path(),
        &env,
        &["wait", "job-ok", "--timeout", "10s"],
    );
    assert_eq!(code(&output), 3, "{}", common::all_output(&output));
    assert!(!common::all_output(&output).contains("wrong-secret-value"));
    let job_requests: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r["job_id"] == "job-ok")
        .collect();
    assert_eq!(job_requests.len(), 1, "{job_requests:?}");
    assert_eq!(job_requests[0]["status"], 401);
}

#[test]
fn clouds_yaml_and_secure_yaml() {
    let sim = Sim::with(SCENARIO);
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let clouds = format!(
        "clouds:\n  it:\n    auth:\n      auth_url: {}/v3\n      username: {USER}\n      password: {PASSWORD}\n      user_domain_name: {DOMAIN}\n      project_name: {PROJECT_NAME}\n",
        sim.endpoint
    );
    std::fs::write(cwd.path().join("clouds.yaml"), &clouds).expect("clouds.yaml");
    let output = imsjob(
        home.path(),
        cwd.path(),
        &[("OS_CLOUD", "it")],
        &["get", "job-ok", "--no-token-cache"],
    );
    assert_eq!(code(&output), 0, "{}", common::all_output(&output));

    // The password moves to ~/.config/openstack/secure.yaml.
    let without_password: String = clouds
        .lines()
        .filter(|l| !l.contains("password"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(cwd.path().join("clouds.yaml"), without_password).expect("clouds.yaml");
    let user_dir = home.path().join(".config/openstack");
    std::fs::create_dir_all(&user_dir).expect("mkdir");
    std::fs::write(
        user_dir.join("secure.yaml"),
        format!("clouds:\n  it:\n    auth:\n      password: {PASSWORD}\n"),
    )
    .expect("secure.yaml");
    let output = imsjob(
        home.path(),
        cwd.path(),
        &[("OS_CLOUD", "it")],
        &["get", "job-ok", "--no-token-cache"],
    );
    assert_eq!(code(&output), 0, "{}", common::all_output(&output));

    let unknown = imsjob(
        home.path(),
        cwd.path(),
        &[("OS_CLOUD", "nope")],
        &["get", "job-ok"],
    );
    assert_eq!(code(&unknown), 2, "{}", common::all_output(&unknown));
    assert!(
        common::all_output(&unknown).contains("`it`"),
        "{}",
        common::all_output(&unknown)
    );
}

#[test]
fn no_credentials_is_a_usage_error() {
    let home = tempfile::tempdir().expect("home");
    let output = imsjob(home.path(), home.path(), &[], &["get", "job-ok"]);
    assert_eq!(code(&output), 2, "{}", common::all_output(&output));
    let all = common::all_output(&output);
    for variable in ["OS_AUTH_TOKEN", "OS_ACCESS_KEY", "OS_PASSWORD"] {
        assert!(all.contains(variable), "{all}");
    }
}

#[test]
fn secrets_never_appear_in_verbose_output() {
    let sim = Sim::with(SCENARIO);
    let home = tempfile::tempdir().expect("home");
    let env = password_env(&sim.endpoint);
    let output = imsjob(
        home.path(),
        home.path(),
        &pairs(&env),
        &["get", "job-ok", "-vvv", "--json"],
    );
    assert_eq!(code(&output), 0, "{}", common::all_output(&output));
    let all = common::all_output(&output);
    assert!(all.contains("debug"), "-vvv logs something: {all}");
    assert!(!all.contains(PASSWORD), "{all}");
    // Tokens issued by the simulator start with `MIIsim`.
    assert!(!all.contains("MIIsim"), "{all}");

    let env = [
        ("IMSJOB_ENDPOINT", sim.endpoint.as_str()),
        ("OS_PROJECT_ID", PROJECT_ID),
        ("OS_ACCESS_KEY", AK),
        ("OS_SECRET_KEY", SK),
    ];
    let output = imsjob(home.path(), home.path(), &env, &["get", "job-ok", "-vvv"]);
    assert_eq!(code(&output), 0, "{}", common::all_output(&output));
    assert!(!common::all_output(&output).contains(SK));
}

/// The one token-cache file under `home`.
fn cache_file(home: &Path) -> std::path::PathBuf {
    let files = walk(&home.join(".cache"));
    assert_eq!(files.len(), 1, "{files:?}");
    files.into_iter().next().expect("one file")
}

fn assert_private_and_whole(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).expect("cache file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(path).expect("readable");
    let value: serde_json::Value = serde_json::from_str(&text).expect("a whole JSON document");
    assert!(value["token"].is_string());
}

#[test]
fn corrupt_open_or_foreign_cache_files_are_ignored_and_replaced() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let sim = Sim::with(SCENARIO);
    let home = tempfile::tempdir().expect("home");
    let env = password_env(&sim.endpoint);
    let run = || imsjob(home.path(), home.path(), &pairs(&env), &["get", "job-ok"]);
    assert_eq!(code(&run()), 0);
    let path = cache_file(home.path());
    let iam_calls = || count(&sim, "/v3/auth/tokens");
    assert_eq!(iam_calls(), 1);

    // Torn or garbage content: ignored, IAM asked, the file replaced by a whole one.
    std::fs::write(&path, "{\"token\": \"abc").expect("corrupt it");
    let output = run();
    assert_eq!(code(&output), 0, "{}", common::all_output(&output));
    assert_eq!(iam_calls(), 2);
    assert_private_and_whole(&path);

    // Readable by others: not trusted (someone else may have planted or read it).
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let output = run();
    assert_eq!(code(&output), 0, "{}", common::all_output(&output));
    assert_eq!(iam_calls(), 3);
    assert_private_and_whole(&path);

    // Owned by another user (only root can arrange that): not trusted either.
    if std::fs::metadata(home.path()).expect("home").uid() == 0 {
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).expect("chown");
        let output = run();
        assert_eq!(code(&output), 0, "{}", common::all_output(&output));
        assert_eq!(iam_calls(), 4);
        assert_eq!(
            std::fs::metadata(&path).expect("meta").uid(),
            0,
            "replaced by ours"
        );
    }
}

/// Waits until the token in the cache file has expired (by its `expires_at`).
fn wait_until_expired(path: &Path) {
    let expired = || {
        let Ok(text) = std::fs::read_to_string(path) else {
            return false;
        };
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(&text) else {
            return false;
        };
        entry["expires_at"]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .is_some_and(|at| jiff::Timestamp::now() > at)
    };
    assert!(
        common::eventually(std::time::Duration::from_secs(10), expired),
        "the cached token expires"
    );
}

#[test]
fn processes_sharing_the_cache_never_see_a_torn_file() {
    // Tokens live half a second, and each round of runs starts only once the cached one has
    // expired: then the four writers all log in and rewrite the one shared cache file at
    // once, however fast the machine is.
    let scenario = SCENARIO.replace(
        "  secret_key: it-secret-key-5ecret\n",
        "  secret_key: it-secret-key-5ecret\n  token_ttl: 500ms\n",
    );
    let sim = Sim::with(&scenario);
    let home = tempfile::tempdir().expect("home");
    let env = password_env(&sim.endpoint);
    assert_eq!(
        code(&imsjob(
            home.path(),
            home.path(),
            &pairs(&env),
            &["get", "job-ok"]
        )),
        0
    );
    let path = cache_file(home.path());

    let done = std::sync::atomic::AtomicBool::new(false);
    let reads = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    for _ in 0..8 {
                        wait_until_expired(&path);
                        let output =
                            imsjob(home.path(), home.path(), &pairs(&env), &["get", "job-ok"]);
                        assert_eq!(code(&output), 0, "{}", common::all_output(&output));
                    }
                })
            })
            .collect();
        // A third party reading all along: every read must be a whole document.
        let reader = scope.spawn(|| {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let text = std::fs::read_to_string(&path).expect("the file is always there");
                serde_json::from_str::<serde_json::Value>(&text)
                    .unwrap_or_else(|e| panic!("torn cache file ({e}): {text:?}"));
                reads += 1;
            }
            reads
        });
        for writer in writers {
            writer.join().expect("writer");
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        reader.join().expect("reader")
    });
    // How many runs find the cached token still good depends on the machine's speed; what
    // matters is that several rewrote the file while the others and the reader were at it.
    // One login at least per round of runs.
    let logins = count(&sim, "/v3/auth/tokens");
    assert!(
        logins >= 8,
        "the cache was rewritten again and again ({logins} logins)"
    );
    assert!(
        reads > 100,
        "the reader really raced the writers ({reads} reads)"
    );
    assert_private_and_whole(&path);
}
