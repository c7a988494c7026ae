//! On a terminal and off it: colour conventions (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`,
//! `TERM=dumb`), live progress bars redrawn in place and cleared, and tables and live
//! displays that fit real terminals (tmux at 60, 80 and 120 columns) without splitting an id.

use crate::common::Sim;
use crate::test::Test;

/// Two jobs that are terminal at once.
const DONE_JOBS: &str = "
examples: false
jobs:
  - {id: ok-job, duration: 0s, image_name: img}
  - {id: bad-job, duration: 0s, outcome: FAIL, error_code: IMG.0194, fail_reason: too many imports}
";

#[test]
fn color_always_paints_statuses_only() {
    let sim = Sim::with(DONE_JOBS);
    let ran = Test::on(&sim)
        .args(["get", "ok-job", "bad-job", "--color", "always"])
        .run();
    let mut lines = ran.stdout.lines();
    let header = lines.next().expect("header");
    assert!(!header.contains('\x1b'), "the header is plain: {header:?}");
    let ok = lines.next().expect("ok row");
    let bad = lines.next().expect("bad row");
    // Green SUCCESS, red FAIL (256-colour codes 10 and 9), then back to the default colour.
    assert!(ok.contains("\x1b[38;5;10mSUCCESS"), "{ok:?}");
    assert!(bad.contains("\x1b[38;5;9mFAIL"), "{bad:?}");
    assert!(ok.contains("\x1b[39m") && bad.contains("\x1b[39m"));
    // Only the status cell is painted.
    assert_eq!(ok.matches('\x1b').count(), 2, "{ok:?}");

    Test::on(&sim)
        .args(["tree", "ok-job", "--color", "always"])
        .stdout_has("\x1b[38;5;10mSUCCESS")
        .run();
}

#[test]
fn no_color_wins_and_json_is_never_painted() {
    let sim = Sim::with(DONE_JOBS);
    let plain = |args: &[&str], env: &[(&str, &str)]| {
        Test::on(&sim)
            .args(args)
            .envs(env.iter().copied())
            .any_exit()
            .output_lacks("\x1b")
            .run();
    };
    plain(
        &["get", "ok-job", "--color", "always"],
        &[("NO_COLOR", "1")],
    );
    plain(
        &["get", "ok-job"],
        &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
    );
    plain(
        &["get", "ok-job", "--color", "never"],
        &[("CLICOLOR_FORCE", "1")],
    );
    // Off a terminal, auto means no colour.
    plain(&["get", "ok-job", "bad-job"], &[]);
    plain(&["wait", "bad-job", "--color", "always", "--json"], &[]);
    plain(
        &["get", "ok-job", "--color", "always", "--jq", ".status"],
        &[],
    );
    // CLICOLOR_FORCE colours a pipe.
    Test::on(&sim)
        .env("CLICOLOR_FORCE", "1")
        .args(["get", "ok-job"])
        .any_exit()
        .stdout_has("\x1b")
        .run();
}

/// Unix only: a pseudo-terminal through util-linux `script`.
#[cfg(unix)]
#[test]
fn auto_colour_on_a_terminal_follows_the_environment() {
    use crate::common::on_a_terminal;
    let sim = Sim::with(DONE_JOBS);
    let Some(coloured) = on_a_terminal(&sim, "get ok-job", &[]) else {
        return; // no util-linux `script` here (it is part of every Linux CI image)
    };
    assert!(coloured.contains("\x1b[38;5;10mSUCCESS"), "{coloured:?}");
    for env in [[("NO_COLOR", "1")], [("CLICOLOR", "0")], [("TERM", "dumb")]] {
        let text = on_a_terminal(&sim, "get ok-job", &env).unwrap_or_default();
        assert!(text.contains("SUCCESS"), "{env:?}: {text:?}");
        assert!(!text.contains('\x1b'), "{env:?} disables colour: {text:?}");
    }
}

/// Unix only: a pseudo-terminal through util-linux `script`.
#[cfg(unix)]
#[test]
fn wait_on_a_terminal_draws_live_bars_and_clears_them() {
    let sim = Sim::with(
        "examples: false\njobs: [{id: bar-one, duration: 2s, queued: 200ms}, {id: bar-two, duration: 1s, queued: 200ms}]\n",
    );
    let Some(screen) = crate::common::on_a_terminal(
        &sim,
        "wait bar-one bar-two --interval 300ms --max-interval 300ms",
        &[],
    ) else {
        return; // no util-linux `script` here (it is part of every Linux CI image)
    };
    // Live lines: one per job, with a bar from process_percent, redrawn in place.
    assert!(
        screen.contains("bar-one") && screen.contains("bar-two"),
        "{screen:?}"
    );
    assert!(
        screen.contains("[===="),
        "a progress bar was drawn: {screen:?}"
    );
    assert!(
        screen.contains("\x1b[2K"),
        "lines are redrawn in place: {screen:?}"
    );
    // The result table follows the cleared bars.
    let table = screen.rsplit("JOB ID").next().unwrap_or_default();
    assert_eq!(table.matches("SUCCESS").count(), 2, "{screen:?}");
}

/// Real terminals of a given width, through tmux. Unix only: tmux, `env -i` and `sleep`.
#[cfg(unix)]
mod tmux {
    use std::time::Duration;

    use serde_json::{Value, json};

    use crate::common::Sim;
    use crate::screen::{Tmux, ids_whole};
    use crate::table::{DISK_0, DISK_1, DISK_IMAGE, DONE, FAILED, IMAGE, OVA, scenario};

    #[test]
    fn get_and_tree_fit_60_80_and_120_columns_without_splitting_an_id() {
        let sim = Sim::with(&scenario());
        for cols in [60, 80, 120] {
            let Some(tmux) = Tmux::imsjob(&sim, cols, "", &format!("get {DONE} {FAILED} {OVA}"))
            else {
                return; // no tmux here
            };
            let (code, screen) = tmux.finish();
            assert_eq!(code, 0, "{screen}");
            assert!(
                ids_whole(&screen, &[DONE, FAILED, OVA, IMAGE]),
                "{cols}:\n{screen}"
            );
            assert!(screen.contains("IMG.0194"), "{cols}:\n{screen}");

            let tmux = Tmux::imsjob(&sim, cols, "", &format!("tree {OVA}")).expect("tmux");
            let (code, screen) = tmux.finish();
            assert_eq!(code, 0, "{screen}");
            assert!(
                ids_whole(&screen, &[OVA, DISK_0, DISK_1, DISK_IMAGE]),
                "{cols}:\n{screen}"
            );
            assert!(screen.contains("STATUS"), "{screen}");
        }
        // Wide enough, every column is there, STARTED as an age.
        let tmux = Tmux::imsjob(&sim, 200, "", &format!("get {DONE}")).expect("tmux");
        let (_, screen) = tmux.finish();
        assert!(
            screen.contains("TYPE") && screen.contains("STARTED"),
            "{screen}"
        );
        assert!(screen.contains(" ago "), "{screen}");
    }

    #[test]
    fn the_live_wait_display_fits_and_keeps_ids_whole() {
        // Jobs of their own for each width: a job's timeline starts at its first request.
        let ids_at = |cols: u16| -> Vec<String> {
            (1..=3)
                .map(|i| {
                    format!("{cols:0>3}{i}{}", "8080814dbd65d7014dbe0d84db00")
                        .chars()
                        .take(32)
                        .collect()
                })
                .collect()
        };
        let jobs: Vec<Value> = [60, 80, 120]
            .into_iter()
            .flat_map(ids_at)
            .map(|id| json!({"id": id, "duration": "6s", "queued": "300ms", "image_id": IMAGE}))
            .collect();
        let sim = Sim::with(&json!({"examples": false, "jobs": jobs}).to_string());
        for cols in [60, 80, 120] {
            let ids = ids_at(cols);
            assert_eq!(ids[0].len(), 32);
            let args = format!(
                "wait {} --interval 300ms --max-interval 300ms",
                ids.join(" ")
            );
            let Some(tmux) = Tmux::imsjob(&sim, cols, "", &args) else {
                return; // no tmux here
            };
            // While it runs: one row per job, each id whole, nothing wrapped onto another row.
            let (live, screen) = tmux.until(Duration::from_secs(20), |screen| {
                let rows: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
                rows.len() == ids.len()
                    && screen.contains("RUNNING")
                    && ids.iter().all(|id| rows.iter().any(|r| r.contains(id)))
            });
            assert!(live, "{cols} columns, live display:\n{screen}");
            // Where there is room beside the task IMS names (at 80 columns the task and the
            // percentage as text take it), once the API gives a percentage above 0.
            if cols >= 120 {
                let (bar, screen) = tmux.until(Duration::from_secs(10), |s| s.contains('['));
                assert!(bar, "a bar where there is room: {screen}");
            }
            let (code, screen) = tmux.finish();
            assert_eq!(code, 0, "{screen}");
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            assert!(
                ids_whole(&screen, &ids) && screen.contains(IMAGE),
                "{screen}"
            );
        }
    }
}
