//! Compiling a `--jq` expression (jaq, jq's syntax) and running it in this process, with
//! its output budget; the worker (`super::worker`) runs it under every other limit.

use std::time::Duration;

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data};
use jaq_json::Val;

use crate::usage_error::UsageError;

/// A compiled filter. Compiling happens before any request, so a typo costs nothing.
pub struct JqFilter {
    filter: jaq_core::Filter<data::JustLut<Val>>,
    /// The expression, for the worker process to compile again.
    pub(super) expr: String,
}

/// Longest a filter may run.
pub const TIME_BUDGET: Duration = Duration::from_secs(10);

/// Most output a filter may produce (far beyond any job document's worth).
pub const OUTPUT_BUDGET: usize = 64 * 1024 * 1024;

impl std::fmt::Debug for JqFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JqFilter")
    }
}

/// Why a filter run stopped before its end, with what it wrote until then.
#[derive(Debug, thiserror::Error)]
#[error("{stop}")]
pub struct JqRunError {
    /// The lines the filter wrote before it stopped.
    pub partial: String,
    pub stop: JqStop,
}

/// How a filter run stopped. Neither decides imsjob's exit code (`doc/contract.md`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JqStop {
    /// A runtime error (indexing a string, `error(...)`).
    #[error("jq: {0}")]
    Error(String),
    /// `halt`, `halt(n)` or `halt_error`.
    #[error("jq: the `--jq` program halted with exit code {0}")]
    Halt(i32),
    /// imsjob received SIGTERM (`terminated`) or SIGINT while the filter ran.
    #[error("jq: the `--jq` program was stopped by {}", if *terminated { "SIGTERM" } else { "SIGINT" })]
    Signal {
        /// SIGTERM rather than SIGINT.
        terminated: bool,
    },
}

impl JqRunError {
    pub(super) fn new(partial: String, stop: JqStop) -> Self {
        Self { partial, stop }
    }

    /// A runtime error before anything was written.
    pub(super) fn error(message: impl Into<String>) -> Self {
        Self::new(String::new(), JqStop::Error(message.into()))
    }
}

/// jaq's reason for refusing an expression, where it saw the problem: the first lex or
/// parse error, as jaq's own command line words it.
fn load_reason(expr: &str, errors: &jaq_core::load::Errors<&str, ()>) -> Option<String> {
    use jaq_core::load::{Error, lex};
    let (_, error) = errors.first()?;
    match error {
        Error::Io(list) => list.first().map(|(_, message)| message.clone()),
        Error::Lex(list) => list.first().map(|(expected, found)| {
            let expected = match expected {
                // `as_str` knows only the four delimiters jaq opens; name any other plainly.
                lex::Expect::Delim(open) => match *open {
                    "(" => "closing parenthesis".to_owned(),
                    "[" => "closing bracket".to_owned(),
                    "{" => "closing brace".to_owned(),
                    "\"" => "closing quote".to_owned(),
                    open => format!("a match for `{open}`"),
                },
                other => other.as_str().to_owned(),
            };
            format!("expected {expected}{}", at(expr, found))
        }),
        Error::Parse(list) => list.first().map(|(expected, found)| {
            let shown = match found.chars().next() {
                None => "the end".to_owned(),
                Some(_) => format!("`{}`", found.chars().take(12).collect::<String>()),
            };
            format!(
                "expected {}, found {shown}{}",
                expected.as_str(),
                at(expr, found)
            )
        }),
    }
}

/// ` at column N` for a slice of `expr` (jaq points into the text it was given).
fn at(expr: &str, slice: &str) -> String {
    let offset = (slice.as_ptr() as usize).checked_sub(expr.as_ptr() as usize);
    match offset.filter(|&o| o <= expr.len() && expr.is_char_boundary(o)) {
        Some(offset) => format!(" at column {}", expr[..offset].chars().count() + 1),
        None => String::new(),
    }
}

impl JqFilter {
    /// # Errors
    /// A usage error when the expression does not parse or names unknown functions.
    pub fn compile(expr: &str) -> Result<Self, UsageError> {
        let program = File {
            code: expr,
            path: (),
        };
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let invalid = |reason: Option<String>| {
            let reason = reason.map_or_else(String::new, |r| format!(": {r}"));
            UsageError::new(format!("invalid `--jq` expression `{expr}`{reason}"))
                .with_hint("the syntax is jq's: for example `--jq .entities.image_id`")
        };
        let modules = loader
            .load(&arena, program)
            .map_err(|errors| invalid(load_reason(expr, &errors)))?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errors| {
                let first = errors.iter().flat_map(|(_, list)| list).next();
                invalid(first.map(|(name, undefined)| {
                    format!(
                        "undefined {} `{name}`{}",
                        undefined.as_str(),
                        at(expr, name)
                    )
                }))
            })?;
        Ok(Self {
            filter,
            expr: expr.to_owned(),
        })
    }

    /// Runs the filter in this process, with no limit: only for filters known to be
    /// harmless, and for the worker itself.
    ///
    /// # Errors
    /// When the filter raises an error (e.g. indexing a string).
    pub fn run_in_process(
        &self,
        document: &serde_json::Value,
        neutralise: bool,
    ) -> Result<String, JqRunError> {
        let text = serde_json::to_vec(document).map_err(|e| JqRunError::error(e.to_string()))?;
        self.run_text_in_process(&text, neutralise)
    }

    pub(super) fn run_text_in_process(
        &self,
        text: &[u8],
        neutralise: bool,
    ) -> Result<String, JqRunError> {
        let input =
            jaq_json::read::parse_single(text).map_err(|e| JqRunError::error(e.to_string()))?;
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        let mut out = String::new();
        for value in self.filter.id.run((ctx, input)) {
            // Not `jaq_core::unwrap_valr`: on `halt` it ends the process with the filter's
            // code, and a filter must never decide imsjob's exit code.
            let value = match value {
                Ok(value) => value,
                Err(exn) => {
                    let stop = match exn.get_err() {
                        Ok(error) => JqStop::Error(error.to_string()),
                        Err(exn) => match exn.get_halt() {
                            Ok(code) => JqStop::Halt(code),
                            Err(other) => JqStop::Error(format!("{other:?}")),
                        },
                    };
                    return Err(JqRunError::new(out, stop));
                }
            };
            match &value {
                Val::TStr(bytes) if neutralise => {
                    out.push_str(&crate::safe_text::sanitize(&String::from_utf8_lossy(bytes)));
                }
                Val::TStr(bytes) => out.push_str(&String::from_utf8_lossy(bytes)),
                other => out.push_str(&crate::safe_text::escape_hazards(other.to_string())),
            }
            out.push('\n');
            if out.len() > OUTPUT_BUDGET {
                return Err(JqRunError::error(format!(
                    "the filter's output exceeded {} MiB; stopped",
                    OUTPUT_BUDGET / (1024 * 1024)
                )));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_print_raw() {
        let filter = JqFilter::compile(".entities.image_id").expect("compiles");
        let out = filter
            .run_in_process(&json!({"entities": {"image_id": "abc"}}), false)
            .expect("runs");
        assert_eq!(out, "abc\n");
    }

    #[test]
    fn other_values_print_as_json() {
        let filter = JqFilter::compile(".[] | {id: .job_id}").expect("compiles");
        let out = filter
            .run_in_process(&json!([{"job_id": "a"}, {"job_id": "b"}]), false)
            .expect("runs");
        assert_eq!(out, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
    }

    #[test]
    fn strings_are_neutralised_for_a_terminal_only() {
        let filter = JqFilter::compile(".fail_reason").expect("compiles");
        let document = json!({"fail_reason": "x\u{1b}]0;pwned\u{7}y"});
        assert_eq!(
            filter.run_in_process(&document, true).expect("runs"),
            "x\\x1b]0;pwned\\x07y\n"
        );
        assert_eq!(
            filter.run_in_process(&document, false).expect("runs"),
            "x\u{1b}]0;pwned\u{7}y\n"
        );
        let filter = JqFilter::compile("{r: .fail_reason}").expect("compiles");
        let out = filter
            .run_in_process(&json!({"fail_reason": "\u{9b}2J"}), false)
            .expect("runs");
        assert!(!out.contains('\u{9b}'), "{out}");
    }

    #[test]
    fn bad_expressions_are_usage_errors() {
        assert!(JqFilter::compile(".[").is_err());
        assert!(JqFilter::compile("nosuchfunction").is_err());
    }
}
