//! The command line itself: help with the exit codes and without environment values,
//! options refused where they do not apply, `--version` naming the build's commit (a bug
//! report can then say exactly what ran) and a terse `-V`, completion scripts.

use std::path::Path;
use std::process::Command as StdCommand;

use crate::common::Sim;
use crate::test::{Exit, Test};

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[test]
fn help_shows_the_exit_codes() {
    for args in [
        ["--help"].as_slice(),
        &["-h"],
        &["wait", "--help"],
        &["get", "--help"],
        &["tree", "--help"],
    ] {
        Test::new()
            .args(args)
            .stdout_has("Exit codes:")
            .stdout_has("124")
            .stdout_has("3 > 5 > 4 > 124 > 1 > 0")
            .run();
    }
}

#[test]
fn help_never_shows_environment_values_nor_makes_them_required() {
    let sim = Sim::builtin();
    Test::on(&sim)
        .env("IMSJOB_ENDPOINT", "http://user:hunter2@example.com")
        .env("OS_PROJECT_ID", "secret-project-id")
        .args(["get", "--help"])
        .stdout_lacks("hunter2")
        .stdout_lacks("secret-project-id")
        .stdout_has("Usage: imsjob get [OPTIONS] <JOB_ID>...")
        .stdout_has("Examples:")
        .stdout_has("Global options:")
        .run();
    let mut top = Test::on(&sim).arg("--help").any_exit();
    for needle in [
        "OS_AUTH_TOKEN",
        "OS_ACCESS_KEY",
        "OS_PASSWORD",
        "first one configured wins",
    ] {
        top = top.stdout_has(needle);
    }
    top.run();
}

#[test]
fn options_that_do_not_apply_are_refused() {
    let sim = Sim::builtin();
    for args in [
        &["sim", "--jq", "x"][..],
        &["--jq", "x", "sim"],
        &["demo", "--endpoint", "http://x"],
        &["--json", "completions", "bash"],
    ] {
        Test::on(&sim)
            .args(args)
            .expect_exit(Exit::Usage)
            .stdout_empty()
            .run();
    }
    assert!(sim.requests().is_empty());
}

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
    let stdout = Test::new().arg("--version").run().stdout;
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
    Test::new()
        .arg("-V")
        .stdout_is(format!("imsjob {VERSION}\n"))
        .run();
}

#[test]
fn completions_command_prints_the_committed_scripts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in [
        ("bash", "imsjob.bash"),
        ("zsh", "_imsjob"),
        ("fish", "imsjob.fish"),
        ("powershell", "_imsjob.ps1"),
        ("elvish", "imsjob.elv"),
    ] {
        let ran = Test::new().args(["completions", shell]).run();
        let committed = std::fs::read_to_string(dir.join(file)).expect("committed");
        // The command adds a final newline only when the script lacks one.
        assert_eq!(
            ran.stdout.trim_end(),
            committed.trim_end(),
            "{shell}: refresh with `IMSJOB_REFRESH_GENERATED=1 cargo test --test generated`"
        );
    }
    Test::new()
        .args(["completions", "tcsh"])
        .expect_exit(Exit::Usage)
        .run();
}

/// Unix only: it sources the script into bash.
#[cfg(unix)]
#[test]
fn bash_completion_offers_subcommands_and_values() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/imsjob.bash");
    let probe = |words: &str| {
        let program = format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); \
             _imsjob imsjob \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let output = StdCommand::new("bash")
            .args(["--norc", "-c", &program])
            .output()
            .expect("bash runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let subcommands = probe("imsjob ''");
    for sub in ["get", "wait", "tree", "sim", "demo", "completions"] {
        assert!(
            subcommands.lines().any(|l| l == sub),
            "{sub}: {subcommands}"
        );
    }
    let colours = probe("imsjob get --color ''");
    assert_eq!(
        colours.split_whitespace().collect::<Vec<_>>(),
        ["auto", "always", "never"]
    );
}
