//! The JSON document of a report, built around the jobs' raw texts rather than a parsed copy
//! of them: `-o json` re-indents each answer as it goes (numbers, key order and escapes as
//! sent), so printing a job costs about its size once more, not a tree of it.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// A JSON document whose leaves may be raw answers.
#[derive(Debug)]
pub enum Document<'a> {
    /// An answer as received.
    Raw(&'a RawValue),
    /// A value made by imsjob (the stand-in of a job that could not be fetched, a marker).
    Value(Value),
    Array(Vec<Document<'a>>),
    Object(Vec<(&'static str, Document<'a>)>),
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Raw(raw) => raw.serialize(serializer),
            Self::Value(value) => value.serialize(serializer),
            Self::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Self::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl Document<'_> {
    /// One-line JSON (raw answers inside keep their own spacing); the input of `--jq`.
    #[must_use]
    pub fn compact(&self) -> Vec<u8> {
        // Nothing here can fail to serialise: keys are strings, raw values are valid JSON.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The document as a JSON value (a new format that wants one; costs a parsed copy).
    #[must_use]
    pub fn to_value(&self) -> Value {
        serde_json::from_slice(&self.compact()).unwrap_or(Value::Null)
    }

    /// Pretty-printed with a two-space indent, as `serde_json::to_string_pretty` lays it
    /// out, with DEL, C1 controls and invisible format characters escaped (see
    /// [`crate::safe_text::escape_hazards`]).
    #[must_use]
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(0, &mut out);
        out
    }

    fn write_pretty(&self, depth: usize, out: &mut String) {
        match self {
            Self::Raw(raw) => reindent(raw.get(), depth, out),
            Self::Value(value) => reindent(
                &serde_json::to_string(value).unwrap_or_default(),
                depth,
                out,
            ),
            Self::Array(items) if items.is_empty() => out.push_str("[]"),
            Self::Object(entries) if entries.is_empty() => out.push_str("{}"),
            Self::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push_str(if i == 0 { "" } else { "," });
                    newline(depth + 1, out);
                    item.write_pretty(depth + 1, out);
                }
                newline(depth, out);
                out.push(']');
            }
            Self::Object(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    out.push_str(if i == 0 { "" } else { "," });
                    newline(depth + 1, out);
                    reindent(&Value::from(*key).to_string(), depth + 1, out);
                    out.push_str(": ");
                    value.write_pretty(depth + 1, out);
                }
                newline(depth, out);
                out.push('}');
            }
        }
    }
}

fn newline(depth: usize, out: &mut String) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Lays out valid JSON text at `depth`: whitespace between tokens is replaced, strings and
/// numbers are copied as they are (hazard characters escaped, which keeps their value).
fn reindent(text: &str, mut depth: usize, out: &mut String) {
    out.reserve(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    let mut escaped = false;
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                c if crate::safe_text::is_json_hazard(c) => {
                    crate::safe_text::push_escaped(c, out);
                    continue;
                }
                _ => {}
            }
            out.push(c);
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                while chars.next_if(char::is_ascii_whitespace).is_some() {}
                let close = if c == '{' { '}' } else { ']' };
                out.push(c);
                if chars.next_if_eq(&close).is_some() {
                    out.push(close);
                } else {
                    depth += 1;
                    newline(depth, out);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(depth, out);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(depth, out);
            }
            ':' => out.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).expect("JSON")
    }

    #[test]
    fn pretty_matches_serde_json_and_keeps_numbers_and_order() {
        let text = r#"{"z":1,"a":[],"b":{},"c":[1,{"d":"x, y: {z}","e":[true,null]}],"n":2.50,
            "big":123456789012345678901234567890,"s":"q\"uote\\"}"#;
        let answer = raw(text);
        let document = Document::Array(vec![
            Document::Raw(&answer),
            Document::Object(vec![("sub_jobs", Document::Array(Vec::new()))]),
        ]);
        let pretty = document.pretty();
        let parsed: Value = serde_json::from_str(text).expect("JSON");
        let expected = serde_json::to_string_pretty(&Value::Array(vec![
            parsed,
            serde_json::json!({"sub_jobs": []}),
        ]))
        .expect("JSON");
        assert_eq!(pretty, expected);
        assert!(pretty.contains("\"n\": 2.50"));
        let back: Value = serde_json::from_slice(&document.compact()).expect("JSON");
        assert_eq!(back, document.to_value());
    }

    #[test]
    fn hazards_in_strings_are_escaped() {
        let answer = raw("{\"r\": \"a\u{9b}2J\u{7f}\u{202e}b\", \"e\": \"\\u001b\"}");
        let pretty = Document::Raw(&answer).pretty();
        assert!(
            !pretty.contains(['\u{9b}', '\u{7f}', '\u{202e}']),
            "{pretty}"
        );
        let back: Value = serde_json::from_str(&pretty).expect("still JSON");
        assert_eq!(back["r"], "a\u{9b}2J\u{7f}\u{202e}b");
    }
}
