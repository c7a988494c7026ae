//! One resolve step: flags, environment and clouds.yaml become validated settings.
//! The process environment is captured once, at start, into [`Env`] (tests construct one and
//! never touch the process environment); [`Settings::resolve`] reads it, and commands only ever
//! see its result.

use std::collections::HashMap;

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use crate::api::client::TlsOptions;
use crate::api::id::JobId;
use crate::api::id::ProjectId;
use crate::auth::aksk::{SIGNER_ENV_VAR, SignerVariant};
use crate::config::clouds::{self, ConfigEnv};
use crate::config::credentials::{AuthInputs, NamedLayer, ResolvedAuth};
use clap::ValueEnum;

use crate::cli::{Cli, Command, JobOptions, OutputFormat, SimArgs};
use crate::render::jq::JqFilter;
pub(crate) use crate::render::mode::Render;
use crate::service::Service;
use crate::ui::output::{ColorEnv, OutputSettings};
use crate::usage_error::UsageError;

/// The process environment, captured once so resolution is a pure function of its inputs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Env(HashMap<String, String>);

impl Env {
    #[must_use]
    pub(crate) fn from_process() -> Self {
        Self(std::env::vars().collect())
    }

    #[cfg(test)]
    #[must_use]
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    /// A variable's value when set, even empty (`NO_COLOR=` has a meaning of its own).
    #[must_use]
    pub(crate) fn raw(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }

    /// A variable's value, when set and not empty.
    #[must_use]
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Time limit of one HTTP request unless `--request-timeout` says otherwise.
pub(crate) const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything a run needs, resolved once from the command line and the environment.
#[derive(Debug)]
pub(crate) struct Settings {
    pub command: CommandSettings,
}

/// The environment's part of the output settings: colour variables and `COLUMNS`; the
/// flags at their defaults.
#[must_use]
pub(crate) fn output_from_env(env: &Env) -> OutputSettings {
    OutputSettings {
        color_env: ColorEnv {
            no_color: env.raw("NO_COLOR"),
            clicolor: env.raw("CLICOLOR"),
            clicolor_force: env.raw("CLICOLOR_FORCE"),
            term: env.raw("TERM"),
        },
        columns: env.get("COLUMNS").and_then(|c| c.trim().parse().ok()),
        ..OutputSettings::default()
    }
}

/// One job-id argument: a validated id, or `-` (read ids from stdin at that position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobIdArg {
    Id(JobId),
    Stdin,
}

/// What each subcommand runs with.
#[derive(Debug)]
pub enum CommandSettings {
    Get {
        ids: Vec<JobIdArg>,
        render: Render,
        connect: Box<ConnectSettings>,
    },
    Wait {
        ids: Vec<JobIdArg>,
        options: Box<crate::cli::WaitArgs>,
        render: Render,
        connect: Box<ConnectSettings>,
    },
    Tree {
        id: JobId,
        /// `--max-sub-jobs`: sub-jobs shown at most.
        max_sub_jobs: usize,
        render: Render,
        connect: Box<ConnectSettings>,
    },
    Demo,
    Sim(SimArgs),
    Completions(clap_complete::Shell),
}

impl Settings {
    /// Resolves a parsed command line against the environment: flags > environment >
    /// clouds.yaml > defaults. Ids are validated here, before anything can be sent.
    ///
    /// # Errors
    /// A usage error naming the flag or variable at fault; nothing has been sent.
    pub(crate) fn resolve(cli: Cli, env: &Env) -> Result<Self, UsageError> {
        let job = match cli.command.job_options() {
            Some(after) => after.clone().over(cli.job),
            None => {
                if let Some(option) = cli.job.first_given() {
                    let name = cli.command.name();
                    return Err(UsageError::new(format!(
                        "`{option}` does not apply to `imsjob {name}`"
                    ))
                    .with_hint(format!("see `imsjob {name} --help`")));
                }
                JobOptions::default()
            }
        };
        let command = match cli.command {
            Command::Get(args) => {
                let ids = job_ids(&args.ids)?;
                CommandSettings::Get {
                    render: resolve_render(&job, &GET)?,
                    ids,
                    connect: Box::new(resolve_connect(&job, env)?),
                }
            }
            Command::Wait(args) => {
                let ids = job_ids(&args.ids)?;
                let formats = [
                    (job.output.is_some(), "--output"),
                    (job.json, "--json"),
                    (job.jq.is_some(), "--jq"),
                ];
                if args.events
                    && let Some(option) = formats
                        .into_iter()
                        .find_map(|(given, name)| given.then_some(name))
                {
                    return Err(UsageError::new(format!(
                        "`--events` and `{option}` cannot be used together"
                    )));
                }
                CommandSettings::Wait {
                    render: if args.events {
                        Render::Events
                    } else {
                        resolve_render(&job, &WAIT)?
                    },
                    ids,
                    connect: Box::new(resolve_connect(&job, env)?),
                    options: Box::new(args),
                }
            }
            Command::Tree(args) => CommandSettings::Tree {
                id: JobId::parse(args.id.trim())?,
                max_sub_jobs: args.max_sub_jobs,
                render: resolve_render(&job, &TREE)?,
                connect: Box::new(resolve_connect(&job, env)?),
            },
            Command::Demo => CommandSettings::Demo,
            Command::Sim(args) => CommandSettings::Sim(args),
            Command::Completions(args) => CommandSettings::Completions(args.shell),
        };
        Ok(Self { command })
    }
}

/// Validates the ids given as arguments; `-` is noted, to be read from stdin when the
/// command runs.
fn job_ids(args: &[String]) -> Result<Vec<JobIdArg>, UsageError> {
    args.iter()
        .map(|arg| {
            if arg == "-" {
                Ok(JobIdArg::Stdin)
            } else {
                JobId::parse(arg.trim()).map(JobIdArg::Id)
            }
        })
        .collect()
}

/// The views a command can show (its JSON document, `-o json` or `--jq`, it always has), and
/// the one it shows by default.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Formats {
    /// The command's name, for the message that refuses a format.
    pub command: &'static str,
    pub default: OutputFormat,
    pub views: &'static [OutputFormat],
}

/// What `get` shows besides its JSON document: a table (a tree of unrelated jobs means nothing).
pub(crate) const GET: Formats = Formats {
    command: "get",
    default: OutputFormat::Table,
    views: &[OutputFormat::Table, OutputFormat::Wide],
};
/// What `wait` shows besides its JSON document (and `--events`): the final states, like `get`.
pub(crate) const WAIT: Formats = Formats {
    command: "wait",
    ..GET
};
/// What `tree` shows: the tree (a table with branches, so `-o table` is the same).
pub(crate) const TREE: Formats = Formats {
    command: "tree",
    default: OutputFormat::Tree,
    views: &[OutputFormat::Tree, OutputFormat::Table, OutputFormat::Wide],
};

/// Resolves the output mode for a command.
///
/// # Errors
/// When `--jq` does not compile, or `-o` names a format the command cannot show (a table of
/// a tree, or a tree of unrelated jobs, would only be a silent surprise).
pub(crate) fn resolve_render(global: &JobOptions, formats: &Formats) -> Result<Render, UsageError> {
    if let Some(expr) = &global.jq {
        return Ok(Render::Document(Box::new(JqFilter::compile(expr)?)));
    }
    let format = if global.json {
        OutputFormat::Json
    } else {
        global.output.unwrap_or(formats.default)
    };
    // The JSON document applies to every command; a view (table, tree) only where it means
    // something.
    let view = match format {
        OutputFormat::Json => return Ok(Render::json()),
        OutputFormat::Table => Render::Table,
        OutputFormat::Tree => Render::Tree,
        OutputFormat::Wide => Render::Wide,
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

/// The variable that names the IMS endpoint, as `--endpoint` does.
pub(crate) const ENDPOINT_VAR: &str = "IMSJOB_ENDPOINT";

/// The variable that names the service, as `--service` does.
pub(crate) const SERVICE_VAR: &str = "IMSJOB_SERVICE";

fn parse_endpoint(text: &str) -> Result<Url, UsageError> {
    let bad = |why: &str| {
        UsageError::new(format!(
            "invalid endpoint {}: {why}",
            crate::safe_text::quote_input(text)
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
    /// `--service` / `IMSJOB_SERVICE`: whose jobs API to ask (catalog entry, regional host).
    pub service: Service,
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
        use crate::config::credentials::AuthMethod;
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

    /// The jobs endpoint of the service: `--endpoint`, else the token catalog's entry for the
    /// service, else the service's host in the region.
    ///
    /// # Errors
    /// When the catalog endpoint is not a usable base URL.
    pub fn jobs_endpoint(&self, from_catalog: Option<&str>) -> Result<Url, UsageError> {
        if let Some(url) = &self.endpoint {
            return Ok(url.clone());
        }
        match from_catalog {
            Some(text) => parse_endpoint(text),
            None => parse_endpoint(&self.service.regional_endpoint(&self.auth.region)),
        }
    }
}

/// Where `clouds.yaml` is searched, from the captured environment.
fn config_env(env: &Env) -> ConfigEnv {
    ConfigEnv::new(
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        env.get("HOME")
            .map(PathBuf::from)
            .or_else(|| directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf())),
        env.get(clouds::CLIENT_CONFIG_FILE_VAR).map(PathBuf::from),
        env.get(clouds::CLIENT_SECURE_FILE_VAR).map(PathBuf::from),
    )
}

/// Merges flags > environment > clouds.yaml and picks the authentication method (token, then
/// AK/SK, then password).
///
/// # Errors
/// A usage error naming what is missing or invalid; nothing has been sent.
pub(crate) fn resolve_connect(
    global: &JobOptions,
    env: &Env,
) -> Result<ConnectSettings, UsageError> {
    // A proxy the HTTP client cannot speak would fail every request: say so before any.
    crate::config::proxy::refuse_unsupported_proxy(|name| env.get(name).map(str::to_owned))?;
    // `--cloud` / `OS_CLOUD`; an empty value counts as unset, like every variable.
    let cloud_name = global
        .cloud
        .as_deref()
        .filter(|c| !c.is_empty())
        .or_else(|| env.get("OS_CLOUD"));
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
    let from_cloud = cloud.as_ref().map(AuthInputs::from_cloud);
    // The region becomes part of host names: checked here, where each layer can be named.
    let mut layers = vec![
        NamedLayer {
            inputs: &flags,
            region: "`--region`".to_owned(),
            project_name: "the project name".to_owned(),
        },
        NamedLayer {
            inputs: &from_env,
            region: "`OS_REGION_NAME`".to_owned(),
            project_name: "`OS_PROJECT_NAME`".to_owned(),
        },
    ];
    if let (Some(cloud), Some(inputs)) = (&cloud, &from_cloud) {
        let file = cloud.source.display();
        layers.push(NamedLayer {
            inputs,
            region: format!("`region_name` of cloud `{}` in `{file}`", cloud.name),
            project_name: format!("`auth.project_name` of cloud `{}` in `{file}`", cloud.name),
        });
    }
    crate::config::credentials::check_region(&layers).map_err(|e| {
        UsageError::new(e.to_string())
            .with_hint("OTC regions are named like `eu-de`, `eu-nl` or `eu-ch2`")
    })?;
    drop(layers);
    let mut merged = flags.over(from_env);
    if let Some(inputs) = from_cloud {
        merged = merged.over(inputs);
    }
    let variant = SignerVariant::from_env_value(env.get(SIGNER_ENV_VAR).unwrap_or(""))
        .map_err(|e| UsageError::new(e.to_string()))?;
    let auth = crate::config::credentials::resolve(merged, variant).map_err(|e| {
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
        .transpose()?
        .map_or_else(
            || {
                env.get(ENDPOINT_VAR)
                    .map(|text| {
                        parse_endpoint(text).map_err(|e| UsageError {
                            message: format!("`{ENDPOINT_VAR}`: {}", e.message),
                            hint: e.hint,
                        })
                    })
                    .transpose()
            },
            |url| Ok(Some(url)),
        )?;
    if let crate::config::credentials::AuthMethod::Password(creds) = &auth.method {
        crate::auth::keystone::token_url(&creds.auth_url).map_err(|e| {
            UsageError::new(e.to_string()).with_hint("`OS_AUTH_URL` is the IAM URL ending in `/v3`")
        })?;
    }
    let tls = TlsOptions {
        cacert: auth.cacert.clone(),
        insecure: auth.insecure,
        plain_http_only: false,
        ssl_cert_file: env.get("SSL_CERT_FILE").map(PathBuf::from),
        ssl_cert_dirs: env
            .get("SSL_CERT_DIR")
            .map(|dirs| std::env::split_paths(dirs).collect())
            .unwrap_or_default(),
    };
    let service = match global.service {
        Some(service) => service,
        None => env
            .get(SERVICE_VAR)
            .map(Service::parse)
            .transpose()
            .map_err(|e| UsageError::new(format!("`{SERVICE_VAR}`: {e}")))?
            .unwrap_or_default(),
    };
    let mut settings = ConnectSettings {
        endpoint,
        service,
        project_id,
        auth,
        request_timeout: global.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
        tls,
        token_cache: !global.no_token_cache,
    };
    settings.tls.plain_http_only = settings.only_plain_http();
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(args: &[&str]) -> JobOptions {
        let mut argv = vec!["imsjob", "get", "x"];
        argv.extend_from_slice(args);
        match crate::cli::parse_from(argv).expect("parses").command {
            Command::Get(args) => args.job,
            _ => unreachable!("a get command line"),
        }
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
            settings.jobs_endpoint(None).expect("url").as_str(),
            "https://ims.eu-nl.otc.t-systems.com/"
        );
        assert_eq!(
            Service::Ims.regional_endpoint("eu-ch2"),
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

    fn resolve_line(args: &[&str], pairs: &[(&str, &str)]) -> Result<Settings, UsageError> {
        let mut argv = vec!["imsjob"];
        argv.extend_from_slice(args);
        Settings::resolve(crate::cli::parse_from(argv).expect("parses"), &env(pairs))
    }

    #[test]
    fn booleans_in_the_environment_are_forgiving() {
        for value in ["1", "0", "yes", "True", "ON", "off", "", "  "] {
            let settings = resolve_line(
                &["get", "x"],
                &[
                    ("OS_AUTH_TOKEN", "t"),
                    ("OS_PROJECT_ID", "p"),
                    ("OS_INSECURE", value),
                    ("OS_CACERT", ""),
                ],
            );
            assert!(settings.is_ok(), "OS_INSECURE={value:?}: {settings:?}");
        }
        let error = resolve_line(
            &["get", "x"],
            &[("OS_AUTH_TOKEN", "t"), ("OS_INSECURE", "maybe")],
        )
        .expect_err("not a boolean");
        assert!(error.message.contains("OS_INSECURE"), "{error}");
        assert!(!error.message.contains("--insecure"), "{error}");
    }

    #[test]
    fn commands_without_job_options_refuse_them() {
        for args in [
            &["--jq", ".", "sim"][..],
            &["--json", "demo"],
            &["--endpoint", "http://x", "completions", "bash"],
        ] {
            let error = resolve_line(args, &[]).expect_err("refused");
            assert!(
                error.message.contains("does not apply"),
                "{args:?}: {error}"
            );
        }
        // After the subcommand, clap itself does not know them.
        assert!(crate::cli::parse_from(["imsjob", "sim", "--jq", "."]).is_err());
        // Before or after a job command, both count; after wins.
        let settings = resolve_line(
            &[
                "--output", "json", "--region", "eu-nl", "get", "x", "--region", "eu-de",
            ],
            &[("OS_AUTH_TOKEN", "t"), ("OS_PROJECT_ID", "p")],
        )
        .expect("resolves");
        let CommandSettings::Get {
            render, connect, ..
        } = settings.command
        else {
            panic!("get")
        };
        assert!(matches!(render, Render::Document(_)));
        assert_eq!(connect.auth.region, "eu-de");
        // The environment is not the user's typing: it is simply not used there.
        assert!(resolve_line(&["completions", "bash"], &[("IMSJOB_ENDPOINT", "x")]).is_ok());
    }

    #[test]
    fn the_endpoint_variable_is_named_when_invalid() {
        let error = resolve_line(
            &["get", "x"],
            &[
                ("OS_AUTH_TOKEN", "t"),
                ("OS_PROJECT_ID", "p"),
                ("IMSJOB_ENDPOINT", "ftp://x"),
            ],
        )
        .expect_err("bad endpoint");
        assert!(error.message.starts_with("`IMSJOB_ENDPOINT`"), "{error}");
        let settings = resolve_line(
            &["get", "x", "--endpoint", "http://flag"],
            &[
                ("OS_AUTH_TOKEN", "t"),
                ("OS_PROJECT_ID", "p"),
                ("IMSJOB_ENDPOINT", "ftp://x"),
            ],
        )
        .expect("the flag wins over the variable");
        let CommandSettings::Get { connect, .. } = settings.command else {
            panic!("get")
        };
        assert_eq!(
            connect.endpoint.map(|u| u.to_string()).as_deref(),
            Some("http://flag/")
        );
    }
}
