//! The simulator's IAM side: issues Keystone tokens for one simulated user, checks tokens and
//! AK/SK signatures on job requests, and answers the catalog and project lookups.
//!
//! It is independent of the HTTP server: the simulator routes requests here and writes back
//! the [`SimResponse`]. Refusals use the bodies the real services send (Keystone's
//! `{"error": {...}}` for IAM, the API gateway's `{"error_msg", "error_code", "request_id"}`
//! for the services behind it).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::auth::aksk::{self, IncomingRequest, VerifyError};
use crate::auth::session::AUTH_TOKEN_HEADER;
use crate::service::Service;
use crate::sim::endpoints::service_base;

/// The simulated account.
#[derive(Clone)]
pub struct SimIdentity {
    /// The user's domain name.
    pub domain: String,
    /// The user name.
    pub user: String,
    /// The password.
    pub password: SecretString,
    /// When set, the account requires MFA with this passcode.
    pub passcode: Option<SecretString>,
    /// The one project.
    pub project_id: String,
    /// Its name (region prefix included).
    pub project_name: String,
    /// The access key of the user's AK/SK pair.
    pub access_key: String,
    /// The secret key.
    pub secret_key: SecretString,
    /// The region in the catalog.
    pub region: String,
    /// When set, the AK/SK pair is temporary and every signed request must carry this
    /// `X-Security-Token`; when not, any security token is refused.
    pub security_token: Option<SecretString>,
    /// Lifetime of tokens issued through `POST /v3/auth/tokens`.
    pub token_ttl: SignedDuration,
}

impl Default for SimIdentity {
    /// Fixed, documented credentials: the simulator prints them, they protect nothing.
    fn default() -> Self {
        Self {
            domain: "OTC00000000001000000SIM".into(),
            user: "sim-user".into(),
            password: SecretString::from("sim-password".to_owned()),
            passcode: None,
            project_id: "5a1b2c3d4e5f40718293a4b5c6d7e8f9".into(),
            project_name: "eu-de_sim".into(),
            access_key: "SIMACCESSKEY00000000".into(),
            secret_key: SecretString::from("sim-secret-key-0000000000000000000000000".to_owned()),
            region: "eu-de".into(),
            security_token: None,
            token_ttl: SignedDuration::from_hours(24),
        }
    }
}

impl fmt::Debug for SimIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimIdentity")
            .field("domain", &self.domain)
            .field("user", &self.user)
            .field("project_id", &self.project_id)
            .field("project_name", &self.project_name)
            .field("access_key", &self.access_key)
            .field("region", &self.region)
            .field("token_ttl", &self.token_ttl)
            .finish_non_exhaustive()
    }
}

/// An HTTP answer for the simulator to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SimResponse {
    /// Status code.
    pub status: u16,
    /// Extra headers (`content-type: application/json` is implied).
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: Vec<u8>,
}

impl SimResponse {
    fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_string().into_bytes(),
        }
    }

    fn keystone_error(status: u16, title: &str, message: &str) -> Self {
        Self::json(
            status,
            &json!({"error": {"code": status, "title": title, "message": message}}),
        )
    }

    /// The gateway's error body, `error_msg` first as published; the simulator fills in
    /// `request_id` with the id of the answer it sends (the `X-Request-Id` header).
    fn gateway_error(status: u16, code: &str, message: &str) -> Self {
        Self::json(
            status,
            &json!({"error_msg": message, "error_code": code, "request_id": ""}),
        )
    }
}

/// IAM's time format: microseconds, as in the published token answers
/// (`2015-11-09T01:42:57.527363Z`).
fn iam_time(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Who made an accepted request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    /// A token issued by this simulator.
    Token,
    /// An AK/SK signature of the given variant.
    AkSk(aksk::SignerVariant),
}

struct IssuedToken {
    project_id: String,
    expires_at: Timestamp,
}

/// The simulated IAM.
pub(crate) struct SimIam {
    identity: SimIdentity,
    /// The scenario's fixed token: valid for its project whatever expires.
    fixed_token: Option<String>,
    tokens: Mutex<HashMap<String, IssuedToken>>,
    token_requests: AtomicUsize,
    auth_failures: AtomicUsize,
}

impl fmt::Debug for SimIam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimIam")
            .field("identity", &self.identity)
            .field("token_requests", &self.token_requests)
            .finish_non_exhaustive()
    }
}

impl SimIam {
    /// An IAM for `identity`, with no tokens yet.
    pub(crate) fn new(identity: SimIdentity) -> Self {
        Self {
            identity,
            fixed_token: None,
            tokens: Mutex::new(HashMap::new()),
            token_requests: AtomicUsize::new(0),
            auth_failures: AtomicUsize::new(0),
        }
    }

    /// Also accepts `token` (the scenario's `token`) for the identity's project, for ever.
    #[must_use]
    pub(crate) fn with_fixed_token(mut self, token: &str) -> Self {
        self.fixed_token = Some(token.to_owned());
        self
    }

    #[cfg(test)]
    /// The simulated account.
    pub(crate) fn identity(&self) -> &SimIdentity {
        &self.identity
    }

    #[cfg(test)]
    /// How many `POST /v3/auth/tokens` calls were received (accepted or not).
    pub(crate) fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    /// How many requests were refused with 401.
    pub(crate) fn auth_failures(&self) -> usize {
        self.auth_failures.load(Ordering::Relaxed)
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, IssuedToken>> {
        // A panic while holding the lock cannot leave the map inconsistent: keep going.
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Issues a token valid for `ttl` (the start-up `OS_AUTH_TOKEN` export uses this).
    pub(crate) fn issue_token(
        &self,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> (SecretString, Timestamp) {
        let token = format!(
            "MIIsim{:032x}{:032x}",
            fastrand::u128(..),
            fastrand::u128(..)
        );
        let expires_at = now + ttl;
        self.tokens().insert(
            token.clone(),
            IssuedToken {
                project_id: self.identity.project_id.clone(),
                expires_at,
            },
        );
        (SecretString::from(token), expires_at)
    }

    /// Makes every token issued so far invalid (the "token expiry" fault).
    pub(crate) fn expire_tokens(&self) {
        self.tokens().clear();
    }

    /// `POST /v3/auth/tokens`. `base_url` is the simulator's own address (no trailing slash);
    /// the catalog points IMS and IAM at it.
    pub(crate) fn handle_token_request(
        &self,
        body: &[u8],
        base_url: &str,
        now: Timestamp,
    ) -> SimResponse {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
        let Ok(request) = serde_json::from_slice::<Value>(body) else {
            return SimResponse::keystone_error(
                400,
                "Bad Request",
                "The request body is not JSON.",
            );
        };
        let identity = &request["auth"]["identity"];
        let methods: Vec<&str> = identity["methods"]
            .as_array()
            .map(|m| m.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !methods.contains(&"password") {
            return SimResponse::keystone_error(
                400,
                "Bad Request",
                "Only the password method is simulated.",
            );
        }
        let id = &self.identity;
        let user = &identity["password"]["user"];
        let password_ok = user["name"].as_str() == Some(id.user.as_str())
            && user["domain"]["name"].as_str() == Some(id.domain.as_str())
            && user["password"].as_str() == Some(id.password.expose_secret());
        let passcode_ok = match &id.passcode {
            None => true,
            Some(expected) => {
                methods.contains(&"totp")
                    && identity["totp"]["user"]["passcode"].as_str()
                        == Some(expected.expose_secret())
            }
        };
        if !password_ok || !passcode_ok {
            self.auth_failures.fetch_add(1, Ordering::Relaxed);
            return SimResponse::keystone_error(
                401,
                "Unauthorized",
                "The username or password is wrong.",
            );
        }
        let project = &request["auth"]["scope"]["project"];
        let scope_ok = match (project["id"].as_str(), project["name"].as_str()) {
            (Some(pid), _) => pid == id.project_id,
            (None, Some(name)) => {
                name == id.project_name && project["domain"]["name"].as_str() == Some(&id.domain)
            }
            (None, None) => false,
        };
        if !scope_ok {
            self.auth_failures.fetch_add(1, Ordering::Relaxed);
            return SimResponse::keystone_error(
                401,
                "Unauthorized",
                "The project in the scope does not exist or is not accessible.",
            );
        }

        let (token, expires_at) = self.issue_token(now, id.token_ttl);
        let body = json!({"token": {
            "methods": methods,
            "expires_at": iam_time(expires_at),
            "issued_at": iam_time(now),
            "user": {"id": "sim-user-id", "name": id.user, "domain": {"id": "sim-domain-id", "name": id.domain}},
            "project": {"id": id.project_id, "name": id.project_name, "domain": {"id": "sim-domain-id", "name": id.domain}},
            "catalog": catalog(base_url, &id.region, &id.project_id),
            "roles": [{"name": "te_admin", "id": "sim-role-te-admin"}],
        }});
        let mut response = SimResponse::json(201, &body);
        response
            .headers
            .push(("X-Subject-Token".into(), token.expose_secret().to_owned()));
        response
    }

    /// Checks the authentication of a job request for `project_id`: a token issued here (or
    /// the scenario's), an AK/SK signature of either variant, or both, each of which must
    /// hold. The `Err` is the response to send.
    pub(crate) fn authenticate(
        &self,
        request: &IncomingRequest<'_>,
        project_id: &str,
        now: Timestamp,
    ) -> Result<Principal, SimResponse> {
        // Texts of the gateway's published 401 answers (api-gateway docs, "Common Errors
        // Related to IAM Authentication Information"; see tests/fixtures/published/SOURCES.md).
        let refuse = |message: &str| {
            self.auth_failures.fetch_add(1, Ordering::Relaxed);
            SimResponse::gateway_error(
                401,
                "APIGW.0301",
                &format!("Incorrect IAM authentication information: {message}"),
            )
        };
        // What IMS answers a token of another project is unpublished: the gateway table's
        // 0302 with its own wording is a guess (README, "The simulator").
        let forbidden = || {
            SimResponse::gateway_error(
                403,
                "APIGW.0302",
                "The IAM user is not authorized to access the API.",
            )
        };

        // A signature is checked whenever one is present, a token beside it or not: the
        // gateway does not let a valid token excuse a wrong signature.
        let signed = request.headers.contains_key("authorization");
        let mut principal = None;
        if signed {
            let verified = aksk::verify(
                request,
                |ak| (ak == self.identity.access_key).then(|| self.identity.secret_key.clone()),
                now,
            )
            .map_err(|e| refuse(&verify_message(&e)))?;
            let presented = request
                .headers
                .get("x-security-token")
                .and_then(|v| v.to_str().ok());
            let expected = self.identity.security_token.as_ref();
            if presented != expected.map(ExposeSecret::expose_secret) {
                return Err(refuse(if presented.is_some() {
                    "invalid security token"
                } else {
                    "the security token is missing"
                }));
            }
            let header_project = request
                .headers
                .get(aksk::PROJECT_ID_HEADER)
                .and_then(|v| v.to_str().ok());
            if header_project.is_some_and(|p| p != project_id)
                || project_id != self.identity.project_id
            {
                return Err(forbidden());
            }
            principal = Some(Principal::AkSk(verified.variant));
        }
        if let Some(token) = request.headers.get(AUTH_TOKEN_HEADER) {
            let token = token.to_str().unwrap_or_default();
            if self.fixed_token.as_deref() == Some(token) {
                if project_id != self.identity.project_id {
                    return Err(forbidden());
                }
                return Ok(principal.unwrap_or(Principal::Token));
            }
            let tokens = self.tokens();
            let Some(issued) = tokens.get(token).filter(|t| now < t.expires_at) else {
                return Err(refuse("decrypt token fail"));
            };
            if issued.project_id != project_id {
                return Err(forbidden());
            }
            return Ok(principal.unwrap_or(Principal::Token));
        }
        principal.ok_or_else(|| refuse("x-auth-token not found"))
    }

    /// The answer to an IAM call made with a token, such as `GET /v3/auth/catalog`: its
    /// refusal unless the token was issued here and is still valid, else `200` with the body
    /// `answer` makes from the identity.
    fn answer_iam_call(
        &self,
        request: &IncomingRequest<'_>,
        now: Timestamp,
        answer: impl FnOnce(&SimIdentity) -> Value,
    ) -> SimResponse {
        match self.authenticate(request, &self.identity.project_id, now) {
            // A domain-level call has no project to mismatch; only a refusal counts.
            Err(response) if response.status == 401 => response,
            _ => SimResponse::json(200, &answer(&self.identity)),
        }
    }

    /// `GET /v3/auth/catalog`: the catalog of the caller's token (IAM "Querying the Service
    /// Catalog"), also what AK/SK clients ask to find a service's endpoint.
    pub(crate) fn handle_catalog(
        &self,
        request: &IncomingRequest<'_>,
        base_url: &str,
        now: Timestamp,
    ) -> SimResponse {
        self.answer_iam_call(request, now, |id| {
            json!({
                "catalog": catalog(base_url, &id.region, &id.project_id),
                "links": {"self": format!("{base_url}/v3/auth/catalog")},
            })
        })
    }

    /// `GET /v3/auth/projects`: the projects the caller may scope to.
    pub(crate) fn handle_auth_projects(
        &self,
        request: &IncomingRequest<'_>,
        base_url: &str,
        now: Timestamp,
    ) -> SimResponse {
        self.answer_iam_call(request, now, |id| {
            json!({
                "projects": [{"id": id.project_id, "name": id.project_name, "domain_id": "sim-domain-id",
                    "enabled": true, "is_domain": false, "parent_id": "sim-domain-id", "description": "",
                    "links": {"self": format!("{base_url}/v3/projects/{}", id.project_id)}}],
                "links": {"self": format!("{base_url}/v3/auth/projects"), "previous": null, "next": null},
            })
        })
    }

    /// `GET /v3/projects?name=…`, authenticated like IMS requests but without a project.
    pub(crate) fn handle_projects(
        &self,
        request: &IncomingRequest<'_>,
        now: Timestamp,
    ) -> SimResponse {
        let wanted = request.query.unwrap_or("").split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == "name").then(|| {
                percent_encoding::percent_decode_str(&v.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            })
        });
        self.answer_iam_call(request, now, |id| {
            let projects: Vec<Value> = if wanted.as_deref().is_none_or(|w| w == id.project_name) {
                vec![
                    json!({"id": id.project_id, "name": id.project_name, "domain_id": "sim-domain-id", "enabled": true}),
                ]
            } else {
                Vec::new()
            };
            json!({"projects": projects, "links": {"self": null}})
        })
    }

    /// The `export` lines a user needs for each way of authenticating against a simulator at
    /// `base_url`: `(method, [(variable, value)])`. The token one issues a fresh 24 h token.
    pub(crate) fn exports(
        &self,
        base_url: &str,
        now: Timestamp,
    ) -> Vec<(&'static str, Vec<(String, String)>)> {
        let id = &self.identity;
        let (token, _) = self.issue_token(now, SignedDuration::from_hours(24));
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        vec![
            (
                "token",
                vec![
                    pair("IMSJOB_ENDPOINT", base_url),
                    pair("OS_PROJECT_ID", &id.project_id),
                    pair("OS_AUTH_TOKEN", token.expose_secret()),
                ],
            ),
            (
                "AK/SK",
                vec![
                    pair("IMSJOB_ENDPOINT", base_url),
                    pair("OS_PROJECT_ID", &id.project_id),
                    pair("OS_ACCESS_KEY", &id.access_key),
                    pair("OS_SECRET_KEY", id.secret_key.expose_secret()),
                ],
            ),
            (
                "password",
                vec![
                    pair("OS_AUTH_URL", &format!("{base_url}/v3")),
                    pair("OS_USERNAME", &id.user),
                    pair("OS_PASSWORD", id.password.expose_secret()),
                    pair("OS_USER_DOMAIN_NAME", &id.domain),
                    pair("OS_PROJECT_NAME", &id.project_name),
                    // keystoneauth scopes a project name only with its domain; without it
                    // IAM answers "the project in the scope does not exist".
                    pair("OS_PROJECT_DOMAIN_NAME", &id.domain),
                    pair("OS_REGION_NAME", &id.region),
                ],
            ),
        ]
    }
}

/// The token's service catalog: every service points at the simulator itself, under the
/// types OTC's catalog uses, each service under its own path prefix (IMS at the root, ECS
/// under `/ecs`, EVS under `/evs`, BMS under `/bms`) so that each endpoint knows only its own
/// service's jobs, as on the cloud. IMS (`image`) and IAM (`identity`, region `*` as IAM
/// publishes it: it is global) are listed without a project suffix; the ECS (`ecs`,
/// `compute`), EVS (`evs`, `volumev2`) and BMS (`bms`) URLs carry their API version and the
/// project id, as OpenStack-style catalogs do.
fn catalog(base_url: &str, region: &str, project_id: &str) -> Value {
    let ecs = service_base(base_url, Service::Ecs);
    let evs = service_base(base_url, Service::Evs);
    let bms = service_base(base_url, Service::Bms);
    let entries: [(&str, &str, &str, String); 7] = [
        ("identity", "iam", "*", format!("{base_url}/v3")),
        ("image", "glance", region, base_url.to_owned()),
        ("ecs", "ecs", region, format!("{ecs}/v1/{project_id}")),
        (
            "compute",
            "nova",
            region,
            format!("{ecs}/v2.1/{project_id}"),
        ),
        ("evs", "evs", region, format!("{evs}/v2/{project_id}")),
        (
            "volumev2",
            "cinderv2",
            region,
            format!("{evs}/v2/{project_id}"),
        ),
        ("bms", "bms", region, format!("{bms}/v1/{project_id}")),
    ];
    Value::Array(
        entries
            .into_iter()
            .map(|(kind, name, region, url)| {
                json!({"type": kind, "name": name, "id": format!("sim-{name}"), "endpoints": [
                    {"id": format!("sim-{name}-public"), "interface": "public", "region": region, "region_id": region, "url": url}]})
            })
            .collect(),
    )
}

fn verify_message(error: &VerifyError) -> String {
    match error {
        VerifyError::UnknownKey(ak) => format!("Get secretKey failed,ak:{ak},err:ak not exist"),
        VerifyError::BadSignature(_) => "verify aksk signature fail".into(),
        VerifyError::DateSkew { .. } => "X-Sdk-Date is more than 15 minutes off".into(),
        VerifyError::Malformed(reason) => reason.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::aksk::{AkSk, Signer, SignerVariant};
    use crate::auth::keystone::{self, PasswordCredentials, ProjectScope};
    use reqwest::header::{HeaderMap, HeaderValue};

    const BASE: &str = "http://127.0.0.1:4000";

    fn now() -> Timestamp {
        "2025-03-01T12:00:00Z".parse().expect("ts")
    }

    fn creds(iam: &SimIam, password: &str, project: ProjectScope) -> PasswordCredentials {
        PasswordCredentials {
            auth_url: format!("{BASE}/v3"),
            username: iam.identity().user.clone(),
            password: SecretString::from(password.to_owned()),
            user_domain: iam.identity().domain.clone(),
            project,
            passcode: None,
        }
    }

    fn token_call(iam: &SimIam, creds: &PasswordCredentials) -> SimResponse {
        let body = keystone::token_request_body(creds).to_string();
        iam.handle_token_request(body.as_bytes(), BASE, now())
    }

    fn ims_request(headers: &HeaderMap) -> IncomingRequest<'_> {
        IncomingRequest {
            method: "GET",
            path: "/v1/5a1b2c3d4e5f40718293a4b5c6d7e8f9/jobs/abc",
            query: None,
            headers,
            body: b"",
        }
    }

    #[test]
    fn password_token_round_trip_through_the_real_parser() {
        let iam = SimIam::new(SimIdentity::default());
        let pid = iam.identity().project_id.clone();
        for scope in [
            ProjectScope::Id(pid.clone()),
            ProjectScope::Name("eu-de_sim".into()),
        ] {
            let response = token_call(&iam, &creds(&iam, "sim-password", scope));
            assert_eq!(response.status, 201);
            let subject = response
                .headers
                .iter()
                .find(|(k, _)| k == "X-Subject-Token")
                .map(|(_, v)| v.as_str());
            let token = keystone::parse_token_response(subject, &response.body, Some("eu-de"))
                .expect("parses");
            assert_eq!(token.project_id, pid);
            assert_eq!(token.ims_endpoint.as_deref(), Some(BASE));

            let mut headers = HeaderMap::new();
            headers.insert(
                AUTH_TOKEN_HEADER,
                HeaderValue::from_str(token.token.expose_secret()).expect("ascii"),
            );
            assert_eq!(
                iam.authenticate(&ims_request(&headers), &pid, now()),
                Ok(Principal::Token)
            );
            assert_eq!(
                iam.authenticate(&ims_request(&headers), "other", now())
                    .expect_err("other project")
                    .status,
                403
            );
        }
        assert_eq!(iam.token_requests(), 2);
    }

    #[test]
    fn wrong_password_domain_passcode_or_scope_is_401() {
        let iam = SimIam::new(SimIdentity {
            passcode: Some(SecretString::from("123456".to_owned())),
            ..SimIdentity::default()
        });
        let pid = iam.identity().project_id.clone();
        let mut good = creds(&iam, "sim-password", ProjectScope::Id(pid.clone()));
        assert_eq!(token_call(&iam, &good).status, 401, "passcode missing");
        good.passcode = Some(SecretString::from("123456".to_owned()));
        assert_eq!(token_call(&iam, &good).status, 201);

        let mut bad = good.clone();
        bad.password = SecretString::from("nope".to_owned());
        assert_eq!(token_call(&iam, &bad).status, 401);
        let mut bad = good.clone();
        bad.user_domain = "other".into();
        assert_eq!(token_call(&iam, &bad).status, 401);
        let mut bad = good.clone();
        bad.passcode = Some(SecretString::from("000000".to_owned()));
        assert_eq!(token_call(&iam, &bad).status, 401);
        let mut bad = good;
        bad.project = ProjectScope::Name("eu-de_other".into());
        let response = token_call(&iam, &bad);
        assert_eq!(response.status, 401);
        assert_eq!(
            crate::api::error::ErrorBody::parse(&response.body)
                .code
                .as_deref(),
            Some("401")
        );
        assert_eq!(iam.handle_token_request(b"{", BASE, now()).status, 400);
    }

    #[test]
    fn expired_or_unknown_tokens_are_refused() {
        let iam = SimIam::new(SimIdentity::default());
        let pid = iam.identity().project_id.clone();
        let (token, expires) = iam.issue_token(now(), SignedDuration::from_mins(10));
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTH_TOKEN_HEADER,
            HeaderValue::from_str(token.expose_secret()).expect("ascii"),
        );
        assert!(
            iam.authenticate(&ims_request(&headers), &pid, now())
                .is_ok()
        );
        let refused = iam
            .authenticate(&ims_request(&headers), &pid, expires)
            .expect_err("expired");
        assert_eq!(refused.status, 401);
        assert_eq!(
            crate::api::error::ErrorBody::parse(&refused.body)
                .code
                .as_deref(),
            Some("APIGW.0301")
        );
        iam.expire_tokens();
        assert!(
            iam.authenticate(&ims_request(&headers), &pid, now())
                .is_err()
        );
        assert!(
            iam.authenticate(&ims_request(&HeaderMap::new()), &pid, now())
                .is_err()
        );
        assert_eq!(iam.auth_failures(), 3);
    }

    fn signed(iam: &SimIam, sk: &str, variant: SignerVariant) -> HeaderMap {
        let id = iam.identity();
        let url =
            reqwest::Url::parse(&format!("{BASE}/v1/{}/jobs/abc", id.project_id)).expect("url");
        let signer = Signer::new(AkSk::new(id.access_key.clone(), sk), variant);
        let mut headers = signer
            .sign(
                &reqwest::Method::GET,
                &url,
                &[],
                b"",
                Some(&id.project_id),
                now(),
            )
            .expect("signs");
        headers.insert("host", HeaderValue::from_static("127.0.0.1:4000"));
        headers
    }

    #[test]
    fn aksk_both_variants_accepted_and_wrong_secret_refused() {
        let iam = SimIam::new(SimIdentity::default());
        let pid = iam.identity().project_id.clone();
        let sk = iam.identity().secret_key.expose_secret().to_owned();
        for variant in [SignerVariant::Plain, SignerVariant::Derived] {
            let headers = signed(&iam, &sk, variant);
            assert_eq!(
                iam.authenticate(&ims_request(&headers), &pid, now()),
                Ok(Principal::AkSk(variant))
            );
            let headers = signed(&iam, "wrong-secret", variant);
            let refused = iam
                .authenticate(&ims_request(&headers), &pid, now())
                .expect_err("wrong secret");
            assert_eq!(refused.status, 401);
            assert!(!String::from_utf8_lossy(&refused.body).contains("wrong-secret"));
        }
    }

    #[test]
    fn a_valid_token_does_not_excuse_a_wrong_signature() {
        let iam = SimIam::new(SimIdentity::default()).with_fixed_token("fixed");
        let pid = iam.identity().project_id.clone();
        let mut headers = signed(&iam, "wrong-secret", SignerVariant::Derived);
        headers.insert(AUTH_TOKEN_HEADER, HeaderValue::from_static("fixed"));
        let refused = iam
            .authenticate(&ims_request(&headers), &pid, now())
            .expect_err("the signature is checked");
        let body: Value = serde_json::from_slice(&refused.body).expect("JSON");
        assert_eq!(body["error_code"], "APIGW.0301");
        assert_eq!(
            body["error_msg"],
            "Incorrect IAM authentication information: verify aksk signature fail"
        );
        // The gateway writes `error_msg` first.
        assert!(String::from_utf8_lossy(&refused.body).starts_with(r#"{"error_msg":"#));

        let mut alone = HeaderMap::new();
        alone.insert(AUTH_TOKEN_HEADER, HeaderValue::from_static("fixed"));
        assert_eq!(
            iam.authenticate(&ims_request(&alone), &pid, now()),
            Ok(Principal::Token)
        );
        let none = HeaderMap::new();
        let refused = iam
            .authenticate(&ims_request(&none), &pid, now())
            .expect_err("no credentials");
        assert!(String::from_utf8_lossy(&refused.body).contains("x-auth-token not found"));
    }

    #[test]
    fn an_unknown_access_key_is_named_as_the_gateway_does() {
        let mut identity = SimIdentity::default();
        let pid = identity.project_id.clone();
        let iam = SimIam::new(identity.clone());
        identity.access_key = "OTHERKEY".into();
        let stranger = SimIam::new(identity);
        let headers = signed(&stranger, "any-secret", SignerVariant::Derived);
        let refused = iam
            .authenticate(&ims_request(&headers), &pid, now())
            .expect_err("unknown key");
        let body: Value = serde_json::from_slice(&refused.body).expect("JSON");
        assert_eq!(
            body["error_msg"],
            "Incorrect IAM authentication information: Get secretKey failed,ak:OTHERKEY,err:ak not exist"
        );
    }

    #[test]
    fn token_answers_have_microseconds_roles_and_a_global_iam() {
        let iam = SimIam::new(SimIdentity::default());
        let pid = iam.identity().project_id.clone();
        let response = token_call(&iam, &creds(&iam, "sim-password", ProjectScope::Id(pid)));
        let body: Value = serde_json::from_slice(&response.body).expect("JSON");
        let token = &body["token"];
        for key in ["expires_at", "issued_at"] {
            let time = token[key].as_str().expect("a time");
            let fraction = time
                .split_once('.')
                .and_then(|(_, f)| f.strip_suffix('Z'))
                .expect("fractional seconds");
            assert_eq!(fraction.len(), 6, "{time}");
        }
        assert!(token["roles"].as_array().is_some_and(|r| !r.is_empty()));
        let identity = token["catalog"]
            .as_array()
            .expect("catalog")
            .iter()
            .find(|e| e["type"] == "identity")
            .expect("identity");
        assert_eq!(identity["endpoints"][0]["region"], "*");
        let ecs = token["catalog"]
            .as_array()
            .expect("catalog")
            .iter()
            .find(|e| e["type"] == "ecs")
            .expect("ecs");
        assert!(
            ecs["endpoints"][0]["url"]
                .as_str()
                .is_some_and(|u| u.starts_with(&format!("{BASE}/ecs/v1/"))),
            "{ecs}"
        );
    }

    #[test]
    fn projects_lookup() {
        let iam = SimIam::new(SimIdentity::default());
        let id = iam.identity().clone();
        let url = reqwest::Url::parse(&format!("{BASE}/v3/projects?name=eu-de_sim")).expect("url");
        let signer = Signer::new(
            AkSk::new(id.access_key.clone(), id.secret_key.expose_secret()),
            SignerVariant::Derived,
        );
        let mut headers = signer
            .sign(&reqwest::Method::GET, &url, &[], b"", None, now())
            .expect("signs");
        headers.insert("host", HeaderValue::from_static("127.0.0.1:4000"));
        let request = IncomingRequest {
            method: "GET",
            path: "/v3/projects",
            query: url.query(),
            headers: &headers,
            body: b"",
        };
        let response = iam.handle_projects(&request, now());
        assert_eq!(response.status, 200);
        assert_eq!(
            keystone::parse_projects_response(&response.body, "eu-de_sim").expect("found"),
            id.project_id
        );
        let unsigned = HeaderMap::new();
        let request = IncomingRequest {
            headers: &unsigned,
            ..request
        };
        assert_eq!(iam.handle_projects(&request, now()).status, 401);
    }

    #[test]
    fn exports_cover_each_method() {
        let iam = SimIam::new(SimIdentity::default());
        let exports = iam.exports(BASE, now());
        let names: Vec<&str> = exports.iter().map(|(m, _)| *m).collect();
        assert_eq!(names, ["token", "AK/SK", "password"]);
        let token = &exports[0].1;
        assert!(token.iter().any(|(k, _)| k == "OS_AUTH_TOKEN"));
        assert!(format!("{iam:?}").contains("SimIam"));
        assert!(!format!("{iam:?}").contains("sim-password"));
    }
}
