//! The lines a rendering has for stderr, written by `ui` with the prefix of their kind.

/// A line for stderr.
#[derive(Debug, Clone)]
pub(crate) enum Message {
    /// `imsjob: error: …`, with a hint line when one helps.
    Error { text: String, hint: Option<String> },
    /// `imsjob: error: job ID: <error>` (a failed login's without the job): the hint is the
    /// error's (`exit::api_hint`), looked up where the line is written, so that rendering
    /// stays apart from the hint tables.
    ApiError {
        text: String,
        error: crate::api::error::ApiError,
    },
    /// `imsjob: warning: …`.
    Warning(String),
    /// A status line that `-q` silences.
    Note(String),
}
