//! Presentation while a run is under way: the output object that owns stdout and stderr, and
//! the progress observers of `wait` (live terminal lines, plain notes, `--events`).
//! The text itself comes from `render`, which never writes.

pub(crate) mod output;
pub(crate) mod progress;
