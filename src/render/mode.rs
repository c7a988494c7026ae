//! How results are shown, chosen once for the whole run (`settings::resolve_render`).

use super::document::Document;

/// The output mode of a run.
#[derive(Debug, Default)]
pub(crate) enum Render {
    /// The command's table (a tree for `tree`, plain text for text reports).
    #[default]
    Table,
    /// `-o wide`: the table with every column in full (STARTED as UTC time), not fitted.
    Wide,
    Tree,
    /// `wait --events`: NDJSON while waiting, and a final line.
    Events,
    /// The command's JSON document, written in some format (JSON, through `--jq`, ...).
    Document(Box<dyn DocumentFormat>),
}

impl Render {
    /// `-o json`.
    #[must_use]
    pub(crate) fn json() -> Self {
        Self::Document(Box::new(Json))
    }
}

/// A way to write the JSON document of a report. Every command has one (the jobs as
/// returned, or the nested tree), so a new format is one implementation of this, with no
/// command or dispatch to change.
pub(crate) trait DocumentFormat: std::fmt::Debug {
    /// # Errors
    /// When the document cannot be written this way (a jq filter that fails on it).
    fn render(&self, document: &Document<'_>, stdout_is_terminal: bool) -> anyhow::Result<String>;
}

/// `-o json`: pretty-printed, keys in the order received, numbers as sent.
#[derive(Debug)]
pub(crate) struct Json;

impl DocumentFormat for Json {
    fn render(&self, document: &Document<'_>, _: bool) -> anyhow::Result<String> {
        Ok(document.pretty())
    }
}
