//! Text from the API is untrusted: it is shown only after control characters are neutralised,
//! so a hostile `fail_reason` cannot move the cursor, recolour or retitle the terminal.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::RwLock;

/// Replaces every control character (C0, DEL, C1 — which covers ESC and CSI, hence every
/// terminal escape sequence) with a visible `\xNN`/`\u{NNNN}` form. Ordinary text, including
/// non-ASCII letters, is kept as it is.
///
/// Credentials are taken out first: userinfo in any URL (see [`redact_userinfo`]) and this
/// process's own secrets (see `register_secret`), so a server echoing them back, or a URL
/// written with `user:password@`, shows neither.
#[must_use]
pub fn sanitize(text: &str) -> Cow<'_, str> {
    match scrub(text) {
        Cow::Borrowed(text) => escape(text),
        Cow::Owned(text) => Cow::Owned(escape(&text).into_owned()),
    }
}

/// The credentials taken out of `text`: URL userinfo and registered secrets.
fn scrub(text: &str) -> Cow<'_, str> {
    match redact_userinfo(text) {
        Cow::Borrowed(text) => scrub_secrets(text),
        Cow::Owned(text) => Cow::Owned(scrub_secrets(&text).into_owned()),
    }
}

fn escape(text: &str) -> Cow<'_, str> {
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
pub(crate) fn sanitize_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_hazard(c)) {
        return scrub(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(sanitize)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// Shown instead of a credential.
pub(crate) const REDACTED: &str = "<redacted>";

/// Shortest value treated as a secret to scrub: shorter ones would match ordinary text.
const MIN_SECRET_LEN: usize = 6;

/// The secrets this process holds (password, secret key, tokens), scrubbed from every text
/// shown. Process-wide because the values are: whoever prints needs no handle on them.
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Records a secret this process holds, so that [`sanitize`] never shows it, whoever echoes
/// it back (a hostile server quoting the password in an error message).
pub(crate) fn register_secret(secret: &str) {
    let secret = secret.trim();
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    // In a JSON document a password with a quote or a backslash is written escaped: that
    // spelling is scrubbed too.
    let in_json = serde_json::to_string(secret)
        .ok()
        .and_then(|quoted| Some(quoted.strip_prefix('"')?.strip_suffix('"')?.to_owned()))
        .filter(|escaped| escaped != secret);
    let mut secrets = SECRETS
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for spelling in std::iter::once(secret.to_owned()).chain(in_json) {
        if !secrets.contains(&spelling) {
            secrets.push(spelling);
        }
    }
    // Longest first, so that a secret containing another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `text` with every registered secret replaced by [`REDACTED`].
#[must_use]
pub(crate) fn scrub_secrets(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !secrets.iter().any(|s| text.contains(s.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_owned();
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), REDACTED);
        }
    }
    Cow::Owned(out)
}

/// `text` with the userinfo of every URL in it (`scheme://user:password@host`) replaced by
/// `REDACTED`: the one place URLs are made fit to print or log, whether `text` is a URL or a
/// message quoting one.
#[must_use]
pub fn redact_userinfo(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = rest.find("://") {
        let authority_start = at + 3;
        out.push_str(&rest[..authority_start]);
        let after = &rest[authority_start..];
        // The authority ends where the path, query or fragment begins, or at a character
        // no URL holds unencoded (whitespace, quotes, brackets of the surrounding text).
        let end = after
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '`' | '\'' | '"' | '<' | '>') || c.is_whitespace()
            })
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            // `scheme://@host` holds no credential: nothing to hide, so nothing changed.
            Some(user_end) if user_end > 0 => {
                out.push_str(REDACTED);
                out.push_str(&authority[user_end..]);
                changed = true;
            }
            _ => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
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
pub(crate) fn quote_input(text: &str) -> String {
    const MAX: usize = 80;
    let clean = sanitize(text);
    match clean.char_indices().nth(MAX) {
        Some((cut, _)) => format!("`{}…` ({} bytes)", &clean[..cut], text.len()),
        None => format!("`{clean}`"),
    }
}

/// JSON escapes C0 controls (ESC included) itself but leaves DEL, the C1 controls (U+009B is
/// a one-character CSI for some terminals) and the invisible format and separator characters
/// (bidirectional marks and overrides, zero-width characters, U+2028/U+2029, the byte-order
/// mark) raw. They can only occur inside strings, where `\uXXXX` denotes the very same
/// character: the document keeps its value and stays valid, and nothing in it can drive the
/// terminal it is printed on or make it read differently from what it holds. The set is the
/// one tables make visible ([`is_hazard`]), less the C0 controls that JSON
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
    c >= '\u{7f}' && is_hazard(c)
}

/// `c` as a JSON escape: `\uXXXX`, or a surrogate pair beyond the first plane (where the
/// language-tag format characters live).
pub(crate) fn push_escaped(c: char, out: &mut String) {
    let mut units = [0_u16; 2];
    for unit in c.encode_utf16(&mut units) {
        let _ = write!(out, "\\u{unit:04x}");
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
    fn userinfo_is_redacted_in_urls_and_in_text_quoting_them() {
        assert_eq!(
            redact_userinfo("http://user:pa55@host:8080/v3?x=1"),
            "http://<redacted>@host:8080/v3?x=1"
        );
        assert_eq!(
            redact_userinfo("cannot reach `https://u@h/p` or ftp://a:b@c"),
            "cannot reach `https://<redacted>@h/p` or ftp://<redacted>@c"
        );
        assert_eq!(redact_userinfo("https://h/p@x"), "https://h/p@x");
        assert_eq!(
            redact_userinfo("://@"),
            "://@",
            "no userinfo, nothing to hide"
        );
        assert_eq!(
            redact_userinfo("mail me@example.com"),
            "mail me@example.com"
        );
        assert!(!sanitize("GET http://alice:s3cret-pw@h/").contains("s3cret"));
        assert!(!sanitize_lines("a\nhttp://alice:s3cret-pw@h/").contains("s3cret"));
    }

    #[test]
    fn registered_secrets_are_scrubbed() {
        register_secret("abc");
        assert_eq!(sanitize("abc"), "abc", "too short to scrub");
        register_secret("hunter2-long-secret");
        assert_eq!(
            sanitize("wrong password hunter2-long-secret\x1b"),
            "wrong password <redacted>\\x1b"
        );
        assert_eq!(sanitize_lines("a\nhunter2-long-secret"), "a\n<redacted>");
        // As a JSON document writes it, too.
        register_secret(r#"pa"ss\word-9"#);
        assert_eq!(
            scrub_secrets(r#"{"fail_reason": "bad pa\"ss\\word-9"}"#),
            r#"{"fail_reason": "bad <redacted>"}"#
        );
    }

    #[test]
    fn long_input_is_shortened() {
        let long = "a".repeat(10_000);
        let quoted = quote_input(&long);
        assert!(quoted.len() < 120, "{quoted}");
        assert!(quoted.contains("10000 bytes"));
    }
}
