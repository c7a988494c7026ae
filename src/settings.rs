//! One resolve step: flags, environment and clouds.yaml become validated settings.
//! Commands only ever see the result.

use std::collections::HashMap;

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use crate::api::client::TlsOptions;
use crate::api::id::ProjectId;
use crate::auth::aksk::{SIGNER_ENV_VAR, SignerVariant};
use crate::auth::clouds::{self, ConfigEnv};
use crate::auth::resolve::{AuthInputs, ResolvedAuth};
use clap::ValueEnum;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::error::UsageError;
use crate::render::jq::JqFilter;
pub use crate::render::mode::Render;

/// The process environment, captured once so resolution is a pure function of its inputs.
#[derive(Debug, Clone, Default)]
pub struct Env(HashMap<String, String>);

impl Env {
    #[must_use]
    pub fn from_process() -> Self {
        Self(std::env::vars().collect())
    }

    #[must_use]
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    /// A variable's value, when set and not empty.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// The views a command can show (its JSON document, `-o json` or `--jq`, it always has), and
/// the one it shows by default.
#[derive(Debug, Clone, Copy)]
pub struct Formats {
    /// The command's name, for the message that refuses a format.
    pub command: &'static str,
    pub default: OutputFormat,
    pub views: &'static [OutputFormat],
    /// `wait --events`: the event stream replaces every other format.
    pub events: bool,
}

/// Resolves the output mode for a command.
///
/// # Errors
/// When `--jq` does not compile, or `-o` names a format the command cannot show (a table of
/// a tree, or a tree of unrelated jobs, would only be a silent surprise).
pub fn resolve_render(global: &GlobalArgs, formats: &Formats) -> Result<Render, UsageError> {
    if let Some(expr) = &global.jq {
        // Compiled even under `--events`, so that a typo is caught however it is used.
        let filter = JqFilter::compile(expr)?;
        return Ok(if formats.events {
            Render::Events
        } else {
            Render::Document(Box::new(filter))
        });
    }
    let format = if global.json {
        OutputFormat::Json
    } else {
        global.output.unwrap_or(formats.default)
    };
    if formats.events {
        return Ok(Render::Events);
    }
    // The JSON document applies to every command; a view (table, tree) only where it means
    // something.
    let view = match format {
        OutputFormat::Json => return Ok(Render::json()),
        OutputFormat::Table => Render::Table,
        OutputFormat::Tree => Render::Tree,
    };
    if !formats.views.contains(&format) {
        let name = |f: &OutputFormat| {
            f.to_possible_value()
                .map(|v| v.get_name().to_owned())
                .unwrap_or_default()
        };
        let allowed = formats
            .views
            .iter()
            .chain([&OutputFormat::Json])
            .map(|f| format!("`{}`", name(f)))
            .collect::<Vec<_>>()
            .join(" or ");
        return Err(UsageError::new(format!(
            "`-o {}` does not apply to `{}`",
            name(&format),
            formats.command
        ))
        .with_hint(format!("use `-o` {allowed}")));
    }
    Ok(view)
}

/// The IMS endpoint for a region: `https://ims.{region}.otc.t-systems.com`, with the Swiss
/// region under `.sc.`.
#[must_use]
pub fn regional_endpoint(region: &str) -> String {
    if region == "eu-ch2" {
        format!("https://ims.{region}.sc.otc.t-systems.com")
    } else {
        format!("https://ims.{region}.otc.t-systems.com")
    }
}

fn parse_endpoint(text: &str) -> Result<Url, UsageError> {
    let bad = |why: &str| {
        UsageError::new(format!(
            "invalid endpoint {}: {why}",
            crate::text::quote_input(text)
        ))
        .with_hint("give the IMS base URL, e.g. `https://ims.eu-de.otc.t-systems.com`")
    };
    let url = Url::parse(text.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base URL has no query or fragment"));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(bad("no host"));
    }
    Ok(url)
}

/// Everything needed to talk to IMS, before authentication has run (which may still find
/// the project id and the IMS endpoint in the IAM token).
#[derive(Debug)]
pub struct ConnectSettings {
    /// `--endpoint` / `IMSJOB_ENDPOINT`: overrides the catalog and the region.
    pub endpoint: Option<Url>,
    /// The project id when configured (flag, env or clouds.yaml), validated.
    pub project_id: Option<ProjectId>,
    /// Credentials and region.
    pub auth: ResolvedAuth,
    pub request_timeout: Duration,
    pub tls: TlsOptions,
    /// `false` with `--no-token-cache`.
    pub token_cache: bool,
}

impl ConnectSettings {
    /// Whether every URL this run can reach is plain `http://` (the simulator): then the
    /// system trust store is never needed, and not loading it saves a few milliseconds of
    /// reading `/etc/ssl/certs` on every start.
    #[must_use]
    pub fn only_plain_http(&self) -> bool {
        use crate::auth::resolve::AuthMethod;
        let plain = |url: &str| url.starts_with("http://");
        let Some(endpoint) = &self.endpoint else {
            return false;
        };
        endpoint.scheme() == "http"
            && match &self.auth.method {
                AuthMethod::Token(_) => true,
                AuthMethod::AkSk { auth_url, .. } => self.project_id.is_some() || plain(auth_url),
                AuthMethod::Password(credentials) => plain(&credentials.auth_url),
            }
    }

    /// The IMS endpoint: `--endpoint`, else the token catalog's, else the region's.
    ///
    /// # Errors
    /// When the catalog endpoint is not a usable base URL.
    pub fn ims_endpoint(&self, from_catalog: Option<&str>) -> Result<Url, UsageError> {
        if let Some(url) = &self.endpoint {
            return Ok(url.clone());
        }
        match from_catalog {
            Some(text) => parse_endpoint(text),
            None => parse_endpoint(&regional_endpoint(&self.auth.region)),
        }
    }
}

/// Where `clouds.yaml` is searched, from the captured environment.
fn config_env(env: &Env) -> ConfigEnv {
    let process = ConfigEnv::from_process();
    ConfigEnv {
        home: env.get("HOME").map(PathBuf::from).or(process.home),
        client_config_file: env.get(clouds::CLIENT_CONFIG_FILE_VAR).map(PathBuf::from),
        client_secure_file: env.get(clouds::CLIENT_SECURE_FILE_VAR).map(PathBuf::from),
        ..process
    }
}

/// Merges flags > environment > clouds.yaml and picks the authentication method (token, then
/// AK/SK, then password).
///
/// # Errors
/// A usage error naming what is missing or invalid; nothing has been sent.
pub fn resolve_connect(global: &GlobalArgs, env: &Env) -> Result<ConnectSettings, UsageError> {
    let cloud_name = global.cloud.as_deref().filter(|c| !c.is_empty());
    // clouds.yaml is consulted only for a named cloud; without one, not even the search
    // directories are worked out (this runs on every `get`).
    let cloud = match cloud_name {
        Some(name) => clouds::load(&config_env(env), Some(name)).map_err(|e| {
            UsageError::new(e.to_string())
                .with_hint("fix the file, or pick another entry with `--cloud` / `OS_CLOUD`")
        })?,
        None => None,
    };
    let flags = AuthInputs {
        project_id: global.project_id.clone().filter(|p| !p.is_empty()),
        region: global.region.clone().filter(|r| !r.is_empty()),
        cacert: global.cacert.clone(),
        insecure: global.insecure.then_some(true),
        ..AuthInputs::default()
    };
    let from_env = AuthInputs::from_env(|name| env.get(name).map(str::to_owned))
        .map_err(|e| UsageError::new(e.to_string()))?;
    let mut merged = flags.over(from_env);
    if let Some(cloud) = &cloud {
        merged = merged.over(AuthInputs::from_cloud(cloud));
    }
    let variant = SignerVariant::from_env_value(env.get(SIGNER_ENV_VAR).unwrap_or(""))
        .map_err(|e| UsageError::new(e.to_string()))?;
    let auth = crate::auth::resolve::resolve(merged, variant).map_err(|e| {
        UsageError::new(e.to_string()).with_hint(
            "run `imsjob sim` for a local simulator and paste the exports it prints, or see `imsjob --help`",
        )
    })?;
    let project_id = auth
        .project_id
        .as_deref()
        .map(ProjectId::parse)
        .transpose()?;
    let endpoint = global
        .endpoint
        .as_deref()
        .filter(|e| !e.is_empty())
        .map(parse_endpoint)
        .transpose()?;
    if let crate::auth::resolve::AuthMethod::Password(creds) = &auth.method {
        crate::auth::keystone::token_url(&creds.auth_url).map_err(|e| {
            UsageError::new(e.to_string()).with_hint("`OS_AUTH_URL` is the IAM URL ending in `/v3`")
        })?;
    }
    let tls = TlsOptions {
        cacert: auth.cacert.clone(),
        insecure: auth.insecure,
        plain_http_only: false,
    };
    let mut settings = ConnectSettings {
        endpoint,
        project_id,
        auth,
        request_timeout: global.request_timeout,
        tls,
        token_cache: !global.no_token_cache,
    };
    settings.tls.plain_http_only = settings.only_plain_http();
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn global(args: &[&str]) -> GlobalArgs {
        let mut argv = vec!["imsjob"];
        argv.extend_from_slice(args);
        argv.extend_from_slice(&["get", "x"]);
        crate::cli::Cli::try_parse_from(argv)
            .expect("parses")
            .global
    }

    /// A captured environment with `HOME` pointing nowhere, so no real clouds.yaml is read.
    fn env(pairs: &[(&str, &str)]) -> Env {
        let mut all = vec![("HOME", "/nonexistent-imsjob-test-home")];
        all.extend_from_slice(pairs);
        Env::from_pairs(&all)
    }

    #[test]
    fn region_from_project_name() {
        let settings = resolve_connect(
            &global(&[]),
            &env(&[
                ("OS_PROJECT_NAME", "eu-nl_team"),
                ("OS_ACCESS_KEY", "a"),
                ("OS_SECRET_KEY", "s"),
            ]),
        )
        .expect("resolves");
        assert_eq!(settings.auth.region, "eu-nl");
        assert_eq!(
            settings.ims_endpoint(None).expect("url").as_str(),
            "https://ims.eu-nl.otc.t-systems.com/"
        );
        assert_eq!(
            regional_endpoint("eu-ch2"),
            "https://ims.eu-ch2.sc.otc.t-systems.com"
        );
    }

    #[test]
    fn missing_credentials_name_the_variables() {
        let error = resolve_connect(&global(&["--project-id", "p"]), &env(&[])).expect_err("none");
        for variable in ["OS_AUTH_TOKEN", "OS_ACCESS_KEY", "OS_PASSWORD", "OS_CLOUD"] {
            assert!(error.message.contains(variable), "{error}");
        }
    }

    #[test]
    fn unknown_signer_variant_is_a_usage_error() {
        let error = resolve_connect(
            &global(&["--project-id", "p"]),
            &env(&[("OS_AUTH_TOKEN", "t"), ("IMSJOB_AKSK_SIGNER", "v4")]),
        )
        .expect_err("bad variant");
        assert!(error.message.contains("IMSJOB_AKSK_SIGNER"), "{error}");
    }

    #[test]
    fn endpoint_must_be_a_base_url() {
        let env = env(&[("OS_AUTH_TOKEN", "t")]);
        for bad in ["ftp://x", "http://x/?q=1", "not a url"] {
            assert!(
                resolve_connect(&global(&["--project-id", "p", "--endpoint", bad]), &env).is_err(),
                "{bad}"
            );
        }
    }
}
