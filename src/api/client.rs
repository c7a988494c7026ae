//! The IMS API client: one `GET /v1/{project_id}/jobs/{job_id}`, done carefully.
//!
//! Every answer is bounded (request timeout, body cap) and classified into a [`Job`] or an
//! [`ApiError`]; nothing here prints or decides exit codes. Retrying lives with the callers
//! (`get`/`tree` retry a few times, `wait` has its own schedule), so this layer makes exactly
//! one HTTP request per call.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::error::ApiError;
use super::id::{JobId, ProjectId};
use super::model::Job;
use crate::auth::keystone::KeystoneError;
use crate::auth::session::Authenticator;
use crate::output::debug_log;

/// Largest body read from the API; an IMS job document is a few kilobytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// How requests prove who we are.
#[derive(Clone)]
pub enum RequestAuth {
    /// `X-Auth-Token` with a fixed token.
    Token(SecretString),
    /// AK/SK signing or password-derived IAM tokens (renewed once after a 401).
    Managed(Arc<Authenticator>),
}

impl std::fmt::Debug for RequestAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Token(_) => f.write_str("Token(<redacted>)"),
            Self::Managed(auth) => write!(f, "Managed({})", auth.method().describe()),
        }
    }
}

/// Maps an authentication failure onto the API error taxonomy (so that exit codes and hints
/// stay in one place): IAM refusals keep their status, transport failures are network errors.
#[must_use]
pub fn auth_api_error(error: KeystoneError) -> anyhow::Error {
    match error {
        KeystoneError::BadCredentials {
            code,
            message,
            request_id,
        } => ApiError::Status {
            status: 401,
            code,
            message: Some(message.map_or_else(
                || "IAM refused the credentials".to_owned(),
                |m| format!("IAM refused the credentials: {m}"),
            )),
            request_id,
            retry_after: None,
        }
        .into(),
        KeystoneError::Status {
            status,
            code,
            message,
            request_id,
        } => ApiError::Status {
            status: status.as_u16(),
            code,
            message: Some(message.map_or_else(|| "IAM error".to_owned(), |m| format!("IAM: {m}"))),
            request_id,
            retry_after: None,
        }
        .into(),
        KeystoneError::Transport { url, source } => {
            let ApiError::Network { message, timed_out } = network_error(source) else {
                unreachable!("network_error builds Network")
            };
            ApiError::Network {
                message: format!("IAM at `{url}`: {message}"),
                timed_out,
            }
            .into()
        }
        KeystoneError::InvalidResponse(reason) => ApiError::Decode {
            status: 200,
            reason: format!("IAM: {reason}"),
            request_id: None,
        }
        .into(),
        error @ (KeystoneError::InvalidAuthUrl(_)
        | KeystoneError::ProjectNotFound(_)
        | KeystoneError::Sign(_)) => crate::error::UsageError::new(error.to_string())
            .with_hint("check `OS_AUTH_URL`, `OS_PROJECT_NAME` and the access key")
            .into(),
    }
}

fn auth_request_error(error: KeystoneError) -> ApiError {
    match auth_api_error(error).downcast::<ApiError>() {
        Ok(api) => api,
        Err(other) => ApiError::Network {
            message: other.to_string(),
            timed_out: false,
        },
    }
}

/// TLS trust settings.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// Extra CA certificates (PEM), trusted beside the system store.
    pub cacert: Option<std::path::PathBuf>,
    /// Skip certificate verification (`--insecure`).
    pub insecure: bool,
    /// Only `http://` URLs will be used: do not load the system trust store.
    pub plain_http_only: bool,
}

/// Everything the client needs, already validated.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// IMS base URL, without `/v1`.
    pub endpoint: Url,
    pub project_id: ProjectId,
    pub auth: RequestAuth,
    pub request_timeout: Duration,
    pub tls: TlsOptions,
}

/// A shareable IMS client (cheap to clone; one connection pool).
#[derive(Clone)]
pub struct ImsClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    jobs_base: Url,
    auth: RequestAuth,
}

/// Builds the HTTP client all of imsjob's requests go through.
///
/// # Errors
/// When the CA file cannot be read or the TLS stack cannot be set up.
pub fn http_client(request_timeout: Duration, tls: &TlsOptions) -> anyhow::Result<reqwest::Client> {
    // reqwest is built without a default crypto provider (ring instead of aws-lc: far less
    // C to compile); installing fails harmlessly when another caller did it first.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("imsjob/", env!("CARGO_PKG_VERSION")))
        .timeout(request_timeout)
        .connect_timeout(request_timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none());
    if let Some(path) = &tls.cacert {
        let pem = std::fs::read(path).map_err(|e| {
            crate::error::UsageError::new(format!("cannot read CA file `{}`: {e}", path.display()))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            crate::error::UsageError::new(format!(
                "CA file `{}` holds no usable PEM certificate: {e}",
                path.display()
            ))
        })?;
        // A file without a single certificate would silently trust nothing extra.
        if certs.is_empty() {
            return Err(crate::error::UsageError::new(format!(
                "CA file `{}` holds no PEM certificate",
                path.display()
            ))
            .into());
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    if tls.insecure {
        builder = builder.danger_accept_invalid_certs(true);
    } else if tls.plain_http_only && tls.cacert.is_none() {
        builder = builder.tls_certs_only(Vec::new());
    }
    Ok(builder.build()?)
}

impl ImsClient {
    /// # Errors
    /// When the HTTP client cannot be built (see [`http_client`]) or the endpoint cannot
    /// carry a path.
    pub fn new(config: ClientConfig) -> anyhow::Result<Self> {
        let http = http_client(config.request_timeout, &config.tls)?;
        Self::with_http(http, config)
    }

    /// A client on an existing HTTP client (the one authentication already used, so IAM and
    /// IMS share TLS settings and the connection pool).
    ///
    /// # Errors
    /// When the endpoint cannot carry a path.
    pub fn with_http(http: reqwest::Client, config: ClientConfig) -> anyhow::Result<Self> {
        let mut jobs_base = config.endpoint.clone();
        jobs_base
            .path_segments_mut()
            .map_err(|()| anyhow::anyhow!("endpoint `{}` cannot hold a path", config.endpoint))?
            .pop_if_empty()
            .extend(["v1", config.project_id.as_str(), "jobs", ""]);
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                jobs_base,
                auth: config.auth,
            }),
        })
    }

    /// The URL of one job.
    #[must_use]
    pub fn job_url(&self, id: &JobId) -> Url {
        let mut url = self.inner.jobs_base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            // The id is validated already; the encoder is a second line of defence.
            segments.pop_if_empty().push(id.as_str());
        }
        url
    }

    /// The GET request for `url` with its authentication headers, and the token generation
    /// they carry (for [`Authenticator::reauthenticate`]).
    async fn authorized_get(&self, url: &Url) -> Result<(reqwest::RequestBuilder, u64), ApiError> {
        let request = self
            .inner
            .http
            .get(url.clone())
            .header("Accept", "application/json");
        match &self.inner.auth {
            RequestAuth::Token(token) => {
                let mut value = HeaderValue::from_str(token.expose_secret()).map_err(|_| {
                    ApiError::Network {
                        message: "the token holds characters not allowed in an HTTP header".into(),
                        timed_out: false,
                    }
                })?;
                value.set_sensitive(true);
                Ok((request.header("X-Auth-Token", value), 0))
            }
            RequestAuth::Managed(auth) => {
                let authorization = auth
                    .authorize(&reqwest::Method::GET, url, &[], b"")
                    .await
                    .map_err(auth_request_error)?;
                Ok((
                    request.headers(authorization.headers),
                    authorization.generation,
                ))
            }
        }
    }

    /// Fetches one job: exactly one HTTP request (two when a password-derived token is
    /// renewed after a 401).
    ///
    /// # Errors
    /// An [`ApiError`] for every answer that is not a usable job document.
    pub async fn get_job(&self, id: &JobId) -> Result<Job, ApiError> {
        let url = self.job_url(id);
        let mut renewed = false;
        let (status, retry_after, request_id, body) = loop {
            let started = Instant::now();
            let (request, generation) = self.authorized_get(&url).await?;
            let request = request.build().map_err(network_error)?;
            debug_log(1, || format!("GET {url}"));
            debug_log(2, || redacted_headers(request.headers()));
            let response = self
                .inner
                .http
                .execute(request)
                .await
                .map_err(network_error)?;
            let status = response.status().as_u16();
            // Only two headers matter; read them before the body consumes the response.
            let retry_after = parse_retry_after(response.headers());
            let request_id = header_text(response.headers(), "x-request-id");
            if status == 401
                && !renewed
                && let RequestAuth::Managed(auth) = &self.inner.auth
                && auth
                    .reauthenticate(generation)
                    .await
                    .map_err(auth_request_error)?
            {
                // A password-derived token may have expired or been revoked: renew it once
                // and repeat. AK/SK and fixed tokens never get here (CLI.md).
                debug_log(1, || {
                    format!("GET {url} -> 401: renewed the IAM token, repeating once")
                });
                renewed = true;
                continue;
            }
            let body = read_capped(response, MAX_BODY_BYTES).await;
            debug_log(1, || {
                format!(
                    "GET {url} -> {status} in {} ms{}",
                    started.elapsed().as_millis(),
                    request_id
                        .as_deref()
                        .map(|id| format!(" (request id {id})"))
                        .unwrap_or_default()
                )
            });
            break (status, retry_after, request_id, body);
        };
        let body = body?;
        debug_log(3, || format!("body: {}", String::from_utf8_lossy(&body)));
        if !(200..300).contains(&status) {
            return Err(ApiError::from_response(
                status,
                &body,
                request_id,
                retry_after,
            ));
        }
        let decode = |reason: String| ApiError::Decode {
            status,
            reason,
            request_id: request_id.clone(),
        };
        let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            if body.trim_ascii_start().starts_with(b"<") {
                decode("an HTML page, not JSON (a proxy or gateway answered)".into())
            } else {
                decode(format!("malformed JSON: {e}"))
            }
        })?;
        Job::from_value(value).map_err(|e| decode(e.to_string()))
    }
}

/// Request headers for `-vv`, with every credential replaced by `<redacted>`.
fn redacted_headers(headers: &HeaderMap) -> String {
    let mut lines = String::from("request headers:");
    for (name, value) in headers {
        let shown = if value.is_sensitive()
            || matches!(
                name.as_str(),
                "x-auth-token" | "authorization" | "x-security-token" | "x-subject-token"
            ) {
            "<redacted>".to_owned()
        } else {
            crate::text::sanitize(&String::from_utf8_lossy(value.as_bytes())).into_owned()
        };
        lines.push_str(&format!("\n  {name}: {shown}"));
    }
    lines
}

/// Reads a body chunk by chunk, stopping at `cap` without buffering the rest.
async fn read_capped(response: reqwest::Response, cap: usize) -> Result<Vec<u8>, ApiError> {
    read_body_capped(response, cap).await.map_err(|e| match e {
        BodyError::Transport(error) => network_error(error),
        BodyError::TooLarge => ApiError::TooLarge { limit: cap },
    })
}

/// Why a capped body could not be read.
#[derive(Debug)]
pub enum BodyError {
    Transport(reqwest::Error),
    /// More than the cap: reading stopped there.
    TooLarge,
}

/// Reads a body chunk by chunk, stopping at `cap` bytes without buffering the rest: every
/// answer imsjob reads (IMS and IAM alike) goes through here.
///
/// # Errors
/// A transport failure, or a body longer than `cap`.
pub async fn read_body_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > cap as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| crate::text::sanitize(v).chars().take(128).collect())
}

/// `Retry-After` as seconds or an HTTP date.
fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(text).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Describes a transport failure without leaking the URL's query or any header.
pub fn network_error(error: reqwest::Error) -> ApiError {
    let timed_out = error.is_timeout();
    // The innermost cause says what really happened (refused, reset, certificate, ...).
    let mut source = std::error::Error::source(&error);
    let mut innermost = None;
    let mut tls = None;
    while let Some(cause) = source {
        innermost = Some(cause.to_string());
        if tls.is_none() {
            tls = tls_cause(cause);
        }
        source = cause.source();
    }
    if let Some(tls) = tls {
        let certificate = matches!(
            tls,
            rustls::Error::InvalidCertificate(_)
                | rustls::Error::NoCertificatesPresented
                | rustls::Error::UnsupportedNameType
        );
        let what = if certificate {
            "TLS certificate verification failed"
        } else {
            "the TLS handshake failed"
        };
        return ApiError::Tls {
            message: format!("{what}: {}", crate::text::sanitize(&tls.to_string())),
            certificate,
        };
    }
    let mut message = if timed_out {
        "the request timed out".to_owned()
    } else if error.is_connect() {
        "cannot connect to the API".to_owned()
    } else if error.is_body() || error.is_decode() {
        "the connection broke while reading the answer".to_owned()
    } else {
        "the request failed".to_owned()
    };
    if let Some(cause) = innermost {
        message.push_str(": ");
        message.push_str(&crate::text::sanitize(&cause));
    }
    ApiError::Network { message, timed_out }
}

/// A rustls error in an error chain, also when wrapped in `io::Error`s (whose `source()`
/// skips the wrapped error itself; hyper-util wraps rustls's error twice).
fn tls_cause<'a>(cause: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut current = cause;
    for _ in 0..8 {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        current = current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)?;
    }
    None
}
