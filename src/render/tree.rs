//! `tree`: a job and its sub-jobs, as text or as the nested JSON of `doc/contract.md`.

use jiff::Timestamp;
use serde_json::json;

use super::document::Document;
use super::fit::{self, Cell, Role, Row};
use super::style::Style;
use super::table::{duration_text, fit_width, result_cell, status_cell, type_text};
use crate::report::{Tree, TreeNode, TreeStop};
use crate::safe_text::sanitize;

/// The tree's JSON document: nodes as [`node_json`], and when sub-jobs were left out a
/// `"truncated"` object at the top (`{"max_sub_jobs", "max_depth", "over_limit",
/// "too_deep"}`, and `"not_attempted"` when the run stopped sending requests).
#[must_use]
pub(crate) fn to_json(tree: &Tree) -> Document<'_> {
    let mut root = node_json(&tree.root);
    if let (Some(stop), Document::Object(entries)) = (&tree.stopped, &mut root) {
        let mut truncated = json!({
            "max_sub_jobs": stop.max_sub_jobs,
            "max_depth": stop.max_depth,
            "over_limit": stop.over_limit,
            "too_deep": stop.too_deep,
        });
        if stop.not_attempted > 0 {
            truncated["not_attempted"] = json!(stop.not_attempted);
        }
        entries.push(("truncated", Document::Value(truncated)));
    }
    root
}

/// `{"job": <object as returned>, "sub_jobs": [...]}` (a sub-job given in full by its
/// parent is a node with that object as `job`), plus `"sub_jobs_not_shown": n` when some of
/// its sub-jobs were left out; for a node that could not be fetched `{"job_id": "...",
/// "error": {"status", "code", "message"}}`.
#[must_use]
pub(crate) fn node_json(node: &TreeNode) -> Document<'_> {
    match &node.outcome {
        Ok(job) => {
            let mut entries = vec![
                ("job", Document::Raw(&job.raw)),
                (
                    "sub_jobs",
                    Document::Array(node.children.iter().map(node_json).collect()),
                ),
            ];
            if node.not_shown > 0 {
                entries.push(("sub_jobs_not_shown", Document::Value(node.not_shown.into())));
            }
            Document::Object(entries)
        }
        Err(error) => Document::Value(super::unfetched::unfetched(&node.job_id, Some(error))),
    }
}

/// The warning of a tree that stopped short.
#[must_use]
pub(crate) fn stop_warning(stop: &TreeStop) -> String {
    let mut parts = Vec::new();
    if stop.over_limit > 0 {
        parts.push(format!(
            "{} more sub-job(s) not shown: the limit of {} was reached (raise it with `--max-sub-jobs`)",
            stop.over_limit, stop.max_sub_jobs
        ));
    }
    if stop.too_deep > 0 {
        parts.push(format!(
            "{} sub-job(s) nested deeper than {} levels not shown",
            stop.too_deep, stop.max_depth
        ));
    }
    if stop.not_attempted > 0 {
        parts.push(format!(
            "{} sub-job(s) not attempted: no further request was sent",
            stop.not_attempted
        ));
    }
    format!("tree stopped early: {}", parts.join("; "))
}

/// The tree as aligned text: the id column carries the branches. Fitted to the width like
/// the jobs table (`super::fit`); a RESULT on its own line continues the branches.
#[must_use]
pub(crate) fn to_text(tree: &Tree, style: Style, now: Timestamp, wide: bool) -> String {
    let mut rows = Vec::new();
    add_rows(&mut rows, &tree.root, ("", ""), now, wide);
    fit::render(&COLUMNS, &rows, fit_width(style, wide), style.color)
}

const COLUMNS: [(&str, Role); 5] = [
    ("JOB ID", Role::Id),
    ("TYPE", Role::Type),
    ("STATUS", Role::Status),
    ("DURATION", Role::Duration),
    ("RESULT", Role::Result),
];

/// The rows of `node` and its sub-jobs; `leads` are the branch drawings before the node's
/// own id and before its children's.
fn add_rows(
    rows: &mut Vec<Row>,
    node: &TreeNode,
    (lead, child_lead): (&str, &str),
    now: Timestamp,
    wide: bool,
) {
    let id = Cell::whole(format!("{lead}{}", sanitize(&node.job_id)));
    let cells = match &node.outcome {
        Ok(job) => vec![
            id,
            Cell::plain(type_text(&job.view)),
            status_cell(&job.view.status),
            Cell::whole(duration_text(&job.view, now)),
            result_cell(&job.view, wide),
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
    let stem = if node.children.is_empty() && node.not_shown == 0 {
        " "
    } else {
        "│"
    };
    rows.push(Row {
        cells,
        detail_prefix: format!("{child_lead}{stem}"),
    });
    let count = node.children.len() + usize::from(node.not_shown > 0);
    for (i, child) in node.children.iter().enumerate() {
        let last = i + 1 == count;
        let branch = if last { "└─ " } else { "├─ " };
        let rest = if last { "   " } else { "│  " };
        add_rows(
            rows,
            child,
            (
                &format!("{child_lead}{branch}"),
                &format!("{child_lead}{rest}"),
            ),
            now,
            wide,
        );
    }
    if node.not_shown > 0 {
        rows.push(Row {
            cells: vec![
                Cell::whole(format!("{child_lead}└─ …")),
                Cell::default(),
                Cell::default(),
                Cell::default(),
                Cell::plain(format!("{} more sub-job(s) not shown", node.not_shown)),
            ],
            detail_prefix: format!("{child_lead} "),
        });
    }
}
