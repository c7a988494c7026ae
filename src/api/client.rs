//! The IMS API client: one `GET /v1/{project_id}/jobs/{job_id}`, done carefully.
//!
//! Every answer is bounded (request timeout, body cap) and classified into a [`Job`] or an
//! [`ApiError`]; nothing here decides exit codes or prints, but for the `-v` debug log. Retrying lives with the callers
//! (`get`/`tree` retry a few times, `wait` has its own schedule), so this layer makes exactly
//! one HTTP request per call.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::Url;
use reqwest::header::HeaderMap;

use super::credentials::RequestCredentials;
use super::error::{ApiError, Destination, NetworkFailure, network_error};
use super::id::{JobId, ProjectId};
use super::model::Job;
use super::tls::{TlsOptions, cacert_file, system_roots};
use crate::api::wire::{BodyError, ErrorBody, MAX_BODY_BYTES, read_body_capped};
use crate::log::debug_log;

/// The proxy settings of a run; empty when no variable is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Proxies {
    /// The proxy for `http://` URLs.
    pub http: Option<String>,
    /// The proxy for `https://` URLs.
    pub https: Option<String>,
    /// `NO_PROXY`: hosts (and domains, addresses, ranges) reached directly.
    pub no_proxy: Option<String>,
}

/// Everything the client needs, already validated.
#[derive(Debug, Clone)]
pub(crate) struct ClientConfig {
    /// IMS base URL, without `/v1`.
    pub endpoint: Url,
    pub project_id: ProjectId,
    /// How requests prove who we are.
    pub auth: Arc<dyn RequestCredentials>,
}

/// A shareable IMS client (cheap to clone; one connection pool).
#[derive(Clone)]
pub(crate) struct ImsClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    jobs_base: Url,
    auth: Arc<dyn RequestCredentials>,
}

/// Builds the HTTP client all of imsjob's requests go through.
///
/// # Errors
/// When the CA file cannot be read or the TLS stack cannot be set up.
pub(crate) fn http_client(
    request_timeout: Duration,
    tls: &TlsOptions,
    proxies: &Proxies,
) -> anyhow::Result<reqwest::Client> {
    // reqwest is built without a default crypto provider (ring instead of aws-lc: far less
    // C to compile); installing fails harmlessly when another caller did it first.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("imsjob/", env!("CARGO_PKG_VERSION")))
        .timeout(request_timeout)
        .connect_timeout(request_timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none());
    builder = with_proxies(builder, proxies)?;
    let extra = match &tls.cacert {
        Some(path) => cacert_file(path)?,
        None => Vec::new(),
    };
    if tls.insecure {
        builder = builder.danger_accept_invalid_certs(true);
    } else if tls.plain_http_only && extra.is_empty() {
        builder = builder.tls_certs_only(Vec::new());
    } else {
        // Our own verifier rather than reqwest's platform one: that one opens every file of
        // the certificate directory (hundreds of opens and stats, the same certificates
        // parsed twice) before the first request, which made an HTTPS `get` cost half as
        // much again as an HTTP one. This one reads the bundle file, and only when a
        // handshake needs it.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let (file, dirs) = (tls.ssl_cert_file.clone(), tls.ssl_cert_dirs.clone());
        let system = Box::new(move || system_roots(file.as_deref(), &dirs));
        let verifier = super::tls::LazyRootsVerifier::new(provider.clone(), extra, system)
            .map_err(|e| {
                crate::usage_error::UsageError::new(format!(
                    "the CA certificates are not usable: {e}"
                ))
            })?;
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| anyhow::anyhow!("cannot set up TLS: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        builder = builder.tls_backend_preconfigured(config);
    }
    builder.build().map_err(|e| {
        ApiError::Network {
            destination: Destination::JobsApi,
            message: format!("cannot set up the HTTP client: {e}"),
            failure: NetworkFailure::Connect,
        }
        .into()
    })
}

/// The proxies resolved from the environment, and no other: the client's own lookup would
/// read the process environment behind the settings' back. With no proxy variable at all,
/// macOS and Windows keep their system proxy settings.
fn with_proxies(
    builder: reqwest::ClientBuilder,
    proxies: &Proxies,
) -> anyhow::Result<reqwest::ClientBuilder> {
    if *proxies == Proxies::default() && cfg!(any(target_os = "macos", windows)) {
        return Ok(builder);
    }
    let mut builder = builder.no_proxy();
    let no_proxy = || {
        proxies
            .no_proxy
            .as_deref()
            .and_then(reqwest::NoProxy::from_string)
    };
    // The value is not shown: it may hold a password.
    let bad = |variables: &str, e: reqwest::Error| {
        // The innermost cause says what is wrong ("invalid port number"); the outer ones only
        // that building failed.
        let mut why: &dyn std::error::Error = &e;
        while let Some(source) = why.source() {
            why = source;
        }
        let why = why.to_string();
        crate::usage_error::UsageError::new(format!(
            "the proxy in {variables} is not a usable URL: {}",
            crate::safe_text::sanitize(&why)
        ))
        .with_hint("give it as `http://host:port`, or unset it for imsjob")
    };
    if let Some(url) = &proxies.http {
        let proxy = reqwest::Proxy::http(url.as_str())
            .map_err(|e| bad("`HTTP_PROXY` or `ALL_PROXY`", e))?;
        builder = builder.proxy(proxy.no_proxy(no_proxy()));
    }
    if let Some(url) = &proxies.https {
        let proxy = reqwest::Proxy::https(url.as_str())
            .map_err(|e| bad("`HTTPS_PROXY` or `ALL_PROXY`", e))?;
        builder = builder.proxy(proxy.no_proxy(no_proxy()));
    }
    Ok(builder)
}

/// Largest 2xx body looked at as a possible error object (see `get_job`).
const ERROR_OBJECT_MAX_BYTES: usize = 64 * 1024;

impl ImsClient {
    /// A client on an existing HTTP client (the one authentication already used, so IAM and
    /// IMS share TLS settings and the connection pool).
    ///
    /// # Errors
    /// When the endpoint cannot carry a path.
    pub(crate) fn with_http(http: reqwest::Client, config: ClientConfig) -> Result<Self, ApiError> {
        let mut jobs_base = config.endpoint.clone();
        jobs_base
            .path_segments_mut()
            .map_err(|()| ApiError::Config {
                message: format!("endpoint `{}` cannot hold a path", config.endpoint),
            })?
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

    /// Whether obtaining credentials has failed in this run (see
    /// [`RequestCredentials::have_failed`]).
    #[must_use]
    pub(crate) fn credentials_failed(&self) -> bool {
        self.inner.auth.have_failed()
    }

    /// The URL of one job.
    #[must_use]
    pub(crate) fn job_url(&self, id: &JobId) -> Url {
        let mut url = self.inner.jobs_base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            // The id is validated already; the encoder is a second line of defence.
            segments.pop_if_empty().push(id.as_str());
        }
        url
    }

    /// The GET request for `url` with its authentication headers, and the credential
    /// generation they carry (for [`RequestCredentials::renew_after_unauthorized`]).
    async fn authorized_get(&self, url: &Url) -> Result<(reqwest::RequestBuilder, u64), ApiError> {
        let authorization = self
            .inner
            .auth
            .authorize(&reqwest::Method::GET, url, b"")
            .await?;
        let request = self
            .inner
            .http
            .get(url.clone())
            .header("Accept", "application/json")
            .headers(authorization.headers);
        Ok((request, authorization.generation))
    }

    /// Fetches one job: exactly one HTTP request (two when a password-derived token is
    /// renewed after a 401).
    ///
    /// # Errors
    /// An [`ApiError`] for every answer that is not a usable job document.
    pub(crate) async fn get_job(&self, id: &JobId) -> Result<Job, ApiError> {
        let url = self.job_url(id);
        let mut renewed = false;
        let (status, retry_after, request_id, clock_offset, body) = loop {
            let started = Instant::now();
            let (request, generation) = self.authorized_get(&url).await?;
            let request = request
                .build()
                .map_err(|e| network_error(&e, Destination::JobsApi))?;
            debug_log(1, || format!("GET {url}"));
            debug_log(2, || redacted_headers(request.headers()));
            let response = self
                .inner
                .http
                .execute(request)
                .await
                .map_err(|e| network_error(&e, Destination::JobsApi))?;
            let status = response.status().as_u16();
            // Only two headers matter; read them before the body consumes the response.
            let retry_after = parse_retry_after(response.headers());
            let request_id = header_text(response.headers(), "x-request-id");
            let clock_offset = clock_offset(response.headers());
            if status == 401
                && !renewed
                && self.inner.auth.renew_after_unauthorized(generation).await?
            {
                // A password-derived token may have expired or been revoked: renew it once
                // and repeat. AK/SK and fixed tokens are never renewed (doc/contract.md).
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
            break (status, retry_after, request_id, clock_offset, body);
        };
        let body = body?;
        debug_log(3, || format!("body: {}", String::from_utf8_lossy(&body)));
        if !(200..300).contains(&status) {
            let mut error = ApiError::from_response(status, &body, request_id, retry_after);
            if let ApiError::Status {
                clock_offset: offset,
                ..
            } = &mut error
            {
                *offset = clock_offset;
            }
            return Err(error);
        }
        let decode = |reason: String| ApiError::Decode {
            status,
            reason,
            request_id: request_id.clone(),
        };
        if body.trim_ascii_start().starts_with(b"<") {
            return Err(decode(
                "an HTML page, not JSON (a proxy or gateway answered)".into(),
            ));
        }
        // Some services answer an error with 200 (`{"error": {"code": "EVS.2024", ...}}`): its
        // code and message say more than "no `status` field". Such answers are small, so only a
        // small body is kept aside to look for one when it is not a job.
        let aside = (body.len() <= ERROR_OBJECT_MAX_BYTES).then(|| body.clone());
        // The body becomes the job's raw text as is: no tree of it is ever built.
        match Job::from_body(body) {
            // An answer about another job (a caching proxy, a confused gateway) must never be
            // shown or gated on as this one.
            Ok(job) if !job.view.job_id.is_empty() && job.view.job_id != id.as_str() => {
                Err(decode(format!(
                    "the answer is about job {}, not the one asked for",
                    crate::safe_text::quote_input(&job.view.job_id)
                )))
            }
            Ok(job) => Ok(job),
            Err(error) => {
                let error_object = aside
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                    .and_then(|value| ErrorBody::in_success(&value));
                match error_object {
                    Some(found) => Err(ApiError::from_body(status, found, request_id, None)),
                    None => Err(decode(error.to_string())),
                }
            }
        }
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
            crate::safe_text::sanitize(&String::from_utf8_lossy(value.as_bytes())).into_owned()
        };
        let _ = write!(lines, "\n  {name}: {shown}");
    }
    lines
}

/// Reads a body chunk by chunk, stopping at `cap` without buffering the rest.
async fn read_capped(response: reqwest::Response, cap: usize) -> Result<Vec<u8>, ApiError> {
    read_body_capped(response, cap).await.map_err(|e| match e {
        BodyError::Transport(error) => network_error(&error, Destination::JobsApi),
        BodyError::TooLarge => ApiError::TooLarge { limit: cap },
    })
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| crate::safe_text::sanitize(v).chars().take(128).collect())
}

/// Longest `Retry-After` taken as given; callers clamp further (`wait` to its own bound), but
/// no server value, however large, may reach an `Instant` unbounded.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// `Retry-After` as seconds or an HTTP date, capped at [`MAX_RETRY_AFTER`].
fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get("retry-after")?.to_str().ok()?.trim();
    let delay = if let Ok(secs) = text.parse::<u64>() {
        Duration::from_secs(secs)
    } else if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() {
        // More digits than a u64 holds: as long as it gets.
        MAX_RETRY_AFTER
    } else {
        let when = httpdate::parse_http_date(text).ok()?;
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    };
    Some(delay.min(MAX_RETRY_AFTER))
}

/// How far the server's `Date` is ahead of the local clock, in whole seconds (negative:
/// behind).
fn clock_offset(headers: &HeaderMap) -> Option<i64> {
    let text = headers.get("date")?.to_str().ok()?;
    let server = httpdate::parse_http_date(text.trim()).ok()?;
    let now = SystemTime::now();
    let secs = |d: Duration| i64::try_from(d.as_secs()).ok();
    match server.duration_since(now) {
        Ok(ahead) => secs(ahead),
        Err(behind) => secs(behind.duration()).map(|s| -s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &'static str, value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(name, value.parse().expect("a header value"));
        map
    }

    #[test]
    fn retry_after_is_capped_and_never_overflows() {
        let parse = |v: &str| parse_retry_after(&headers("retry-after", v));
        assert_eq!(parse("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse("9223372036854775807"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse("99999999999999999999999"), Some(MAX_RETRY_AFTER));
        assert_eq!(parse("Thu, 01 Jan 1970 00:00:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse("soon"), None);
    }

    #[test]
    fn clock_offset_has_a_sign() {
        let at = |offset: i64| {
            let now = SystemTime::now();
            let when = if offset >= 0 {
                now + Duration::from_secs(offset.unsigned_abs())
            } else {
                now - Duration::from_secs(offset.unsigned_abs())
            };
            clock_offset(&headers("date", &httpdate::fmt_http_date(when)))
        };
        let ahead = at(1200).expect("an offset");
        assert!((1198..=1200).contains(&ahead), "{ahead}");
        let behind = at(-1200).expect("an offset");
        assert!((-1201..=-1199).contains(&behind), "{behind}");
        assert_eq!(clock_offset(&headers("date", "yesterday")), None);
    }
}
