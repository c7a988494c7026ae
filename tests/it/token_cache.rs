//! The token cache: keyed by everything that makes a token (a changed password or region is
//! not served from it), whole files only (a torn, open or foreign file is replaced, racing
//! processes never see a torn one), stale temporary files swept, a foreign directory refused.
//!
//! The tests that set or check file modes and owners are Unix only (`mod unix`).

use std::path::{Path, PathBuf};

use crate::common::{Sim, auth_scenario, identity::PASSWORD, password_env};
use crate::test::Test;

fn token_dir(home: &Path) -> PathBuf {
    home.join(".cache").join("imsjob").join("tokens")
}

/// `imsjob` with the password variables and the endpoint, against `sim`, HOME = `home`.
fn password(sim: &Sim, home: &Path) -> Test {
    Test::home(home)
        .envs(password_env(&format!("{}/v3", sim.endpoint)))
        .env("IMSJOB_ENDPOINT", &sim.endpoint)
}

#[test]
fn a_changed_password_or_region_is_not_served_from_the_cache() {
    let sim = Sim::with(&auth_scenario(Some("24h")));
    let home = tempfile::tempdir().expect("home");
    password(&sim, home.path()).args(["get", "job-ok"]).run();
    password(&sim, home.path()).args(["get", "job-ok"]).run();
    assert_eq!(
        sim.count("/v3/auth/tokens"),
        1,
        "the cache served the second run"
    );

    // A wrong password no longer "works" thanks to a cached token.
    password(&sim, home.path())
        .env("OS_PASSWORD", "not-the-password")
        .args(["get", "job-ok"])
        .expect_exit(crate::test::Exit::AuthRefused)
        .run();
    assert_eq!(sim.count("/v3/auth/tokens"), 2);

    // Another region is another cache entry.
    password(&sim, home.path())
        .env("OS_REGION_NAME", "eu-nl")
        .args(["get", "job-ok"])
        .any_exit()
        .run();
    assert_eq!(sim.count("/v3/auth/tokens"), 3);

    let key = token_dir(home.path()).join("hmac.key");
    let content = std::fs::read(&key).expect("the HMAC key exists");
    assert_eq!(content.len(), 32);
    for entry in std::fs::read_dir(token_dir(home.path())).expect("dir") {
        let text = std::fs::read(entry.expect("entry").path()).expect("read");
        assert!(
            !String::from_utf8_lossy(&text).contains(PASSWORD),
            "no password on disk"
        );
    }
}

#[cfg(unix)]
mod unix {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::{Path, PathBuf};
    use std::time::{Duration, SystemTime};

    use super::{password, token_dir};
    use crate::auth_password::cache_files;
    use crate::common::{Sim, auth_scenario, eventually, password_env};
    use crate::test::Test;

    /// The one token-cache file under `home`.
    fn cache_file(home: &Path) -> PathBuf {
        let files = cache_files(home);
        assert_eq!(files.len(), 1, "{files:?}");
        files.into_iter().next().expect("one file")
    }

    fn assert_private_and_whole(path: &Path) {
        let meta = std::fs::metadata(path).expect("cache file");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let text = std::fs::read_to_string(path).expect("readable");
        let value: serde_json::Value = serde_json::from_str(&text).expect("a whole JSON document");
        assert!(value["token"].is_string());
    }

    #[test]
    fn corrupt_open_or_foreign_cache_files_are_ignored_and_replaced() {
        let sim = Sim::with(&auth_scenario(None));
        let home = tempfile::tempdir().expect("home");
        // Without IMSJOB_ENDPOINT: the endpoint comes from the cached token's catalog.
        let run = || {
            Test::home(home.path())
                .envs(password_env(&format!("{}/v3", sim.endpoint)))
                .args(["get", "job-ok"])
                .run()
        };
        run();
        let path = cache_file(home.path());
        let iam_calls = || sim.count("/v3/auth/tokens");
        assert_eq!(iam_calls(), 1);

        // Torn or garbage content: ignored, IAM asked, the file replaced by a whole one.
        std::fs::write(&path, "{\"token\": \"abc").expect("corrupt it");
        run();
        assert_eq!(iam_calls(), 2);
        assert_private_and_whole(&path);

        // Readable by others: not trusted (someone else may have planted or read it).
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        run();
        assert_eq!(iam_calls(), 3);
        assert_private_and_whole(&path);

        // Owned by another user (only root can arrange that): not trusted either.
        if std::fs::metadata(home.path()).expect("home").uid() == 0 {
            std::os::unix::fs::chown(&path, Some(65534), Some(65534)).expect("chown");
            run();
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
            eventually(Duration::from_secs(10), expired),
            "the cached token expires"
        );
    }

    #[test]
    fn processes_sharing_the_cache_never_see_a_torn_file() {
        // Tokens live half a second, and each round of runs starts only once the cached one
        // has expired: then the four writers all log in and rewrite the one shared cache file
        // at once, however fast the machine is.
        let sim = Sim::with(&auth_scenario(Some("500ms")));
        let home = tempfile::tempdir().expect("home");
        let run = || {
            Test::home(home.path())
                .envs(password_env(&format!("{}/v3", sim.endpoint)))
                .args(["get", "job-ok"])
                .run()
        };
        run();
        let path = cache_file(home.path());

        let done = std::sync::atomic::AtomicBool::new(false);
        let reads = std::thread::scope(|scope| {
            let writers: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        for _ in 0..8 {
                            wait_until_expired(&path);
                            run();
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
        // How many runs find the cached token still good depends on the machine's speed;
        // what matters is that several rewrote the file while the others and the reader were
        // at it. One login at least per round of runs.
        let logins = sim.count("/v3/auth/tokens");
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

    #[test]
    fn stale_temp_files_are_swept_and_an_open_directory_is_made_private() {
        let sim = Sim::with(&auth_scenario(Some("24h")));
        let home = tempfile::tempdir().expect("home");
        let dir = token_dir(home.path());
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        // What a process killed between writing and renaming leaves behind.
        let stale = dir.join(".tmp-killed.tmp");
        std::fs::write(&stale, "MIIsim-token-left-behind").expect("write");
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .expect("open")
            .set_modified(SystemTime::now() - Duration::from_secs(600))
            .expect("mtime");
        password(&sim, home.path()).args(["get", "job-ok"]).run();
        assert!(!stale.exists(), "the stale temporary file was swept");
        let mode = std::fs::metadata(&dir).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "tightened");
        let names: Vec<String> = std::fs::read_dir(&dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            !names.iter().any(|n| std::path::Path::new(n)
                .extension()
                .is_some_and(|e| e == "tmp")),
            "no temporary file outlives the process: {names:?}"
        );
    }

    #[test]
    fn a_cache_directory_owned_by_someone_else_is_refused_with_a_warning() {
        let home = tempfile::tempdir().expect("home");
        // Only root can give a directory away; elsewhere there is nothing to test.
        let probe = home.path().join("probe");
        std::fs::write(&probe, "").expect("probe");
        if std::fs::metadata(&probe).expect("meta").uid() != 0 {
            return;
        }
        let sim = Sim::with(&auth_scenario(Some("24h")));
        let dir = token_dir(home.path());
        std::fs::create_dir_all(&dir).expect("dir");
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).expect("chown");
        password(&sim, home.path())
            .args(["get", "job-ok"])
            .stderr_has("warning: token cache directory")
            .run();
        assert_eq!(
            std::fs::read_dir(&dir).expect("dir").count(),
            0,
            "nothing written there"
        );
    }
}
