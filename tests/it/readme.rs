//! The README's examples are run, so they cannot rot.
//!
//! A fenced block right after a `<!-- tested: KIND -->` marker is exercised:
//! - `lines`: a shell session against the built-in simulator, with `imsjob` on `PATH` and the
//!   simulator's exports set. Each complete command (a line, or a compound command spanning
//!   lines) must end with the exit code its comment states (`# exit N`), or 0.
//! - `github-actions`, `gitlab-ci`: the pipeline's own shell steps, run as the CI would run
//!   them, must pass for a job that succeeds and fail with exit 1 for a job that fails.
//! - `scenario`: the documented simulator scenario parses and is served.
//! - `install`: the download-and-verify recipe, against a stand-in for the GitHub release
//!   (`file://` URLs, checksum files in dist's own format) under `bash -e`, `dash` and BusyBox:
//!   a good archive installs the binary, a replaced one stops the recipe before it runs.
//! - `branch`: a session that branches on an exit code, which must hold under `set -e`.
//! - `completions`: the completion and man page install lines, on a fresh HOME.
//! - `github-action`, `gitlab-component`: uses of this repository's Action and GitLab
//!   component; their inputs must exist (`pipelines.rs` runs the Action and the component).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command as StdCommand;

use serde_norway::Value as Yaml;

use crate::common::{Sim, binary, hermetic};
use crate::release::{
    Archive, CI_TARGET, RELEASES, REPLACED, ci_shells, fake_release, github_bash, linux_here,
    posix_shells_here,
};
use crate::test::{Exit, Ran, Test};

const README: &str = include_str!("../../README.md");

/// The fenced blocks after each `<!-- tested: kind -->` marker, with the README line number
/// of their first line.
fn blocks(kind: &str) -> Vec<(usize, String)> {
    let marker = format!("<!-- tested: {kind} -->");
    let lines: Vec<&str> = README.lines().collect();
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if line.trim() != marker {
            continue;
        }
        let open = lines[index + 1..]
            .iter()
            .position(|l| l.starts_with("```"))
            .map_or_else(
                || panic!("README line {}: no block after {marker}", index + 1),
                |p| index + 1 + p,
            );
        let close = lines[open + 1..]
            .iter()
            .position(|l| l.starts_with("```"))
            .map_or_else(
                || panic!("README line {}: unclosed block", open + 1),
                |p| open + 1 + p,
            );
        found.push((open + 2, lines[open + 1..close].join("\n")));
    }
    found
}

/// A shell whose environment points `imsjob` (found on `PATH`) at the simulator.
fn shell(sim: &Sim, dir: &Path) -> StdCommand {
    let mut cmd = StdCommand::new("bash");
    hermetic(&mut cmd, sim.home.path());
    at_simulator(&mut cmd, sim, dir);
    cmd
}

/// Puts the binary under test first on `PATH` and points it at the simulator.
fn at_simulator(cmd: &mut StdCommand, sim: &Sim, dir: &Path) {
    let bin_dir = binary().parent().expect("binary dir").to_path_buf();
    let path = cmd
        .get_envs()
        .find(|(name, _)| *name == "PATH")
        .and_then(|(_, value)| value.map(ToOwned::to_owned))
        .or_else(|| std::env::var_os("PATH"))
        .unwrap_or_default();
    let mut dirs = vec![bin_dir];
    dirs.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(dirs).expect("PATH"))
        .env("IMSJOB_ENDPOINT", &sim.endpoint)
        .env("OS_PROJECT_ID", &sim.project_id)
        .env("OS_AUTH_TOKEN", &sim.token)
        .current_dir(dir);
}

/// Whether bash reads `text` as complete commands (so a `case … esac` is one unit).
fn is_complete(text: &str) -> bool {
    !text.trim_end().ends_with('\\')
        && StdCommand::new("bash")
            .args(["-n", "-c", text])
            .output()
            .is_ok_and(|o| o.status.success())
}

/// The exit code a command's `# exit N` comment promises, else 0.
fn promised_exit(unit: &str) -> i32 {
    unit.split("# exit ").nth(1).map_or(0, |rest| {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().expect("a number after `# exit`")
    })
}

/// Turns a README session into a script that checks every command's exit code.
fn checked_script(first_line: usize, block: &str) -> (String, usize) {
    let mut script = String::from(
        "__check() {\n  if [ \"$1\" -ne \"$2\" ]; then\n    \
         echo \"README.md line $3: expected exit $2, got $1\" >&2; exit 99\n  fi\n  \
         return \"$1\"\n}\n",
    );
    let mut unit = String::new();
    let mut unit_line = first_line;
    let mut commands = 0;
    for (offset, line) in block.lines().enumerate() {
        if unit.is_empty() {
            unit_line = first_line + offset;
        }
        unit.push_str(line);
        unit.push('\n');
        if !is_complete(&unit) {
            continue;
        }
        if unit.lines().any(|l| {
            let l = l.trim();
            !l.is_empty() && !l.starts_with('#')
        }) {
            let code = promised_exit(&unit);
            script.push_str(&unit);
            let _ = writeln!(script, "__check $? {code} {unit_line}");
            commands += 1;
        }
        unit.clear();
    }
    assert!(
        unit.trim().is_empty(),
        "README.md line {unit_line}: incomplete shell command"
    );
    // Every code was checked: the last command's own code is not the session's.
    script.push_str("exit 0\n");
    (script, commands)
}

fn run_session(first_line: usize, block: &str) -> Ran {
    let (script, commands) = checked_script(first_line, block);
    assert!(commands > 0, "README.md line {first_line}: no commands");
    let sim = Sim::builtin();
    let dir = tempfile::tempdir().expect("work dir");
    let output = Ran::from(
        shell(&sim, dir.path())
            .args(["-c", &script])
            .output()
            .expect("bash runs"),
    );
    output.assert_exit_under(
        &format!("README.md block at line {first_line}"),
        Exit::Success,
    );
    output
}

#[test]
fn quick_start_session_runs_as_documented() {
    if !posix_shells_here("the README's shell examples") {
        return;
    }
    let sessions = blocks("lines");
    assert!(sessions.len() >= 2, "the tested README sessions are gone");
    let (line, block) = &sessions[0];
    assert!(block.contains("imsjob wait job-fail"), "{block}");
    let output = run_session(*line, block);
    let stdout = output.stdout;
    assert!(stdout.contains("job-ova-disk-0"), "the tree: {stdout}");
    assert!(
        output.stderr
            .contains("ImportImageTask-fail:The maximum number of images that can be imported at one time has been reached."),
        "the fail_reason is shown"
    );
}

#[test]
fn script_examples_run_as_documented() {
    if !posix_shells_here("the README's shell examples") {
        return;
    }
    let sessions = blocks("lines");
    for (line, block) in &sessions[1..] {
        let output = run_session(*line, block);
        let stdout = output.stdout;
        if block.contains("IMAGE=") {
            assert!(stdout.contains("is ready"), "{stdout}");
            assert!(stdout.contains("\"event\":\"end\""), "{stdout}");
        }
    }
}

#[test]
fn branching_on_the_exit_code_holds_under_set_e_in_every_ci_shell() {
    if !posix_shells_here("the README's shell examples") {
        return;
    }
    let found = blocks("branch");
    assert_eq!(found.len(), 1, "the tested branching example is gone");
    let (line, block) = &found[0];
    let sim = Sim::builtin();
    let scratch = tempfile::tempdir().expect("scratch dir");
    for shell in ci_shells(scratch.path()) {
        let dir = tempfile::tempdir().expect("work dir");
        let mut cmd = shell.command(block, sim.home.path());
        at_simulator(&mut cmd, &sim, dir.path());
        let output = Ran::from(cmd.output().expect("the shell runs"));
        output.assert_exit_under(
            &format!("README.md line {line} under {}", shell.name),
            Exit::Success,
        );
        assert!(
            output
                .stdout
                .ends_with("\nthe job failed: see its fail_reason above\n"),
            "under {}: {}",
            shell.name,
            output.stdout
        );
    }
}

/// A scenario for the pipelines: one job that succeeds, one that fails, both quickly.
const CI_SCENARIO: &str = "
examples: false
jobs:
  - {id: ci-ok, duration: 1s, image_name: built-by-ci}
  - {id: ci-bad, duration: 1s, outcome: FAIL, error_code: IMG.0194, fail_reason: too many imports at once}
";

/// Runs a pipeline's shell script for a job id; returns the exit code and what the step
/// wrote to `file` (the step output / dotenv report).
fn run_step(shell_args: &[&str], script: &str, job: &str, file_var: Option<&str>) -> (i32, String) {
    let sim = Sim::with(CI_SCENARIO);
    let dir = tempfile::tempdir().expect("work dir");
    let mut cmd = shell(&sim, dir.path());
    let out_file = dir.path().join("step-output");
    if let Some(var) = file_var {
        cmd.env(var, &out_file);
    }
    let output = Ran::from(
        cmd.args(shell_args)
            .arg(script)
            .env("JOB_ID", job)
            .output()
            .expect("bash runs"),
    );
    let written = std::fs::read_to_string(&out_file)
        .or_else(|_| std::fs::read_to_string(dir.path().join("image.env")))
        .unwrap_or_default();
    (output.code().unwrap_or(-1), written)
}

fn yaml(block: &str) -> Yaml {
    serde_norway::from_str(block).expect("the README's YAML parses")
}

#[test]
fn github_actions_snippet_gates_on_the_exit_code() {
    if !posix_shells_here("the README's shell examples") {
        return;
    }
    let found = blocks("github-actions");
    assert_eq!(found.len(), 1, "the tested GitHub Actions snippet is gone");
    let workflow = yaml(&found[0].1);
    let steps: Vec<&str> = workflow["jobs"]
        .as_mapping()
        .expect("jobs")
        .values()
        .flat_map(|job| job["steps"].as_sequence().expect("steps"))
        // The install step is tested on its own, below: here the binary under test is on PATH.
        .filter(|step| step["name"].as_str() != Some("Install imsjob"))
        .filter_map(|step| step["run"].as_str())
        .collect();
    assert!(steps.iter().any(|s| s.contains("imsjob wait")), "{steps:?}");
    let script = steps.join("\n");
    // What GitHub runs for `shell: bash` (the default on Linux runners).
    let shell = ["--noprofile", "--norc", "-eo", "pipefail", "-c"];
    let (code, output) = run_step(&shell, &script, "ci-ok", Some("GITHUB_OUTPUT"));
    assert_eq!(code, 0, "a successful job passes the step");
    let image = output.trim().strip_prefix("image_id=").unwrap_or_default();
    assert_eq!(image.len(), 36, "the step outputs the image id: {output}");
    let (code, _) = run_step(&shell, &script, "ci-bad", Some("GITHUB_OUTPUT"));
    assert_eq!(code, 1, "a failed job fails the step with exit 1");
}

#[test]
fn gitlab_ci_snippet_gates_on_the_exit_code() {
    if !posix_shells_here("the README's shell examples") {
        return;
    }
    let found = blocks("gitlab-ci");
    assert_eq!(found.len(), 1, "the tested GitLab CI snippet is gone");
    let pipeline = yaml(&found[0].1);
    let (_, job) = pipeline
        .as_mapping()
        .expect("jobs")
        .iter()
        .find(|(_, job)| job.get("script").is_some())
        .expect("a job with a script");
    let lines: Vec<&str> = job["script"]
        .as_sequence()
        .expect("script lines")
        .iter()
        .map(|l| l.as_str().expect("a script line"))
        .collect();
    // `allow_failure: exit_codes` must name the timeout code of the contract.
    let allowed = job["allow_failure"]["exit_codes"]
        .as_sequence()
        .expect("exit_codes");
    assert!(
        allowed.iter().all(|c| c.as_u64() == Some(124)),
        "{allowed:?}"
    );
    let script = lines.join("\n");
    let shell = ["-eo", "pipefail", "-c"];
    let (code, output) = run_step(&shell, &script, "ci-ok", None);
    assert_eq!(code, 0, "a successful job passes");
    assert!(
        output.starts_with("IMAGE_ID=") && output.trim().len() > 9,
        "{output}"
    );
    let (code, _) = run_step(&shell, &script, "ci-bad", None);
    assert_eq!(code, 1, "a failed job fails the pipeline with exit 1");
}

#[test]
fn documented_scenario_is_valid_and_served() {
    let found = blocks("scenario");
    assert_eq!(found.len(), 1, "the tested scenario is gone");
    let text = &found[0].1;
    let scenario = imsjob::testing::Scenario::parse(text).expect("the README's scenario");
    assert!(scenario.random_faults.is_some() && scenario.jobs.len() >= 4);
    // Served without its random faults, so that the checks below are deterministic.
    let calm = text.replace("rate: 0.2", "rate: 0.0");
    assert_ne!(&calm, text, "the random fault rate moved; update this test");
    let sim = Sim::with(&calm);
    Test::on(&sim)
        .args(["get", "verbatim", "--jq", ".anything[1]"])
        .any_exit()
        .stdout_is("2\n")
        .run();
    Test::on(&sim)
        .args(["get", "broken-import", "--json"])
        .stdout_has("\"new_field\": \"kept\"")
        .run();
    // A documented example is served too (`examples: true`).
    Test::on(&sim)
        .args(["get", "9a175ac692fa12540193002a6d4b2720"])
        .run();
}

/// Runs an install recipe under `shell` with `RELEASES` pointing at a stand-in release;
/// returns the output and the directory it ran in (the runner's temp directory, for GitHub).
fn run_install(
    shell: &crate::release::Shell,
    script: &str,
    archive: Archive,
    env: &[(&str, &str)],
) -> (Ran, tempfile::TempDir) {
    let releases = tempfile::tempdir().expect("releases dir");
    let base = fake_release(releases.path(), CI_TARGET, archive);
    let local = script.replace(RELEASES, &base);
    assert_ne!(
        local, script,
        "the recipe no longer downloads from {RELEASES}"
    );
    let work = tempfile::tempdir().expect("work dir");
    let output = Ran::from(
        shell
            .command(&local, work.path())
            .envs(env.iter().copied())
            .output()
            .expect("the shell runs"),
    );
    (output, work)
}

/// The plain shell recipe, run as a CI shell runs a step: the good archive installs in every
/// shell; the replaced one stops the recipe before anything from it runs.
#[test]
fn install_recipe_verifies_and_installs_the_release_archive_in_every_ci_shell() {
    if !linux_here("the install recipe") {
        return;
    }
    let found = blocks("install");
    assert_eq!(found.len(), 1, "the tested install recipe is gone");
    let recipe = &found[0].1;
    assert!(
        recipe.contains(&format!("IMSJOB_VERSION={}", env!("CARGO_PKG_VERSION")))
            && recipe.contains(CI_TARGET),
        "the recipe should pin this version and the static archive: {recipe}"
    );
    assert!(
        recipe
            .lines()
            .next()
            .is_some_and(|l| l.starts_with("set -e")),
        "the recipe states `set -e` first: {recipe}"
    );
    let script = format!("{recipe}\ncommand -v imsjob");
    let scratch = tempfile::tempdir().expect("scratch dir");
    let shells = ci_shells(scratch.path());
    for shell in &shells {
        let (output, work) = run_install(shell, &script, Archive::Good, &[]);
        output.assert_exit_under(shell.name, Exit::Success);
        let stdout = output.stdout;
        assert!(
            stdout.contains(&format!("imsjob {} (", env!("CARGO_PKG_VERSION"))),
            "under {}: {stdout}",
            shell.name
        );
        let installed = work.path().join(format!("imsjob-{CI_TARGET}/imsjob"));
        assert!(
            stdout
                .trim_end()
                .ends_with(&installed.display().to_string()),
            "under {}, the archive's binary is the one on PATH: {stdout}",
            shell.name
        );

        // Without `set -e` the recipe would go on to unpack and run the replaced archive.
        let (output, work) = run_install(shell, &script, Archive::Replaced, &[]);
        assert_ne!(
            output.code(),
            Some(0),
            "under {}, a replaced archive is refused",
            shell.name
        );
        assert!(
            output.stdout.contains("FAILED"),
            "under {}: {}",
            shell.name,
            output.stdout
        );
        assert!(
            !output.stdout.contains(REPLACED) && !output.stdout.contains("imsjob "),
            "under {}, nothing ran: {}",
            shell.name,
            output.stdout
        );
        assert!(
            !work.path().join(format!("imsjob-{CI_TARGET}")).exists(),
            "under {}, nothing was unpacked",
            shell.name
        );
    }
    assert!(
        shells.len() == 3 || !cfg!(target_os = "linux"),
        "{shells:?}"
    );
}

/// The BusyBox `sha256sum` of Alpine reads dist's empty last line as a failed check: the
/// reason the recipes check the hash field on its own. Should this ever change, the recipes
/// could go back to `sha256sum -c FILE.sha256`.
#[test]
fn busybox_sha256sum_refuses_a_dist_checksum_file_as_published() {
    if !linux_here("the install recipe") {
        return;
    }
    let scratch = tempfile::tempdir().expect("scratch dir");
    let Some(busybox) = ci_shells(scratch.path())
        .into_iter()
        .find(|s| s.name.starts_with("busybox"))
    else {
        return;
    };
    let releases = tempfile::tempdir().expect("releases dir");
    fake_release(releases.path(), CI_TARGET, Archive::Good);
    let dir = releases
        .path()
        .join(format!("v{}", env!("CARGO_PKG_VERSION")));
    let file = format!("imsjob-{CI_TARGET}.tar.xz");
    let output = Ran::from(
        busybox
            .command(&format!("sha256sum -c {file}.sha256"), &dir)
            .output()
            .expect("busybox runs"),
    );
    assert_eq!(output.code(), Some(1), "{}", output.stderr);
    assert!(output.stdout.contains(&format!("{file}: OK")));
    let gnu = StdCommand::new("sha256sum")
        .args(["-c", &format!("{file}.sha256")])
        .current_dir(&dir)
        .output()
        .expect("sha256sum runs");
    assert!(gnu.status.success(), "GNU sha256sum accepts it");
}

#[test]
fn github_actions_install_step_verifies_and_installs_the_release_archive() {
    if !linux_here("the install recipe") {
        return;
    }
    let found = blocks("github-actions");
    let workflow = yaml(&found[0].1);
    let step = workflow["jobs"]
        .as_mapping()
        .expect("jobs")
        .values()
        .flat_map(|job| job["steps"].as_sequence().expect("steps"))
        .find(|step| step["name"].as_str() == Some("Install imsjob"))
        .expect("an `Install imsjob` step");
    let script = step["run"].as_str().expect("a run script");
    assert_eq!(
        step["working-directory"].as_str(),
        Some("${{ runner.temp }}"),
        "the step runs in the runner's temp directory"
    );
    let env: Vec<(&str, &str)> = step["env"]
        .as_mapping()
        .expect("the step's env")
        .iter()
        .map(|(k, v)| (k.as_str().expect("a name"), v.as_str().expect("a value")))
        .collect();
    assert!(
        env.contains(&("IMSJOB_VERSION", env!("CARGO_PKG_VERSION")))
            && env.contains(&("TARGET", CI_TARGET)),
        "{env:?}"
    );
    // What the runner provides: `bash -e -o pipefail` in RUNNER_TEMP, and GITHUB_PATH.
    let bash = github_bash();
    let script = format!("export GITHUB_PATH=\"$PWD/github_path\"\n{script}");
    let (output, work) = run_install(&bash, &script, Archive::Good, &env);
    output.assert_exit(Exit::Success);
    let added = std::fs::read_to_string(work.path().join("github_path")).expect("GITHUB_PATH");
    let bin = Path::new(added.trim()).join("imsjob");
    let version = Ran::from(
        StdCommand::new(&bin)
            .arg("-V")
            .output()
            .expect("the installed binary runs"),
    );
    assert_eq!(
        version.stdout,
        format!("imsjob {}\n", env!("CARGO_PKG_VERSION"))
    );

    let (output, work) = run_install(&bash, &script, Archive::Replaced, &env);
    assert!(output.code() != Some(0), "a replaced archive is refused");
    assert!(
        !work.path().join("github_path").exists(),
        "nothing was added to PATH"
    );
}

/// The GitLab job's install lines, as the runner runs them: one script, `sh -e`, on Alpine
/// (BusyBox) or a Debian image (dash). `/usr/local/bin` becomes a directory of the test's.
#[test]
fn gitlab_ci_install_lines_verify_the_release_archive_in_every_ci_shell() {
    if !linux_here("the install recipe") {
        return;
    }
    let found = blocks("gitlab-ci");
    let pipeline = yaml(&found[0].1);
    let job = &pipeline["wait-for-image"];
    let lines: Vec<&str> = job["before_script"]
        .as_sequence()
        .expect("before_script lines")
        .iter()
        .map(|l| l.as_str().expect("a line"))
        // The packages are there already: no package manager runs in a test.
        .filter(|l| !l.starts_with("apk add"))
        .collect();
    let variables: Vec<(&str, String)> = job["variables"]
        .as_mapping()
        .expect("variables")
        .iter()
        .map(|(k, v)| {
            let value = v.as_str().map_or_else(
                || serde_norway::to_string(v).expect("a value"),
                String::from,
            );
            (k.as_str().expect("a name"), value.trim().to_owned())
        })
        .collect();
    assert!(
        variables.contains(&("IMSJOB_VERSION", env!("CARGO_PKG_VERSION").to_owned())),
        "{variables:?}"
    );
    let script = format!(
        "mkdir -p bin\n{}\n\"$PWD/bin/imsjob\" -V",
        lines.join("\n").replace("/usr/local/bin", "\"$PWD/bin\"")
    );
    let env: Vec<(&str, &str)> = variables.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let scratch = tempfile::tempdir().expect("scratch dir");
    for shell in ci_shells(scratch.path()) {
        let (output, _) = run_install(&shell, &script, Archive::Good, &env);
        output.assert_exit_under(shell.name, Exit::Success);
        assert_eq!(
            output.stdout.lines().last(),
            Some(format!("imsjob {}", env!("CARGO_PKG_VERSION")).as_str()),
            "under {}",
            shell.name
        );
        let (output, work) = run_install(&shell, &script, Archive::Replaced, &env);
        assert_ne!(output.code(), Some(0), "under {}", shell.name);
        assert!(
            !work.path().join("bin/imsjob").exists(),
            "under {}, nothing was installed",
            shell.name
        );
    }
}

/// The completion and man page lines, on a fresh HOME, as a user runs them in bash; the man
/// pages come from the release archive (a stand-in here).
#[test]
fn completion_and_man_page_lines_work_on_a_fresh_home() {
    if !posix_shells_here("the README's shell examples") {
        return;
    }
    let found = blocks("completions");
    assert_eq!(found.len(), 1, "the tested completion lines are gone");
    let (line, block) = &found[0];
    let releases = tempfile::tempdir().expect("releases dir");
    let base = fake_release(releases.path(), CI_TARGET, Archive::Good);
    let local = block.replace(RELEASES, &base);
    assert_ne!(
        &local, block,
        "the man pages no longer come from the release"
    );
    let home = tempfile::tempdir().expect("fresh HOME");
    let mut cmd = StdCommand::new("bash");
    hermetic(&mut cmd, home.path());
    let bin_dir = binary().parent().expect("binary dir").to_path_buf();
    let mut dirs = vec![bin_dir];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let output = Ran::from(
        cmd.env("PATH", std::env::join_paths(dirs).expect("PATH"))
            .env("TMPDIR", home.path())
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &local])
            .output()
            .expect("bash runs"),
    );
    output.assert_exit_under(&format!("README.md line {line}"), Exit::Success);
    let home = home.path();
    for (file, shell) in [
        (".local/share/bash-completion/completions/imsjob", "bash"),
        (".zfunc/_imsjob", "zsh"),
        (".config/fish/completions/imsjob.fish", "fish"),
        (".config/elvish/imsjob.elv", "elvish"),
    ] {
        let text = std::fs::read_to_string(home.join(file))
            .unwrap_or_else(|e| panic!("{shell}: {file}: {e}"));
        assert!(text.contains("imsjob"), "{shell}: {file}");
    }
    // bash loads what was written and knows how to complete imsjob.
    let output = Ran::from(
        StdCommand::new("bash")
            .args([
                "--noprofile",
                "--norc",
                "-c",
                "source \"$1\" && complete -p imsjob",
                "bash",
            ])
            .arg(home.join(".local/share/bash-completion/completions/imsjob"))
            .output()
            .expect("bash runs"),
    );
    output.assert_exit(Exit::Success);
    let man1 = home.join(".local/share/man/man1");
    let mut pages: Vec<String> = std::fs::read_dir(&man1)
        .expect("man1")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    let mut committed: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("doc"))
            .expect("doc")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".1"))
            .collect();
    committed.sort();
    assert_eq!(pages, committed, "exactly the man pages land in man1");
}

/// The README's use of the Action names its real inputs and this release.
#[test]
fn github_action_example_uses_the_actions_inputs() {
    let found = blocks("github-action");
    assert_eq!(found.len(), 1, "the tested Action example is gone");
    let workflow = yaml(&found[0].1);
    let action: Yaml =
        serde_norway::from_str(include_str!("../../action.yml")).expect("action.yml");
    let step = workflow["jobs"]
        .as_mapping()
        .expect("jobs")
        .values()
        .flat_map(|job| job["steps"].as_sequence().expect("steps"))
        .find(|step| step.get("uses").is_some())
        .expect("a step using the Action");
    assert_eq!(
        step["uses"].as_str(),
        Some(
            format!(
                "opentelekomcloud-community/imsjob@v{}",
                env!("CARGO_PKG_VERSION")
            )
            .as_str()
        )
    );
    for (name, _) in step["with"].as_mapping().expect("with") {
        let name = name.as_str().expect("an input name");
        assert!(
            action["inputs"].get(name).is_some(),
            "the Action has no input `{name}`"
        );
    }
    let env = step["env"].as_mapping().expect("the credentials as env");
    assert!(
        env.keys()
            .all(|k| k.as_str().is_some_and(|k| k.starts_with("OS_")))
    );
}

/// The README's use of the GitLab component names its real inputs and this release.
#[test]
fn gitlab_component_example_uses_the_components_inputs() {
    let found = blocks("gitlab-component");
    assert_eq!(found.len(), 1, "the tested component example is gone");
    let pipeline = yaml(&found[0].1);
    let template = include_str!("../../templates/wait.yml");
    let spec: Yaml = serde_norway::Deserializer::from_str(template)
        .next()
        .map(|doc| serde::Deserialize::deserialize(doc).expect("the spec"))
        .expect("a spec document");
    let include = &pipeline["include"][0];
    assert_eq!(
        include["remote"].as_str(),
        Some(
            format!(
                "https://raw.githubusercontent.com/opentelekomcloud-community/imsjob/v{}/templates/wait.yml",
                env!("CARGO_PKG_VERSION")
            )
            .as_str()
        )
    );
    for (name, _) in include["inputs"].as_mapping().expect("inputs") {
        let name = name.as_str().expect("an input name");
        assert!(
            spec["spec"]["inputs"].get(name).is_some(),
            "the component has no input `{name}`"
        );
    }
}

#[test]
fn every_tested_block_kind_is_known() {
    // A typo in a marker would silently exempt a block from testing.
    let known = [
        "lines",
        "branch",
        "github-actions",
        "github-action",
        "gitlab-ci",
        "gitlab-component",
        "scenario",
        "install",
        "completions",
    ];
    for line in README.lines() {
        if let Some(kind) = line
            .trim()
            .strip_prefix("<!-- tested: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        {
            assert!(known.contains(&kind), "unknown README marker `{kind}`");
        }
    }
}

/// `cargo binstall` finds the archives dist publishes: `[package.metadata.binstall]` renders
/// to the release URL of the fixture's archive, and to the binary's place inside it.
#[test]
fn binstall_metadata_points_at_the_dist_archives() {
    let manifest = include_str!("../../Cargo.toml");
    let section = manifest
        .split("[package.metadata.binstall]\n")
        .nth(1)
        .expect("a [package.metadata.binstall] section");
    let value = |key: &str| {
        section
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or_else(|| panic!("binstall: no {key}"))
    };
    let target = "x86_64-unknown-linux-gnu";
    let render = |template: &str| {
        template
            .replace("{ repo }", env!("CARGO_PKG_REPOSITORY"))
            .replace("{ version }", env!("CARGO_PKG_VERSION"))
            .replace("{ name }", env!("CARGO_PKG_NAME"))
            .replace("{ target }", target)
            .replace("{ archive-suffix }", ".tar.xz")
            .replace("{ bin }", "imsjob")
            .replace("{ binary-ext }", "")
    };
    // The fixture names the archive `dist build` made for this target.
    let (_, file) = crate::release::DIST_SHA256
        .trim_end()
        .split_once(" *")
        .expect("`HASH *FILE`");
    assert_eq!(
        render(value("pkg-url")),
        format!("{RELEASES}/v{}/{file}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(render(value("bin-dir")), format!("imsjob-{target}/imsjob"));
    assert_eq!(value("pkg-fmt"), "txz");
}
