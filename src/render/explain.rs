//! `explain`'s report as text or JSON: a block of labelled lines per known code, an error
//! line with the nearest known codes for an unknown one, an aligned list for `--list`.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::fit::wrap;
use super::message::Message;
use crate::codes::{Code, Retried, status_is_transient, table};
use crate::report::{Explained, Explanation};
use crate::safe_text::sanitize;

/// The stderr lines and the stdout text (none when there is nothing to show). Text is
/// wrapped between words at `width` (a terminal's), continuation lines indented under the
/// value they continue; in a pipe a line is never broken.
pub(crate) fn render(
    explanation: &Explanation,
    json: bool,
    width: Option<usize>,
) -> (Vec<Message>, Option<String>) {
    let asked = match explanation {
        Explanation::List => {
            let codes = table().codes();
            let stdout = if json {
                pretty(&Value::Array(codes.iter().map(code_json).collect()))
            } else {
                list_text(codes, width)
            };
            return (Vec::new(), Some(stdout));
        }
        Explanation::Codes(asked) => asked,
    };
    let mut messages = Vec::new();
    let mut texts = Vec::new();
    let mut documents = Vec::new();
    for explained in asked {
        match explained {
            Explained::Known(code) => {
                texts.push(code_text(code, width));
                documents.push(code_json(code));
            }
            Explained::Unknown { asked, nearest } => {
                let shown = sanitize(asked);
                messages.push(Message::Error {
                    text: format!("`{shown}` is not a known error code"),
                    hint: Some(format!(
                        "nearest known: {}; `imsjob explain --list` shows all {}",
                        nearest.join(", "),
                        table().codes().len()
                    )),
                });
                documents.push(json!({"code": shown, "known": false, "nearest": nearest}));
            }
            Explained::NotACode { asked } => {
                let shown = sanitize(asked);
                // An empty argument (an unset variable, `explain "$CODE"`) named as such:
                // empty backticks read as a rendering fault.
                let text = if asked.is_empty() {
                    "an empty argument is not an error code".to_owned()
                } else {
                    format!("`{shown}` is not an error code")
                };
                messages.push(Message::Error {
                    text,
                    hint: Some(
                        "a code is letters, a dot and digits, as a job or an API answer gives it (e.g. `IMG.0194`)"
                            .into(),
                    ),
                });
                documents.push(json!({"code": shown, "known": false, "nearest": []}));
            }
        }
    }
    let stdout = if json {
        // One code asked: its object; several: an array, as `get` does with ids.
        let document = if documents.len() == 1 {
            documents.pop().unwrap_or_default()
        } else {
            Value::Array(documents)
        };
        Some(pretty(&document))
    } else {
        Some(texts.join("\n")).filter(|text| !text.is_empty())
    };
    (messages, stdout)
}

/// `--list`: code, service, meaning, aligned; the code first so that `cut`/`awk` take it.
fn list_text(codes: &[Code], width: Option<usize>) -> String {
    let code_width = codes.iter().map(|c| c.code.len()).max().unwrap_or(0);
    let service_width = codes.iter().map(|c| c.service.len()).max().unwrap_or(0);
    let mut out = String::new();
    for code in codes {
        let line = format!(
            "{:code_width$}  {:service_width$}  {}",
            code.code, code.service, code.meaning
        );
        for piece in wrap(&line, width, code_width + service_width + 4) {
            let _ = writeln!(out, "{piece}");
        }
    }
    out
}

/// One code, as a block of labelled lines.
fn code_text(code: &Code, width: Option<usize>) -> String {
    let mut lines = wrap(&format!("{}: {}", code.code, code.meaning), width, 2);
    // `  label        value`: a value's continuation lines start under the value.
    let mut field = |label: &str, value: String| {
        let text = format!("{label:<12} {value}");
        let pieces = wrap(&text, width.map(|w| w.saturating_sub(2)), 13);
        lines.extend(pieces.into_iter().map(|piece| format!("  {piece}")));
    };
    if let Some(alias) = code.alias() {
        field("also written", alias);
    }
    field("service", code.service.to_owned());
    field("HTTP status", statuses(&code.statuses));
    field("what to do", code.what_to_do.to_owned());
    field("retried", retried_text(code));
    if let Some(note) = code.note {
        field("note", note.to_owned());
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

fn statuses(list: &[u16]) -> String {
    list.iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether, and when, imsjob asks again after an API answer with the code.
fn retried_text(code: &Code) -> String {
    match code.retried {
        Retried::Yes => "yes: imsjob asks again with backoff, whatever the HTTP status".into(),
        Retried::No => "no: asking again would get the same answer".into(),
        Retried::ByStatus => {
            let retried = code.retried_statuses();
            if retried.is_empty() {
                format!(
                    "no: an HTTP {} answer is final",
                    statuses(&code.statuses).replace(", ", " or ")
                )
            } else {
                format!(
                    "yes, when answered with HTTP {} (any answer with {} is asked again)",
                    statuses(&retried).replace(", ", " or "),
                    transient_list()
                )
            }
        }
    }
}

fn transient_list() -> String {
    (100..=599u16)
        .filter(|s| status_is_transient(*s))
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The JSON object of a known code.
fn code_json(code: &Code) -> Value {
    json!({
        "code": code.code,
        "known": true,
        "service": code.service,
        "http_status": code.statuses,
        "meaning": code.meaning,
        "what_to_do": code.what_to_do,
        "retried": !code.retried_statuses().is_empty(),
        "note": code.note,
    })
}

fn pretty(value: &Value) -> String {
    // A value built here from strings and numbers always serialises.
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::{ExitStatus, status};
    use crate::report::Body;

    /// The report, its stderr lines and stdout text, and its exit status.
    fn explain(codes: &[&str], list: bool, json: bool) -> (Vec<Message>, String, ExitStatus) {
        let codes: Vec<String> = codes.iter().map(|c| (*c).to_owned()).collect();
        let report = crate::commands::explain::run(&codes, list);
        let exit = status(&report);
        let Body::Explain(explanation) = &report.body else {
            unreachable!("explain reports an explanation")
        };
        let (messages, stdout) = render(explanation, json, None);
        (messages, stdout.unwrap_or_default(), exit)
    }

    #[test]
    fn every_listed_code_is_explained() {
        for code in table().codes() {
            let (_, text, exit) = explain(&[&code.code.to_ascii_lowercase()], false, false);
            assert_eq!(exit, ExitStatus::Success, "{}", code.code);
            assert!(text.starts_with(&format!("{}: ", code.code)), "{text}");
            assert!(text.contains(code.what_to_do), "{text}");
            let (_, json, _) = explain(&[code.code], false, true);
            let value: Value = serde_json::from_str(&json).expect("JSON");
            assert_eq!(value["code"], code.code);
        }
    }

    #[test]
    fn unknown_codes_suggest_the_nearest() {
        let (messages, text, exit) = explain(&["IMG.0194", "IMG.0199"], false, false);
        assert_eq!(exit, ExitStatus::NotFound);
        let Some(Message::Error {
            hint: Some(hint), ..
        }) = messages.first()
        else {
            panic!("{messages:?}")
        };
        assert!(hint.contains("IMG.0198"), "{hint}");
        assert!(text.contains("IMG.0194"));
        assert_eq!(explain(&["not-a-code"], false, false).2, ExitStatus::Usage);
    }

    #[test]
    fn retries_are_told_as_the_api_layer_decides() {
        let text = |code| explain(&[code], false, false).1;
        assert!(text("APIGW.0308").contains("retried      yes"));
        assert!(text("APIG.0101").contains("retried      no"));
        assert!(text("IMG.0194").contains("no: an HTTP 400 answer is final"));
        assert!(text("EVS.2024").contains("yes, when answered with HTTP 500"));
    }
}
