//! Job ids read from stdin (`imsjob wait -`): one per line, the JSON answer of the IMS call
//! that started the job (`{"job_id": "..."}`), or a JSON array of such objects (what
//! `imsjob get A B --json` prints), so that either output can be piped in unchanged.

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

/// Reads ids line by line: plain ids, JSON objects with a `job_id` member (on one line or
/// pretty-printed over several), or JSON arrays of them. Blank lines and `#` comments are
/// skipped.
fn read_ids(mut input: impl BufRead, ids: &mut Vec<JobId>) -> Result<(), UsageError> {
    let mut line = Vec::with_capacity(128);
    let mut number = 0usize;
    // A JSON object being collected, and the line it started on.
    let mut object: Option<(String, usize)> = None;
    // A UTF-8 byte-order mark, as Windows PowerShell writes at the head of a file, is not
    // part of the first id.
    if input
        .fill_buf()
        .is_ok_and(|head| head.starts_with(b"\xEF\xBB\xBF"))
    {
        input.consume(3);
    }
    let unreadable =
        |e: std::io::Error| UsageError::new(format!("cannot read job ids from stdin: {e}"));
    loop {
        if object.is_none() {
            match ahead(&mut input, &mut number).map_err(unreadable)? {
                Ahead::Array => {
                    number += read_array(&mut input, ids, number + 1)?;
                    continue;
                }
                // A terminal's Ctrl-D is said once: a second read would wait for more.
                Ahead::End => return Ok(()),
                Ahead::Line => {}
            }
        }
        line.clear();
        let (total, ended) =
            read_bounded_line(&mut input, &mut line, MAX_STDIN_LINE).map_err(unreadable)?;
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
        push(ids, id)?;
    }
}

/// Adds an id within the bound on stdin ids.
fn push(ids: &mut Vec<JobId>, id: JobId) -> Result<(), UsageError> {
    if ids.len() >= MAX_STDIN_IDS {
        return Err(UsageError::new(format!(
            "more than {MAX_STDIN_IDS} job ids on stdin"
        )));
    }
    ids.push(id);
    Ok(())
}

/// What comes next on stdin.
enum Ahead {
    /// A JSON array.
    Array,
    /// Anything else, read by lines.
    Line,
    /// The end of the input.
    End,
}

/// Skips blank space up to the next content (counting the lines passed in `number`) and
/// tells what that content is.
fn ahead(input: &mut impl BufRead, number: &mut usize) -> std::io::Result<Ahead> {
    loop {
        let buffer = match input.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let Some(blank) = buffer
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        else {
            let passed = buffer.len();
            if passed == 0 {
                return Ok(Ahead::End);
            }
            *number += buffer.iter().filter(|&&b| b == b'\n').count();
            input.consume(passed);
            continue;
        };
        let next = if buffer[blank] == b'[' {
            Ahead::Array
        } else {
            Ahead::Line
        };
        *number += buffer[..blank].iter().filter(|&&b| b == b'\n').count();
        input.consume(blank);
        return Ok(next);
    }
}

/// Reads one JSON array from `input` as a stream, one element at a time (a job object as
/// `get --json` prints it, or an id string), and returns the newlines it spanned. `line` is
/// the stdin line the array starts on.
fn read_array(
    input: &mut impl BufRead,
    ids: &mut Vec<JobId>,
    line: usize,
) -> Result<usize, UsageError> {
    let mut counted = Counting {
        inner: input,
        newlines: 0,
    };
    let mut deserializer = serde_json::Deserializer::from_reader(&mut counted);
    let mut elements = Elements {
        ids,
        line,
        error: None,
    };
    let parsed = serde::de::DeserializeSeed::deserialize(&mut elements, &mut deserializer);
    drop(deserializer);
    if let Some(error) = elements.error {
        return Err(error);
    }
    parsed.map_err(|e| {
        UsageError::new(format!(
            "stdin line {line}: the JSON array does not parse: {e} (counted from its first line)"
        ))
    })?;
    Ok(counted.newlines)
}

/// A reader that counts the newlines read through it.
struct Counting<'a, R> {
    inner: &'a mut R,
    newlines: usize,
}

impl<R: std::io::Read> std::io::Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.newlines += buf[..read].iter().filter(|&&b| b == b'\n').count();
        Ok(read)
    }
}

/// The elements of a JSON array of job objects or ids, taken one at a time.
struct Elements<'a> {
    ids: &'a mut Vec<JobId>,
    line: usize,
    /// Why an element was refused (the parse stops there).
    error: Option<UsageError>,
}

impl<'de> serde::de::DeserializeSeed<'de> for &mut Elements<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for &mut Elements<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of job objects or ids")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while let Some(value) = seq.next_element::<serde_json::Value>()? {
            index += 1;
            let place = format!(
                "stdin line {}: element {index} of the JSON array",
                self.line
            );
            let id = match &value {
                serde_json::Value::String(id) => {
                    JobId::parse(id.trim()).map_err(|e| UsageError::new(format!("{place}: {e}")))
                }
                _ => id_from_value(&value, &place),
            };
            if let Err(error) = id.and_then(|id| push(self.ids, id)) {
                self.error = Some(error);
                return Err(serde::de::Error::custom("refused"));
            }
        }
        Ok(())
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
    id_from_value(&value, &format!("stdin line {line}")).map(Some)
}

/// The `job_id` of a JSON object; `place` says where it was read.
fn id_from_value(value: &serde_json::Value, place: &str) -> Result<JobId, UsageError> {
    match value.get("job_id") {
        Some(serde_json::Value::String(id)) => {
            JobId::parse(id.trim()).map_err(|e| UsageError::new(format!("{place}: `job_id`: {e}")))
        }
        _ => {
            // The call that should have started a job may have answered an error instead.
            let error = value.get("error").unwrap_or(value);
            let code = error
                .get("code")
                .or_else(|| error.get("error_code"))
                .and_then(serde_json::Value::as_str);
            let mut message = format!("{place}: the JSON object has no `job_id` string");
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
    fn arrays_of_job_objects_are_read_as_they_come() {
        let mut ids = Vec::new();
        let input = b"plain-0\n\n[\n  {\n    \"job_id\": \"a\",\n    \"entities\": {\"x\": [1]}\n  },\n  \"b\",\n  {\"job_id\": \"c\", \"error\": null}\n]\n[{\"job_id\": \"d\"}] \nplain-1\n../x\n";
        let error = read_ids(&input[..], &mut ids).expect_err("the last line is refused");
        let got: Vec<_> = ids.iter().map(JobId::as_str).collect();
        assert_eq!(got, ["plain-0", "a", "b", "c", "d", "plain-1"]);
        assert!(error.message.starts_with("stdin line 13: "), "{error}");
        let mut ids = Vec::new();
        let error =
            read_ids(&b"\n[{\"job_id\": \"a\"}, {\"id\": 1}]"[..], &mut ids).expect_err("refused");
        assert!(
            error.message.starts_with(
                "stdin line 2: element 2 of the JSON array: the JSON object has no `job_id`"
            ),
            "{error}"
        );
        let error = read_ids(&b"[{\"job_id\": \"a\"}"[..], &mut ids).expect_err("refused");
        assert!(error.message.contains("does not parse"), "{error}");
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
