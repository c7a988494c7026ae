//! The runtime side of authentication: turns a [`ResolvedAuth`] into request headers, for
//! every method alike, behind the API client's `RequestCredentials` interface.
//!
//! Connecting calls [`Authenticator::start`] once (which fetches or loads a token, or looks
//! up a project id); the API client then asks for headers before every request. On a 401 it
//! hands back the generation the failed request used ([`Authenticator::reauthenticate`]): only a
//! password-derived token is ever renewed (once per generation, however many requests in
//! flight saw the 401), and AK/SK or a fixed token never are — five failed AK/SK attempts lock
//! the key.
//!
//! A failed IAM login is remembered: a refusal for the rest of the process (asking again with
//! the same password only adds failed logins, which IAM counts against the account), any other
//! failure (IAM unreachable or hanging) for [`LOGIN_FAILURE_MEMORY`], so that a hundred jobs
//! cost one login attempt and one request timeout, not one per job.

use jiff::Timestamp;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use secrecy::ExposeSecret;
use tokio::sync::Mutex;

use super::cache::{CacheKey, CachedToken, TokenCache};
use super::keystone::{self, KeystoneError, PasswordCredentials, ProjectScope};
pub(crate) use crate::api::credentials::Authorization;
use crate::api::credentials::{BoxFuture, RequestCredentials};
use crate::api::error::ApiError;
use crate::config::credentials::{AuthMethod, ResolvedAuth};

/// The header carrying a token.
pub(crate) const AUTH_TOKEN_HEADER: &str = "x-auth-token";

/// Where the token in use came from (for `-v` logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenSource {
    /// Given by the user (`OS_AUTH_TOKEN`, `auth.token`).
    Configured,
    /// Read from the token cache.
    Cache,
    /// Just issued by IAM.
    Iam,
    /// No token: AK/SK signing.
    Signed,
}

impl TokenSource {
    /// For the debug log.
    #[must_use]
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "read where the source is borrowed"
    )]
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Self::Configured => "configured token",
            Self::Cache => "token from the cache",
            Self::Iam => "token just issued by IAM",
            Self::Signed => "requests signed with AK/SK",
        }
    }
}

/// What [`Authenticator::start`] learnt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Session {
    /// The project to put in `/v1/{project_id}/jobs/…`.
    pub project_id: String,
    /// The IMS endpoint from the token catalog, when there was one.
    pub ims_endpoint: Option<String>,
    /// The other services' endpoints from the token catalog, by service name.
    pub service_endpoints: std::collections::BTreeMap<String, String>,
    /// Where the token came from.
    pub source: TokenSource,
}

/// How long a login that failed for a reason other than a refusal is not tried again: long
/// enough to cover every request of a one-shot command, short enough that a long `wait`
/// outlives a passing IAM outage.
pub(crate) const LOGIN_FAILURE_MEMORY: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Debug, Default)]
struct State {
    token: Option<CachedToken>,
    source: Option<TokenSource>,
    generation: u64,
    project_id: Option<String>,
    /// The last failed login, and when it failed.
    login_failure: Option<(ApiError, std::time::Instant)>,
}

impl State {
    /// The failure of an earlier login that still stands, if any.
    fn standing_login_failure(&self) -> Option<&ApiError> {
        let (error, when) = self.login_failure.as_ref()?;
        let refused = matches!(
            error,
            ApiError::Status {
                status: 401 | 403,
                ..
            }
        );
        (refused || when.elapsed() < LOGIN_FAILURE_MEMORY).then_some(error)
    }
}

/// Applies the configured authentication to requests; shareable across tasks (`Arc`).
#[derive(Debug)]
pub(crate) struct Authenticator {
    method: AuthMethod,
    region: String,
    configured_project_id: Option<String>,
    project_name: Option<String>,
    client: reqwest::Client,
    cache: Option<TokenCache>,
    state: Mutex<State>,
    /// Set once a login has failed (read without waiting for the state's lock).
    login_failed: std::sync::atomic::AtomicBool,
}

impl Authenticator {
    /// `client` is used for IAM calls (build it with the same TLS settings as for IMS);
    /// `cache` is `None` with `--no-token-cache`.
    pub(crate) fn new(
        resolved: ResolvedAuth,
        client: reqwest::Client,
        cache: Option<TokenCache>,
    ) -> Self {
        register_secrets(&resolved.method);
        Self {
            method: resolved.method,
            region: resolved.region,
            configured_project_id: resolved.project_id,
            project_name: resolved.project_name,
            client,
            cache,
            state: Mutex::new(State::default()),
            login_failed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Credentials for a fixed token in `project_id` (nothing is ever asked of IAM).
    #[cfg(test)]
    pub(crate) fn for_token(
        token: secrecy::SecretString,
        project_id: &str,
        client: reqwest::Client,
    ) -> Self {
        Self::new(
            ResolvedAuth {
                method: AuthMethod::Token(token),
                project_id: Some(project_id.to_owned()),
                project_name: None,
                region: crate::config::credentials::DEFAULT_REGION.to_owned(),
                cacert: None,
                insecure: false,
            },
            client,
            None,
        )
    }

    #[cfg(test)]
    /// The method in use.
    pub(crate) fn method(&self) -> &AuthMethod {
        &self.method
    }

    /// Gets ready to send requests: loads or issues a token (password), or finds the project id
    /// by name (AK/SK), and reports the project id and catalog endpoint.
    pub(crate) async fn start(&self) -> Result<Session, KeystoneError> {
        let mut state = self.state.lock().await;
        match &self.method {
            AuthMethod::Token(_) => Ok(Session {
                project_id: self.configured_project_id.clone().ok_or_else(|| {
                    KeystoneError::InvalidResponse("no project id configured".into())
                })?,
                ims_endpoint: None,
                service_endpoints: std::collections::BTreeMap::new(),
                source: TokenSource::Configured,
            }),
            AuthMethod::AkSk { signer, auth_url } => {
                let project_id = match (&state.project_id, &self.configured_project_id) {
                    (Some(id), _) | (None, Some(id)) => id.clone(),
                    (None, None) => {
                        let name = self.project_name.as_deref().ok_or_else(|| {
                            KeystoneError::InvalidResponse("no project configured".into())
                        })?;
                        keystone::project_id_by_name(&self.client, auth_url, name, signer).await?
                    }
                };
                state.project_id = Some(project_id.clone());
                Ok(Session {
                    project_id,
                    ims_endpoint: None,
                    service_endpoints: std::collections::BTreeMap::new(),
                    source: TokenSource::Signed,
                })
            }
            AuthMethod::Password(creds) => {
                let source = self.ensure_token(&mut state, creds, true).await?;
                let token = state.token.as_ref().ok_or_else(|| {
                    KeystoneError::InvalidResponse("no token after authentication".into())
                })?;
                Ok(Session {
                    project_id: self
                        .configured_project_id
                        .clone()
                        .unwrap_or_else(|| token.project_id.clone()),
                    ims_endpoint: token.ims_endpoint.clone(),
                    service_endpoints: token.service_endpoints.clone(),
                    source,
                })
            }
        }
    }

    /// Headers authorising one request. `headers_to_sign` are the request's own headers to
    /// cover with an AK/SK signature (they must be sent unchanged); ignored for tokens.
    pub(crate) async fn authorize(
        &self,
        method: &Method,
        url: &Url,
        headers_to_sign: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Authorization, KeystoneError> {
        let mut state = self.state.lock().await;
        let mut headers = HeaderMap::new();
        match &self.method {
            AuthMethod::Token(token) => {
                headers.insert(AUTH_TOKEN_HEADER, token_value(token.expose_secret())?);
            }
            AuthMethod::AkSk { signer, .. } => {
                let project_id = state
                    .project_id
                    .clone()
                    .or_else(|| self.configured_project_id.clone());
                headers = signer.sign(
                    method,
                    url,
                    headers_to_sign,
                    body,
                    project_id.as_deref(),
                    Timestamp::now(),
                )?;
            }
            AuthMethod::Password(creds) => {
                // A long `wait` outlives a token: renew it before it expires rather than
                // collecting a 401 first.
                self.ensure_token(&mut state, creds, true).await?;
                let token = state.token.as_ref().ok_or_else(|| {
                    KeystoneError::InvalidResponse("no token after authentication".into())
                })?;
                headers.insert(AUTH_TOKEN_HEADER, token_value(token.token.expose_secret())?);
            }
        }
        Ok(Authorization {
            headers,
            generation: state.generation,
        })
    }

    /// Called after a 401 on a request authorised with `generation`. Returns whether the
    /// request should be sent once more (with fresh [`Self::authorize`] headers).
    ///
    /// Only password-derived tokens are renewed, by a new IAM call that bypasses the cache
    /// (and evicts the rejected entry). If another task already renewed the token since
    /// `generation`, no IAM call is made.
    pub(crate) async fn reauthenticate(&self, generation: u64) -> Result<bool, KeystoneError> {
        let AuthMethod::Password(creds) = &self.method else {
            return Ok(false);
        };
        let mut state = self.state.lock().await;
        if state.generation != generation {
            return Ok(true);
        }
        if let Some(cache) = &self.cache
            && let Some(key) = self.cache_key(cache, creds)
        {
            // Best effort: a stale file only costs one more 401 next time.
            let _ = cache.remove(&key);
        }
        state.token = None;
        self.ensure_token(&mut state, creds, false).await?;
        Ok(true)
    }

    async fn ensure_token(
        &self,
        state: &mut State,
        creds: &PasswordCredentials,
        use_cache: bool,
    ) -> Result<TokenSource, KeystoneError> {
        let now = Timestamp::now();
        if let Some(token) = &state.token {
            // A token this process had from IAM that was never fresh (a lifetime shorter
            // than any margin, or expiry already past by the local clock) is used until a
            // 401 says otherwise: asking IAM again would only bring another such token,
            // one login per request.
            let never_fresh =
                state.source == Some(TokenSource::Iam) && !token.is_fresh(token.received_at);
            if token.is_fresh(now) || never_fresh {
                return Ok(state.source.unwrap_or(TokenSource::Iam));
            }
        }
        let key = self
            .cache
            .as_ref()
            .and_then(|cache| Some((cache, self.cache_key(cache, creds)?)));
        if use_cache
            && let Some((cache, key)) = &key
            && let Some(cached) = cache.load(key, now)
        {
            crate::safe_text::register_secret(cached.token.expose_secret());
            state.token = Some(cached);
            state.source = Some(TokenSource::Cache);
            state.generation += 1;
            return Ok(TokenSource::Cache);
        }
        if let Some(error) = state.standing_login_failure() {
            return Err(KeystoneError::Earlier(Box::new(error.clone())));
        }
        let issued = match keystone::issue_token(&self.client, creds, Some(&self.region)).await {
            Ok(issued) => issued,
            Err(error) => {
                let error = ApiError::from(error);
                state.login_failure = Some((error.clone(), std::time::Instant::now()));
                self.login_failed
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                return Err(KeystoneError::Earlier(Box::new(error)));
            }
        };
        crate::safe_text::register_secret(issued.token.expose_secret());
        if let Some((cache, key)) = &key {
            // The cache is an optimisation: failing to write it must not fail the command.
            let _ = cache.store(key, &issued);
        }
        state.token = Some(issued);
        state.source = Some(TokenSource::Iam);
        state.generation += 1;
        Ok(TokenSource::Iam)
    }
}

/// The one implementation of what the API client needs: every method (token, AK/SK,
/// password) goes through [`Authenticator::authorize`], so one code path sets each header.
impl RequestCredentials for Authenticator {
    fn authorize<'a>(
        &'a self,
        method: &'a Method,
        url: &'a Url,
        body: &'a [u8],
    ) -> BoxFuture<'a, Result<Authorization, ApiError>> {
        Box::pin(async move { Ok(Self::authorize(self, method, url, &[], body).await?) })
    }

    fn renew_after_unauthorized(&self, generation: u64) -> BoxFuture<'_, Result<bool, ApiError>> {
        Box::pin(async move { Ok(self.reauthenticate(generation).await?) })
    }

    fn describe(&self) -> String {
        self.method.describe()
    }

    fn have_failed(&self) -> bool {
        self.login_failed.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Authenticator {
    /// The cache key for password credentials: (auth URL, user, domain, project, region,
    /// keyed hash of the password); `None` when the cache is unusable.
    fn cache_key(&self, cache: &TokenCache, creds: &PasswordCredentials) -> Option<CacheKey> {
        cache_key(cache, creds, &self.region)
    }
}

/// The cache key for password credentials in `region` (see [`CacheKey`]); `None` when the
/// cache is unusable.
pub(crate) fn cache_key(
    cache: &TokenCache,
    creds: &PasswordCredentials,
    region: &str,
) -> Option<CacheKey> {
    Some(CacheKey {
        auth_url: creds.auth_url.clone(),
        user: creds.username.clone(),
        domain: creds.user_domain.clone(),
        project: match &creds.project {
            ProjectScope::Id(id) => format!("id:{id}"),
            ProjectScope::Name(name) => format!("name:{name}"),
        },
        region: region.to_owned(),
        credential: cache.credential_tag(&creds.password)?,
    })
}

/// Every secret the method holds, so that no output shows it even when a server echoes it.
fn register_secrets(method: &AuthMethod) {
    use crate::safe_text::register_secret;
    match method {
        AuthMethod::Token(token) => register_secret(token.expose_secret()),
        AuthMethod::AkSk { signer, .. } => {
            register_secret(signer.credentials.secret_key.expose_secret());
            if let Some(token) = &signer.credentials.security_token {
                register_secret(token.expose_secret());
            }
        }
        AuthMethod::Password(creds) => register_secret(creds.password.expose_secret()),
    }
}

/// Refuses an IMS endpoint from the catalog that would carry the token in clear when IAM was
/// reached over TLS (a downgrade nobody asked for); `--insecure` accepts it with a warning.
///
/// # Errors
/// A configuration error naming both URLs (without userinfo).
pub(crate) fn check_catalog_endpoint(
    auth_url: Option<&str>,
    catalog_endpoint: &str,
    insecure: bool,
) -> Result<Option<String>, ApiError> {
    let https_iam = auth_url.is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://"));
    let plain_ims = catalog_endpoint
        .trim()
        .to_ascii_lowercase()
        .starts_with("http://");
    if !(https_iam && plain_ims) {
        return Ok(None);
    }
    let shown = crate::safe_text::redact_userinfo(catalog_endpoint);
    if insecure {
        return Ok(Some(format!(
            "the IAM catalog names IMS at `{shown}`, plain HTTP: the token travels in clear (accepted with `--insecure`)"
        )));
    }
    Err(ApiError::Config {
        message: format!(
            "the IAM catalog names IMS at `{shown}`, plain HTTP, though IAM was reached over HTTPS: refusing to send the token in clear; give the IMS endpoint with `--endpoint https://…` (or accept with `--insecure`)"
        ),
    })
}

fn token_value(token: &str) -> Result<HeaderValue, KeystoneError> {
    let mut value = HeaderValue::from_str(token)
        .map_err(|_| KeystoneError::InvalidResponse("token is not a valid header value".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::error::NetworkFailure;
    use crate::auth::aksk::SignerVariant;
    use crate::auth::test_server::{client, header, response, serve};
    use crate::config::credentials::{AuthInputs, resolve};
    use secrecy::SecretString;
    use serde_json::json;
    use std::collections::HashMap;

    fn token_response(token: &str, valid_for_mins: i64) -> String {
        let expires = Timestamp::now() + jiff::SignedDuration::from_mins(valid_for_mins);
        let body = json!({"token": {
            "expires_at": expires.to_string(),
            "project": {"id": "p-from-iam"},
            "catalog": [{"type": "image", "endpoints": [
                {"interface": "public", "region": "eu-de", "url": "http://ims.test/v2"}]}]
        }});
        response(
            "201 Created",
            &[("X-Subject-Token", token)],
            body.to_string().as_bytes(),
        )
    }

    fn password_auth(base: &str) -> ResolvedAuth {
        let vars: HashMap<&str, String> = HashMap::from([
            ("OS_AUTH_URL", format!("{base}/v3")),
            ("OS_USERNAME", "alice".to_owned()),
            ("OS_PASSWORD", "pw-secret".to_owned()),
            ("OS_USER_DOMAIN_NAME", "D".to_owned()),
            ("OS_PROJECT_NAME", "eu-de_prod".to_owned()),
        ]);
        let inputs = AuthInputs::from_env(|k| vars.get(k).cloned()).expect("env");
        resolve(inputs, SignerVariant::Derived).expect("resolves")
    }

    fn url() -> Url {
        Url::parse("http://ims.test/v1/p/jobs/j").expect("url")
    }

    #[tokio::test]
    async fn password_token_is_cached_and_renewed_once_per_generation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (base, server) = serve(vec![token_response("T1", 60), token_response("T2", 60)]).await;
        let auth = Authenticator::new(
            password_auth(&base),
            client(),
            Some(TokenCache::new(dir.path())),
        );
        let session = auth.start().await.expect("starts");
        assert_eq!(
            session,
            Session {
                project_id: "p-from-iam".into(),
                ims_endpoint: Some("http://ims.test".into()),
                service_endpoints: std::collections::BTreeMap::new(),
                source: TokenSource::Iam,
            }
        );
        let a = auth
            .authorize(&Method::GET, &url(), &[], b"")
            .await
            .expect("authorizes");
        assert_eq!(a.headers[AUTH_TOKEN_HEADER], "T1");
        assert!(a.headers[AUTH_TOKEN_HEADER].is_sensitive());

        // A second process finds the token in the cache: no IAM call.
        let again = Authenticator::new(
            password_auth(&base),
            client(),
            Some(TokenCache::new(dir.path())),
        );
        assert_eq!(
            again.start().await.expect("starts").source,
            TokenSource::Cache
        );

        // Two requests rejected with the same generation renew once.
        assert!(auth.reauthenticate(a.generation).await.expect("renews"));
        assert!(
            auth.reauthenticate(a.generation)
                .await
                .expect("already renewed")
        );
        let b = auth
            .authorize(&Method::GET, &url(), &[], b"")
            .await
            .expect("authorizes");
        assert_eq!(b.headers[AUTH_TOKEN_HEADER], "T2");
        assert_ne!(a.generation, b.generation);

        let received = server.await.expect("server");
        assert_eq!(received.len(), 2);
        // The renewed token replaced the cached one.
        let cache = TokenCache::new(dir.path());
        let key = cache_key(
            &cache,
            match auth.method() {
                AuthMethod::Password(c) => c,
                _ => unreachable!(),
            },
            "eu-de",
        )
        .expect("key");
        let cached = cache.load(&key, Timestamp::now()).expect("cached");
        assert_eq!(cached.token.expose_secret(), "T2");
    }

    #[tokio::test]
    async fn a_short_lived_token_serves_every_request_with_one_login() {
        // Four minutes left, less than the five-minute margin a day-long token keeps: used
        // for every request, not renewed before each.
        let (base, server) = serve(vec![token_response("SHORT", 4)]).await;
        let auth = Authenticator::new(password_auth(&base), client(), None);
        auth.start().await.expect("starts");
        for _ in 0..20 {
            let a = auth
                .authorize(&Method::GET, &url(), &[], b"")
                .await
                .expect("authorizes");
            assert_eq!(a.headers[AUTH_TOKEN_HEADER], "SHORT");
        }
        assert_eq!(server.await.expect("server").len(), 1);
    }

    #[tokio::test]
    async fn a_cached_token_near_its_expiry_is_renewed_before_use() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = TokenCache::new(dir.path());
        let (base, server) = serve(vec![token_response("NEW", 60)]).await;
        let resolved = password_auth(&base);
        let AuthMethod::Password(creds) = &resolved.method else {
            unreachable!()
        };
        let key = cache_key(&cache, creds, &resolved.region).expect("key");
        let old = CachedToken {
            token: SecretString::from("OLD".to_owned()),
            expires_at: Timestamp::now() + jiff::SignedDuration::from_mins(4),
            project_id: "p".into(),
            ims_endpoint: None,
            service_endpoints: std::collections::BTreeMap::new(),
            lifetime: Some(jiff::SignedDuration::from_hours(24)),
            received_at: Timestamp::now() - jiff::SignedDuration::from_hours(23),
            local_expires_at: Timestamp::now() + jiff::SignedDuration::from_mins(4),
        };
        cache.store(&key, &old).expect("stores");
        let auth = Authenticator::new(resolved, client(), Some(cache));
        auth.start().await.expect("starts");
        let a = auth
            .authorize(&Method::GET, &url(), &[], b"")
            .await
            .expect("authorizes");
        assert_eq!(a.headers[AUTH_TOKEN_HEADER], "NEW");
        assert_eq!(server.await.expect("server").len(), 1);
    }

    #[tokio::test]
    async fn a_changed_password_or_region_misses_the_cache() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (base, server) = serve(vec![
            token_response("T1", 60),
            token_response("T2", 60),
            token_response("T3", 60),
        ])
        .await;
        let run = |resolved: ResolvedAuth| {
            let cache = Some(TokenCache::new(dir.path()));
            async move {
                let auth = Authenticator::new(resolved, client(), cache);
                auth.start().await.expect("starts").source
            }
        };
        assert_eq!(run(password_auth(&base)).await, TokenSource::Iam);
        assert_eq!(run(password_auth(&base)).await, TokenSource::Cache);
        let mut other_password = password_auth(&base);
        if let AuthMethod::Password(c) = &mut other_password.method {
            c.password = SecretString::from("another-password".to_owned());
        }
        assert_eq!(run(other_password).await, TokenSource::Iam);
        let mut other_region = password_auth(&base);
        other_region.region = "eu-nl".into();
        assert_eq!(run(other_region).await, TokenSource::Iam);
        assert_eq!(server.await.expect("server").len(), 3);
    }

    #[test]
    fn a_plain_http_catalog_behind_an_https_iam_is_refused_unless_insecure() {
        let iam = Some("https://iam.example.com/v3");
        let error = check_catalog_endpoint(iam, "http://u:pw-in-url@ims.example.com", false)
            .expect_err("refused");
        let text = error.to_string();
        assert!(matches!(error, ApiError::Config { .. }));
        assert!(
            text.contains("in clear") && text.contains("--endpoint"),
            "{text}"
        );
        assert!(!text.contains("pw-in-url"), "{text}");
        let warning = check_catalog_endpoint(iam, "http://ims.example.com", true)
            .expect("accepted")
            .expect("with a warning");
        assert!(warning.contains("--insecure"), "{warning}");
        for (auth_url, catalog) in [
            (iam, "https://ims.example.com"),
            (Some("http://127.0.0.1:1/v3"), "http://127.0.0.1:1"),
            (None, "http://ims.example.com"),
        ] {
            assert_eq!(
                check_catalog_endpoint(auth_url, catalog, false).expect("fine"),
                None
            );
        }
    }

    #[tokio::test]
    async fn aksk_signs_and_never_renews() {
        let (base, server) = serve(vec![response(
            "200 OK",
            &[],
            br#"{"projects": [{"id": "p-looked-up", "name": "eu-de_prod"}]}"#,
        )])
        .await;
        let vars: HashMap<&str, String> = HashMap::from([
            ("OS_AUTH_URL", format!("{base}/v3")),
            ("OS_ACCESS_KEY", "AK".to_owned()),
            ("OS_SECRET_KEY", "SK".to_owned()),
            ("OS_PROJECT_NAME", "eu-de_prod".to_owned()),
        ]);
        let inputs = AuthInputs::from_env(|k| vars.get(k).cloned()).expect("env");
        let auth = Authenticator::new(
            resolve(inputs, SignerVariant::Plain).expect("resolves"),
            client(),
            None,
        );
        assert!(!auth.method().issues_tokens());
        let session = auth.start().await.expect("starts");
        assert_eq!(session.project_id, "p-looked-up");
        let received = server.await.expect("server");
        assert!(header(&received[0].0, "authorization").is_some_and(|a| a.contains("Access=AK")));

        let a = auth
            .authorize(&Method::GET, &url(), &[], b"")
            .await
            .expect("signs");
        assert_eq!(a.headers["x-project-id"], "p-looked-up");
        assert!(a.headers.contains_key("authorization"));
        assert!(!auth.reauthenticate(a.generation).await.expect("no renewal"));
    }

    #[tokio::test]
    async fn a_refused_renewal_is_remembered_for_every_request_in_flight() {
        // A token, then a changed password: the one renewal is refused, and a hundred
        // requests rejected with the old token make no further login.
        let refusal = response(
            "401 Unauthorized",
            &[],
            br#"{"error": {"code": 401, "message": "wrong"}}"#,
        );
        let (base, server) = serve(vec![token_response("OLD", 60), refusal]).await;
        let auth = std::sync::Arc::new(Authenticator::new(password_auth(&base), client(), None));
        auth.start().await.expect("starts");
        let generation = auth
            .authorize(&Method::GET, &url(), &[], b"")
            .await
            .expect("authorizes")
            .generation;
        assert!(!auth.have_failed());
        let attempts: Vec<_> = (0..100)
            .map(|_| {
                let auth = auth.clone();
                tokio::spawn(async move { auth.reauthenticate(generation).await })
            })
            .collect();
        for attempt in attempts {
            let error = ApiError::from(attempt.await.expect("joins").expect_err("refused"));
            assert!(
                matches!(error, ApiError::Status { status: 401, .. }),
                "{error}"
            );
        }
        let error = auth
            .authorize(&Method::GET, &url(), &[], b"")
            .await
            .expect_err("no token, no new login");
        assert!(ApiError::from(error).to_string().contains("IAM refused"));
        assert!(auth.have_failed());
        assert_eq!(server.await.expect("server").len(), 2);
    }

    #[tokio::test]
    async fn a_hanging_login_costs_one_timeout_not_one_per_request() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        // Accepts connections and never answers; counts them.
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = accepted.clone();
        let server = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                open.push(socket);
            }
        });
        let timeout = std::time::Duration::from_millis(300);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .expect("client");
        let auth = Authenticator::new(password_auth(&base), http, None);
        let started = std::time::Instant::now();
        for _ in 0..20 {
            let error = auth.start().await.expect_err("IAM hangs");
            assert!(
                matches!(
                    ApiError::from(error),
                    ApiError::Network {
                        failure: NetworkFailure::TimedOut,
                        ..
                    }
                ),
                "a timeout"
            );
        }
        assert!(started.elapsed() < 2 * timeout, "{:?}", started.elapsed());
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
        server.abort();
    }

    #[tokio::test]
    async fn bad_password_is_refused_without_retry() {
        let (base, server) = serve(vec![response(
            "401 Unauthorized",
            &[],
            br#"{"error": {"code": 401, "message": "wrong"}}"#,
        )])
        .await;
        let auth = Authenticator::new(password_auth(&base), client(), None);
        let err = auth.start().await.expect_err("refused");
        assert!(!format!("{err} {err:?}").contains("pw-secret"));
        assert!(matches!(
            ApiError::from(err),
            ApiError::Status { status: 401, .. }
        ));
        assert_eq!(server.await.expect("server").len(), 1);
    }

    #[tokio::test]
    async fn a_fixed_token_goes_through_the_one_header_path_and_is_never_renewed() {
        let auth = Authenticator::for_token(SecretString::from("T0".to_owned()), "p", client());
        let session = auth.start().await.expect("starts");
        assert_eq!(session.project_id, "p");
        assert_eq!(session.source, TokenSource::Configured);
        let credentials: &dyn RequestCredentials = &auth;
        let a = credentials
            .authorize(&Method::GET, &url(), b"")
            .await
            .expect("authorizes");
        assert_eq!(a.headers[AUTH_TOKEN_HEADER], "T0");
        assert!(a.headers[AUTH_TOKEN_HEADER].is_sensitive());
        assert!(
            !credentials
                .renew_after_unauthorized(a.generation)
                .await
                .expect("no renewal")
        );
        assert!(!format!("{credentials:?}").contains("T0"));
    }
}
