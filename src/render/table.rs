//! The `get`/`wait` table: JOB ID, TYPE, STATUS, STARTED, DURATION, RESULT (`doc/contract.md`),
//! fitted to the terminal by [`super::fit`].

use jiff::Timestamp;

use super::fit::{self, Cell, Role, Row as FitRow};
use super::style::{Style, status_sgr};
use crate::api::model::{JobView, Status};
use crate::safe_text::sanitize;
use crate::time::{between, format_duration, format_started};

/// One row of a jobs table: a job, or an id that could not be fetched.
#[derive(Debug)]
pub(crate) enum Row<'a> {
    Job(&'a JobView),
    Error { job_id: &'a str, message: String },
}

/// The columns of a jobs table.
pub(crate) const COLUMNS: [(&str, Role); 6] = [
    ("JOB ID", Role::Id),
    ("TYPE", Role::Type),
    ("STATUS", Role::Status),
    ("STARTED", Role::Started),
    ("DURATION", Role::Duration),
    ("RESULT", Role::Result),
];

/// Renders jobs as a table. `now` closes the duration of jobs still running and dates
/// STARTED (`3m ago`); `wide` (`-o wide`) shows every column in full, STARTED as UTC time.
#[must_use]
pub(crate) fn jobs_table(rows: &[Row<'_>], style: Style, now: Timestamp, wide: bool) -> String {
    let rows: Vec<FitRow> = rows
        .iter()
        .map(|row| FitRow {
            cells: match row {
                Row::Job(job) => vec![
                    Cell::whole(sanitize(&job.job_id)),
                    Cell::plain(type_text(job)),
                    status_cell(&job.status),
                    Cell::whole(started_text(job, now, wide)),
                    Cell::whole(duration_text(job, now)),
                    result_cell(job, wide),
                ],
                Row::Error { job_id, message } => vec![
                    Cell::whole(sanitize(job_id)),
                    Cell::default(),
                    Cell::whole("ERROR"),
                    Cell::default(),
                    Cell::default(),
                    Cell::plain(sanitize(message)),
                ],
            },
            detail_prefix: String::new(),
        })
        .collect();
    fit::render(&COLUMNS, &rows, fit_width(style, wide), style.color)
}

/// The width to fit to: none for `-o wide`, which shows every column in full.
pub(crate) fn fit_width(style: Style, wide: bool) -> Option<usize> {
    if wide {
        None
    } else {
        style.width.map(usize::from)
    }
}

/// STARTED: `3m ago`, or the UTC time in `-o wide`.
fn started_text(job: &JobView, now: Timestamp, wide: bool) -> String {
    match job.begin_time {
        Some(begin) if wide => format_started(begin),
        Some(begin) => fit::age(between(begin, now)),
        None => String::new(),
    }
}

pub(crate) fn status_cell(status: &Status) -> Cell {
    Cell {
        color: Some(status_sgr(status)),
        ..Cell::whole(sanitize(status.as_str()))
    }
}

pub(crate) fn type_text(job: &JobView) -> String {
    job.job_type
        .as_deref()
        .map(|t| sanitize(t).into_owned())
        .unwrap_or_default()
}

/// Elapsed time: begin→end when finished, begin→now while running.
pub(crate) fn duration_text(job: &JobView, now: Timestamp) -> String {
    job_duration(job, now)
        .map(format_duration)
        .unwrap_or_default()
}

/// The job's own duration, from its `begin_time`: to `end_time` when finished, to `now` while
/// it runs; `None` when the API gave no times to tell.
#[must_use]
pub(crate) fn job_duration(job: &JobView, now: Timestamp) -> Option<std::time::Duration> {
    let begin = job.begin_time?;
    match job.end_time {
        Some(end) => Some(between(begin, end)),
        None if !job.status.is_terminal() => Some(between(begin, now)),
        None => None,
    }
}

/// The RESULT cell: what the job made ([`JobView::made_id`], an image with its name), or
/// its error code, leads and is kept whole when the cell is shortened; `wide` adds every
/// other id of `entities` as `key=value`.
#[must_use]
pub(crate) fn result_cell(job: &JobView, wide: bool) -> Cell {
    let clean = |s: &str| sanitize(s).into_owned();
    if job.status == Status::Fail {
        let reason = job.fail_reason.as_deref().map(clean);
        return match (job.error_code.as_deref().map(clean), reason) {
            (Some(code), Some(reason)) => Cell {
                keep: code.len(),
                text: format!("{code}: {reason}"),
                color: None,
            },
            (Some(code), None) => Cell::whole(code),
            (None, Some(reason)) => Cell::plain(reason),
            (None, None) => Cell::plain("failed (no reason given)"),
        };
    }
    let mut parts = Vec::new();
    let mut keep = 0;
    let made = job.made_id();
    if let Some(made) = made {
        let id = clean(&made.value);
        keep = id.len();
        let name = job.image_name.as_ref().filter(|_| made.key == "image_id");
        parts.push(match name {
            Some(name) => format!("{id} ({})", clean(name)),
            None => id,
        });
    }
    if wide {
        for other in job.ids.iter().filter(|id| Some(*id) != made) {
            parts.push(format!("{}={}", clean(&other.key), clean(&other.value)));
        }
    }
    let members = job.members;
    if members.total > 0 {
        parts.push(format!(
            "{}/{} members ok",
            members.succeeded, members.total
        ));
    }
    if let Some(subs) = sub_jobs_text(job) {
        parts.push(subs);
    }
    if !job.status.is_terminal() {
        if let Some(fraction) = job.process_percent {
            parts.push(format!("{:.0}%", fraction * 100.0));
        }
        if let Some(task) = &job.current_task {
            parts.push(clean(task));
        }
    }
    Cell {
        text: parts.join(", "),
        keep,
        color: None,
    }
}

/// `n sub-jobs`, or `k/n sub-jobs done` while the job runs and every sub-job's status is
/// known (a sub-job listed by id only has no status to count), or `k/n sub-jobs ok` for a
/// finished job some of whose sub-jobs failed.
#[must_use]
pub(crate) fn sub_jobs_text(job: &JobView) -> Option<String> {
    let subs = job.sub_job_count();
    if subs == 0 {
        return None;
    }
    let plural = if subs == 1 { "" } else { "s" };
    let all_known = job.sub_jobs.len() >= subs;
    let finished = job.status.is_terminal();
    Some(if finished && job.failed_sub_jobs().next().is_some() {
        format!("{}/{subs} sub-job{plural} ok", job.sub_jobs_done())
    } else if finished || !all_known {
        format!("{subs} sub-job{plural}")
    } else {
        format!("{}/{subs} sub-job{plural} done", job.sub_jobs_done())
    })
}
