//! Progress of `wait` on stderr (never stdout).
//!
//! - On a terminal: a live indicatif line per job (status, the job's own duration, which
//!   advances at every redraw, a bar only once the API gives `process_percent`, the current
//!   task, sub-job counts, retry notices), or one summary line when there are many jobs.
//!   Between redraws the cursor rests at the start of the last live line, so that the `^C` a
//!   terminal echoes on Ctrl-C cannot wrap onto a line of its own and the display is cleared
//!   whole, whatever the echo settings.
//! - Off a terminal: one plain line per state change, plus a heartbeat at most every 60 s —
//!   never a redraw into a log.
//! - `-q` (or `--events`, whose stream is the progress) silences it.
//!
//! These observers, and the `--events` stream, are the only things that write while `wait`
//! runs; the polling loop only tells them what happened.

use std::collections::HashSet;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use jiff::Timestamp;

use crate::api::error::ApiError;
use crate::api::id::JobId;
use crate::api::model::{Job, Status};
use crate::render::events::{start_line, status_line};
use crate::render::mode::Render;
use crate::render::style::paint_status;
use crate::render::table::{job_duration, sub_jobs_text};
use crate::report::{Outcome, WaitEvent, WaitObserver};
use crate::safe_text::sanitize;
use crate::time::{between, format_duration};
use crate::ui::output::Output;

/// The observer of a `wait` shown in `mode`: the `--events` stream (which is the progress
/// then), or the progress display on stderr.
#[must_use]
pub(crate) fn wait_observer<'a>(out: &'a Output, mode: &Render) -> Box<dyn WaitObserver + 'a> {
    if matches!(mode, Render::Events) {
        Box::new(EventStream::new(out))
    } else {
        Box::new(Progress::new(out))
    }
}

/// Above this many jobs the terminal shows one summary line instead of a line per job.
const MAX_JOB_LINES: usize = 8;
/// The widest a bar gets; it shrinks, then goes, on a narrow terminal.
const BAR_WIDTH: usize = 20;
/// A live line keeps at least this much room for its message before it draws a bar.
const MIN_MESSAGE: usize = 24;

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

/// The progress display of one `wait`; it sets itself up when the wait starts.
pub(crate) struct Progress<'a> {
    out: &'a Output,
    mode: Mode,
    color: bool,
    total: usize,
    done: usize,
    failed: usize,
    /// Jobs whose "not found yet" was said (once per spell of not being found).
    missing_said: HashSet<JobId>,
    /// Jobs whose live line shows a status and duration, which a notice follows after a
    /// space; on a line with neither, it follows the id column directly.
    headed: HashSet<JobId>,
    /// The terminal is too narrow for the id column: live lines name the job in the message.
    id_in_message: bool,
    /// The width of the id column.
    id_width: usize,
    /// The terminal's width when the wait started.
    columns: usize,
}

impl<'a> Progress<'a> {
    #[must_use]
    pub(crate) fn new(out: &'a Output) -> Self {
        Self {
            out,
            mode: Mode::Silent,
            color: out.color_stderr(),
            total: 0,
            done: 0,
            failed: 0,
            missing_said: HashSet::new(),
            headed: HashSet::new(),
            id_in_message: false,
            id_width: 0,
            columns: 80,
        }
    }

    /// The style of a job's live line: a bar only where the API gave a percentage, then
    /// `head` (the job id when it has no column of its own, status and duration), then the
    /// message, cut at the edge.
    fn line_style(&self, bar: Option<usize>, head: Head) -> ProgressStyle {
        let width = self.id_width;
        let template = match bar {
            _ if self.id_in_message => "{spinner} {head}{wide_msg}".to_owned(),
            Some(w) => {
                format!("{{spinner}} {{prefix:<{width}}} [{{bar:{w}}}] {{head}}{{wide_msg}}")
            }
            None => format!("{{spinner}} {{prefix:<{width}}} {{head}}{{wide_msg}}"),
        };
        style(&template).with_key(
            "head",
            move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&head.text(Timestamp::now()));
            },
        )
    }

    /// The head of a line that shows no job yet: the id when it has no column of its own.
    fn bare_head(&self, watch: &JobId) -> Head {
        Head {
            lead: self.lead(watch),
            ..Head::default()
        }
    }

    fn lead(&self, watch: &JobId) -> String {
        if self.id_in_message {
            format!("{watch} ")
        } else {
            String::new()
        }
    }

    /// Shows `job` on its live line.
    fn show_job(&self, bar: &ProgressBar, watch: &JobId, job: &Job) {
        let view = &job.view;
        let percent = view.process_percent.filter(|_| !view.status.is_terminal());
        let head = Head {
            lead: self.lead(watch),
            status: Some(paint_status(&view.status, self.color)),
            begin: view.begin_time,
            end: view.end_time,
            running: !view.status.is_terminal(),
        };
        let code = match (&view.status, &view.error_code) {
            (Status::Fail, Some(code)) => format!(" {}", sanitize(code)),
            _ => String::new(),
        };
        // A bar shows the percentage, so the text leaves it out; but the bar is drawn only
        // where the line then still has room for the whole text (the task, the sub-jobs).
        let without_percent = format!("{code}{}", extra(job, false));
        let text = console::measure_text_width(&head.text(Timestamp::now()))
            + console::measure_text_width(&without_percent)
            // a duration may grow by a few characters while the job runs
            + 3;
        // spinner, id column, the bar's brackets and spaces, the text, the last column
        let room = self
            .columns
            .saturating_sub(2 + self.id_width + 1 + 3 + text + 1);
        // The widest a bar may be beside the id column, and then what this line leaves.
        let drawn = bar_width(self.columns, self.id_width + 4)
            .map(|widest| widest.min(room))
            .filter(|&w| w >= 8 && percent.is_some() && !self.id_in_message);
        bar.set_style(self.line_style(drawn, head));
        if let Some(fraction) = percent {
            // process_percent is a fraction (0.2 = 20 %).
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a fraction clamped to 0..=1 when read: 0 to 100"
            )]
            let position = (fraction * 100.0).round() as u64;
            bar.set_position(position);
        }
        bar.set_message(match drawn {
            Some(_) => without_percent,
            None => format!("{code}{}", extra(job, true)),
        });
    }

    fn start(&mut self, watches: &[JobId]) {
        let out = self.out;
        self.total = watches.len();
        self.mode = if out.quiet() {
            Mode::Silent
        } else if out.stderr_is_terminal() && !out.verbose() {
            // (With `-v`, debug lines arrive between redraws and would be torn by them: the
            // wait is then shown as a log, one line per change.)
            let term = console::Term::stderr();
            let columns = term
                .size_checked()
                .map_or(80, |(_, cols)| usize::from(cols));
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::term_like_with_hz(
                Box::new(Parked(term)),
                8,
            ));
            let summary = watches.len() > MAX_JOB_LINES;
            let bars = if summary {
                let bar = multi.add(ProgressBar::new(watches.len() as u64));
                // `{spinner} {elapsed:>4} [bar] {pos}/{len} done  `: 30 columns besides the bar.
                let template = match bar_width(columns, 30) {
                    Some(w) => format!(
                        "{{spinner}} {{elapsed:>4}} [{{bar:{w}}}] {{pos}}/{{len}} done  {{wide_msg}}"
                    ),
                    None => "{spinner} {elapsed:>4} {pos}/{len} done  {wide_msg}".to_owned(),
                };
                bar.set_style(style(&template));
                vec![bar]
            } else {
                // Ids padded to one width so that the bars line up. The message takes what is
                // left and is cut there (`wide_msg`): a live line never wraps, or its redraw
                // would leave debris on the screen.
                let width = watches.iter().map(|w| w.as_str().len()).max().unwrap_or(0);
                // Too narrow even for the id and a status: the id goes into the message,
                // which is cut at the edge, rather than a line that wraps.
                self.id_in_message = width + 12 > columns;
                self.id_width = width;
                self.columns = columns;
                watches
                    .iter()
                    .map(|w| {
                        let bar = multi.add(ProgressBar::new(100));
                        bar.set_style(self.line_style(None, self.bare_head(w)));
                        bar.set_prefix(w.to_string());
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
    }

    fn bar_for(&self, watch: &JobId) -> Option<&ProgressBar> {
        match &self.mode {
            Mode::Bars {
                bars,
                summary: false,
                ..
            } => bars.iter().find(|b| b.prefix() == watch.as_str()),
            _ => None,
        }
    }

    /// A successful poll.
    fn observed(&mut self, watch: &JobId, old: Option<&Status>, job: &Job) {
        self.missing_said.remove(watch);
        let view = &job.view;
        let now = jiff::Timestamp::now();
        if let Some(bar) = self.bar_for(watch) {
            // A finished job's line is settled by `done`: a FAIL is never drawn full.
            self.show_job(bar, watch, job);
            self.headed.insert(watch.clone());
            return;
        }
        if matches!(self.mode, Mode::Lines) && old != Some(&view.status) {
            let from = old.map_or_else(String::new, |s| format!("{} -> ", sanitize(s.as_str())));
            // The job's own duration, from its `begin_time`: the time since `wait` started
            // says nothing about the job.
            let ran = job_duration(view, now)
                .map(|d| {
                    if old.is_none() && !view.status.is_terminal() {
                        format!(", begun {} ago", format_duration(d))
                    } else {
                        format!(" after {}", format_duration(d))
                    }
                })
                .unwrap_or_default();
            self.out.progress(&format!(
                "job {}: {from}{}{ran}{}",
                watch,
                sanitize(view.status.as_str()),
                extra(job, true)
            ));
        }
    }

    /// A failed poll that will be retried.
    fn retrying(
        &mut self,
        watch: &JobId,
        error: &ApiError,
        delay: Duration,
        streak: u32,
        grace_left: Option<Duration>,
    ) {
        let notice = if error.is_not_found() {
            let left = grace_left.map_or_else(String::new, |left| {
                format!(" for up to {} more", format_duration(left))
            });
            format!(
                "not found yet; waiting{left} for it to appear (a job created moments ago can take a few seconds)"
            )
        } else {
            format!("{error}; retrying in {}", format_duration(delay))
        };
        // A job not found is shown bare again, without a status.
        let headed = if error.is_not_found() {
            self.headed.remove(watch);
            false
        } else {
            self.headed.contains(watch)
        };
        if let Some(bar) = self.bar_for(watch) {
            // A live line is short: the whole notice would be cut at 60 columns.
            let live = if error.is_not_found() {
                let left = grace_left.map_or_else(String::new, |left| {
                    format!("; {} left", format_duration(left))
                });
                format!("not found yet{left}")
            } else {
                let space = if headed { " " } else { "" };
                format!("{space}{error}; retrying in {}", format_duration(delay))
            };
            if error.is_not_found() {
                bar.set_style(self.line_style(None, self.bare_head(watch)));
            }
            bar.set_message(live);
            return;
        }
        if let Mode::Bars { bars, .. } = &self.mode {
            bars[0].set_message(format!("{watch}: {notice}"));
            return;
        }
        if !matches!(self.mode, Mode::Lines) {
            return;
        }
        // Off a terminal a log gets one line for a job not found (then its answer, or the
        // error that ends it), and one for the first failure of a streak.
        let first = if error.is_not_found() {
            self.missing_said.insert(watch.clone())
        } else {
            streak <= 1
        };
        if first {
            self.out.progress(&format!("job {watch}: {notice}"));
        }
    }

    /// A job's wait has ended.
    fn done(&mut self, watch: &JobId, outcome: &Outcome, last: Option<&Job>) {
        self.done += 1;
        if matches!(outcome, Outcome::Failed) {
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
                    match last {
                        Some(job) => self.show_job(bar, watch, job),
                        None => {
                            bar.set_style(self.line_style(None, self.bare_head(watch)));
                            bar.set_message(crate::render::events::outcome_name(outcome));
                        }
                    }
                    if matches!(outcome, Outcome::Success) {
                        bar.finish();
                    } else {
                        // `abandon` keeps the line as the job left it.
                        bar.abandon();
                    }
                }
            }
            _ => {}
        }
    }

    /// Off a terminal: a line saying the wait is alive.
    fn heartbeat(
        &mut self,
        elapsed: Duration,
        open: usize,
        total: usize,
        sample: &[(&JobId, Option<&Status>)],
    ) {
        if !matches!(self.mode, Mode::Lines) {
            return;
        }
        let named = sample
            .iter()
            .map(|(id, status)| {
                format!(
                    "{id} {}",
                    sanitize(status.map_or("(no answer yet)", Status::as_str))
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        self.out.progress(&format!(
            "still waiting after {}: {open} of {total} job(s) open ({named}{})",
            format_duration(elapsed),
            if open > sample.len() { ", ..." } else { "" }
        ));
    }

    /// Clears the live display before the result is printed.
    fn clear(&mut self) {
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

/// Said once at the start, by whichever observer shows the wait.
fn warn_duplicates(out: &Output, duplicates: usize) {
    if duplicates > 0 {
        out.warn(&format!(
            "{duplicates} duplicate job id(s) ignored: each job is waited on once"
        ));
    }
}

impl WaitObserver for Progress<'_> {
    fn on(&mut self, event: &WaitEvent<'_>) -> std::io::Result<()> {
        match event {
            WaitEvent::Start { ids, duplicates } => {
                warn_duplicates(self.out, *duplicates);
                self.start(ids);
            }
            WaitEvent::Answer { id, from, job, .. } => self.observed(id, *from, job),
            WaitEvent::Retrying {
                id,
                error,
                delay,
                streak,
                grace_left,
            } => self.retrying(id, error, *delay, *streak, *grace_left),
            WaitEvent::Done { id, outcome, last } => self.done(id, outcome, *last),
            WaitEvent::Heartbeat {
                elapsed,
                open,
                total,
                sample,
            } => self.heartbeat(*elapsed, *open, *total, sample),
        }
        Ok(())
    }

    fn finish(&mut self) {
        self.clear();
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// The room for a bar on a live line of `columns`, besides `used` columns of other fields;
/// `None` when the message would be left too little.
fn bar_width(columns: usize, used: usize) -> Option<usize> {
    // The last column stays free: some terminals wrap as soon as it is written.
    let room = columns.saturating_sub(used + 1 + MIN_MESSAGE);
    (room >= 8).then(|| room.min(BAR_WIDTH))
}

/// The start of a live line, written at every redraw: `RUNNING 1m12s`, the job's own
/// duration counted to the moment of drawing while it runs.
#[derive(Debug, Clone, Default)]
struct Head {
    /// The job id and a space, when it has no column of its own.
    lead: String,
    /// The painted status; `None` before the first answer.
    status: Option<String>,
    begin: Option<Timestamp>,
    end: Option<Timestamp>,
    running: bool,
}

impl Head {
    fn text(&self, now: Timestamp) -> String {
        let Some(status) = &self.status else {
            return self.lead.clone();
        };
        let ran = match (self.begin, self.end) {
            (Some(begin), Some(end)) => Some(between(begin, end)),
            (Some(begin), None) if self.running => Some(between(begin, now)),
            _ => None,
        };
        // Whole seconds while it runs: the figure changes once a second, not at every redraw.
        let ran = ran.map_or_else(String::new, |d| {
            let d = if self.running {
                Duration::from_secs(d.as_secs())
            } else {
                d
            };
            if d.is_zero() && self.running {
                " 0s".to_owned()
            } else {
                format!(" {}", format_duration(d))
            }
        });
        format!("{}{status}{ran}", self.lead)
    }
}

/// stderr's terminal, with the cursor parked at the start of the last live line after each
/// redraw. indicatif fills every line to the full width and lets the terminal wrap, which
/// leaves the cursor past the last column: a `^C` echoed there would wrap onto a new line,
/// one the final clear (counted in live lines) never reaches.
#[derive(Debug)]
struct Parked(console::Term);

impl indicatif::TermLike for Parked {
    fn width(&self) -> u16 {
        self.0.size().1
    }

    fn height(&self) -> u16 {
        self.0.size().0
    }

    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_up(n)
    }

    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_down(n)
    }

    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_right(n)
    }

    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_left(n)
    }

    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.0.write_line(s)
    }

    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.0.write_str(s)
    }

    fn clear_line(&self) -> std::io::Result<()> {
        self.0.clear_line()
    }

    fn flush(&self) -> std::io::Result<()> {
        // indicatif starts each redraw with a carriage return after moving up: parking the
        // cursor at the start of the line changes nothing for it.
        self.0.write_str("\r")?;
        self.0.flush()
    }
}

/// ` (40%, CreateImageTask, 1/2 sub-jobs done)`: progress (unless `percent` is false), the
/// task under way and sub-jobs, where the answer tells them.
fn extra(job: &Job, percent: bool) -> String {
    let view = &job.view;
    let mut parts = Vec::new();
    if !view.status.is_terminal() {
        if let Some(fraction) = view.process_percent.filter(|_| percent) {
            parts.push(format!("{:.0}%", fraction * 100.0));
        }
        if let Some(task) = &view.current_task {
            parts.push(sanitize(task).into_owned());
        }
    }
    if let Some(subs) = sub_jobs_text(view) {
        parts.push(subs);
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// The `--events` stream while a wait runs (its `end` line is rendered from the report).
pub(crate) struct EventStream<'a> {
    out: &'a Output,
}

impl<'a> EventStream<'a> {
    #[must_use]
    pub(crate) fn new(out: &'a Output) -> Self {
        Self { out }
    }
}

impl WaitObserver for EventStream<'_> {
    fn on(&mut self, event: &WaitEvent<'_>) -> std::io::Result<()> {
        match event {
            WaitEvent::Start { ids, duplicates } => {
                warn_duplicates(self.out, *duplicates);
                self.out
                    .answers_result(&start_line(ids.len(), jiff::Timestamp::now()))
            }
            WaitEvent::Answer {
                id,
                from,
                job,
                elapsed,
            } if *from != Some(&job.view.status) => self.out.answers_result(&status_line(
                id,
                *from,
                &job.view,
                jiff::Timestamp::now(),
                *elapsed,
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_only_where_the_message_keeps_room() {
        // A 32-character id takes 36 columns with the spinner and the brackets.
        assert_eq!(bar_width(120, 36), Some(BAR_WIDTH));
        assert_eq!(bar_width(80, 36), Some(19));
        assert_eq!(bar_width(60, 36), None);
        assert_eq!(bar_width(40, 36), None);
    }
}
