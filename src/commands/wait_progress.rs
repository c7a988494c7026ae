//! Progress of `wait` on stderr (never stdout).
//!
//! - On a terminal: a live indicatif line per job (status, elapsed, a bar from
//!   `process_percent`, sub-job counts, retry notices), or one summary line when there are
//!   many jobs.
//! - Off a terminal: one plain line per state change, plus a heartbeat at most every 60 s —
//!   never a redraw into a log.
//! - `-q` (or `--events`, whose stream is the progress) silences it.

use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::wait::{Final, Watch};
use crate::api::error::ApiError;
use crate::api::model::{Job, Status};
use crate::output::Output;
use crate::render::paint_status;
use crate::text::sanitize;
use crate::time::format_duration;

/// Above this many jobs the terminal shows one summary line instead of a line per job.
const MAX_JOB_LINES: usize = 8;

enum Mode {
    Silent,
    Lines,
    Bars {
        multi: MultiProgress,
        /// One bar per job, or a single summary bar.
        bars: Vec<ProgressBar>,
        summary: bool,
    },
}

/// The progress display of one `wait`.
pub struct Progress<'a> {
    out: &'a Output,
    mode: Mode,
    color: bool,
    total: usize,
    done: usize,
    failed: usize,
}

impl<'a> Progress<'a> {
    /// Heartbeat period off a terminal.
    pub const HEARTBEAT: Duration = Duration::from_secs(60);

    #[must_use]
    pub fn new(out: &'a Output, watches: &[Watch], events: bool) -> Self {
        let mode = if out.quiet() || events {
            Mode::Silent
        } else if out.stderr_is_terminal() {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8));
            let summary = watches.len() > MAX_JOB_LINES;
            let bars = if summary {
                let bar = multi.add(ProgressBar::new(watches.len() as u64));
                bar.set_style(style(
                    "{spinner} {elapsed:>4} [{bar:20}] {pos}/{len} done  {msg}",
                ));
                vec![bar]
            } else {
                // Ids padded to one width so that the bars line up.
                let width = watches
                    .iter()
                    .map(|w| w.id.as_str().len())
                    .max()
                    .unwrap_or(0);
                let template =
                    format!("{{spinner}} {{prefix:<{width}}} {{elapsed:>4}} [{{bar:20}}] {{msg}}");
                watches
                    .iter()
                    .map(|w| {
                        let bar = multi.add(ProgressBar::new(100));
                        bar.set_style(style(&template));
                        bar.set_prefix(w.id.to_string());
                        bar.set_message("waiting for the first answer");
                        bar
                    })
                    .collect()
            };
            for bar in &bars {
                bar.enable_steady_tick(Duration::from_millis(125));
            }
            Mode::Bars {
                multi,
                bars,
                summary,
            }
        } else {
            Mode::Lines
        };
        Self {
            out,
            mode,
            color: out.color_stderr(),
            total: watches.len(),
            done: 0,
            failed: 0,
        }
    }

    fn bar_for(&self, watch: &Watch) -> Option<&ProgressBar> {
        match &self.mode {
            Mode::Bars {
                bars,
                summary: false,
                ..
            } => bars.iter().find(|b| b.prefix() == watch.id.as_str()),
            _ => None,
        }
    }

    /// A successful poll.
    pub fn observed(&mut self, watch: &Watch, old: Option<&Status>, job: &Job, elapsed: Duration) {
        let view = &job.view;
        if let Some(bar) = self.bar_for(watch) {
            if let Some(fraction) = view.process_percent {
                // process_percent is a fraction (0.2 = 20 %).
                bar.set_position((fraction * 100.0).round() as u64);
            }
            bar.set_message(describe(job, self.color));
            return;
        }
        if matches!(self.mode, Mode::Lines) && old != Some(&view.status) {
            let from = old.map_or_else(String::new, |s| format!("{} -> ", sanitize(s.as_str())));
            self.out.progress(&format!(
                "job {}: {from}{} after {}{}",
                watch.id,
                sanitize(view.status.as_str()),
                format_duration(elapsed),
                extra(job)
            ));
        }
    }

    /// A failed poll that will be retried.
    pub fn retrying(&mut self, watch: &Watch, error: &ApiError, delay: Duration) {
        let notice = if error.is_not_found() {
            "not found yet (a job created moments ago may take a few seconds to appear)".to_owned()
        } else {
            format!("{error}; retrying in {}", format_duration(delay))
        };
        if let Some(bar) = self.bar_for(watch) {
            bar.set_message(notice);
            return;
        }
        if let Mode::Bars { bars, .. } = &self.mode {
            bars[0].set_message(format!("{}: {notice}", watch.id));
            return;
        }
        // Off a terminal only the first failure of a streak is worth a line.
        if matches!(self.mode, Mode::Lines) && watch.failure_streak() <= 1 {
            self.out.progress(&format!("job {}: {notice}", watch.id));
        }
    }

    /// A job's wait has ended.
    pub fn done(&mut self, watch: &Watch, outcome: &Final) {
        self.done += 1;
        if matches!(outcome, Final::Failed) {
            self.failed += 1;
        }
        match &self.mode {
            Mode::Bars {
                bars,
                summary: true,
                ..
            } => {
                bars[0].inc(1);
                bars[0].set_message(format!("{} failed", self.failed));
            }
            Mode::Bars { .. } => {
                if let Some(bar) = self.bar_for(watch) {
                    if matches!(outcome, Final::Success) {
                        bar.set_position(100);
                    }
                    let message = watch
                        .last
                        .as_ref()
                        .map_or_else(|| format!("{outcome:?}"), |job| describe(job, self.color));
                    bar.finish_with_message(message);
                }
            }
            _ => {}
        }
    }

    /// Off a terminal: a line saying the wait is alive.
    pub fn heartbeat(&mut self, watches: &[Watch], elapsed: Duration) {
        if !matches!(self.mode, Mode::Lines) {
            return;
        }
        let open: Vec<&Watch> = watches.iter().filter(|w| w.outcome.is_none()).collect();
        let sample = open
            .iter()
            .take(3)
            .map(|w| {
                format!(
                    "{} {}",
                    w.id,
                    sanitize(w.status().map_or("(no answer yet)", Status::as_str))
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        self.out.progress(&format!(
            "still waiting after {}: {} of {} job(s) open ({sample}{})",
            format_duration(elapsed),
            open.len(),
            self.total,
            if open.len() > 3 { ", ..." } else { "" }
        ));
    }

    /// Clears the live display before the result is printed.
    pub fn finish(&mut self) {
        if let Mode::Bars { multi, bars, .. } = &self.mode {
            for bar in bars {
                if !bar.is_finished() {
                    bar.abandon();
                }
            }
            let _ = multi.clear();
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// `RUNNING 40%, 1/2 sub-jobs done` for a live line.
fn describe(job: &Job, color: bool) -> String {
    format!("{}{}", paint_status(&job.view.status, color), extra(job))
}

fn extra(job: &Job) -> String {
    let view = &job.view;
    let mut parts = Vec::new();
    if !view.status.is_terminal()
        && let Some(fraction) = view.process_percent
    {
        parts.push(format!("{:.0}%", fraction * 100.0));
    }
    let subs = view.sub_job_count();
    if subs > 0 {
        parts.push(format!("{}/{subs} sub-jobs done", view.sub_jobs_done()));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}
