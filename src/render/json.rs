//! JSON documents as the API returned them.

use serde_json::Value;

/// One-line JSON (the `--events` lines), with the hazards of [`escape_hazards`] escaped.
#[must_use]
pub(crate) fn compact(value: &Value) -> String {
    escape_hazards(serde_json::to_string(value).unwrap_or_default())
}

/// JSON escapes C0 controls (ESC included) itself but leaves DEL, the C1 controls (U+009B is
/// a one-character CSI for some terminals) and the invisible format and separator characters
/// (bidirectional marks and overrides, zero-width characters, U+2028/U+2029, the byte-order
/// mark) raw. They can only occur inside strings, where `\uXXXX` denotes the very same
/// character: the document keeps its value and stays valid, and nothing in it can drive the
/// terminal it is printed on or make it read differently from what it holds. The set is the
/// one tables make visible ([`crate::safe_text::is_hazard`]), less the C0 controls that JSON
/// already escapes (and that lay out the text between its tokens).
#[must_use]
pub fn escape_hazards(json: String) -> String {
    // ASCII holds only one of them (DEL): a fast check for the usual, huge or not.
    if (json.is_ascii() && !json.as_bytes().contains(&0x7f)) || !json.contains(is_json_hazard) {
        return json;
    }
    let mut escaped = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_json_hazard(c) {
            push_escaped(c, &mut escaped);
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// A character that JSON text may carry raw but that must not reach a terminal raw.
pub(crate) fn is_json_hazard(c: char) -> bool {
    c >= '\u{7f}' && crate::safe_text::is_hazard(c)
}

/// `c` as a JSON escape: `\uXXXX`, or a surrogate pair beyond the first plane (where the
/// language-tag format characters live).
pub(crate) fn push_escaped(c: char, out: &mut String) {
    use std::fmt::Write;
    let mut units = [0_u16; 2];
    for unit in c.encode_utf16(&mut units) {
        let _ = write!(out, "\\u{unit:04x}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hazards_are_escaped_and_the_value_is_kept() {
        let value = serde_json::json!({"r": "a\u{1b}[2J\u{9b}2J\u{7f}\u{202e}b", "n": "héllo"});
        let text = escape_hazards(serde_json::to_string_pretty(&value).expect("serialises"));
        assert!(
            !text.contains(|c: char| c.is_control() && c != '\n'),
            "{text}"
        );
        assert!(!text.contains('\u{202e}'));
        assert!(text.contains("héllo"));
        let back: Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, value);
        assert_eq!(compact(&serde_json::json!("\u{85}")), "\"\\u0085\"");
    }

    #[test]
    fn invisible_format_and_separator_characters_are_escaped() {
        let hidden = "a\u{200e}\u{200f}\u{61c}\u{2028}\u{2029}\u{200b}\u{feff}\u{e0001}b";
        let value = serde_json::json!({ "r": hidden, "n": "Grüße 镜像" });
        let text = compact(&value);
        assert!(!text.contains(is_json_hazard), "{text}");
        assert!(
            text.contains("\\u200e") && text.contains("\\udb40\\udc01"),
            "{text}"
        );
        assert!(text.contains("Grüße 镜像"), "{text}");
        let back: Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, value);
    }
}
