//! `tree`: a job and its sub-jobs, as text or as the nested JSON of `doc/contract.md`.

use comfy_table::Cell;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::style::Style;
use super::table::{base_table, duration_text, finish, result_text, status_cell, type_text};
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

/// The tree as aligned text: the id column carries the branches.
#[must_use]
pub fn to_text(root: &TreeNode, style: Style, now: Timestamp) -> String {
    let mut table = base_table(style);
    table.set_header(["JOB ID", "TYPE", "STATUS", "DURATION", "RESULT"]);
    add_rows(&mut table, root, "", "", style, now);
    finish(&mut table)
}

fn add_rows(
    table: &mut comfy_table::Table,
    node: &TreeNode,
    lead: &str,
    child_lead: &str,
    style: Style,
    now: Timestamp,
) {
    let id = format!("{lead}{}", sanitize(&node.job_id));
    match &node.outcome {
        Ok(job) => {
            table.add_row(vec![
                Cell::new(id),
                Cell::new(type_text(&job.view)),
                status_cell(&job.view.status, style.color),
                Cell::new(duration_text(&job.view, now)),
                Cell::new(result_text(&job.view)),
            ]);
        }
        Err(error) => {
            table.add_row(vec![
                Cell::new(id),
                Cell::new(""),
                Cell::new("ERROR"),
                Cell::new(""),
                Cell::new(error.to_string()),
            ]);
        }
    }
    let count = node.children.len();
    for (i, child) in node.children.iter().enumerate() {
        let last = i + 1 == count;
        let branch = if last { "└─ " } else { "├─ " };
        let rest = if last { "   " } else { "│  " };
        add_rows(
            table,
            child,
            &format!("{child_lead}{branch}"),
            &format!("{child_lead}{rest}"),
            style,
            now,
        );
    }
}
