//! One resolve step: flags, environment and (later) clouds.yaml become validated settings.
//! Commands only ever see the result.

use std::collections::HashMap;

use reqwest::Url;
use secrecy::SecretString;

use crate::api::client::{ClientConfig, RequestAuth, TlsOptions};
use crate::api::id::{JobId, ProjectId};
use crate::cli::{GlobalArgs, OutputFormat};
use crate::exit::UsageError;
use crate::render::jq::JqFilter;

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

/// How results are shown.
#[derive(Debug)]
pub enum Render {
    Table,
    Json,
    Tree,
    Jq(JqFilter),
}

/// Resolves the output mode; `default` is the command's own.
///
/// # Errors
/// When `--jq` does not compile.
pub fn resolve_render(global: &GlobalArgs, default: OutputFormat) -> Result<Render, UsageError> {
    if let Some(expr) = &global.jq {
        return JqFilter::compile(expr).map(Render::Jq);
    }
    let format = if global.json {
        OutputFormat::Json
    } else {
        global.output.unwrap_or(default)
    };
    Ok(match format {
        OutputFormat::Table => Render::Table,
        OutputFormat::Json => Render::Json,
        OutputFormat::Tree => Render::Tree,
    })
}

/// Validates every id before anything is sent.
///
/// # Errors
/// The first invalid id, named.
pub fn parse_ids(raw: &[String]) -> Result<Vec<JobId>, UsageError> {
    raw.iter().map(|id| JobId::parse(id.trim())).collect()
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

/// Region: flag/env, else the project-name prefix (`eu-de_myproject` → `eu-de`), else eu-de.
#[must_use]
pub fn resolve_region(global: &GlobalArgs, env: &Env) -> String {
    if let Some(region) = global.region.as_deref().filter(|r| !r.is_empty()) {
        return region.to_owned();
    }
    if let Some((prefix, _)) = env
        .get("OS_PROJECT_NAME")
        .and_then(|name| name.split_once('_'))
        && !prefix.is_empty()
    {
        return prefix.to_owned();
    }
    "eu-de".to_owned()
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

/// Everything needed to talk to IMS.
///
/// # Errors
/// A usage error naming what is missing or invalid; nothing has been sent.
pub fn resolve_client(global: &GlobalArgs, env: &Env) -> Result<ClientConfig, UsageError> {
    let token = env
        .get("OS_AUTH_TOKEN")
        .or_else(|| env.get("OS_TOKEN"))
        .map(|t| SecretString::from(t.to_owned()))
        .ok_or_else(|| {
            UsageError::new("no credentials configured").with_hint(
                "set `OS_AUTH_TOKEN` (or `OS_TOKEN`) and `OS_PROJECT_ID`; or run `imsjob sim` and paste the exports it prints",
            )
        })?;
    let project_id = global
        .project_id
        .as_deref()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            UsageError::new("no project id").with_hint("set `OS_PROJECT_ID` or pass `--project-id`")
        })
        .and_then(ProjectId::parse)?;
    let endpoint = match global.endpoint.as_deref().filter(|e| !e.is_empty()) {
        Some(text) => parse_endpoint(text)?,
        None => parse_endpoint(&regional_endpoint(&resolve_region(global, env)))?,
    };
    Ok(ClientConfig {
        endpoint,
        project_id,
        auth: RequestAuth::Token(token),
        request_timeout: global.request_timeout,
        tls: TlsOptions {
            cacert: global.cacert.clone(),
            insecure: global.insecure,
        },
    })
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

    #[test]
    fn region_from_project_name() {
        let env = Env::from_pairs(&[("OS_PROJECT_NAME", "eu-nl_team")]);
        assert_eq!(resolve_region(&global(&[]), &env), "eu-nl");
        assert_eq!(resolve_region(&global(&[]), &Env::default()), "eu-de");
        assert_eq!(
            regional_endpoint("eu-ch2"),
            "https://ims.eu-ch2.sc.otc.t-systems.com"
        );
    }

    #[test]
    fn missing_credentials_name_the_variables() {
        let error =
            resolve_client(&global(&["--project-id", "p"]), &Env::default()).expect_err("no token");
        assert!(
            error
                .hint
                .as_deref()
                .unwrap_or("")
                .contains("OS_AUTH_TOKEN")
        );
    }

    #[test]
    fn endpoint_must_be_a_base_url() {
        let env = Env::from_pairs(&[("OS_AUTH_TOKEN", "t")]);
        for bad in ["ftp://x", "http://x/?q=1", "not a url"] {
            assert!(
                resolve_client(&global(&["--project-id", "p", "--endpoint", bad]), &env).is_err(),
                "{bad}"
            );
        }
    }
}
