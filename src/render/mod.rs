//! Renderers: a report in, text out. Width and colour are parameters, never detected here,
//! so every rendering is reproducible in tests. [`render`] (in [`page`]) is the one entry
//! point: it picks the format once, for every command. Nothing here writes to a stream, reads
//! the environment, probes the terminal or starts a process: writing the text is `ui`'s job,
//! and so is running a `--jq` filter, which rendering only describes ([`mode::Written`]).

pub(crate) mod document;
pub(crate) mod events;
pub(crate) mod explain;
pub(crate) mod fit;
pub(crate) mod json;
pub(crate) mod message;
pub(crate) mod mode;
pub(crate) mod page;
pub(crate) mod remedy;
pub(crate) mod style;
pub(crate) mod table;
pub(crate) mod tree;
pub(crate) mod unfetched;

pub(crate) use self::mode::Render;
pub(crate) use self::page::render;
