//! `imsjob explain CODE…` and `imsjob explain --list`: the table of codes (`crate::codes`),
//! offline. Exit 4 when a code is not in the table (as a job that is not found), 2 when an
//! argument is not shaped like a code at all.

use serde_json::{Value, json};

use crate::cli::ExplainArgs;
use crate::codes::{Code, Retried, status_is_transient, table};
use crate::exit::ExitStatus;
use crate::render::{Message, Rendered};
use crate::safe_text::sanitize;

/// How many known codes an unknown one is answered with.
const NEAREST: usize = 3;

/// Explains the codes asked for, or lists them all.
#[must_use]
pub(crate) fn run(args: &ExplainArgs) -> Rendered {
    let table = table();
    if args.list {
        let stdout = if args.json {
            pretty(&Value::Array(table.codes().iter().map(code_json).collect()))
        } else {
            list_text(table.codes())
        };
        return Rendered {
            messages: Vec::new(),
            stdout: Some(stdout),
            status: ExitStatus::Success,
        };
    }
    let mut messages = Vec::new();
    let mut status = ExitStatus::Success;
    let mut texts = Vec::new();
    let mut documents = Vec::new();
    for asked in &args.codes {
        let shown = sanitize(asked.trim());
        if let Some(code) = table.get(asked) {
            texts.push(code_text(code));
            documents.push(code_json(code));
        } else if crate::codes::is_code_shaped(asked.trim()) {
            let nearest: Vec<&str> = table
                .nearest(asked, NEAREST)
                .into_iter()
                .map(|c| c.code)
                .collect();
            messages.push(Message::Error {
                text: format!("`{shown}` is not a known error code"),
                hint: Some(format!(
                    "nearest known: {}; `imsjob explain --list` shows all {}",
                    nearest.join(", "),
                    table.codes().len()
                )),
            });
            documents.push(json!({"code": shown, "known": false, "nearest": nearest}));
            status = status.worst(ExitStatus::NotFound);
        } else {
            messages.push(Message::Error {
                text: format!("`{shown}` is not an error code"),
                hint: Some(
                    "a code is letters, a dot and digits, as a job or an API answer gives it (e.g. `IMG.0194`)"
                        .into(),
                ),
            });
            documents.push(json!({"code": shown, "known": false, "nearest": []}));
            status = status.worst(ExitStatus::Usage);
        }
    }
    let stdout = if args.json {
        let document = match documents.pop() {
            Some(one) if args.codes.len() == 1 => one,
            last => {
                documents.extend(last);
                Value::Array(documents)
            }
        };
        Some(pretty(&document))
    } else {
        Some(texts.join("\n")).filter(|text| !text.is_empty())
    };
    Rendered {
        messages,
        stdout,
        status,
    }
}

/// `--list`: code, service, meaning, aligned; the code first so that `cut`/`awk` take it.
fn list_text(codes: &[Code]) -> String {
    let code_width = codes.iter().map(|c| c.code.len()).max().unwrap_or(0);
    let service_width = codes.iter().map(|c| c.service.len()).max().unwrap_or(0);
    let mut out = String::new();
    for code in codes {
        out.push_str(&format!(
            "{:code_width$}  {:service_width$}  {}\n",
            code.code, code.service, code.meaning
        ));
    }
    out
}

/// One code, as a block of labelled lines.
fn code_text(code: &Code) -> String {
    let mut lines = vec![format!("{}: {}", code.code, code.meaning)];
    let mut field = |label: &str, value: String| lines.push(format!("  {label:<12} {value}"));
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

    fn explain(codes: &[&str], list: bool, json: bool) -> Rendered {
        run(&ExplainArgs {
            codes: codes.iter().map(|c| (*c).to_owned()).collect(),
            list,
            json,
        })
    }

    #[test]
    fn every_listed_code_is_explained() {
        for code in table().codes() {
            let rendered = explain(&[&code.code.to_ascii_lowercase()], false, false);
            assert_eq!(rendered.status, ExitStatus::Success, "{}", code.code);
            let text = rendered.stdout.unwrap_or_default();
            assert!(text.starts_with(&format!("{}: ", code.code)), "{text}");
            assert!(text.contains(code.what_to_do), "{text}");
            let json = explain(&[code.code], false, true)
                .stdout
                .unwrap_or_default();
            let value: Value = serde_json::from_str(&json).expect("JSON");
            assert_eq!(value["code"], code.code);
        }
    }

    #[test]
    fn unknown_codes_suggest_the_nearest() {
        let rendered = explain(&["IMG.0194", "IMG.0199"], false, false);
        assert_eq!(rendered.status, ExitStatus::NotFound);
        let Some(Message::Error {
            hint: Some(hint), ..
        }) = rendered.messages.first()
        else {
            panic!("{:?}", rendered.messages)
        };
        assert!(hint.contains("IMG.0198"), "{hint}");
        assert!(rendered.stdout.unwrap_or_default().contains("IMG.0194"));
        assert_eq!(
            explain(&["not-a-code"], false, false).status,
            ExitStatus::Usage
        );
    }

    #[test]
    fn retries_are_told_as_the_api_layer_decides() {
        let text = |code| explain(&[code], false, false).stdout.unwrap_or_default();
        assert!(text("APIGW.0308").contains("retried      yes"));
        assert!(text("APIG.0101").contains("retried      no"));
        assert!(text("IMG.0194").contains("no: an HTTP 400 answer is final"));
        assert!(text("EVS.2024").contains("yes, when answered with HTTP 500"));
    }
}
