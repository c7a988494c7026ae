//! `wait`'s live lines on a real terminal (tmux at 60, 80 and 120 columns): a bar only where
//! the API gives a percentage, durations that advance between polls, the current task, nothing
//! cut that matters, and a screen left clean by Ctrl-C.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::Sim;
use crate::screen::Tmux;

/// Per width: an IMS job with a percentage and a current task, a server job waiting for its
/// payment (no percentage), and a job that does not exist yet; all on one endpoint.
fn jobs(cols: u16) -> [Value; 3] {
    [
        json!({"id": format!("live-image-{cols}"), "type": "imsCreateImageByInstance",
               "duration": "60s", "queued": "0s",
               "entities": {"current_task": "CreateImageByInstanceTask"}}),
        json!({"id": format!("live-server-{cols}"), "type": "createServer",
               "duration": "60s", "queued": "60s", "queued_status": "PENDING_PAYMENT"}),
        json!({"id": format!("live-late-{cols}"), "duration": "60s", "missing_for": "60s"}),
    ]
}

fn row<'a>(screen: &'a str, id: &str) -> &'a str {
    screen.lines().find(|l| l.contains(id)).unwrap_or("")
}

/// The seconds shown after `status` on a row (`PENDING_PAYMENT 3s`).
fn seconds_after(row: &str, status: &str) -> Option<u64> {
    let rest = row.split(status).nth(1)?.trim_start();
    rest.split('s').next()?.parse().ok()
}

#[test]
fn live_lines_show_what_is_known_and_advance_between_polls() {
    let all: Vec<Value> = [60, 80, 120].into_iter().flat_map(jobs).collect();
    let sim = Sim::with(&json!({"examples": false, "jobs": all}).to_string());
    for cols in [60u16, 80, 120] {
        let [image, server, late] = jobs(cols).map(|j| j["id"].as_str().unwrap_or("").to_owned());
        // Polls far apart: whatever changes on the screen between them is the display's own.
        let args = format!(
            "wait {image} {server} {late} --interval 30s --max-interval 30s \
             --not-found-grace 60s --timeout 6s"
        );
        let Some(tmux) = Tmux::imsjob(&sim, cols, "", &args) else {
            return; // no tmux here
        };
        let (shown, screen) = tmux.until(Duration::from_secs(10), |s| {
            seconds_after(row(s, &server), "PENDING_PAYMENT").is_some()
                && row(s, &late).contains("not found yet")
                && row(s, &image).contains("RUNNING")
        });
        assert!(shown, "{cols}:\n{screen}");
        let first = seconds_after(row(&screen, &server), "PENDING_PAYMENT");
        let (advanced, later) = tmux.until(Duration::from_secs(5), |s| {
            seconds_after(row(s, &server), "PENDING_PAYMENT") > first
        });
        assert!(
            advanced,
            "{cols}: the duration moves on:\n{screen}\n{later}"
        );
        assert_eq!(
            sim.requests_for(&server).len(),
            1,
            "{cols}: with no poll in between"
        );
        // One row per job: nothing wrapped.
        let rows: Vec<&str> = later.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(rows.len(), 3, "{cols}:\n{later}");
        // No empty bar for the jobs without a percentage; the image job's bar where there is
        // room.
        assert!(!row(&later, &server).contains('['), "{cols}:\n{later}");
        assert!(!row(&later, &late).contains('['), "{cols}:\n{later}");
        if cols >= 80 {
            assert!(
                row(&later, &image).contains("] RUNNING"),
                "{cols}:\n{later}"
            );
            assert!(
                row(&later, &image).contains("CreateImageByInstanceTask"),
                "{cols}:\n{later}"
            );
        } else {
            assert!(
                row(&later, &image).contains("%, CreateImage"),
                "{cols}:\n{later}"
            );
        }
        // The job not found yet says so, whole, at every width.
        let late_row = row(&later, &late);
        let notice = late_row.split(late.as_str()).nth(1).unwrap_or("").trim();
        assert!(
            notice.starts_with("not found yet; ") && notice.ends_with("s left"),
            "{cols}: {late_row:?}"
        );
        // At the deadline the job never found decides the exit code (4 outranks 124).
        let (code, _) = tmux.finish();
        assert_eq!(code, 4);
    }
}

#[test]
fn ctrl_c_leaves_no_live_line_behind_whatever_the_echo_settings() {
    let sim = Sim::with(
        "examples: false
jobs:
  - {id: slow-a, duration: 10m, queued: 0s}
  - {id: slow-b, type: createServer, shape: ecs, duration: 10m, queued: 10m}
",
    );
    for echo in ["stty echoctl;", "stty -echoctl;"] {
        // stdout aside: the screen then holds only what stderr showed.
        let Some(tmux) = Tmux::imsjob(&sim, 80, echo, "wait slow-a slow-b 2>&1 >/dev/null") else {
            return; // no tmux here
        };
        let (live, screen) = tmux.until(Duration::from_secs(10), |s| {
            s.contains("slow-a") && s.contains("slow-b") && s.contains("RUNNING")
        });
        assert!(live, "{echo}\n{screen}");
        tmux.keys("C-c");
        let (code, screen) = tmux.finish();
        assert_eq!(code, 130, "{screen}");
        assert!(
            !screen.contains("slow-a") && !screen.contains("slow-b") && !screen.contains("^C"),
            "{echo} the live lines are gone:\n{screen}"
        );
        assert!(
            screen
                .trim_start()
                .starts_with("imsjob: warning: interrupted: stopped waiting"),
            "{echo}\n{screen}"
        );
    }
}
