//! Pure renderers: a report in, text out. Width and colour are parameters, never detected
//! here, so every rendering is reproducible in tests. [`render`] is the one entry point: it
//! picks the format once, for every command. The progress observers of `wait` live here too:
//! they and `Output` are the only code that writes while a command runs.

pub mod document;
pub(crate) mod events;
pub(crate) mod fit;
pub mod jq;
pub mod json;
pub(crate) mod mode;
pub(crate) mod progress;
pub(crate) mod report;
pub(crate) mod style;
pub(crate) mod table;
pub(crate) mod tree;
pub(crate) mod unfetched;

pub use self::mode::Render;
pub use self::report::{Message, Rendered, View, render};
pub use self::style::{Style, paint_status};
