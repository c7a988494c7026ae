//! The `what to do:` lines that end a table or tree showing failed jobs: the advice of the
//! table of codes (`crate::codes`) for each failed job's `error_code`, and for the known codes
//! written inside its `fail_reason` (`"…-fail:EVS.2024 …"`). Only the table's own text is
//! printed, never the API's, so nothing here needs sanitising.

use super::fit::wrap;
use crate::api::model::{JobView, Status};
use crate::codes::{Code, table};

const LEAD: &str = "what to do: ";

/// The known codes of the failed jobs among `jobs`, each once: for each job its
/// `error_code`, then those in its reason.
#[must_use]
pub(crate) fn codes_of<'a>(jobs: impl IntoIterator<Item = &'a JobView>) -> Vec<&'static Code> {
    let table = table();
    let mut codes: Vec<&'static Code> = Vec::new();
    for job in jobs.into_iter().filter(|job| job.status == Status::Fail) {
        let own = job.error_code.as_deref().and_then(|code| table.get(code));
        let inside = job
            .fail_reason
            .as_deref()
            .map(|reason| table.find_in(reason))
            .unwrap_or_default();
        for code in own.into_iter().chain(inside) {
            if !codes.iter().any(|seen| seen.code == code.code) {
                codes.push(code);
            }
        }
    }
    codes
}

/// Appends one `what to do: CODE: advice` line per distinct code of `jobs` to `text`,
/// wrapped at `width` between words only, so that a code is never split.
pub(crate) fn append<'a>(
    text: &mut String,
    jobs: impl IntoIterator<Item = &'a JobView>,
    width: Option<usize>,
) {
    let seen = codes_of(jobs);
    if seen.is_empty() {
        return;
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for code in seen {
        let line = format!("{LEAD}{}: {}", code.code, code.what_to_do);
        for piece in wrap(&line, width, LEAD.len()) {
            text.push_str(&piece);
            text.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(document: &str) -> JobView {
        crate::api::model::Job::from_text(document.to_owned())
            .expect("job")
            .view
    }

    #[test]
    fn a_failed_job_gets_the_advice_of_its_codes() {
        let failed = job(
            r#"{"job_id": "j", "status": "FAIL", "error_code": "img.0194", "fail_reason": "sub-job createVolume-fail:EVS.2024 and IMG.0194"}"#,
        );
        let codes: Vec<&str> = codes_of([&failed]).iter().map(|c| c.code).collect();
        assert_eq!(codes, ["IMG.0194", "EVS.2024"]);
        let mut text = String::from("table");
        append(&mut text, [&failed, &failed], None);
        assert_eq!(text.matches("what to do: ").count(), 2, "{text}");
        assert!(text.starts_with("table\nwhat to do: IMG.0194: "), "{text}");
        let running = job(r#"{"job_id": "j", "status": "RUNNING", "error_code": "IMG.0194"}"#);
        assert!(codes_of([&running]).is_empty());
    }
}
