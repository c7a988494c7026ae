//! `--version` names the build's commit (a bug report can then say exactly what ran);
//! `-V` stays one terse line for scripts that parse it.

use std::path::Path;
use std::process::Command as StdCommand;

use crate::common::{imsjob, stderr_of, stdout_of};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The full commit of this checkout, when it is a git repository of its own (not a source
/// tarball, nor a tarball unpacked inside another repository).
fn checkout_commit() -> Option<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let git = |args: &[&str]| {
        let output = StdCommand::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    if std::fs::canonicalize(top).ok()? != std::fs::canonicalize(root).ok()? {
        return None;
    }
    git(&["rev-parse", "HEAD"])
}

#[test]
fn long_version_names_the_commit_and_its_date() {
    let home = tempfile::tempdir().expect("home");
    let output = imsjob(home.path()).arg("--version").output().expect("runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stdout = stdout_of(&output);
    let build = stdout
        .strip_prefix(&format!("imsjob {VERSION} ("))
        .and_then(|rest| rest.strip_suffix(")\n"))
        .unwrap_or_else(|| panic!("not `imsjob {VERSION} (…)`: {stdout:?}"));
    if build == "unknown" {
        assert!(
            checkout_commit().is_none(),
            "built in a git checkout, yet the commit is unknown"
        );
        return;
    }
    let (hash, date) = build.split_once(' ').unwrap_or((build, ""));
    assert!(
        hash.len() >= 7 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{stdout:?}"
    );
    if let Some(full) = checkout_commit() {
        assert!(
            full.starts_with(hash),
            "built from {hash}, checkout at {full}"
        );
        // A commit date in the form `git log --format=%cs` prints.
        let digits: Vec<&str> = date.split('-').collect();
        assert!(
            digits.len() == 3
                && date.len() == 10
                && date.chars().all(|c| c.is_ascii_digit() || c == '-'),
            "no YYYY-MM-DD date: {stdout:?}"
        );
    }
}

#[test]
fn short_version_is_one_terse_line() {
    let home = tempfile::tempdir().expect("home");
    let output = imsjob(home.path()).arg("-V").output().expect("runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(stdout_of(&output), format!("imsjob {VERSION}\n"));
}
