//! Presentation: the output object that owns stdout and stderr, the printer that every
//! command's report goes through (and `demo` and `sim` speak through as they go; it runs the
//! `--jq` filter a rendering leaves pending), and the progress observers of `wait` (live
//! terminal lines, plain notes, `--events`). The text itself comes from `render`, which never
//! writes.

pub(crate) mod output;
pub(crate) mod printer;
pub(crate) mod progress;
