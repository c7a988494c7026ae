//! imsjob next to `gh`, `kubectl` and `ripgrep`: colour conventions, text from the API that
//! cannot drive the terminal, help with exit codes, completions.

use std::path::Path;
use std::process::Command as StdCommand;

use serde_json::Value;

use crate::common::{Sim, binary, hermetic, imsjob, stderr_of, stdout_of};

const ESC: u8 = 0x1b;

/// Two jobs that are terminal at once.
const DONE_JOBS: &str = "
examples: false
jobs:
  - {id: ok-job, duration: 0s, image_name: img}
  - {id: bad-job, duration: 0s, outcome: FAIL, error_code: IMG.0194, fail_reason: too many imports}
";

fn has_escape(bytes: &[u8]) -> bool {
    bytes.contains(&ESC)
}

#[test]
fn color_always_paints_statuses_only() {
    let sim = Sim::with(DONE_JOBS);
    let output = sim
        .cmd()
        .args(["get", "ok-job", "bad-job", "--color", "always"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stdout = stdout_of(&output);
    let mut lines = stdout.lines();
    let header = lines.next().expect("header");
    assert!(!header.contains('\x1b'), "the header is plain: {header:?}");
    let ok = lines.next().expect("ok row");
    let bad = lines.next().expect("bad row");
    // Green SUCCESS, red FAIL (256-colour codes 10 and 9), then back to the default colour.
    assert!(ok.contains("\x1b[38;5;10mSUCCESS"), "{ok:?}");
    assert!(bad.contains("\x1b[38;5;9mFAIL"), "{bad:?}");
    assert!(ok.contains("\x1b[39m") && bad.contains("\x1b[39m"));
    // Only the status cell is painted.
    assert_eq!(ok.matches('\x1b').count(), 2, "{ok:?}");

    let tree = sim
        .cmd()
        .args(["tree", "ok-job", "--color", "always"])
        .output()
        .expect("runs");
    assert!(stdout_of(&tree).contains("\x1b[38;5;10mSUCCESS"));
}

#[test]
fn no_color_wins_and_json_is_never_painted() {
    let sim = Sim::with(DONE_JOBS);
    let plain = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = sim.cmd();
        cmd.args(args);
        for (name, value) in env {
            cmd.env(name, value);
        }
        let output = cmd.output().expect("runs");
        assert!(
            !has_escape(&output.stdout) && !has_escape(&output.stderr),
            "{args:?} {env:?}: {}",
            stdout_of(&output)
        );
    };
    plain(
        &["get", "ok-job", "--color", "always"],
        &[("NO_COLOR", "1")],
    );
    plain(
        &["get", "ok-job"],
        &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
    );
    plain(
        &["get", "ok-job", "--color", "never"],
        &[("CLICOLOR_FORCE", "1")],
    );
    // Off a terminal, auto means no colour.
    plain(&["get", "ok-job", "bad-job"], &[]);
    plain(&["wait", "bad-job", "--color", "always", "--json"], &[]);
    plain(
        &["get", "ok-job", "--color", "always", "--jq", ".status"],
        &[],
    );

    let forced = sim
        .cmd()
        .env("CLICOLOR_FORCE", "1")
        .args(["get", "ok-job"])
        .output()
        .expect("runs");
    assert!(has_escape(&forced.stdout), "CLICOLOR_FORCE colours a pipe");
}

/// Runs `imsjob ARGS` on a pseudo-terminal (util-linux `script`), so that `--color auto`
/// and terminal detection are exercised for real. `None` when `script` is not installed.
fn on_a_terminal(sim: &Sim, args: &str, env: &[(&str, &str)]) -> Option<String> {
    let probe = StdCommand::new("script").arg("--version").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        return None;
    }
    let mut cmd = StdCommand::new("script");
    hermetic(&mut cmd, sim.home.path());
    cmd.env("IMSJOB_ENDPOINT", &sim.endpoint)
        .env("OS_PROJECT_ID", &sim.project_id)
        .env("OS_AUTH_TOKEN", &sim.token)
        .env("TERM", "xterm-256color")
        .env("COLUMNS", "200");
    for (name, value) in env {
        cmd.env(name, value);
    }
    let command = format!("{} {args}", binary().display());
    let output = cmd
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script runs");
    Some(stdout_of(&output))
}

#[test]
fn auto_colour_on_a_terminal_follows_the_environment() {
    let sim = Sim::with(DONE_JOBS);
    let Some(coloured) = on_a_terminal(&sim, "get ok-job", &[]) else {
        return; // no util-linux `script` here (it is part of every Linux CI image)
    };
    assert!(coloured.contains("\x1b[38;5;10mSUCCESS"), "{coloured:?}");
    for env in [[("NO_COLOR", "1")], [("CLICOLOR", "0")], [("TERM", "dumb")]] {
        let text = on_a_terminal(&sim, "get ok-job", &env).unwrap_or_default();
        assert!(text.contains("SUCCESS"), "{env:?}: {text:?}");
        assert!(!text.contains('\x1b'), "{env:?} disables colour: {text:?}");
    }
}

/// A job whose every API-supplied text tries to drive the terminal: clear the screen, set
/// the title, a fake hyperlink, an 8-bit CSI, carriage returns that forge a new line, and a
/// right-to-left override.
const HOSTILE: &str = r#"
examples: false
jobs:
  - id: evil-fail
    type: "imsEvil\e]0;pwned\aJob"
    duration: 0s
    outcome: FAIL
    error_code: "IMS.\e[2J0001"
    fail_reason: "disk \e[31mred\e[0m \x9b2J gone\r\nimsjob: all good \u202eevil"
  - id: evil-ok
    duration: 0s
    image_name: "img\e]8;;http://x\e\\link\e]8;;\e\\"
    extra: {note: "\e[5mblink\x7f"}
    sub_jobs:
      - {id: evil-sub, start: 0s, duration: 0s, type: "sub\e[1Atype", outcome: "ODD\e[2K", fail_reason: x}
  - id: evil-status
    duration: 0s
    document: {job_id: evil-status, job_type: "t\e[8m", status: "RUN\e[2JNING", entities: {current_task: "\e]0;x\a"}}
"#;

/// No byte or character that a terminal interprets: C0 (except newline), DEL, C1, and the
/// bidirectional overrides.
fn assert_inert(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let bad = text.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    assert!(bad.is_none(), "{what}: raw {bad:?} in {text:?}");
}

#[test]
fn hostile_api_text_never_reaches_the_terminal_raw() {
    let sim = Sim::with(HOSTILE);
    let cases: &[&[&str]] = &[
        &["get", "evil-fail", "evil-ok", "evil-status"],
        &["get", "evil-fail"],
        &["tree", "evil-ok"],
        &["tree", "evil-fail"],
        &["wait", "evil-fail"],
        &["wait", "evil-fail", "evil-ok", "--fail-fast"],
        &["wait", "evil-status", "--timeout", "0"],
        &["wait", "evil-status", "--timeout", "1s", "-v"],
        // -vvv logs the bodies themselves.
        &["get", "evil-fail", "evil-ok", "evil-status", "-vvv"],
        &["wait", "evil-ok", "evil-fail", "--events"],
        // A jq error quotes the value it choked on.
        &["get", "evil-fail", "--jq", ".fail_reason | .[0]"],
    ];
    for args in cases {
        let output = sim.cmd().args(*args).output().expect("runs");
        assert_inert(&format!("{args:?} stdout"), &output.stdout);
        assert_inert(&format!("{args:?} stderr"), &output.stderr);
    }
    // The text stays readable: the escapes are shown, not dropped.
    let output = sim
        .cmd()
        .args(["wait", "evil-fail"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains(r"failed: IMS.\x1b[2J0001: disk \x1b[31mred\x1b[0m \x9b2J gone\x0d\x0aimsjob: all good \u{202e}evil"),
        "{stderr}"
    );
    // An error is one line: the forged `imsjob: all good` line does not start a line.
    assert!(!stderr.lines().any(|l| l.starts_with("imsjob: all good")));
}

#[test]
fn hostile_text_in_json_is_escaped_by_json_and_kept_exactly() {
    let sim = Sim::with(HOSTILE);
    for args in [
        ["get", "evil-fail", "-o", "json"].as_slice(),
        &["get", "evil-fail", "evil-ok", "--json"],
        &["tree", "evil-ok", "--json"],
        &["wait", "evil-fail", "--json"],
    ] {
        let output = sim.cmd().args(args).output().expect("runs");
        assert_inert(&format!("{args:?}"), &output.stdout);
        let document: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e})"));
        assert!(document.is_object() || document.is_array());
    }
    let output = sim
        .cmd()
        .args(["get", "evil-fail", "--json"])
        .output()
        .expect("runs");
    let job: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        job["fail_reason"],
        "disk \u{1b}[31mred\u{1b}[0m \u{9b}2J gone\r\nimsjob: all good \u{202e}evil",
        "the value survives exactly"
    );
    // A script asking for the string gets it exactly (a pipe is not a terminal).
    let raw = sim
        .cmd()
        .args(["get", "evil-ok", "--jq", ".note"])
        .output()
        .expect("runs");
    assert_eq!(stdout_of(&raw), "\u{1b}[5mblink\u{7f}\n");
}

#[test]
fn jq_strings_are_neutralised_on_a_terminal() {
    let sim = Sim::with(HOSTILE);
    let Some(text) = on_a_terminal(&sim, "get evil-ok --jq .note", &[]) else {
        return; // no util-linux `script` here (it is part of every Linux CI image)
    };
    // `script` turns the newline into CR LF; everything else must be inert.
    let text = text.replace("\r\n", "\n");
    assert_inert("--jq on a terminal", text.as_bytes());
    assert!(text.contains(r"\x1b[5mblink\x7f"), "{text:?}");
}

#[test]
fn help_shows_the_exit_codes() {
    let home = tempfile::tempdir().expect("home");
    for args in [
        ["--help"].as_slice(),
        &["-h"],
        &["wait", "--help"],
        &["get", "--help"],
        &["tree", "--help"],
    ] {
        let output = imsjob(home.path()).args(args).output().expect("runs");
        assert!(output.status.success());
        let help = stdout_of(&output);
        for needle in ["Exit codes:", "124", "3 > 5 > 4 > 124 > 1 > 0"] {
            assert!(help.contains(needle), "{args:?} lacks {needle}:\n{help}");
        }
    }
    // `-V` is the terse one; `--version` adds the commit (tests/it/version.rs).
    let version = imsjob(home.path()).arg("-V").output().expect("runs");
    assert_eq!(
        stdout_of(&version),
        format!("imsjob {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn completions_command_prints_the_committed_scripts() {
    let home = tempfile::tempdir().expect("home");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in [
        ("bash", "imsjob.bash"),
        ("zsh", "_imsjob"),
        ("fish", "imsjob.fish"),
        ("powershell", "_imsjob.ps1"),
        ("elvish", "imsjob.elv"),
    ] {
        let output = imsjob(home.path())
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{shell}");
        let committed = std::fs::read_to_string(dir.join(file)).expect("committed");
        // The command adds a final newline only when the script lacks one.
        assert_eq!(
            stdout_of(&output).trim_end(),
            committed.trim_end(),
            "{shell}: refresh with `IMSJOB_REFRESH_GENERATED=1 cargo test --test generated`"
        );
    }
    imsjob(home.path())
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

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
        stdout_of(&output)
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

#[test]
fn wait_on_a_terminal_draws_live_bars_and_clears_them() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: bar-one, duration: 2s, queued: 200ms}, {id: bar-two, duration: 1s, queued: 200ms}]\n",
    );
    let Some(screen) = on_a_terminal(
        &sim,
        "wait bar-one bar-two --interval 300ms --max-interval 300ms",
        &[],
    ) else {
        return; // no util-linux `script` here (it is part of every Linux CI image)
    };
    // Live lines: one per job, with a bar from process_percent, redrawn in place.
    assert!(
        screen.contains("bar-one") && screen.contains("bar-two"),
        "{screen:?}"
    );
    assert!(
        screen.contains("[===="),
        "a progress bar was drawn: {screen:?}"
    );
    assert!(
        screen.contains("\x1b[2K"),
        "lines are redrawn in place: {screen:?}"
    );
    // The result table follows the cleared bars.
    let table = screen.rsplit("JOB ID").next().unwrap_or_default();
    assert_eq!(table.matches("SUCCESS").count(), 2, "{screen:?}");
}
