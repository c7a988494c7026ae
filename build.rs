//! Records which commit `imsjob --version` was built from, as `IMSJOB_BUILD_COMMIT`
//! (`abc1234 2026-11-29`, or `unknown`).
//!
//! Only `git` on `PATH` is asked, and only about this crate's own repository: a build from a
//! source tarball, from crates.io (whose `.cargo_vcs_info.json` still names the commit) or
//! without git must work all the same, so every failure falls back quietly. No build
//! dependency: a library to read git would cost more build time than the whole feature.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // Without this, any file of the package would rerun the script; the git files that matter
    // are added below.
    println!("cargo:rerun-if-changed=build.rs");
    let commit = from_git(&manifest_dir)
        .or_else(|| from_vcs_info(&manifest_dir))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=IMSJOB_BUILD_COMMIT={commit}");
}

/// `git` with its output trimmed, or `None` on any failure (no git, not a repository, a
/// repository owned by someone else).
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn from_git(manifest_dir: &Path) -> Option<String> {
    // A source tarball unpacked inside some other repository must not report that
    // repository's commit.
    let top = git(manifest_dir, &["rev-parse", "--show-toplevel"])?;
    if std::fs::canonicalize(top).ok()? != std::fs::canonicalize(manifest_dir).ok()? {
        return None;
    }
    // Rebuild when HEAD moves (a checkout) or the branch it names does (a commit), and only
    // then: `--git-path` also resolves these inside a worktree.
    for path in ["HEAD", "packed-refs"] {
        watch(manifest_dir, path);
    }
    if let Some(reference) = git(manifest_dir, &["symbolic-ref", "-q", "HEAD"]) {
        watch(manifest_dir, &reference);
    }
    let described = git(manifest_dir, &["log", "-1", "--format=%h %cs"])?;
    let printable = described
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-');
    printable.then_some(described)
}

fn watch(manifest_dir: &Path, git_path: &str) {
    if let Some(path) = git(manifest_dir, &["rev-parse", "--git-path", git_path]) {
        let path = manifest_dir.join(path);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

/// The commit `cargo package` recorded, for builds from crates.io (`cargo install imsjob`).
fn from_vcs_info(manifest_dir: &Path) -> Option<String> {
    let path = manifest_dir.join(".cargo_vcs_info.json");
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let text = std::fs::read_to_string(path).ok()?;
    let (_, rest) = text.split_once("\"sha1\"")?;
    let hex: String = rest
        .trim_start_matches([' ', ':', '"'])
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .take(7)
        .collect();
    (hex.len() == 7).then_some(hex)
}
