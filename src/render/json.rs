//! JSON documents as the API returned them.

use serde_json::Value;

/// One-line JSON (the `--events` lines), with the hazards of [`escape_hazards`] escaped.
#[must_use]
pub(crate) fn compact(value: &Value) -> String {
    escape_hazards(serde_json::to_string(value).unwrap_or_default())
}

/// JSON escapes C0 controls (ESC included) itself but leaves DEL, the C1 controls (U+009B is
/// a one-character CSI for some terminals) and the bidirectional overrides raw. They can only
/// occur inside strings, where `\uXXXX` denotes the very same character: the document keeps
/// its value and stays valid, and nothing in it can drive the terminal it is printed on.
#[must_use]
pub fn escape_hazards(json: String) -> String {
    let hazard = |c: char| matches!(c, '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    // ASCII holds only one of them (DEL): a fast check for the usual, huge or not.
    if (json.is_ascii() && !json.as_bytes().contains(&0x7f)) || !json.contains(hazard) {
        return json;
    }
    let mut escaped = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if hazard(c) {
            escaped.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            escaped.push(c);
        }
    }
    escaped
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
}
