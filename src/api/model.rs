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
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
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

/// The entries of `entities.results` (image member jobs), counted: the table shows how many
/// succeeded, and a count costs nothing however long the list is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Members {
    /// Entries that are objects.
    pub total: usize,
    /// Those whose `status` is `success` (member statuses are lower case in every example;
    /// compared without case).
    pub succeeded: usize,
}

/// An id found in a job's `entities`: its key (`backup_id`, `elb.id`) and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityId {
    pub key: String,
    pub value: String,
}

/// The `entities` key of the id a job of a known type makes, for types whose jobs name
/// several ids (a VBS backup job names the volume it backs up beside the backup it makes).
/// Matched on the start of `job_type`, first match wins. Jobs of other types name one id
/// (ECS `server_id`, EVS `volume_id`, SDRS `server_group_id`, classic ELB `elb.id`), which
/// [`JobView::made_id`] takes. Sources: the "Querying the Job Status" pages of the IMS, VBS,
/// SDRS, ECS and EVS API references (github.com/opentelekomcloud/docs).
const MADE_BY_TYPE: [(&str, &str); 4] = [
    ("ims", "image_id"),
    ("bksCreateBackup", "backup_id"),
    ("createServer", "server_id"),
    ("createSingleServer", "server_id"),
];

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
    /// The ids in `entities`, in the order sent: every `*_id` string, and the `id` of an
    /// object member as `<member>.id` (classic ELB's `elb`). Which one the job made is
    /// [`JobView::made_id`]'s call.
    pub ids: Vec<EntityId>,
    /// `entities.results`, counted.
    pub members: Members,
    /// Sub-jobs given in full, in `entities.sub_jobs_result` (IMS) or `entities.sub_jobs`
    /// (ECS, EVS, BMS). Malformed ones (no textual `status`) are left out.
    pub sub_jobs: Vec<SubJob>,
    /// All sub-job ids, from `entities.sub_jobs_list`; may name jobs not yet in `sub_jobs`.
    pub sub_jobs_list: IdList,
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

/// Calls `each` with every item of a JSON array, in order, without collecting them: an
/// answer may hold millions of items, and a list of them would cost several times the text.
fn for_each_item<'a>(raw: Option<&'a RawValue>, each: impl FnMut(&'a RawValue)) {
    let Some(text) = raw.map(RawValue::get).filter(|text| text.starts_with('[')) else {
        return;
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    // The text was validated as a whole already; an error here cannot happen, and would
    // only end the walk early.
    let _ = deserializer.deserialize_seq(Each(each));
}

struct Each<F>(F);

impl<'de, F: FnMut(&'de RawValue)> Visitor<'de> for Each<F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            (self.0)(item);
        }
        Ok(())
    }
}

/// Ids kept in one string, end to end: a million short ids cost their bytes and a 4-byte
/// offset each, not a million allocations.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct IdList {
    text: String,
    ends: Vec<u32>,
}

impl IdList {
    fn push(&mut self, id: &str) {
        // Answers are capped far below 4 GiB; an id past that could not have been read.
        let Ok(end) = u32::try_from(self.text.len() + id.len()) else {
            return;
        };
        self.text.push_str(id);
        self.ends.push(end);
    }

    /// How many ids there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The ids, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let offset = |at: u32| usize::try_from(at).unwrap_or(usize::MAX);
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(move |(start, end)| {
                self.text
                    .get(offset(start)..offset(end))
                    .unwrap_or_default()
            })
    }
}

impl fmt::Debug for IdList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().take(8)).finish()?;
        if self.len() > 8 {
            write!(f, " ({} in all)", self.len())?;
        }
        Ok(())
    }
}

impl<const N: usize> PartialEq<[&str; N]> for IdList {
    fn eq(&self, other: &[&str; N]) -> bool {
        self.len() == N && self.iter().eq(other.iter().copied())
    }
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

const ENTITY_KEYS: [&str; 13] = [
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
            sub_jobs_list_raw,
            sub_jobs_total,
            process_percent,
            current_task,
            entity_error_code,
            addition_error_msg,
            entity_error,
            sub_job_id,
        ] = entities
            .and_then(|e| pick(e.get(), &ENTITY_KEYS))
            .unwrap_or([None; ENTITY_KEYS.len()]);
        let mut members = Members::default();
        for_each_item(results, |item| {
            if let Some([status]) = pick(item.get(), &["status"]) {
                members.total += 1;
                let ok = text(status).is_some_and(|s| s.eq_ignore_ascii_case("success"));
                members.succeeded += usize::from(ok);
            }
        });
        // A malformed sub-job is skipped rather than failing the parent: the parent's own
        // status is what decides the outcome.
        let mut given = Vec::new();
        for list in [sub_jobs_result, sub_jobs] {
            for_each_item(list, |item| given.extend(sub_job(document, item)));
        }
        let mut sub_jobs_list = IdList::default();
        for_each_item(sub_jobs_list_raw, |id| {
            let text = id.get();
            // Ids need no escapes: copied straight from the text, without a string each.
            match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                Some(plain) if !plain.contains('\\') => sub_jobs_list.push(plain),
                _ => {
                    if let Some(id) = string(Some(id)) {
                        sub_jobs_list.push(&id);
                    }
                }
            }
        });
        if let Some(id) = text(sub_job_id).filter(|id| !sub_jobs_list.iter().any(|l| l == id)) {
            sub_jobs_list.push(&id);
        }
        sub_jobs_list.text.shrink_to_fit();
        sub_jobs_list.ends.shrink_to_fit();
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
            ids: entities.map(entity_ids).unwrap_or_default(),
            members,
            sub_jobs: given,
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
            // Published as a fraction (0.2); a service that sends a percentage (20) would
            // otherwise show every job past 1 % as done.
            process_percent: number(process_percent).map(|n| {
                let fraction = if n > 1.0 && n <= 100.0 { n / 100.0 } else { n };
                fraction.clamp(0.0, 1.0)
            }),
            current_task: text(current_task),
        })
    }

    /// Ids of sub-jobs listed in `sub_jobs_list` but not (yet) given in full, in order.
    pub fn missing_sub_jobs(&self) -> impl Iterator<Item = &str> {
        let given: HashSet<&str> = self.sub_jobs.iter().map(|s| s.job_id.as_str()).collect();
        self.sub_jobs_list
            .iter()
            .filter(move |id| !given.contains(id))
    }

    /// The id of what the job made: the one its type is known to make (`MADE_BY_TYPE`),
    /// else `image_id`, else the first id in `entities`.
    #[must_use]
    pub fn made_id(&self) -> Option<&EntityId> {
        let by_key = |key: &str| self.ids.iter().find(|id| id.key == key);
        self.job_type
            .as_deref()
            .and_then(|kind| {
                MADE_BY_TYPE
                    .iter()
                    .find(|(prefix, _)| kind.starts_with(prefix))
            })
            .and_then(|(_, key)| by_key(key))
            .or_else(|| by_key("image_id"))
            .or_else(|| self.ids.first())
    }

    /// Number of sub-jobs known, from either list or the announced total.
    #[must_use]
    pub fn sub_job_count(&self) -> usize {
        let known = self.sub_jobs.len() + self.missing_sub_jobs().count();
        let total = self
            .sub_jobs_total
            .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
        known.max(total)
    }

    /// Sub-jobs (given in full) that ended FAIL: a finished job may carry some even when
    /// its own status is SUCCESS, which must not go unsaid.
    pub fn failed_sub_jobs(&self) -> impl Iterator<Item = &SubJob> {
        self.sub_jobs
            .iter()
            .filter(|job| job.status == Status::Fail)
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

/// The ids of an `entities` object (see [`JobView::ids`]); values are borrowed as raw text
/// and only ids are copied, so a large `sub_jobs` member costs one pass.
fn entity_ids(entities: &RawValue) -> Vec<EntityId> {
    let text = entities.get();
    if !text.starts_with('{') {
        return Vec::new();
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let members = ObjectMembers
        .deserialize(&mut deserializer)
        .unwrap_or_default();
    let mut ids = Vec::new();
    for (key, value) in members {
        if key.ends_with("_id") {
            if let Some(id) = self::text(Some(value)) {
                ids.push(EntityId { key, value: id });
            }
        } else if let Some([id]) = pick(value.get(), &["id"])
            && let Some(id) = self::text(id)
        {
            ids.push(EntityId {
                key: format!("{key}.id"),
                value: id,
            });
        }
    }
    ids
}

/// The members of a JSON object in the order sent, values as raw text.
struct ObjectMembers;

impl<'de> DeserializeSeed<'de> for ObjectMembers {
    type Value = Vec<(String, &'de RawValue)>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectMembers {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<&'de RawValue>()?;
            members.push((key, value));
        }
        Ok(members)
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
        assert_eq!(job.view.missing_sub_jobs().collect::<Vec<_>>(), ["c"]);
        assert_eq!(job.view.sub_job_count(), 2);
        assert_eq!(job.view.sub_jobs_done(), 1);
    }

    #[test]
    fn a_percentage_where_a_fraction_is_published_is_read_as_one() {
        let percent = |value: serde_json::Value| {
            Job::from_value(json!({"status": "RUNNING", "entities": {"process_percent": value}}))
                .expect("job")
                .view
                .process_percent
        };
        assert_eq!(percent(json!(0.5)), Some(0.5));
        assert_eq!(percent(json!(1)), Some(1.0));
        assert_eq!(percent(json!(50)), Some(0.5));
        assert_eq!(percent(json!(100)), Some(1.0));
        assert_eq!(percent(json!(250)), Some(1.0));
        assert_eq!(percent(json!(-3)), Some(0.0));
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
        assert_eq!(odd.view.members.total, 1);
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
        assert_eq!(
            first.view.made_id().map(|id| id.value.as_str()),
            Some("vm-1")
        );
        assert_eq!(job.view.sub_jobs[1].status, Status::PendingPayment);
    }

    #[test]
    fn the_id_made_follows_the_job_type_then_the_first_id() {
        let made = |value: Value| {
            let job = Job::from_value(value).expect("job");
            job.view
                .made_id()
                .map(|id| (id.key.clone(), id.value.clone()))
        };
        let pair = |k: &str, v: &str| Some((k.to_owned(), v.to_owned()));
        assert_eq!(
            made(json!({"status": "SUCCESS", "job_type": "bksCreateBackup",
                "entities": {"volume_id": "v", "backup_id": "b", "snapshot_id": "s"}})),
            pair("backup_id", "b")
        );
        assert_eq!(
            made(
                json!({"status": "SUCCESS", "job_type": "createProtectionGroupNoCG",
                "entities": {"server_group_id": "g"}})
            ),
            pair("server_group_id", "g")
        );
        assert_eq!(
            made(json!({"status": "SUCCESS", "job_type": "somethingNew",
                "entities": {"sub_jobs": [{"server_id": "x"}], "elb": {"id": "e", "name": "n"},
                              "listener_id": "l"}})),
            pair("elb.id", "e")
        );
        assert_eq!(
            made(json!({"status": "SUCCESS", "entities": {"image_id": "i", "a_id": 7}})),
            pair("image_id", "i")
        );
        assert_eq!(made(json!({"status": "SUCCESS", "entities": []})), None);
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
        let job = Job::from_value(json!({"status": "RUNNING", "entities": {"results": [
            {"status": "Success"}, {"status": "success"}, {"status": "failed"}, {}]}}))
        .expect("job");
        assert_eq!(
            job.view.members,
            Members {
                total: 4,
                succeeded: 2
            }
        );
    }

    #[test]
    fn listed_ids_keep_their_order_and_text() {
        let job = Job::from_value(json!({"status": "RUNNING", "entities": {
            "sub_jobs_list": ["a", "", "ü-\"q\"", "a"]}}))
        .expect("job");
        assert_eq!(job.view.sub_jobs_list, ["a", "", "ü-\"q\"", "a"]);
        assert_eq!(job.view.sub_job_count(), 4);
    }
}
