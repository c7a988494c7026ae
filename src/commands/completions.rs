//! `imsjob completions SHELL`.

use crate::report::Report;

/// Writes the completion script of `shell` into a string.
#[must_use]
pub fn generate(shell: clap_complete::Shell) -> String {
    let mut command = crate::cli::command();
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut command, "imsjob", &mut buffer);
    String::from_utf8_lossy(&buffer).into_owned()
}

/// Runs `completions`.
#[must_use]
pub(crate) fn run(shell: clap_complete::Shell) -> Report {
    Report::text(generate(shell))
}
