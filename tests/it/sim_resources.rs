//! The simulator's own hygiene: files it writes, memory it keeps, descriptors it runs out of,
//! scenario numbers it cannot represent.

use crate::common::Sim;
use crate::test::{Exit, Test};

#[test]
fn the_certificate_file_has_a_name_no_one_can_plant_in_advance() {
    use std::os::unix::fs::PermissionsExt;
    let sim = Sim::spawn(None, &["--tls"]);
    let path = sim.cacert.as_ref().expect("a certificate path");
    let name = path.file_name().expect("a name").to_string_lossy();
    // A name made of the process id is known to anyone who can list processes: a symlink
    // planted there would have the simulator overwrite its target.
    assert_ne!(name, format!("imsjob-sim-{}.pem", sim.pid()));
    let meta = std::fs::symlink_metadata(path).expect("exists");
    assert!(meta.file_type().is_file(), "a regular file of its own");
    assert_eq!(meta.permissions().mode() & 0o077, 0, "private");
    let pem = std::fs::read_to_string(path).expect("readable");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
}

/// Resident memory of a live process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("status")
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// CPU time a live process has used, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let rest = stat.rsplit_once(')').expect("comm").1.to_owned();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After `)`: state is field 0, utime 11 and stime 12.
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

/// Sends `count` requests for `path` on one kept-alive connection, reading each answer.
fn send_many(address: &str, path: &str, count: usize) {
    use std::io::{BufRead, BufReader, Read, Write};
    let stream = std::net::TcpStream::connect(address).expect("connect");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    stream.set_nodelay(true).expect("nodelay");
    let mut writer = stream;
    // One write per request: pieces would wait on delayed acknowledgements.
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n");
    for _ in 0..count {
        writer.write_all(request.as_bytes()).expect("send");
        let mut length = 0;
        let mut line = String::new();
        loop {
            line.clear();
            reader.read_line(&mut line).expect("head");
            if line == "\r\n" {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().expect("length");
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
    }
}

#[test]
fn the_request_log_is_bounded_and_long_paths_are_cut() {
    let sim = Sim::builtin();
    let address = sim.endpoint.trim_start_matches("http://").to_owned();
    let path = format!("/v1/{}/jobs/{}", sim.project_id, "x".repeat(50_000));
    send_many(&address, &path, 100);
    let before = rss_kib(sim.pid());
    send_many(&address, &path, 1000);
    let grown = rss_kib(sim.pid()).saturating_sub(before);
    crate::common::report(&format!(
        "simulator after 1000 requests with 50 kB paths: grew by {grown} KiB"
    ));
    // Keeping every path (and job id) whole costs about 100 MiB here.
    assert!(grown < 16 * 1024, "grew by {grown} KiB");
    let log = sim.requests();
    assert_eq!(log.len(), 1100);
    let logged = log[0]["path"].as_str().expect("a path");
    assert!(logged.len() < 1024 && path.starts_with(logged.trim_end_matches('…')));
    let mut seqs: Vec<u64> = log
        .iter()
        .map(|r| r["seq"].as_u64().expect("seq"))
        .collect();
    seqs.dedup();
    assert_eq!(seqs.len(), 1100, "every request has its own number");
}

#[test]
fn running_out_of_descriptors_does_not_spin() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let home = tempfile::tempdir().expect("home");
    let mut cmd = Command::new("sh");
    crate::common::hermetic(&mut cmd, home.path());
    let mut child = cmd
        .arg("-c")
        .arg("ulimit -n 48 && exec \"$0\" sim --port 0")
        .arg(crate::common::binary())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let endpoint = lines
        .find_map(|line| {
            line.ok()?
                .strip_prefix("export IMSJOB_ENDPOINT=")
                .map(str::to_owned)
        })
        .expect("the endpoint");
    let address = endpoint.trim_start_matches("http://").to_owned();
    // Idle connections until the simulator has no descriptor left for another.
    let idle: Vec<_> = (0..80)
        .map(|_| std::net::TcpStream::connect(&address).expect("connect"))
        .collect();
    let pid = child.id();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let start = cpu_ticks(pid);
    std::thread::sleep(std::time::Duration::from_secs(1));
    let used = cpu_ticks(pid) - start;
    crate::common::report(&format!(
        "simulator out of descriptors: {used} CPU ticks in 1 s"
    ));
    drop(idle);
    // Once descriptors are free again, it serves.
    let served = crate::common::eventually(std::time::Duration::from_secs(10), || {
        std::panic::catch_unwind(|| send_many(&address, "/v3", 1)).is_ok()
    });
    let _ = child.kill();
    let _ = child.wait();
    // Spinning on the failed accept costs the whole second (100 ticks).
    assert!(used < 25, "{used} CPU ticks in 1 s");
    assert!(served, "serves again once descriptors are free");
}

#[test]
fn scenario_times_beyond_any_clock_are_refused() {
    for (what, scenario) in [
        (
            "duration",
            "examples: false\njobs: [{id: j, duration: 1e25}]\n",
        ),
        (
            "sub-job start",
            "examples: false\njobs: [{id: j, sub_jobs: [{id: s, start: 18446744073709551615}]}]\n",
        ),
        (
            "text",
            "examples: false\njobs: [{id: j, duration: 99999999999h}]\n",
        ),
    ] {
        let home = tempfile::tempdir().expect("home");
        let path = home.path().join("scenario.yaml");
        std::fs::write(&path, scenario).expect("write");
        Test::home(home.path())
            .arg("sim")
            .arg("--scenario")
            .arg(&path)
            .timeout(std::time::Duration::from_secs(20))
            .expect_exit(Exit::Usage)
            .stderr_has("invalid scenario")
            .stderr_lacks("panicked")
            .context(what)
            .run();
    }
}
