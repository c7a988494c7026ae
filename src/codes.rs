//! The table of error codes (`data/error-codes.tsv`; its published sources are named in
//! `data/SOURCES.md`): what a code of IMS, the API gateway, IAM, ECS, EVS or BMS means, what to
//! do about it, and whether imsjob asks again when an API answer carries it.
//!
//! It is the one source of `imsjob explain`, of the `what to do:` line under a failed job, of
//! the gateway hints (`exit`) and of the retry decision for coded answers
//! ([`crate::api::error::ApiError::is_transient`]), so none of them can disagree with another.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The table as committed; parsed once, on first use.
const TSV: &str = include_str!("../data/error-codes.tsv");

/// The columns of the table, in order (its first line).
pub(crate) const COLUMNS: [&str; 7] = [
    "code",
    "status",
    "service",
    "retried",
    "meaning",
    "what_to_do",
    "note",
];

/// Whether imsjob asks again when an API answer carries the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retried {
    /// Always: the condition passes (throttling, a backend outage).
    Yes,
    /// Never: the same request gets the same answer (and some failures prolong a lock).
    No,
    /// As the HTTP status of the answer decides ([`status_is_transient`]).
    ByStatus,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::struct_field_names,
    reason = "a code's `code` is the name it is known by"
)]
pub struct Code {
    /// As the service writes it (`IMG.0194`, `Ecs.0039`, `APIG.0308`).
    pub code: &'static str,
    /// The HTTP statuses the published table gives it with.
    pub statuses: Vec<u16>,
    /// The service whose table it comes from (`ECS/EVS` when both publish it).
    pub service: &'static str,
    pub retried: Retried,
    pub meaning: &'static str,
    pub what_to_do: &'static str,
    /// Where published sources disagree, or one code has several statuses or meanings.
    pub note: Option<&'static str>,
}

impl Code {
    /// Whether imsjob asks again after an answer with this code and HTTP `status`.
    #[must_use]
    pub fn retried_with(&self, status: u16) -> bool {
        match self.retried {
            Retried::Yes => true,
            Retried::No => false,
            Retried::ByStatus => status_is_transient(status),
        }
    }

    /// The published statuses under which imsjob asks again.
    #[must_use]
    pub fn retried_statuses(&self) -> Vec<u16> {
        self.statuses
            .iter()
            .copied()
            .filter(|status| self.retried_with(*status))
            .collect()
    }

    /// The other spelling services use for the same code (`APIGW.0308` for `APIG.0308`).
    #[must_use]
    pub fn alias(&self) -> Option<String> {
        self.code
            .strip_prefix("APIG.")
            .map(|number| format!("APIGW.{number}"))
    }
}

/// HTTP statuses whose answer may change when the same request is sent again: throttling
/// and server-side faults (doc/contract.md, "wait"). Codes without a `retried` of their own
/// follow this.
#[must_use]
pub(crate) fn status_is_transient(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Whether an answer with HTTP `status` and error `code` (if any) is worth asking again.
#[must_use]
pub(crate) fn is_transient(code: Option<&str>, status: u16) -> bool {
    match code.and_then(|code| table().get(code)) {
        Some(known) => known.retried_with(status),
        None => status_is_transient(status),
    }
}

/// The parsed table.
#[derive(Debug)]
pub struct Table {
    codes: Vec<Code>,
    /// Normalised code ([`normalize`]) to its row.
    index: HashMap<String, usize>,
    /// Rows that did not parse, and codes listed twice (tests keep this empty).
    pub errors: Vec<String>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| Table::parse(TSV));

/// The compiled-in table.
#[must_use]
pub fn table() -> &'static Table {
    &TABLE
}

/// The form lookups use: upper case, and `APIGW.` read as `APIG.` (the gateway writes its
/// codes both ways, with one meaning).
#[must_use]
pub(crate) fn normalize(code: &str) -> String {
    let upper = code.trim().to_ascii_uppercase();
    match upper.strip_prefix("APIGW.") {
        Some(number) => format!("APIG.{number}"),
        None => upper,
    }
}

/// Whether `text` has the shape of an error code: letters, a dot, digits (`IMG.0194`).
#[must_use]
pub fn is_code_shaped(text: &str) -> bool {
    let Some((family, number)) = text.split_once('.') else {
        return false;
    };
    (2..=12).contains(&family.len())
        && family.chars().all(|c| c.is_ascii_alphabetic())
        && (3..=6).contains(&number.len())
        && number.chars().all(|c| c.is_ascii_digit())
}

impl Table {
    fn parse(text: &'static str) -> Self {
        let mut codes = Vec::new();
        let mut errors = Vec::new();
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, header)) if header.split('\t').eq(COLUMNS) => {}
            _ => errors.push(format!("line 1: the header must be {}", COLUMNS.join(" "))),
        }
        for (number, line) in lines {
            match parse_row(line) {
                Ok(code) => codes.push(code),
                Err(error) => errors.push(format!("line {}: {error}", number + 1)),
            }
        }
        let mut index = HashMap::new();
        for (row, code) in codes.iter().enumerate() {
            if index.insert(normalize(code.code), row).is_some() {
                errors.push(format!("{} is listed twice", code.code));
            }
        }
        Self {
            codes,
            index,
            errors,
        }
    }

    /// Every code, in table order (sorted by the upper-cased code).
    #[must_use]
    pub fn codes(&self) -> &[Code] {
        &self.codes
    }

    /// The row of `code`, whatever its case or gateway spelling.
    #[must_use]
    pub fn get(&self, code: &str) -> Option<&Code> {
        self.index
            .get(&normalize(code))
            .map(|row| &self.codes[*row])
    }

    /// The known codes written inside `text` (a `fail_reason` such as
    /// `"…-fail:EVS.2024 volume is error"`), each once, in order of appearance.
    #[must_use]
    pub fn find_in(&self, text: &str) -> Vec<&Code> {
        let mut found: Vec<&Code> = Vec::new();
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.')) {
            let word = word.trim_matches('.');
            if !is_code_shaped(word) {
                continue;
            }
            if let Some(code) = self.get(word)
                && !found.iter().any(|seen| seen.code == code.code)
            {
                found.push(code);
            }
        }
        found
    }

    /// Up to `count` known codes nearest to an unknown one: of the same family by number
    /// (`IMG.0199` → `IMG.0198`, `IMG.0197`, ...), else by spelling (`IMGG.0194` → `IMG.0194`).
    #[must_use]
    pub fn nearest(&self, code: &str, count: usize) -> Vec<&Code> {
        let wanted = normalize(code);
        let parts = wanted
            .split_once('.')
            .and_then(|(family, number)| Some((family, number.parse::<u64>().ok()?)));
        let family_of = |code: &Code| -> Option<(String, u64)> {
            let normal = normalize(code.code);
            let (family, number) = normal.split_once('.')?;
            Some((family.to_owned(), number.parse().ok()?))
        };
        let mut ranked: Vec<(u64, &Code)> = match parts {
            Some((family, number))
                if self
                    .codes
                    .iter()
                    .any(|c| family_of(c).is_some_and(|(f, _)| f == family)) =>
            {
                self.codes
                    .iter()
                    .filter_map(|c| {
                        let (f, n) = family_of(c)?;
                        (f == family).then(|| (n.abs_diff(number), c))
                    })
                    .collect()
            }
            _ => self
                .codes
                .iter()
                .map(|c| {
                    let distance = strsim::levenshtein(&wanted, &normalize(c.code));
                    (u64::try_from(distance).unwrap_or(u64::MAX), c)
                })
                .collect(),
        };
        // Stable: equal distances keep table order.
        ranked.sort_by_key(|(distance, _)| *distance);
        ranked.into_iter().take(count).map(|(_, c)| c).collect()
    }
}

/// One line of the table: seven tab-separated fields, none empty.
fn parse_row(line: &'static str) -> Result<Code, String> {
    let fields: Vec<&'static str> = line.split('\t').collect();
    let [code, status, service, retried, meaning, what_to_do, note] = fields[..] else {
        return Err(format!(
            "{} fields instead of {}",
            fields.len(),
            COLUMNS.len()
        ));
    };
    if let Some(field) = fields.iter().find(|f| f.is_empty() || f.trim() != **f) {
        return Err(format!(
            "an empty field, or one with spaces around it: {field:?}"
        ));
    }
    if !is_code_shaped(code) {
        return Err(format!("`{code}` is not shaped like a code"));
    }
    let statuses = status
        .split(',')
        .map(|s| match s.parse::<u16>() {
            Ok(n) if (100..=599).contains(&n) => Ok(n),
            _ => Err(format!("`{s}` is not an HTTP status")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let retried = match retried {
        "yes" => Retried::Yes,
        "no" => Retried::No,
        "-" => Retried::ByStatus,
        other => return Err(format!("retried is `{other}`, not yes, no or -")),
    };
    Ok(Code {
        code,
        statuses,
        service,
        retried,
        meaning,
        what_to_do,
        note: (note != "-").then_some(note),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_parses() {
        assert!(table().errors.is_empty(), "{:#?}", table().errors);
        assert_eq!(table().codes().len(), TSV.lines().count() - 1);
    }

    #[test]
    fn codes_are_unique_and_sorted() {
        let keys: Vec<String> = table()
            .codes()
            .iter()
            .map(|c| c.code.to_ascii_uppercase())
            .collect();
        for pair in keys.windows(2) {
            assert!(pair[0] < pair[1], "{} before {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn the_table_covers_every_service() {
        let count = |service: &str| {
            table()
                .codes()
                .iter()
                .filter(|c| c.service.split('/').any(|s| s == service))
                .count()
        };
        assert!(table().codes().len() >= 150);
        // Every row of the IMS API reference's table.
        assert_eq!(count("IMS"), 177);
        for service in ["APIG", "IAM", "ECS", "EVS", "BMS"] {
            assert!(count(service) > 0, "{service}");
        }
    }

    #[test]
    fn lookups_ignore_case_and_the_gateway_spelling() {
        let t = table();
        assert_eq!(t.get("img.0024").map(|c| c.code), Some("IMG.0024"));
        assert_eq!(t.get(" ecs.0039 ").map(|c| c.code), Some("Ecs.0039"));
        assert_eq!(t.get("APIGW.0301"), t.get("APIG.0301"));
        assert_eq!(t.get("apigw.0308").map(|c| c.code), Some("APIG.0308"));
        assert!(t.get("IMG.9999").is_none());
        assert!(t.get("").is_none());
    }

    #[test]
    fn codes_are_found_inside_text() {
        let t = table();
        let found = |text| {
            t.find_in(text)
                .into_iter()
                .map(|c| c.code)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            found("createVolume-fail:EVS.2024 volume is error; see EVS.2024."),
            ["EVS.2024"]
        );
        assert_eq!(
            found("(apigw.0308) then IMG.0194, IMG.9999"),
            ["APIG.0308", "IMG.0194"]
        );
        assert!(found("version 1.2024 of X.Y").is_empty());
    }

    #[test]
    fn the_nearest_codes_are_suggested() {
        let t = table();
        let near = |code| {
            t.nearest(code, 3)
                .into_iter()
                .map(|c| c.code)
                .collect::<Vec<_>>()
        };
        assert_eq!(near("IMG.0199")[0], "IMG.0198");
        assert_eq!(near("img.194")[0], "IMG.0194");
        assert_eq!(near("IMGG.0194")[0], "IMG.0194");
        assert_eq!(near("APIGW.0309").len(), 3);
        assert!(near("APIGW.0309").contains(&"APIG.0308"));
    }

    #[test]
    fn retries_follow_the_code_then_the_status() {
        assert!(is_transient(Some("APIGW.0308"), 400));
        // 0201 is a backend outage with 5xx, a refused request with 413, 414 and 494.
        assert!(is_transient(Some("APIG.0201"), 502));
        assert!(!is_transient(Some("APIG.0201"), 413));
        assert!(!is_transient(Some("APIG.0101"), 503));
        assert!(!is_transient(Some("IMG.0194"), 400));
        assert!(is_transient(Some("EVS.2024"), 500));
        assert!(is_transient(Some("NOT.0000"), 503));
        assert!(!is_transient(None, 404));
    }
}
