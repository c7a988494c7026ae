//! One module per subcommand. Each takes resolved settings and returns a [`Report`] (data and
//! exit status, never printed by the command); [`run`] renders it once, in the format chosen
//! before anything was sent, and hands the text to [`Output`]. Errors bubble up to `lib` where
//! they are classified once.

pub mod completions;
pub mod demo;
pub mod fetch;
pub mod get;
pub mod sim;
pub mod tree;
pub mod wait;

use std::sync::Arc;

use crate::api::client::{ClientConfig, ImsClient, RequestAuth, auth_api_error, http_client};
use crate::api::id::ProjectId;
use crate::auth::cache::TokenCache;
use crate::auth::resolve::AuthMethod;
use crate::auth::session::Authenticator;
use crate::error::UsageError;
use crate::exit::ExitStatus;
use crate::input;
use crate::output::Output;
use crate::output::debug_log;
use crate::render::progress::{Progress, wait_observer};
use crate::report::Report;
use crate::settings::{CommandSettings, ConnectSettings};

/// Runs a resolved command: run it, render its report once in the mode resolved before
/// anything was sent, write it.
///
/// # Errors
/// Any error of the command; the caller classifies it into an exit status.
pub async fn run(settings: CommandSettings, out: &Output) -> anyhow::Result<ExitStatus> {
    let (report, mode) = match settings {
        CommandSettings::Get {
            ids,
            render,
            connect: settings,
        } => {
            let (ids, _from_stdin) = input::job_ids(&ids)?;
            let client = connect(&settings, out).await?;
            (get::run(&client, &ids).await, render)
        }
        CommandSettings::Wait {
            ids,
            options,
            render,
            connect: settings,
        } => {
            let options = wait::WaitOptions::from_args(&options)?;
            let (ids, _from_stdin) = input::job_ids(&ids)?;
            let client = connect(&settings, out).await?;
            let mut observer = wait_observer(out, &render);
            (
                wait::run(&client, ids, &options, &mut *observer).await?,
                render,
            )
        }
        CommandSettings::Tree {
            id,
            render,
            connect: settings,
        } => {
            let client = connect(&settings, out).await?;
            (tree::run(&client, &id).await?, render)
        }
        // Plain text, shown as it comes: demo and sim speak as they go.
        CommandSettings::Completions(shell) => return show_plain(&completions::run(shell), out),
        CommandSettings::Demo => {
            let mut observer = Progress::new(out);
            return demo::run(&mut observer, &mut |r| out.show_plain(r)).await;
        }
        CommandSettings::Sim(args) => return sim::run(&args, &mut |r| out.show_plain(r)).await,
    };
    out.show(crate::render::render(&report, &mode, &out.view()))?;
    Ok(report.status)
}

fn show_plain(report: &Report, out: &Output) -> anyhow::Result<ExitStatus> {
    out.show_plain(report)?;
    Ok(report.status)
}

/// Resolves settings, authenticates (token, AK/SK, or password → IAM token) and builds the
/// IMS client. Password authentication and an AK/SK project name make IAM calls here, before
/// the first IMS request.
async fn connect(settings: &ConnectSettings, out: &Output) -> anyhow::Result<ImsClient> {
    if settings.tls.insecure {
        out.warn("TLS certificate verification is disabled (`--insecure`): answers could come from anyone");
    }
    debug_log(1, || {
        format!(
            "authentication: {}; region `{}`",
            settings.auth.method.describe(),
            settings.auth.region
        )
    });
    let http = http_client(settings.request_timeout, &settings.tls)?;
    let (auth, project_id, catalog_endpoint) = match &settings.auth.method {
        AuthMethod::Token(token) => {
            let project_id = settings.project_id.clone().ok_or_else(|| {
                UsageError::new("no project id")
                    .with_hint("set `OS_PROJECT_ID` or pass `--project-id`")
            })?;
            (RequestAuth::Token(token.clone()), project_id, None)
        }
        AuthMethod::AkSk { .. } | AuthMethod::Password(_) => {
            let cache = if settings.token_cache {
                TokenCache::default_dir().map(TokenCache::new)
            } else {
                None
            };
            let authenticator = Arc::new(Authenticator::new(
                settings.auth.clone(),
                http.clone(),
                cache,
            ));
            let session = authenticator.start().await.map_err(auth_api_error)?;
            debug_log(1, || {
                format!(
                    "authenticated: project `{}`, {}{}",
                    session.project_id,
                    session.source.describe(),
                    session
                        .ims_endpoint
                        .as_deref()
                        .map(|e| format!(", catalog IMS endpoint `{e}`"))
                        .unwrap_or_default()
                )
            });
            let project_id = match settings.project_id.clone() {
                Some(id) => id,
                None => ProjectId::parse(&session.project_id)?,
            };
            (
                RequestAuth::Managed(authenticator),
                project_id,
                session.ims_endpoint,
            )
        }
    };
    let endpoint = settings.ims_endpoint(catalog_endpoint.as_deref())?;
    debug_log(1, || format!("IMS endpoint `{endpoint}`"));
    ImsClient::with_http(
        http,
        ClientConfig {
            endpoint,
            project_id,
            auth,
            request_timeout: settings.request_timeout,
            tls: settings.tls.clone(),
        },
    )
}
