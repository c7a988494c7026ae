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
//!   (`file://` URLs): a good archive installs the binary, a corrupted one stops the step.

use std::path::Path;
use std::process::{Command as StdCommand, Output};

use serde_norway::Value as Yaml;

use crate::common::{Sim, binary, hermetic, stderr_of, stdout_of};

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
            .map(|p| index + 1 + p)
            .unwrap_or_else(|| panic!("README line {}: no block after {marker}", index + 1));
        let close = lines[open + 1..]
            .iter()
            .position(|l| l.starts_with("```"))
            .map(|p| open + 1 + p)
            .unwrap_or_else(|| panic!("README line {}: unclosed block", open + 1));
        found.push((open + 2, lines[open + 1..close].join("\n")));
    }
    found
}

/// A shell whose environment points `imsjob` (found on `PATH`) at the simulator.
fn shell(sim: &Sim, dir: &Path) -> StdCommand {
    let mut cmd = StdCommand::new("bash");
    hermetic(&mut cmd, sim.home.path());
    let bin_dir = binary().parent().expect("binary dir").to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin_dir];
    dirs.extend(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(dirs).expect("PATH"))
        .env("IMSJOB_ENDPOINT", &sim.endpoint)
        .env("OS_PROJECT_ID", &sim.project_id)
        .env("OS_AUTH_TOKEN", &sim.token)
        .current_dir(dir);
    cmd
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
            script.push_str(&format!("__check $? {code} {unit_line}\n"));
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

fn run_session(first_line: usize, block: &str) -> Output {
    let (script, commands) = checked_script(first_line, block);
    assert!(commands > 0, "README.md line {first_line}: no commands");
    let sim = Sim::builtin();
    let dir = tempfile::tempdir().expect("work dir");
    let output = shell(&sim, dir.path())
        .args(["-c", &script])
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "README.md block at line {first_line} failed\n--- stdout\n{}\n--- stderr\n{}",
        stdout_of(&output),
        stderr_of(&output)
    );
    output
}

#[test]
fn quick_start_session_runs_as_documented() {
    let sessions = blocks("lines");
    assert!(sessions.len() >= 3, "the tested README sessions are gone");
    let (line, block) = &sessions[0];
    assert!(block.contains("imsjob wait job-fail"), "{block}");
    let output = run_session(*line, block);
    let stdout = stdout_of(&output);
    assert!(stdout.contains("job-ova-disk-0"), "the tree: {stdout}");
    assert!(
        stderr_of(&output)
            .contains("ImportImageTask-fail:The maximum number of images that can be imported at one time has been reached."),
        "the fail_reason is shown"
    );
}

#[test]
fn script_examples_run_as_documented() {
    let sessions = blocks("lines");
    for (line, block) in &sessions[1..] {
        let output = run_session(*line, block);
        let stdout = stdout_of(&output);
        if block.contains("IMAGE=") {
            assert!(stdout.contains("is ready"), "{stdout}");
            assert!(stdout.contains("\"event\":\"end\""), "{stdout}");
        }
        if block.contains("case $?") {
            assert!(stdout.contains("the job failed"), "{stdout}");
        }
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
    let output = cmd
        .args(shell_args)
        .arg(script)
        .env("JOB_ID", job)
        .output()
        .expect("bash runs");
    let written = std::fs::read_to_string(&out_file)
        .or_else(|_| std::fs::read_to_string(dir.path().join("image.env")))
        .unwrap_or_default();
    (output.status.code().unwrap_or(-1), written)
}

fn yaml(block: &str) -> Yaml {
    serde_norway::from_str(block).expect("the README's YAML parses")
}

#[test]
fn github_actions_snippet_gates_on_the_exit_code() {
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
    let output = sim
        .cmd()
        .args(["get", "verbatim", "--jq", ".anything[1]"])
        .output()
        .expect("runs");
    assert_eq!(stdout_of(&output), "2\n", "{}", stderr_of(&output));
    let output = sim
        .cmd()
        .args(["get", "broken-import", "--json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(stdout_of(&output).contains("\"new_field\": \"kept\""));
    // A documented example is served too (`examples: true`).
    sim.cmd()
        .args(["get", "9a175ac692fa12540193002a6d4b2720"])
        .assert()
        .success();
}

/// Where the install recipes download releases from.
const RELEASES: &str = "https://github.com/opentelekomcloud-community/imsjob/releases/download";
/// The archive the recipes install: static, so it runs on any Linux runner image.
const CI_TARGET: &str = "x86_64-unknown-linux-musl";

/// A stand-in for the GitHub releases under `dir`, laid out as dist publishes them:
/// `v{VERSION}/imsjob-{target}.tar.xz` (a directory holding `imsjob`) and its
/// `.sha256`. With `corrupt`, the archive no longer matches its checksum. Returns the
/// `file://` URL that replaces [`RELEASES`].
fn fake_release(dir: &Path, corrupt: bool) -> String {
    let name = format!("imsjob-{CI_TARGET}");
    let staging = dir.join("staging");
    let release = dir.join(format!("v{}", env!("CARGO_PKG_VERSION")));
    std::fs::create_dir_all(staging.join(&name)).expect("staging dir");
    std::fs::create_dir_all(&release).expect("release dir");
    // A stand-in that runs the binary under test: the debug binary itself is too large to
    // compress quickly.
    let stand_in = staging.join(&name).join("imsjob");
    std::fs::write(
        &stand_in,
        format!("#!/bin/sh\nexec '{}' \"$@\"\n", binary().display()),
    )
    .expect("write the stand-in binary");
    let mut permissions = std::fs::metadata(&stand_in)
        .expect("stand-in")
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&stand_in, permissions).expect("chmod the stand-in");
    let archive = format!("{name}.tar.xz");
    let status = StdCommand::new("tar")
        .arg("-cJf")
        .arg(release.join(&archive))
        .arg("-C")
        .arg(&staging)
        .arg(&name)
        .status()
        .expect("tar runs");
    assert!(status.success(), "tar -cJf");
    let status = StdCommand::new("sh")
        .args(["-c", &format!("sha256sum {archive} > {archive}.sha256")])
        .current_dir(&release)
        .status()
        .expect("sha256sum runs");
    assert!(status.success(), "sha256sum");
    if corrupt {
        let mut bytes = std::fs::read(release.join(&archive)).expect("archive");
        bytes.push(0);
        std::fs::write(release.join(&archive), bytes).expect("archive");
    }
    format!("file://{}", dir.display())
}

/// Runs an install recipe with `RELEASES` pointing at a stand-in release; returns the
/// output and the directory it ran in (the runner's temp directory, for GitHub).
fn run_install(script: &str, corrupt: bool, env: &[(&str, &str)]) -> (Output, tempfile::TempDir) {
    let releases = tempfile::tempdir().expect("releases dir");
    let base = fake_release(releases.path(), corrupt);
    let local = script.replace(RELEASES, &base);
    assert_ne!(
        local, script,
        "the recipe no longer downloads from {RELEASES}"
    );
    let work = tempfile::tempdir().expect("work dir");
    let mut cmd = StdCommand::new("bash");
    hermetic(&mut cmd, work.path());
    let output = cmd
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &local])
        .envs(env.iter().copied())
        .output()
        .expect("bash runs");
    (output, work)
}

#[test]
fn install_recipe_verifies_and_installs_the_release_archive() {
    let found = blocks("install");
    assert_eq!(found.len(), 1, "the tested install recipe is gone");
    let recipe = &found[0].1;
    assert!(
        recipe.contains(&format!("IMSJOB_VERSION={}", env!("CARGO_PKG_VERSION")))
            && recipe.contains(CI_TARGET),
        "the recipe should pin this version and the static archive: {recipe}"
    );
    let script = format!(
        "{recipe}
command -v imsjob"
    );
    let (output, work) = run_install(&script, false, &[]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stdout = stdout_of(&output);
    assert!(
        stdout.contains(&format!("imsjob {} (", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
    let installed = work.path().join(format!("imsjob-{CI_TARGET}/imsjob"));
    assert!(
        stdout
            .trim_end()
            .ends_with(&installed.display().to_string()),
        "the archive's binary is the one on PATH: {stdout}"
    );

    let (output, _) = run_install(&script, true, &[]);
    assert!(!output.status.success(), "a corrupted archive is refused");
    assert!(
        stdout_of(&output).contains("FAILED"),
        "{}",
        stdout_of(&output)
    );
    assert!(!stdout_of(&output).contains("imsjob "), "nothing ran");
}

#[test]
fn github_actions_install_step_verifies_and_installs_the_release_archive() {
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
    // What the runner provides: the step runs in RUNNER_TEMP and appends to GITHUB_PATH.
    let script = format!("export GITHUB_PATH=\"$PWD/github_path\"\n{script}");
    let (output, work) = run_install(&script, false, &env);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let added = std::fs::read_to_string(work.path().join("github_path")).expect("GITHUB_PATH");
    let bin = Path::new(added.trim()).join("imsjob");
    let version = StdCommand::new(&bin)
        .arg("-V")
        .output()
        .expect("the installed binary runs");
    assert_eq!(
        stdout_of(&version),
        format!("imsjob {}\n", env!("CARGO_PKG_VERSION"))
    );

    let (output, work) = run_install(&script, true, &env);
    assert!(!output.status.success(), "a corrupted archive is refused");
    assert!(
        !work.path().join("github_path").exists(),
        "nothing was added to PATH"
    );
}

#[test]
fn every_tested_block_kind_is_known() {
    // A typo in a marker would silently exempt a block from testing.
    let known = [
        "lines",
        "github-actions",
        "gitlab-ci",
        "scenario",
        "install",
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
