//! The simulator: a real HTTP server on 127.0.0.1 that serves the jobs APIs of IMS, ECS, EVS
//! and BMS (each on its own path prefix) with their published example bodies, jobs moving
//! along scripted timelines, the services' and the API gateway's published errors, and
//! injected faults. `imsjob sim`
//! runs it for people and scripts; `imsjob demo` and the tests run it in-process or as a
//! child process.

pub(crate) mod endpoints;
pub(crate) mod iam;
pub(crate) mod scenario;
pub(crate) mod state;
pub(crate) mod tls;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::UnsyncBoxBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::time::Instant;

use std::fmt::Write as _;

use crate::auth::aksk::IncomingRequest;
use crate::service::Service;
use crate::sim::endpoints::service_base;
use crate::sim::iam::{SimIam, SimResponse};
use scenario::{Fault, FaultKind, Scenario};
use state::{Jobs, Lookup};

type Body = UnsyncBoxBody<Bytes, std::io::Error>;

/// One request as the simulator saw it (served at `GET /_sim/requests`).
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Seen {
    pub seq: u64,
    /// Milliseconds since the simulator started.
    pub at_ms: u64,
    pub method: String,
    pub path: String,
    pub job_id: Option<String>,
    /// The HTTP status answered; 0 when the connection was dropped (on purpose, or by a
    /// client that stopped waiting).
    pub status: u16,
    pub fault: Option<String>,
}

/// The request log: the latest [`LOG_CAPACITY`] requests, and how many there were in all.
/// A simulator may run for days under a load test: it must not keep every request.
#[derive(Default)]
struct RequestLog {
    recent: std::collections::VecDeque<Seen>,
    total: u64,
}

/// Requests kept in the log; older ones are dropped (their `seq` numbers stay unique).
const LOG_CAPACITY: usize = 50_000;

/// The longest path kept in the log: what a test looks for is at the start.
const LOG_PATH_BYTES: usize = 512;

impl RequestLog {
    /// The number the next request will be logged under.
    fn next_seq(&mut self) -> u64 {
        self.total += 1;
        self.total
    }

    fn push(&mut self, mut seen: Seen) {
        shorten(&mut seen.path);
        if let Some(job_id) = &mut seen.job_id {
            shorten(job_id);
        }
        if self.recent.len() == LOG_CAPACITY {
            self.recent.pop_front();
        }
        self.recent.push_back(seen);
    }
}

/// Cuts `text` to [`LOG_PATH_BYTES`] (marked with `…`), into a string of its own size: a
/// truncated string would keep its whole allocation.
fn shorten(text: &mut String) {
    if text.len() <= LOG_PATH_BYTES {
        return;
    }
    let mut cut = LOG_PATH_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    *text = format!("{}…", &text[..cut]);
}

struct Shared {
    jobs: Mutex<Jobs>,
    iam: SimIam,
    base_url: String,
    log: Mutex<RequestLog>,
    rng: Mutex<fastrand::Rng>,
    started: Instant,
}

/// A running simulator.
pub(crate) struct SimHandle {
    pub addr: SocketAddr,
    pub project_id: String,
    pub token: String,
    pub job_ids: Vec<String>,
    /// The documented examples served (none with `examples: false`): job id and example name.
    pub example_ids: Vec<(String, &'static str)>,
    /// With `--tls`: the PEM file of the self-signed certificate served.
    pub cacert: Option<std::path::PathBuf>,
    /// Export lines for the other ways to authenticate (AK/SK, password), as shell comments.
    pub other_exports: String,
}

impl SimHandle {
    #[must_use]
    pub(crate) fn endpoint(&self) -> String {
        let scheme = if self.cacert.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The lines a user pastes into a shell. With TLS, the certificate's path follows as a
    /// comment: it is deliberately not exported, so that refusing it can be tried first.
    #[must_use]
    pub(crate) fn exports(&self) -> String {
        let mut text = format!(
            "export IMSJOB_ENDPOINT={}\nexport OS_PROJECT_ID={}\nexport OS_AUTH_TOKEN={}\n",
            self.endpoint(),
            self.project_id,
            self.token
        );
        if let Some(path) = &self.cacert {
            let _ = writeln!(text, "# cacert: {}", path.display());
        }
        text
    }

    /// [`Self::exports`] followed by the AK/SK and password alternatives as comments.
    #[must_use]
    pub(crate) fn all_exports(&self) -> String {
        format!("{}{}", self.exports(), self.other_exports)
    }
}

/// Binds 127.0.0.1:`port` and serves plain HTTP in the background of the current runtime.
///
/// # Errors
/// When the port cannot be bound.
pub(crate) async fn start(scenario: Scenario, port: u16) -> std::io::Result<SimHandle> {
    start_with(scenario, port, None).await
}

/// Like [`start`]; with `tls`, serves HTTPS with that certificate instead.
///
/// # Errors
/// When the port cannot be bound.
pub(crate) async fn start_with(
    scenario: Scenario,
    port: u16,
    tls: Option<tls::SelfSigned>,
) -> std::io::Result<SimHandle> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let seed = scenario
        .random_faults
        .as_ref()
        .and_then(|r| r.seed)
        .unwrap_or_else(|| fastrand::u64(..));
    let base_url = format!("{}://{addr}", if tls.is_some() { "https" } else { "http" });
    let iam =
        SimIam::new(scenario.auth.identity(&scenario.project_id)).with_fixed_token(&scenario.token);
    let mut other_exports = String::new();
    let _ = writeln!(
        other_exports,
        "# ECS, EVS and BMS jobs are found only on their own endpoints: set IMSJOB_ENDPOINT to one of"
    );
    for service in [Service::Ecs, Service::Evs, Service::Bms] {
        let _ = writeln!(
            other_exports,
            "#   {}: {}",
            service.name(),
            service_base(&base_url, service)
        );
    }
    let _ = writeln!(
        other_exports,
        "# (with the password exports, `--service` finds them in the catalog)"
    );
    for (method, pairs) in iam.exports(&base_url, jiff::Timestamp::now()) {
        if method == "token" {
            continue;
        }
        let _ = writeln!(
            other_exports,
            "# or, with {method} instead of OS_AUTH_TOKEN:"
        );
        for (name, value) in pairs {
            let _ = writeln!(other_exports, "#   export {name}={value}");
        }
    }
    let handle = SimHandle {
        addr,
        project_id: scenario.project_id.clone(),
        token: scenario.token.clone(),
        job_ids: scenario.jobs.iter().map(|j| j.id.clone()).collect(),
        example_ids: if scenario.examples {
            state::example_ids()
        } else {
            Vec::new()
        },
        cacert: tls.as_ref().map(|t| t.pem_path.clone()),
        other_exports,
    };
    let acceptor = tls.map(|t| t.acceptor);
    let shared = Arc::new(Shared {
        jobs: Mutex::new(Jobs::new(scenario)),
        iam,
        base_url,
        log: Mutex::new(RequestLog::default()),
        rng: Mutex::new(fastrand::Rng::with_seed(seed)),
        started: Instant::now(),
    });
    tokio::spawn(async move {
        // After a failed accept (out of file descriptors, most often), wait before the next
        // try, longer each time: retrying at once would spin at full speed until a descriptor
        // is freed.
        let mut pause = ACCEPT_PAUSE_MIN;
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => {
                    pause = ACCEPT_PAUSE_MIN;
                    stream
                }
                Err(_) => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(ACCEPT_PAUSE_MAX);
                    continue;
                }
            };
            // As real gateways do: without it, a TLS answer written in several records waits
            // on the client's delayed ACK (tens of milliseconds per request on loopback).
            let _ = stream.set_nodelay(true);
            let shared = shared.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let shared = shared.clone();
                    async move { serve_request(&shared, request).await }
                });
                let http = hyper::server::conn::http1::Builder::new();
                // A connection that ends badly (client gone, dropped on purpose, a client
                // that refused our certificate) is routine.
                match acceptor {
                    None => {
                        let _ = http
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    }
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            let _ = http
                                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                                .await;
                        }
                    }
                }
            });
        }
    });
    Ok(handle)
}

/// The first and the longest pause after a failed accept.
const ACCEPT_PAUSE_MIN: Duration = Duration::from_millis(10);
const ACCEPT_PAUSE_MAX: Duration = Duration::from_millis(500);

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these structures half-updated in a way
    // that matters for a simulator; keep serving.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn full(body: impl Into<Bytes>) -> Body {
    Full::new(body.into())
        .map_err(|never: Infallible| match never {})
        .boxed_unsync()
}

fn json_response(status: u16, body: &Value, request_id: &str) -> Response<Body> {
    let mut response = Response::new(full(body.to_string()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// A fresh request id as the gateway writes them: 32 lowercase hex digits, the same in the
/// `X-Request-Id` header and in the body of an error.
fn new_request_id() -> String {
    format!("{:032x}", fastrand::u128(..))
}

/// Each service's documented answer when a job query finds nothing: the code and message
/// of its error table. IMS: `IMG.0023`; ECS: `Common.0011` "Failed to query system tasks."
/// (BMS, which publishes no such row, is answered like ECS); EVS: `Common.0011` "query job
/// fail.". None of them has a job-specific "not found" code.
fn query_failed(service: Service) -> (&'static str, &'static str) {
    match service {
        Service::Ims => ("IMG.0023", "An exception occurred during task query."),
        Service::Ecs | Service::Bms => ("Common.0011", "Failed to query system tasks."),
        Service::Evs => ("Common.0011", "query job fail."),
    }
}

/// The API gateway's error shape, `error_msg` first as published.
fn gateway_error(status: u16, code: &str, message: &str, request_id: &str) -> Response<Body> {
    json_response(
        status,
        &json!({"error_msg": message, "error_code": code, "request_id": request_id}),
        request_id,
    )
}

/// The gateway's answer for a path or method no API is published under. The gateway table
/// has one text for an unknown path and another for an unknown method.
fn no_such_api(request_id: &str, method_only: bool) -> Response<Body> {
    let message = if method_only {
        "The API does not exist."
    } else {
        "The API does not exist or has not been published in the environment."
    };
    gateway_error(404, "APIGW.0101", message, request_id)
}

/// The services' own error shape (`{"error": {"message", "code"}}`, as the EVS API reference
/// shows it).
fn ims_error(status: u16, code: &str, message: &str, request_id: &str) -> Response<Body> {
    json_response(
        status,
        &json!({"error": {"message": message, "code": code}}),
        request_id,
    )
}

/// A status-only fault with the body the gateway table gives that status (api-gateway
/// docs, "Error Codes"): 500, 502 and 504 are `APIGW.0201` with the table's texts, 503 is
/// IAM unavailable (`APIGW.0613`), 429 is `APIGW.0308` without `Retry-After` unless the
/// scenario adds one. A 400 or 404 is the service's failed job query.
fn status_fault(
    status: u16,
    retry_after: Option<&str>,
    service: Service,
    request_id: &str,
) -> Response<Body> {
    let mut response = match status {
        429 => gateway_error(
            429,
            "APIGW.0308",
            "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second",
            request_id,
        ),
        401 => gateway_error(
            401,
            "APIGW.0301",
            "Incorrect IAM authentication information: decrypt token fail",
            request_id,
        ),
        403 => gateway_error(
            403,
            "APIGW.0302",
            "The IAM user is not authorized to access the API.",
            request_id,
        ),
        500 => gateway_error(
            500,
            "APIGW.0201",
            "An unexpected error occurred",
            request_id,
        ),
        502 => gateway_error(502, "APIGW.0201", "Backend unavailable.", request_id),
        504 => gateway_error(504, "APIGW.0201", "Backend timeout.", request_id),
        503 => gateway_error(
            503,
            "APIGW.0613",
            "The IAM service is currently unavailable.",
            request_id,
        ),
        400 | 404 => {
            let (code, message) = query_failed(service);
            ims_error(status, code, message, request_id)
        }
        other => gateway_error(
            other,
            "APIGW.0201",
            "An unexpected error occurred",
            request_id,
        ),
    };
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

/// The gateway's throttling answer as published: `APIGW.0308`, the policy and its window in
/// the message, and no `Retry-After` (a client has to read the window).
fn throttled(window: &str, request_id: &str) -> Response<Body> {
    gateway_error(
        429,
        "APIGW.0308",
        &format!("The throttling threshold has been reached: policy ip over ratelimit, {window}"),
        request_id,
    )
}

/// The gateway's answer for a locked access key: a 401 whose body is plain text, not JSON.
fn ak_locked(request_id: &str) -> Response<Body> {
    let mut response = Response::new(full("AK access failed to reach the limit,forbidden."));
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

fn html_502(request_id: &str) -> Response<Body> {
    let mut response = Response::new(full(
        "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
    ));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// A 200 body of `size` bytes produced on the fly, never held whole.
fn huge_body(size: u64, request_id: &str) -> Response<Body> {
    const CHUNK: usize = 64 * 1024;
    let chunk = Bytes::from(vec![b' '; CHUNK]);
    let stream = futures_util::stream::unfold(size, move |left| {
        let chunk = chunk.clone();
        async move {
            if left == 0 {
                return None;
            }
            let n = usize::try_from(left).unwrap_or(CHUNK).min(CHUNK);
            Some((
                Ok::<_, std::io::Error>(Frame::data(chunk.slice(..n))),
                left - n as u64,
            ))
        }
    });
    let mut response = Response::new(StreamBody::new(stream).boxed_unsync());
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// A 200 body that never ends: a JSON-looking prefix, then spaces for ever.
fn endless_body(request_id: &str) -> Response<Body> {
    const CHUNK: usize = 64 * 1024;
    let chunk = Bytes::from(vec![b' '; CHUNK]);
    let head = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(Frame::data(Bytes::from_static(b"{\"job_id\": ")))
    });
    let tail = futures_util::stream::repeat_with(move || Ok(Frame::data(chunk.clone())));
    let stream = futures_util::StreamExt::chain(head, tail);
    let mut response = Response::new(StreamBody::new(stream).boxed_unsync());
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Turns a random draw into a concrete fault.
fn random_fault(shared: &Shared) -> Option<Fault> {
    let jobs = lock(&shared.jobs);
    let random = jobs.scenario().random_faults.as_ref()?;
    let mut rng = lock(&shared.rng);
    if random.kinds.is_empty() || rng.f64() >= random.rate {
        return None;
    }
    let kind = random.kinds[rng.usize(..random.kinds.len())].clone();
    let mut fault = Fault {
        status: None,
        retry_after: None,
        delay: None,
        drop: false,
        html: false,
        throttle: None,
        ak_locked: false,
        body: None,
        huge_bytes: None,
        endless: false,
        expire_tokens: false,
        times: 1,
    };
    match kind {
        FaultKind::Status(status) => {
            fault.status = Some(status);
            // No published gateway answer carries `Retry-After`; a scenario may ask for it.
            if status == 429 && random.send_retry_after {
                fault.retry_after = Some(random.retry_after.to_string());
            }
        }
        FaultKind::Html => fault.html = true,
        FaultKind::Drop => fault.drop = true,
        FaultKind::Slow => fault.delay = Some(random.slow),
        FaultKind::Malformed => fault.body = Some("{\"job_id\": \"torn".into()),
        FaultKind::Throttle => {
            fault.throttle = Some(format!("limit:10, time:{} second", random.retry_after));
        }
    }
    Some(fault)
}

/// The name a fault is logged under; `None` for a placeholder that changes nothing (used to
/// let a job's first requests pass before a scripted fault).
fn describe(fault: &Fault) -> Option<String> {
    Some(if fault.drop {
        "drop".into()
    } else if fault.html {
        "html".into()
    } else if fault.throttle.is_some() {
        "throttle".into()
    } else if fault.ak_locked {
        "ak_locked".into()
    } else if let Some(status) = fault.status {
        status.to_string()
    } else if fault.body.is_some() {
        "body".into()
    } else if fault.huge_bytes.is_some() {
        "huge".into()
    } else if fault.endless {
        "endless".into()
    } else if fault.expire_tokens {
        "expire_tokens".into()
    } else if fault.delay.is_some() {
        "delay".into()
    } else {
        return None;
    })
}

async fn serve_request(
    shared: &Shared,
    request: Request<Incoming>,
) -> Result<Response<Body>, std::io::Error> {
    let now = Instant::now();
    let at_ms = u64::try_from(now.duration_since(shared.started).as_millis()).unwrap_or(u64::MAX);
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    if path == "/_sim/requests" {
        // Serialised under the lock, without copying the entries first; the log request
        // itself is not logged.
        let body = serde_json::to_vec(&lock(&shared.log).recent).unwrap_or_default();
        let mut response = Response::new(full(body));
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Ok(value) = HeaderValue::from_str(&new_request_id()) {
            headers.insert("x-request-id", value);
        }
        return Ok(response);
    }
    let seq = lock(&shared.log).next_seq();
    let request_id = new_request_id();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    // `/ecs/...`, `/evs/...`, `/bms/...`: that service's endpoint; anything else is IMS's
    // (and IAM's, which shares the root).
    let (service, route) = match segments.split_first() {
        Some((&"ecs", rest)) => (Service::Ecs, rest),
        Some((&"evs", rest)) => (Service::Evs, rest),
        Some((&"bms", rest)) => (Service::Bms, rest),
        _ => (Service::Ims, segments.as_slice()),
    };
    let get = request.method() == hyper::Method::GET;

    // Version discovery and IAM answer without job faults: logged as they are.
    let plain = |response: Response<Body>, method: String, path: String| {
        lock(&shared.log).push(Seen {
            seq,
            at_ms,
            method,
            path,
            job_id: None,
            status: response.status().as_u16(),
            fault: None,
        });
        Ok(response)
    };
    if service == Service::Ims {
        if let ["" | "v3"] = route {
            let response = if get {
                version_discovery(&shared.base_url, route[0] == "v3", &request_id)
            } else {
                no_such_api(&request_id, true)
            };
            return plain(response, method, path);
        }
        if let ["v3", "auth", "tokens" | "catalog" | "projects"] | ["v3", "projects"] = route {
            let response = serve_iam(shared, request, &request_id).await;
            return plain(response, method, path);
        }
    }

    // The jobs API of every service, and IMS's progress API (`GET /v1/cloudimages/job/{id}`,
    // huaweicloudsdkims `ShowJobProgress`), which names no project in its path.
    let job = match route {
        ["v1", project, "jobs", job_id] => Some((Some(*project), *job_id)),
        ["v1", "cloudimages", "job", job_id] if service == Service::Ims => Some((None, *job_id)),
        _ => None,
    };

    let mut entry = LogOnDrop {
        shared,
        seen: Some(Seen {
            seq,
            at_ms,
            method,
            path: path.clone(),
            job_id: None,
            status: 0,
            fault: None,
        }),
    };
    let response = match job {
        // The gateway knows the path but not the method: no API, before any backend fault.
        Some(_) if !get => Some(no_such_api(&request_id, true)),
        Some((project, job_id)) => {
            let scripted = lock(&shared.jobs).next_fault(service, job_id);
            let fault = scripted.or_else(|| random_fault(shared));
            if let Some(seen) = entry.seen.as_mut() {
                seen.job_id = Some(job_id.to_owned());
                seen.fault = fault.as_ref().and_then(describe);
            }
            // If the client gives up first (a delay past its timeout), hyper drops this
            // future here; the entry is still logged, with status 0.
            answer_job(
                shared,
                &request,
                JobRequest {
                    service,
                    project,
                    job_id,
                },
                fault.as_ref(),
                &request_id,
            )
            .await
        }
        None => Some(no_such_api(&request_id, false)),
    };
    if let Some(seen) = entry.seen.as_mut() {
        seen.status = response.as_ref().map_or(0, |r| r.status().as_u16());
    }
    drop(entry);
    // `None` means: drop the connection without answering.
    response.ok_or_else(|| std::io::Error::other("connection dropped on purpose"))
}

/// Logs a request when its handling ends, however it ends.
struct LogOnDrop<'a> {
    shared: &'a Shared,
    seen: Option<Seen>,
}

impl Drop for LogOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(seen) = self.seen.take() {
            lock(&self.shared.log).push(seen);
        }
    }
}

/// Keystone's version discovery, which keystoneauth-based tools (openstacksdk,
/// python-otcextensions) probe before authenticating: `GET /v3` is the version document,
/// `GET /` lists the versions with 300 Multiple Choices.
fn version_discovery(base_url: &str, v3: bool, request_id: &str) -> Response<Body> {
    let version = json!({
        "id": "v3.0",
        "status": "stable",
        "updated": "2013-03-06T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{base_url}/v3/")}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
    });
    if v3 {
        json_response(200, &json!({"version": version}), request_id)
    } else {
        json_response(300, &json!({"versions": {"values": [version]}}), request_id)
    }
}

/// Largest IAM request body read (a token request is a few hundred bytes).
const MAX_IAM_BODY: usize = 64 * 1024;

fn sim_response(answer: SimResponse, request_id: &str) -> Response<Body> {
    let mut response = json_response(answer.status, &Value::Null, request_id);
    // A gateway body names the answer's request id, the one in `X-Request-Id`.
    let body = match serde_json::from_slice::<Value>(&answer.body) {
        Ok(Value::Object(mut map)) if map.contains_key("request_id") => {
            map.insert("request_id".into(), json!(request_id));
            Value::Object(map).to_string().into_bytes()
        }
        _ => answer.body,
    };
    *response.body_mut() = full(body);
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// `POST /v3/auth/tokens`, `GET /v3/auth/catalog`, `GET /v3/auth/projects` and
/// `GET /v3/projects`, answered by the simulated IAM.
async fn serve_iam(
    shared: &Shared,
    request: Request<Incoming>,
    request_id: &str,
) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let body = match http_body_util::Limited::new(body, MAX_IAM_BODY)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return gateway_error(413, "APIGW.0201", "Request entity too large.", request_id);
        }
    };
    let now = jiff::Timestamp::now();
    let incoming = IncomingRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
        body: &body,
    };
    let answer = match (
        parts.method.as_str(),
        parts.uri.path().trim_end_matches('/'),
    ) {
        ("POST", "/v3/auth/tokens") => {
            shared
                .iam
                .handle_token_request(&body, &shared.base_url, now)
        }
        ("GET", "/v3/projects") => shared.iam.handle_projects(&incoming, now),
        ("GET", "/v3/auth/catalog") => shared.iam.handle_catalog(&incoming, &shared.base_url, now),
        ("GET", "/v3/auth/projects") => {
            shared
                .iam
                .handle_auth_projects(&incoming, &shared.base_url, now)
        }
        _ => return no_such_api(request_id, true),
    };
    sim_response(answer, request_id)
}

/// Which job a request asks for, and where.
struct JobRequest<'a> {
    service: Service,
    /// From the path; the progress API names none (the credentials' project is used).
    project: Option<&'a str>,
    job_id: &'a str,
}

async fn answer_job(
    shared: &Shared,
    request: &Request<Incoming>,
    job: JobRequest<'_>,
    fault: Option<&Fault>,
    request_id: &str,
) -> Option<Response<Body>> {
    if let Some(fault) = fault {
        if let Some(delay) = fault.delay {
            tokio::time::sleep(delay).await;
        }
        if fault.drop {
            return None;
        }
        if fault.html {
            return Some(html_502(request_id));
        }
        if let Some(window) = &fault.throttle {
            return Some(throttled(window, request_id));
        }
        if fault.ak_locked {
            return Some(ak_locked(request_id));
        }
        if let Some(status) = fault.status {
            let mut response = status_fault(
                status,
                fault.retry_after.as_deref(),
                job.service,
                request_id,
            );
            // A status with a body of the scenario's choosing (a hostile error message).
            if let Some(body) = &fault.body {
                *response.body_mut() = full(body.clone());
            }
            return Some(response);
        }
        if let Some(body) = &fault.body {
            let mut response = json_response(200, &Value::Null, request_id);
            *response.body_mut() = full(body.clone());
            return Some(response);
        }
        if let Some(size) = fault.huge_bytes {
            return Some(huge_body(size, request_id));
        }
        if fault.endless {
            return Some(endless_body(request_id));
        }
        if fault.expire_tokens {
            shared.iam.expire_tokens();
        }
    }
    let project = job.project.map_or_else(
        || {
            // The progress API: the project of the signature's `X-Project-Id`, else the
            // scenario's (a token carries its own).
            request
                .headers()
                .get(crate::auth::aksk::PROJECT_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .map_or_else(
                    || lock(&shared.jobs).scenario().project_id.clone(),
                    str::to_owned,
                )
        },
        str::to_owned,
    );
    let incoming = IncomingRequest {
        method: request.method().as_str(),
        path: request.uri().path(),
        query: request.uri().query(),
        headers: request.headers(),
        // Job requests are GETs without a body.
        body: b"",
    };
    if let Err(refusal) = shared
        .iam
        .authenticate(&incoming, &project, jiff::Timestamp::now())
    {
        return Some(sim_response(refusal, request_id));
    }
    let lookup = lock(&shared.jobs).lookup(job.service, job.job_id, Instant::now());
    Some(match lookup {
        Lookup::Found(text) => {
            let mut response = json_response(200, &Value::Null, request_id);
            *response.body_mut() = full(text);
            response
        }
        Lookup::NotFound => {
            let (code, message) = query_failed(job.service);
            ims_error(
                lock(&shared.jobs).scenario().not_found_status,
                code,
                message,
                request_id,
            )
        }
    })
}
