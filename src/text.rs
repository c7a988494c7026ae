//! Text from the API is untrusted: it is shown only after control characters are neutralised,
//! so a hostile `fail_reason` cannot move the cursor, recolour or retitle the terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Replaces every control character (C0, DEL, C1 — which covers ESC and CSI, hence every
/// terminal escape sequence) with a visible `\xNN`/`\u{NNNN}` form. Ordinary text, including
/// non-ASCII letters, is kept as it is.
#[must_use]
pub fn sanitize(text: &str) -> Cow<'_, str> {
    // Printable ASCII needs no Unicode lookup: the common case stays fast on huge text.
    let printable = |b: &u8| (0x20..0x7f).contains(b);
    if (text.is_ascii() && text.as_bytes().iter().all(printable)) || !text.chars().any(is_hazard) {
        return Cow::Borrowed(text);
    }
    let mut clean = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hazard(c) {
            if (c as u32) < 0x100 {
                let _ = write!(clean, "\\x{:02x}", c as u32);
            } else {
                let _ = write!(clean, "\\u{{{:04x}}}", c as u32);
            }
        } else {
            clean.push(c);
        }
    }
    Cow::Owned(clean)
}

/// [`sanitize`] line by line: line breaks are kept, every other control character is made
/// visible. For messages that are several lines on purpose (an error and its hint).
#[must_use]
pub fn sanitize_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_hazard(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(sanitize)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// Control characters, and the invisible Unicode format and separator characters (general
/// categories Cf, Zl, Zp: bidirectional marks and overrides, zero-width characters, line and
/// paragraph separators), which can make text read differently from what it is or break a
/// line where the terminal does not expect it.
#[must_use]
pub fn is_hazard(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    c.is_control()
        || (!c.is_ascii()
            && matches!(
                c.general_category(),
                GeneralCategory::Format
                    | GeneralCategory::LineSeparator
                    | GeneralCategory::ParagraphSeparator
            ))
}

/// Shows a user-supplied value in an error message: sanitised, and shortened when huge
/// (a 10 kB id must not become a 10 kB error line).
#[must_use]
pub fn quote_input(text: &str) -> String {
    const MAX: usize = 80;
    let clean = sanitize(text);
    match clean.char_indices().nth(MAX) {
        Some((cut, _)) => format!("`{}…` ({} bytes)", &clean[..cut], text.len()),
        None => format!("`{clean}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_format_and_separator_characters_are_made_visible() {
        for c in [
            '\u{200e}', '\u{200f}', '\u{061c}', '\u{2028}', '\u{2029}', '\u{202e}', '\u{feff}',
        ] {
            let text = format!("a{c}b");
            let clean = sanitize(&text);
            assert!(!clean.contains(c), "{:04x} passed raw", c as u32);
            assert!(
                clean.contains(&format!("\\u{{{:04x}}}", c as u32)),
                "{clean}"
            );
        }
        assert_eq!(sanitize("Grüße, 镜像 ok"), "Grüße, 镜像 ok");
    }

    #[test]
    fn escapes_are_neutralised() {
        assert_eq!(sanitize("ok\x1b[2Jgone\x07"), "ok\\x1b[2Jgone\\x07");
        assert_eq!(sanitize("line\nbreak"), "line\\x0abreak");
        assert_eq!(sanitize("\u{9b}31m"), "\\x9b31m");
        assert_eq!(sanitize("héllo wörld"), "héllo wörld");
        assert_eq!(sanitize("a\u{202e}b"), "a\\u{202e}b");
    }

    #[test]
    fn line_breaks_can_be_kept() {
        assert_eq!(
            sanitize_lines("a\x1b[1A\n  hint: b\r"),
            "a\\x1b[1A\n  hint: b\\x0d"
        );
        assert!(matches!(sanitize_lines("plain\ntext"), Cow::Borrowed(_)));
    }

    #[test]
    fn long_input_is_shortened() {
        let long = "a".repeat(10_000);
        let quoted = quote_input(&long);
        assert!(quoted.len() < 120, "{quoted}");
        assert!(quoted.contains("10000 bytes"));
    }
}
