//! `imsjob demo`: the contract at work on the in-process simulator, in under 20 seconds. Each
//! step is a command a user could type, shown with its output and labelled with the exit code
//! a script would see: a success, a failure with its error code, a timeout, a table, JSON and
//! `--jq`.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use super::{get, tree, wait};
use crate::api::client::{ClientConfig, ImsClient, TlsOptions, http_client};
use crate::api::id::{JobId, ProjectId};
use crate::auth::session::Authenticator;
use crate::exit::ExitStatus;
use crate::render::Render;
use crate::render::jq::JqFilter;
use crate::report::{Report, WaitObserver};
use crate::sim::{self, scenario::Scenario};

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

/// Shows a report in a mode and says the exit code it gives.
pub(crate) type Show<'a> = dyn FnMut(&Report, &Render) -> anyhow::Result<ExitStatus> + 'a;

/// Runs the demo, handing each part to `show` as it comes. Exit 0 when every step ended as
/// the contract says it must.
///
/// # Errors
/// When the simulator cannot start, a command fails, or `show` does.
pub(crate) async fn run(
    observer: &mut dyn WaitObserver,
    show: &mut Show<'_>,
) -> anyhow::Result<ExitStatus> {
    let scenario = Scenario::parse(SCENARIO).map_err(anyhow::Error::msg)?;
    let id = |text: &str| JobId::parse(text);
    let (ova, image, fail, slow) = (
        id("demo-ova-import")?,
        id("demo-image")?,
        id("demo-import-fail")?,
        id("demo-copy-slow")?,
    );
    let handle = sim::start(scenario, 0).await?;
    let tls = TlsOptions {
        plain_http_only: true,
        ..TlsOptions::default()
    };
    let request_timeout = Duration::from_secs(5);
    let http = http_client(request_timeout, &tls)?;
    let token = SecretString::from(handle.token.clone());
    let client = ImsClient::with_http(
        http.clone(),
        ClientConfig {
            endpoint: handle.endpoint().parse()?,
            project_id: ProjectId::parse(&handle.project_id)?,
            auth: Arc::new(Authenticator::for_token(token, &handle.project_id, http)),
        },
    )?;
    let intro = format!(
        "imsjob demo: a simulated IMS on {} (no account, no network).\n\
         Each step is a command you can type; `exit N` is the code a script would see\n\
         (0 success, 1 a job failed, 124 timed out; `imsjob --help` lists them all).\n",
        handle.endpoint()
    );
    show(&Report::text(intro), &Render::Table)?;

    let mut ok = true;
    // A step: the command as typed, then (once it has run, its progress shown) its output
    // and the exit code it gives.
    let typed = |command: &str, show: &mut Show<'_>| {
        show(
            &Report::text(format!("\n$ imsjob {command}")),
            &Render::Table,
        )
        .map(drop)
    };
    let mut ended = |report: &Report,
                     mode: &Render,
                     expected: ExitStatus,
                     meaning: &str,
                     show: &mut Show<'_>|
     -> anyhow::Result<()> {
        let status = show(report, mode)?;
        ok &= status == expected;
        show(
            &Report::text(format!("  -> exit {}: {meaning}", status.code())),
            &Render::Table,
        )
        .map(drop)
    };
    let options = |timeout: u64| wait::WaitOptions {
        timeout: Some(Duration::from_secs(timeout)),
        check_once: false,
        interval: Duration::from_millis(500),
        max_interval: Duration::from_secs(1),
        max_rps: 10.0,
        fail_fast: false,
        not_found_grace: Duration::from_secs(30),
    };

    let all = [ova.clone(), image.clone(), fail.clone(), slow.clone()];
    typed(&format!("get {ova} {image} {fail} {slow}"), show)?;
    ended(
        &get::run(&client, &all, false, &|_| {}).await,
        &Render::Table,
        ExitStatus::Success,
        "a table of the jobs, whatever their state (they start moving now)",
        show,
    )?;
    typed(&format!("wait {ova}"), show)?;
    let waited = wait::run(&client, vec![ova.clone()], &options(30), observer).await?;
    ended(
        &waited,
        &Render::Table,
        ExitStatus::Success,
        "SUCCESS; progress went to stderr, the table to stdout",
        show,
    )?;
    typed(&format!("wait {fail}"), show)?;
    let waited = wait::run(&client, vec![fail.clone()], &options(30), observer).await?;
    ended(
        &waited,
        &Render::Table,
        ExitStatus::JobFailed,
        "FAIL; the error code and reason are on stderr",
        show,
    )?;
    typed(&format!("wait {slow} --timeout 2s"), show)?;
    let waited = wait::run(&client, vec![slow.clone()], &options(2), observer).await?;
    ended(
        &waited,
        &Render::Table,
        ExitStatus::Timeout,
        "not done in time; the job itself goes on",
        show,
    )?;
    typed(&format!("tree {ova}"), show)?;
    ended(
        &tree::run(&client, &ova, crate::cli::DEFAULT_MAX_SUB_JOBS, &|_| {}).await?,
        &Render::Tree,
        ExitStatus::Success,
        "the job and its sub-jobs",
        show,
    )?;
    typed(&format!("get {fail} --json"), show)?;
    ended(
        &get::run(&client, std::slice::from_ref(&fail), false, &|_| {}).await,
        &Render::json(),
        ExitStatus::Success,
        "the job exactly as the API returned it (`get` fetched it: exit 0)",
        show,
    )?;
    let program = ".entities.image_id // empty";
    let jq = Render::Document(Box::new(JqFilter::compile(program)?));
    typed(&format!("wait {image} --jq '{program}'"), show)?;
    let waited = wait::run(&client, vec![image.clone()], &options(30), observer).await?;
    ended(
        &waited,
        &jq,
        ExitStatus::Success,
        "strings print raw, for IMAGE=$(imsjob wait ... --jq ...)",
        show,
    )?;

    let port = format!(":{}", handle.addr.port());
    show(
        &Report::text(format!(
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
                .map(|l| format!("  {l}\n"))
                .collect::<String>()
                .replace(&port, ":8080")
        )),
        &Render::Table,
    )?;
    Ok(if ok {
        ExitStatus::Success
    } else {
        ExitStatus::Internal
    })
}
