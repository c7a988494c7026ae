//! `--jq EXPR`: a jq filter (jaq) over the JSON document; strings print raw, like `gh --jq`.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data};
use jaq_json::Val;

use crate::error::UsageError;

/// A compiled filter. Compiling happens before any request, so a typo costs nothing.
pub struct JqFilter {
    filter: jaq_core::Filter<data::JustLut<Val>>,
}

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
}

impl JqRunError {
    fn new(partial: String, stop: JqStop) -> Self {
        Self { partial, stop }
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
        let invalid = || {
            UsageError::new(format!("invalid `--jq` expression `{expr}`"))
                .with_hint("the syntax is jq's: for example `--jq .entities.image_id`")
        };
        let modules = loader.load(&arena, program).map_err(|_| invalid())?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|_| invalid())?;
        Ok(Self { filter })
    }

    /// Runs the filter over a document; each output becomes one line (strings raw, other
    /// values as JSON). With `neutralise` (stdout is a terminal) strings are shown with their
    /// control characters made visible, as everywhere else API text reaches a screen; in a
    /// pipe they stay raw, since a script asked for the exact value.
    ///
    /// # Errors
    /// When the filter raises an error (e.g. indexing a string).
    pub fn run(
        &self,
        document: &serde_json::Value,
        neutralise: bool,
    ) -> Result<String, JqRunError> {
        let failed = |e: String| JqRunError::new(String::new(), JqStop::Error(e));
        let text = serde_json::to_vec(document).map_err(|e| failed(e.to_string()))?;
        self.run_text(&text, neutralise)
    }

    /// [`JqFilter::run`] over JSON text: the document is parsed only here, for the filter.
    ///
    /// # Errors
    /// When the text does not parse or the filter raises an error.
    pub fn run_text(&self, text: &[u8], neutralise: bool) -> Result<String, JqRunError> {
        let failed = |e: String| JqRunError::new(String::new(), JqStop::Error(e));
        let input = jaq_json::read::parse_single(text).map_err(|e| failed(e.to_string()))?;
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
                    out.push_str(&crate::text::sanitize(&String::from_utf8_lossy(bytes)));
                }
                Val::TStr(bytes) => out.push_str(&String::from_utf8_lossy(bytes)),
                other => out.push_str(&super::json::escape_hazards(other.to_string())),
            }
            out.push('\n');
        }
        Ok(out)
    }
}

impl super::mode::DocumentFormat for JqFilter {
    fn render(
        &self,
        document: &super::document::Document<'_>,
        stdout_is_terminal: bool,
    ) -> anyhow::Result<String> {
        Ok(self.run_text(&document.compact(), stdout_is_terminal)?)
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
            .run(&json!({"entities": {"image_id": "abc"}}), false)
            .expect("runs");
        assert_eq!(out, "abc\n");
    }

    #[test]
    fn other_values_print_as_json() {
        let filter = JqFilter::compile(".[] | {id: .job_id}").expect("compiles");
        let out = filter
            .run(&json!([{"job_id": "a"}, {"job_id": "b"}]), false)
            .expect("runs");
        assert_eq!(out, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
    }

    #[test]
    fn strings_are_neutralised_for_a_terminal_only() {
        let filter = JqFilter::compile(".fail_reason").expect("compiles");
        let document = json!({"fail_reason": "x\u{1b}]0;pwned\u{7}y"});
        assert_eq!(
            filter.run(&document, true).expect("runs"),
            "x\\x1b]0;pwned\\x07y\n"
        );
        assert_eq!(
            filter.run(&document, false).expect("runs"),
            "x\u{1b}]0;pwned\u{7}y\n"
        );
        let filter = JqFilter::compile("{r: .fail_reason}").expect("compiles");
        let out = filter
            .run(&json!({"fail_reason": "\u{9b}2J"}), false)
            .expect("runs");
        assert!(!out.contains('\u{9b}'), "{out}");
    }

    #[test]
    fn bad_expressions_are_usage_errors() {
        assert!(JqFilter::compile(".[").is_err());
        assert!(JqFilter::compile("nosuchfunction").is_err());
    }
}
