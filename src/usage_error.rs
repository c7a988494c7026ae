//! The low-level error vocabulary shared by every layer. Which exit code and which hint an
//! error earns is decided once, at the top (`exit`), never here.

/// A usage or configuration error: exit 2, and nothing was sent.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    pub message: String,
    /// Shown on a second line, after `hint:`.
    pub hint: Option<String>,
}

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
        }
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}
