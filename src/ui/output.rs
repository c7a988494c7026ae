//! The one output object: it owns stdout (results), stderr (progress, warnings, errors),
//! terminal detection and the colour decision. Business code never prints directly.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ColorChoice {
    /// Colour on a terminal, unless the environment says otherwise.
    #[default]
    Auto,
    /// Colour even off a terminal (`NO_COLOR` still wins).
    Always,
    /// Never colour.
    Never,
}

/// The environment variables that bear on colour, read once by `settings`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColorEnv {
    pub no_color: Option<String>,
    pub clicolor: Option<String>,
    pub clicolor_force: Option<String>,
    pub term: Option<String>,
}

/// Whether to colour a stream: `NO_COLOR` wins over everything (no-color.org), then the
/// flag, then `CLICOLOR_FORCE`, `CLICOLOR=0`, `TERM=dumb`, and finally whether the stream
/// is a terminal.
#[must_use]
pub(crate) fn use_color(choice: ColorChoice, env: &ColorEnv, is_terminal: bool) -> bool {
    let set = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.is_empty());
    if set(&env.no_color) {
        return false;
    }
    match choice {
        ColorChoice::Always => return true,
        ColorChoice::Never => return false,
        ColorChoice::Auto => {}
    }
    if set(&env.clicolor_force) && env.clicolor_force.as_deref() != Some("0") {
        return true;
    }
    if env.clicolor.as_deref() == Some("0") || env.term.as_deref() == Some("dumb") {
        return false;
    }
    is_terminal
}

/// How the output object behaves: colour, verbosity, the width off a terminal.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutputSettings {
    pub color: ColorChoice,
    pub color_env: ColorEnv,
    pub quiet: bool,
    pub verbose: u8,
    /// `COLUMNS`: the table width when stdout is not a terminal.
    pub columns: Option<u16>,
}

pub(crate) use crate::log::debug_log;

/// Where results and messages go.
#[derive(Debug)]
pub(crate) struct Output {
    stdout_is_terminal: bool,
    stderr_is_terminal: bool,
    color_stdout: bool,
    color_stderr: bool,
    quiet: bool,
    /// `-v`: debug lines go to stderr as things happen.
    verbose: bool,
    /// `COLUMNS`, for a table printed off a terminal.
    columns: Option<u16>,
    /// Set once stdout has been closed by the reader (`| head -1`): later writes are dropped.
    stdout_closed: AtomicBool,
    /// What the hints under API errors are worded for (set once the settings are known).
    hints: crate::exit::HintContext,
}

impl Output {
    #[must_use]
    pub(crate) fn new(settings: &OutputSettings) -> Self {
        crate::log::set_verbosity(settings.verbose);
        let (choice, env) = (settings.color, &settings.color_env);
        let stdout_is_terminal = io::stdout().is_terminal();
        let stderr_is_terminal = io::stderr().is_terminal();
        Self {
            stdout_is_terminal,
            stderr_is_terminal,
            color_stdout: use_color(choice, env, stdout_is_terminal),
            color_stderr: use_color(choice, env, stderr_is_terminal),
            quiet: settings.quiet,
            verbose: settings.verbose > 0,
            columns: settings.columns,
            stdout_closed: AtomicBool::new(false),
            hints: crate::exit::HintContext::default(),
        }
    }

    /// Words the hints under API errors for the run's credentials, endpoint and command.
    pub(crate) fn set_hint_context(&mut self, context: crate::exit::HintContext) {
        self.hints = context;
    }

    /// What the hints are worded for.
    #[must_use]
    pub(crate) fn hint_context(&self) -> crate::exit::HintContext {
        self.hints
    }

    #[must_use]
    pub(crate) fn color_stderr(&self) -> bool {
        self.color_stderr
    }

    #[must_use]
    pub(crate) fn stderr_is_terminal(&self) -> bool {
        self.stderr_is_terminal
    }

    /// Whether a person may be typing on stdin (then `-` says it reads from there).
    #[must_use]
    #[expect(
        clippy::unused_self,
        reason = "the output object owns the streams: what reaches them goes through it, stateless or not"
    )]
    pub(crate) fn stdin_is_terminal(&self) -> bool {
        io::stdin().is_terminal()
    }

    #[must_use]
    pub(crate) fn quiet(&self) -> bool {
        self.quiet
    }

    /// Whether `-v` writes debug lines on stderr while a command runs.
    #[must_use]
    pub(crate) fn verbose(&self) -> bool {
        self.verbose
    }

    /// Width for tables on stdout: the terminal's, else `COLUMNS`, else unlimited (a pipe
    /// or file gets whole lines, as `kubectl` does).
    #[must_use]
    pub(crate) fn stdout_width(&self) -> Option<u16> {
        if self.stdout_is_terminal
            && let Some((_, cols)) = console::Term::stdout().size_checked()
        {
            return Some(cols);
        }
        self.columns
    }

    /// What renderings of this run depend on: stdout's width, colour and terminal, and now.
    #[must_use]
    pub(crate) fn view(&self) -> crate::render::page::View {
        crate::render::page::View {
            style: crate::render::style::Style {
                width: self.stdout_width(),
                color: self.color_stdout,
            },
            neutralise: self.stdout_is_terminal,
            now: jiff::Timestamp::now(),
        }
    }

    /// Writes a rendered report: its stderr lines first, then its stdout text.
    ///
    /// # Errors
    /// A failed write to stdout.
    pub(crate) fn show(&self, rendered: crate::render::page::Rendered<'_>) -> anyhow::Result<()> {
        use crate::render::page::Message;
        for message in &rendered.messages {
            match message {
                Message::Error { text, hint } => self.error(text, hint.as_deref()),
                Message::ApiError { text, error } => {
                    self.error(text, crate::exit::api_hint(error, self.hints).as_deref());
                }
                Message::Warning(text) => self.warn(text),
                Message::Note(text) => self.progress(text),
            }
        }
        if let Some(text) = rendered.stdout {
            self.answers_result(&text)?;
        }
        Ok(())
    }

    /// Writes a result made of the API's answers (a report, an `--events` line). JSON keeps
    /// them as they came, so a secret of this process that a server echoed back (a token in a
    /// `fail_reason`) is taken out here, as `sanitize` takes it out of tables and stderr.
    ///
    /// # Errors
    /// As [`Output::result`].
    pub(crate) fn answers_result(&self, text: &str) -> io::Result<()> {
        self.result(&crate::safe_text::scrub_secrets(text))
    }

    /// Writes a result on stdout. A closed pipe is not an error: the reader has what it
    /// wanted, so the rest is dropped quietly.
    ///
    /// # Errors
    /// Any other write failure (disk full, ...).
    pub(crate) fn result(&self, text: &str) -> io::Result<()> {
        if self.stdout_closed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut stdout = io::stdout().lock();
        let written = stdout
            .write_all(text.as_bytes())
            .and_then(|()| {
                if text.ends_with('\n') {
                    Ok(())
                } else {
                    stdout.write_all(b"\n")
                }
            })
            .and_then(|()| stdout.flush());
        match written {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.stdout_closed.store(true, Ordering::Relaxed);
                Ok(())
            }
            // "No space left on device" alone does not say which file was being written.
            Err(e) => Err(io::Error::new(
                e.kind(),
                format!("cannot write the result to stdout: {e}"),
            )),
            Ok(()) => Ok(()),
        }
    }

    /// A progress or status line on stderr (silenced by `-q`).
    pub(crate) fn progress(&self, line: &str) {
        if !self.quiet {
            Self::stderr_line(line);
        }
    }

    /// A warning on stderr (shown even with `-q`).
    #[expect(
        clippy::unused_self,
        reason = "the output object owns the streams: what reaches them goes through it, stateless or not"
    )]
    pub(crate) fn warn(&self, message: &str) {
        Self::stderr_line(&format!("imsjob: warning: {message}"));
    }

    /// The one-line error, with an optional hint line.
    #[expect(
        clippy::unused_self,
        reason = "the output object owns the streams: what reaches them goes through it, stateless or not"
    )]
    pub(crate) fn error(&self, message: &str, hint: Option<&str>) {
        let mut text = format!("imsjob: error: {message}");
        if let Some(hint) = hint {
            text.push_str("\n  hint: ");
            text.push_str(hint);
        }
        Self::stderr_line(&text);
    }

    fn stderr_line(line: &str) {
        // Callers sanitise API text already; this is the safety net for any message that
        // embeds foreign text (an error chain, a jq error quoting a value): no escape sequence
        // reaches the terminal through stderr, whatever the message is made of.
        let line = crate::safe_text::sanitize_lines(line);
        let mut stderr = io::stderr().lock();
        // Nothing sensible remains to be done when stderr itself is gone.
        let _ = writeln!(stderr, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> ColorEnv {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        ColorEnv {
            no_color: get("NO_COLOR"),
            clicolor: get("CLICOLOR"),
            clicolor_force: get("CLICOLOR_FORCE"),
            term: get("TERM"),
        }
    }

    #[test]
    fn colour_rules() {
        use ColorChoice::*;
        assert!(use_color(Auto, &env(&[]), true));
        assert!(!use_color(Auto, &env(&[]), false));
        assert!(!use_color(Always, &env(&[("NO_COLOR", "1")]), true));
        assert!(use_color(Always, &env(&[]), false));
        assert!(!use_color(Never, &env(&[("CLICOLOR_FORCE", "1")]), true));
        assert!(use_color(Auto, &env(&[("CLICOLOR_FORCE", "1")]), false));
        assert!(!use_color(Auto, &env(&[("CLICOLOR", "0")]), true));
        assert!(!use_color(Auto, &env(&[("TERM", "dumb")]), true));
        assert!(use_color(Auto, &env(&[("NO_COLOR", "")]), true));
    }
}
