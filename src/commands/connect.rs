//! From settings to a ready IMS client: authenticate once (which may make IAM calls), then
//! build the client on the same HTTP connection pool.

use std::sync::Arc;

use crate::api::client::{ClientConfig, ImsClient, http_client};
use crate::api::error::ApiError;
use crate::api::id::ProjectId;
use crate::auth::cache::TokenCache;
use crate::auth::session::Authenticator;
use crate::config::settings::ConnectSettings;
use crate::service::Service;
use crate::ui::output::{Output, debug_log};

/// Authenticates (token, AK/SK, or password → IAM token) and builds the IMS client. Password authentication and an AK/SK project name make IAM calls here, before
/// the first IMS request.
///
/// # Errors
/// A usage error for unusable settings; an [`ApiError`] when IAM refuses or cannot be reached.
pub(crate) async fn connect(settings: &ConnectSettings, out: &Output) -> anyhow::Result<ImsClient> {
    let http = prepare(settings, out)?;
    login(settings, &http, out).await
}

/// What every login of a run shares, done once: the warnings about the settings, and the
/// HTTP client (its `--cacert` file read, its system roots parsed at the first handshake, its
/// connections kept), so that logging in again after a failure repeats only the login.
///
/// # Errors
/// A usage error for an unusable CA file or proxy; when the TLS stack cannot be set up.
pub(crate) fn prepare(settings: &ConnectSettings, out: &Output) -> anyhow::Result<reqwest::Client> {
    for notice in &settings.notices {
        out.warn(notice);
    }
    if settings.tls.insecure {
        out.warn("TLS certificate verification is disabled (`--insecure`): answers could come from anyone");
    }
    http_client(settings.request_timeout, &settings.tls, &settings.proxies)
}

/// Logs in over `http` (from [`prepare`]) and builds the IMS client on it; once more after a
/// failed login, as often as the caller's retry policy allows.
///
/// # Errors
/// As [`connect`].
pub(crate) async fn login(
    settings: &ConnectSettings,
    http: &reqwest::Client,
    out: &Output,
) -> anyhow::Result<ImsClient> {
    debug_log(1, || {
        format!(
            "authentication: {}; region `{}`",
            settings.auth.method.describe(),
            settings.auth.region
        )
    });
    let cache = settings.token_cache.as_deref().map(TokenCache::new);
    let authenticator = Authenticator::new(settings.auth.clone(), http.clone(), cache);
    let session = authenticator.start().await.map_err(ApiError::from)?;
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
    let service = settings.service;
    let from_catalog = match service {
        Service::Ims => session.ims_endpoint.as_deref(),
        other => session
            .service_endpoints
            .get(other.name())
            .map(String::as_str),
    };
    // The catalog must not move the token from https to plain http behind the user's back.
    if settings.endpoint.is_none()
        && let (crate::config::credentials::AuthMethod::Password(creds), Some(catalog)) =
            (&settings.auth.method, from_catalog)
        && let Some(warning) = crate::auth::session::check_catalog_endpoint(
            Some(&creds.auth_url),
            catalog,
            settings.tls.insecure,
        )?
    {
        out.warn(&warning);
    }
    let endpoint = settings.jobs_endpoint(from_catalog)?;
    debug_log(1, || {
        let source = if settings.endpoint.is_some() {
            "as configured"
        } else if from_catalog.is_some() {
            "from the IAM catalog"
        } else {
            "of the region"
        };
        format!("{} endpoint `{endpoint}` ({source})", service.label())
    });
    Ok(ImsClient::with_http(
        http.clone(),
        ClientConfig {
            endpoint,
            project_id,
            auth: Arc::new(authenticator),
        },
    )?)
}
