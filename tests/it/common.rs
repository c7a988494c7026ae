//! Test harness: the real `imsjob` binary against the real simulator on 127.0.0.1, in a
//! hermetic environment (no `OS_*`, `IMSJOB_*` or colour variables; a temporary HOME).
//!
//! Runs are described and checked with `crate::test::Test`; this module holds the simulator
//! handle and the fixtures several feature files share. Processes the builder cannot start
//! (signals, shells, closed streams) are checked through `crate::test::Ran`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// Path of the binary under test.
pub(crate) fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin!("imsjob").to_path_buf()
}

/// Variables that must not leak into a test from the developer's shell.
fn is_ambient(name: &str) -> bool {
    name.starts_with("OS_")
        || name.starts_with("IMSJOB_")
        || matches!(
            name,
            "NO_COLOR"
                | "CLICOLOR"
                | "CLICOLOR_FORCE"
                | "TERM"
                | "COLUMNS"
                | "HTTPS_PROXY"
                | "https_proxy"
                | "HTTP_PROXY"
                | "http_proxy"
                | "ALL_PROXY"
                | "all_proxy"
                | "XDG_CACHE_HOME"
                | "XDG_CONFIG_HOME"
                | "NO_PROXY"
                | "no_proxy"
                | "SSL_CERT_FILE"
                | "SSL_CERT_DIR"
        )
}

/// Applies the hermetic environment to a command.
pub(crate) fn hermetic(cmd: &mut StdCommand, home: &Path) {
    for (name, _) in std::env::vars() {
        if is_ambient(&name) {
            cmd.env_remove(name);
        }
    }
    cmd.env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .current_dir(home);
}

/// `imsjob` with a hermetic environment and a temporary HOME (kept alive by the caller).
pub(crate) fn imsjob(home: &Path) -> Command {
    let mut std_cmd = StdCommand::new(binary());
    hermetic(&mut std_cmd, home);
    Command::from_std(std_cmd)
}

/// A simulator running as a child process.
pub(crate) struct Sim {
    child: Child,
    pub endpoint: String,
    pub project_id: String,
    pub token: String,
    /// With `--tls`: the simulator's self-signed certificate (PEM).
    pub cacert: Option<PathBuf>,
    pub home: TempDir,
}

impl Sim {
    /// The built-in scenario.
    pub(crate) fn builtin() -> Self {
        Self::spawn(None, &[])
    }

    /// A scenario given as YAML text.
    pub(crate) fn with(scenario: &str) -> Self {
        Self::spawn(Some(scenario), &[])
    }

    /// Starts `imsjob sim --port 0 [--scenario F] [extra...]` and reads its exports.
    pub(crate) fn spawn(scenario: Option<&str>, extra: &[&str]) -> Self {
        let home = tempfile::tempdir().expect("temp home");
        let mut cmd = StdCommand::new(binary());
        hermetic(&mut cmd, home.path());
        // Files the simulator writes (the `--tls` certificate) go away with the home.
        cmd.env("TMPDIR", home.path());
        cmd.arg("sim");
        // A fixed `--port` among the extras (a restart on the same port) replaces port 0.
        if !extra.contains(&"--port") {
            cmd.args(["--port", "0"]);
        }
        if let Some(text) = scenario {
            let path = home.path().join("scenario.yaml");
            std::fs::write(&path, text).expect("write scenario");
            cmd.arg("--scenario").arg(path);
        }
        cmd.args(extra);
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the simulator");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut exports = std::collections::HashMap::new();
        // The exports are the first lines on stdout; reading them is the readiness signal.
        while exports.len() < 3 {
            let line = lines
                .next()
                .expect("the simulator printed its exports")
                .expect("readable");
            if let Some((name, value)) = line.trim_start_matches("export ").split_once('=') {
                exports.insert(name.to_owned(), value.to_owned());
            }
        }
        // With `--tls` a comment line follows: `# cacert: PATH`.
        let cacert = extra.contains(&"--tls").then(|| {
            let line = lines
                .next()
                .expect("the simulator printed its certificate path")
                .expect("readable");
            PathBuf::from(
                line.strip_prefix("# cacert: ")
                    .unwrap_or_else(|| panic!("not a cacert line: {line}")),
            )
        });
        Self {
            child,
            cacert,
            endpoint: exports["IMSJOB_ENDPOINT"].clone(),
            project_id: exports["OS_PROJECT_ID"].clone(),
            token: exports["OS_AUTH_TOKEN"].clone(),
            home,
        }
    }

    /// The simulator's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `imsjob` pointed at this simulator with its token.
    pub(crate) fn cmd(&self) -> Command {
        let mut cmd = imsjob(self.home.path());
        cmd.env("IMSJOB_ENDPOINT", &self.endpoint)
            .env("OS_PROJECT_ID", &self.project_id)
            .env("OS_AUTH_TOKEN", &self.token);
        cmd
    }

    /// `imsjob` pointed at the endpoint of another service's jobs on this simulator (ECS,
    /// EVS, BMS: under `/ecs`, `/evs`, `/bms`), with its token.
    pub(crate) fn cmd_for(&self, service: &str) -> Command {
        let mut cmd = self.cmd();
        cmd.env("IMSJOB_ENDPOINT", self.service_endpoint(service));
        cmd
    }

    /// The endpoint of a service's jobs on this simulator.
    pub(crate) fn service_endpoint(&self, service: &str) -> String {
        if service == "ims" {
            self.endpoint.clone()
        } else {
            format!("{}/{service}", self.endpoint)
        }
    }

    /// A std command pointed at the simulator (for tests that signal the process).
    pub(crate) fn std_cmd(&self) -> StdCommand {
        let mut cmd = StdCommand::new(binary());
        hermetic(&mut cmd, self.home.path());
        cmd.env("IMSJOB_ENDPOINT", &self.endpoint)
            .env("OS_PROJECT_ID", &self.project_id)
            .env("OS_AUTH_TOKEN", &self.token);
        cmd
    }

    /// Every request the simulator has seen (its `/_sim/requests` log).
    pub(crate) fn requests(&self) -> Vec<Value> {
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).expect("connect to the simulator");
        write!(
            stream,
            "GET /_sim/requests HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let body = response.split_once("\r\n\r\n").expect("a body").1;
        let log: Vec<Value> = serde_json::from_str(body).expect("JSON log");
        // The log request itself is not part of the log.
        log
    }

    /// How many requests went to a path containing `path_part` (`/v3/auth/tokens`: logins).
    pub(crate) fn count(&self, path_part: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r["path"].as_str().is_some_and(|p| p.contains(path_part)))
            .count()
    }

    /// The job ids of the job requests seen (not IAM, not the log), in order.
    pub(crate) fn job_requests(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter_map(|r| r["job_id"].as_str().map(str::to_owned))
            .collect()
    }

    /// Requests for one job.
    pub(crate) fn requests_for(&self, job_id: &str) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["job_id"] == job_id)
            .collect()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `condition` until it holds or `limit` passes (no blind sleeps in tests).
pub(crate) fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

/// The documented examples, as shipped with the simulator.
pub(crate) fn examples() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sim/examples");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("examples dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("example");
            let stem = path
                .file_stem()
                .expect("stem")
                .to_string_lossy()
                .into_owned();
            (stem, text)
        })
        .collect()
}

/// A measured figure (peak memory, run time, faults met), shown with `--nocapture`.
#[expect(clippy::print_stderr, reason = "tests report what they measured")]
pub(crate) fn report(line: &str) {
    eprintln!("{line}");
}

/// The identity a simulator with `auth_scenario` accepts.
pub(crate) mod identity {
    pub(crate) const PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
    pub(crate) const USER: &str = "it-user";
    pub(crate) const PASSWORD: &str = "it-password-5ecret";
    pub(crate) const DOMAIN: &str = "OTC-IT-DOMAIN";
    pub(crate) const PROJECT_NAME: &str = "eu-de_ittest";
    pub(crate) const AK: &str = "ITACCESSKEY000000000";
    pub(crate) const SK: &str = "it-secret-key-5ecret";
}

/// A scenario with IAM users (password and AK/SK) and two jobs: `job-ok` (done at once) and
/// `job-expire` (expires every token at its second request). `token_ttl` as the simulator
/// reads it (`500ms`, `24h`), or its default.
pub(crate) fn auth_scenario(token_ttl: Option<&str>) -> String {
    use identity::{AK, DOMAIN, PASSWORD, PROJECT_ID, PROJECT_NAME, SK, USER};
    let ttl = token_ttl.map_or_else(String::new, |ttl| format!("  token_ttl: {ttl}\n"));
    format!(
        "
project_id: {PROJECT_ID}
token: it-fixed-token
examples: false
auth:
  user: {USER}
  password: {PASSWORD}
  user_domain: {DOMAIN}
  project_name: {PROJECT_NAME}
  access_key: {AK}
  secret_key: {SK}
{ttl}jobs:
  - {{id: job-ok, duration: 0s, image_name: done}}
  - id: job-expire
    duration: 2s
    faults: [{{times: 1}}, {{expire_tokens: true}}]
"
    )
}

/// The password variables for `auth_scenario`'s user, against IAM at `auth_url`.
pub(crate) fn password_env(auth_url: &str) -> Vec<(&'static str, String)> {
    use identity::{DOMAIN, PASSWORD, PROJECT_NAME, USER};
    vec![
        ("OS_AUTH_URL", auth_url.to_owned()),
        ("OS_USERNAME", USER.into()),
        ("OS_PASSWORD", PASSWORD.into()),
        ("OS_USER_DOMAIN_NAME", DOMAIN.into()),
        ("OS_PROJECT_NAME", PROJECT_NAME.into()),
    ]
}

/// A server answering every connection with `response` once it has read the request head:
/// answers the simulator does not give (another job's body, a redirect, an echoed password).
pub(crate) fn canned_server(response: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut head = Vec::new();
            let mut byte = [0_u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let _ = stream.write_all(&response);
        }
    });
    format!("http://{address}")
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub(crate) fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// Runs `imsjob ARGS` against `sim` on a pseudo-terminal (util-linux `script`), so that
/// `--color auto` and terminal detection are exercised for real; the terminal's bytes.
/// `None` when `script` is not installed. Unix only: `script` and its `/dev/null` typescript.
#[cfg(unix)]
pub(crate) fn on_a_terminal(sim: &Sim, args: &str, env: &[(&str, &str)]) -> Option<String> {
    let probe = StdCommand::new("script").arg("--version").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        return None;
    }
    let mut cmd = StdCommand::new("script");
    hermetic(&mut cmd, sim.home.path());
    cmd.env("IMSJOB_ENDPOINT", &sim.endpoint)
        .env("OS_PROJECT_ID", &sim.project_id)
        .env("OS_AUTH_TOKEN", &sim.token)
        .env("TERM", "xterm-256color")
        .env("COLUMNS", "200");
    for (name, value) in env {
        cmd.env(name, value);
    }
    let command = format!("{} {args}", binary().display());
    let output = cmd
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script runs");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Sends `signal` (`INT`, `TERM`) to a process. Unix only: Windows has no such signals.
#[cfg(unix)]
pub(crate) fn send_signal(pid: u32, signal: &str) {
    let status = StdCommand::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} {pid}");
}
