//! Job and project ids are checked before anything is sent (doc/contract.md: `[A-Za-z0-9-]{1,64}`,
//! project ids may also hold `_`). A validated id is safe in a URL path by construction.

use std::fmt;

use crate::safe_text::quote_input;
use crate::usage_error::UsageError;

const MAX_LEN: usize = 64;

/// A job id that passed validation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(String);

/// A project id that passed validation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectId(String);

fn check(text: &str, what: &str, extra: &[u8]) -> Result<String, UsageError> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || extra.contains(&b);
    if text.is_empty() {
        return Err(UsageError::new(format!("empty {what}")));
    }
    if text.len() > MAX_LEN || !text.bytes().all(allowed) {
        let chars = if extra.is_empty() {
            "letters, digits and `-`"
        } else {
            "letters, digits, `-` and `_`"
        };
        return Err(UsageError::new(format!(
            "invalid {what} {}: expected 1 to {MAX_LEN} {chars}",
            quote_input(text)
        )));
    }
    Ok(text.to_owned())
}

impl JobId {
    /// # Errors
    /// A usage error naming the id and the accepted form.
    pub fn parse(text: &str) -> Result<Self, UsageError> {
        check(text, "job id", b"").map(Self)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ProjectId {
    /// # Errors
    /// A usage error naming the id and the accepted form.
    pub fn parse(text: &str) -> Result<Self, UsageError> {
        check(text, "project id", b"_").map(Self)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ProjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_ids() {
        assert!(JobId::parse("ff8080814dbd65d7014dbe0d84db0013").is_ok());
        assert!(JobId::parse("3f7185de-b59a-4bb8-aa1d-7a513528b0e9").is_ok());
        assert!(ProjectId::parse("eu_de_1234").is_ok());
    }

    #[test]
    fn refuses_hostile_ids() {
        for bad in [
            "",
            "../x",
            "a/b",
            "a%2f",
            "a b",
            "ä",
            "a_b",
            &"a".repeat(65),
        ] {
            assert!(JobId::parse(bad).is_err(), "{bad:?} accepted");
        }
        let message = JobId::parse("../x").expect_err("refused").to_string();
        assert_eq!(
            message,
            "invalid job id `../x`: expected 1 to 64 letters, digits and `-`"
        );
    }
}
