//! Pure renderers: a report in, text out. Width and colour are parameters, never detected
//! here, so every rendering is reproducible in tests. [`render`] is the one entry point: it
//! picks the format once, for every command. The progress observers of `wait` live here too:
//! they and `Output` are the only code that writes while a command runs.

pub mod document;
pub mod events;
pub mod fit;
pub mod jq;
pub mod json;
pub mod mode;
pub mod progress;
pub mod report;
pub mod style;
pub mod table;
pub mod tree;
pub mod unfetched;

pub use self::mode::Render;
pub use self::report::{Message, Rendered, View, render};
pub use self::style::{Style, paint_status, status_color};
