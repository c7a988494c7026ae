//! Generated files are committed (`completions/`, `doc/`) so that packagers and users get them
//! without building; these tests regenerate them in memory and fail when the committed copies
//! are stale. To refresh them after changing the CLI:
//!
//! ```sh
//! IMSJOB_REFRESH_GENERATED=1 cargo test --test generated
//! ```

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::ValueEnum;
use clap_complete::{Generator, Shell};

/// The command that rewrites every generated file.
const REFRESH: &str = "IMSJOB_REFRESH_GENERATED=1 cargo test --test generated";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compares a committed file with its fresh rendering; rewrites it when asked to.
fn check(relative: &str, fresh: &str) -> Result<(), String> {
    let path = root().join(relative);
    if std::env::var_os("IMSJOB_REFRESH_GENERATED").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{relative}: {e}"))?;
        }
        std::fs::write(&path, fresh).map_err(|e| format!("{relative}: {e}"))?;
        return Ok(());
    }
    match std::fs::read_to_string(&path) {
        Ok(committed) if committed == fresh => Ok(()),
        Ok(_) => Err(format!("`{relative}` is stale")),
        Err(e) => Err(format!("`{relative}` is missing ({e})")),
    }
}

fn report(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{}\nthe CLI changed: refresh the generated files with\n    {REFRESH}\nand commit them",
        problems.join("\n")
    );
}

#[test]
fn completions_are_up_to_date() {
    let problems: Vec<String> = Shell::value_variants()
        .iter()
        .filter_map(|&shell| {
            let fresh = imsjob::commands::completions::generate(shell);
            let file = format!("completions/{}", shell.file_name("imsjob"));
            check(&file, &fresh).err()
        })
        .collect();
    report(&problems);
}

#[test]
fn man_pages_are_up_to_date() {
    let problems: Vec<String> = man_pages()
        .into_iter()
        .filter_map(|(file, fresh)| check(&file, &fresh).err())
        .collect();
    report(&problems);
}

#[test]
fn the_man_page_has_exit_codes_and_environment() {
    let pages = man_pages();
    let main = &pages[0].1;
    for needle in [
        ".SH \"EXIT CODES\"",
        ".SH \"ENVIRONMENT\"",
        "124",
        "OS_AUTH_TOKEN",
        "NO_COLOR",
    ] {
        assert!(main.contains(needle), "the man page lacks {needle}");
    }
    // Every subcommand has its page, and the main page points to it.
    for sub in imsjob::cli::command().get_subcommands() {
        let name = format!("imsjob-{}", sub.get_name());
        assert!(
            pages
                .iter()
                .any(|(file, _)| file == &format!("doc/{name}.1")),
            "no page for {name}"
        );
        assert!(
            main.contains(&name.replace('-', "\\-")),
            "{name} not listed"
        );
    }
}

/// `doc/imsjob.1` first, then one page per subcommand (`doc/imsjob-wait.1`, ...).
fn man_pages() -> Vec<(String, String)> {
    // The pages name the release, not the commit `--version` adds: a page that named the
    // commit would be stale after every commit.
    let mut command = imsjob::cli::command()
        .disable_help_subcommand(true)
        .long_version(None::<&'static str>);
    command.build();
    let mut pages = vec![("doc/imsjob.1".to_owned(), main_page(&command))];
    for sub in command.get_subcommands() {
        let man = manual(sub);
        let mut page = render_common(&man);
        page.push_str(&definitions("EXIT CODES", EXIT_CODES));
        page.push_str(&version(&man));
        page.push_str(".SH \"SEE ALSO\"\n\\fBimsjob\\fR(1)\n");
        pages.push((format!("doc/{}", man.get_filename()), page));
    }
    pages
}

fn manual(command: &clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(command.clone())
        .manual("imsjob manual")
        .source(format!("imsjob {}", env!("CARGO_PKG_VERSION")))
}

/// Title, name, synopsis, description, options and subcommands, as clap_mangen renders them
/// (its "EXTRA" section, the after-help text, is replaced by a proper EXIT CODES section).
fn render_common(man: &clap_mangen::Man) -> String {
    let mut buffer = Vec::new();
    let render = |buffer: &mut Vec<u8>| -> std::io::Result<()> {
        man.render_title(buffer)?;
        man.render_name_section(buffer)?;
        man.render_synopsis_section(buffer)?;
        man.render_description_section(buffer)?;
        man.render_options_section(buffer)?;
        Ok(())
    };
    render(&mut buffer).expect("render the man page");
    String::from_utf8(buffer).expect("roff is text")
}

fn version(man: &clap_mangen::Man) -> String {
    let mut buffer = Vec::new();
    man.render_version_section(&mut buffer)
        .expect("render the version");
    String::from_utf8(buffer).expect("roff is text")
}

/// The main page: clap's sections, then EXIT CODES, ENVIRONMENT and FILES (the after-help
/// text with the exit codes becomes a proper section rather than clap's "EXTRA").
fn main_page(command: &clap::Command) -> String {
    let man = manual(command);
    let mut page = render_common(&man);
    let mut subcommands = Vec::new();
    man.render_subcommands_section(&mut subcommands)
        .expect("render the subcommands");
    page.push_str(&String::from_utf8(subcommands).expect("roff is text"));
    page.push_str(&definitions("EXIT CODES", EXIT_CODES));
    page.push_str(".PP\nWith several jobs the most severe code wins: 3 > 5 > 4 > 124 > 1 > 0.\n");
    page.push_str(&definitions("ENVIRONMENT", ENVIRONMENT));
    page.push_str(&definitions("FILES", FILES));
    page.push_str(".SH EXAMPLES\n");
    for (what, example) in EXAMPLES {
        let _ = write!(
            page,
            ".PP\n{}\n.PP\n.RS 4\n.nf\n{}\n.fi\n.RE\n",
            roff(what),
            roff(example)
        );
    }
    page.push_str(&version(&man));
    page.push_str(".SH \"SEE ALSO\"\n");
    let see_also: Vec<String> = command
        .get_subcommands()
        .map(|sub| format!("\\fBimsjob\\-{}\\fR(1)", roff(sub.get_name())))
        .collect();
    page.push_str(&see_also.join(", "));
    page.push('\n');
    page
}

/// A section of `.TP` term/definition pairs.
fn definitions(title: &str, items: &[(&str, &str)]) -> String {
    let mut text = format!(".SH \"{title}\"\n");
    for (term, meaning) in items {
        let _ = write!(text, ".TP\n\\fB{}\\fR\n{}\n", roff(term), roff(meaning));
    }
    text
}

/// Escapes text for roff: backslashes, hyphens (so they are not hyphenation points), and a
/// leading dot or quote that roff would take for a request.
fn roff(text: &str) -> String {
    text.lines()
        .map(|line| {
            let escaped = line.replace('\\', "\\e").replace('-', "\\-");
            if escaped.starts_with('.') || escaped.starts_with('\'') {
                format!("\\&{escaped}")
            } else {
                escaped
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// The tables below mirror the contract (exit codes, environment) and the README.

const EXIT_CODES: &[(&str, &str)] = &[
    (
        "0",
        "success: get/tree fetched everything; wait: every job SUCCESS",
    ),
    ("1", "wait: at least one job ended FAIL"),
    (
        "2",
        "usage or configuration error (bad flag, bad id, no or invalid credentials configuration); nothing was sent",
    ),
    (
        "3",
        "authentication or authorization refused (401 after re-authentication, 403)",
    ),
    ("4", "job not found"),
    (
        "5",
        "API unavailable or unusable after retries (network, timeouts, 5xx, 429, malformed or oversized answer)",
    ),
    (
        "70",
        "internal error of imsjob itself (a bug, or local I/O that is not the user's to fix); never reported as 5",
    ),
    (
        "124",
        "wait --timeout passed while a job was still INIT or RUNNING (it may still finish remotely)",
    ),
    (
        "130",
        "interrupted by SIGINT (the remote job is not touched)",
    ),
    (
        "143",
        "terminated by SIGTERM (the remote job is not touched)",
    ),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "IMSJOB_ENDPOINT",
        "IMS base URL (no /v1); overrides the catalog and the region (--endpoint)",
    ),
    ("OS_CLOUD", "entry of clouds.yaml to use (--cloud)"),
    (
        "OS_AUTH_TOKEN, OS_TOKEN",
        "an IAM token, sent as X-Auth-Token (first authentication method)",
    ),
    (
        "OS_ACCESS_KEY, OS_SECRET_KEY, OS_SECURITY_TOKEN",
        "AK/SK (and temporary security token): requests are signed with SDK-HMAC-SHA256 (second method)",
    ),
    (
        "IMSJOB_AKSK_SIGNER",
        "AK/SK signature variant: derived (the default; what the OTC Go SDK and Terraform send) or plain",
    ),
    (
        "OS_AUTH_URL",
        "IAM endpoint for password authentication, ending in /v3 (third method)",
    ),
    ("OS_USERNAME, OS_PASSWORD", "IAM user and password"),
    (
        "OS_USER_DOMAIN_NAME, OS_DOMAIN_NAME",
        "the user's domain (account) name",
    ),
    ("OS_PROJECT_ID", "project the jobs belong to (--project-id)"),
    (
        "OS_PROJECT_NAME",
        "project name to scope a password token to (its prefix gives the region)",
    ),
    (
        "OS_PASSCODE",
        "MFA one-time code for password authentication",
    ),
    (
        "OS_REGION_NAME",
        "region (--region); default: the project-name prefix, else eu-de",
    ),
    (
        "OS_CACERT",
        "extra CA certificates (PEM) to trust (--cacert)",
    ),
    (
        "OS_INSECURE",
        "do not verify TLS certificates (--insecure); warns on stderr",
    ),
    (
        "OS_CLIENT_CONFIG_FILE",
        "path of clouds.yaml (default: ./, ~/.config/openstack/, /etc/openstack/)",
    ),
    (
        "OS_CLIENT_SECURE_FILE",
        "path of secure.yaml (secrets kept apart from clouds.yaml)",
    ),
    (
        "NO_COLOR",
        "when set and not empty, never colour (wins over --color)",
    ),
    (
        "CLICOLOR",
        "0: no colour unless --color always or CLICOLOR_FORCE",
    ),
    (
        "CLICOLOR_FORCE",
        "set and not 0: colour even off a terminal (unless --color never or NO_COLOR)",
    ),
    (
        "TERM",
        "dumb: no colour unless --color always or CLICOLOR_FORCE",
    ),
    (
        "HTTPS_PROXY, NO_PROXY",
        "proxy for HTTPS requests, and hosts to reach directly",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml",
        "OpenStack client configuration (first found wins), with secure.yaml beside it",
    ),
    (
        "user cache directory (e.g. ~/.cache/imsjob/)",
        "password-derived tokens, one file per identity, mode 0600, reused until 5 minutes before they expire",
    ),
];

const EXAMPLES: &[(&str, &str)] = &[
    (
        "Wait for a job in a script, and keep the image id it produced:",
        "IMAGE=$(imsjob wait \"$JOB\" --jq .entities.image_id)",
    ),
    (
        "Try imsjob offline: start the simulator, paste the three exports it prints into another shell, then:",
        "imsjob get job-success job-fail\nimsjob wait job-ova && imsjob tree job-ova",
    ),
    ("A guided tour, no account needed:", "imsjob demo"),
];

#[test]
fn refresh_command_is_named_in_the_module_docs() {
    // The command in the failure message must be the one documented at the top of this file.
    assert!(include_str!("generated.rs").contains(&format!("//! {REFRESH}")));
}
