//! Command-line syntax (clap only). Values here are raw input: nothing is read from the
//! environment here (help must never show an environment value, which may be a secret);
//! `settings` validates the flags and merges them with the environment and clouds.yaml.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::time::parse_duration;

/// The top-level long help: where credentials come from, and which wins. The environment
/// table and the exit codes follow it (see [`command`]).
const AUTHENTICATION_HELP: &str = "Authentication (the first one configured wins):
  1. token     OS_AUTH_TOKEN (or OS_TOKEN), with OS_PROJECT_ID
  2. AK/SK     OS_ACCESS_KEY + OS_SECRET_KEY (+ OS_SECURITY_TOKEN), with
               OS_PROJECT_ID or OS_PROJECT_NAME; IMSJOB_AKSK_SIGNER picks the
               signature variant
  3. password  OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_USER_DOMAIN_NAME (or
               OS_DOMAIN_NAME), OS_PROJECT_ID or OS_PROJECT_NAME (+ OS_PASSCODE
               for MFA); the IAM token is cached
  Or any of these in clouds.yaml / secure.yaml, chosen with --cloud / OS_CLOUD.
  A flag wins over its environment variable, which wins over clouds.yaml.
";

/// Examples of the top-level long help.
const TOP_EXAMPLES: &str = "Examples:
  imsjob sim                         # a local simulator: paste what it prints
  imsjob get $JOB_ID                 # one job as a table
  imsjob wait $JOB_ID --timeout 30m  # block until it ends; the exit code tells
  imsjob tree $JOB_ID -o json        # a job and its sub-jobs as JSON
";

/// See and gate on Open Telekom Cloud IMS asynchronous jobs.
#[derive(Debug, Parser)]
#[command(
    name = "imsjob",
    version,
    long_version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("IMSJOB_BUILD_COMMIT"), ")"),
    about,
    long_about = "See and gate on Open Telekom Cloud IMS asynchronous jobs.\n\n\
                  Creating, importing, exporting, copying or sharing an image returns a job id; \
                  `imsjob get` shows the job, `imsjob wait` blocks until it ends (exit code = \
                  outcome), `imsjob tree` shows its sub-jobs.",
    help_expected = true,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    /// Job options given before the subcommand (`imsjob --json get ID`).
    #[command(flatten)]
    pub job: JobOptions,

    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options of the job commands (`get`, `wait`, `tree`). They may come before the subcommand
/// (where `settings` refuses them for `demo`, `sim` and `completions`) or after it (where only
/// the job commands know them); after the subcommand wins.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Job options")]
#[expect(
    clippy::doc_markdown,
    reason = "these doc comments are `--help` text, where backticks would show"
)]
pub(crate) struct JobOptions {
    /// Output format: `table` (get, wait), `tree` (tree), `wide` (every column in full) or `json`
    #[arg(short, long, value_enum)]
    pub output: Option<OutputFormat>,

    /// Same as `-o json`
    #[arg(long, conflicts_with = "output")]
    pub json: bool,

    /// Filter the JSON document with a jq expression; strings print raw
    #[arg(long, value_name = "EXPR")]
    pub jq: Option<String>,

    /// IMS base URL (no `/v1`); overrides the catalog and the region [env: IMSJOB_ENDPOINT]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    /// Service whose jobs these are; picks the catalog entry and the regional endpoint
    /// [default: ims] [env: IMSJOB_SERVICE]
    #[arg(long, value_enum, value_name = "NAME")]
    pub service: Option<ServiceName>,

    /// Region (default: the project-name prefix, else `eu-de`) [env: OS_REGION_NAME]
    #[arg(long, value_name = "NAME")]
    pub region: Option<String>,

    /// Project id the jobs belong to [env: OS_PROJECT_ID]
    #[arg(long, value_name = "ID")]
    pub project_id: Option<String>,

    /// Entry of clouds.yaml to use [env: OS_CLOUD]
    #[arg(long, value_name = "NAME")]
    pub cloud: Option<String>,

    /// Time limit of one HTTP request [default: 30s]
    #[arg(long, value_parser = parse_duration, value_name = "DUR")]
    pub request_timeout: Option<Duration>,

    /// Extra CA certificates (PEM) to trust [env: OS_CACERT]
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Do not verify TLS certificates (warns on stderr) [env: OS_INSECURE]
    #[arg(long)]
    pub insecure: bool,

    /// Do not read or write the IAM token cache (password authentication)
    #[arg(long)]
    pub no_token_cache: bool,
}

/// Options every command takes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    /// No progress on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Debug log on stderr (repeat for more); secrets are never shown
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl JobOptions {
    /// These options over `lower` (those given before the subcommand): values given here win,
    /// switches add up.
    #[must_use]
    pub(crate) fn over(self, lower: Self) -> Self {
        Self {
            output: self.output.or(lower.output),
            json: self.json || lower.json,
            jq: self.jq.or(lower.jq),
            endpoint: self.endpoint.or(lower.endpoint),
            service: self.service.or(lower.service),
            region: self.region.or(lower.region),
            project_id: self.project_id.or(lower.project_id),
            cloud: self.cloud.or(lower.cloud),
            request_timeout: self.request_timeout.or(lower.request_timeout),
            cacert: self.cacert.or(lower.cacert),
            insecure: self.insecure || lower.insecure,
            no_token_cache: self.no_token_cache || lower.no_token_cache,
        }
    }

    /// The first option that was given, as typed (`--jq`), for refusing it where it does
    /// not apply.
    #[must_use]
    pub(crate) fn first_given(&self) -> Option<&'static str> {
        [
            (self.output.is_some(), "--output"),
            (self.json, "--json"),
            (self.jq.is_some(), "--jq"),
            (self.endpoint.is_some(), "--endpoint"),
            (self.service.is_some(), "--service"),
            (self.region.is_some(), "--region"),
            (self.project_id.is_some(), "--project-id"),
            (self.cloud.is_some(), "--cloud"),
            (self.request_timeout.is_some(), "--request-timeout"),
            (self.cacert.is_some(), "--cacert"),
            (self.insecure, "--insecure"),
            (self.no_token_cache, "--no-token-cache"),
        ]
        .into_iter()
        .find_map(|(given, name)| given.then_some(name))
    }
}

/// `--color` (settings map it onto the output's colour choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorWhen {
    /// Colour on a terminal, unless the environment says otherwise.
    Auto,
    /// Colour even off a terminal (`NO_COLOR` still wins).
    Always,
    /// Never colour.
    Never,
}

/// `--service` (settings map it onto the service it names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ServiceName {
    /// Image Management Service
    Ims,
    /// Elastic Cloud Server
    Ecs,
    /// Elastic Volume Service
    Evs,
    /// Bare Metal Server
    Bms,
}

/// `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    Table,
    Json,
    Tree,
    // The table or tree with every column in full (STARTED as UTC time), not fitted to the
    // terminal, like `kubectl -o wide`.
    Wide,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show jobs (a table by default)
    #[command(after_help = concat!("Examples:\n", "  imsjob get $JOB_ID                    # a table
  imsjob get $JOB_ID -o json            # the job exactly as the API returned it
  # a field, or nothing at all when the job has none:
  imsjob get $JOB_ID --jq '.entities.image_id // empty'
  # ids from stdin, or the `{\"job_id\": ...}` answers: always a JSON array
  printf '%s\\n' $ID1 $ID2 | imsjob get - --json"))]
    Get(GetArgs),
    /// Poll until every job is SUCCESS or FAIL; the exit code tells which
    #[command(after_help = concat!("Examples:\n", "  imsjob wait $JOB_ID                   # progress on stderr, table on stdout
  # the final job object on stdout, also on FAIL (exit 1) or timeout (124):
  imsjob wait $JOB_ID --timeout 30m --json
  imsjob wait $ID1 $ID2 --fail-fast     # stop at the first FAIL
  imsjob wait $JOB_ID --events | tee wait.ndjson   # a JSON line per change"))]
    Wait(WaitArgs),
    /// Show a job and its sub-jobs as a tree
    #[command(after_help = concat!("Examples:\n", "  imsjob tree $JOB_ID                   # the job and its sub-jobs
  imsjob tree $JOB_ID -o json           # {\"job\": {...}, \"sub_jobs\": [...]}
  imsjob tree $JOB_ID --jq '.sub_jobs[].job.status'"))]
    Tree(TreeArgs),
    /// A guided run against the built-in simulator; no account needed
    #[command(
        after_help = "Examples:\n  imsjob demo                           # no account, no network"
    )]
    Demo,
    /// Serve the IMS simulator on 127.0.0.1 for offline script testing
    #[command(
        after_help = "On start it lists on stderr the jobs it serves: the built-in (or the
scenario's) jobs and the job ids of the 14 documented example responses.

Examples:
  imsjob sim                            # prints the exports to paste
  imsjob sim --port 8080 --scenario jobs.yaml   # your jobs, timelines, faults
  imsjob sim --tls                      # HTTPS, a certificate made at start"
    )]
    Sim(SimArgs),
    /// Print a shell completion script
    #[command(after_help = "Examples:
  mkdir -p ~/.local/share/bash-completion/completions
  imsjob completions bash > ~/.local/share/bash-completion/completions/imsjob
  mkdir -p ~/.config/fish/completions
  imsjob completions fish > ~/.config/fish/completions/imsjob.fish")]
    Completions(CompletionsArgs),
    /// What an error code means, what to do about it, and whether imsjob retries it
    #[command(after_help = "Examples:
  imsjob explain IMG.0194               # meaning, HTTP status, what to do
  imsjob explain apigw.0308 EVS.2024    # any case; APIGW.xxxx is APIG.xxxx
  imsjob explain --list                 # every known code, one per line
  imsjob explain IMG.0194 --json        # for scripts

Exit codes:
  0    every code is known
  2    an argument is not shaped like a code (letters, a dot, digits)
  4    a code is not in the table (the nearest known codes are suggested)")]
    Explain(ExplainArgs),
}

impl Command {
    /// The subcommand's name, as typed.
    #[must_use]
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Get(_) => "get",
            Self::Wait(_) => "wait",
            Self::Tree(_) => "tree",
            Self::Demo => "demo",
            Self::Sim(_) => "sim",
            Self::Completions(_) => "completions",
            Self::Explain(_) => "explain",
        }
    }

    /// The job options given after the subcommand, for the commands that have them.
    #[must_use]
    pub(crate) fn job_options(&self) -> Option<&JobOptions> {
        match self {
            Self::Get(args) => Some(&args.job),
            Self::Wait(args) => Some(&args.job),
            Self::Tree(args) => Some(&args.job),
            Self::Demo | Self::Sim(_) | Self::Completions(_) | Self::Explain(_) => None,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// Job ids, or `-` to read them from stdin (one per line, `{"job_id": ...}` answers, or a
    /// JSON array of them)
    #[arg(required = true, value_name = "JOB_ID")]
    pub ids: Vec<String>,

    #[command(flatten)]
    pub job: JobOptions,
}

#[derive(Debug, Args)]
pub(crate) struct WaitArgs {
    /// Job ids, or `-` to read them from stdin (one per line, `{"job_id": ...}` answers, or a
    /// JSON array of them)
    #[arg(required = true, value_name = "JOB_ID")]
    pub ids: Vec<String>,

    /// Overall deadline; `0` checks once, `none` waits without limit
    #[arg(long, value_parser = parse_timeout, default_value = "1h", value_name = "DUR")]
    pub timeout: Timeout,

    /// First delay between polls of a job; grows x1.5 with jitter
    #[arg(long, value_parser = parse_duration, default_value = "2s", value_name = "DUR")]
    pub interval: Duration,

    /// Cap of the delay between polls
    #[arg(long, value_parser = parse_duration, default_value = "30s", value_name = "DUR")]
    pub max_interval: Duration,

    /// Request budget per second, shared by all jobs
    #[arg(long, default_value_t = 10.0, value_name = "N")]
    pub max_rps: f64,

    /// With several jobs, stop at the first FAIL
    #[arg(long)]
    pub fail_fast: bool,

    /// NDJSON on stdout: one line per state change, then one final line
    #[arg(long, conflicts_with_all = ["json", "jq", "output"])]
    pub events: bool,

    /// How long a job that is not found counts as just created (then exit 4)
    #[arg(long, value_parser = parse_duration, default_value = "30s", value_name = "DUR")]
    pub not_found_grace: Duration,

    #[command(flatten)]
    pub job: JobOptions,
}

/// `--timeout`: a duration, or no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timeout {
    After(Duration),
    Never,
}

fn parse_timeout(text: &str) -> Result<Timeout, String> {
    if text.trim().eq_ignore_ascii_case("none") {
        Ok(Timeout::Never)
    } else {
        parse_duration(text).map(Timeout::After)
    }
}

/// Sub-jobs `tree` shows at most by default (`doc/contract.md`).
pub(crate) const DEFAULT_MAX_SUB_JOBS: usize = 1000;

#[derive(Debug, Args)]
pub(crate) struct TreeArgs {
    /// The parent job id
    #[arg(value_name = "JOB_ID")]
    pub id: String,

    /// Sub-jobs shown at most, fetched or given in full, nearest first; the rest are counted
    #[arg(long, default_value_t = DEFAULT_MAX_SUB_JOBS, value_name = "N")]
    pub max_sub_jobs: usize,

    #[command(flatten)]
    pub job: JobOptions,
}

#[derive(Debug, Args)]
pub(crate) struct SimArgs {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// Scenario file (YAML or JSON) declaring jobs, timelines, outcomes and faults
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,

    /// Serve HTTPS with a self-signed certificate made at start (its PEM path is printed)
    #[arg(long)]
    pub tls: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to generate for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct ExplainArgs {
    /// Error codes, as a job or an API answer gives them (`IMG.0194`, `Ecs.0039`, `APIGW.0308`)
    #[arg(value_name = "CODE", required_unless_present = "list")]
    pub codes: Vec<String>,

    /// Print every known code, one per line: code, service, meaning
    #[arg(long, conflicts_with = "codes")]
    pub list: bool,

    /// JSON for scripts: an object per code (an array for several codes or `--list`)
    #[arg(long)]
    pub json: bool,
}

/// The clap command, for parsing, completions, the man page and tests. The exit codes and
/// the environment come from their one table (`tables`), appended here to the help
/// of the program and of each job command.
#[must_use]
pub fn command() -> clap::Command {
    let exit_codes = crate::tables::exit_codes_help();
    let long = format!(
        "{AUTHENTICATION_HELP}\n{}\n{TOP_EXAMPLES}\n{exit_codes}",
        crate::tables::environment_help()
    );
    let mut command = <Cli as clap::CommandFactory>::command()
        .after_help(exit_codes.clone())
        .after_long_help(long);
    // In place: `mut_subcommand` would move each one to the end of the list.
    for sub in command.get_subcommands_mut() {
        if matches!(sub.get_name(), "get" | "wait" | "tree") {
            let examples = sub
                .get_after_help()
                .map(ToString::to_string)
                .unwrap_or_default();
            *sub = std::mem::take(sub).after_help(format!("{examples}\n\n{exit_codes}"));
        }
    }
    command
}

/// The completion script of `shell`.
#[must_use]
pub fn completions(shell: clap_complete::Shell) -> String {
    let mut command = command();
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut command, "imsjob", &mut buffer);
    String::from_utf8_lossy(&buffer).into_owned()
}

/// Parses the process arguments with [`command`].
///
/// # Errors
/// clap's error: help, version, or a usage error.
pub(crate) fn parse() -> Result<Cli, clap::Error> {
    parse_from(std::env::args_os())
}

/// Parses the given arguments (the first is the program name).
///
/// # Errors
/// clap's error: help, version, or a usage error.
pub(crate) fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::FromArgMatches as _;
    let mut command = command();
    let matches = command.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_consistent() {
        super::command().debug_assert();
    }
}
