//! Error codes explained where they are met: `imsjob explain`, the `what to do:` line under a
//! failed job (also at 80 columns in tmux), and a simulator that speaks only codes of the table.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::common::{Sim, eventually};
use crate::screen::Tmux;
use crate::test::{Exit, Test};

/// `imsjob explain ARGS`, without credentials.
fn explain(args: &[&str]) -> Test {
    Test::new().arg("explain").args(args)
}

#[test]
fn explain_tells_meaning_status_what_to_do_and_retries() {
    let text = explain(&["IMG.0194"])
        .stdout_has("HTTP status  400")
        .stdout_has("what to do   wait for running imports to end, then submit again")
        .stdout_has("retried      no")
        .stderr_is("")
        .run()
        .stdout;
    assert!(
        text.starts_with("IMG.0194: too many image imports are running at once\n"),
        "{text}"
    );
    // Any case; the gateway's two spellings are one code.
    explain(&["img.0194"]).stdout_is(text.as_str()).run();
    let gateway = explain(&["apigw.0308"])
        .stdout_has("also written APIGW.0308")
        .stdout_has("retried      yes")
        .run()
        .stdout;
    explain(&["APIG.0308"]).stdout_is(gateway).run();
}

#[test]
fn every_listed_code_is_explained_and_the_list_is_sorted_and_unique() {
    let list = explain(&["--list"]).run().stdout;
    let codes: Vec<&str> = list
        .lines()
        .map(|line| line.split_whitespace().next().expect("a code first"))
        .collect();
    assert!(codes.len() >= 150, "{} codes", codes.len());
    let upper: Vec<String> = codes.iter().map(|c| c.to_ascii_uppercase()).collect();
    for pair in upper.windows(2) {
        assert!(pair[0] < pair[1], "{} then {}", pair[0], pair[1]);
    }
    let mut args = vec!["--json"];
    args.extend(&codes);
    let explained = explain(&args).run().json();
    let explained = explained.as_array().expect("an array for several codes");
    assert_eq!(explained.len(), codes.len());
    for (object, code) in explained.iter().zip(&codes) {
        assert_eq!(object["code"], *code);
        assert_eq!(object["known"], true);
        assert!(object["what_to_do"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(object["http_status"][0].is_u64(), "{object}");
        assert!(object["retried"].is_boolean());
    }
    let all = explain(&["--list", "--json"]).run().json();
    assert_eq!(all.as_array().map(Vec::len), Some(codes.len()));
}

#[test]
fn an_unknown_code_exits_4_naming_the_nearest() {
    explain(&["IMG.0199"])
        .expect_exit(Exit::NotFound)
        .stdout_empty()
        .stderr_starts_with("imsjob: error: `IMG.0199` is not a known error code\n")
        .stderr_has("hint: nearest known: IMG.0198, ")
        .run();
    // Known codes are still explained; the worst outcome decides.
    let both = explain(&["IMG.0194", "EVS.9999", "--json"])
        .expect_exit(Exit::NotFound)
        .run()
        .json();
    assert_eq!(both[0]["known"], true);
    assert_eq!(both[1]["known"], false);
    assert!(
        both[1]["nearest"][0]
            .as_str()
            .is_some_and(|c| c.starts_with("EVS."))
    );
    // Not a code at all: a usage error, and no control character is echoed.
    explain(&["rm -rf \u{1b}[2J"])
        .expect_exit(Exit::Usage)
        .stderr_lacks("\u{1b}")
        .stderr_has("is not an error code")
        .run();
    // No code and no `--list`: clap's usage error.
    explain(&[]).expect_exit(Exit::Usage).run();
}

/// A simulator with failed jobs whose codes are in the table, in the code or in the reason.
fn failing() -> Sim {
    Sim::with(
        "examples: false
jobs:
  - {id: import, type: imsImportImageJob, duration: 0s, outcome: FAIL, error_code: IMG.0194,
     fail_reason: The maximum number of images being imported at once is reached.}
  - {id: named, type: imsNativeExportImageJob, duration: 0s, outcome: FAIL, error_code: IMG.0075,
     fail_reason: The file name contains invalid characters.}
  - id: volumes
    type: batchCreateVolumes
    shape: evs
    duration: 0s
    outcome: FAIL
    error_code: Common.0021
    fail_reason: 'createSingleVolume-fail:EVS.2024 volume is error'
  - {id: odd, duration: 0s, outcome: FAIL, error_code: XYZ.0001, fail_reason: unknown}
",
    )
}

#[test]
fn a_failed_job_ends_with_what_to_do_in_the_table_and_the_tree_only() {
    let sim = failing();
    let stdout = Test::on(&sim).args(["get", "import"]).run().stdout;
    let last = stdout.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        "what to do: IMG.0194: wait for running imports to end, then submit again"
    );
    // The code of the job and the one inside its reason, each once, in a table and a tree.
    for command in ["get", "tree"] {
        let stdout = Test::on_service(&sim, "evs")
            .args([command, "volumes"])
            .run()
            .stdout;
        let advice: Vec<&str> = stdout
            .lines()
            .filter(|l| l.starts_with("what to do: "))
            .collect();
        assert_eq!(advice.len(), 2, "{command}: {stdout}");
        assert!(
            advice[0].starts_with("what to do: Common.0021: "),
            "{stdout}"
        );
        assert!(advice[1].starts_with("what to do: EVS.2024: "), "{stdout}");
    }
    // An unknown code gets no advice.
    Test::on(&sim)
        .args(["get", "odd"])
        .stdout_lacks("what to do")
        .run();
    // JSON is the job object unchanged; `wait` tells the advice on stderr instead.
    let job = Test::on(&sim)
        .args(["wait", "import", "--json"])
        .expect_exit(Exit::JobFailed)
        .stdout_lacks("what to do")
        .stderr_has("hint: what to do: IMG.0194: wait for running imports")
        .run()
        .json();
    assert_eq!(job["error_code"], "IMG.0194");
    let events = Test::on(&sim)
        .args(["wait", "import", "--events"])
        .any_exit()
        .run()
        .stdout;
    let end: Value =
        serde_json::from_str(events.lines().last().unwrap_or_default()).expect("an end line");
    assert_eq!(end["event"], "end");
    assert_eq!(end["explain"][0]["code"], "IMG.0194");
    assert_eq!(
        end["explain"][0]["what_to_do"],
        "wait for running imports to end, then submit again"
    );
    assert_eq!(
        end["jobs"][0],
        serde_json::json!({"job_id": "import", "status": "FAIL", "outcome": "failed"})
    );
    // The table itself carries it once, without the stderr duplicate.
    Test::on(&sim)
        .args(["wait", "import"])
        .expect_exit(Exit::JobFailed)
        .stdout_has("what to do: IMG.0194: ")
        .stderr_lacks("what to do")
        .run();
}

#[test]
fn the_builtin_failed_job_ends_with_what_to_do() {
    let sim = Sim::builtin();
    let mut stdout = String::new();
    // The built-in job fails after a few seconds of simulated work.
    assert!(eventually(Duration::from_secs(30), || {
        stdout = Test::on(&sim)
            .args(["get", "job-fail"])
            .any_exit()
            .run()
            .stdout;
        stdout.contains(" FAIL ")
    }));
    assert!(
        stdout
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("what to do: IMG.0194: ")),
        "{stdout}"
    );
}

/// The screen of `imsjob ARGS` in a tmux window `cols` wide; `None` without tmux.
fn tmux_screen(sim: &Sim, cols: u16, args: &str) -> Option<String> {
    Tmux::imsjob(sim, cols, "", args).map(|tmux| tmux.finish().1)
}

#[test]
fn the_advice_fits_80_columns_without_splitting_the_code() {
    let sim = failing();
    for command in ["get named", "tree named"] {
        let Some(screen) = tmux_screen(&sim, 80, command) else {
            crate::common::report("tmux is not installed: the 80-column check is skipped");
            return;
        };
        let rows: Vec<&str> = screen.lines().collect();
        let first = rows
            .iter()
            .position(|row| row.starts_with("what to do: IMG.0075: "))
            .unwrap_or_else(|| panic!("{command}: no advice row whole: {screen}"));
        // The advice is longer than 80 columns: it goes on over indented rows, split
        // between words only.
        let continued: Vec<&str> = rows[first + 1..]
            .iter()
            .take_while(|row| row.starts_with("            ") && !row.trim().is_empty())
            .copied()
            .collect();
        assert!(!continued.is_empty(), "{command}: {screen}");
        for row in std::iter::once(&rows[first]).chain(&continued) {
            assert!(row.chars().count() <= 80, "{command}: {row:?}");
        }
        let joined = std::iter::once(rows[first])
            .chain(continued.iter().map(|r| r.trim()))
            .collect::<Vec<_>>()
            .join(" ");
        let advice = imsjob::testing::codes_table()
            .get("IMG.0075")
            .expect("known")
            .what_to_do;
        assert_eq!(
            joined.trim_end(),
            format!("what to do: IMG.0075: {advice}"),
            "{command}: {screen}"
        );
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Code-shaped words of a text (`IMG.0194`, `APIGW.0308`), as the table reads them.
fn code_words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .map(|w| w.trim_matches('.'))
        .filter(|w| imsjob::testing::is_code_shaped(w))
        .collect()
}

#[test]
fn the_simulator_and_the_docs_speak_only_codes_of_the_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Every scenario, default job and answer of the simulator is written in its sources.
    let mut files = Vec::new();
    files_under(&root.join("src/sim"), &mut files);
    files.extend(["README.md", "doc/contract.md"].map(|f| root.join(f)));
    let table = imsjob::testing::codes_table();
    let mut unknown = Vec::new();
    let mut seen = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for word in code_words(&text) {
            seen += 1;
            if table.get(word).is_none() {
                unknown.push(format!("{}: {word}", file.display()));
            }
        }
    }
    assert!(seen > 10, "the scan found codes at all ({seen})");
    assert!(
        unknown.is_empty(),
        "codes not in data/error-codes.tsv:\n{}",
        unknown.join("\n")
    );
    // And the scan itself catches an unknown one.
    assert_eq!(code_words("error_code: IMG.0999."), ["IMG.0999"]);
    assert!(table.get("IMG.0999").is_none());
}
