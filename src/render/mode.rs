//! How results are shown, chosen once for the whole run (`settings::resolve_render`).

use super::document::Document;
use crate::jq::JqFilter;

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
    fn render(&self, document: &Document<'_>) -> Written<'_>;
}

/// A document as a format writes it.
#[derive(Debug)]
pub(crate) enum Written<'f> {
    /// The text for stdout.
    Text(String),
    /// A jq filter still to run over the document's one-line JSON text. Running it starts a
    /// process, which rendering never does: the printer runs it and hands the outcome back
    /// to [`super::page::Rendered::filtered`].
    Filter {
        filter: &'f JqFilter,
        input: Vec<u8>,
    },
}

/// `-o json`: pretty-printed, keys in the order received, numbers as sent.
#[derive(Debug)]
pub(crate) struct Json;

impl DocumentFormat for Json {
    fn render(&self, document: &Document<'_>) -> Written<'_> {
        Written::Text(document.pretty())
    }
}

/// `--jq EXPR`: the filter, to apply to the document as one line of JSON.
impl DocumentFormat for JqFilter {
    fn render(&self, document: &Document<'_>) -> Written<'_> {
        Written::Filter {
            filter: self,
            input: document.compact(),
        }
    }
}
