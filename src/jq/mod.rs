//! `--jq EXPR`: a jq filter (jaq) over the JSON document; strings print raw, like `gh --jq`.
//!
//! A jq filter is a program: `def f: [f]; f` recurses until the stack is gone and
//! `[range(1e9)]` allocates until memory is, and either would abort the process (jaq has no
//! depth or size limit to set). So the filter runs in a child process of this same binary
//! (see [`worker_main`]) under an address-space limit, a time budget and an output budget;
//! the child dying or running over any of them is an error of the filter (exit 2), never an
//! abort of imsjob.
//!
//! The worker does not depend on its parent to end it: it starts with an empty environment
//! (jq's `env` would otherwise show `OS_PASSWORD`), limits its own CPU time, and exits as soon
//! as its stdin reaches end of file, which happens when imsjob closes it or dies, however it
//! dies. A SIGINT or SIGTERM that imsjob receives while a filter runs ends the filter and the
//! command with 130 or 143, as at any other time.
//!
//! [`compile`] turns the expression into a filter (before any request: a typo costs nothing)
//! and runs it in this process; [`worker`] is the child process that runs it under limits,
//! and the parent's side of it. `config` compiles the filter, `render` describes the document
//! it applies to, and the printer (`ui`) runs it: nothing here knows of reports or rendering.

mod compile;
mod worker;

pub use self::compile::{JqFilter, OUTPUT_BUDGET, TIME_BUDGET};
pub(crate) use self::compile::{JqRunError, JqStop};
pub(crate) use self::worker::worker_main;
