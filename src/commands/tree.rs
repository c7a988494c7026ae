//! `imsjob tree ID`: a job and its sub-jobs.

use std::collections::HashSet;

use super::fetch::{children, fetch};
use crate::api::client::ImsClient;
use crate::api::id::JobId;
use crate::exit::ExitStatus;
use crate::report::{Body, Report, TreeNode};

/// Runs `tree`.
///
/// # Errors
/// The root's API error (the exit status follows from it); sub-jobs that cannot be fetched
/// are part of the report.
pub async fn run(client: &ImsClient, id: &JobId) -> anyhow::Result<Report> {
    let root = fetch(client, id).await?;
    let mut seen = HashSet::from([id.as_str().to_owned()]);
    let children = children(client, &root, 1, &mut seen).await;
    let node = TreeNode {
        job_id: id.as_str().to_owned(),
        outcome: Ok(root),
        children,
    };
    Ok(Report {
        status: worst(&node),
        body: Body::Tree(Box::new(node)),
    })
}

/// The worst exit status of the nodes that could not be fetched.
fn worst(node: &TreeNode) -> ExitStatus {
    let own = match &node.outcome {
        Ok(_) => ExitStatus::Success,
        Err(error) => ExitStatus::from(error),
    };
    node.children
        .iter()
        .fold(own, |status, child| status.worst(worst(child)))
}
