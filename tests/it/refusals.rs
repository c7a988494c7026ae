//! Refused credentials end a run: `get` and `tree` of many ids send one request when the API
//! refuses the credentials (a locked or wrong access key, a revoked token), make at most one
//! IAM login after a failed one, and spend one request timeout on a hanging IAM, not one per
//! id. A stand-in server on 127.0.0.1 plays IMS and IAM and counts what it receives.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::report;
use crate::test::{Exit, Ran, Test};

const PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";

/// What the stand-in answers: an HTTP response, or nothing at all (the connection is held
/// open until the client gives up).
#[derive(Clone)]
enum Answer {
    Send(String),
    Hang,
}

fn http(status: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut text = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        let _ = write!(text, "{name}: {value}\r\n");
    }
    text.push_str("\r\n");
    text.push_str(body);
    Answer::Send(text)
}

/// A token IAM issues, valid for a day.
fn token_issued() -> Answer {
    let expires = std::time::SystemTime::now() + Duration::from_secs(24 * 3600);
    let secs = expires
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let expires_at = jiff::Timestamp::from_second(i64::try_from(secs).expect("fits"))
        .expect("a time")
        .to_string();
    let body = serde_json::json!({"token": {
        "expires_at": expires_at,
        "project": {"id": PROJECT_ID},
        "catalog": []
    }});
    http(
        "201 Created",
        &[
            ("X-Subject-Token", "issued-token"),
            ("content-type", "application/json"),
        ],
        &body.to_string(),
    )
}

fn job_answer(path: &str) -> Answer {
    let id = path.rsplit('/').next().unwrap_or_default();
    http(
        "200 OK",
        &[("content-type", "application/json")],
        &serde_json::json!({"job_id": id, "status": "SUCCESS", "job_type": "t"}).to_string(),
    )
}

type Rule = dyn Fn(&str, &str) -> Answer + Send + Sync;

/// IMS and IAM on one port: `rule` answers (method, path); counts job requests and logins.
struct StandIn {
    base: String,
    jobs: Arc<AtomicUsize>,
    logins: Arc<AtomicUsize>,
    rule: Arc<Mutex<Arc<Rule>>>,
}

impl StandIn {
    fn start(rule: impl Fn(&str, &str) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let jobs = Arc::new(AtomicUsize::new(0));
        let logins = Arc::new(AtomicUsize::new(0));
        let rule: Arc<Mutex<Arc<Rule>>> = Arc::new(Mutex::new(Arc::new(rule)));
        let (j, l, r) = (jobs.clone(), logins.clone(), rule.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (j, l, r) = (j.clone(), l.clone(), r.clone());
                std::thread::spawn(move || serve(stream, &j, &l, &r));
            }
        });
        Self {
            base,
            jobs,
            logins,
            rule,
        }
    }

    fn set_rule(&self, rule: impl Fn(&str, &str) -> Answer + Send + Sync + 'static) {
        *self.rule.lock().expect("rule") = Arc::new(rule);
    }

    fn reset(&self) {
        self.jobs.store(0, Ordering::SeqCst);
        self.logins.store(0, Ordering::SeqCst);
    }

    fn counts(&self) -> (usize, usize) {
        (
            self.jobs.load(Ordering::SeqCst),
            self.logins.load(Ordering::SeqCst),
        )
    }
}

fn serve(mut stream: TcpStream, jobs: &AtomicUsize, logins: &AtomicUsize, rule: &Mutex<Arc<Rule>>) {
    let mut head = Vec::new();
    let mut byte = [0_u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).unwrap_or(0) != 1 {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0_u8; length];
    if stream.read_exact(&mut body).is_err() {
        return;
    }
    let mut words = head.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if path.contains("/jobs/") {
        jobs.fetch_add(1, Ordering::SeqCst);
    } else if path.ends_with("/auth/tokens") {
        logins.fetch_add(1, Ordering::SeqCst);
    }
    let rule = rule.lock().expect("rule").clone();
    match rule(method, path) {
        Answer::Send(text) => {
            let _ = stream.write_all(text.as_bytes());
        }
        // Held until the client gives up and closes.
        Answer::Hang => while stream.read(&mut byte).unwrap_or(0) == 1 {},
    }
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("job-{i:03}")).collect()
}

/// `imsjob get` (or another command) of `ids` with `env`, in a home that persists across runs.
fn imsjob_in(home: &std::path::Path, env: &[(&str, String)], args: &[String]) -> Test {
    Test::home(home)
        .envs(env.iter().map(|(name, value)| (*name, value)))
        .args(args)
}

/// A finished run, and how long it took.
struct Run {
    ran: Ran,
    elapsed: Duration,
}

fn timed(test: Test) -> Run {
    let started = Instant::now();
    let ran = test.run();
    Run {
        ran,
        elapsed: started.elapsed(),
    }
}

fn get_args(n: usize) -> Vec<String> {
    let mut args = vec!["get".to_owned()];
    args.extend(ids(n));
    args
}

fn aksk_env(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("IMSJOB_ENDPOINT", base.to_owned()),
        ("OS_PROJECT_ID", PROJECT_ID.to_owned()),
        ("OS_ACCESS_KEY", "REFUSEDACCESSKEY0000".to_owned()),
        ("OS_SECRET_KEY", "refused-secret-5ecret".to_owned()),
    ]
}

fn password_env(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("IMSJOB_ENDPOINT", base.to_owned()),
        ("OS_AUTH_URL", format!("{base}/v3")),
        ("OS_USERNAME", "it-user".to_owned()),
        ("OS_PASSWORD", "changed-password-5ecret".to_owned()),
        ("OS_USER_DOMAIN_NAME", "IT-DOMAIN".to_owned()),
        ("OS_PROJECT_ID", PROJECT_ID.to_owned()),
    ]
}

/// Exit 3, every other id of `n` named as not attempted, and no secret shown.
fn stopped_at_the_refusal(test: Test, n: usize) -> Test {
    test.expect_exit(Exit::AuthRefused)
        .stderr_has(format!("{} job(s) not attempted", n - 1))
        .output_lacks("5ecret")
}

/// One job error only.
fn assert_one_job_error(ran: &Ran) {
    assert_eq!(
        ran.stderr.matches("error: job ").count(),
        1,
        "{}",
        ran.stderr
    );
}

#[test]
fn a_refused_access_key_costs_one_request_for_two_hundred_ids() {
    let bodies = [
        (
            "plain-text lock",
            http(
                "401 Unauthorized",
                &[("content-type", "text/plain")],
                "AK access failed to reach the limit,forbidden.",
            ),
        ),
        (
            "APIGW.0301",
            http(
                "401 Unauthorized",
                &[("content-type", "application/json")],
                r#"{"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information: verify aksk signature fail", "request_id": "r1"}"#,
            ),
        ),
        (
            "403",
            http(
                "403 Forbidden",
                &[("content-type", "application/json")],
                r#"{"error_code": "APIGW.0302", "error_msg": "The IAM user is not authorized to access the API", "request_id": "r2"}"#,
            ),
        ),
    ];
    for (name, refusal) in bodies {
        let stand_in = StandIn::start(move |_, _| refusal.clone());
        let home = tempfile::tempdir().expect("home");
        let run = timed(
            stopped_at_the_refusal(
                imsjob_in(home.path(), &aksk_env(&stand_in.base), &get_args(200)),
                200,
            )
            .context(name),
        );
        let (jobs, logins) = stand_in.counts();
        report(&format!(
            "AK/SK, {name}: get of 200 ids -> {jobs} request(s), {logins} login(s), exit {:?}, {:?}",
            run.ran.code(),
            run.elapsed
        ));
        assert_one_job_error(&run.ran);
        assert_eq!((jobs, logins), (1, 0), "{name}");
        // In JSON every id keeps its place: the refusal, then `"error": null` (not attempted).
        let mut args = get_args(3);
        args.push("-o".into());
        args.push("json".into());
        let document = imsjob_in(home.path(), &aksk_env(&stand_in.base), &args)
            .any_exit()
            .run()
            .json();
        assert!(document[0]["error"]["status"].is_u64(), "{document}");
        assert_eq!(
            document[1],
            serde_json::json!({"job_id": "job-001", "error": null})
        );
    }
}

#[test]
fn a_revoked_token_and_a_changed_password_cost_one_request_and_one_login() {
    let stand_in = StandIn::start(|method, path| match (method, path) {
        ("POST", _) => token_issued(),
        (_, path) => job_answer(path),
    });
    let home = tempfile::tempdir().expect("home");
    let env = password_env(&stand_in.base);
    // A first run logs in and caches the token.
    imsjob_in(home.path(), &env, &get_args(1)).run();
    assert_eq!(stand_in.counts(), (1, 1));
    // The token is revoked and the password changed: IMS and IAM both refuse.
    stand_in.set_rule(|method, _| match method {
        "POST" => http(
            "401 Unauthorized",
            &[("content-type", "application/json")],
            r#"{"error": {"code": 401, "title": "Unauthorized", "message": "The username or password is wrong."}}"#,
        ),
        _ => http(
            "401 Unauthorized",
            &[("content-type", "application/json")],
            r#"{"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information: token expired"}"#,
        ),
    });
    stand_in.reset();
    let refused = timed(stopped_at_the_refusal(
        imsjob_in(home.path(), &env, &get_args(200)),
        200,
    ));
    let (jobs, logins) = stand_in.counts();
    report(&format!(
        "password, revoked cached token + changed password: get of 200 ids -> {jobs} request(s), {logins} login(s), exit {:?}, {:?}",
        refused.ran.code(),
        refused.elapsed
    ));
    assert_one_job_error(&refused.ran);
    assert_eq!((jobs, logins), (1, 1));
    // The refused token left the cache: the next run logs in first, is refused there, and
    // sends nothing to IMS.
    stand_in.reset();
    imsjob_in(home.path(), &env, &["tree".into(), "job-000".into()])
        .expect_exit(Exit::AuthRefused)
        .run();
    assert_eq!(stand_in.counts(), (0, 1));
}

#[test]
fn a_hanging_iam_costs_one_request_timeout_for_two_hundred_ids() {
    let stand_in = StandIn::start(|method, path| match (method, path) {
        ("POST", _) => token_issued(),
        (_, path) => job_answer(path),
    });
    let home = tempfile::tempdir().expect("home");
    let env = password_env(&stand_in.base);
    imsjob_in(home.path(), &env, &get_args(1)).run();
    // The cached token is refused, and IAM no longer answers at all.
    stand_in.set_rule(|method, _| match method {
        "POST" => Answer::Hang,
        _ => http(
            "401 Unauthorized",
            &[],
            r#"{"error": {"code": 401, "message": "token revoked"}}"#,
        ),
    });
    stand_in.reset();
    let mut args = vec!["--request-timeout".to_owned(), "2s".to_owned()];
    args.extend(get_args(200));
    let hung = timed(
        imsjob_in(home.path(), &env, &args)
            .expect_exit(Exit::Unavailable)
            .stderr_has("199 job(s) not attempted")
            .stdout_has("job-199"),
    );
    let (jobs, logins) = stand_in.counts();
    report(&format!(
        "password, revoked token + hanging IAM (2s timeout): get of 200 ids -> {jobs} request(s), {logins} login(s), exit {:?}, {:?}",
        hung.ran.code(),
        hung.elapsed
    ));
    assert_eq!((jobs, logins), (1, 1), "{}", hung.ran.stderr);
    assert!(hung.elapsed < Duration::from_secs(10), "{:?}", hung.elapsed);
}
