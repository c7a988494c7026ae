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
pub(crate) fn debug_log(level: u8, message: impl FnOnce() -> String) {
    if VERBOSITY.load(Ordering::Relaxed) >= level {
        // Bodies are logged at -vvv: they are foreign text like any other.
        log_line(&format!(
            "imsjob: debug: {}",
            crate::safe_text::sanitize_lines(&message())
        ));
    }
}

/// Writes one line on stderr, in one write. A closed or full stderr (`2>&1 | head -c1`,
/// `2>/dev/full`) loses the line: a log is never worth aborting the command for, which is
/// what `eprintln!` would do.
pub(crate) fn log_line(line: &str) {
    use std::io::Write;
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
