//! Simulated jobs: where each one is on its timeline, rendered as the document IMS would
//! return at that moment.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::scenario::{Fault, JobSpec, Scenario, Shape};
use crate::service::Service;

/// The example responses the ECS, EVS and BMS API references publish for their jobs API,
/// verbatim (tests/fixtures/published/SOURCES.md), each served on its own service's endpoint.
pub(crate) const OTHER_EXAMPLES: [(Service, &str); 4] = [
    (
        Service::Ecs,
        include_str!("published/ecs-createServer.json"),
    ),
    (
        Service::Evs,
        include_str!("published/evs-createVolume-running.json"),
    ),
    (
        Service::Evs,
        include_str!("published/evs-batchCreateVolume.json"),
    ),
    (
        Service::Bms,
        include_str!("published/bms-baremetalBatchCreate.json"),
    ),
];

/// The 14 example responses of the IMS API reference, verbatim.
pub(crate) const EXAMPLES: [(&str, &str); 14] = [
    (
        "imsAddImageMembersJob",
        include_str!("examples/imsAddImageMembersJob.json"),
    ),
    (
        "imsCopyImageInRegionJob",
        include_str!("examples/imsCopyImageInRegionJob.json"),
    ),
    (
        "imsCreateImageByInstance",
        include_str!("examples/imsCreateImageByInstance.json"),
    ),
    (
        "imsCreateWholeImageByBackupJob",
        include_str!("examples/imsCreateWholeImageByBackupJob.json"),
    ),
    (
        "imsCreateWholeImageByInstanceJob",
        include_str!("examples/imsCreateWholeImageByInstanceJob.json"),
    ),
    (
        "imsDelImageMembersJob",
        include_str!("examples/imsDelImageMembersJob.json"),
    ),
    (
        "imsImportDataImageJob",
        include_str!("examples/imsImportDataImageJob.json"),
    ),
    (
        "imsImportImageJob",
        include_str!("examples/imsImportImageJob.json"),
    ),
    (
        "imsImportOvaImageJob",
        include_str!("examples/imsImportOvaImageJob.json"),
    ),
    (
        "imsNativeExportImageJob",
        include_str!("examples/imsNativeExportImageJob.json"),
    ),
    (
        "imsNativeImportImageJob",
        include_str!("examples/imsNativeImportImageJob.json"),
    ),
    (
        "imsUpdateImageMembersJob",
        include_str!("examples/imsUpdateImageMembersJob.json"),
    ),
    (
        "imsVolumeCreateImageJob",
        include_str!("examples/imsVolumeCreateImageJob.json"),
    ),
    (
        "imsVolumesToSysDataImagesJob",
        include_str!("examples/imsVolumesToSysDataImagesJob.json"),
    ),
];

/// Where a job id leads.
#[derive(Debug, Clone)]
enum Entry {
    /// A fixed document (an example, or a sub-job of one), served as text, byte for byte
    /// (shared, not copied, by every answer).
    Static(Bytes),
    /// A job on a timeline: family (top-level job index) and the path to its spec.
    Timed { family: usize, path: Vec<usize> },
}

/// Mutable state of the simulated services.
#[derive(Debug)]
pub(crate) struct Jobs {
    scenario: Scenario,
    /// Each service knows only its own jobs, as each endpoint does on the cloud. Keyed by
    /// service first, so that a request's id is looked up as it is, without building a key.
    index: HashMap<Service, HashMap<String, Entry>>,
    /// When each family's clock started (first request for any of its jobs).
    started: HashMap<usize, (Instant, Timestamp)>,
    /// Position in each job's fault list: (fault index, uses of it so far).
    fault_cursor: HashMap<String, (usize, u32)>,
}

/// What to answer for a job request, before faults.
#[derive(Debug)]
pub(crate) enum Lookup {
    Found(Bytes),
    NotFound,
}

/// The job id of each documented example, with the example's name (its job type), in the
/// order of [`EXAMPLES`].
#[must_use]
pub(crate) fn example_ids() -> Vec<(String, &'static str)> {
    EXAMPLES
        .iter()
        .filter_map(|(name, text)| {
            let value: Value = serde_json::from_str(text).ok()?;
            Some((value["job_id"].as_str()?.to_owned(), *name))
        })
        .collect()
}

impl Jobs {
    #[must_use]
    pub(crate) fn new(scenario: Scenario) -> Self {
        /// Indexes a scenario job and its sub-jobs by id, with their place in the family.
        fn walk(
            spec: &JobSpec,
            family: usize,
            path: Vec<usize>,
            index: &mut HashMap<String, Entry>,
        ) {
            for (i, sub) in spec.sub_jobs.iter().enumerate() {
                let mut sub_path = path.clone();
                sub_path.push(i);
                walk(sub, family, sub_path, index);
            }
            index.insert(spec.id.clone(), Entry::Timed { family, path });
        }
        let mut index: HashMap<Service, HashMap<String, Entry>> = HashMap::new();
        if scenario.examples {
            let ims = EXAMPLES.iter().map(|(_, text)| (Service::Ims, *text));
            for (service, text) in ims.chain(OTHER_EXAMPLES) {
                let Ok(value) = serde_json::from_str::<Value>(text) else {
                    continue;
                };
                let served = index.entry(service).or_default();
                if let Some(id) = value["job_id"].as_str() {
                    served.insert(
                        id.to_owned(),
                        Entry::Static(Bytes::from_static(text.as_bytes())),
                    );
                }
                // Their sub-jobs are served by id too, as embedded.
                let entities = &value["entities"];
                for key in ["sub_jobs_result", "sub_jobs"] {
                    for sub in entities[key].as_array().into_iter().flatten() {
                        if let Some(id) = sub["job_id"].as_str() {
                            let text = serde_json::to_string_pretty(sub).unwrap_or_default();
                            served.insert(id.to_owned(), Entry::Static(text.into()));
                        }
                    }
                }
            }
        }
        for (family, spec) in scenario.jobs.iter().enumerate() {
            let served = index.entry(spec.shape.service()).or_default();
            walk(spec, family, Vec::new(), served);
        }
        Self {
            scenario,
            index,
            started: HashMap::new(),
            fault_cursor: HashMap::new(),
        }
    }

    #[must_use]
    pub(crate) fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// What is served for a job id of `service`.
    fn entry(&self, service: Service, job_id: &str) -> Option<&Entry> {
        self.index.get(&service)?.get(job_id)
    }

    /// The spec of a timed job.
    fn spec(&self, family: usize, path: &[usize]) -> &JobSpec {
        let mut spec = &self.scenario.jobs[family];
        for &i in path {
            spec = &spec.sub_jobs[i];
        }
        spec
    }

    /// Takes the next scripted fault of a job of `service`, if any remain.
    pub(crate) fn next_fault(&mut self, service: Service, job_id: &str) -> Option<Fault> {
        let Some(Entry::Timed { family, path }) = self.entry(service, job_id) else {
            return None;
        };
        let cursor = *self.fault_cursor.get(job_id).unwrap_or(&(0, 0));
        let fault = self.spec(*family, path).faults.get(cursor.0)?.clone();
        let cursor = self.fault_cursor.entry(job_id.to_owned()).or_insert(cursor);
        cursor.1 += 1;
        if cursor.1 >= fault.times.max(1) {
            *cursor = (cursor.0 + 1, 0);
        }
        Some(fault)
    }

    /// The document for a job id of `service` now.
    pub(crate) fn lookup(&mut self, service: Service, job_id: &str, now: Instant) -> Lookup {
        // The index field alone is borrowed, so that the clock below can be started.
        match self.index.get(&service).and_then(|jobs| jobs.get(job_id)) {
            None => Lookup::NotFound,
            Some(Entry::Static(text)) => Lookup::Found(text.clone()),
            Some(&Entry::Timed { family, ref path }) => {
                let (clock, wall) = *self
                    .started
                    .entry(family)
                    .or_insert_with(|| (now, Timestamp::now()));
                let elapsed = now.saturating_duration_since(clock);
                let spec = self.spec(family, path);
                let offset: Duration = path_offset(&self.scenario.jobs[family], path);
                if path.is_empty() && elapsed < spec.missing_for {
                    return Lookup::NotFound;
                }
                let shape = self.scenario.jobs[family].shape;
                let document = render(spec, elapsed, offset, wall, shape);
                Lookup::Found(
                    serde_json::to_string_pretty(&document)
                        .unwrap_or_default()
                        .into(),
                )
            }
        }
    }
}

/// Sum of the `start` offsets from the family root down to a sub-job.
fn path_offset(root: &JobSpec, path: &[usize]) -> Duration {
    let mut spec = root;
    let mut offset = Duration::ZERO;
    for &i in path {
        spec = &spec.sub_jobs[i];
        offset += spec.start;
    }
    offset
}

/// The status of a job `local` after its own start.
fn status_at(spec: &JobSpec, local: Option<Duration>) -> &str {
    let Some(local) = local else {
        return &spec.queued_status;
    };
    let queued = spec.queued.unwrap_or(spec.duration / 4);
    if local >= spec.duration {
        &spec.outcome
    } else if local >= queued {
        "RUNNING"
    } else {
        &spec.queued_status
    }
}

fn format_time(ts: Timestamp, legacy: bool) -> String {
    if legacy {
        let millis = ts.subsec_millisecond();
        format!("{}:{millis:03}", ts.strftime("%d-%b-%Y %H:%M:%S"))
    } else {
        ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

/// The job document `elapsed` after the family clock started; `offset` is this job's start
/// within the family; `shape` is the service the family imitates.
fn render(
    spec: &JobSpec,
    elapsed: Duration,
    offset: Duration,
    wall: Timestamp,
    shape: Shape,
) -> Value {
    if let Some(document) = &spec.document {
        return document.clone();
    }
    let local = elapsed.checked_sub(offset);
    let status = status_at(spec, local);
    let terminal = matches!(status, "SUCCESS" | "FAIL");
    let at = |d: Duration| {
        let ts = wall
            .checked_add(jiff::SignedDuration::try_from(d).unwrap_or_default())
            .unwrap_or(wall);
        format_time(ts, spec.legacy_times)
    };
    let mut entities = Map::new();
    // ECS and EVS job documents carry no progress fraction.
    if status == "RUNNING" && shape == Shape::Ims {
        entities.insert("current_task".into(), json!(task_name(&spec.job_type)));
        let queued = spec.queued.unwrap_or(spec.duration / 4);
        let run = spec
            .duration
            .saturating_sub(queued)
            .as_secs_f64()
            .max(0.001);
        let done = local
            .unwrap_or_default()
            .saturating_sub(queued)
            .as_secs_f64();
        let fraction = (done / run).clamp(0.0, 0.99);
        entities.insert(
            "process_percent".into(),
            json!((fraction * 100.0).floor() / 100.0),
        );
    }
    if status == "SUCCESS" {
        if let Some(name) = &spec.image_name {
            entities.insert("image_name".into(), json!(name));
        }
        if spec.image_name.is_some() || spec.image_id.is_some() {
            let id = spec
                .image_id
                .clone()
                .unwrap_or_else(|| image_id_for(&spec.id));
            entities.insert("image_id".into(), json!(id));
        }
        // A finished ECS/EVS sub-job names the resource it made.
        let resource = match shape {
            Shape::Ecs | Shape::Bms => Some("server_id"),
            Shape::Evs => Some("volume_id"),
            Shape::Ims => None,
        };
        if let Some(key) = resource
            && spec.sub_jobs.is_empty()
            && spec.image_name.is_none()
        {
            entities.insert(key.into(), json!(image_id_for(&spec.id)));
        }
        // A finished IMS job says it is on no task and done in full: an empty
        // `current_task` and the integer 1 (huaweicloud SDK `JobProgressEntities`).
        if shape == Shape::Ims {
            entities.insert("current_task".into(), json!(""));
            entities.insert("process_percent".into(), json!(1));
        }
    }
    if !spec.sub_jobs.is_empty() && shape != Shape::Ims {
        // Every sub-job is listed from the start, in its own state (INIT until it starts).
        let subs: Vec<Value> = spec
            .sub_jobs
            .iter()
            .map(|sub| render(sub, elapsed, offset + sub.start, wall, shape))
            .collect();
        // ECS and BMS count their sub-jobs; EVS publishes its batch jobs without the count.
        if shape != Shape::Evs {
            entities.insert("sub_jobs_total".into(), json!(subs.len()));
        }
        entities.insert("sub_jobs".into(), Value::Array(subs));
    } else if spec.bare_sub_job_id
        && let Some(first) = spec.sub_jobs.first()
    {
        // An IMS import job naming its one sub-job only by id.
        entities.insert("subJobId".into(), json!(first.id));
    } else if !spec.sub_jobs.is_empty() {
        let started_subs: Vec<Value> = spec
            .sub_jobs
            .iter()
            .filter(|sub| spec.embed_sub_jobs && local.is_some_and(|l| l >= sub.start))
            .map(|sub| render(sub, elapsed, offset + sub.start, wall, shape))
            .collect();
        entities.insert("sub_jobs_result".into(), Value::Array(started_subs));
        entities.insert(
            "sub_jobs_list".into(),
            json!(
                spec.sub_jobs
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
            ),
        );
    }
    if let Some(extra) = &spec.entities {
        entities.extend(extra.clone());
    }
    let failed = status == "FAIL";
    let error_code = if failed {
        json!(spec.error_code.as_deref().unwrap_or(DEFAULT_ERROR_CODE))
    } else {
        Value::Null
    };
    let fail_reason =
        if failed {
            json!(spec.fail_reason.clone().unwrap_or_else(|| format!(
                "{}-fail:{DEFAULT_FAIL_TEXT}",
                task_name(&spec.job_type)
            )))
        } else {
            Value::Null
        };
    let begin_time = at(offset);
    let end_time = if terminal {
        at(offset + spec.duration)
    } else {
        String::new()
    };
    // Key order as each service publishes it: IMS starts with the job id, ECS, EVS and BMS
    // with the status and entities.
    let mut document = if shape == Shape::Ims {
        json!({
            "job_id": spec.id,
            "job_type": spec.job_type,
            "begin_time": begin_time,
            "end_time": end_time,
            "status": status,
            "error_code": error_code,
            "fail_reason": fail_reason,
            "entities": entities,
        })
    } else {
        json!({
            "status": status,
            "entities": entities,
            "job_id": spec.id,
            "job_type": spec.job_type,
            "begin_time": begin_time,
            "end_time": end_time,
            "error_code": error_code,
            "fail_reason": fail_reason,
        })
    };
    if let (Some(extra), Value::Object(map)) = (&spec.extra, &mut document) {
        map.extend(extra.clone());
    }
    document
}

/// What a failing job reports when its scenario names no error: a real IMS code with its
/// documented meaning (image creation refused while the ECS is busy), the reason in the
/// `<Task>-fail:<text>` form job documents use.
const DEFAULT_ERROR_CODE: &str = "IMG.0010";
const DEFAULT_FAIL_TEXT: &str =
    "The ECS cannot be used to create an image because it has in-progress tasks.";

/// The task a job type runs, as `current_task` and `fail_reason` name it:
/// `imsCreateImageByInstance` → `CreateImageByInstanceTask`, `imsImportImageJob` →
/// `ImportImageTask`, `createVolume` → `CreateVolumeTask`.
fn task_name(job_type: &str) -> String {
    let core = job_type.strip_prefix("ims").unwrap_or(job_type);
    let core = core.strip_suffix("Job").unwrap_or(core);
    let mut chars = core.chars();
    match chars.next() {
        Some(first) => format!("{}{}Task", first.to_ascii_uppercase(), chars.as_str()),
        None => "Task".into(),
    }
}

/// A stable, UUID-shaped image id derived from the job id.
fn image_id_for(job_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let hex = hex::encode(Sha256::digest(job_id.as_bytes()));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
