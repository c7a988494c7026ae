//! The `get`/`wait` table: JOB ID, TYPE, STATUS, STARTED, DURATION, RESULT (`doc/contract.md`).

use comfy_table::{Cell, ContentArrangement, Table, presets};
use jiff::Timestamp;

use super::style::{Style, status_color};
use crate::api::model::{JobView, Status};
use crate::text::sanitize;
use crate::time::{between, format_duration, format_started};

/// One row of a jobs table: a job, or an id that could not be fetched.
#[derive(Debug)]
pub enum Row<'a> {
    Job(&'a JobView),
    Error { job_id: &'a str, message: String },
}

/// Renders jobs as a table. `now` closes the duration of jobs still running.
#[must_use]
pub fn jobs_table(rows: &[Row<'_>], style: Style, now: Timestamp) -> String {
    let mut table = base_table(style);
    table.set_header(["JOB ID", "TYPE", "STATUS", "STARTED", "DURATION", "RESULT"]);
    for row in rows {
        match row {
            Row::Job(job) => {
                table.add_row(vec![
                    Cell::new(sanitize(&job.job_id)),
                    Cell::new(type_text(job)),
                    status_cell(&job.status, style.color),
                    Cell::new(job.begin_time.map(format_started).unwrap_or_default()),
                    Cell::new(duration_text(job, now)),
                    Cell::new(result_text(job)),
                ]);
            }
            Row::Error { job_id, message } => {
                table.add_row(vec![
                    Cell::new(sanitize(job_id)),
                    Cell::new(""),
                    Cell::new("ERROR"),
                    Cell::new(""),
                    Cell::new(""),
                    Cell::new(message),
                ]);
            }
        }
    }
    finish(&mut table)
}

/// A borderless table in the style of `kubectl get`, wrapped to `style.width`.
pub(crate) fn base_table(style: Style) -> Table {
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table.force_no_tty();
    if style.color {
        table.enforce_styling();
    }
    match style.width {
        Some(width) => {
            table.set_width(width);
            table.set_content_arrangement(ContentArrangement::Dynamic);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table
}

/// The table as text, without the trailing blanks that padding leaves.
pub(crate) fn finish(table: &mut Table) -> String {
    // Two spaces between columns, none at the edges, like `kubectl get`. Only the last,
    // free-text column wraps on a narrow terminal, and never below 24 columns: ids, types,
    // statuses and times stay whole (a wrapped id cannot be copied). Past that the line
    // overflows, as `kubectl` does.
    let last = table.column_count().saturating_sub(1);
    for (index, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, 2));
        column.set_constraint(if index == last {
            comfy_table::ColumnConstraint::LowerBoundary(comfy_table::Width::Fixed(24))
        } else {
            comfy_table::ColumnConstraint::ContentWidth
        });
    }
    let mut text = String::new();
    for line in table.lines() {
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

pub(crate) fn status_cell(status: &Status, color: bool) -> Cell {
    let cell = Cell::new(sanitize(status.as_str()));
    if color {
        cell.fg(status_color(status))
    } else {
        cell
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
    let Some(begin) = job.begin_time else {
        return String::new();
    };
    match job.end_time {
        Some(end) => format_duration(between(begin, end)),
        None if !job.status.is_terminal() => format_duration(between(begin, now)),
        None => String::new(),
    }
}

/// The RESULT column: what a job produced, or why it failed.
#[must_use]
pub fn result_text(job: &JobView) -> String {
    let clean = |s: &str| sanitize(s).into_owned();
    if job.status == Status::Fail {
        return match (&job.error_code, &job.fail_reason) {
            (Some(code), Some(reason)) => format!("{}: {}", clean(code), clean(reason)),
            (Some(code), None) => clean(code),
            (None, Some(reason)) => clean(reason),
            (None, None) => "failed (no reason given)".into(),
        };
    }
    let mut parts = Vec::new();
    if let Some(id) = &job.image_id {
        parts.push(match &job.image_name {
            Some(name) => format!("{} ({})", clean(id), clean(name)),
            None => clean(id),
        });
    } else if let Some(id) = &job.resource_id {
        parts.push(clean(id));
    }
    let members = &job.results;
    if !members.is_empty() {
        let ok = members.iter().filter(|m| m.succeeded()).count();
        parts.push(format!("{ok}/{} members ok", members.len()));
    }
    let subs = job.sub_job_count();
    if subs > 0 {
        let plural = if subs == 1 { "" } else { "s" };
        if job.status.is_terminal() {
            parts.push(format!("{subs} sub-job{plural}"));
        } else {
            parts.push(format!(
                "{}/{subs} sub-job{plural} done",
                job.sub_jobs_done()
            ));
        }
    }
    if !job.status.is_terminal() {
        if let Some(fraction) = job.process_percent {
            parts.push(format!("{:.0}%", fraction * 100.0));
        }
        if let Some(task) = &job.current_task {
            parts.push(clean(task));
        }
    }
    parts.join(", ")
}
