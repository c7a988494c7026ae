//! Property tests over every parser of untrusted text: the job document, API times, error
//! bodies and ids (imsjob must not be fooled). No input may panic; what is
//! accepted must round-trip. `PROPTEST_CASES=100000 cargo test --test props` runs long.
//!
//! The fuzz target's body (`fuzz/check.rs`) runs here too, on stable Rust, over the
//! documented examples, their truncations and mutations, and random bytes.

#[path = "../fuzz/check.rs"]
#[expect(
    unreachable_pub,
    reason = "the fuzz targets use these as an outside module; here they are a private one"
)]
mod check;

use std::path::Path;

use imsjob::testing::sanitize;
use imsjob::testing::{ApiError, ErrorBody};
use imsjob::testing::{Job, Status};
use imsjob::testing::{JobId, ProjectId};
use imsjob::testing::{parse_api_time, parse_duration};
use jiff::Timestamp;
use proptest::prelude::*;
use serde_json::{Value, json};

/// The 14 documented example responses, the fuzz target's seed corpus.
fn examples() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sim/examples");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("examples")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect()
}

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("SUCCESS".to_owned()),
            Just("FAIL".to_owned()),
            Just("RUNNING".to_owned()),
            Just(String::new()),
            any::<String>(),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("status".to_owned()),
                        Just("job_id".to_owned()),
                        Just("entities".to_owned()),
                        Just("sub_jobs_result".to_owned()),
                        Just("sub_jobs_list".to_owned()),
                        Just("process_percent".to_owned()),
                        Just("results".to_owned()),
                        Just("begin_time".to_owned()),
                        Just("error".to_owned()),
                        any::<String>(),
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

#[test]
fn seeds_and_every_truncation_of_them_are_handled() {
    for example in examples() {
        check::parse_any(&example);
        for cut in 0..example.len() {
            check::parse_any(&example[..cut]);
        }
        let job = Job::from_value(serde_json::from_slice(&example).expect("JSON")).expect("job");
        assert!(
            job.view.status.is_terminal(),
            "the examples are finished jobs"
        );
    }
}

proptest! {
    #[test]
    fn raw_answers_print_exactly_as_serde_json_would(value in json_value(), spaced in any::<bool>()) {
        use imsjob::testing::Document;
        // Compact or spaced text in, the same pretty document out, hazards escaped alike.
        let text = if spaced {
            serde_json::to_string_pretty(&value).expect("JSON")
        } else {
            value.to_string()
        };
        let raw = serde_json::value::RawValue::from_string(text).expect("JSON");
        let document = Document::Array(vec![Document::Raw(&raw), Document::Value(value.clone())]);
        let expected = imsjob::testing::escape_hazards(
            serde_json::to_string_pretty(&Value::Array(vec![value.clone(), value])).expect("serialises"),
        );
        prop_assert_eq!(document.pretty(), expected);
    }

    #[test]
    fn any_bytes_go_through_every_parser(data in prop::collection::vec(any::<u8>(), 0..4096)) {
        check::parse_any(&data);
    }

    #[test]
    fn mutated_examples_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let examples = examples();
        let mut data = examples[pick.index(examples.len())].clone();
        for (at, byte, kind) in edits {
            if data.is_empty() {
                break;
            }
            let at = at.index(data.len());
            match kind {
                0 => data[at] = byte,
                1 => data.insert(at, byte),
                _ => { data.remove(at); }
            }
        }
        check::parse_any(&data);
    }

    #[test]
    fn examples_with_a_field_replaced_never_panic(
        pick in any::<prop::sample::Index>(),
        key in prop_oneof![
            Just("status"), Just("entities"), Just("begin_time"), Just("end_time"),
            Just("job_id"), Just("error_code"), Just("fail_reason"),
        ],
        inner in prop_oneof![Just(false), Just(true)],
        replacement in json_value(),
    ) {
        let examples = examples();
        let mut doc: Value = serde_json::from_slice(&examples[pick.index(examples.len())]).expect("JSON");
        let target = if inner { &mut doc["entities"] } else { &mut doc };
        if let Value::Object(map) = target {
            map.insert(key.to_owned(), replacement);
        }
        check::parse_any(doc.to_string().as_bytes());
    }

    #[test]
    fn any_json_value_is_judged_and_kept_raw(value in json_value()) {
        let verdict = Job::from_value(value.clone());
        let has_status = value.get("status").is_some_and(Value::is_string);
        prop_assert_eq!(verdict.is_ok(), value.is_object() && has_status);
        if let Ok(job) = verdict {
            prop_assert_eq!(&job.value(), &value);
            let text = value["status"].as_str().unwrap_or_default();
            prop_assert_eq!(job.view.status.as_str(), text);
            // Only the exact upper-case words finish a job.
            prop_assert_eq!(job.view.status.is_terminal(), text == "SUCCESS" || text == "FAIL");
        }
    }

    #[test]
    fn rfc3339_times_round_trip(secs in 0i64..253_402_207_200, millis in 0i32..1000) {
        let ts = Timestamp::new(secs, millis * 1_000_000).expect("in range");
        let text = ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        prop_assert_eq!(parse_api_time(&text), Some(ts));
        prop_assert_eq!(parse_api_time(&format!("  {text}\n")), Some(ts));
    }

    #[test]
    fn legacy_times_round_trip(secs in 0i64..253_402_207_200, millis in 0i32..1000) {
        let ts = Timestamp::new(secs, millis * 1_000_000).expect("in range");
        let text = format!("{}:{millis:03}", ts.strftime("%d-%b-%Y %H:%M:%S"));
        prop_assert_eq!(parse_api_time(&text), Some(ts), "{}", text);
    }

    #[test]
    fn time_like_text_never_panics(
        text in prop_oneof![
            "[0-9]{0,3}-[A-Za-z]{0,4}-[0-9]{0,6} [0-9]{0,3}:[0-9]{0,3}:[0-9]{0,3}:[0-9]{0,12}",
            "[0-9]{0,5}-[0-9]{0,3}-[0-9]{0,3}T[0-9:.]{0,20}[Z+-]?[0-9:]{0,6}",
            any::<String>(),
        ]
    ) {
        let _ = parse_api_time(&text);
        let _ = parse_duration(&text);
    }

    #[test]
    fn error_bodies_round_trip_in_both_shapes(
        code in "[A-Z]{2,5}\\.[0-9]{4}",
        message in "\\PC{1,500}",
        request_id in "[a-f0-9]{1,32}",
    ) {
        // Messages are kept trimmed; one of only whitespace says nothing and is dropped.
        let expected = Some(message.trim()).filter(|m| !m.is_empty());
        let ims = json!({"error": {"code": code, "message": message}}).to_string();
        let parsed = ErrorBody::parse(ims.as_bytes());
        prop_assert_eq!(parsed.code.as_deref(), Some(code.as_str()));
        prop_assert_eq!(parsed.message.as_deref(), expected);
        let gateway = json!({"error_code": code, "error_msg": message, "request_id": request_id}).to_string();
        let parsed = ErrorBody::parse(gateway.as_bytes());
        prop_assert_eq!(parsed.code.as_deref(), Some(code.as_str()));
        prop_assert_eq!(parsed.message.as_deref(), expected);
        prop_assert_eq!(parsed.request_id.as_deref(), Some(request_id.as_str()));
    }

    #[test]
    fn huge_or_hostile_error_messages_are_capped_and_clean(message in "\\PC{501,3000}|[\\x00-\\x1f\\x7f-\\x{9f}a]{1,300}") {
        let body = json!({"error_code": "APIG.0308", "error_msg": message}).to_string();
        let parsed = ErrorBody::parse(body.as_bytes());
        // A message of only whitespace (control characters included) is dropped as empty.
        if let Some(kept) = parsed.message {
            prop_assert!(kept.chars().count() <= 501);
        } else {
            prop_assert!(message.trim().is_empty(), "{:?} was dropped", message);
        }
        let line = ApiError::from_response(429, body.as_bytes(), None, None).to_string();
        prop_assert!(!line.chars().any(char::is_control), "{:?}", line);
    }

    #[test]
    fn valid_ids_are_accepted_and_kept(id in "[A-Za-z0-9-]{1,64}") {
        let parsed = JobId::parse(&id).expect("valid");
        prop_assert_eq!(parsed.as_str(), id.as_str());
        prop_assert!(ProjectId::parse(&id).is_ok());
    }

    #[test]
    fn the_id_validator_matches_its_specification(text in any::<String>()) {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
        let expected = (1..=64).contains(&text.len()) && text.bytes().all(allowed);
        prop_assert_eq!(JobId::parse(&text).is_ok(), expected);
        let project = (1..=64).contains(&text.len()) && text.bytes().all(|b| allowed(b) || b == b'_');
        prop_assert_eq!(ProjectId::parse(&text).is_ok(), project);
    }

    #[test]
    fn hostile_ids_are_refused_with_a_short_clean_message(
        text in "[a-z0-9]{0,8}([/%. _\\\\]|\\.\\.|[^\\x00-\\x7f]|[\\x00-\\x1f])[a-z0-9]{0,8}|[a-z]{65,12000}",
    ) {
        let error = JobId::parse(&text).expect_err("refused").to_string();
        prop_assert!(!error.chars().any(char::is_control), "{:?}", error);
        prop_assert!(error.chars().count() < 200, "{}", error);
    }

    #[test]
    fn sanitising_leaves_no_control_character(text in any::<String>()) {
        let clean = sanitize(&text).into_owned();
        prop_assert!(!clean.chars().any(imsjob::testing::is_hazard));
        prop_assert_eq!(sanitize(&clean), clean.as_str());
        // Text with neither a hazard nor a URL's credentials to hide is shown as it is.
        let credentials = imsjob::testing::redact_userinfo(&text) != text;
        if !text.chars().any(imsjob::testing::is_hazard) && !credentials {
            prop_assert_eq!(clean, text);
        }
    }

    #[test]
    fn credentials_in_urls_are_hidden_and_nothing_else_changes(
        before in "[a-z ]{0,8}", scheme in "[a-z]{1,6}", user in "[a-z0-9:._-]{0,12}",
        host in "[a-z0-9.]{1,12}", after in "(/[a-z]{0,6})?( [a-z]{0,8})?",
    ) {
        let text = format!("{before}{scheme}://{user}@{host}{after}");
        let clean = sanitize(&text).into_owned();
        if user.is_empty() {
            prop_assert_eq!(clean, text);
        } else {
            prop_assert_eq!(clean, format!("{before}{scheme}://<redacted>@{host}{after}"));
        }
    }

    #[test]
    fn status_text_round_trips(text in any::<String>()) {
        let status = Status::parse(&text);
        prop_assert_eq!(status.as_str(), text.as_str());
    }

    #[test]
    fn aksk_canonical_parts_are_total_and_stable(path in any::<String>(), query in any::<String>()) {
        use imsjob::testing::{canonical_query, canonical_uri};
        let uri = canonical_uri(&path);
        prop_assert!(uri.ends_with('/'));
        prop_assert!(uri.is_ascii(), "{}", uri);
        prop_assert_eq!(canonical_uri(&uri), uri.clone(), "canonical once, canonical for good");
        let canonical = canonical_query(&query);
        prop_assert!(canonical.is_ascii());
        prop_assert_eq!(canonical_query(&canonical), canonical.clone());
    }

    #[test]
    fn aksk_dates_round_trip(secs in 0i64..253_402_300_799, text in any::<String>()) {
        use imsjob::testing::{format_sdk_date, parse_sdk_date};
        let ts = Timestamp::new(secs, 0).expect("in range");
        prop_assert_eq!(parse_sdk_date(&format_sdk_date(ts)), Some(ts));
        let _ = parse_sdk_date(&text);
    }

    #[test]
    fn scenario_files_never_panic(text in any::<String>()) {
        let _ = imsjob::testing::Scenario::parse(&text);
    }
}

/// Runs the clouds.yaml loader on `text` as the only clouds file, selecting `otc`.
fn load_clouds(text: &str) -> Result<Option<imsjob::testing::CloudConfig>, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("clouds.yaml");
    std::fs::write(&path, text).expect("write");
    let env = imsjob::testing::ConfigEnv {
        cwd: dir.path().to_path_buf(),
        home: None,
        system_dir: dir.path().join("none"),
        client_config_file: Some(path),
        client_secure_file: None,
    };
    imsjob::testing::load_clouds(&env, Some("otc")).map_err(|e| e.to_string())
}

/// YAML-ish text around a secret: keys, values, indentation and punctuation in any order.
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("clouds:".to_owned()),
        Just("otc:".to_owned()),
        Just("auth:".to_owned()),
        Just("password: S3CRET-VALUE".to_owned()),
        Just("sk: S3CRET-VALUE".to_owned()),
        Just("auth_url: https://iam.example/v3".to_owned()),
        Just("verify: false".to_owned()),
        Just("- ".to_owned()),
        Just("[".to_owned()),
        Just("{".to_owned()),
        Just("\"".to_owned()),
        Just("&a ".to_owned()),
        Just("*a".to_owned()),
        "[ \\n]{0,4}".prop_map(|s| s),
        any::<String>(),
    ];
    prop::collection::vec(token, 0..24).prop_map(|parts| parts.join(""))
}

proptest! {
    #[test]
    fn clouds_yaml_loader_never_panics_or_leaks(text in yamlish()) {
        if let Err(message) = load_clouds(&text) {
            prop_assert!(!message.contains("S3CRET-VALUE"), "a secret in the error: {message}");
            prop_assert!(message.contains("clouds.yaml") || message.contains("otc"), "{message}");
        }
    }

    #[test]
    fn clouds_yaml_values_round_trip(
        user in "[A-Za-z0-9_.@-]{1,32}",
        url in "https://[a-z]{1,12}\\.example/v3",
        region in "[a-z]{2}-[a-z]{2,4}",
    ) {
        let text = format!(
            "clouds:\n  otc:\n    region_name: {region}\n    auth:\n      auth_url: {url}\n      username: '{user}'\n"
        );
        let cloud = load_clouds(&text).map_err(TestCaseError::fail)?.expect("the cloud");
        prop_assert_eq!(cloud.region_name.as_deref(), Some(region.as_str()));
        prop_assert_eq!(cloud.auth_url.as_deref(), Some(url.as_str()));
        prop_assert_eq!(cloud.username.as_deref(), Some(user.as_str()));
    }
}

/// Pieces of jq, benign and hostile, that random filters are made of.
const JQ_PIECES: &[&str] = &[
    ".",
    ".[]",
    "|",
    ",",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    "def f: ",
    "f",
    ";",
    "[f]",
    "range(",
    "1e9",
    "1",
    "\"a\"",
    "+",
    "*",
    "-",
    "/",
    "%",
    ".a",
    ".job_id",
    ".entities",
    "length",
    "keys",
    "tostring",
    "tojson",
    "fromjson",
    "recurse",
    "repeat(.)",
    "limit(3; ",
    "until(",
    "while(",
    "error",
    "halt",
    "halt_error",
    "try ",
    "catch ",
    "if ",
    "then ",
    "else ",
    "end",
    "reduce ",
    "foreach ",
    "as $x",
    "$x",
    "..",
    "splits(\"a\")",
    "test(\"(a*)*b\")",
    "@base64d",
    "@sh",
    "implode",
    "explode",
    "getpath([\"a\"])",
    "setpath([\"a\"]; 1)",
    "tostream",
    "fromstream(",
    "input",
    "env",
    "$ENV",
    "pow(2;1024)",
    "infinite",
    "nan",
    "[.[]?]",
    "..|numbers",
    "not",
    "and",
    "or",
    "==",
    "<",
    "sort_by(.)",
    "group_by(.)",
    "unique",
    "flatten(1e9)",
    "indices(1)",
    "combinations",
    "transpose",
    "@text",
    "@json",
    "@csv",
    "@tsv",
    "sub(\"a\";\"b\")",
    "gsub(\"\";\"x\")",
    "label $out | ",
    "break $out",
    ".[1e18]",
    ".[-1e18:]",
    "limit(-1; .)",
    "first(empty)",
    "nth(1e9; .)",
    "tostring*1e9",
    "\u{1b}[2J",
    "\"\\u0000\"",
    "ltrimstr(\"a\")",
];

/// A random filter of `n` pieces, NUL, then a document (an example or random JSON text).
fn random_jq_input(rng: &mut fastrand::Rng, documents: &[Vec<u8>]) -> Vec<u8> {
    let mut data = Vec::new();
    for _ in 0..rng.usize(1..10) {
        data.extend_from_slice(JQ_PIECES[rng.usize(..JQ_PIECES.len())].as_bytes());
        if rng.bool() {
            data.push(b' ');
        }
    }
    data.push(0);
    if rng.u8(..4) == 0 {
        data.extend((0..rng.usize(0..64)).map(|_| rng.u8(..)));
    } else {
        data.extend_from_slice(&documents[rng.usize(..documents.len())]);
    }
    data
}

/// Seconds a long fuzz run lasts (`IMSJOB_FUZZ_SECONDS`), and the seed (`IMSJOB_FUZZ_SEED`).
fn long_run_settings() -> (std::time::Duration, u64) {
    let seconds = std::env::var("IMSJOB_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let seed = std::env::var("IMSJOB_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    (std::time::Duration::from_secs(seconds), seed)
}

#[expect(clippy::print_stderr, reason = "a long run reports what it did")]
fn report(line: &str) {
    eprintln!("{line}");
}

#[test]
fn jq_filters_from_pieces_never_panic_in_process() {
    let mut rng = fastrand::Rng::with_seed(7);
    let documents = examples();
    for _ in 0..2_000 {
        check::jq_filter(&random_jq_input(&mut rng, &documents));
    }
}

#[test]
fn hostile_jq_filters_are_stopped_by_the_worker() {
    let exe = Path::new(env!("CARGO_BIN_EXE_imsjob"));
    for (input, expect_error) in [
        (&b"def f: [f]; f\0{}"[..], true),
        (b"[range(1e9)] | length\0{}", true),
        (b".a\0{\"a\": \"ok\"}", false),
    ] {
        let result = check::jq_filter_in_worker(input, exe);
        assert_eq!(result.is_err(), expect_error, "{result:?}");
    }
}

/// `IMSJOB_FUZZ_SECONDS=300 cargo test --release --test props long_ -- --ignored --nocapture`
#[test]
#[ignore = "a long fuzz run: minutes, on request"]
fn long_jq_filters_in_the_worker() {
    let exe = Path::new(env!("CARGO_BIN_EXE_imsjob"));
    let (duration, seed) = long_run_settings();
    let mut rng = fastrand::Rng::with_seed(seed);
    let documents = examples();
    let started = std::time::Instant::now();
    let (mut runs, mut ok, mut stopped) = (0_u64, 0_u64, 0_u64);
    while started.elapsed() < duration {
        let input = random_jq_input(&mut rng, &documents);
        match check::jq_filter_in_worker(&input, exe) {
            Ok(_) => ok += 1,
            Err(e) if e.contains("the filter ran") => stopped += 1,
            Err(_) => {}
        }
        runs += 1;
    }
    report(&format!(
        "jq in the worker: seed {seed}, {runs} filters in {:?}: {ok} ok, {stopped} stopped by a limit",
        started.elapsed()
    ));
}

/// `IMSJOB_FUZZ_SECONDS=300 cargo test --release --test props long_ -- --ignored --nocapture`
#[test]
#[ignore = "a long fuzz run: minutes, on request"]
fn long_jq_filters_in_process() {
    let (duration, seed) = long_run_settings();
    let mut rng = fastrand::Rng::with_seed(seed);
    let documents = examples();
    let started = std::time::Instant::now();
    let mut runs = 0_u64;
    while started.elapsed() < duration {
        check::jq_filter(&random_jq_input(&mut rng, &documents));
        runs += 1;
    }
    report(&format!(
        "jq in process: seed {seed}, {runs} inputs in {:?}",
        started.elapsed()
    ));
}

/// Random bytes, truncated and mutated examples, and IAM-shaped JSON through the error-body,
/// token and project parsers.
fn random_error_input(rng: &mut fastrand::Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    match rng.u8(..4) {
        0 => (0..rng.usize(0..512)).map(|_| rng.u8(..)).collect(),
        1 => {
            let seed = &seeds[rng.usize(..seeds.len())];
            let mut data = seed[..rng.usize(0..=seed.len())].to_vec();
            for _ in 0..rng.usize(0..8) {
                if !data.is_empty() {
                    let at = rng.usize(..data.len());
                    data[at] = rng.u8(..);
                }
            }
            data
        }
        _ => {
            let text = |rng: &mut fastrand::Rng| -> String {
                let pieces = [
                    "",
                    "x",
                    "\u{1b}[2J",
                    "http://u:p@h/",
                    "é",
                    "\u{202e}",
                    "401",
                ];
                let mut out = String::new();
                for _ in 0..rng.usize(0..6) {
                    out.push_str(pieces[rng.usize(..pieces.len())]);
                }
                if rng.u8(..8) == 0 {
                    out.push_str(&"z".repeat(rng.usize(0..5000)));
                }
                out
            };
            let value = match rng.u8(..4) {
                0 => {
                    json!({"error": {"code": text(rng), "message": text(rng)}, "request_id": text(rng)})
                }
                1 => {
                    json!({"error_code": text(rng), "error_msg": text(rng), "request_id": text(rng)})
                }
                2 => json!({"token": {"expires_at": text(rng), "issued_at": "2025-01-01T00:00:00Z",
                    "project": {"id": text(rng)}, "catalog": [{"type": "image", "endpoints": [
                        {"interface": "public", "region": "eu-de", "url": text(rng)}]}]}}),
                _ => json!({"projects": [{"id": text(rng), "name": "eu-de_x"}]}),
            };
            value.to_string().into_bytes()
        }
    }
}

#[test]
fn error_bodies_and_iam_answers_never_panic() {
    let mut rng = fastrand::Rng::with_seed(11);
    let seeds = examples();
    for _ in 0..5_000 {
        check::error_body(&random_error_input(&mut rng, &seeds));
    }
}

/// `IMSJOB_FUZZ_SECONDS=300 cargo test --release --test props long_ -- --ignored --nocapture`
#[test]
#[ignore = "a long fuzz run: minutes, on request"]
fn long_error_bodies_and_iam_answers() {
    let (duration, seed) = long_run_settings();
    let mut rng = fastrand::Rng::with_seed(seed);
    let seeds = examples();
    let started = std::time::Instant::now();
    let mut runs = 0_u64;
    while started.elapsed() < duration {
        check::error_body(&random_error_input(&mut rng, &seeds));
        runs += 1;
    }
    report(&format!(
        "error bodies and IAM answers: seed {seed}, {runs} inputs in {:?}",
        started.elapsed()
    ));
}
