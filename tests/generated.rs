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
use imsjob::testing as tables;

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

/// Compares the block between `<!-- BEGIN generated: {name} -->` and
/// `<!-- END generated: {name} -->` of a committed Markdown file with its fresh rendering;
/// rewrites it when asked to.
fn check_block(relative: &str, name: &str, fresh: &str) -> Result<(), String> {
    let path = root().join(relative);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("`{relative}`: {e}"))?;
    let begin = format!("<!-- BEGIN generated: {name} -->\n");
    let end = format!("<!-- END generated: {name} -->");
    let (Some(start), Some(stop)) = (text.find(&begin), text.find(&end)) else {
        return Err(format!("`{relative}` has no generated {name} block"));
    };
    let start = start + begin.len();
    if text[start..stop] == *fresh {
        return Ok(());
    }
    if std::env::var_os("IMSJOB_REFRESH_GENERATED").is_some() {
        let updated = format!("{}{fresh}{}", &text[..start], &text[stop..]);
        return std::fs::write(&path, updated).map_err(|e| format!("{relative}: {e}"));
    }
    Err(format!("`{relative}` is stale ({name})"))
}

/// The exit codes as a Markdown table, and the sentence on several jobs.
fn exit_codes_markdown() -> String {
    let mut text = String::from("| code | meaning |\n|---|---|\n");
    for (code, meaning) in tables::exit_codes() {
        let _ = writeln!(text, "| {code} | {meaning} |");
    }
    let _ = writeln!(text, "\n{}", tables::severity_sentence());
    text
}

/// The environment variables as a Markdown table.
fn environment_markdown() -> String {
    let mut text = String::from("| variable | meaning |\n|---|---|\n");
    for var in tables::ENV_VARS {
        let names: Vec<String> = var.names.iter().map(|n| format!("`{n}`")).collect();
        let _ = writeln!(text, "| {} | {} |", names.join(", "), var.meaning);
    }
    text
}

#[test]
fn readme_and_contract_tables_are_up_to_date() {
    let problems: Vec<String> = [
        ("README.md", "exit codes", exit_codes_markdown()),
        ("README.md", "environment", environment_markdown()),
        ("doc/contract.md", "exit codes", exit_codes_markdown()),
    ]
    .into_iter()
    .filter_map(|(file, name, fresh)| check_block(file, name, &fresh).err())
    .collect();
    report(&problems);
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
            let fresh = imsjob::testing::completions(shell);
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
    // The simulator's page keeps the note its help gives before the examples.
    assert!(pages.iter().any(|(file, page)| file == "doc/imsjob-sim.1"
        && page.contains(".SH NOTES")
        && page.contains("the jobs it serves")));
    // A subcommand whose exit codes are its own says so on its page, as in its help.
    let explain = pages
        .iter()
        .find(|(file, _)| file == "doc/imsjob-explain.1")
        .map(|(_, page)| page)
        .expect("an explain page");
    assert!(explain.contains("a code is not in the table") && !explain.contains("job not found"));
    // Every subcommand has its page, with the examples its help gives, and the main page
    // points to it.
    for sub in imsjob::testing::command().get_subcommands() {
        let name = format!("imsjob-{}", sub.get_name());
        let Some((_, page)) = pages
            .iter()
            .find(|(file, _)| file == &format!("doc/{name}.1"))
        else {
            panic!("no page for {name}");
        };
        let example = format!("imsjob {}", sub.get_name());
        assert!(
            page.contains(".SH EXAMPLES") && page.contains(&example),
            "{name}: no examples"
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
    let mut command = imsjob::testing::command()
        .disable_help_subcommand(true)
        .long_version(None::<&'static str>);
    command.build();
    let mut pages = vec![("doc/imsjob.1".to_owned(), main_page(&command))];
    for sub in command.get_subcommands() {
        let man = manual(sub);
        let mut page = render_common(&man);
        page.push_str(&after_help_sections(sub));
        let codes = own_exit_codes(sub).unwrap_or_else(exit_codes);
        page.push_str(&definitions("EXIT CODES", &codes));
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

/// Title, name, synopsis, description, options and subcommands, as `clap_mangen` renders them
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
    page.push_str(&definitions("EXIT CODES", &exit_codes()));
    let _ = writeln!(page, ".PP\n{}", roff(&tables::severity_sentence()));
    page.push_str(&definitions("ENVIRONMENT", &environment()));
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

/// A subcommand's after-help text as man sections, so that its page shows what `--help`
/// does: the prose before its examples as NOTES, its examples verbatim as EXAMPLES. Its exit
/// codes become their own section elsewhere.
fn after_help_sections(command: &clap::Command) -> String {
    let Some(help) = command.get_after_help().map(ToString::to_string) else {
        return String::new();
    };
    let help = help.split("\nExit codes:\n").next().unwrap_or_default();
    let (notes, examples) = match help.split_once("Examples:\n") {
        Some((notes, examples)) => (notes.trim(), examples.trim_end()),
        None => (help.trim(), ""),
    };
    let mut text = String::new();
    if !notes.is_empty() {
        let _ = write!(text, ".SH NOTES\n.PP\n{}\n", roff(notes));
    }
    if !examples.is_empty() {
        // Indented in the help; the man page indents with `.RS` instead.
        let lines: Vec<&str> = examples
            .lines()
            .map(|line| line.strip_prefix("  ").unwrap_or(line))
            .collect();
        let _ = write!(
            text,
            ".SH EXAMPLES\n.PP\n.RS 4\n.nf\n{}\n.fi\n.RE\n",
            roff(&lines.join("\n"))
        );
    }
    text
}

/// The exit codes as term/definition pairs.
fn exit_codes() -> Vec<(String, String)> {
    tables::exit_codes()
        .into_iter()
        .map(|(code, meaning)| (code.to_string(), meaning.to_owned()))
        .collect()
}

/// The exit codes a subcommand's help gives as its own (`explain`: 0, 2 and 4, which mean
/// something else there than for the jobs), so that its page says what its help says.
fn own_exit_codes(command: &clap::Command) -> Option<Vec<(String, String)>> {
    let help = command.get_after_help()?.to_string();
    let (_, table) = help.split_once("Exit codes:\n")?;
    let codes: Vec<(String, String)> = table
        .lines()
        .map_while(|line| {
            let (code, meaning) = line.trim_start().split_once(' ')?;
            code.parse::<u8>().ok()?;
            Some((code.to_owned(), meaning.trim().to_owned()))
        })
        .collect();
    (!codes.is_empty()).then_some(codes)
}

/// The environment variables as term/definition pairs.
fn environment() -> Vec<(String, String)> {
    tables::ENV_VARS
        .iter()
        .map(|var| (var.names.join(", "), var.meaning.to_owned()))
        .collect()
}

/// A section of `.TP` term/definition pairs.
fn definitions<T: AsRef<str>, M: AsRef<str>>(title: &str, items: &[(T, M)]) -> String {
    let mut text = format!(".SH \"{title}\"\n");
    for (term, meaning) in items {
        let _ = write!(
            text,
            ".TP\n\\fB{}\\fR\n{}\n",
            roff(term.as_ref()),
            roff(meaning.as_ref())
        );
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

// The exit codes and the environment come from the library's one table; FILES and EXAMPLES
// belong to the man page alone.

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
