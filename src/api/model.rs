//! A job as the API returned it (for output) plus a tolerant typed view of it (for logic).
//!
//! The raw JSON is never rewritten: `get -o json` prints it field for field, unknown fields
//! included. The view reads only what imsjob reasons about, and reads it leniently: an
//! unknown `status` stays raw and counts as not finished, so nothing unknown can ever be
//! mistaken for SUCCESS.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::time::parse_api_time;

/// A job's status. Only `SUCCESS` and `FAIL` are terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Init,
    Running,
    Success,
    Fail,
    /// Anything else, kept as sent; treated as still running.
    Other(String),
}

impl Status {
    #[must_use]
    pub fn parse(text: &str) -> Self {
        // The documented values are upper case; exact match keeps `success` (a member result
        // spelling) from being read as a job outcome by accident.
        match text {
            "INIT" => Self::Init,
            "RUNNING" => Self::Running,
            "SUCCESS" => Self::Success,
            "FAIL" => Self::Fail,
            other => Self::Other(other.to_owned()),
        }
    }

    #[must_use]
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Success | Self::Fail)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Init => "INIT",
            Self::Running => "RUNNING",
            Self::Success => "SUCCESS",
            Self::Fail => "FAIL",
            Self::Other(text) => text,
        }
    }
}

/// One entry of `entities.results` (image member jobs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberResult {
    pub image_id: Option<String>,
    pub project_id: Option<String>,
    pub status: Option<String>,
}

impl MemberResult {
    /// Member statuses are lower case in every example; compare without case.
    #[must_use]
    pub fn succeeded(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("success"))
    }
}

/// A job: the JSON object as returned, and the view derived from it.
#[derive(Debug, Clone)]
pub struct Job {
    pub raw: Value,
    pub view: JobView,
}

/// What imsjob reasons about in a job.
#[derive(Debug, Clone)]
pub struct JobView {
    pub job_id: String,
    pub job_type: Option<String>,
    pub status: Status,
    pub begin_time: Option<Timestamp>,
    pub end_time: Option<Timestamp>,
    pub error_code: Option<String>,
    pub fail_reason: Option<String>,
    pub image_id: Option<String>,
    pub image_name: Option<String>,
    pub results: Vec<MemberResult>,
    /// Sub-jobs as embedded in `entities.sub_jobs_result`.
    pub sub_jobs: Vec<Job>,
    /// All sub-job ids, from `entities.sub_jobs_list`; may name jobs not yet in `sub_jobs`.
    pub sub_jobs_list: Vec<String>,
    /// Progress as a fraction 0.0–1.0.
    pub process_percent: Option<f64>,
    pub current_task: Option<String>,
}

/// Why a document is not a job.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("the answer is not a JSON object")]
    NotAnObject,
    #[error("the answer has no `status` string")]
    NoStatus,
}

impl Job {
    /// Reads a job from a parsed JSON document.
    ///
    /// # Errors
    /// When the document is not an object or has no textual `status` — a document imsjob
    /// cannot judge must not be taken for any outcome.
    pub fn from_value(raw: Value) -> Result<Self, ModelError> {
        let view = JobView::read(&raw)?;
        Ok(Self { raw, view })
    }
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// `process_percent` may come as a number or a numeric string.
fn fraction(value: Option<&Value>) -> Option<f64> {
    let number = match value? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    number.is_finite().then(|| number.clamp(0.0, 1.0))
}

impl JobView {
    fn read(raw: &Value) -> Result<Self, ModelError> {
        let map = raw.as_object().ok_or(ModelError::NotAnObject)?;
        let status = match map.get("status") {
            Some(Value::String(s)) => Status::parse(s),
            _ => return Err(ModelError::NoStatus),
        };
        let empty = Map::new();
        let entities = map
            .get("entities")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let results = entities
            .get("results")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_object)
                    .map(|item| MemberResult {
                        image_id: text(item, "image_id"),
                        project_id: text(item, "project_id"),
                        status: text(item, "status"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        // A malformed sub-job is skipped rather than failing the parent: the parent's own
        // status is what decides the outcome.
        let sub_jobs = entities
            .get("sub_jobs_result")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| Job::from_value(item.clone()).ok())
                    .collect()
            })
            .unwrap_or_default();
        let sub_jobs_list = entities
            .get("sub_jobs_list")
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let time = |key| {
            map.get(key)
                .and_then(Value::as_str)
                .and_then(parse_api_time)
        };
        Ok(Self {
            job_id: text(map, "job_id").unwrap_or_default(),
            job_type: text(map, "job_type"),
            status,
            begin_time: time("begin_time"),
            end_time: time("end_time"),
            error_code: text(map, "error_code").or_else(|| text(entities, "error_code")),
            fail_reason: text(map, "fail_reason")
                .or_else(|| text(entities, "addition_error_msg"))
                .or_else(|| text(entities, "error")),
            image_id: text(entities, "image_id"),
            image_name: text(entities, "image_name"),
            results,
            sub_jobs,
            sub_jobs_list,
            process_percent: fraction(entities.get("process_percent")),
            current_task: text(entities, "current_task"),
        })
    }

    /// Ids of sub-jobs listed in `sub_jobs_list` but not (yet) present in `sub_jobs_result`.
    #[must_use]
    pub fn missing_sub_jobs(&self) -> Vec<&str> {
        self.sub_jobs_list
            .iter()
            .filter(|id| !self.sub_jobs.iter().any(|job| &job.view.job_id == *id))
            .map(String::as_str)
            .collect()
    }

    /// Number of sub-jobs known, from either list.
    #[must_use]
    pub fn sub_job_count(&self) -> usize {
        self.sub_jobs.len() + self.missing_sub_jobs().len()
    }

    /// Sub-jobs (embedded) that have finished successfully.
    #[must_use]
    pub fn sub_jobs_done(&self) -> usize {
        self.sub_jobs
            .iter()
            .filter(|job| job.view.status == Status::Success)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_status_is_not_terminal() {
        let job = Job::from_value(json!({"job_id": "a", "status": "QUEUED"})).expect("job");
        assert_eq!(job.view.status, Status::Other("QUEUED".into()));
        assert!(!job.view.status.is_terminal());
        let lower = Job::from_value(json!({"job_id": "a", "status": "success"})).expect("job");
        assert!(!lower.view.status.is_terminal());
    }

    #[test]
    fn missing_status_is_refused() {
        assert_eq!(
            Job::from_value(json!({"job_id": "a"})).err(),
            Some(ModelError::NoStatus)
        );
        assert_eq!(
            Job::from_value(json!([1, 2])).err(),
            Some(ModelError::NotAnObject)
        );
    }

    #[test]
    fn running_job_reads_leniently() {
        let job = Job::from_value(json!({
            "job_id": "a", "status": "RUNNING", "job_type": "imsSomethingNew",
            "begin_time": "04-Jun-2015 18:11:06:586", "end_time": "",
            "entities": {"process_percent": 0.2, "sub_jobs_list": ["b", "c"],
                          "sub_jobs_result": [{"job_id": "b", "status": "SUCCESS"}]}
        }))
        .expect("job");
        assert_eq!(job.view.job_type.as_deref(), Some("imsSomethingNew"));
        assert!(job.view.begin_time.is_some());
        assert!(job.view.end_time.is_none());
        assert_eq!(job.view.process_percent, Some(0.2));
        assert_eq!(job.view.missing_sub_jobs(), vec!["c"]);
        assert_eq!(job.view.sub_job_count(), 2);
        assert_eq!(job.view.sub_jobs_done(), 1);
    }

    #[test]
    fn member_status_ignores_case() {
        let ok = MemberResult {
            image_id: None,
            project_id: None,
            status: Some("Success".into()),
        };
        assert!(ok.succeeded());
    }
}
