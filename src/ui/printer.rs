//! The printer every command's results go through: a report rendered in the mode chosen up
//! front (its `--jq` filter, if any, run here) and written, its exit status decided once (`exit::status`) and weighed with what
//! the rendering met; plain text and notes for `demo` and `sim`, which speak as they go; and
//! the observer that shows a `wait` while it runs.

use crate::exit::{self, ExitStatus};
use crate::render::Render;
use crate::report::{Report, WaitObserver};
use crate::ui::output::Output;
use crate::ui::progress::wait_observer;

/// Writes reports through the output object.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Printer<'a> {
    out: &'a Output,
}

impl<'a> Printer<'a> {
    #[must_use]
    pub(crate) fn new(out: &'a Output) -> Self {
        Self { out }
    }

    /// The output object, for what reports to it directly (connection notes).
    #[must_use]
    pub(crate) fn out(self) -> &'a Output {
        self.out
    }

    /// Renders `report` in `mode`, writes it (stderr lines first, then stdout), and returns
    /// the exit status it earns.
    ///
    /// # Errors
    /// A failed write to stdout.
    pub(crate) fn show(self, report: &Report, mode: &Render) -> anyhow::Result<ExitStatus> {
        let status = exit::status(report);
        let view = self.out.view();
        let mut rendered = crate::render::render(report, status, mode, &view);
        // A `--jq` filter runs here, in a process of its own (`crate::jq`): rendering only
        // describes it.
        if let Some(run) = rendered.pending.take() {
            let outcome = run.filter.run_text(&run.input, view.neutralise);
            rendered = rendered.filtered(outcome, status);
        }
        let status = exit::after_rendering(status, rendered.filter);
        self.out.show(rendered)?;
        Ok(status)
    }

    /// Text for stdout as it comes (the demo's narration, the simulator's exports).
    ///
    /// # Errors
    /// A failed write to stdout.
    pub(crate) fn text(self, text: &str) -> std::io::Result<()> {
        self.out.result(text)
    }

    /// Status lines for stderr that `-q` silences.
    pub(crate) fn notes(self, lines: &[String]) {
        for line in lines {
            self.out.progress(line);
        }
    }

    /// What shows a `wait` in `mode` while it runs: the `--events` stream, or the progress
    /// display on stderr.
    #[must_use]
    pub(crate) fn observer(self, mode: &Render) -> Box<dyn WaitObserver + 'a> {
        wait_observer(self.out, mode)
    }
}
