//! Tables that fit the terminal (`doc/contract.md`, "Streams and output").
//!
//! A wrapped id cannot be copied, so ids are never cut or wrapped. When a table is wider than
//! the terminal, columns give way in a fixed order, each step only as far as needed:
//!
//! 1. TYPE is shortened (to no less than 12 columns, ending in `…`);
//! 2. STARTED is dropped;
//! 3. RESULT is shortened, keeping the id or error code it starts with whole;
//! 4. TYPE is dropped;
//! 5. DURATION is dropped;
//! 6. RESULT moves to its own indented line under each row, shortened to the width.
//!
//! JOB ID and STATUS always stay. Without a width (stdout is not a terminal and `COLUMNS` is
//! unset) every row is one whole line. Everything here is linear in the size of the text: a
//! megabyte-long `fail_reason` costs one pass to measure and one to cut.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthChar;

/// What a column holds, which decides how it gives way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Id,
    Type,
    Status,
    Started,
    Duration,
    Result,
}

/// One cell: sanitised text, the leading part that must never be cut (an image id, an error
/// code), and the colour of a status.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell {
    pub text: String,
    /// Bytes at the start of `text` that are kept whole when the cell is shortened.
    pub keep: usize,
    /// SGR colour number (256-colour palette) when the cell is painted.
    pub color: Option<u8>,
}

impl Cell {
    #[must_use]
    pub(crate) fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// A cell kept whole: never shortened.
    #[must_use]
    pub(crate) fn whole(text: impl Into<String>) -> Self {
        let text = text.into();
        Self {
            keep: text.len(),
            text,
            color: None,
        }
    }

    fn width(&self) -> usize {
        width(&self.text)
    }

    /// The narrowest this cell may become.
    fn min_width(&self) -> usize {
        let full = self.width();
        let kept = width(&self.text[..self.keep.min(self.text.len())]);
        if kept >= full {
            full
        } else if kept > 0 {
            kept + 1
        } else {
            full.min(MIN_TEXT)
        }
    }
}

/// A row, and the prefix its own-line RESULT takes (a tree continues its branches there).
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    pub cells: Vec<Cell>,
    pub detail_prefix: String,
}

/// Free text is never shortened below this.
const MIN_TEXT: usize = 10;
/// TYPE is never shortened below this.
const MIN_TYPE: usize = 12;
/// Between columns.
const GAP: usize = 2;
/// The indent of a RESULT on its own line.
const DETAIL_INDENT: &str = "    ";

/// Display width of sanitised text (wide characters count two).
#[must_use]
pub(crate) fn width(text: &str) -> usize {
    // Sanitised ASCII is one column a byte; `is_ascii` is fast even on a megabyte.
    if text.is_ascii() {
        return text.len();
    }
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Renders `rows` under `columns`, fitted to `width` (`None`: unlimited).
#[must_use]
pub(crate) fn render(
    columns: &[(&str, Role)],
    rows: &[Row],
    max: Option<usize>,
    color: bool,
) -> String {
    let n = columns.len();
    let mut limit: Vec<usize> = columns.iter().map(|(h, _)| width(h)).collect();
    for row in rows {
        for (i, cell) in row.cells.iter().enumerate().take(n) {
            limit[i] = limit[i].max(cell.width());
        }
    }
    let natural = limit.clone();
    let mut shown = vec![true; n];
    let mut detail = false;
    if let Some(max) = max {
        let find = |role: Role| columns.iter().position(|(_, r)| *r == role);
        let total = |shown: &[bool], limit: &[usize]| {
            let cols: Vec<usize> = (0..n).filter(|&i| shown[i]).map(|i| limit[i]).collect();
            cols.iter().sum::<usize>() + GAP * cols.len().saturating_sub(1)
        };
        let min_of = |i: usize| {
            rows.iter()
                .filter_map(|row| row.cells.get(i))
                .map(Cell::min_width)
                .chain([width(columns[i].0)])
                .max()
                .unwrap_or(0)
        };
        let steps: [(Role, bool); 5] = [
            (Role::Type, false),
            (Role::Started, true),
            (Role::Result, false),
            (Role::Type, true),
            (Role::Duration, true),
        ];
        for (role, drop) in steps {
            let over = total(&shown, &limit).saturating_sub(max);
            if over == 0 {
                break;
            }
            let Some(i) = find(role) else { continue };
            if !shown[i] {
                continue;
            }
            if drop {
                shown[i] = false;
            } else {
                let floor = if role == Role::Type {
                    MIN_TYPE.min(limit[i])
                } else {
                    min_of(i)
                };
                limit[i] = limit[i].saturating_sub(over).max(floor);
            }
        }
        if total(&shown, &limit) > max
            && let Some(i) = find(Role::Result)
            && shown[i]
        {
            shown[i] = false;
            detail = true;
        }
        // A column dropped later may have freed more room than an earlier shortening took:
        // give it back, RESULT first.
        for role in [Role::Result, Role::Type] {
            let room = max.saturating_sub(total(&shown, &limit));
            if let Some(i) = find(role)
                && shown[i]
            {
                limit[i] = (limit[i] + room).min(natural[i]);
            }
        }
    }

    let result = columns.iter().position(|(_, r)| *r == Role::Result);
    let visible: Vec<usize> = (0..n).filter(|&i| shown[i]).collect();
    let mut out = String::new();
    let header = Row {
        cells: columns.iter().map(|(h, _)| Cell::whole(*h)).collect(),
        detail_prefix: String::new(),
    };
    for (index, row) in std::iter::once(&header).chain(rows).enumerate() {
        let mut line = String::new();
        for (k, &i) in visible.iter().enumerate() {
            let last = k + 1 == visible.len();
            let empty = Cell::default();
            let cell = row.cells.get(i).unwrap_or(&empty);
            let text = shorten(cell, limit[i]);
            let used = width(&text);
            match cell.color {
                Some(sgr) if color && index > 0 => {
                    let _ = write!(line, "\x1b[38;5;{sgr}m{text}\x1b[39m");
                }
                _ => line.push_str(&text),
            }
            if !last {
                line.extend(std::iter::repeat_n(
                    ' ',
                    limit[i] - used.min(limit[i]) + GAP,
                ));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
        if detail
            && index > 0
            && let Some(cell) = result.and_then(|i| row.cells.get(i))
            && !cell.text.is_empty()
        {
            let indent = format!("{}{DETAIL_INDENT}", row.detail_prefix);
            let room = max
                .unwrap_or(usize::MAX)
                .saturating_sub(width(&indent))
                .max(cell.min_width());
            out.push_str(&indent);
            out.push_str(&shorten(cell, room));
            out.push('\n');
        }
    }
    out
}

/// The cell's text in at most `room` columns: cut with `…`, never inside its kept part.
fn shorten(cell: &Cell, room: usize) -> String {
    let text = &cell.text;
    if width(text) <= room {
        return text.clone();
    }
    let budget = room.saturating_sub(1);
    let mut used = 0;
    let mut end = 0;
    for (at, c) in text.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > budget && at >= cell.keep {
            break;
        }
        used += w;
        end = at + c.len_utf8();
    }
    let mut short = text[..end].trim_end().to_owned();
    if end < text.len() {
        short.push('…');
    }
    short
}

/// Breaks `line` between words into lines of at most `width` columns (a single longer word
/// stays whole); continuation lines are indented by `indent`. For free text (advice, help),
/// where no column gives way.
pub(crate) fn wrap(line: &str, width: Option<usize>, indent: usize) -> Vec<String> {
    let Some(width) = width.filter(|w| *w > indent + 10) else {
        return vec![line.to_owned()];
    };
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in line.split(' ') {
        let candidate = if current.trim().is_empty() {
            current.clone() + word
        } else {
            format!("{current} {word}")
        };
        if self::width(&candidate) <= width || current.trim().is_empty() {
            current = candidate;
        } else {
            lines.push(current);
            current = format!("{}{word}", " ".repeat(indent));
        }
    }
    lines.push(current);
    lines
}

/// `3m ago`: how long ago `then` was, in the largest unit that fits (as `kubectl` shows AGE).
#[must_use]
pub(crate) fn age(since: std::time::Duration) -> String {
    let secs = since.as_secs();
    let (value, unit) = match secs {
        0..60 => (secs, "s"),
        60..3600 => (secs / 60, "m"),
        3600..86_400 => (secs / 3600, "h"),
        86_400..31_536_000 => (secs / 86_400, "d"),
        _ => (secs / 31_536_000, "y"),
    };
    format!("{value}{unit} ago")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::table::COLUMNS;

    fn row(id: &str, result: &str, keep: usize) -> Row {
        Row {
            cells: vec![
                Cell::whole(id),
                Cell::plain("imsCreateImageByInstance"),
                Cell::whole("SUCCESS"),
                Cell::whole("3m ago"),
                Cell::whole("1m02s"),
                Cell {
                    text: result.into(),
                    keep,
                    color: None,
                },
            ],
            detail_prefix: String::new(),
        }
    }

    const JOB: &str = "ff8080814dbd65d7014dbe0d84db0013";
    const IMAGE: &str = "2b7e3d8a-9f4c-4d1e-8b6a-0c5f7e9d1a2b";

    fn lines_fit(text: &str, max: usize) {
        for line in text.lines() {
            assert!(width(line) <= max, "{} > {max}: {line:?}", width(line));
        }
    }

    #[test]
    fn ids_stay_whole_at_every_width() {
        let result = format!("{IMAGE} (web-server-2024)");
        let rows = [row(JOB, &result, IMAGE.len())];
        for max in 60..=140 {
            let text = render(&COLUMNS, &rows, Some(max), false);
            lines_fit(&text, max);
            assert!(text.contains(JOB), "{max}: {text}");
            assert!(text.contains(IMAGE), "{max}: {text}");
        }
        let wide = render(&COLUMNS, &rows, None, false);
        assert_eq!(wide.lines().count(), 2);
        assert!(wide.contains("web-server-2024") && wide.contains("3m ago"));
    }

    #[test]
    fn columns_give_way_in_the_documented_order() {
        let rows = [row(JOB, &format!("{IMAGE} (web-server-2024)"), IMAGE.len())];
        let header = |max| {
            render(&COLUMNS, &rows, Some(max), false)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned()
        };
        assert!(header(200).contains("STARTED"));
        assert!(!header(120).contains("STARTED") && header(120).contains("TYPE"));
        assert!(!header(90).contains("TYPE") && header(90).contains("DURATION"));
        assert_eq!(header(80).split_whitespace().count(), 4, "{}", header(80));
        let narrow = render(&COLUMNS, &rows, Some(60), false);
        assert_eq!(
            narrow.lines().next(),
            Some("JOB ID                            STATUS")
        );
        assert_eq!(
            narrow.lines().nth(2),
            Some(format!("    {IMAGE} (web-server-2024)").as_str())
        );
        let cut = render(&COLUMNS, &rows, Some(50), false);
        assert_eq!(
            cut.lines().nth(2),
            Some(format!("    {IMAGE} (web-ser…").as_str())
        );
    }

    #[test]
    fn huge_text_is_cut_to_the_width() {
        // How fast is measured once, through the real binary (`tests/it/table.rs`,
        // `a_megabyte_fail_reason_renders_in_well_under_a_second`).
        let reason = format!("IMG.0194: {}", "x".repeat(1 << 20));
        let rows = [row(JOB, &reason, 8)];
        let text = render(&COLUMNS, &rows, Some(100), false);
        lines_fit(&text, 100);
        assert!(text.contains("IMG.0194: xxx") && text.contains('…'));
    }

    #[test]
    fn ages_read_like_kubectl() {
        use std::time::Duration;
        assert_eq!(age(Duration::from_secs(5)), "5s ago");
        assert_eq!(age(Duration::from_secs(200)), "3m ago");
        assert_eq!(age(Duration::from_secs(7300)), "2h ago");
        assert_eq!(age(Duration::from_secs(86_400 * 3)), "3d ago");
        assert_eq!(age(Duration::from_secs(86_400 * 800)), "2y ago");
    }

    #[test]
    fn wrapping_never_splits_a_word() {
        let line = "what to do: APIG.0101: the gateway knows no such API: the endpoint, region or path is wrong";
        let lines = wrap(line, Some(30), "what to do: ".len());
        assert!(lines.iter().all(|l| width(l) <= 30), "{lines:?}");
        assert_eq!(lines[0], "what to do: APIG.0101: the");
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        assert_eq!(words.join(" "), line);
        assert_eq!(wrap(line, None, "what to do: ".len()), [line]);
    }
}
