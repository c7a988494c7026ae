//! How a rendering may look, and the colours of statuses.

use crate::api::model::Status;

/// How a rendering may look.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Style {
    /// Maximum line width; `None` = unlimited.
    pub width: Option<u16>,
    pub color: bool,
}

/// The 256-colour palette number of a status in tables (bright green, red, yellow, cyan,
/// magenta), as `kubectl`-style tools paint them.
#[must_use]
pub(crate) fn status_sgr(status: &Status) -> u8 {
    match status {
        Status::Success => 10,
        Status::Fail => 9,
        Status::Running => 11,
        Status::Init => 14,
        Status::PendingPayment => 12,
        Status::Other(_) => 13,
    }
}

/// Wraps text in the ANSI colour of a status when `color` is set.
#[must_use]
pub(crate) fn paint_status(status: &Status, color: bool) -> String {
    let text = crate::safe_text::sanitize(status.as_str()).into_owned();
    if !color {
        return text;
    }
    let code = match status {
        Status::Success => 32,
        Status::Fail => 31,
        Status::Running => 33,
        Status::Init => 36,
        Status::PendingPayment => 34,
        Status::Other(_) => 35,
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}
