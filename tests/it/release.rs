//! Stand-in GitHub releases and the shells CI runs recipes in, for the install recipes
//! (`readme.rs`) and the pipeline integrations (`pipelines.rs`).
//!
//! A stand-in release is laid out as dist publishes one: `v{VERSION}/imsjob-{target}.tar.xz`
//! holding one directory (the binary, `doc/`, `completions/`, README, licences) and beside it
//! `imsjob-{target}.tar.xz.sha256` in the exact format of a real one: the fixture
//! `tests/fixtures/dist/…sha256` was written by `dist build` (dist 0.33), and only its hash and
//! file name are replaced here.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use sha2::{Digest, Sha256};

use crate::common::binary;

/// Where the recipes download releases from.
pub(crate) const RELEASES: &str =
    "https://github.com/opentelekomcloud-community/imsjob/releases/download";
/// The archive the recipes install: static, so it runs on any Linux runner image.
pub(crate) const CI_TARGET: &str = "x86_64-unknown-linux-musl";
/// A `.sha256` file as `dist build` wrote it for the host archive.
pub(crate) const DIST_SHA256: &str =
    include_str!("../fixtures/dist/imsjob-x86_64-unknown-linux-gnu.tar.xz.sha256");
const DIST_SHA256_FILE: &str = "imsjob-x86_64-unknown-linux-gnu.tar.xz";

/// What a stand-in release holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Archive {
    /// The archive its `.sha256` describes; its `imsjob` runs the binary under test.
    Good,
    /// Another archive put in place of the published one after its `.sha256` was written;
    /// its `imsjob` prints [`REPLACED`] and exits 0.
    Replaced,
}

/// What a replaced archive's binary prints when (wrongly) run.
pub(crate) const REPLACED: &str = "REPLACED-BINARY-RAN";

/// `dist`'s checksum line for `file`: the fixture with its hash and name swapped.
pub(crate) fn dist_checksum_file(hash: &str, file: &str) -> String {
    let (fixture_hash, rest) = DIST_SHA256.split_once(' ').expect("`HASH *FILE`");
    assert_eq!(fixture_hash.len(), 64, "{DIST_SHA256:?}");
    assert!(
        rest.starts_with(&format!("*{DIST_SHA256_FILE}\n")),
        "{DIST_SHA256:?}"
    );
    format!("{hash} {}", rest.replace(DIST_SHA256_FILE, file))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path).expect("file").permissions();
    permissions.set_mode(0o755);
    std::fs::set_permissions(path, permissions).expect("chmod");
}

/// Packs `imsjob-{target}/` as dist does, with an `imsjob` that runs `body`.
fn pack(staging: &Path, target: &str, body: &str, out: &Path) {
    let name = format!("imsjob-{target}");
    let root = staging.join(&name);
    std::fs::create_dir_all(root.join("doc")).expect("doc dir");
    std::fs::create_dir_all(root.join("completions")).expect("completions dir");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["doc", "completions"] {
        for entry in std::fs::read_dir(repo.join(dir)).expect("committed files") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), root.join(dir).join(entry.file_name())).expect("copy");
        }
    }
    for file in ["README.md", "LICENSE-MIT", "LICENSE-APACHE"] {
        std::fs::copy(repo.join(file), root.join(file)).expect("copy");
    }
    // A script standing in for the binary: the debug binary is too large to compress quickly.
    let stand_in = root.join("imsjob");
    std::fs::write(&stand_in, format!("#!/bin/sh\n{body}\n")).expect("stand-in");
    #[cfg(unix)]
    make_executable(&stand_in);
    let status = StdCommand::new("tar")
        .arg("-cJf")
        .arg(out)
        .arg("-C")
        .arg(staging)
        .arg(&name)
        .status()
        .expect("tar runs");
    assert!(status.success(), "tar -cJf");
}

/// A stand-in release under `dir` for `target`; returns the URL (`file://`) that replaces
/// [`RELEASES`].
pub(crate) fn fake_release(dir: &Path, target: &str, archive: Archive) -> String {
    let release = dir.join(format!("v{}", env!("CARGO_PKG_VERSION")));
    std::fs::create_dir_all(&release).expect("release dir");
    let file = format!("imsjob-{target}.tar.xz");
    let path = release.join(&file);
    pack(
        &dir.join("good"),
        target,
        &format!("exec '{}' \"$@\"", binary().display()),
        &path,
    );
    let hash = sha256_hex(&std::fs::read(&path).expect("archive"));
    std::fs::write(
        release.join(format!("{file}.sha256")),
        dist_checksum_file(&hash, &file),
    )
    .expect("checksum file");
    if archive == Archive::Replaced {
        pack(
            &dir.join("replaced"),
            target,
            &format!("echo {REPLACED}"),
            &path,
        );
    }
    format!("file://{}", dir.display())
}

/// Whether POSIX shells and tools (sh, tar, xz) can run `what` here; says why not.
#[expect(clippy::print_stderr, reason = "a skipped check says why")]
pub(crate) fn posix_shells_here(what: &str) -> bool {
    if cfg!(unix) {
        return true;
    }
    eprintln!("skipped: {what} needs POSIX sh, tar and xz, which this platform lacks");
    false
}

/// Whether this is a Linux machine, where the recipes for Linux runners are tested; says why
/// not.
#[expect(clippy::print_stderr, reason = "a skipped check says why")]
pub(crate) fn linux_here(what: &str) -> bool {
    if cfg!(target_os = "linux") {
        return true;
    }
    eprintln!("skipped: {what} is a recipe for Linux runners");
    false
}

/// A shell that CI runs recipes in.
#[derive(Clone, Debug)]
pub(crate) struct Shell {
    pub name: &'static str,
    /// The program and the arguments before the script (`-c`).
    pub argv: Vec<String>,
    /// A directory to put first on `PATH` (BusyBox's applets: its `sha256sum`, `tar`, …).
    pub path_first: Option<PathBuf>,
}

impl Shell {
    /// `shell -c script` in `dir`, with the hermetic environment and HOME `home`.
    pub(crate) fn command(&self, script: &str, home: &Path) -> StdCommand {
        let mut cmd = StdCommand::new(&self.argv[0]);
        crate::common::hermetic(&mut cmd, home);
        if let Some(first) = &self.path_first {
            let path = std::env::var_os("PATH").unwrap_or_default();
            let mut dirs = vec![first.clone()];
            dirs.extend(std::env::split_paths(&path));
            cmd.env("PATH", std::env::join_paths(dirs).expect("PATH"));
        }
        cmd.args(&self.argv[1..]).arg("-c").arg(script);
        cmd
    }
}

fn found(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// BusyBox's applets as commands in a directory (kept alive by the caller), so that
/// `sha256sum`, `cut`, `tar`, `xz` and `sh` are BusyBox's, as on Alpine.
fn busybox_applets(busybox: &Path, dir: &Path) {
    let list = StdCommand::new(busybox)
        .arg("--list")
        .output()
        .expect("busybox --list");
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        #[cfg(unix)]
        std::os::unix::fs::symlink(busybox, dir.join(applet)).expect("symlink an applet");
        #[cfg(not(unix))]
        let _ = (applet, dir);
    }
}

/// What GitHub runs a `run:` step with (`shell: bash`, the default on Linux runners).
pub(crate) fn github_bash() -> Shell {
    Shell {
        name: "bash -e",
        argv: ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
            .map(String::from)
            .to_vec(),
        path_first: None,
    }
}

/// The shells every recipe must hold in: `bash -e -o pipefail` (GitHub's `run:`), `dash -e`
/// (Debian's `sh`) and BusyBox `sh -e` with BusyBox's tools first on `PATH` (Alpine). A shell
/// that cannot exist on this platform is left out with a printed reason; on Linux each is
/// required (`.ci/run` installs BusyBox).
#[expect(clippy::print_stderr, reason = "a skipped check says why")]
pub(crate) fn ci_shells(scratch: &Path) -> Vec<Shell> {
    let mut shells = vec![github_bash()];
    match found("dash") {
        Some(_) => shells.push(Shell {
            name: "dash -e",
            argv: ["dash", "-e"].map(String::from).to_vec(),
            path_first: None,
        }),
        None if cfg!(target_os = "linux") => {
            panic!("dash is not installed (Debian: apt-get install dash)")
        }
        None => eprintln!("skipped: no dash on this system"),
    }
    match found("busybox") {
        Some(busybox) => {
            let applets = scratch.join("busybox-applets");
            std::fs::create_dir_all(&applets).expect("applets dir");
            busybox_applets(&busybox, &applets);
            shells.push(Shell {
                name: "busybox sh -e",
                argv: vec![busybox.display().to_string(), "sh".into(), "-e".into()],
                path_first: Some(applets),
            });
        }
        None if cfg!(target_os = "linux") => {
            panic!("BusyBox is not installed (Debian: apt-get install busybox; `.ci/run` does)")
        }
        None => eprintln!("skipped: BusyBox is a Linux tool set, not available here"),
    }
    shells
}
