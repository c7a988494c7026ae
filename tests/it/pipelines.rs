//! The GitHub Action (`action.yml`) and the GitLab CI/CD component (`templates/wait.yml`),
//! run here as their CI would run them: the Action's step under `bash -e -o pipefail` with
//! the inputs put in its environment, the component's job under `sh -e` of Alpine (BusyBox)
//! and Debian (dash). Both install a stand-in release served from `file://` URLs, with a
//! checksum file in dist's format, and wait on jobs of the simulator.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use serde_norway::Value as Yaml;

use crate::common::Sim;
use crate::release::{
    Archive, CI_TARGET, REPLACED, Shell, ci_shells, fake_release, github_bash, posix_shells_here,
};
use crate::test::{Exit, Ran};

const ACTION: &str = include_str!("../../action.yml");
const COMPONENT: &str = include_str!("../../templates/wait.yml");
const SCRIPT: &str = include_str!("../../ci/wait.sh");

/// One job that succeeds, one that fails, one that outlasts any test's timeout.
const SCENARIO: &str = "
examples: false
jobs:
  - {id: ci-ok, duration: 1s, image_name: built-by-ci}
  - {id: ci-bad, duration: 1s, outcome: FAIL, error_code: IMG.0194, fail_reason: 'too many imports | at <once>'}
  - {id: ci-slow, duration: 1h}
";

/// Replaces `${{ inputs.NAME }}` (GitHub) or `$[[ inputs.NAME ]]` (GitLab) in `text` with the
/// input given, else its default.
fn interpolate(text: &str, inputs: &BTreeMap<&str, String>, open: &str, close: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        out.push_str(&rest[..start]);
        let after = &rest[start + open.len()..];
        let end = after.find(close).expect("a closed expression");
        let name = after[..end]
            .trim()
            .strip_prefix("inputs.")
            .expect("an input expression");
        let value = inputs
            .get(name)
            .unwrap_or_else(|| panic!("no value for input `{name}`"));
        out.push_str(value);
        rest = &after[end + close.len()..];
    }
    out.push_str(rest);
    out
}

/// The inputs a spec declares, with their defaults, overridden by `given`.
fn inputs<'a>(declared: &'a Yaml, given: &[(&'a str, &str)]) -> BTreeMap<&'a str, String> {
    let mut values = BTreeMap::new();
    for (name, spec) in declared.as_mapping().expect("inputs") {
        let name = name.as_str().expect("an input name");
        let default = spec
            .get("default")
            .and_then(Yaml::as_str)
            .unwrap_or_default();
        values.insert(name, default.to_owned());
    }
    for (name, value) in given {
        assert!(values.contains_key(name), "no input `{name}`");
        values.insert(name, (*value).to_owned());
    }
    values
}

fn release_url(dir: &Path, archive: Archive) -> String {
    format!(
        "{}/v{}",
        fake_release(dir, CI_TARGET, archive),
        env!("CARGO_PKG_VERSION")
    )
}

/// Points the script at the simulator, and at the stand-in archive whatever this machine is
/// (the stand-in runs anywhere).
fn points_at(cmd: &mut std::process::Command, sim: &Sim) {
    cmd.env("IMSJOB_TARGET", CI_TARGET)
        .env("IMSJOB_ENDPOINT", &sim.endpoint)
        .env("OS_PROJECT_ID", &sim.project_id)
        .env("OS_AUTH_TOKEN", &sim.token);
}

/// What a run of the Action left behind.
struct ActionRun {
    ran: Ran,
    outputs: BTreeMap<String, String>,
    summary: String,
}

/// `GITHUB_OUTPUT` as the runner reads it: `name=value` and `name<<DELIMITER` blocks.
fn parse_github_output(text: &str) -> BTreeMap<String, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
            outputs.insert(name.to_owned(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.to_owned(), value.to_owned());
        }
    }
    outputs
}

/// Runs the Action's step as the runner does: its `env:` with the inputs put in, its `run:`
/// under `shell: bash`, `GITHUB_ACTION_PATH` at this repository.
fn run_action(sim: &Sim, archive: Archive, given: &[(&str, &str)]) -> ActionRun {
    let action: Yaml = serde_norway::from_str(ACTION).expect("action.yml");
    let releases = tempfile::tempdir().expect("releases dir");
    let url = release_url(releases.path(), archive);
    let mut given = given.to_vec();
    given.push(("download-url", &url));
    let values = inputs(&action["inputs"], &given);
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    assert_eq!(steps.len(), 1, "one step");
    let step = &steps[0];
    assert_eq!(step["shell"].as_str(), Some("bash"));
    let runner = tempfile::tempdir().expect("runner dir");
    let output_file = runner.path().join("github_output");
    let summary_file = runner.path().join("step_summary");
    let mut cmd = github_bash().command(step["run"].as_str().expect("run"), runner.path());
    for (name, value) in step["env"].as_mapping().expect("env") {
        let value = interpolate(value.as_str().expect("a value"), &values, "${{", "}}");
        cmd.env(name.as_str().expect("a name"), value);
    }
    points_at(&mut cmd, sim);
    let output = cmd
        .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITHUB_STEP_SUMMARY", &summary_file)
        .env("RUNNER_TEMP", runner.path())
        .output()
        .expect("bash runs");
    let outputs = parse_github_output(&std::fs::read_to_string(&output_file).unwrap_or_default());
    let summary = std::fs::read_to_string(&summary_file).unwrap_or_default();
    // The step's own files are cleaned up: only what the runner gave it remains.
    let left: Vec<_> = std::fs::read_dir(runner.path())
        .expect("runner dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.len() <= 2, "left behind: {left:?}");
    ActionRun {
        ran: Ran::from(output),
        outputs,
        summary,
    }
}

#[test]
fn action_and_component_default_to_this_release_and_share_one_script() {
    let action: Yaml = serde_norway::from_str(ACTION).expect("action.yml");
    assert_eq!(
        action["inputs"]["version"]["default"].as_str(),
        Some(env!("CARGO_PKG_VERSION")),
        "action.yml installs this release by default"
    );
    assert_eq!(
        action["runs"]["steps"][0]["run"].as_str(),
        Some("sh \"$GITHUB_ACTION_PATH/ci/wait.sh\"")
    );
    let (spec, job) = component();
    assert_eq!(
        spec["spec"]["inputs"]["version"]["default"].as_str(),
        Some(env!("CARGO_PKG_VERSION")),
        "templates/wait.yml installs this release by default"
    );
    let embedded = with_script(COMPONENT, SCRIPT);
    if std::env::var_os("IMSJOB_REFRESH_GENERATED").is_some() && embedded != COMPONENT {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/wait.yml");
        std::fs::write(path, &embedded).expect("write templates/wait.yml");
    }
    assert!(
        job["script"][0].as_str() == Some(SCRIPT) && embedded == COMPONENT,
        "templates/wait.yml must carry ci/wait.sh whole: \
         IMSJOB_REFRESH_GENERATED=1 cargo test --test it pipelines"
    );
    for name in ["job-id", "timeout", "version", "sha256", "download-url"] {
        assert!(action["inputs"].get(name).is_some(), "action.yml: {name}");
        assert!(
            spec["spec"]["inputs"].get(name).is_some(),
            "templates/wait.yml: {name}"
        );
    }
    for name in ["status", "exit-code", "image-id", "json"] {
        assert!(action["outputs"].get(name).is_some(), "action.yml: {name}");
    }
}

#[test]
fn action_succeeds_with_outputs_and_summary() {
    if !posix_shells_here("ci/wait.sh") {
        return;
    }
    let sim = Sim::with(SCENARIO);
    let run = run_action(
        &sim,
        Archive::Good,
        &[("job-id", "ci-ok"), ("timeout", "1m")],
    );
    run.ran.assert_exit(Exit::Success);
    assert_eq!(run.outputs["status"], "SUCCESS");
    assert_eq!(run.outputs["exit-code"], "0");
    let image = &run.outputs["image-id"];
    assert_eq!(image.len(), 36, "{:?}", run.outputs);
    let json: Value = serde_json::from_str(&run.outputs["json"]).expect("json output");
    assert_eq!(json["job_id"], "ci-ok", "one id: the job object");
    assert_eq!(json["entities"]["image_id"], image.as_str());
    assert_eq!(
        run.summary,
        format!(
            "### imsjob wait: SUCCESS (exit 0)\n\n\
             | job | status | image | error |\n|---|---|---|---|\n\
             | `ci-ok` | SUCCESS | `{image}` |  |\n"
        )
    );
    assert_eq!(run.ran.stdout, run.summary, "the log shows the table too");
}

#[test]
fn action_fails_with_exit_1_when_a_job_fails() {
    if !posix_shells_here("ci/wait.sh") {
        return;
    }
    let sim = Sim::with(SCENARIO);
    let run = run_action(
        &sim,
        Archive::Good,
        &[("job-id", "ci-ok,\nci-bad"), ("timeout", "1m")],
    );
    run.ran.assert_exit(Exit::JobFailed);
    assert_eq!(run.outputs["status"], "FAIL");
    assert_eq!(run.outputs["exit-code"], "1");
    let json: Value = serde_json::from_str(&run.outputs["json"]).expect("json output");
    assert_eq!(
        json[1]["status"], "FAIL",
        "several ids: an array in input order"
    );
    assert_eq!(run.outputs["image-id"].len(), 36, "the one image made");
    assert!(
        run.summary
            .contains("| `ci-bad` | FAIL |  | IMG.0194: too many imports \\| at &lt;once> |"),
        "API text cannot break the table: {}",
        run.summary
    );
    assert!(
        run.ran.stderr.contains("IMG.0194"),
        "imsjob's error is in the log"
    );
}

#[test]
fn action_fails_with_exit_124_at_its_timeout() {
    if !posix_shells_here("ci/wait.sh") {
        return;
    }
    let sim = Sim::with(SCENARIO);
    let run = run_action(
        &sim,
        Archive::Good,
        &[("job-id", "ci-slow"), ("timeout", "2s")],
    );
    run.ran.assert_exit(Exit::Timeout);
    assert_eq!(run.outputs["status"], "TIMEOUT");
    assert_eq!(run.outputs["image-id"], "");
    let json: Value = serde_json::from_str(&run.outputs["json"]).expect("json output");
    assert_eq!(json["job_id"], "ci-slow");
    assert!(
        run.summary
            .starts_with("### imsjob wait: TIMEOUT (exit 124)\n")
            && run.summary.contains("| `ci-slow` | "),
        "{}",
        run.summary
    );
}

#[test]
fn action_refuses_a_replaced_archive_before_anything_runs() {
    if !posix_shells_here("ci/wait.sh") {
        return;
    }
    let sim = Sim::with(SCENARIO);
    let run = run_action(&sim, Archive::Replaced, &[("job-id", "ci-ok")]);
    run.ran.assert_exit(Exit::Usage);
    assert!(
        run.ran.stderr.contains("does not match its checksum"),
        "{}",
        run.ran.stderr
    );
    assert!(!run.ran.stdout.contains(REPLACED));
    assert!(run.outputs.is_empty() && run.summary.is_empty());
    assert!(sim.requests().is_empty(), "no request was sent");
}

#[test]
fn action_refuses_an_archive_that_differs_from_a_pinned_hash() {
    if !posix_shells_here("ci/wait.sh") {
        return;
    }
    let sim = Sim::with(SCENARIO);
    let pinned = "0".repeat(64);
    let run = run_action(
        &sim,
        Archive::Good,
        &[("job-id", "ci-ok"), ("sha256", &pinned)],
    );
    run.ran.assert_exit(Exit::Usage);
    assert!(run.ran.stderr.contains(&format!("expected {pinned}")));
    assert!(sim.requests().is_empty(), "no request was sent");
}

#[test]
fn action_without_a_job_id_says_what_to_set() {
    if !posix_shells_here("ci/wait.sh") {
        return;
    }
    let sim = Sim::with(SCENARIO);
    let run = run_action(&sim, Archive::Good, &[("job-id", " , ")]);
    run.ran.assert_exit(Exit::Usage);
    assert_eq!(run.ran.stderr.lines().count(), 1, "{}", run.ran.stderr);
    assert!(run.ran.stderr.contains("set job-id"));
}

/// The component with `script` as its job's script (a literal block under `script:`).
fn with_script(component: &str, script: &str) -> String {
    const START: &str = "  script:\n    - |\n";
    const END: &str = "  artifacts:\n";
    let start = component.find(START).expect("the script block") + START.len();
    let end = start
        + component[start..]
            .find(END)
            .expect("artifacts after the script");
    let indented: String = script
        .lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_owned()
            } else {
                format!("      {line}\n")
            }
        })
        .collect();
    format!("{}{indented}{}", &component[..start], &component[end..])
}

/// The component's spec and its one job.
fn component() -> (Yaml, Yaml) {
    let mut documents = serde_norway::Deserializer::from_str(COMPONENT)
        .map(|doc| serde::Deserialize::deserialize(doc).expect("a YAML document"));
    let spec: Yaml = documents.next().expect("the spec");
    let jobs: Yaml = documents.next().expect("the job");
    let job = jobs["imsjob-wait"].clone();
    (spec, job)
}

/// Runs the component's job as a GitLab runner does: its variables with the inputs put in,
/// `before_script` and `script` as one shell script, in the project directory.
fn run_component(shell: &Shell, sim: &Sim, given: &[(&str, &str)]) -> (Ran, tempfile::TempDir) {
    let (spec, job) = component();
    let releases = tempfile::tempdir().expect("releases dir");
    let url = release_url(releases.path(), Archive::Good);
    let mut given = given.to_vec();
    given.push(("download-url", &url));
    let values = inputs(&spec["spec"]["inputs"], &given);
    let lines: Vec<&str> = ["before_script", "script"]
        .iter()
        .flat_map(|key| job[*key].as_sequence().expect("script lines"))
        .map(|line| line.as_str().expect("a line"))
        .collect();
    let project = tempfile::tempdir().expect("project dir");
    let mut cmd = shell.command(&lines.join("\n"), project.path());
    for (name, value) in job["variables"].as_mapping().expect("variables") {
        let value = interpolate(value.as_str().expect("a value"), &values, "$[[", "]]");
        cmd.env(name.as_str().expect("a name"), value);
    }
    points_at(&mut cmd, sim);
    let output = cmd.output().expect("the shell runs");
    (Ran::from(output), project)
}

fn dotenv(project: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(project.join("imsjob.env"))
        .expect("the dotenv report")
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn component_reports_success_fail_and_timeout_under_busybox_and_dash() {
    if !posix_shells_here("ci/wait.sh") {
        return;
    }
    let (spec, job) = component();
    assert_eq!(
        spec["spec"]["inputs"]["image"]["default"].as_str(),
        Some("alpine:3.21")
    );
    assert_eq!(
        job["artifacts"]["reports"]["dotenv"].as_str(),
        Some("imsjob.env")
    );
    let sim = Sim::with(SCENARIO);
    let scratch = tempfile::tempdir().expect("scratch dir");
    let shells: Vec<Shell> = ci_shells(scratch.path())
        .into_iter()
        .filter(|s| !s.name.starts_with("bash"))
        .collect();
    for shell in &shells {
        let (output, project) = run_component(shell, &sim, &[("job-id", "ci-ok")]);
        output.assert_exit_under(shell.name, Exit::Success);
        let report = dotenv(project.path());
        assert_eq!(report["IMSJOB_STATUS"], "SUCCESS", "under {}", shell.name);
        assert_eq!(report["IMSJOB_IMAGE_ID"].len(), 36, "under {}", shell.name);
        let json: Value = serde_json::from_str(
            &std::fs::read_to_string(project.path().join("imsjob-wait.json")).expect("artifact"),
        )
        .expect("JSON");
        assert_eq!(json["status"], "SUCCESS");
        assert!(output.stdout.contains("| `ci-ok` | SUCCESS |"));

        let (output, project) = run_component(shell, &sim, &[("job-id", "ci-bad ci-ok")]);
        output.assert_exit_under(shell.name, Exit::JobFailed);
        assert_eq!(dotenv(project.path())["IMSJOB_STATUS"], "FAIL");

        let (output, project) =
            run_component(shell, &sim, &[("job-id", "ci-slow"), ("timeout", "1s")]);
        output.assert_exit_under(shell.name, Exit::Timeout);
        assert_eq!(dotenv(project.path())["IMSJOB_STATUS"], "TIMEOUT");
        assert_eq!(dotenv(project.path())["IMSJOB_EXIT_CODE"], "124");
    }
    assert!(
        shells.len() == 2 || !cfg!(target_os = "linux"),
        "{shells:?}"
    );
}

#[test]
fn action_reports_an_error_when_imsjob_refuses_the_ids() {
    if !posix_shells_here("ci/wait.sh") {
        return;
    }
    let sim = Sim::with(SCENARIO);
    let run = run_action(&sim, Archive::Good, &[("job-id", "ci-ok ../etc")]);
    run.ran.assert_exit(Exit::Usage);
    assert_eq!(run.outputs["status"], "ERROR");
    assert_eq!(run.outputs["exit-code"], "2");
    assert!(
        run.summary
            .contains("### imsjob wait: ERROR (exit 2)\n\nNo job state was read"),
        "{}",
        run.summary
    );
    assert!(sim.requests().is_empty(), "imsjob refused before sending");
}
