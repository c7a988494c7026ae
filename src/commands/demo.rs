//! `imsjob demo`: the simulator in-process, a wait with progress, the tree, next steps.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use super::{tree, wait};
use crate::api::client::{ClientConfig, ImsClient, TlsOptions, http_client};
use crate::api::id::{JobId, ProjectId};
use crate::auth::session::Authenticator;
use crate::exit::ExitStatus;
use crate::report::{Report, WaitObserver};
use crate::sim::{self, scenario::Scenario};

/// Runs the demo: a narrated `wait` and `tree`, each part handed to `show` as it comes.
///
/// # Errors
/// When the simulator cannot start, a command fails, or `show` does.
pub async fn run(
    observer: &mut dyn WaitObserver,
    show: &mut dyn FnMut(&Report) -> anyhow::Result<()>,
) -> anyhow::Result<ExitStatus> {
    let scenario = Scenario::demo();
    let job = JobId::parse(&scenario.jobs[0].id)?;
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
            request_timeout,
            tls,
        },
    )?;

    let say = |text: String| Report::text(text);
    show(&say(format!(
        "imsjob demo: a simulated IMS is listening on {} (no account, no network).\n\n\
         An OVA import with two sub-jobs was started; its job id is {job}.\n\
         $ imsjob wait {job}      # progress on stderr, the result on stdout\n",
        handle.endpoint()
    )))?;
    let options = wait::WaitOptions {
        timeout: Some(Duration::from_secs(60)),
        check_once: false,
        interval: Duration::from_secs(1),
        max_interval: Duration::from_secs(2),
        max_rps: 10.0,
        fail_fast: false,
        not_found_grace: Duration::from_secs(30),
    };
    let waited = wait::run(&client, vec![job.clone()], &options, observer).await?;
    show(&waited)?;

    show(&say(format!("\n$ imsjob tree {job}\n")))?;
    show(&tree::run(&client, &job, crate::cli::DEFAULT_MAX_SUB_JOBS).await?)?;

    show(&say(format!(
        "\nTry it yourself against the simulator:\n\
         \x20 imsjob sim --port 8080 &          # serves, after printing these exports:\n\
         {}\
         \x20 imsjob get job-success job-fail\n\
         \x20 imsjob wait job-ova && echo done   # exit 0 on SUCCESS, 1 on FAIL\n\
         \x20 imsjob wait job-fail; echo \"exit $?\"\n\
         \x20 imsjob tree job-ova -o json\n\
         \x20 IMAGE=$(imsjob wait job-success --jq .entities.image_id)\n",
        handle
            .exports()
            .lines()
            .map(|l| format!("  {l}\n"))
            .collect::<String>()
            .replace(&format!(":{}", handle.addr.port()), ":8080")
    )))?;
    Ok(waited.status)
}
