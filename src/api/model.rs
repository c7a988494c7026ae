//! A job as the API returned it (for output) plus a tolerant typed view of it (for logic).
//!
//! The raw JSON text is kept as received and never rewritten: `get -o json` prints it field
//! for field, numbers and key order included, without ever building a tree of it. The view
//! reads only what imsjob reasons about, straight from that text (unknown fields are skipped,
//! not stored, so a job costs about its body in memory), and reads it leniently: an unknown
//! `status` stays raw and counts as not finished, so nothing unknown can ever be mistaken for
//! SUCCESS; a field of an unexpected type is as good as absent.

use std::collections::HashSet;
use std::fmt;

use jiff::Timestamp;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::time::parse_api_time;

/// A job's status. Only `SUCCESS` and `FAIL` are terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Init,
    /// ECS and BMS jobs of pay-per-use orders wait for the payment before they run.
    PendingPayment,
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
            "PENDING_PAYMENT" => Self::PendingPayment,
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

    /// Not started yet (queued, or waiting for a payment).
    #[must_use]
    pub fn is_pending(&self) -> bool {
        matches!(self, Self::Init | Self::PendingPayment)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Init => "INIT",
            Self::PendingPayment => "PENDING_PAYMENT",
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

/// A job: the JSON text as returned, and the view derived from it.
#[derive(Clone)]
pub struct Job {
    /// The answer exactly as received (surrounding whitespace aside).
    pub raw: Box<RawValue>,
    pub view: JobView,
}

// By hand: the raw text may be megabytes long.
impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("raw_bytes", &self.raw.get().len())
            .field("view", &self.view)
            .finish()
    }
}

/// A sub-job given in full inside its parent (`entities.sub_jobs_result` of IMS,
/// `entities.sub_jobs` of ECS, EVS and BMS): what counting needs, and where its object lies
/// in the parent's text, so that it is read in full only when shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubJob {
    pub job_id: String,
    pub status: Status,
    start: usize,
    end: usize,
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
    /// What an ECS/BMS (`server_id`) or EVS (`volume_id`) job made.
    pub resource_id: Option<String>,
    pub results: Vec<MemberResult>,
    /// Sub-jobs given in full, in `entities.sub_jobs_result` (IMS) or `entities.sub_jobs`
    /// (ECS, EVS, BMS). Malformed ones (no textual `status`) are left out.
    pub sub_jobs: Vec<SubJob>,
    /// All sub-job ids, from `entities.sub_jobs_list`; may name jobs not yet in `sub_jobs`.
    pub sub_jobs_list: Vec<String>,
    /// `entities.sub_jobs_total` (ECS, EVS, BMS): how many sub-jobs there are in all.
    pub sub_jobs_total: Option<u64>,
    /// Progress as a fraction 0.0–1.0.
    pub process_percent: Option<f64>,
    pub current_task: Option<String>,
}

/// Why a document is not a job.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("malformed JSON: {0}")]
    Malformed(String),
    #[error("the answer is not a JSON object")]
    NotAnObject,
    #[error("the answer has no `status` string")]
    NoStatus,
}

impl Job {
    /// Reads a job from an answer's body, keeping the body as its raw text (no copy when
    /// the body has no surrounding whitespace).
    ///
    /// # Errors
    /// When the body is not one JSON value, not an object, or has no textual `status`: a
    /// document imsjob cannot judge must not be taken for any outcome.
    pub fn from_body(body: Vec<u8>) -> Result<Self, ModelError> {
        let text = String::from_utf8(body)
            .map_err(|e| ModelError::Malformed(format!("not UTF-8: {}", e.utf8_error())))?;
        Self::from_text(text)
    }

    /// Reads a job from JSON text (see [`Job::from_body`]).
    ///
    /// # Errors
    /// As [`Job::from_body`].
    pub fn from_text(mut text: String) -> Result<Self, ModelError> {
        // Trimmed in place: `RawValue` then takes the text over without copying it.
        let json_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
        text.truncate(text.trim_end_matches(json_space).len());
        let lead = text.len() - text.trim_start_matches(json_space).len();
        text.drain(..lead);
        let raw = RawValue::from_string(text).map_err(|e| ModelError::Malformed(e.to_string()))?;
        let view = JobView::read(raw.get())?;
        Ok(Self { raw, view })
    }

    /// Reads a job from a parsed JSON document (tests, and callers that built one).
    ///
    /// # Errors
    /// As [`Job::from_body`].
    #[expect(
        clippy::needless_pass_by_value,
        reason = "taken by value like `serde_json::from_value`: callers build the value for it"
    )]
    pub fn from_value(value: Value) -> Result<Self, ModelError> {
        Self::from_text(value.to_string())
    }

    /// The document as a JSON value (for `--jq` and tests; output uses [`Job::raw`]).
    #[must_use]
    pub fn value(&self) -> Value {
        // The text was validated when the job was read, under the same nesting limit.
        serde_json::from_str(self.raw.get()).unwrap_or(Value::Null)
    }

    /// A sub-job given in full in this job, read from its place in the raw text.
    #[must_use]
    pub fn embedded(&self, sub: &SubJob) -> Option<Self> {
        let text = self.raw.get().get(sub.start..sub.end)?;
        Self::from_text(text.to_owned()).ok()
    }
}

/// The values of `keys` in a JSON object, borrowed from its text; unknown keys are skipped
/// without being stored, a repeated key keeps its last value. `None` when `text` is not an
/// object.
fn pick<'a, const N: usize>(
    text: &'a str,
    keys: &'static [&'static str; N],
) -> Option<[Option<&'a RawValue>; N]> {
    if !text.starts_with('{') {
        return None;
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    Pick(keys).deserialize(&mut deserializer).ok()
}

struct Pick<const N: usize>(&'static [&'static str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for Pick<N> {
    type Value = [Option<&'de RawValue>; N];

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for Pick<N> {
    type Value = [Option<&'de RawValue>; N];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = [None; N];
        while let Some(index) = map.next_key_seed(KeyIndex(self.0))? {
            match index {
                Some(i) => found[i] = Some(map.next_value::<&'de RawValue>()?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }
}

/// A key's position in the wanted keys, compared without allocating.
struct KeyIndex(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeyIndex {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIndex {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|k| *k == key))
    }
}

/// Any JSON string.
fn string(raw: Option<&RawValue>) -> Option<String> {
    let text = raw?.get();
    if text.starts_with('"') {
        serde_json::from_str(text).ok()
    } else {
        None
    }
}

/// A non-empty JSON string.
fn text(raw: Option<&RawValue>) -> Option<String> {
    string(raw).filter(|s| !s.is_empty())
}

/// The items of a JSON array.
fn items(raw: Option<&RawValue>) -> Vec<&RawValue> {
    raw.map(RawValue::get)
        .filter(|text| text.starts_with('['))
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default()
}

/// A number, or a numeric string.
fn number(raw: Option<&RawValue>) -> Option<f64> {
    let text = raw?.get();
    let number = if text.starts_with('"') {
        string(raw)?.trim().parse::<f64>().ok()?
    } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        text.parse::<f64>().ok()?
    } else {
        return None;
    };
    number.is_finite().then_some(number)
}

const JOB_KEYS: [&str; 8] = [
    "job_id",
    "job_type",
    "status",
    "begin_time",
    "end_time",
    "error_code",
    "fail_reason",
    "entities",
];

const ENTITY_KEYS: [&str; 15] = [
    "image_id",
    "image_name",
    "results",
    "sub_jobs_result",
    "sub_jobs",
    "sub_jobs_list",
    "sub_jobs_total",
    "process_percent",
    "current_task",
    "error_code",
    "addition_error_msg",
    "error",
    "server_id",
    "volume_id",
    // IMS import jobs may name their one sub-job in a bare `subJobId` (the progress API's
    // `JobProgressEntities` in the huaweicloud SDKs); it is followed like `sub_jobs_list`.
    "subJobId",
];

impl JobView {
    fn read(document: &str) -> Result<Self, ModelError> {
        let [
            job_id,
            job_type,
            status,
            begin_time,
            end_time,
            error_code,
            fail_reason,
            entities,
        ] = pick(document, &JOB_KEYS).ok_or(ModelError::NotAnObject)?;
        let status = Status::parse(&string(status).ok_or(ModelError::NoStatus)?);
        let [
            image_id,
            image_name,
            results,
            sub_jobs_result,
            sub_jobs,
            sub_jobs_list,
            sub_jobs_total,
            process_percent,
            current_task,
            entity_error_code,
            addition_error_msg,
            entity_error,
            server_id,
            volume_id,
            sub_job_id,
        ] = entities
            .and_then(|e| pick(e.get(), &ENTITY_KEYS))
            .unwrap_or([None; ENTITY_KEYS.len()]);
        let results = items(results)
            .into_iter()
            .filter_map(|item| {
                let [image_id, project_id, status] =
                    pick(item.get(), &["image_id", "project_id", "status"])?;
                Some(MemberResult {
                    image_id: text(image_id),
                    project_id: text(project_id),
                    status: text(status),
                })
            })
            .collect();
        // A malformed sub-job is skipped rather than failing the parent: the parent's own
        // status is what decides the outcome.
        let sub_jobs = items(sub_jobs_result)
            .into_iter()
            .chain(items(sub_jobs))
            .filter_map(|item| sub_job(document, item))
            .collect();
        let mut sub_jobs_list: Vec<String> = items(sub_jobs_list)
            .into_iter()
            .filter_map(|id| string(Some(id)))
            .collect();
        if let Some(id) = text(sub_job_id).filter(|id| !sub_jobs_list.contains(id)) {
            sub_jobs_list.push(id);
        }
        let time = |raw| text(raw).as_deref().and_then(parse_api_time);
        Ok(Self {
            job_id: text(job_id).unwrap_or_default(),
            job_type: text(job_type),
            status,
            begin_time: time(begin_time),
            end_time: time(end_time),
            error_code: text(error_code).or_else(|| text(entity_error_code)),
            fail_reason: text(fail_reason)
                .or_else(|| text(addition_error_msg))
                .or_else(|| text(entity_error)),
            image_id: text(image_id),
            image_name: text(image_name),
            resource_id: text(server_id).or_else(|| text(volume_id)),
            results,
            sub_jobs,
            sub_jobs_list,
            sub_jobs_total: number(sub_jobs_total)
                .filter(|n| *n >= 0.0)
                // Saturating: a count beyond u64 is as good as endless.
                .map(|n| {
                    #[expect(
                        clippy::cast_possible_truncation,
                        clippy::cast_sign_loss,
                        reason = "not negative (filtered above); `as` saturates above u64::MAX"
                    )]
                    let count = n as u64;
                    count
                }),
            process_percent: number(process_percent).map(|n| n.clamp(0.0, 1.0)),
            current_task: text(current_task),
        })
    }

    /// Ids of sub-jobs listed in `sub_jobs_list` but not (yet) given in full.
    #[must_use]
    pub fn missing_sub_jobs(&self) -> Vec<&str> {
        let given: HashSet<&str> = self.sub_jobs.iter().map(|s| s.job_id.as_str()).collect();
        self.sub_jobs_list
            .iter()
            .map(String::as_str)
            .filter(|id| !given.contains(id))
            .collect()
    }

    /// Number of sub-jobs known, from either list or the announced total.
    #[must_use]
    pub fn sub_job_count(&self) -> usize {
        let known = self.sub_jobs.len() + self.missing_sub_jobs().len();
        let total = self
            .sub_jobs_total
            .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
        known.max(total)
    }

    /// Sub-jobs (given in full) that have finished successfully.
    #[must_use]
    pub fn sub_jobs_done(&self) -> usize {
        self.sub_jobs
            .iter()
            .filter(|job| job.status == Status::Success)
            .count()
    }
}

/// A sub-job object inside `parent` (the text `item` is borrowed from), if it has a status.
fn sub_job(parent: &str, item: &RawValue) -> Option<SubJob> {
    let [job_id, status] = pick(item.get(), &["job_id", "status"])?;
    let status = Status::parse(&string(status)?);
    // `item` is a slice of `parent`: its place is the difference of their addresses.
    let start = (item.get().as_ptr() as usize).checked_sub(parent.as_ptr() as usize)?;
    let end = start.checked_add(item.get().len())?;
    (parent.get(start..end) == Some(item.get())).then(|| SubJob {
        job_id: text(job_id).unwrap_or_default(),
        status,
        start,
        end,
    })
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
        let paying =
            Job::from_value(json!({"job_id": "a", "status": "PENDING_PAYMENT"})).expect("job");
        assert_eq!(paying.view.status, Status::PendingPayment);
        assert!(paying.view.status.is_pending() && !paying.view.status.is_terminal());
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
        assert!(matches!(
            Job::from_text("{\"status\": ".into()),
            Err(ModelError::Malformed(_))
        ));
        assert!(matches!(
            Job::from_body(b"{\"status\": \"\xff\"}".to_vec()),
            Err(ModelError::Malformed(_))
        ));
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
    fn fields_of_the_wrong_type_count_as_absent() {
        let job = Job::from_text(
            r#" {"job_id": 7, "status": "RUNNING", "job_type": {"x": 1}, "entities": [1],
                "fail_reason": null} "#
                .into(),
        )
        .expect("job");
        assert_eq!(job.view.job_id, "");
        assert_eq!(job.view.job_type, None);
        assert_eq!(job.view.sub_job_count(), 0);
        let odd = Job::from_value(json!({"status": "INIT", "entities": {
            "process_percent": "0.5", "sub_jobs": "many", "sub_jobs_total": "x",
            "sub_jobs_list": [1, "b"], "results": [{"status": "success"}, 3]}}))
        .expect("job");
        assert_eq!(odd.view.process_percent, Some(0.5));
        assert_eq!(odd.view.sub_jobs_list, ["b"]);
        assert_eq!(odd.view.results.len(), 1);
        // A repeated key keeps its last value, as a JSON object built from the text would.
        let twice =
            Job::from_text(r#"{"status": "FAIL", "status": "SUCCESS"}"#.into()).expect("job");
        assert_eq!(twice.view.status, Status::Success);
    }

    #[test]
    fn service_jobs_give_sub_jobs_in_full() {
        let text = r#"{"job_id": "p", "status": "RUNNING", "job_type": "createServer",
            "entities": {"sub_jobs_total": 3, "sub_jobs": [
              {"job_id": "s1", "status": "SUCCESS", "n": 2.50, "entities": {"server_id": "vm-1"}},
              {"job_id": "s2", "status": "PENDING_PAYMENT"},
              {"job_id": "bad"}]}}"#;
        let job = Job::from_text(text.into()).expect("job");
        assert_eq!(job.view.sub_jobs.len(), 2);
        assert_eq!(job.view.sub_job_count(), 3, "the announced total wins");
        assert_eq!(job.view.sub_jobs_done(), 1);
        let first = job.embedded(&job.view.sub_jobs[0]).expect("a sub-job");
        assert!(first.raw.get().starts_with(r#"{"job_id": "s1""#));
        assert!(first.raw.get().contains("2.50"), "kept as sent");
        assert_eq!(first.view.resource_id.as_deref(), Some("vm-1"));
        assert_eq!(job.view.sub_jobs[1].status, Status::PendingPayment);
    }

    #[test]
    fn the_raw_text_is_kept_verbatim() {
        let text =
            "\n {\"z\": 1, \"status\": \"SUCCESS\", \"a\": 123456789012345678901234567890}\n";
        let job = Job::from_text(text.into()).expect("job");
        assert_eq!(job.raw.get(), text.trim());
        assert_eq!(job.value()["z"], json!(1));
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
