//! `imsjob explain CODE…` and `imsjob explain --list`: codes looked up in the table of
//! published error codes (`crate::codes`), offline. The report is rendered by
//! `render::explain`; `exit` gives 4 for a code not in the table (as for a job that is not
//! found) and 2 for an argument not shaped like a code at all.

use crate::codes::{is_code_shaped, table};
use crate::report::{Body, Explained, Explanation, Report};

/// How many known codes an unknown one is answered with.
const NEAREST: usize = 3;

/// Looks up the codes asked for, or every code with `list`.
#[must_use]
pub(crate) fn run(codes: &[String], list: bool) -> Report {
    if list {
        return Report::new(Body::Explain(Explanation::List));
    }
    let table = table();
    let explained = codes
        .iter()
        .map(|asked| {
            let trimmed = asked.trim();
            if let Some(code) = table.get(trimmed) {
                Explained::Known(code)
            } else if is_code_shaped(trimmed) {
                Explained::Unknown {
                    asked: trimmed.to_owned(),
                    nearest: table
                        .nearest(trimmed, NEAREST)
                        .into_iter()
                        .map(|c| c.code)
                        .collect(),
                }
            } else {
                Explained::NotACode {
                    asked: trimmed.to_owned(),
                }
            }
        })
        .collect();
    Report::new(Body::Explain(Explanation::Codes(explained)))
}
