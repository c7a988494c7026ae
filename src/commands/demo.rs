//! `imsjob demo`: the contract at work on the in-process simulator, in under 20 seconds. Each
//! step is a command a user could type, shown with its output and labelled with the exit code
//! a script would see: a success, a failure with its error code, a timeout, a table, JSON and
//! `--jq`. The steps are real command lines, run through the same parsing, settings and
//! commands as the user's own.

use std::fmt::Write as _;

use crate::config::settings::{Env, resolve_args};
use crate::exit::ExitStatus;
use crate::report::{Body, Report, Signal};
use crate::sim::{self, scenario::Scenario};
use crate::ui::printer::Printer;

/// The demo's jobs: every one starts moving at the first `get`, so the steps overlap.
const SCENARIO: &str = r"
examples: false
jobs:
  - id: demo-ova-import
    type: imsImportOvaImageJob
    duration: 5s
    queued: 1s
    sub_jobs:
      - {id: demo-ova-disk-0, type: imsImportImageJob, start: 1s, duration: 3s, image_name: demo-system-disk}
      - {id: demo-ova-disk-1, type: imsImportDataImageJob, start: 2s, duration: 3s, image_name: demo-data-disk}
  - id: demo-image
    type: imsCreateImageByInstance
    duration: 3s
    image_name: web-server-2024
  - id: demo-import-fail
    type: imsImportImageJob
    duration: 3s
    outcome: FAIL
    error_code: IMG.0194
    fail_reason: The maximum number of images being imported at once is reached.
  - id: demo-copy-slow
    type: imsCopyImageInRegionJob
    duration: 10m
    image_name: copied
";

/// `wait`'s pace in the demo: the jobs take seconds, not minutes, so polling every half second
/// keeps the whole tour short.
const PACE: [&str; 4] = ["--interval", "500ms", "--max-interval", "1s"];

/// A step: the arguments after `imsjob`, the exit status the contract gives them, and what it
/// means.
type Step = (Vec<&'static str>, ExitStatus, &'static str);

/// The steps, in order.
fn steps() -> Vec<Step> {
    let wait = |id: &'static str, more: &[&'static str]| {
        let mut args = vec!["wait", id];
        args.extend_from_slice(more);
        args.extend_from_slice(&PACE);
        args
    };
    vec![
        (
            vec![
                "get",
                "demo-ova-import",
                "demo-image",
                "demo-import-fail",
                "demo-copy-slow",
            ],
            ExitStatus::Success,
            "a table of the jobs, whatever their state (they start moving now)",
        ),
        (
            wait("demo-ova-import", &[]),
            ExitStatus::Success,
            "SUCCESS; progress went to stderr, the table to stdout",
        ),
        (
            wait("demo-import-fail", &[]),
            ExitStatus::JobFailed,
            "FAIL; the error code and reason are on stderr",
        ),
        (
            wait("demo-copy-slow", &["--timeout", "2s"]),
            ExitStatus::Timeout,
            "not done in time; the job itself goes on",
        ),
        (
            vec!["tree", "demo-ova-import"],
            ExitStatus::Success,
            "the job and its sub-jobs",
        ),
        (
            vec!["get", "demo-import-fail", "--json"],
            ExitStatus::Success,
            "the job exactly as the API returned it (`get` fetched it: exit 0)",
        ),
        (
            wait("demo-image", &["--jq", ".entities.image_id // empty"]),
            ExitStatus::Success,
            "strings print raw, for IMAGE=$(imsjob wait ... --jq ...)",
        ),
    ]
}

/// An argument as a shell would need it typed.
fn quoted(arg: &str) -> String {
    if arg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c))
    {
        arg.to_owned()
    } else {
        format!("'{arg}'")
    }
}

/// Runs the demo: each step's command line goes through the same parsing, settings and
/// command as if typed, against the simulator, its output shown through `printer` as it
/// comes. Its report says whether every step ended as the contract says it must (exit 0,
/// else 70).
///
/// # Errors
/// When the simulator cannot start, a step cannot run, or the output cannot be written.
pub(crate) async fn run(printer: Printer<'_>) -> anyhow::Result<Report> {
    let scenario = Scenario::parse(SCENARIO).map_err(anyhow::Error::msg)?;
    let handle = sim::start(scenario, 0).await?;
    let endpoint = handle.endpoint();
    // The steps see the simulator's exports and nothing else: the user's credentials,
    // clouds.yaml and proxy variables play no part.
    let env = Env::from_pairs(&[
        ("IMSJOB_ENDPOINT", endpoint.as_str()),
        ("OS_PROJECT_ID", handle.project_id.as_str()),
        ("OS_AUTH_TOKEN", handle.token.as_str()),
    ]);
    let say = |text: String| printer.text(&text);
    say(format!(
        "imsjob demo: a simulated IMS on {endpoint} (no account, no network).\n\
         Each step is a command you can type; `exit N` is the code a script would see\n\
         (0 success, 1 a job failed, 124 timed out; `imsjob --help` lists them all).\n"
    ))?;
    let mut ok = true;
    for (args, expected, meaning) in steps() {
        let typed: Vec<String> = args.iter().map(|arg| quoted(arg)).collect();
        say(format!("\n$ imsjob {}", typed.join(" ")))?;
        let settings = resolve_args(std::iter::once("imsjob").chain(args), &env)?;
        let (report, mode) = Box::pin(super::run(settings.command, printer)).await?;
        let status = printer.show(&report, &mode)?;
        // Ctrl-C (or SIGTERM) ended the step: it ends the demo too, with that signal's code,
        // rather than labelling the cut-short step with what it would have shown.
        let signal = match status {
            ExitStatus::Interrupted => Some(Signal::Interrupt),
            ExitStatus::Terminated => Some(Signal::Terminate),
            _ => None,
        };
        if let Some(signal) = signal {
            say(format!(
                "  -> exit {}: interrupted; the demo stops here",
                status.code()
            ))?;
            let mut stopped = Report::new(Body::SelfCheck { passed: ok });
            stopped.stopped_by = Some(signal);
            return Ok(stopped);
        }
        ok &= status == expected;
        say(format!("  -> exit {}: {meaning}", status.code()))?;
    }

    let port = format!(":{}", handle.addr.port());
    say(format!(
        "\nTry it yourself against the simulator:\n\
         \x20 imsjob sim --port 8080 &          # serves, after printing these exports:\n\
         {}\
         \x20 imsjob get job-success job-fail\n\
         \x20 imsjob wait job-fail; echo \"exit $?\"\n\
         \x20 imsjob wait job-slow --timeout 5s --json; echo \"exit $?\"\n\
         \x20 IMAGE=$(imsjob wait job-success --jq '.entities.image_id // empty')\n",
        handle
            .exports()
            .lines()
            .fold(String::new(), |mut text, line| {
                let _ = writeln!(text, "  {line}");
                text
            })
            .replace(&port, ":8080")
    ))?;
    Ok(Report::new(Body::SelfCheck { passed: ok }))
}
