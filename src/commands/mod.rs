//! One module per subcommand. Each takes resolved settings and returns a [`Report`] (data and
//! exit status, never printed by the command); [`run`] renders it once, in the format chosen
//! before anything was sent, and hands the text to [`Output`]. Errors bubble up to `lib` where
//! they are classified once.

pub mod completions;
pub mod demo;
pub mod fetch;
pub mod get;
pub mod sim;
pub mod tree;
pub mod wait;

use std::io::BufRead;

use std::sync::Arc;

use crate::api::client::{ClientConfig, ImsClient, RequestAuth, auth_api_error, http_client};
use crate::api::id::{JobId, ProjectId};
use crate::auth::cache::TokenCache;
use crate::auth::resolve::AuthMethod;
use crate::auth::session::Authenticator;
use crate::cli::{Cli, Command, GetArgs, GlobalArgs, OutputFormat, TreeArgs, WaitArgs};
use crate::error::UsageError;
use crate::exit::ExitStatus;
use crate::output::Output;
use crate::output::debug_log;
use crate::render::progress::{Progress, wait_observer};
use crate::report::Report;
use crate::settings::{self, Env, Formats, Render};

/// Most ids `wait -`/`get -` accept from stdin; far beyond any real batch, and it bounds
/// memory when something else is piped in by mistake.
const MAX_STDIN_IDS: usize = 1_000_000;

/// What `get` shows besides its JSON document: a table (a tree of unrelated jobs means nothing).
const GET: Formats = Formats {
    command: "get",
    default: OutputFormat::Table,
    views: &[OutputFormat::Table],
    events: false,
};
/// What `wait` shows: the final states, like `get` (or `--events`).
const WAIT: Formats = Formats {
    command: "wait",
    ..GET
};
/// What `tree` shows: the tree (a table with branches, so `-o table` is the same).
const TREE: Formats = Formats {
    command: "tree",
    default: OutputFormat::Tree,
    views: &[OutputFormat::Tree, OutputFormat::Table],
    events: false,
};

/// Dispatches a parsed command line: run the command, render its report once, write it.
///
/// # Errors
/// Any error of the command; the caller classifies it into an exit status.
pub async fn run(cli: Cli, env: &Env, out: &Output) -> anyhow::Result<ExitStatus> {
    let global = &cli.global;
    let (report, mode) = match cli.command {
        Command::Get(args) => run_get(&args, global, env, out).await?,
        Command::Wait(args) => run_wait(&args, global, env, out).await?,
        Command::Tree(args) => run_tree(&args, global, env, out).await?,
        // Plain text, shown as it comes: demo and sim speak as they go.
        Command::Completions(args) => return show_plain(&completions::run(args.shell), out),
        Command::Demo => {
            let mut observer = Progress::new(out);
            return demo::run(&mut observer, &mut |r| out.show_plain(r)).await;
        }
        Command::Sim(args) => return sim::run(&args, &mut |r| out.show_plain(r)).await,
    };
    out.show(crate::render::render(&report, &mode, &out.view()))?;
    Ok(report.status)
}

fn show_plain(report: &Report, out: &Output) -> anyhow::Result<ExitStatus> {
    out.show_plain(report)?;
    Ok(report.status)
}

// Each command resolves its output mode and validates its ids before anything is sent.

async fn run_get(
    args: &GetArgs,
    global: &GlobalArgs,
    env: &Env,
    out: &Output,
) -> anyhow::Result<(Report, Render)> {
    let mode = settings::resolve_render(global, &GET)?;
    let ids = job_ids(&args.ids)?;
    let client = connect(global, env, out).await?;
    Ok((get::run(&client, &ids).await, mode))
}

async fn run_wait(
    args: &WaitArgs,
    global: &GlobalArgs,
    env: &Env,
    out: &Output,
) -> anyhow::Result<(Report, Render)> {
    let formats = Formats {
        events: args.events,
        ..WAIT
    };
    let mode = settings::resolve_render(global, &formats)?;
    let ids = job_ids(&args.ids)?;
    let options = wait::WaitOptions::from_args(args)?;
    let client = connect(global, env, out).await?;
    let mut observer = wait_observer(out, &mode);
    let report = wait::run(&client, ids, &options, &mut *observer).await?;
    Ok((report, mode))
}

async fn run_tree(
    args: &TreeArgs,
    global: &GlobalArgs,
    env: &Env,
    out: &Output,
) -> anyhow::Result<(Report, Render)> {
    let mode = settings::resolve_render(global, &TREE)?;
    let id = JobId::parse(args.id.trim())?;
    let client = connect(global, env, out).await?;
    Ok((tree::run(&client, &id).await?, mode))
}

/// Resolves settings, authenticates (token, AK/SK, or password → IAM token) and builds the
/// IMS client. Password authentication and an AK/SK project name make IAM calls here, before
/// the first IMS request.
async fn connect(
    global: &crate::cli::GlobalArgs,
    env: &Env,
    out: &Output,
) -> anyhow::Result<ImsClient> {
    let settings = settings::resolve_connect(global, env)?;
    if settings.tls.insecure {
        out.warn("TLS certificate verification is disabled (`--insecure`): answers could come from anyone");
    }
    debug_log(1, || {
        format!(
            "authentication: {}; region `{}`",
            settings.auth.method.describe(),
            settings.auth.region
        )
    });
    let http = http_client(settings.request_timeout, &settings.tls)?;
    let (auth, project_id, catalog_endpoint) = match &settings.auth.method {
        AuthMethod::Token(token) => {
            let project_id = settings.project_id.clone().ok_or_else(|| {
                UsageError::new("no project id")
                    .with_hint("set `OS_PROJECT_ID` or pass `--project-id`")
            })?;
            (RequestAuth::Token(token.clone()), project_id, None)
        }
        AuthMethod::AkSk { .. } | AuthMethod::Password(_) => {
            let cache = if settings.token_cache {
                TokenCache::default_dir().map(TokenCache::new)
            } else {
                None
            };
            let authenticator = Arc::new(Authenticator::new(
                settings.auth.clone(),
                http.clone(),
                cache,
            ));
            let session = authenticator.start().await.map_err(auth_api_error)?;
            debug_log(1, || {
                format!(
                    "authenticated: project `{}`, {}{}",
                    session.project_id,
                    session.source.describe(),
                    session
                        .ims_endpoint
                        .as_deref()
                        .map(|e| format!(", catalog IMS endpoint `{e}`"))
                        .unwrap_or_default()
                )
            });
            let project_id = match settings.project_id.clone() {
                Some(id) => id,
                None => ProjectId::parse(&session.project_id)?,
            };
            (
                RequestAuth::Managed(authenticator),
                project_id,
                session.ims_endpoint,
            )
        }
    };
    let endpoint = settings.ims_endpoint(catalog_endpoint.as_deref())?;
    debug_log(1, || format!("IMS endpoint `{endpoint}`"));
    ImsClient::with_http(
        http,
        ClientConfig {
            endpoint,
            project_id,
            auth,
            request_timeout: settings.request_timeout,
            tls: settings.tls,
        },
    )
}

/// The ids of a command line, with `-` read from stdin (one per line; blank lines and `#`
/// comments skipped). All are validated before anything is sent.
///
/// # Errors
/// The first invalid id (with its line number when read from stdin), or unreadable stdin.
pub fn job_ids(args: &[String]) -> Result<Vec<JobId>, UsageError> {
    let mut ids = Vec::new();
    for arg in args {
        if arg == "-" {
            read_ids(std::io::stdin().lock(), &mut ids)?;
        } else {
            ids.push(JobId::parse(arg.trim())?);
        }
    }
    if ids.is_empty() {
        return Err(UsageError::new("no job ids given")
            .with_hint("pass ids as arguments or one per line on stdin with `-`"));
    }
    Ok(ids)
}

/// Longest stdin line kept; anything longer cannot be an id and is refused without being
/// held whole (a stray binary or a file without newlines piped in by mistake).
const MAX_STDIN_LINE: usize = 1024;

/// Reads ids line by line; a line longer than any id is refused without being kept whole.
fn read_ids(mut input: impl BufRead, ids: &mut Vec<JobId>) -> Result<(), UsageError> {
    let mut line = Vec::with_capacity(128);
    let mut number = 0usize;
    loop {
        line.clear();
        let (total, ended) = read_bounded_line(&mut input, &mut line, MAX_STDIN_LINE)
            .map_err(|e| UsageError::new(format!("cannot read job ids from stdin: {e}")))?;
        if total == 0 && !ended {
            return Ok(());
        }
        number += 1;
        if total > MAX_STDIN_LINE {
            return Err(UsageError::new(format!(
                "stdin line {number}: {total} bytes is too long for a job id (1 to 64 letters, digits and `-`)"
            )));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let id =
            JobId::parse(text).map_err(|e| UsageError::new(format!("stdin line {number}: {e}")))?;
        if ids.len() >= MAX_STDIN_IDS {
            return Err(UsageError::new(format!(
                "more than {MAX_STDIN_IDS} job ids on stdin"
            )));
        }
        ids.push(id);
    }
}

/// Reads up to the next `\n`, keeping at most `cap` bytes of it in `line`. Returns the line's
/// full length (without the newline) and whether a newline ended it.
fn read_bounded_line(
    input: &mut impl BufRead,
    line: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(usize, bool)> {
    let mut total = 0;
    loop {
        let buffer = match input.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buffer.is_empty() {
            return Ok((total, false));
        }
        let (chunk, ended) = match buffer.iter().position(|&b| b == b'\n') {
            Some(at) => (&buffer[..at], true),
            None => (buffer, false),
        };
        let room = cap.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        total += chunk.len();
        let used = chunk.len() + usize::from(ended);
        input.consume(used);
        if ended {
            return Ok((total, true));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_ids_skip_blanks_and_comments() {
        let mut ids = Vec::new();
        read_ids(&b"# batch\n\nabc\n  def  \r\n"[..], &mut ids).expect("reads");
        let ids: Vec<_> = ids.iter().map(JobId::as_str).collect();
        assert_eq!(ids, ["abc", "def"]);
    }

    #[test]
    fn an_endless_line_is_refused_without_being_kept() {
        let mut input = b"abc\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 5_000_000));
        let mut ids = Vec::new();
        let error = read_ids(&input[..], &mut ids).expect_err("refused");
        assert_eq!(
            error.to_string(),
            "stdin line 2: 5000000 bytes is too long for a job id (1 to 64 letters, digits and `-`)"
        );
        let mut ids = Vec::new();
        read_ids(&b"abc"[..], &mut ids).expect("a last line without newline counts");
        assert_eq!(ids.len(), 1);
    }

    #[test]
    fn stdin_errors_name_the_line() {
        let mut ids = Vec::new();
        let error = read_ids(&b"abc\n../x\n"[..], &mut ids).expect_err("refused");
        assert!(
            error
                .to_string()
                .starts_with("stdin line 2: invalid job id"),
            "{error}"
        );
    }
}
