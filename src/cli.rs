//! Command-line syntax (clap only). Values here are raw input; `settings` validates and
//! merges them with the environment and clouds.yaml.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::ColorChoice;
use crate::time::parse_duration;

const EXIT_CODES: &str = "\
Exit codes:
  0    success: get/tree fetched everything; wait: every job SUCCESS
  1    wait: at least one job ended FAIL
  2    usage or configuration error (nothing was sent)
  3    authentication or authorization refused
  4    job not found
  5    API unavailable or unusable after retries
  124  wait --timeout passed while a job was still running
  130  interrupted (SIGINT); 143: terminated (SIGTERM)
With several jobs the most severe code wins: 3 > 5 > 4 > 124 > 1 > 0.";

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
    after_help = EXIT_CODES,
    help_expected = true,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Output format (`table` for get/wait, `tree` for tree)
    #[arg(short, long, global = true, value_enum)]
    pub output: Option<OutputFormat>,

    /// Same as `-o json`
    #[arg(long, global = true, conflicts_with = "output")]
    pub json: bool,

    /// Filter the JSON document with a jq expression; strings print raw
    #[arg(long, global = true, value_name = "EXPR")]
    pub jq: Option<String>,

    /// IMS base URL (no `/v1`); overrides the catalog and the region
    #[arg(long, global = true, env = "IMSJOB_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,

    /// Region (default: the project-name prefix, else `eu-de`)
    #[arg(long, global = true, env = "OS_REGION_NAME", value_name = "NAME")]
    pub region: Option<String>,

    /// Project id the jobs belong to
    #[arg(long, global = true, env = "OS_PROJECT_ID", value_name = "ID")]
    pub project_id: Option<String>,

    /// Entry of clouds.yaml to use
    #[arg(long, global = true, env = "OS_CLOUD", value_name = "NAME")]
    pub cloud: Option<String>,

    /// Time limit of one HTTP request
    #[arg(long, global = true, value_parser = parse_duration, value_name = "DUR", default_value = "30s")]
    pub request_timeout: Duration,

    /// Extra CA certificates (PEM) to trust
    #[arg(long, global = true, env = "OS_CACERT", value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Do not verify TLS certificates (warns on stderr)
    #[arg(long, global = true, env = "OS_INSECURE")]
    pub insecure: bool,

    /// Do not read or write the IAM token cache (password authentication)
    #[arg(long, global = true)]
    pub no_token_cache: bool,

    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// No progress on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Debug log on stderr (repeat for more); secrets are never shown
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Tree,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show jobs (a table by default)
    #[command(after_help = EXIT_CODES)]
    Get(GetArgs),
    /// Poll until every job is SUCCESS or FAIL; the exit code tells which
    #[command(after_help = EXIT_CODES)]
    Wait(WaitArgs),
    /// Show a job and its sub-jobs as a tree
    #[command(after_help = EXIT_CODES)]
    Tree(TreeArgs),
    /// A guided run against the built-in simulator; no account needed
    Demo,
    /// Serve the IMS simulator on 127.0.0.1 for offline script testing
    Sim(SimArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// Job ids, or `-` to read them from stdin (one per line)
    #[arg(required = true, value_name = "JOB_ID")]
    pub ids: Vec<String>,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Job ids, or `-` to read them from stdin (one per line)
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
}

/// `--timeout`: a duration, or no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
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

#[derive(Debug, Args)]
pub struct TreeArgs {
    /// The parent job id
    #[arg(value_name = "JOB_ID")]
    pub id: String,
}

#[derive(Debug, Args)]
pub struct SimArgs {
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
pub struct CompletionsArgs {
    /// The shell to generate for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The clap command, for completions, the man page and tests.
#[must_use]
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_consistent() {
        super::command().debug_assert();
    }
}
