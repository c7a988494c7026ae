//! One-shot fetching shared by `get` and `tree`: a job with retries, many jobs concurrently,
//! and the sub-jobs of a job.

use std::collections::HashSet;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;

use crate::api::client::ImsClient;
use crate::api::error::ApiError;
use crate::api::id::JobId;
use crate::api::model::Job;
use crate::api::retry::with_retries;
use crate::report::TreeNode;

/// Retries of a failed fetch for `get` and `tree` (`doc/contract.md`).
pub const ONE_SHOT_RETRIES: u32 = 3;
/// Fetches in flight at once for several ids.
const CONCURRENCY: usize = 16;
/// Sub-job fetches in flight at once.
const SUB_JOB_CONCURRENCY: usize = 8;
/// Sub-jobs nest one level in practice; the bound stops a looping answer.
const MAX_DEPTH: usize = 8;

/// Fetches one job, retrying transient failures.
///
/// # Errors
/// The final [`ApiError`].
pub async fn fetch(client: &ImsClient, id: &JobId) -> Result<Job, ApiError> {
    with_retries(ONE_SHOT_RETRIES, || client.get_job(id)).await
}

/// Fetches jobs concurrently; the results come back in the order of `ids`.
pub async fn fetch_all(client: &ImsClient, ids: &[JobId]) -> Vec<Result<Job, ApiError>> {
    futures_util::stream::iter(ids)
        .map(|id| fetch(client, id))
        .buffered(CONCURRENCY)
        .collect()
        .await
}

/// Builds the sub-tree of a fetched job. Sub-jobs embedded in `sub_jobs_result` are taken as
/// embedded; ids only in `sub_jobs_list` are fetched.
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
                    Err(e) => Err(ApiError::Decode {
                        status: 200,
                        reason: format!("the parent lists an invalid sub-job id: {e}"),
                        request_id: None,
                    }),
                };
                (id, result)
            })
            .buffered(SUB_JOB_CONCURRENCY)
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
