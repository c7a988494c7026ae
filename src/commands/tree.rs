//! `imsjob tree ID`: a job and its sub-jobs, within bounds.
//!
//! A parent may name any number of sub-jobs, and sub-jobs may name their own (or, from a
//! confused or hostile server, each other). The walk is breadth first, so the nearest
//! sub-jobs are the ones shown; every id is visited once; at most `max_sub_jobs` sub-jobs
//! are shown in all, whether fetched or given in full by their parent, and none deeper than
//! [`MAX_DEPTH`] levels; fetches run [`CONCURRENCY`] at a time. What is left out is counted
//! and reported (`doc/contract.md`).

use std::collections::HashSet;

use futures_util::StreamExt;

use super::fetch::{Fetcher, Unfetched};
use crate::api::error::ApiError;
use crate::api::id::JobId;
use crate::api::model::Job;
use crate::api::retry::Clock;
use crate::report::{Body, Report, Tree, TreeNode, TreeStop};

/// Levels of sub-jobs below the job asked for: they nest one level in practice.
pub(crate) const MAX_DEPTH: usize = 8;
/// Sub-job fetches in flight at once.
pub(crate) const CONCURRENCY: usize = 8;

/// Runs `tree` through `fetcher` (on the client, or after a failed login).
///
/// A job that cannot be fetched, the root as much as a sub-job, is part of the report, so
/// that every command shows an unfetchable id the same way (`doc/contract.md`).
///
/// # Errors
/// Only when the root was not attempted, which cannot happen: the first id of a run is always
/// tried (after a failed login, it gets the login's error).
pub(crate) async fn run<F, C>(
    fetcher: &Fetcher<'_, F, C>,
    id: &JobId,
    max_sub_jobs: usize,
) -> anyhow::Result<Report>
where
    F: AsyncFn(&JobId) -> Result<Job, ApiError>,
    C: Clock,
{
    let root = match fetcher.fetch(id).await {
        Ok(root) => root,
        Err(Unfetched::Error(error)) => {
            fetcher.finish(0, "sub-job(s)");
            return Ok(Report::new(Body::Tree(Box::new(Tree {
                root: TreeNode::leaf(id.as_str(), Err(error)),
                stopped: None,
            }))));
        }
        Err(Unfetched::NotAttempted) => anyhow::bail!("job {id}: no request was sent"),
    };
    let tree = walk(root, id.as_str(), max_sub_jobs, |id| async move {
        match JobId::parse(&id) {
            Ok(valid) => fetcher.fetch(&valid).await,
            // An id the API lists is still validated before it goes into a URL.
            Err(e) => Err(Unfetched::Error(ApiError::Decode {
                status: 200,
                reason: format!("the parent lists an invalid sub-job id: {e}"),
                request_id: None,
            })),
        }
    })
    .await;
    // The tree's own warning counts the sub-jobs left out.
    fetcher.finish(0, "sub-job(s)");
    Ok(Report::new(Body::Tree(Box::new(tree))))
}

/// A node while the tree grows: its children are indices into the arena.
struct Slot {
    node: TreeNode,
    children: Vec<usize>,
}

/// Builds the tree under `root`, fetching listed sub-jobs with `get` (any order of
/// completion; results are placed in listing order). Sub-jobs `get` did not attempt (the run
/// stopped) are counted like those left out.
pub(crate) async fn walk<F, Fut>(root: Job, root_id: &str, max_sub_jobs: usize, get: F) -> Tree
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Job, Unfetched>>,
{
    let mut arena = vec![Slot {
        node: TreeNode::leaf(root_id, Ok(root)),
        children: Vec::new(),
    }];
    let mut seen = HashSet::from([root_id.to_owned()]);
    let mut budget = max_sub_jobs;
    let mut over_limit = 0;
    let mut too_deep = 0;
    let mut not_attempted = 0;
    let mut frontier = vec![0];
    for depth in 1..=MAX_DEPTH + 1 {
        let mut given = Vec::new();
        let mut listed = Vec::new();
        for &parent in &frontier {
            let Ok(job) = &arena[parent].node.outcome else {
                continue;
            };
            let mut left_out = 0;
            let view = &job.view;
            let subs = view
                .sub_jobs
                .iter()
                .map(|sub| (sub.job_id.as_str(), Some(sub)))
                .chain(view.missing_sub_jobs().map(|id| (id, None)));
            for (id, sub) in subs {
                if seen.contains(id) {
                    continue;
                }
                // Ids left out are counted, not remembered: a list of a million ids must
                // not cost a set of a million strings.
                if depth > MAX_DEPTH {
                    too_deep += 1;
                    left_out += 1;
                } else if budget == 0 {
                    over_limit += 1;
                    left_out += 1;
                } else {
                    seen.insert(id.to_owned());
                    budget -= 1;
                    match sub.and_then(|sub| job.embedded(sub)) {
                        Some(full) => given.push((parent, id.to_owned(), full)),
                        None => listed.push((parent, id.to_owned())),
                    }
                }
            }
            arena[parent].node.not_shown = left_out;
        }
        let mut next = Vec::with_capacity(given.len() + listed.len());
        for (parent, id, job) in given {
            next.push(attach(&mut arena, parent, TreeNode::leaf(id, Ok(job))));
        }
        let fetched: Vec<_> = futures_util::stream::iter(listed)
            .map(|(parent, id)| {
                let result = get(id.clone());
                async move { (parent, id, result.await) }
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        for (parent, id, result) in fetched {
            let result = match result {
                Ok(job) => Ok(job),
                Err(Unfetched::Error(error)) => Err(error),
                Err(Unfetched::NotAttempted) => {
                    not_attempted += 1;
                    arena[parent].node.not_shown += 1;
                    continue;
                }
            };
            next.push(attach(&mut arena, parent, TreeNode::leaf(id, result)));
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    let stopped = (over_limit + too_deep + not_attempted > 0).then_some(TreeStop {
        max_sub_jobs,
        over_limit,
        too_deep,
        max_depth: MAX_DEPTH,
        not_attempted,
    });
    Tree {
        root: assemble(&mut arena, 0),
        stopped,
    }
}

fn attach(arena: &mut Vec<Slot>, parent: usize, node: TreeNode) -> usize {
    arena.push(Slot {
        node,
        children: Vec::new(),
    });
    let index = arena.len() - 1;
    arena[parent].children.push(index);
    index
}

/// The nested tree from the arena (each slot is taken once: the arena is a tree).
fn assemble(arena: &mut [Slot], index: usize) -> TreeNode {
    let children = std::mem::take(&mut arena[index].children);
    let placeholder = TreeNode::leaf(
        String::new(),
        Err(ApiError::Config {
            message: String::new(),
        }),
    );
    let mut node = std::mem::replace(&mut arena[index].node, placeholder);
    node.children = children
        .into_iter()
        .map(|child| assemble(arena, child))
        .collect();
    node
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(id: &str, list: &[String]) -> Job {
        Job::from_value(json!({"job_id": id, "status": "RUNNING",
            "entities": {"sub_jobs_list": list}}))
        .expect("a job")
    }

    fn count(node: &TreeNode) -> usize {
        node.children.iter().map(|c| 1 + count(c)).sum()
    }

    #[tokio::test]
    async fn the_limit_bounds_fetches_and_is_reported() {
        let ids: Vec<String> = (0..5000).map(|i| format!("s{i}")).collect();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let tree = walk(job("root", &ids), "root", 100, |id| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async move { Ok(job(&id, &[format!("{id}-x")])) }
        })
        .await;
        assert_eq!(calls.into_inner(), 100);
        assert_eq!(count(&tree.root), 100);
        assert_eq!(tree.root.children[0].job_id, "s0", "listing order");
        let stop = tree.stopped.expect("stopped");
        // 4900 never fetched, and the 100 grandchildren named by the fetched ones.
        assert_eq!(stop.over_limit, 5000);
        assert_eq!(tree.root.not_shown, 4900);
    }

    #[tokio::test]
    async fn sub_jobs_not_attempted_are_counted_not_shown() {
        // The run stopped after the first sub-job was refused: the others were never sent.
        let ids: Vec<String> = (0..5).map(|i| format!("s{i}")).collect();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let tree = walk(job("root", &ids), "root", 100, |_| {
            let first = calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0;
            async move {
                if first {
                    Err(Unfetched::Error(ApiError::from_response(
                        401, b"", None, None,
                    )))
                } else {
                    Err(Unfetched::NotAttempted)
                }
            }
        })
        .await;
        assert_eq!(tree.root.children.len(), 1, "the refused one is shown");
        assert_eq!(tree.root.not_shown, 4);
        let stop = tree.stopped.expect("stopped");
        assert_eq!((stop.not_attempted, stop.over_limit), (4, 0));
        let report = Report::new(Body::Tree(Box::new(tree)));
        assert_eq!(
            crate::exit::status(&report),
            crate::exit::ExitStatus::AuthRefused
        );
    }

    #[tokio::test]
    async fn cycles_are_fetched_once_and_depth_is_bounded() {
        // Every job names its successor and the root: a chain deeper than the bound.
        let tree = walk(job("root", &["a0".into()]), "root", 1000, |id| async move {
            let n: usize = id[1..].parse().unwrap_or(0);
            Ok(job(
                &id,
                &[format!("a{}", n + 1), "root".into(), id.clone()],
            ))
        })
        .await;
        assert_eq!(count(&tree.root), MAX_DEPTH);
        let stop = tree.stopped.expect("stopped");
        assert_eq!((stop.over_limit, stop.too_deep), (0, 1));
    }
}
