//! How results are shown, chosen once for the whole run (`settings::resolve_render`).

use super::jq::JqFilter;

/// The output mode of a run.
#[derive(Debug, Default)]
pub enum Render {
    /// The command's table (a tree for `tree`, plain text for text reports).
    #[default]
    Table,
    Json,
    Tree,
    Jq(JqFilter),
    /// `wait --events`: NDJSON while waiting, and a final line.
    Events,
}
