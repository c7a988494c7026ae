//! The scenario file of `imsjob sim --scenario FILE` (YAML, or JSON since JSON is YAML).
//!
//! ```yaml
//! project_id: 0123456789abcdef0123456789abcdef  # the project the sim serves
//! token: sim-token                            # the X-Auth-Token it accepts
//! examples: true                              # also serve the 14 documented examples
//! random_faults: {rate: 0.3, seed: 7, kinds: [503, 429, html, drop, slow, malformed]}
//! auth:                                       # the simulated IAM account (all optional)
//!   user: sim-user                            # with password, user_domain, passcode (MFA),
//!   password: sim-password                    # project_name, access_key, secret_key,
//!   token_ttl: 24h                            # and the lifetime of IAM-issued tokens
//! jobs:
//!   - id: build-image                         # letters, digits, `-`
//!     type: imsCreateImageByInstance
//!     duration: 4s                            # first request -> terminal
//!     queued: 1s                              # INIT before RUNNING (default: a quarter)
//!     outcome: SUCCESS                        # or FAIL (with error_code, fail_reason)
//!     image_name: web-2024
//!     faults: [{status: 503, times: 2}, {status: 429, retry_after: 2}]
//!     sub_jobs: [{id: build-image-sub, start: 1s, duration: 2s}]
//!   - id: new-server                          # an ECS job (also `evs`, `bms`), served
//!     type: createServer                      # only on the ECS endpoint (`/ecs/v1/...`)
//!     shape: ecs                              # sub-jobs as full objects in entities.sub_jobs
//!     queued_status: PENDING_PAYMENT          # instead of INIT while queued
//!     faults: [{throttle: 'limit:5, time:5 second'}, {ak_locked: true}]
//! ```
//! Times count from the first request for a job (or for its parent), so tests and scripts
//! see the same timeline whenever they start.

use std::time::Duration;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A whole scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default = "default_project")]
    pub project_id: String,
    #[serde(default = "default_token")]
    pub token: String,
    /// Serve the documented example responses (by their job ids).
    #[serde(default = "yes")]
    pub examples: bool,
    #[serde(default)]
    pub jobs: Vec<JobSpec>,
    /// Faults injected at random into any job request.
    #[serde(default)]
    pub random_faults: Option<RandomFaults>,
    /// The simulated IAM account (password, AK/SK); defaults are printed at start-up.
    #[serde(default)]
    pub auth: AuthSpec,
    /// HTTP status of the answer for an unknown job id. The services' error tables give a job
    /// query that finds nothing a 400 (IMS `IMG.0023`, ECS and EVS `Common.0011`) and list
    /// no 404 for it, so 400 is the default; 404 stays available to try the other answer.
    #[serde(default = "default_not_found_status")]
    pub not_found_status: u16,
}

/// The simulated IAM account; every field defaults to [`crate::sim::iam::SimIdentity`]'s.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSpec {
    pub user: Option<String>,
    pub password: Option<String>,
    pub user_domain: Option<String>,
    /// Require MFA with this passcode.
    pub passcode: Option<String>,
    pub project_name: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    /// Lifetime of tokens issued by `POST /v3/auth/tokens`.
    #[serde(default, deserialize_with = "opt_duration")]
    pub token_ttl: Option<Duration>,
    /// Make the AK/SK pair temporary: requests must carry this `X-Security-Token` (any other
    /// one, or none, is refused). Without it, a request carrying any security token is
    /// refused, as the gateway refuses a token it did not issue.
    pub security_token: Option<String>,
}

impl AuthSpec {
    /// The simulated identity for a scenario serving `project_id`.
    #[must_use]
    pub fn identity(&self, project_id: &str) -> crate::sim::iam::SimIdentity {
        use secrecy::SecretString;
        let defaults = crate::sim::iam::SimIdentity::default();
        let secret = |s: &Option<String>| s.clone().map(SecretString::from);
        crate::sim::iam::SimIdentity {
            domain: self.user_domain.clone().unwrap_or(defaults.domain),
            user: self.user.clone().unwrap_or(defaults.user),
            password: secret(&self.password).unwrap_or(defaults.password),
            passcode: secret(&self.passcode),
            project_id: project_id.to_owned(),
            project_name: self.project_name.clone().unwrap_or(defaults.project_name),
            access_key: self.access_key.clone().unwrap_or(defaults.access_key),
            secret_key: secret(&self.secret_key).unwrap_or(defaults.secret_key),
            region: defaults.region,
            security_token: secret(&self.security_token),
            token_ttl: self
                .token_ttl
                .and_then(|d| jiff::SignedDuration::try_from(d).ok())
                .unwrap_or(defaults.token_ttl),
        }
    }
}

/// One simulated job.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    pub id: String,
    #[serde(rename = "type", default = "default_type")]
    pub job_type: String,
    /// Offset from the parent's start (sub-jobs) — top-level jobs start at their first request.
    #[serde(default, deserialize_with = "duration")]
    pub start: Duration,
    /// Time from start to the outcome.
    #[serde(default = "default_duration", deserialize_with = "duration")]
    pub duration: Duration,
    /// Time spent in INIT before RUNNING; default a quarter of `duration`.
    #[serde(default, deserialize_with = "opt_duration")]
    pub queued: Option<Duration>,
    /// Final status: `SUCCESS`, `FAIL`, or any other text (kept forever, never terminal).
    #[serde(default = "default_outcome")]
    pub outcome: String,
    /// The status shown while queued, before RUNNING: `INIT`, or e.g. `PENDING_PAYMENT`
    /// (a non-terminal status ECS and BMS document for jobs waiting on an order).
    #[serde(default = "default_queued_status")]
    pub queued_status: String,
    /// Which service's job document to render; sub-jobs follow their top-level job.
    #[serde(default)]
    pub shape: Shape,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub fail_reason: Option<String>,
    #[serde(default)]
    pub image_id: Option<String>,
    #[serde(default)]
    pub image_name: Option<String>,
    /// Extra fields merged into `entities`.
    #[serde(default)]
    pub entities: Option<serde_json::Map<String, Value>>,
    /// Extra top-level fields (unknown fields must survive into `get -o json`).
    #[serde(default)]
    pub extra: Option<serde_json::Map<String, Value>>,
    /// Write times as `04-Jun-2015 18:11:06:586` instead of RFC 3339.
    #[serde(default)]
    pub legacy_times: bool,
    /// Answer "not found" (as for an unknown id) for this long after the first request (a
    /// job created moments ago).
    #[serde(default, deserialize_with = "duration")]
    pub missing_for: Duration,
    /// Faults for this job's requests, in order.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Serve this document verbatim instead (still subject to faults).
    #[serde(default)]
    pub document: Option<Value>,
    #[serde(default)]
    pub sub_jobs: Vec<JobSpec>,
    /// Sub-jobs appear in `sub_jobs_result` only once started; before, only in
    /// `sub_jobs_list` (as IMS does for OVA imports). Set `false` to list only ids forever.
    #[serde(default = "yes")]
    pub embed_sub_jobs: bool,
    /// Name the first sub-job only in a bare `entities.subJobId` (as IMS import jobs may),
    /// instead of `sub_jobs_result`/`sub_jobs_list`.
    #[serde(default)]
    pub bare_sub_job_id: bool,
}

/// The service whose job a job is: it is served on that service's endpoint only, in that
/// service's document shape. ECS, EVS and BMS answer the same jobs API
/// (`/v1/{project_id}/jobs/{job_id}` on their own endpoints), `status` first, with full
/// sub-job objects in `entities.sub_jobs` (ECS and BMS also count them in `sub_jobs_total`)
/// instead of IMS's `sub_jobs_result`/`sub_jobs_list`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    #[default]
    Ims,
    /// ECS: sub-jobs hold `entities.server_id`.
    Ecs,
    /// EVS: sub-jobs hold `entities.volume_id`.
    Evs,
    /// BMS: like ECS.
    Bms,
}

impl Shape {
    /// The service whose endpoint serves jobs of this shape.
    #[must_use]
    pub(crate) fn service(self) -> crate::service::Service {
        use crate::service::Service;
        match self {
            Self::Ims => Service::Ims,
            Self::Ecs => Service::Ecs,
            Self::Evs => Service::Evs,
            Self::Bms => Service::Bms,
        }
    }
}

/// A fault for the next request(s) of a job.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Answer with this HTTP status (and an API-shaped error body).
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` to send: seconds or an HTTP date.
    #[serde(default)]
    pub retry_after: Option<String>,
    /// Wait this long before answering (past `--request-timeout` to test it).
    #[serde(default, deserialize_with = "opt_duration")]
    pub delay: Option<Duration>,
    /// Close the connection without an answer.
    #[serde(default)]
    pub drop: bool,
    /// A 502 HTML page from a "proxy".
    #[serde(default)]
    pub html: bool,
    /// The API gateway's throttling answer: 429 `APIGW.0308` whose message names this window
    /// (e.g. `limit:5, time:5 second`), and no `Retry-After`, as the gateway sends it.
    #[serde(default)]
    pub throttle: Option<String>,
    /// The gateway's answer once an access key is locked after repeated signature failures:
    /// 401 with the plain-text body `AK access failed to reach the limit,forbidden.`
    #[serde(default)]
    pub ak_locked: bool,
    /// A 200 whose body is this text (e.g. torn JSON); with `status`, that status's body.
    #[serde(default)]
    pub body: Option<String>,
    /// A 200 body of this many bytes (streamed, never held in memory).
    #[serde(default)]
    pub huge_bytes: Option<u64>,
    /// A 200 body that never ends (streamed for as long as the client reads).
    #[serde(default)]
    pub endless: bool,
    /// Invalidate every IAM-issued token, then answer normally (so the request gets a 401
    /// and a password-authenticated client must renew its token). The scenario `token`
    /// stays valid.
    #[serde(default)]
    pub expire_tokens: bool,
    /// How many consecutive requests get this fault.
    #[serde(default = "one")]
    pub times: u32,
}

/// Random faults over all job requests.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomFaults {
    /// Probability that a request is faulted.
    pub rate: f64,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Kinds to draw from: a status (`503`, `429`, ...), `html`, `drop`, `slow`, `malformed`,
    /// `throttle`.
    #[serde(default = "default_kinds")]
    pub kinds: Vec<FaultKind>,
    /// Seconds of `Retry-After` on random 429s when `send_retry_after` is set (and the window
    /// of random `throttle`s).
    #[serde(default = "one")]
    pub retry_after: u32,
    /// Send `Retry-After` with random 429s. Off by default: no published gateway answer
    /// carries it.
    #[serde(default)]
    pub send_retry_after: bool,
    /// Delay of `slow` answers.
    #[serde(default = "default_slow", deserialize_with = "duration")]
    pub slow: Duration,
}

/// A kind of random fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    Status(u16),
    Html,
    Drop,
    Slow,
    Malformed,
    /// The gateway's 429 `APIGW.0308` naming a window of `retry_after` seconds, with no
    /// `Retry-After` header.
    Throttle,
}

impl<'de> Deserialize<'de> for FaultKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let text = match &value {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => {
                return Err(serde::de::Error::custom(
                    "a fault kind is a status or a name",
                ));
            }
        };
        Ok(match text.as_str() {
            "html" => Self::Html,
            "drop" => Self::Drop,
            "slow" => Self::Slow,
            "malformed" => Self::Malformed,
            "throttle" => Self::Throttle,
            other => Self::Status(other.parse().map_err(|_| {
                serde::de::Error::custom(format!(
                    "unknown fault kind `{other}`: use a status, `html`, `drop`, `slow`, `malformed` or `throttle`"
                ))
            })?),
        })
    }
}

fn default_project() -> String {
    "0123456789abcdef0123456789abcdef".into()
}
fn default_token() -> String {
    "sim-token".into()
}
fn default_type() -> String {
    "imsCreateImageByInstance".into()
}
fn default_outcome() -> String {
    "SUCCESS".into()
}
fn default_queued_status() -> String {
    "INIT".into()
}
fn default_not_found_status() -> u16 {
    400
}
fn default_duration() -> Duration {
    Duration::from_secs(4)
}
fn default_slow() -> Duration {
    Duration::from_secs(3)
}
fn default_kinds() -> Vec<FaultKind> {
    vec![
        FaultKind::Status(503),
        FaultKind::Status(429),
        FaultKind::Html,
        FaultKind::Drop,
    ]
}
fn yes() -> bool {
    true
}
fn one<T: From<u8>>() -> T {
    T::from(1)
}

/// The longest time a scenario may name. Far beyond any test, and small enough that the
/// offsets of sub-jobs nested as deep as YAML allows still add up without overflowing.
const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);

fn parse_duration_value(value: &Value) -> Result<Duration, String> {
    let too_long = |shown: &dyn std::fmt::Display| {
        format!("`{shown}` is longer than a simulated time may be (at most 365 days)")
    };
    let duration = match value {
        Value::Number(n) => {
            let seconds = n
                .as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .ok_or_else(|| format!("`{n}` is not a duration"))?;
            Duration::try_from_secs_f64(seconds).map_err(|_| too_long(n))?
        }
        Value::String(s) => crate::time::parse_duration(s)?,
        _ => return Err("a duration is a number of seconds or a text like `2s`".into()),
    };
    if duration > MAX_DURATION {
        let shown: &dyn std::fmt::Display = match value {
            Value::String(s) => s,
            other => other,
        };
        return Err(too_long(shown));
    }
    Ok(duration)
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    parse_duration_value(&Value::deserialize(d)?).map_err(serde::de::Error::custom)
}

fn opt_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    duration(d).map(Some)
}

impl Scenario {
    /// Parses a scenario and checks what serde cannot.
    ///
    /// # Errors
    /// A message naming the problem (and its line, for syntax errors).
    pub fn parse(text: &str) -> Result<Self, String> {
        let scenario: Self = serde_norway::from_str(text).map_err(|e| e.to_string())?;
        scenario.check()?;
        Ok(scenario)
    }

    fn check(&self) -> Result<(), String> {
        crate::api::id::ProjectId::parse(&self.project_id).map_err(|e| e.to_string())?;
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<&JobSpec> = self.jobs.iter().collect();
        while let Some(job) = stack.pop() {
            crate::api::id::JobId::parse(&job.id).map_err(|e| e.to_string())?;
            if !seen.insert(job.id.as_str()) {
                return Err(format!("job id `{}` is declared twice", job.id));
            }
            // A status no HTTP answer can carry would be sent as some other one (a 500),
            // and a script would be tested against a fault it did not ask for.
            if let Some(status) = job
                .faults
                .iter()
                .filter_map(|f| f.status)
                .find(|s| !(200..=599).contains(s))
            {
                return Err(format!(
                    "job `{}`: fault `status: {status}` is not an HTTP status the simulator can answer with (200-599)",
                    job.id
                ));
            }
            stack.extend(&job.sub_jobs);
        }
        if let Some(random) = &self.random_faults
            && !(0.0..=1.0).contains(&random.rate)
        {
            return Err("`random_faults.rate` must be between 0 and 1".into());
        }
        if !(400..=599).contains(&self.not_found_status) {
            return Err("`not_found_status` must be an HTTP error status (400-599)".into());
        }
        Ok(())
    }

    /// The scenario of a plain `imsjob sim`: the examples plus jobs that move.
    #[must_use]
    pub fn builtin() -> Self {
        Self::parse(BUILTIN).unwrap_or_else(|e| panic!("built-in scenario: {e}"))
    }

    /// The scenario of `imsjob demo`.
    #[must_use]
    pub fn demo() -> Self {
        Self::parse(DEMO).unwrap_or_else(|e| panic!("demo scenario: {e}"))
    }
}

const BUILTIN: &str = r"
jobs:
  - id: job-success
    type: imsCreateImageByInstance
    duration: 8s
    image_name: web-server-2024
  - id: job-fail
    type: imsImportImageJob
    duration: 5s
    outcome: FAIL
    error_code: IMG.0194
    fail_reason: 'ImportImageTask-fail:The maximum number of images that can be imported at one time has been reached.'
  - id: job-ova
    type: imsImportOvaImageJob
    duration: 12s
    queued: 1s
    sub_jobs:
      - {id: job-ova-disk-0, type: imsImportImageJob, start: 2s, duration: 6s, image_name: ova-disk-0}
      - {id: job-ova-disk-1, type: imsImportDataImageJob, start: 5s, duration: 6s, image_name: ova-disk-1}
  - id: job-import
    type: imsImportImageJob
    duration: 6s
    queued: 1s
    image_name: imported-2024
    bare_sub_job_id: true
    sub_jobs:
      - {id: job-import-upload, type: imsImportImageJob, start: 1s, duration: 4s, image_name: imported-2024}
  - id: job-slow
    type: imsCopyImageInRegionJob
    duration: 10m
    image_name: copied
  - id: job-flaky
    type: imsNativeExportImageJob
    duration: 6s
    faults: [{status: 503, times: 2}, {status: 429, retry_after: '1'}]
  - id: job-throttled
    type: imsCopyImageInRegionJob
    duration: 4s
    image_name: throttled-copy
    faults: [{throttle: 'limit:5, time:5 second'}]
  - id: job-ak-locked
    type: imsCreateImageByInstance
    duration: 4s
    faults: [{ak_locked: true, times: 1000000}]
  - id: job-pending-payment
    type: createServer
    shape: ecs
    duration: 12s
    queued: 4s
    queued_status: PENDING_PAYMENT
    sub_jobs:
      - {id: job-pending-payment-vm, type: createSingleServer, start: 4s, duration: 8s}
  - id: job-ecs
    type: createServer
    shape: ecs
    duration: 8s
    queued: 1s
    sub_jobs:
      - {id: job-ecs-vm-0, type: createSingleServer, start: 1s, duration: 5s}
      - {id: job-ecs-vm-1, type: createSingleServer, start: 1s, duration: 7s}
  - id: job-evs
    type: batchCreateVolume
    shape: evs
    duration: 6s
    queued: 1s
    sub_jobs:
      - {id: job-evs-volume-0, type: createVolume, start: 1s, duration: 4s}
      - {id: job-evs-volume-1, type: createVolume, start: 1s, duration: 5s}
  - id: job-evs-fail
    type: createVolume
    shape: evs
    duration: 4s
    queued: 1s
    outcome: FAIL
    error_code: EVS.2024
    fail_reason: 'CreateVolumeTask-fail:volume is error!'
  - id: job-bms
    type: baremetalBatchCreate
    shape: bms
    duration: 8s
    queued: 1s
    sub_jobs:
      - {id: job-bms-server-0, type: baremetalSingleCreate, start: 1s, duration: 6s}
";

const DEMO: &str = r"
jobs:
  - id: demo-ova-import
    type: imsImportOvaImageJob
    duration: 7s
    queued: 1s
    sub_jobs:
      - {id: demo-ova-disk-0, type: imsImportImageJob, start: 1s, duration: 4s, image_name: demo-system-disk}
      - {id: demo-ova-disk-1, type: imsImportDataImageJob, start: 3s, duration: 4s, image_name: demo-data-disk}
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_scenarios_parse() {
        assert_eq!(Scenario::builtin().jobs.len(), 13);
        assert_eq!(Scenario::demo().jobs[0].sub_jobs.len(), 2);
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(
            Scenario::parse("jobs: [{id: '../x'}]")
                .expect_err("refused")
                .contains("invalid job id")
        );
        assert!(
            Scenario::parse("jobs: [{id: a}, {id: a}]")
                .expect_err("refused")
                .contains("twice")
        );
        assert!(
            Scenario::parse("jobz: []")
                .expect_err("refused")
                .contains("unknown field")
        );
        // serde_norway places an error raised by a field's own deserializer at the start of
        // the mapping holding it (the job entry, line 2), not at the field (line 3).
        let error = Scenario::parse("jobs:\n  - id: a\n    duration: [1]\n").expect_err("refused");
        assert!(error.contains("jobs[0]"), "{error}");
        assert!(error.contains("line 2"), "{error}");
        let error = Scenario::parse("jobs:\n  - id: a\n    duration: 1s\n   bad indent\n")
            .expect_err("refused");
        assert!(error.contains("line 4"), "{error}");
    }

    #[test]
    fn json_is_accepted() {
        let scenario =
            Scenario::parse(r#"{"jobs": [{"id": "a", "duration": 1.5}]}"#).expect("json");
        assert_eq!(scenario.jobs[0].duration, Duration::from_millis(1500));
    }
}
