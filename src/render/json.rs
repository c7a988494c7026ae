//! JSON documents as the API returned them.

use serde_json::Value;

use crate::safe_text::escape_hazards;

/// One-line JSON (the `--events` lines), with the hazards of [`escape_hazards`] escaped.
#[must_use]
pub(crate) fn compact(value: &Value) -> String {
    escape_hazards(serde_json::to_string(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safe_text::is_json_hazard;

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
