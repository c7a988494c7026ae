//! `imsjob tree ID`: a job and its sub-jobs. Sub-jobs embedded in `sub_jobs_result` are
//! shown as embedded; ids only in `sub_jobs_list` are fetched.

use std::collections::HashSet;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;

use super::get::{fetch, print_document, report_error};
use crate::api::client::ImsClient;
use crate::api::id::JobId;
use crate::api::model::Job;
use crate::exit::ExitStatus;
use crate::output::Output;
use crate::render::Style;
use crate::render::tree::{TreeNode, to_json, to_text};
use crate::settings::Render;

/// Sub-jobs nest one level in practice; the bound stops a looping answer.
const MAX_DEPTH: usize = 8;

/// Runs `tree`.
///
/// # Errors
/// The root's API error (exit status from it), or output failures.
pub async fn run(
    client: &ImsClient,
    id: &JobId,
    render: &Render,
    out: &Output,
) -> anyhow::Result<ExitStatus> {
    let root = fetch(client, id).await?;
    let mut seen = HashSet::from([id.as_str().to_owned()]);
    let children = children(client, &root, 1, &mut seen).await;
    let node = TreeNode {
        job_id: id.as_str().to_owned(),
        outcome: Ok(root),
        children,
    };
    let status = report_failures(&node, out);
    match render {
        Render::Json | Render::Jq(_) => print_document(out, render, &to_json(&node))?,
        Render::Table | Render::Tree => {
            let style = Style {
                width: out.stdout_width(),
                color: out.color_stdout(),
            };
            out.result(&to_text(&node, style, jiff::Timestamp::now()))?;
        }
    }
    Ok(status)
}

/// Builds the sub-tree of a fetched job.
pub fn children<'a>(
    client: &'a ImsClient,
    job: &'a Job,
    depth: usize,
    seen: &'a mut HashSet<String>,
) -> BoxFuture<'a, Vec<TreeNode>> {
    Box::pin(async move {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        let mut nodes = Vec::new();
        for sub in &job.view.sub_jobs {
            if !seen.insert(sub.view.job_id.clone()) {
                continue;
            }
            let grandchildren = children(client, sub, depth + 1, seen).await;
            nodes.push(TreeNode {
                job_id: sub.view.job_id.clone(),
                outcome: Ok(sub.clone()),
                children: grandchildren,
            });
        }
        // Listed but not embedded: fetch by id (an id the API lists is still validated
        // before it goes into a URL).
        let missing: Vec<String> = job
            .view
            .missing_sub_jobs()
            .into_iter()
            .filter(|id| seen.insert((*id).to_owned()))
            .map(str::to_owned)
            .collect();
        let fetched: Vec<_> = futures_util::stream::iter(missing)
            .map(|id| async move {
                let result = match JobId::parse(&id) {
                    Ok(valid) => fetch(client, &valid).await,
                    Err(e) => Err(crate::api::error::ApiError::Decode {
                        status: 200,
                        reason: format!("the parent lists an invalid sub-job id: {e}"),
                        request_id: None,
                    }),
                };
                (id, result)
            })
            .buffered(8)
            .collect()
            .await;
        for (id, result) in fetched {
            let grandchildren = match &result {
                Ok(sub) => children(client, sub, depth + 1, seen).await,
                Err(_) => Vec::new(),
            };
            nodes.push(TreeNode {
                job_id: id,
                outcome: result,
                children: grandchildren,
            });
        }
        nodes
    })
}

/// Reports sub-jobs that could not be fetched; the exit status is the worst of them.
fn report_failures(node: &TreeNode, out: &Output) -> ExitStatus {
    let mut status = ExitStatus::Success;
    if let Err(error) = &node.outcome {
        if let Ok(id) = JobId::parse(&node.job_id) {
            report_error(out, &id, error);
        }
        status = ExitStatus::from(error);
    }
    for child in &node.children {
        status = status.worst(report_failures(child, out));
    }
    status
}
