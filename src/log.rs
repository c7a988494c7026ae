//! The `-v` debug log. It sits below every other module so that the API and authentication
//! layers can log without depending on the output object, which is built from settings.

use std::sync::atomic::{AtomicU8, Ordering};

static VERBOSITY: AtomicU8 = AtomicU8::new(0);

/// How many `-v` were given; set once, when the output object is built.
pub(crate) fn set_verbosity(level: u8) {
    VERBOSITY.store(level, Ordering::Relaxed);
}

/// Writes a debug line on stderr when `-v` was given at least `level` times. The message is
/// built only when it will be shown; callers never pass secrets (headers are not logged).
#[expect(clippy::print_stderr, reason = "the debug log is stderr by definition")]
pub(crate) fn debug_log(level: u8, message: impl FnOnce() -> String) {
    if VERBOSITY.load(Ordering::Relaxed) >= level {
        // Bodies are logged at -vvv: they are foreign text like any other.
        eprintln!(
            "imsjob: debug: {}",
            crate::safe_text::sanitize_lines(&message())
        );
    }
}
