//! Keystone v3 (OTC IAM): password (+ TOTP) tokens, and the project-name lookup for AK/SK.
//!
//! The request body and the response parsing are pure functions so they can be tested
//! without a server; [`issue_token`] and [`project_id_by_name`] only add the HTTP call.

use std::fmt;

use jiff::Timestamp;
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::aksk::{SignError, Signer};
use super::cache::CachedToken;
use crate::api::error::{Answerer, ApiError, Destination, network_error};
use crate::api::wire::{BodyError, ErrorBody, MAX_BODY_BYTES, read_body_capped};
use crate::service::Service;

/// The header that carries a newly issued token.
pub(crate) const SUBJECT_TOKEN_HEADER: &str = "x-subject-token";

/// How the token is scoped to a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProjectScope {
    /// By project id.
    Id(String),
    /// By project name, looked up in the user's domain.
    Name(String),
}

impl ProjectScope {
    /// The id or name, as configured (used in the cache key).
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Id(s) | Self::Name(s) => s,
        }
    }
}

/// Everything needed to ask IAM for a project-scoped token.
#[derive(Clone)]
pub(crate) struct PasswordCredentials {
    /// IAM endpoint ending in `/v3`.
    pub auth_url: String,
    /// The user name.
    pub username: String,
    /// The password.
    pub password: SecretString,
    /// The user's domain name (`OS_USER_DOMAIN_NAME`, else `OS_DOMAIN_NAME`).
    pub user_domain: String,
    /// The project scope.
    pub project: ProjectScope,
    /// A TOTP passcode when the account requires MFA.
    pub passcode: Option<SecretString>,
}

// By hand so that neither the password nor the passcode can leak via `{:?}`.
impl fmt::Debug for PasswordCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordCredentials")
            .field("auth_url", &self.auth_url)
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .field("user_domain", &self.user_domain)
            .field("project", &self.project)
            .field("passcode", &self.passcode.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

/// Why IAM did not give us what we asked for. Never carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum KeystoneError {
    /// 401: wrong user, password, domain or passcode, or a refused AK/SK signature.
    #[error("IAM refused the credentials (HTTP 401){}", describe(code.as_deref(), message.as_deref(), request_id.as_deref()))]
    BadCredentials {
        /// API error code, when the body had one.
        code: Option<String>,
        /// API error message, when the body had one.
        message: Option<String>,
        /// `X-Request-Id`, when present.
        request_id: Option<String>,
    },
    /// Any other non-success status.
    #[error("IAM answered HTTP {status}{}", describe(code.as_deref(), message.as_deref(), request_id.as_deref()))]
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// API error code, when the body had one.
        code: Option<String>,
        /// API error message, when the body had one.
        message: Option<String>,
        /// `X-Request-Id`, when present.
        request_id: Option<String>,
    },
    /// The request could not be sent or the response not read (network, TLS, timeout).
    #[error("cannot reach IAM at `{url}`")]
    Transport {
        /// The URL called.
        url: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The auth URL is not a usable base URL.
    #[error("invalid IAM auth URL `{0}`")]
    InvalidAuthUrl(String),
    /// A success response without what it must contain.
    #[error("unusable IAM response: {0}")]
    InvalidResponse(String),
    /// The project name is not visible to these credentials.
    #[error("project `{0}` not found in IAM")]
    ProjectNotFound(String),
    /// The lookup request could not be signed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// A login that failed earlier in this run, not asked again (see `auth::session`).
    #[error("{0}")]
    Earlier(Box<ApiError>),
}

/// IAM failures in the API error taxonomy, so that exit codes and hints stay in one place:
/// IAM refusals keep their status, transport failures are network errors, and a request
/// that could not be built from the configuration stays a configuration error. Each says it
/// is IAM's ([`Answerer`], [`Destination`]): IAM's 404 is no missing job, and a failed
/// connection to IAM is the IAM URL's to fix.
impl From<KeystoneError> for ApiError {
    fn from(error: KeystoneError) -> Self {
        match error {
            KeystoneError::BadCredentials {
                code,
                message,
                request_id,
            } => Self::Status {
                answerer: Answerer::IamRefusedLogin,
                status: 401,
                code,
                message,
                details: Box::default(),
                request_id,
                retry_after: None,
                clock_offset: None,
            },
            KeystoneError::Status {
                status,
                code,
                message,
                request_id,
            } => Self::Status {
                answerer: Answerer::Iam,
                status: status.as_u16(),
                code,
                message,
                details: Box::default(),
                request_id,
                retry_after: None,
                clock_offset: None,
            },
            KeystoneError::Transport { url, source } => {
                network_error(&source, Destination::Iam { url })
            }
            KeystoneError::InvalidResponse(reason) => Self::Decode {
                status: 200,
                reason: format!("IAM: {reason}"),
                request_id: None,
            },
            KeystoneError::Earlier(error) => *error,
            error @ (KeystoneError::InvalidAuthUrl(_)
            | KeystoneError::ProjectNotFound(_)
            | KeystoneError::Sign(_)) => Self::Config {
                message: error.to_string(),
            },
        }
    }
}

fn describe(code: Option<&str>, message: Option<&str>, request_id: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(code) = code {
        out.push_str(": ");
        out.push_str(code);
    }
    if let Some(message) = message {
        out.push_str(if code.is_some() { " " } else { ": " });
        out.push_str(message);
    }
    if let Some(id) = request_id {
        out.push_str(" (request id ");
        out.push_str(id);
        out.push(')');
    }
    out
}

/// A URL fit for messages: without userinfo, and shortened when huge.
fn shown_url(url: &str) -> String {
    let url = crate::safe_text::redact_userinfo(url);
    match url.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &url[..cut]),
        None => url.into_owned(),
    }
}

/// A request id as shown: sanitised and cut at 128 characters, as IMS ones are (a hostile
/// IAM must not turn one error line into 60 kB).
fn short_request_id(id: &str) -> String {
    crate::safe_text::sanitize(id).chars().take(128).collect()
}

/// An IAM answer's body, capped like every other answer.
async fn read_iam_body(
    response: reqwest::Response,
    transport: impl Fn(reqwest::Error) -> KeystoneError,
) -> Result<Vec<u8>, KeystoneError> {
    read_body_capped(response, MAX_BODY_BYTES)
        .await
        .map_err(|e| match e {
            BodyError::Transport(error) => transport(error),
            BodyError::TooLarge => KeystoneError::InvalidResponse(format!(
                "the answer exceeded {MAX_BODY_BYTES} bytes and was cut off"
            )),
        })
}

/// `{auth_url}/auth/tokens`.
pub(crate) fn token_url(auth_url: &str) -> Result<Url, KeystoneError> {
    join(auth_url, &["auth", "tokens"])
}

fn join(auth_url: &str, segments: &[&str]) -> Result<Url, KeystoneError> {
    let invalid = || KeystoneError::InvalidAuthUrl(shown_url(auth_url));
    let mut url = Url::parse(auth_url).map_err(|_| invalid())?;
    if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
        return Err(invalid());
    }
    url.path_segments_mut()
        .map_err(|()| invalid())?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// The JSON body of `POST /v3/auth/tokens`.
pub(crate) fn token_request_body(creds: &PasswordCredentials) -> Value {
    let domain = json!({ "name": creds.user_domain });
    let mut methods = vec!["password"];
    let mut identity = json!({
        "password": {
            "user": {
                "name": creds.username,
                "password": creds.password.expose_secret(),
                "domain": domain,
            }
        }
    });
    if let Some(passcode) = &creds.passcode {
        methods.push("totp");
        identity["totp"] = json!({
            "user": {
                "name": creds.username,
                "domain": domain,
                "passcode": passcode.expose_secret(),
            }
        });
    }
    identity["methods"] = json!(methods);
    let project = match &creds.project {
        ProjectScope::Id(id) => json!({ "id": id }),
        // A project name is only unique within a domain; OTC projects live in the user's.
        ProjectScope::Name(name) => json!({ "name": name, "domain": domain }),
    };
    json!({ "auth": { "identity": identity, "scope": { "project": project } } })
}

/// Parses a successful token response: the token from `X-Subject-Token`, the rest from the
/// body. `region` selects the IMS endpoint in the catalog (see [`ims_endpoint_from_catalog`]).
pub fn parse_token_response(
    subject_token: Option<&str>,
    body: &[u8],
    region: Option<&str>,
) -> Result<CachedToken, KeystoneError> {
    let token = subject_token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| KeystoneError::InvalidResponse("no `X-Subject-Token` header".into()))?;
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| KeystoneError::InvalidResponse("body is not JSON".into()))?;
    let token_body = value
        .get("token")
        .ok_or_else(|| KeystoneError::InvalidResponse("no `token` object".into()))?;
    let expires_at = token_body
        .get("expires_at")
        .and_then(Value::as_str)
        .ok_or_else(|| KeystoneError::InvalidResponse("no `token.expires_at`".into()))?;
    let expires_at: Timestamp = expires_at.parse().map_err(|_| {
        KeystoneError::InvalidResponse(format!(
            "`token.expires_at` is not a timestamp: `{expires_at}`"
        ))
    })?;
    let project_id = token_body
        .pointer("/project/id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            KeystoneError::InvalidResponse(
                "no `token.project.id` (token not project-scoped)".into(),
            )
        })?
        .to_owned();
    let catalog = token_body.get("catalog");
    let ims_endpoint = catalog.and_then(|c| ims_endpoint_from_catalog(c, region, &project_id));
    // The other services' entries too: one cached token then serves `--service` of any kind.
    let service_endpoints = Service::ALL
        .into_iter()
        .filter(|service| *service != Service::Ims)
        .filter_map(|service| {
            let url = endpoint_from_catalog(catalog?, service, region, &project_id)?;
            Some((service.name().to_owned(), url))
        })
        .collect();
    // Both instants are on IAM's clock, so their difference holds whatever the local clock
    // says; without `issued_at` the token counts as valid until `expires_at` locally.
    let issued_at = token_body
        .get("issued_at")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<Timestamp>().ok());
    #[expect(
        clippy::redundant_closure_for_method_calls,
        reason = "the method's path names a type this code never otherwise names"
    )]
    let lifetime = issued_at
        .map(|issued| expires_at.duration_since(issued))
        .filter(|l| l.is_positive());
    let token = CachedToken {
        token: SecretString::from(token.to_owned()),
        expires_at,
        project_id,
        ims_endpoint,
        service_endpoints,
        lifetime,
        received_at: Timestamp::now(),
        local_expires_at: expires_at,
    };
    Ok(match issued_at {
        Some(issued) => token.with_server_time(issued),
        None => token,
    })
}

/// The IMS base URL from a token catalog (see `endpoint_from_catalog`).
pub fn ims_endpoint_from_catalog(
    catalog: &Value,
    region: Option<&str>,
    project_id: &str,
) -> Option<String> {
    endpoint_from_catalog(catalog, Service::Ims, region, project_id)
}

/// A service's base URL from a token catalog: the first of its types
/// ([`Service::catalog_types`]; IMS is `type: "image"`) with an endpoint of
/// `interface: "public"`, in `region` (matched against `region` or `region_id`) when given,
/// else the first public one. Version and project suffixes are trimmed (ECS lists
/// `…/v1/{project_id}`), because imsjob adds `/v1/{project_id}` itself.
pub(crate) fn endpoint_from_catalog(
    catalog: &Value,
    service: Service,
    region: Option<&str>,
    project_id: &str,
) -> Option<String> {
    let services = catalog.as_array()?;
    let matches_region = |ep: &&Value| match region {
        None => true,
        Some(region) => ["region", "region_id"]
            .iter()
            .any(|k| ep.get(*k).and_then(Value::as_str) == Some(region)),
    };
    service.catalog_types().iter().find_map(|kind| {
        let url = services
            .iter()
            .filter(|entry| entry.get("type").and_then(Value::as_str) == Some(*kind))
            .filter_map(|entry| entry.get("endpoints")?.as_array())
            .flatten()
            .filter(|ep| ep.get("interface").and_then(Value::as_str) == Some("public"))
            .filter(matches_region)
            .find_map(|ep| ep.get("url").and_then(Value::as_str))?;
        Some(trim_endpoint(url, project_id))
    })
}

/// Drops a trailing slash, a project segment and a version segment (`/v2`, `/v2.0`).
pub(crate) fn trim_endpoint(url: &str, project_id: &str) -> String {
    let mut url = url.trim().trim_end_matches('/');
    if let Some((head, last)) = url.rsplit_once('/')
        && (last == project_id || last.contains("tenant_id") || last.contains("project_id"))
    {
        url = head.trim_end_matches('/');
    }
    if let Some((head, last)) = url.rsplit_once('/')
        && is_version_segment(last)
        && head.contains("://")
        && !head.ends_with(':')
        && !head.ends_with('/')
    {
        url = head;
    }
    url.to_owned()
}

fn is_version_segment(segment: &str) -> bool {
    let Some(rest) = segment.strip_prefix(['v', 'V']) else {
        return false;
    };
    !rest.is_empty()
        && rest
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

async fn error_from_response(response: reqwest::Response) -> KeystoneError {
    let status = response.status();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(short_request_id);
    let body = read_body_capped(response, MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let ErrorBody {
        code,
        message,
        request_id: body_request_id,
        ..
    } = ErrorBody::parse(&body);
    let request_id = request_id.or_else(|| body_request_id.as_deref().map(short_request_id));
    if status == StatusCode::UNAUTHORIZED {
        KeystoneError::BadCredentials {
            code,
            message,
            request_id,
        }
    } else {
        KeystoneError::Status {
            status,
            code,
            message,
            request_id,
        }
    }
}

/// Asks IAM for a project-scoped token with a password (and a TOTP passcode if given).
///
/// `region` picks the IMS endpoint from the catalog. The client's own timeout applies.
pub(crate) async fn issue_token(
    client: &reqwest::Client,
    creds: &PasswordCredentials,
    region: Option<&str>,
) -> Result<CachedToken, KeystoneError> {
    let url = token_url(&creds.auth_url)?;
    let transport = |source: reqwest::Error| KeystoneError::Transport {
        url: shown_url(url.as_str()),
        // The error's own text would repeat the URL, userinfo and all.
        source: source.without_url(),
    };
    let response = client
        .post(url.clone())
        .json(&token_request_body(creds))
        .send()
        .await
        .map_err(transport)?;
    if !response.status().is_success() {
        return Err(error_from_response(response).await);
    }
    let subject = response
        .headers()
        .get(SUBJECT_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // IAM's clock when it answered, to the second: better than `issued_at`, which a token
    // handed out again would date from its first issue.
    let server_now = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .and_then(|t| Timestamp::try_from(t).ok());
    let body = read_iam_body(response, transport).await?;
    let token = parse_token_response(subject.as_deref(), &body, region)?;
    Ok(match server_now {
        Some(now) => token.with_server_time(now),
        None => token,
    })
}

/// `{auth_url}/projects?name={name}`.
pub(crate) fn projects_url(auth_url: &str, name: &str) -> Result<Url, KeystoneError> {
    let mut url = join(auth_url, &["projects"])?;
    url.query_pairs_mut().append_pair("name", name);
    Ok(url)
}

/// The id of the project called exactly `name` in a `GET /v3/projects` response.
pub fn parse_projects_response(body: &[u8], name: &str) -> Result<String, KeystoneError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| KeystoneError::InvalidResponse("body is not JSON".into()))?;
    let projects = value
        .get("projects")
        .and_then(Value::as_array)
        .ok_or_else(|| KeystoneError::InvalidResponse("no `projects` list".into()))?;
    projects
        .iter()
        .filter(|p| p.get("name").and_then(Value::as_str) == Some(name))
        .find_map(|p| p.get("id").and_then(Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| KeystoneError::ProjectNotFound(name.to_owned()))
}

/// Looks up a project id by name with an AK/SK-signed `GET {auth_url}/projects?name=…`.
///
/// The request carries no `X-Project-Id` (the lookup is what finds it). A 401 here is never
/// retried: repeated signature failures lock the key.
pub(crate) async fn project_id_by_name(
    client: &reqwest::Client,
    auth_url: &str,
    name: &str,
    signer: &Signer,
) -> Result<String, KeystoneError> {
    let url = projects_url(auth_url, name)?;
    let accept = ("accept", "application/json");
    let signed = signer.sign(
        &reqwest::Method::GET,
        &url,
        &[accept],
        b"",
        None,
        Timestamp::now(),
    )?;
    let transport = |source: reqwest::Error| KeystoneError::Transport {
        url: shown_url(url.as_str()),
        // The error's own text would repeat the URL, userinfo and all.
        source: source.without_url(),
    };
    let response = client
        .get(url.clone())
        .header(accept.0, accept.1)
        .headers(signed)
        .send()
        .await
        .map_err(transport)?;
    if !response.status().is_success() {
        return Err(error_from_response(response).await);
    }
    let body = read_iam_body(response, transport).await?;
    parse_projects_response(&body, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::aksk::{self, AkSk, IncomingRequest, SignerVariant};
    use crate::auth::test_server::{Received, client, response, serve};

    fn creds(project: ProjectScope, passcode: Option<&str>) -> PasswordCredentials {
        PasswordCredentials {
            auth_url: "https://iam.eu-de.otc.t-systems.com/v3".into(),
            username: "alice".into(),
            password: SecretString::from("pa55-secret".to_owned()),
            user_domain: "OTC0001".into(),
            project,
            passcode: passcode.map(|p| SecretString::from(p.to_owned())),
        }
    }

    #[test]
    fn body_password_scope_by_id() {
        let body = token_request_body(&creds(ProjectScope::Id("p123".into()), None));
        assert_eq!(
            body,
            json!({"auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": "alice", "password": "pa55-secret", "domain": {"name": "OTC0001"}}}
                },
                "scope": {"project": {"id": "p123"}}
            }})
        );
    }

    #[test]
    fn body_totp_scope_by_name() {
        let body = token_request_body(&creds(
            ProjectScope::Name("eu-de_prod".into()),
            Some("123456"),
        ));
        assert_eq!(
            body["auth"]["identity"]["methods"],
            json!(["password", "totp"])
        );
        assert_eq!(
            body["auth"]["identity"]["totp"],
            json!({"user": {"name": "alice", "domain": {"name": "OTC0001"}, "passcode": "123456"}})
        );
        assert_eq!(
            body["auth"]["scope"],
            json!({"project": {"name": "eu-de_prod", "domain": {"name": "OTC0001"}}})
        );
    }

    #[test]
    fn urls() {
        assert_eq!(
            token_url("https://iam.example.com/v3")
                .expect("url")
                .as_str(),
            "https://iam.example.com/v3/auth/tokens"
        );
        assert_eq!(
            token_url("https://iam.example.com/v3/")
                .expect("url")
                .as_str(),
            "https://iam.example.com/v3/auth/tokens"
        );
        assert_eq!(
            projects_url("http://127.0.0.1:9/v3", "eu-de_a b")
                .expect("url")
                .as_str(),
            "http://127.0.0.1:9/v3/projects?name=eu-de_a+b"
        );
        assert!(token_url("not a url").is_err());
        assert!(token_url("mailto:x@example.com").is_err());
    }

    fn catalog() -> Value {
        json!([
            {"type": "compute", "name": "nova", "endpoints": [
                {"interface": "public", "region": "eu-de", "url": "https://ecs.eu-de.example.com/v2.1/p1"}]},
            {"type": "image", "name": "glance", "endpoints": [
                {"interface": "internal", "region": "eu-de", "url": "https://internal.example.com"},
                {"interface": "public", "region": "eu-nl", "region_id": "eu-nl", "url": "https://ims.eu-nl.example.com/v2/"},
                {"interface": "public", "region": "eu-de", "region_id": "eu-de", "url": "https://ims.eu-de.example.com/v2"}]}
        ])
    }

    fn token_body(catalog: &Value) -> Vec<u8> {
        serde_json::to_vec(&json!({"token": {
            "expires_at": "2025-01-02T03:04:05.000000Z",
            "issued_at": "2025-01-01T03:04:05.000000Z",
            "methods": ["password"],
            "project": {"id": "p1", "name": "eu-de_prod", "domain": {"id": "d1", "name": "OTC0001"}},
            "user": {"id": "u1", "name": "alice"},
            "catalog": catalog
        }}))
        .expect("json")
    }

    #[test]
    fn token_response_is_parsed() {
        let t = parse_token_response(Some("TOKEN-VALUE"), &token_body(&catalog()), Some("eu-de"))
            .expect("parses");
        assert_eq!(t.token.expose_secret(), "TOKEN-VALUE");
        assert_eq!(
            t.expires_at,
            "2025-01-02T03:04:05Z".parse::<Timestamp>().expect("ts")
        );
        assert_eq!(t.project_id, "p1");
        assert_eq!(
            t.ims_endpoint.as_deref(),
            Some("https://ims.eu-de.example.com")
        );

        let nl = parse_token_response(Some("T"), &token_body(&catalog()), Some("eu-nl"))
            .expect("parses");
        assert_eq!(
            nl.ims_endpoint.as_deref(),
            Some("https://ims.eu-nl.example.com")
        );
        let any = parse_token_response(Some("T"), &token_body(&catalog()), None).expect("parses");
        assert_eq!(
            any.ims_endpoint.as_deref(),
            Some("https://ims.eu-nl.example.com")
        );
        let none = parse_token_response(Some("T"), &token_body(&catalog()), Some("eu-ch2"))
            .expect("parses");
        assert_eq!(none.ims_endpoint, None);
        let empty = parse_token_response(Some("T"), &token_body(&json!([])), None).expect("parses");
        assert_eq!(empty.ims_endpoint, None);
    }

    #[test]
    fn every_service_has_its_catalog_entry() {
        let mut entries = catalog().as_array().cloned().expect("an array");
        entries.push(json!({"type": "ecs", "name": "ecs", "endpoints": [
            {"interface": "public", "region": "eu-de", "url": "https://ecs.eu-de.example.com/v1/p1"}]}));
        entries.push(json!({"type": "volumev2", "name": "cinderv2", "endpoints": [
            {"interface": "public", "region": "eu-de", "url": "https://evs.eu-de.example.com/v2/p1"}]}));
        let t = parse_token_response(
            Some("T"),
            &token_body(&Value::Array(entries)),
            Some("eu-de"),
        )
        .expect("parses");
        let found: Vec<(&str, &str)> = t
            .service_endpoints
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        // `ecs` is preferred to `compute`; EVS is found under its OpenStack type; no BMS.
        assert_eq!(
            found,
            [
                ("ecs", "https://ecs.eu-de.example.com"),
                ("evs", "https://evs.eu-de.example.com")
            ]
        );
        let compute_only = endpoint_from_catalog(&catalog(), Service::Ecs, None, "p1");
        assert_eq!(
            compute_only.as_deref(),
            Some("https://ecs.eu-de.example.com")
        );
    }

    #[test]
    fn bad_token_responses_are_typed_errors() {
        let body = token_body(&catalog());
        assert!(matches!(
            parse_token_response(None, &body, None),
            Err(KeystoneError::InvalidResponse(_))
        ));
        assert!(matches!(
            parse_token_response(Some(" "), &body, None),
            Err(KeystoneError::InvalidResponse(_))
        ));
        assert!(matches!(
            parse_token_response(Some("T"), b"<html>", None),
            Err(KeystoneError::InvalidResponse(_))
        ));
        let unscoped = json!({"token": {"expires_at": "2025-01-02T03:04:05Z"}});
        assert!(matches!(
            parse_token_response(Some("T"), unscoped.to_string().as_bytes(), None),
            Err(KeystoneError::InvalidResponse(_))
        ));
        let bad_time = json!({"token": {"expires_at": "tomorrow", "project": {"id": "p"}}});
        assert!(matches!(
            parse_token_response(Some("T"), bad_time.to_string().as_bytes(), None),
            Err(KeystoneError::InvalidResponse(_))
        ));
    }

    #[test]
    fn endpoint_trimming() {
        for (input, expected) in [
            ("https://ims.example.com", "https://ims.example.com"),
            ("https://ims.example.com/", "https://ims.example.com"),
            ("https://ims.example.com/v2", "https://ims.example.com"),
            ("https://ims.example.com/v2/", "https://ims.example.com"),
            ("https://ims.example.com/v2.0", "https://ims.example.com"),
            ("https://ims.example.com/v2/p1", "https://ims.example.com"),
            (
                "https://ims.example.com/v2/$(tenant_id)s",
                "https://ims.example.com",
            ),
            (
                "https://ims.example.com/image/v2",
                "https://ims.example.com/image",
            ),
            ("https://ims.example.com/vpc", "https://ims.example.com/vpc"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ] {
            assert_eq!(trim_endpoint(input, "p1"), expected, "{input}");
        }
    }

    #[test]
    fn error_bodies_of_both_shapes() {
        let keystone = ErrorBody::parse(br#"{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}"#);
        assert_eq!(keystone.code.as_deref(), Some("401"));
        assert_eq!(
            keystone.message.as_deref(),
            Some("The request you have made requires authentication.")
        );
        let gateway = ErrorBody::parse(br#"{"error_code": "APIG.0301", "error_msg": "Incorrect IAM authentication information", "request_id": "r1"}"#);
        assert_eq!(gateway.code.as_deref(), Some("APIG.0301"));
        assert_eq!(
            gateway.message.as_deref(),
            Some("Incorrect IAM authentication information")
        );
        assert_eq!(ErrorBody::parse(b"<html>oops</html>"), ErrorBody::default());
        let err = KeystoneError::BadCredentials {
            code: Some("APIG.0301".into()),
            message: Some("bad".into()),
            request_id: Some("r1".into()),
        };
        assert_eq!(
            err.to_string(),
            "IAM refused the credentials (HTTP 401): APIG.0301 bad (request id r1)"
        );
        let refusal = ApiError::from(err);
        assert!(matches!(refusal, ApiError::Status { status: 401, .. }));
        // The message keeps IAM's own text; that IAM refused is the answerer's to say.
        assert!(refusal.is_iam_refusal() && refusal.is_iam_answer());
        assert_eq!(
            refusal.to_string(),
            "HTTP 401 APIG.0301: IAM refused the credentials: bad (request id r1)"
        );
    }

    #[test]
    fn projects_response() {
        let body = br#"{"projects": [{"id": "x", "name": "eu-de_other"}, {"id": "p9", "name": "eu-de_prod"}]}"#;
        assert_eq!(
            parse_projects_response(body, "eu-de_prod").expect("found"),
            "p9"
        );
        assert!(matches!(
            parse_projects_response(body, "eu-de_nope"),
            Err(KeystoneError::ProjectNotFound(_))
        ));
        assert!(matches!(
            parse_projects_response(b"{}", "eu-de_prod"),
            Err(KeystoneError::InvalidResponse(_))
        ));
    }

    #[test]
    fn debug_redacts_password_and_passcode() {
        let shown = format!("{:?}", creds(ProjectScope::Id("p".into()), Some("998877")));
        assert!(
            !shown.contains("pa55-secret") && !shown.contains("998877"),
            "{shown}"
        );
    }

    async fn one_shot(response: String) -> (String, tokio::task::JoinHandle<Received>) {
        let (base, handle) = serve(vec![response]).await;
        let first =
            tokio::spawn(async move { handle.await.expect("server").pop().expect("one request") });
        (base, first)
    }

    #[tokio::test]
    async fn issue_token_over_http() {
        let body = token_body(&catalog());
        let (base, server) = one_shot(response(
            "201 Created",
            &[
                ("X-Subject-Token", "ISSUED"),
                ("content-type", "application/json"),
            ],
            &body,
        ))
        .await;
        let mut c = creds(ProjectScope::Name("eu-de_prod".into()), None);
        c.auth_url = format!("{base}/v3");
        let token = issue_token(&client(), &c, Some("eu-de"))
            .await
            .expect("token");
        assert_eq!(token.token.expose_secret(), "ISSUED");
        let (head, sent) = server.await.expect("server");
        assert!(head.starts_with("POST /v3/auth/tokens HTTP/1.1"), "{head}");
        let sent: Value = serde_json::from_slice(&sent).expect("json body");
        assert_eq!(sent, token_request_body(&c));
    }

    #[tokio::test]
    async fn issue_token_401_is_bad_credentials() {
        let (base, _server) = one_shot(response(
            "401 Unauthorized",
            &[("X-Request-Id", "req-7")],
            br#"{"error": {"code": 401, "message": "The username or password is wrong."}}"#,
        ))
        .await;
        let mut c = creds(ProjectScope::Id("p1".into()), None);
        c.auth_url = format!("{base}/v3");
        let err = issue_token(&client(), &c, None).await.expect_err("refused");
        assert!(
            matches!(&err, KeystoneError::BadCredentials { request_id: Some(id), .. } if id == "req-7"),
            "{err:?}"
        );
        assert!(!err.to_string().contains("pa55"));
    }

    #[tokio::test]
    async fn issue_token_other_status_keeps_code_and_message() {
        let (base, _server) = one_shot(response(
            "503 Service Unavailable",
            &[],
            br#"{"error_code": "APIG.0201", "error_msg": "Backend unavailable"}"#,
        ))
        .await;
        let mut c = creds(ProjectScope::Id("p1".into()), None);
        c.auth_url = format!("{base}/v3");
        let err = issue_token(&client(), &c, None).await.expect_err("refused");
        match err {
            KeystoneError::Status {
                status,
                code,
                message,
                ..
            } => {
                assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
                assert_eq!(code.as_deref(), Some("APIG.0201"));
                assert_eq!(message.as_deref(), Some("Backend unavailable"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn project_lookup_is_signed_and_verifiable() {
        let (base, server) = one_shot(response(
            "200 OK",
            &[],
            br#"{"projects": [{"id": "p42", "name": "eu-de_prod"}]}"#,
        ))
        .await;
        let signer = Signer::new(AkSk::new("AKLOOKUP", "sk-lookup"), SignerVariant::Derived);
        let id = project_id_by_name(&client(), &format!("{base}/v3"), "eu-de_prod", &signer)
            .await
            .expect("id");
        assert_eq!(id, "p42");

        // Re-parse the raw request and check it with the verifier the simulator uses.
        let (head, body) = server.await.expect("server");
        let mut lines = head.lines();
        let request_line = lines.next().expect("request line");
        let target = request_line.split(' ').nth(1).expect("target");
        let (path, query) = target
            .split_once('?')
            .map_or((target, None), |(p, q)| (p, Some(q)));
        let mut headers = reqwest::header::HeaderMap::new();
        for line in lines {
            let (k, v) = line.split_once(':').expect("header line");
            headers.append(
                reqwest::header::HeaderName::from_bytes(k.trim().as_bytes()).expect("name"),
                reqwest::header::HeaderValue::from_str(v.trim()).expect("value"),
            );
        }
        assert!(!headers.contains_key("x-project-id"));
        let request = IncomingRequest {
            method: "GET",
            path,
            query,
            headers: &headers,
            body: &body,
        };
        let verified = aksk::verify(
            &request,
            |ak| (ak == "AKLOOKUP").then(|| SecretString::from("sk-lookup".to_owned())),
            Timestamp::now(),
        )
        .expect("verifies");
        assert_eq!(verified.access_key, "AKLOOKUP");
    }

    #[tokio::test]
    async fn conversions_keep_exit_codes() {
        use crate::exit::ExitStatus;
        let exit = |error: KeystoneError| ExitStatus::from(&ApiError::from(error));

        // Configuration faults stay usage errors: nothing reached IMS, and retrying is futile.
        let usage = ApiError::from(KeystoneError::InvalidAuthUrl("not a url".into()));
        assert!(!usage.is_transient());
        assert_eq!(usage.to_string(), "invalid IAM auth URL `not a url`");
        assert_eq!(ExitStatus::from(&usage), ExitStatus::Usage);
        assert_eq!(
            exit(KeystoneError::ProjectNotFound("p".into())),
            ExitStatus::Usage
        );

        let refused = |status| KeystoneError::Status {
            status,
            code: None,
            message: None,
            request_id: None,
        };
        assert_eq!(
            exit(KeystoneError::BadCredentials {
                code: None,
                message: None,
                request_id: None,
            }),
            ExitStatus::AuthRefused
        );
        assert_eq!(
            exit(refused(StatusCode::FORBIDDEN)),
            ExitStatus::AuthRefused
        );
        assert_eq!(
            exit(refused(StatusCode::SERVICE_UNAVAILABLE)),
            ExitStatus::Unavailable
        );
        assert_eq!(
            exit(KeystoneError::InvalidResponse("no token".into())),
            ExitStatus::Unavailable
        );

        // A port nobody listens on: connection refused, a network error naming IAM.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/v3", listener.local_addr().expect("addr"));
        drop(listener);
        let source = client().get(&url).send().await.expect_err("refused");
        let network = ApiError::from(KeystoneError::Transport {
            url: url.clone(),
            source,
        });
        let ApiError::Network {
            destination,
            message,
            ..
        } = &network
        else {
            panic!("a network error: {network:?}");
        };
        assert_eq!(destination, &Destination::Iam { url: url.clone() });
        assert_eq!(network.to_string(), format!("IAM at `{url}`: {message}"));
        assert!(network.is_at_iam());
        assert_eq!(ExitStatus::from(&network), ExitStatus::Unavailable);
    }

    #[tokio::test]
    async fn a_tls_failure_at_iam_is_a_tls_error_not_a_panic() {
        use tokio::io::AsyncWriteExt;
        // A plain-HTTP server behind an `https://` URL: the handshake reads garbage.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("https://{}/v3", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let _ = socket
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
        });
        let source = client().get(&url).send().await.expect_err("no TLS");
        let error = ApiError::from(KeystoneError::Transport {
            url: url.clone(),
            source,
        });
        let ApiError::Tls {
            destination,
            message,
            ..
        } = &error
        else {
            panic!("a TLS error: {error:?}");
        };
        assert_eq!(destination, &Destination::Iam { url: url.clone() });
        assert_eq!(error.to_string(), format!("IAM at `{url}`: {message}"));
        assert!(error.is_at_iam());
        server.await.expect("server");
    }
}
