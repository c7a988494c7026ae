//! One resolve step: flags, environment and clouds.yaml become validated, typed settings per
//! command. Each clap struct is destructured field by field here, so no module below sees a
//! clap type and a new flag that is not resolved does not compile. The process environment is
//! captured once, at start, into [`Env`] (tests and `demo` construct one of their own);
//! [`Settings::resolve`] reads it: credentials, endpoint, proxies, the trust store's
//! locations, the token cache directory. Commands only ever see its result. (The jq worker's
//! marker variable is read before settings exist; on macOS and Windows the cache and
//! temporary directories come from the platform's own lookups.)

use std::collections::HashMap;

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use crate::api::id::JobId;
use crate::api::id::ProjectId;
use crate::api::tls::TlsOptions;
use crate::auth::aksk::{SIGNER_ENV_VAR, SignerVariant};
use crate::config::clouds::{self, ConfigEnv};
use crate::config::credentials::{AuthInputs, NamedLayer, ResolvedAuth};
use crate::config::proxy::Proxies;
use clap::ValueEnum;

use crate::cli::{
    Cli, ColorWhen, Command, CompletionsArgs, ExplainArgs, GetArgs, GlobalArgs, JobOptions,
    OutputFormat, ServiceName, SimArgs, Timeout, TreeArgs, WaitArgs,
};
use crate::jq::JqFilter;
pub(crate) use crate::render::mode::Render;
use crate::service::Service;
use crate::ui::output::{ColorChoice, ColorEnv, OutputSettings};
use crate::usage_error::UsageError;

/// The process environment, captured once: resolution reads variables from it and nowhere
/// else (it still reads the files they name, such as clouds.yaml).
#[derive(Debug, Clone, Default)]
pub(crate) struct Env(HashMap<String, String>);

impl Env {
    #[must_use]
    pub(crate) fn from_process() -> Self {
        Self(std::env::vars().collect())
    }

    /// An environment of exactly these variables (tests, and `demo`, which runs its steps
    /// against the simulator whatever the user's environment holds).
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

/// The output settings: `--color`, `--quiet` and `--verbose` over the colour variables and
/// `COLUMNS`. They are resolved before the rest, so that even a settings error is shown as
/// configured.
#[must_use]
pub(crate) fn output_settings(global: &GlobalArgs, env: &Env) -> OutputSettings {
    let GlobalArgs {
        color,
        quiet,
        verbose,
    } = *global;
    OutputSettings {
        color: match color {
            ColorWhen::Auto => ColorChoice::Auto,
            ColorWhen::Always => ColorChoice::Always,
            ColorWhen::Never => ColorChoice::Never,
        },
        quiet,
        verbose,
        color_env: ColorEnv {
            no_color: env.raw("NO_COLOR"),
            clicolor: env.raw("CLICOLOR"),
            clicolor_force: env.raw("CLICOLOR_FORCE"),
            term: env.raw("TERM"),
        },
        columns: env.get("COLUMNS").and_then(|c| c.trim().parse().ok()),
    }
}

/// One job-id argument: a validated id, or `-` (read ids from stdin at that position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JobIdArg {
    Id(JobId),
    Stdin,
}

/// What each subcommand runs with.
#[derive(Debug)]
pub(crate) enum CommandSettings {
    Get {
        ids: JobIds,
        render: Render,
        connect: Box<ConnectSettings>,
    },
    Wait {
        ids: JobIds,
        options: WaitOptions,
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
    Sim(SimSettings),
    /// `explain`: offline, from the table of codes.
    Explain {
        codes: Vec<String>,
        list: bool,
        render: Render,
    },
    /// The completion script, made from the command-line definition itself.
    Completions {
        script: String,
    },
}

impl CommandSettings {
    /// What hints after API errors are worded for: the credentials in use, whether every
    /// endpoint is on this machine, and whether the command is `wait`.
    #[must_use]
    pub(crate) fn hint_context(&self) -> crate::exit::HintContext {
        let (connect, waits) = match self {
            Self::Get { connect, .. } | Self::Tree { connect, .. } => (connect, false),
            Self::Wait { connect, .. } => (connect, true),
            Self::Demo | Self::Sim(_) | Self::Explain { .. } | Self::Completions { .. } => {
                return crate::exit::HintContext::default();
            }
        };
        crate::exit::HintContext {
            auth: Some(connect.auth.method.kind()),
            loopback: connect.is_loopback(),
            waits,
            proxied: connect.proxies.http.is_some() || connect.proxies.https.is_some(),
            endpoint_given: connect.endpoint.is_some(),
        }
    }
}

/// The job ids of `get` and `wait`, and the shape of their JSON document, decided here once:
/// an array when several ids are given or any come from stdin (a script reading a pipe must
/// not have to handle an object for one line and an array for two), else the one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JobIds {
    pub args: Vec<JobIdArg>,
    pub array: bool,
}

impl JobIds {
    fn parse(args: &[String]) -> Result<Self, UsageError> {
        let args = job_ids(args)?;
        let array = args.len() != 1 || args.contains(&JobIdArg::Stdin);
        Ok(Self { args, array })
    }
}

/// Validated `wait` options.
#[derive(Debug, Clone)]
pub(crate) struct WaitOptions {
    /// `None`: no deadline.
    pub timeout: Option<Duration>,
    /// `--timeout 0`: look once, do not wait.
    pub check_once: bool,
    pub interval: Duration,
    pub max_interval: Duration,
    pub max_rps: f64,
    pub fail_fast: bool,
    /// A job not found is taken for one created moments ago for this long (`doc/contract.md`: 30 s).
    pub not_found_grace: Duration,
}

/// `imsjob sim`.
#[derive(Debug, Clone)]
pub(crate) struct SimSettings {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The scenario file; `None`: the built-in one.
    pub scenario: Option<PathBuf>,
    /// With `--tls`: the directory where the self-signed certificate is written, in a fresh
    /// file of a name nobody can predict.
    pub tls_dir: Option<PathBuf>,
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
        // Each clap struct is taken apart field by field: a new flag that is not resolved
        // here does not compile.
        let command = match cli.command {
            Command::Get(GetArgs { ids, job: _ }) => CommandSettings::Get {
                ids: JobIds::parse(&ids)?,
                render: resolve_render(&job, &GET)?,
                connect: Box::new(resolve_connect(&job, env)?),
            },
            Command::Wait(WaitArgs {
                ids,
                timeout,
                interval,
                max_interval,
                max_rps,
                fail_fast,
                events,
                not_found_grace,
                job: _,
            }) => {
                let ids = JobIds::parse(&ids)?;
                let formats = [
                    (job.output.is_some(), "--output"),
                    (job.json, "--json"),
                    (job.jq.is_some(), "--jq"),
                ];
                if events
                    && let Some(option) = formats
                        .into_iter()
                        .find_map(|(given, name)| given.then_some(name))
                {
                    return Err(UsageError::new(format!(
                        "`--events` and `{option}` cannot be used together"
                    )));
                }
                let options = wait_options(
                    timeout,
                    interval,
                    max_interval,
                    max_rps,
                    fail_fast,
                    not_found_grace,
                )?;
                CommandSettings::Wait {
                    render: if events {
                        Render::Events
                    } else {
                        resolve_render(&job, &WAIT)?
                    },
                    ids,
                    options,
                    connect: Box::new(resolve_connect(&job, env)?),
                }
            }
            Command::Tree(TreeArgs {
                id,
                max_sub_jobs,
                job: _,
            }) => CommandSettings::Tree {
                id: JobId::parse(id.trim())?,
                max_sub_jobs,
                render: resolve_render(&job, &TREE)?,
                connect: Box::new(resolve_connect(&job, env)?),
            },
            Command::Demo => CommandSettings::Demo,
            Command::Sim(SimArgs {
                port,
                scenario,
                tls,
            }) => CommandSettings::Sim(SimSettings {
                port,
                scenario,
                tls_dir: tls.then(|| temp_dir(env)),
            }),
            Command::Completions(CompletionsArgs { shell }) => CommandSettings::Completions {
                script: crate::cli::completions(shell),
            },
            Command::Explain(ExplainArgs { codes, list, json }) => CommandSettings::Explain {
                codes,
                list,
                render: if json { Render::json() } else { Render::Table },
            },
        };
        Ok(Self { command })
    }
}

/// Parses a command line (the first item is the program name) and resolves it against
/// `env`: what the binary does with its own arguments, and what `demo` does with each step.
///
/// # Errors
/// clap's usage error (as text), or the resolve step's.
pub(crate) fn resolve_args<I, T>(args: I, env: &Env) -> Result<Settings, UsageError>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = crate::cli::parse_from(args).map_err(|e| UsageError::new(e.to_string()))?;
    Settings::resolve(cli, env)
}

/// Checks that the `wait` numbers can work together.
///
/// # Errors
/// A zero interval, a cap below the interval, a request budget out of range.
fn wait_options(
    timeout: Timeout,
    interval: Duration,
    max_interval: Duration,
    max_rps: f64,
    fail_fast: bool,
    not_found_grace: Duration,
) -> Result<WaitOptions, UsageError> {
    if interval.is_zero() {
        return Err(UsageError::new("`--interval` must be greater than zero"));
    }
    if max_interval < interval {
        return Err(UsageError::new(
            "`--max-interval` must be at least `--interval`",
        ));
    }
    if !(max_rps.is_finite() && (0.01..=10_000.0).contains(&max_rps)) {
        return Err(UsageError::new(
            "`--max-rps` must be a number between 0.01 and 10000",
        ));
    }
    let (timeout, check_once) = match timeout {
        Timeout::Never => (None, false),
        Timeout::After(d) if d.is_zero() => (None, true),
        Timeout::After(d) => (Some(d), false),
    };
    Ok(WaitOptions {
        timeout,
        check_once,
        interval,
        max_interval,
        max_rps,
        fail_fast,
        not_found_grace,
    })
}

/// The directory for temporary files: `TMPDIR`, else `/tmp`, as the standard library reads
/// it on Unix; elsewhere the platform's own lookup.
fn temp_dir(env: &Env) -> PathBuf {
    if cfg!(unix) {
        env.get("TMPDIR")
            .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
    } else {
        std::env::temp_dir()
    }
}

/// The home directory: `HOME`, else the account database.
fn home_dir(env: &Env) -> Option<PathBuf> {
    env.get("HOME")
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf()))
}

/// Where IAM tokens are cached: the user's cache directory, `imsjob/tokens` in it. On Linux
/// and the BSDs that is `XDG_CACHE_HOME` (when absolute) or `~/.cache`, per the XDG base
/// directory specification; macOS and Windows keep their own conventions
/// (`~/Library/Caches`, the local application data folder).
fn token_cache_dir(env: &Env) -> Option<PathBuf> {
    if cfg!(all(unix, not(target_os = "macos"))) {
        let base = env
            .get("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute())
            .or_else(|| home_dir(env).map(|home| home.join(".cache")))?;
        Some(base.join("imsjob").join("tokens"))
    } else {
        directories::ProjectDirs::from("", "", "imsjob").map(|d| d.cache_dir().join("tokens"))
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
        // `--jq` filters the JSON document: a table asked for beside it would silently not
        // be shown (`--json`, `--events` and `-o` already refuse each other likewise).
        if let Some(format) = global.output.filter(|f| *f != OutputFormat::Json) {
            let name = format
                .to_possible_value()
                .map(|v| v.get_name().to_owned())
                .unwrap_or_default();
            return Err(UsageError::new(format!(
                "`--jq` filters the JSON document, so it cannot be combined with `-o {name}`"
            ))
            .with_hint(format!(
                "drop `-o {name}` to filter the JSON, or drop `--jq` to see the {name} view"
            )));
        }
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

/// The hint for credentials that cannot be resolved. The simulator is suggested only where
/// it can be what the user meant: nothing is configured at all, or the endpoint or IAM URL
/// given is on this machine. Pointed at a real cloud, the message names what is missing, and
/// `--help` lists what each method needs.
fn credentials_hint(
    error: &crate::config::credentials::ResolveError,
    pointed_at: &[String],
) -> String {
    use crate::config::credentials::ResolveError;
    const SIM: &str = "run `imsjob sim` for a local simulator and paste the exports it prints, or see `imsjob --help`";
    const HELP: &str =
        "`imsjob --help` lists what each authentication method needs (\"Authentication\")";
    let local = pointed_at
        .iter()
        .any(|url| Url::parse(url.trim()).is_ok_and(|url| is_loopback_url(&url)));
    match error {
        ResolveError::NoCredentials if pointed_at.is_empty() => SIM.into(),
        ResolveError::NoCredentials | ResolveError::Incomplete { .. } if local => SIM.into(),
        _ => HELP.into(),
    }
}

/// A warning when a service other than IMS is asked for while an endpoint is given that does
/// not look like it: the endpoint is used as given, so the service moves nothing, and a job
/// of that service would be looked for on the wrong API (the simulator's exports set
/// `IMSJOB_ENDPOINT` to its IMS endpoint). An endpoint that names the service in its host or
/// path (`https://ecs.eu-de…`, the simulator's `…/ecs`) is taken to be its own.
fn service_beside_endpoint(
    endpoint: Option<&Url>,
    service: Service,
    by_flag: bool,
) -> Option<String> {
    let endpoint = endpoint?;
    if service == Service::Ims {
        return None;
    }
    let name = service.name();
    let in_host = endpoint.host_str().is_some_and(|host| {
        host.split('.')
            .any(|label| label.eq_ignore_ascii_case(name))
    });
    let in_path = endpoint
        .path_segments()
        .is_some_and(|mut segments| segments.any(|segment| segment.eq_ignore_ascii_case(name)));
    if in_host || in_path {
        return None;
    }
    let asked = if by_flag {
        format!("`--service {name}`")
    } else {
        format!("`{SERVICE_VAR}={name}`")
    };
    Some(format!(
        "{asked} does not move the endpoint given with `--endpoint`/`{ENDPOINT_VAR}`: requests go to `{}` as given, and it does not look like the {} API: give the {} endpoint, or unset it so that the region's is asked",
        crate::safe_text::redact_userinfo(endpoint.as_str()),
        service.label(),
        service.label(),
    ))
}

/// An endpoint given with the path imsjob adds itself (`…/v1/{project_id}`, `…/v1`, as the
/// console and API references show the jobs URL) would become `…/v1/{id}/v1/{id}/jobs/…`, a
/// path the gateway knows no API for (404 `APIG.0101`). The suffix is dropped and named. A
/// project segment counts when it is 32 hexadecimal digits (an OTC project id) or the project
/// id in use.
fn strip_jobs_path(mut url: Url, project_id: Option<&ProjectId>) -> (Url, Option<String>) {
    let Some(segments) = url.path_segments() else {
        return (url, None);
    };
    let segments: Vec<String> = segments
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let is_project = |segment: &str| {
        (segment.len() == 32 && segment.bytes().all(|b| b.is_ascii_hexdigit()))
            || project_id.is_some_and(|id| id.as_str() == segment)
    };
    let cut = match segments.as_slice() {
        [.., version, project] if version == "v1" && is_project(project) => 2,
        [.., version] if version == "v1" => 1,
        _ => return (url, None),
    };
    let keep = segments.len() - cut;
    let dropped = format!("/{}", segments[keep..].join("/"));
    url.set_path(&format!("/{}", segments[..keep].join("/")));
    (url, Some(dropped))
}

/// Whether a URL's host is this machine: `localhost`, or a loopback address.
fn is_loopback_url(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

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
pub(crate) struct ConnectSettings {
    /// Warnings about how the settings were read (an endpoint path dropped), shown when the
    /// command connects.
    pub notices: Vec<String>,
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
    /// Which proxy each request goes through.
    pub proxies: Proxies,
    /// The directory of the IAM token cache; `None` with `--no-token-cache`, or when the
    /// user has no cache directory.
    pub token_cache: Option<PathBuf>,
}

impl ConnectSettings {
    /// Whether every URL this run can reach is plain `http://` (the simulator): then the
    /// system trust store is never needed, and not loading it saves a few milliseconds of
    /// reading `/etc/ssl/certs` on every start.
    #[must_use]
    pub(crate) fn only_plain_http(&self) -> bool {
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

    /// Whether every URL this run can reach is on this machine (a simulator): the endpoint
    /// is given and loopback, and so is the IAM URL where one is called.
    #[must_use]
    pub(crate) fn is_loopback(&self) -> bool {
        use crate::config::credentials::AuthMethod;
        let Some(endpoint) = &self.endpoint else {
            return false;
        };
        is_loopback_url(endpoint)
            && match &self.auth.method {
                AuthMethod::Token(_) => true,
                AuthMethod::AkSk { auth_url, .. } => {
                    self.project_id.is_some()
                        || Url::parse(auth_url).is_ok_and(|url| is_loopback_url(&url))
                }
                AuthMethod::Password(credentials) => {
                    Url::parse(&credentials.auth_url).is_ok_and(|url| is_loopback_url(&url))
                }
            }
    }

    /// The jobs endpoint of the service: `--endpoint`, else the token catalog's entry for the
    /// service, else the service's host in the region.
    ///
    /// # Errors
    /// When the catalog endpoint is not a usable base URL.
    pub(crate) fn jobs_endpoint(&self, from_catalog: Option<&str>) -> Result<Url, UsageError> {
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
        home_dir(env),
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
    let proxies = crate::config::proxy::resolve(|name| env.raw(name))?;
    let JobOptions {
        output: _,
        json: _,
        jq: _,
        endpoint,
        service,
        region,
        project_id,
        cloud,
        request_timeout,
        cacert,
        insecure,
        no_token_cache,
    } = global;
    // A zero limit fails every request before it is answered: a mistake, not an outage.
    if request_timeout.is_some_and(|t| t.is_zero()) {
        return Err(
            UsageError::new("`--request-timeout` must be greater than zero")
                .with_hint("give the time one HTTP request may take, e.g. `--request-timeout 30s`"),
        );
    }
    // `--cloud` / `OS_CLOUD`; an empty value counts as unset, like every variable.
    let cloud_name = cloud
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
        project_id: project_id.clone().filter(|p| !p.is_empty()),
        region: region.clone().filter(|r| !r.is_empty()),
        cacert: cacert.clone(),
        insecure: insecure.then_some(true),
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
    // Where the project id comes from, named if it is not one (the highest layer wins);
    // worked out only then.
    let (id_by_flag, id_by_env) = (flags.project_id.is_some(), from_env.project_id.is_some());
    let project_id_origin = || {
        if id_by_flag {
            "`--project-id`".to_owned()
        } else if id_by_env {
            "`OS_PROJECT_ID`".to_owned()
        } else {
            cloud.as_ref().map_or_else(
                || "the project id".to_owned(),
                |cloud| {
                    format!(
                        "`auth.project_id` of cloud `{}` in `{}`",
                        cloud.name,
                        cloud.source.display()
                    )
                },
            )
        }
    };
    let mut merged = flags.over(from_env);
    if let Some(inputs) = from_cloud {
        merged = merged.over(inputs);
    }
    let variant = SignerVariant::from_env_value(env.get(SIGNER_ENV_VAR).unwrap_or(""))
        .map_err(|e| UsageError::new(e.to_string()))?;
    // Where the run was pointed, for the hint of a configuration that cannot be completed.
    let pointed_at: Vec<String> = endpoint
        .iter()
        .map(String::as_str)
        .chain(env.get(ENDPOINT_VAR))
        .chain(merged.auth_url.as_deref())
        .filter(|url| !url.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let auth = crate::config::credentials::resolve(merged, variant)
        .map_err(|e| UsageError::new(e.to_string()).with_hint(credentials_hint(&e, &pointed_at)))?;
    let project_id = auth
        .project_id
        .as_deref()
        .map(ProjectId::parse)
        .transpose()
        .map_err(|e| UsageError::new(format!("{}: {e}", project_id_origin())))?;
    let endpoint = endpoint
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
    let mut auth = auth;
    // keystoneauth takes `OS_AUTH_URL` with or without its version; IAM's routes live
    // under `/v3`, so a URL without a version gets it (said at `-v`).
    if let crate::config::credentials::AuthMethod::Password(
        crate::auth::keystone::PasswordCredentials { auth_url, .. },
    )
    | crate::config::credentials::AuthMethod::AkSk { auth_url, .. } = &mut auth.method
        && let Some(versioned) = crate::config::credentials::with_identity_version(auth_url)
    {
        crate::ui::output::debug_log(1, || {
            format!(
                "the IAM URL `{}` names no API version: using `{}`",
                crate::safe_text::redact_userinfo(auth_url),
                crate::safe_text::redact_userinfo(&versioned)
            )
        });
        *auth_url = versioned;
    }
    let mut notices = Vec::new();
    let endpoint = endpoint.map(|url| {
        let (url, dropped) = strip_jobs_path(url, project_id.as_ref());
        if let Some(dropped) = dropped {
            notices.push(format!(
                "the endpoint ended in `{dropped}`, which imsjob adds itself: dropped it, using `{url}`"
            ));
        }
        url
    });
    if let crate::config::credentials::AuthMethod::Password(creds) = &auth.method {
        crate::auth::keystone::token_url(&creds.auth_url).map_err(|e| {
            UsageError::new(e.to_string()).with_hint(
                "`OS_AUTH_URL` is the IAM URL, such as `https://iam.eu-de.otc.t-systems.com/v3`",
            )
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
    let service_by_flag = service.is_some();
    let service = match *service {
        Some(name) => match name {
            ServiceName::Ims => Service::Ims,
            ServiceName::Ecs => Service::Ecs,
            ServiceName::Evs => Service::Evs,
            ServiceName::Bms => Service::Bms,
        },
        None => env
            .get(SERVICE_VAR)
            .map(Service::parse)
            .transpose()
            .map_err(|e| UsageError::new(format!("`{SERVICE_VAR}`: {e}")))?
            .unwrap_or_default(),
    };
    if let Some(warning) = service_beside_endpoint(endpoint.as_ref(), service, service_by_flag) {
        notices.push(warning);
    }
    // Only IAM-issued tokens are cached: the directory is not even worked out otherwise.
    let token_cache = (!*no_token_cache && auth.method.issues_tokens())
        .then(|| token_cache_dir(env))
        .flatten();
    let mut settings = ConnectSettings {
        notices,
        endpoint,
        service,
        project_id,
        auth,
        request_timeout: request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
        tls,
        proxies,
        token_cache,
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
    fn the_jobs_path_is_dropped_from_an_endpoint() {
        let strip = |text: &str, project: Option<&str>| {
            let project = project.map(|p| ProjectId::parse(p).expect("an id"));
            let (url, dropped) =
                strip_jobs_path(Url::parse(text).expect("a URL"), project.as_ref());
            (url.to_string(), dropped)
        };
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            strip(
                &format!("https://ims.eu-de.otc.t-systems.com/v1/{id}"),
                None
            ),
            (
                "https://ims.eu-de.otc.t-systems.com/".into(),
                Some(format!("/v1/{id}"))
            )
        );
        assert_eq!(
            strip(
                "http://127.0.0.1:8080/ecs/v1/my_project/",
                Some("my_project")
            ),
            (
                "http://127.0.0.1:8080/ecs".into(),
                Some("/v1/my_project".into())
            )
        );
        assert_eq!(
            strip("https://h/v1/", None),
            ("https://h/".into(), Some("/v1".into()))
        );
        for kept in [
            "https://h/",
            "https://h/ecs",
            "https://h/v2",
            "https://h/v1/jobs",
        ] {
            assert_eq!(strip(kept, None), (kept.to_owned(), None), "{kept}");
        }
    }

    #[test]
    fn loopback_is_this_machine_only() {
        for (url, local) in [
            ("http://127.0.0.1:1", true),
            ("http://[::1]:1/", true),
            ("http://LOCALHOST/", true),
            ("https://ims.eu-de.otc.t-systems.com", false),
            ("http://127.0.0.1.example.com/", false),
        ] {
            assert_eq!(
                is_loopback_url(&Url::parse(url).expect("a URL")),
                local,
                "{url}"
            );
        }
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

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn the_token_cache_directory_comes_from_the_captured_environment() {
        let password = [
            ("OS_AUTH_URL", "https://iam.example/v3"),
            ("OS_USERNAME", "u"),
            ("OS_PASSWORD", "p"),
            ("OS_USER_DOMAIN_NAME", "d"),
            ("OS_PROJECT_ID", "p"),
        ];
        let cache = |args: &[&str], more: &[(&str, &str)]| {
            let mut pairs = password.to_vec();
            pairs.extend_from_slice(more);
            resolve_connect(&global(args), &env(&pairs))
                .expect("resolves")
                .token_cache
        };
        assert_eq!(
            cache(&[], &[("XDG_CACHE_HOME", "/var/cache/u")]),
            Some(PathBuf::from("/var/cache/u/imsjob/tokens"))
        );
        // A relative XDG directory is ignored, as the specification says.
        assert_eq!(
            cache(&[], &[("XDG_CACHE_HOME", "rel")]),
            Some(PathBuf::from(
                "/nonexistent-imsjob-test-home/.cache/imsjob/tokens"
            ))
        );
        assert_eq!(cache(&["--no-token-cache"], &[]), None);
        // A ready token is never cached: no directory is worked out for it.
        let token = resolve_connect(
            &global(&[]),
            &env(&[("OS_AUTH_TOKEN", "t"), ("OS_PROJECT_ID", "p")]),
        )
        .expect("resolves");
        assert_eq!(token.token_cache, None);
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
