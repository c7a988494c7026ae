//! `tree`: a job and its sub-jobs, as text or as the nested JSON of `doc/contract.md`.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::fit::{self, Cell, Role, Row};
use super::style::Style;
use super::table::{duration_text, fit_width, result_cell, status_cell, type_text};
use crate::report::TreeNode;
use crate::text::sanitize;

/// `{"job": <object as returned>, "sub_jobs": [...]}`, or for a node that could not be
/// fetched `{"job_id": "...", "error": {"status", "code", "message"}}`.
#[must_use]
pub fn to_json(node: &TreeNode) -> Value {
    match &node.outcome {
        Ok(job) => json!({
            "job": job.raw,
            "sub_jobs": node.children.iter().map(to_json).collect::<Vec<_>>(),
        }),
        Err(error) => super::unfetched::unfetched(&node.job_id, Some(error)),
    }
}

/// The tree as aligned text: the id column carries the branches. Fitted to the width like
/// the jobs table (`super::fit`); a RESULT on its own line continues the branches.
#[must_use]
pub fn to_text(root: &TreeNode, style: Style, now: Timestamp, wide: bool) -> String {
    let mut rows = Vec::new();
    add_rows(&mut rows, root, "", "", now);
    fit::render(&COLUMNS, &rows, fit_width(style, wide), style.color)
}

const COLUMNS: [(&str, Role); 5] = [
    ("JOB ID", Role::Id),
    ("TYPE", Role::Type),
    ("STATUS", Role::Status),
    ("DURATION", Role::Duration),
    ("RESULT", Role::Result),
];

fn add_rows(rows: &mut Vec<Row>, node: &TreeNode, lead: &str, child_lead: &str, now: Timestamp) {
    let id = Cell::whole(format!("{lead}{}", sanitize(&node.job_id)));
    let cells = match &node.outcome {
        Ok(job) => vec![
            id,
            Cell::plain(type_text(&job.view)),
            status_cell(&job.view.status),
            Cell::whole(duration_text(&job.view, now)),
            result_cell(&job.view),
        ],
        Err(error) => vec![
            id,
            Cell::default(),
            Cell::whole("ERROR"),
            Cell::default(),
            Cell::plain(sanitize(&error.to_string())),
        ],
    };
    // Under a node with children the branch line goes on down.
    let stem = if node.children.is_empty() { " " } else { "│" };
    rows.push(Row {
        cells,
        detail_prefix: format!("{child_lead}{stem}"),
    });
    let count = node.children.len();
    for (i, child) in node.children.iter().enumerate() {
        let last = i + 1 == count;
        let branch = if last { "└─ " } else { "├─ " };
        let rest = if last { "   " } else { "│  " };
        add_rows(
            rows,
            child,
            &format!("{child_lead}{branch}"),
            &format!("{child_lead}{rest}"),
            now,
        );
    }
}
