//! Which credentials to use: flags, environment and `clouds.yaml` merged field by field
//! (flag > environment > clouds.yaml), then the first configured method wins — token, then
//! AK/SK, then password (doc/contract.md, "Authentication").
//!
//! No I/O: the environment is passed in as a lookup function, so tests need no process state.

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

pub(crate) use super::fields::AuthInputs;
use crate::auth::aksk::{AkSk, Signer, SignerVariant};
use crate::auth::keystone::{PasswordCredentials, ProjectScope};

/// The region used when nothing else names one.
pub(crate) const DEFAULT_REGION: &str = "eu-de";

fn truthy(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

impl AuthInputs {
    /// Reads the OpenStack/OTC variables through `var` (use `|k| std::env::var(k).ok()` for
    /// the real environment). Empty values count as unset.
    pub(crate) fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Self, ResolveError> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let insecure = match get("OS_INSECURE") {
            None => None,
            Some(v) => Some(truthy(&v).ok_or(ResolveError::InvalidValue {
                variable: "OS_INSECURE",
                expected: "one of `1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off`",
            })?),
        };
        Ok(Self::from_vars(get, insecure))
    }
}

/// A configuration problem: usage error, exit 2, nothing sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ResolveError {
    /// Nothing configured at all.
    #[error(
        "no credentials configured; set `OS_AUTH_TOKEN` (with `OS_PROJECT_ID`), or `OS_ACCESS_KEY` and `OS_SECRET_KEY` (with `OS_PROJECT_ID` or `OS_PROJECT_NAME`), or `OS_AUTH_URL`, `OS_USERNAME`, `OS_PASSWORD`, `OS_USER_DOMAIN_NAME` and `OS_PROJECT_ID` or `OS_PROJECT_NAME`, or select a `clouds.yaml` entry with `--cloud`/`OS_CLOUD`"
    )]
    NoCredentials,
    /// A method is partly configured.
    #[error("{method} authentication is incomplete: set {}", missing.iter().map(|m| quote_each(m)).collect::<Vec<_>>().join(", "))]
    Incomplete {
        /// `token`, `AK/SK` or `password`.
        method: &'static str,
        /// What is still needed: each entry a variable, or variables of which any one will do.
        missing: Vec<&'static [&'static str]>,
    },
    /// A region, or the region prefix of a project name, that is no region name: it would
    /// become part of an endpoint's host name (the value is not repeated).
    #[error(
        "{origin} must be a region name such as `eu-de` (lower-case letters, digits and `-`): it becomes part of the endpoint's host name"
    )]
    InvalidRegion {
        /// Where the value came from: a flag, a variable or a `clouds.yaml` key.
        origin: String,
    },
    /// A variable has a value that cannot be understood (the value is not repeated: it may
    /// be secret).
    #[error("`{variable}` must be {expected}")]
    InvalidValue {
        /// The variable.
        variable: &'static str,
        /// What is accepted.
        expected: &'static str,
    },
}

/// How requests will be authenticated.
#[derive(Debug, Clone)]
pub(crate) enum AuthMethod {
    /// A ready token sent as `X-Auth-Token`; never refreshed.
    Token(SecretString),
    /// AK/SK-signed requests; a 401 is never retried.
    AkSk {
        /// The signer.
        signer: Signer,
        /// IAM endpoint for the project-name lookup (given, or derived from the region).
        auth_url: String,
    },
    /// Project-scoped IAM tokens obtained with a password, cached and refreshed.
    Password(PasswordCredentials),
}

impl AuthMethod {
    /// The kind of credentials, for hints.
    #[must_use]
    pub(crate) fn kind(&self) -> crate::api::credentials::AuthKind {
        use crate::api::credentials::AuthKind;
        match self {
            Self::Token(_) => AuthKind::Token,
            Self::AkSk { .. } => AuthKind::AkSk,
            Self::Password(_) => AuthKind::Password,
        }
    }

    /// Whether IAM issues the tokens (password): only those are cached and renewed.
    #[must_use]
    pub(crate) fn issues_tokens(&self) -> bool {
        matches!(self, Self::Password(_))
    }

    /// A short description for `-v` logs and errors; never includes a secret.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Token(_) => "token (`OS_AUTH_TOKEN`)".to_owned(),
            Self::AkSk { signer, .. } => format!(
                "AK/SK (access key `{}`, {} signer)",
                signer.credentials.access_key, signer.variant
            ),
            Self::Password(c) => format!(
                "password (user `{}` in domain `{}`, project `{}`)",
                c.username,
                c.user_domain,
                c.project.as_str()
            ),
        }
    }
}

/// The outcome of credential resolution.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedAuth {
    /// How to authenticate.
    pub method: AuthMethod,
    /// The project id, when configured (password and AK/SK can find it from a name).
    pub project_id: Option<String>,
    /// The project name, when configured.
    pub project_name: Option<String>,
    /// The region: configured, else the project-name prefix, else [`DEFAULT_REGION`].
    pub region: String,
    /// Extra CA bundle.
    pub cacert: Option<PathBuf>,
    /// Skip TLS verification (the caller warns on stderr).
    pub insecure: bool,
}

/// The region implied by an OTC project name (`eu-de_myproject` → `eu-de`).
pub(crate) fn region_from_project_name(name: &str) -> Option<&str> {
    name.split_once('_')
        .map(|(prefix, _)| prefix)
        .filter(|p| !p.is_empty())
}

/// Whether `text` can stand as a region in a host name (`ims.{region}.otc.t-systems.com`):
/// lower-case letters, digits and `-` only. Anything else (`evil.example/`, `x@host:port/`)
/// would move the request, and the token with it, to another host.
pub(crate) fn is_region_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The project, by id or by name: either variable will do.
const PROJECT_VARS: &[&str] = &["OS_PROJECT_ID", "OS_PROJECT_NAME"];

/// Alternatives as `` `A` or `B` ``: each variable quoted on its own, so it can be copied
/// whole.
fn quote_each(alternatives: &[&str]) -> String {
    alternatives
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// One layer of settings (flags, environment, a `clouds.yaml` entry) with the names its
/// region and project name go by, for messages.
pub(crate) struct NamedLayer<'a> {
    pub inputs: &'a AuthInputs,
    pub region: String,
    pub project_name: String,
}

/// Checks the region the layers (highest first) will resolve to, naming where it came from:
/// the first region set, else the prefix of the first project name set.
///
/// # Errors
/// [`ResolveError::InvalidRegion`] naming the flag, variable or file key.
pub(crate) fn check_region(layers: &[NamedLayer<'_>]) -> Result<(), ResolveError> {
    let invalid = |origin: &str| ResolveError::InvalidRegion {
        origin: origin.to_owned(),
    };
    if let Some(layer) = layers.iter().find(|l| l.inputs.region.is_some()) {
        let region = layer.inputs.region.as_deref().unwrap_or_default();
        return if is_region_name(region) {
            Ok(())
        } else {
            Err(invalid(&layer.region))
        };
    }
    let Some(layer) = layers.iter().find(|l| l.inputs.project_name.is_some()) else {
        return Ok(());
    };
    match layer
        .inputs
        .project_name
        .as_deref()
        .and_then(region_from_project_name)
    {
        Some(prefix) if !is_region_name(prefix) => Err(invalid(&format!(
            "the prefix before `_` of {} (taken as the region when none is set)",
            layer.project_name
        ))),
        _ => Ok(()),
    }
}

/// The domain suffix of a region's public endpoints (the Swiss region lives apart).
fn region_domain(region: &str) -> String {
    if region == "eu-ch2" {
        format!("{region}.sc.otc.t-systems.com")
    } else {
        format!("{region}.otc.t-systems.com")
    }
}

/// The public IAM endpoint of a region (Swiss IAM is `iam-pub`).
pub(crate) fn default_auth_url(region: &str) -> String {
    if region == "eu-ch2" {
        format!("https://iam-pub.{}/v3", region_domain(region))
    } else {
        format!("https://iam.{}/v3", region_domain(region))
    }
}

/// `OS_AUTH_URL` with the identity API's version appended when its path names none
/// (`https://iam.eu-de.otc.t-systems.com` → `…/v3`), as keystoneauth accepts both; `None`
/// when the URL already has a version segment (`/v3`, `/v3.0`) or is no URL at all (refused
/// later, with its own message).
#[must_use]
pub(crate) fn with_identity_version(auth_url: &str) -> Option<String> {
    let mut url = reqwest::Url::parse(auth_url.trim()).ok()?;
    let is_version = |segment: &str| {
        segment.strip_prefix('v').is_some_and(|number| {
            !number.is_empty()
                && number
                    .split('.')
                    .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    if url.cannot_be_a_base() || url.path_segments()?.any(is_version) {
        return None;
    }
    url.path_segments_mut().ok()?.pop_if_empty().push("v3");
    Some(url.to_string())
}

/// Refuses a value no HTTP header can carry unchanged (a line break, any control character,
/// non-ASCII), naming the variable but never showing the value.
fn header_safe(variable: &'static str, value: &str) -> Result<(), ResolveError> {
    if value.bytes().all(|b| (0x20..0x7f).contains(&b))
        && reqwest::header::HeaderValue::from_str(value).is_ok()
    {
        return Ok(());
    }
    Err(ResolveError::InvalidValue {
        variable,
        expected: "printable ASCII without line breaks",
    })
}

/// Picks the authentication method from merged inputs.
pub(crate) fn resolve(
    inputs: AuthInputs,
    variant: SignerVariant,
) -> Result<ResolvedAuth, ResolveError> {
    let region = inputs
        .region
        .clone()
        .or_else(|| {
            inputs
                .project_name
                .as_deref()
                .and_then(region_from_project_name)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    // Callers name the source first (see [`check_region`]); this keeps any other path from
    // building a host out of an unchecked value.
    if !is_region_name(&region) {
        return Err(ResolveError::InvalidRegion {
            origin: "the region (`--region` / `OS_REGION_NAME` / `region_name`, else the `OS_PROJECT_NAME` prefix)".to_owned(),
        });
    }
    let has_project = inputs.project_id.is_some() || inputs.project_name.is_some();

    let method = if let Some(token) = inputs.token {
        if inputs.project_id.is_none() {
            return Err(ResolveError::Incomplete {
                method: "token",
                missing: vec![&["OS_PROJECT_ID"]],
            });
        }
        // Checked here, so that a token no HTTP header can carry is a configuration error
        // before anything is sent, not a failure of the first request.
        header_safe("OS_AUTH_TOKEN", token.expose_secret())?;
        AuthMethod::Token(token)
    } else if inputs.access_key.is_some() || inputs.secret_key.is_some() {
        let mut missing: Vec<&'static [&'static str]> = Vec::new();
        if inputs.access_key.is_none() {
            missing.push(&["OS_ACCESS_KEY"]);
        }
        if inputs.secret_key.is_none() {
            missing.push(&["OS_SECRET_KEY"]);
        }
        if !has_project {
            missing.push(PROJECT_VARS);
        }
        let (Some(access_key), Some(secret_key), true) =
            (inputs.access_key, inputs.secret_key, missing.is_empty())
        else {
            return Err(ResolveError::Incomplete {
                method: "AK/SK",
                missing,
            });
        };
        // Both travel in headers: a pasted line break is a configuration error, not a
        // failure of the first request.
        header_safe("OS_ACCESS_KEY", &access_key)?;
        if let Some(token) = &inputs.security_token {
            header_safe("OS_SECURITY_TOKEN", token.expose_secret())?;
        }
        AuthMethod::AkSk {
            signer: Signer::new(
                AkSk {
                    access_key,
                    secret_key,
                    security_token: inputs.security_token,
                },
                variant,
            ),
            auth_url: inputs.auth_url.unwrap_or_else(|| default_auth_url(&region)),
        }
    } else if let Some(password) = inputs.password {
        let domain = inputs.user_domain_name.or(inputs.domain_name);
        let mut missing: Vec<&'static [&'static str]> = Vec::new();
        if inputs.auth_url.is_none() {
            missing.push(&["OS_AUTH_URL"]);
        }
        if inputs.username.is_none() {
            missing.push(&["OS_USERNAME"]);
        }
        if domain.is_none() {
            missing.push(&["OS_USER_DOMAIN_NAME"]);
        }
        if !has_project {
            missing.push(PROJECT_VARS);
        }
        let (Some(auth_url), Some(username), Some(user_domain), true) =
            (inputs.auth_url, inputs.username, domain, missing.is_empty())
        else {
            return Err(ResolveError::Incomplete {
                method: "password",
                missing,
            });
        };
        let project = match (&inputs.project_id, &inputs.project_name) {
            (Some(id), _) => ProjectScope::Id(id.clone()),
            (None, Some(name)) => ProjectScope::Name(name.clone()),
            (None, None) => unreachable!("checked above"),
        };
        AuthMethod::Password(PasswordCredentials {
            auth_url,
            username,
            password,
            user_domain,
            project,
            passcode: inputs.passcode,
        })
    } else {
        return Err(ResolveError::NoCredentials);
    };

    Ok(ResolvedAuth {
        method,
        project_id: inputs.project_id,
        project_name: inputs.project_name,
        region,
        cacert: inputs.cacert,
        insecure: inputs.insecure.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::clouds::CloudConfig;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> AuthInputs {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        AuthInputs::from_env(|k| map.get(k).cloned()).expect("env parses")
    }

    const PASSWORD: &[(&str, &str)] = &[
        ("OS_AUTH_URL", "https://iam.example.com/v3"),
        ("OS_USERNAME", "alice"),
        ("OS_PASSWORD", "pw-secret"),
        ("OS_DOMAIN_NAME", "OTC0001"),
        ("OS_PROJECT_NAME", "eu-nl_prod"),
    ];

    #[test]
    fn an_auth_url_without_a_version_gets_v3() {
        let v3 = |url: &str| with_identity_version(url);
        assert_eq!(
            v3("https://iam.eu-de.otc.t-systems.com").as_deref(),
            Some("https://iam.eu-de.otc.t-systems.com/v3")
        );
        assert_eq!(
            v3("http://127.0.0.1:8080/").as_deref(),
            Some("http://127.0.0.1:8080/v3")
        );
        assert_eq!(
            v3("https://host/identity").as_deref(),
            Some("https://host/identity/v3")
        );
        for kept in [
            "https://iam.eu-de.otc.t-systems.com/v3",
            "https://h/v3/",
            "https://h/identity/v3.0",
            "not a url",
        ] {
            assert_eq!(v3(kept), None, "{kept}");
        }
    }

    #[test]
    fn nothing_configured_names_the_variables() {
        let err = resolve(env(&[]), SignerVariant::Derived).expect_err("nothing");
        assert_eq!(err, ResolveError::NoCredentials);
        let text = err.to_string();
        for v in [
            "OS_AUTH_TOKEN",
            "OS_ACCESS_KEY",
            "OS_SECRET_KEY",
            "OS_PASSWORD",
            "OS_CLOUD",
        ] {
            assert!(text.contains(v), "{text}");
        }
    }

    #[test]
    fn token_beats_aksk_beats_password() {
        let mut all = PASSWORD.to_vec();
        all.extend([("OS_ACCESS_KEY", "AK"), ("OS_SECRET_KEY", "SK")]);
        let r = resolve(env(&all), SignerVariant::Derived).expect("aksk");
        assert!(matches!(r.method, AuthMethod::AkSk { .. }));
        all.extend([("OS_TOKEN", "tok"), ("OS_PROJECT_ID", "p1")]);
        let r = resolve(env(&all), SignerVariant::Derived).expect("token");
        match r.method {
            AuthMethod::Token(t) => assert_eq!(t.expose_secret(), "tok"),
            other => panic!("{other:?}"),
        }
        let r = resolve(env(PASSWORD), SignerVariant::Derived).expect("password");
        match r.method {
            AuthMethod::Password(c) => {
                assert_eq!(c.user_domain, "OTC0001");
                assert_eq!(c.project, ProjectScope::Name("eu-nl_prod".into()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_token_no_header_can_carry_is_refused() {
        let err = resolve(
            env(&[("OS_AUTH_TOKEN", "tok\nen-secret"), ("OS_PROJECT_ID", "p")]),
            SignerVariant::Derived,
        )
        .expect_err("refused");
        let text = err.to_string();
        assert!(text.contains("OS_AUTH_TOKEN"), "{text}");
        assert!(!text.contains("en-secret"), "{text}");
    }

    #[test]
    fn auth_token_wins_over_token() {
        let r = resolve(
            env(&[
                ("OS_TOKEN", "b"),
                ("OS_AUTH_TOKEN", "a"),
                ("OS_PROJECT_ID", "p"),
            ]),
            SignerVariant::Derived,
        )
        .expect("token");
        assert!(matches!(r.method, AuthMethod::Token(t) if t.expose_secret() == "a"));
    }

    #[test]
    fn incomplete_methods_name_what_is_missing() {
        let err = resolve(env(&[("OS_SECRET_KEY", "s")]), SignerVariant::Derived)
            .expect_err("incomplete");
        let text = err.to_string();
        assert!(
            text.contains("OS_ACCESS_KEY") && text.contains("OS_PROJECT_ID"),
            "{text}"
        );
        assert!(!text.contains("OS_SECRET_KEY"), "{text}");

        let err = resolve(env(&[("OS_PASSWORD", "pw-secret")]), SignerVariant::Derived)
            .expect_err("incomplete");
        let text = err.to_string();
        for v in ["OS_AUTH_URL", "OS_USERNAME", "OS_USER_DOMAIN_NAME"] {
            assert!(text.contains(v), "{text}");
        }
        assert!(!text.contains("pw-secret"));

        let err = resolve(env(&[("OS_TOKEN", "t")]), SignerVariant::Derived).expect_err("no id");
        assert!(err.to_string().contains("OS_PROJECT_ID"));
    }

    #[test]
    fn region_sources() {
        let r = resolve(env(PASSWORD), SignerVariant::Derived).expect("ok");
        assert_eq!(r.region, "eu-nl");
        let mut with_region = PASSWORD.to_vec();
        with_region.push(("OS_REGION_NAME", "eu-ch2"));
        assert_eq!(
            resolve(env(&with_region), SignerVariant::Derived)
                .expect("ok")
                .region,
            "eu-ch2"
        );
        let r = resolve(
            env(&[("OS_TOKEN", "t"), ("OS_PROJECT_ID", "p")]),
            SignerVariant::Derived,
        )
        .expect("ok");
        assert_eq!(r.region, DEFAULT_REGION);
        assert_eq!(region_from_project_name("eu-de_x_y"), Some("eu-de"));
        assert_eq!(region_from_project_name("plain"), None);
        assert_eq!(
            default_auth_url("eu-ch2"),
            "https://iam-pub.eu-ch2.sc.otc.t-systems.com/v3"
        );
    }

    #[test]
    fn regions_that_are_no_host_label_are_refused() {
        for bad in [
            "evil.example/",
            "x@127.0.0.1:9/",
            "EU-DE",
            "eu de",
            "eu-de\n",
        ] {
            let err = resolve(
                env(&[
                    ("OS_TOKEN", "t"),
                    ("OS_PROJECT_ID", "p"),
                    ("OS_REGION_NAME", bad),
                ]),
                SignerVariant::Derived,
            )
            .expect_err(bad);
            assert!(matches!(err, ResolveError::InvalidRegion { .. }), "{bad}");
        }
        let mut aksk = vec![("OS_ACCESS_KEY", "AK"), ("OS_SECRET_KEY", "SK")];
        aksk.push(("OS_PROJECT_NAME", "evil.example/_x"));
        assert!(resolve(env(&aksk), SignerVariant::Derived).is_err());
        let flags = AuthInputs {
            region: Some("eu-nl".into()),
            ..AuthInputs::default()
        };
        let from_env = env(&[
            ("OS_REGION_NAME", "evil.example/"),
            ("OS_PROJECT_NAME", "Big_x"),
        ]);
        let layer = |inputs, region: &str, project: &str| NamedLayer {
            inputs,
            region: region.into(),
            project_name: project.into(),
        };
        // The highest layer that sets a region decides, and is the one named.
        assert!(
            check_region(&[layer(&flags, "--region", "-"), layer(&from_env, "E", "P")]).is_ok()
        );
        let err = check_region(&[layer(&from_env, "`OS_REGION_NAME`", "P")]).expect_err("bad");
        assert!(
            err.to_string().starts_with("`OS_REGION_NAME` must be"),
            "{err}"
        );
        let named = env(&[("OS_PROJECT_NAME", "Big_x")]);
        let err = check_region(&[layer(&named, "R", "`OS_PROJECT_NAME`")]).expect_err("bad");
        assert!(err.to_string().contains("`OS_PROJECT_NAME`"), "{err}");
        let plain = env(&[("OS_PROJECT_NAME", "plain")]);
        assert!(check_region(&[layer(&plain, "R", "P")]).is_ok());
    }

    #[test]
    fn layers_merge_field_by_field() {
        let cloud = CloudConfig {
            name: "c".into(),
            auth_url: Some("https://cloud/v3".into()),
            username: Some("cloud-user".into()),
            password: Some(SecretString::from("cloud-pw".to_owned())),
            user_domain_name: Some("D".into()),
            project_id: Some("cloud-project".into()),
            verify: Some(false),
            ..CloudConfig::default()
        };
        let flags = AuthInputs {
            project_id: Some("flag-project".into()),
            ..AuthInputs::default()
        };
        let merged = flags
            .over(env(&[("OS_USERNAME", "env-user")]))
            .over(AuthInputs::from_cloud(&cloud));
        let r = resolve(merged, SignerVariant::Derived).expect("ok");
        assert!(r.insecure);
        assert_eq!(r.project_id.as_deref(), Some("flag-project"));
        match r.method {
            AuthMethod::Password(c) => {
                assert_eq!(c.username, "env-user");
                assert_eq!(c.auth_url, "https://cloud/v3");
                assert_eq!(c.project, ProjectScope::Id("flag-project".into()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn insecure_values() {
        assert_eq!(env(&[("OS_INSECURE", "true")]).insecure, Some(true));
        assert_eq!(env(&[("OS_INSECURE", "0")]).insecure, Some(false));
        let err = AuthInputs::from_env(|k| (k == "OS_INSECURE").then(|| "maybe".to_owned()))
            .expect_err("invalid");
        assert!(err.to_string().contains("OS_INSECURE"));
    }

    #[test]
    fn debug_and_describe_hide_secrets() {
        let mut all = PASSWORD.to_vec();
        all.extend([("OS_SECRET_KEY", "sk-secret"), ("OS_TOKEN", "tok-secret")]);
        let inputs = env(&all);
        let shown = format!("{inputs:?}");
        assert!(!shown.contains("-secret"), "{shown}");
        let r = resolve(env(PASSWORD), SignerVariant::Derived).expect("ok");
        let shown = format!("{r:?} {}", r.method.describe());
        assert!(!shown.contains("pw-secret"), "{shown}");
    }
}
