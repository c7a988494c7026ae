//! Job ids read from stdin (`imsjob wait -`): one per line, or the JSON answer of the IMS call
//! that started the job (`{"job_id": "..."}`), so that its output can be piped in unchanged.

use std::fmt::Write as _;
use std::io::BufRead;

use crate::api::id::JobId;
use crate::config::settings::JobIdArg;
use crate::usage_error::UsageError;

/// Most ids `wait -`/`get -` accept from stdin; far beyond any real batch, and it bounds
/// memory when something else is piped in by mistake.
const MAX_STDIN_IDS: usize = 1_000_000;

/// Longest line kept: a JSON answer on one line may be a few kilobytes; anything longer is
/// refused without being held whole (a stray binary or a file without newlines piped in).
const MAX_STDIN_LINE: usize = 64 * 1024;
/// Longest plain id line worth quoting back in an error.
const MAX_ID_LINE: usize = 1024;

/// The ids of a command line, with `-` replaced by the ids read from stdin at that position.
///
/// # Errors
/// The first invalid stdin line (with its number), unreadable stdin, or no id at all.
pub(crate) fn job_ids(args: &[JobIdArg]) -> Result<Vec<JobId>, UsageError> {
    let mut ids = Vec::new();
    let mut from_stdin = false;
    for arg in args {
        match arg {
            JobIdArg::Id(id) => ids.push(id.clone()),
            JobIdArg::Stdin if !from_stdin => {
                from_stdin = true;
                read_ids(std::io::stdin().lock(), &mut ids)?;
            }
            // A second `-` would read an exhausted stdin: nothing more to add.
            JobIdArg::Stdin => {}
        }
    }
    if ids.is_empty() {
        return Err(UsageError::new("no job ids given").with_hint(
            "pass ids as arguments, or one per line (or `{\"job_id\": ...}` answers) on stdin with `-`",
        ));
    }
    Ok(ids)
}

/// Reads ids line by line: plain ids, or JSON objects with a `job_id` member (on one line or
/// pretty-printed over several). Blank lines and `#` comments are skipped.
fn read_ids(mut input: impl BufRead, ids: &mut Vec<JobId>) -> Result<(), UsageError> {
    let mut line = Vec::with_capacity(128);
    let mut number = 0usize;
    // A JSON object being collected, and the line it started on.
    let mut object: Option<(String, usize)> = None;
    loop {
        line.clear();
        let (total, ended) = read_bounded_line(&mut input, &mut line, MAX_STDIN_LINE)
            .map_err(|e| UsageError::new(format!("cannot read job ids from stdin: {e}")))?;
        if total == 0 && !ended {
            return match object {
                Some((_, start)) => Err(UsageError::new(format!(
                    "stdin line {start}: the JSON object is not complete"
                ))),
                None => Ok(()),
            };
        }
        number += 1;
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        let id = if let Some((mut collected, start)) = object.take() {
            if total > MAX_STDIN_LINE || collected.len() + text.len() > MAX_STDIN_LINE {
                return Err(UsageError::new(format!(
                    "stdin line {start}: the JSON object is larger than {MAX_STDIN_LINE} bytes"
                )));
            }
            collected.push('\n');
            collected.push_str(text);
            match id_from_json(&collected, start)? {
                Some(id) => id,
                None => {
                    object = Some((collected, start));
                    continue;
                }
            }
        } else if text.starts_with('{') {
            if total > MAX_STDIN_LINE {
                return Err(UsageError::new(format!(
                    "stdin line {number}: the JSON object is larger than {MAX_STDIN_LINE} bytes"
                )));
            }
            match id_from_json(text, number)? {
                Some(id) => id,
                None => {
                    object = Some((text.to_owned(), number));
                    continue;
                }
            }
        } else {
            if total > MAX_ID_LINE {
                return Err(UsageError::new(format!(
                    "stdin line {number}: {total} bytes is too long for a job id (1 to 64 letters, digits and `-`)"
                )));
            }
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            JobId::parse(text).map_err(|e| UsageError::new(format!("stdin line {number}: {e}")))?
        };
        if ids.len() >= MAX_STDIN_IDS {
            return Err(UsageError::new(format!(
                "more than {MAX_STDIN_IDS} job ids on stdin"
            )));
        }
        ids.push(id);
    }
}

/// The job id of a JSON answer; `None` while the object is still incomplete.
fn id_from_json(text: &str, line: usize) -> Result<Option<JobId>, UsageError> {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) if e.is_eof() => return Ok(None),
        Err(e) => {
            return Err(UsageError::new(format!(
                "stdin line {line}: not a JSON object: {e}"
            )));
        }
    };
    match value.get("job_id") {
        Some(serde_json::Value::String(id)) => JobId::parse(id.trim())
            .map(Some)
            .map_err(|e| UsageError::new(format!("stdin line {line}: `job_id`: {e}"))),
        _ => {
            // The call that should have started a job may have answered an error instead.
            let error = value.get("error").unwrap_or(&value);
            let code = error
                .get("code")
                .or_else(|| error.get("error_code"))
                .and_then(serde_json::Value::as_str);
            let mut message = format!("stdin line {line}: the JSON object has no `job_id` string");
            if let Some(code) = code {
                let _ = write!(
                    message,
                    " (it is an error answer: {})",
                    crate::safe_text::sanitize(code)
                );
            }
            Err(UsageError::new(message)
                .with_hint("pipe in the answer of the call that started the job, or plain ids"))
        }
    }
}

/// Reads up to the next `\n`, keeping at most `cap` bytes of it in `line`. Returns the line's
/// full length (without the newline) and whether a newline ended it.
fn read_bounded_line(
    input: &mut impl BufRead,
    line: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(usize, bool)> {
    let mut total = 0;
    loop {
        let buffer = match input.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buffer.is_empty() {
            return Ok((total, false));
        }
        let (chunk, ended) = match buffer.iter().position(|&b| b == b'\n') {
            Some(at) => (&buffer[..at], true),
            None => (buffer, false),
        };
        let room = cap.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        total += chunk.len();
        let used = chunk.len() + usize::from(ended);
        input.consume(used);
        if ended {
            return Ok((total, true));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_ids_skip_blanks_and_comments() {
        let mut ids = Vec::new();
        read_ids(&b"# batch\n\nabc\n  def  \r\n"[..], &mut ids).expect("reads");
        let ids: Vec<_> = ids.iter().map(JobId::as_str).collect();
        assert_eq!(ids, ["abc", "def"]);
    }

    #[test]
    fn an_endless_line_is_refused_without_being_kept() {
        let mut input = b"abc\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 5_000_000));
        let mut ids = Vec::new();
        let error = read_ids(&input[..], &mut ids).expect_err("refused");
        assert_eq!(
            error.to_string(),
            "stdin line 2: 5000000 bytes is too long for a job id (1 to 64 letters, digits and `-`)"
        );
        let mut ids = Vec::new();
        read_ids(&b"abc"[..], &mut ids).expect("a last line without newline counts");
        assert_eq!(ids.len(), 1);
    }

    #[test]
    fn json_answers_give_their_job_id() {
        let mut ids = Vec::new();
        let input = b"{\"job_id\": \"abc\"}\nplain-1\n{\n  \"job_id\": \"def\",\n  \"x\": [1, 2]\n}\n{\"job_id\":\"ghi\"}";
        read_ids(&input[..], &mut ids).expect("reads");
        let ids: Vec<_> = ids.iter().map(JobId::as_str).collect();
        assert_eq!(ids, ["abc", "plain-1", "def", "ghi"]);
    }

    #[test]
    fn json_without_a_job_id_is_refused_naming_the_error() {
        let mut ids = Vec::new();
        let input = br#"{"error": {"code": "IMG.0001", "message": "bad"}}"#;
        let error = read_ids(&input[..], &mut ids).expect_err("refused");
        assert!(error.message.contains("stdin line 1"), "{error}");
        assert!(error.message.contains("IMG.0001"), "{error}");
        let error = read_ids(&b"{\"job_id\": \"../x\"}"[..], &mut ids).expect_err("refused");
        assert!(error.message.contains("invalid job id"), "{error}");
        let error = read_ids(&b"{\"job_id\": "[..], &mut ids).expect_err("incomplete");
        assert!(error.message.contains("not complete"), "{error}");
    }

    #[test]
    fn stdin_errors_name_the_line() {
        let mut ids = Vec::new();
        let error = read_ids(&b"abc\n../x\n"[..], &mut ids).expect_err("refused");
        assert!(
            error
                .to_string()
                .starts_with("stdin line 2: invalid job id"),
            "{error}"
        );
    }
}
