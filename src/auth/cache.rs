//! On-disk cache of password-derived IAM tokens.
//!
//! One JSON file per (auth URL, user, domain, project), named by a hash of that key, holding
//! `{token, expires_at, project_id, ims_endpoint}` — never a password. Files are written
//! atomically (a private temporary file in the same directory, created with mode 0600, then
//! renamed over the old one), so a concurrent reader sees the old file or the new one and
//! never a torn one.
//!
//! The cache is an optimisation only: anything odd (a corrupt file, a file owned by someone
//! else or readable by others, a symlink, an unwritable directory) makes [`TokenCache::load`]
//! return `None`, and the next [`TokenCache::store`] replaces the file.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A cached token is not used within this margin of its expiry (doc/contract.md), so that a token
/// cannot expire in the middle of a `wait`'s first requests.
pub const EXPIRY_MARGIN: SignedDuration = SignedDuration::from_mins(5);

/// A token file is a few hundred bytes; anything much larger is not ours.
const MAX_FILE_SIZE: u64 = 64 * 1024;

/// What identifies a cached token: the same user may hold tokens for several projects or
/// clouds at once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// The IAM endpoint, e.g. `https://iam.eu-de.otc.t-systems.com/v3`.
    pub auth_url: String,
    /// The user name.
    pub user: String,
    /// The user's domain name.
    pub domain: String,
    /// The project scope: an id or a name, as configured.
    pub project: String,
}

impl CacheKey {
    /// The file name for this key: the hex SHA-256 of its parts, so that names leak nothing
    /// and need no escaping.
    pub fn file_name(&self) -> String {
        let mut hasher = Sha256::new();
        // NUL separators keep ("ab","c") and ("a","bc") apart.
        for part in [
            self.auth_url.trim_end_matches('/'),
            &self.user,
            &self.domain,
            &self.project,
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        format!("{}.json", hex::encode(hasher.finalize()))
    }
}

/// A token as kept in the cache.
#[derive(Clone)]
pub struct CachedToken {
    /// The `X-Subject-Token` value.
    pub token: SecretString,
    /// When IAM says the token stops working.
    pub expires_at: Timestamp,
    /// The project the token is scoped to.
    pub project_id: String,
    /// The IMS endpoint found in the token's catalog, if any.
    pub ims_endpoint: Option<String>,
    /// The other services' endpoints found there (`ecs`, `evs`, `bms`), by service name.
    pub service_endpoints: BTreeMap<String, String>,
}

impl CachedToken {
    /// Whether the token may still be used at `now`, leaving [`EXPIRY_MARGIN`].
    pub fn is_fresh(&self, now: Timestamp) -> bool {
        now + EXPIRY_MARGIN < self.expires_at
    }
}

// By hand so that the token cannot leak via `{:?}`.
impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("token", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .field("project_id", &self.project_id)
            .field("ims_endpoint", &self.ims_endpoint)
            .field("service_endpoints", &self.service_endpoints)
            .finish()
    }
}

/// The file format.
#[derive(Serialize, Deserialize)]
struct Entry {
    token: String,
    expires_at: String,
    project_id: String,
    ims_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    service_endpoints: BTreeMap<String, String>,
}

/// The token cache rooted at one directory.
#[derive(Debug)]
pub struct TokenCache {
    dir: PathBuf,
    uid: OnceLock<Option<u32>>,
}

impl TokenCache {
    /// A cache in `dir` (created on first store, mode 0700).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            uid: OnceLock::new(),
        }
    }

    /// The default directory: `tokens/` in the user cache directory for imsjob
    /// (`~/.cache/imsjob/tokens` on Linux), if the platform has one.
    pub fn default_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "imsjob").map(|d| d.cache_dir().join("tokens"))
    }

    /// The directory this cache uses.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds `key`'s token.
    pub fn path_for(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    /// The cached token for `key`, if there is a trustworthy, parsable one that is still
    /// fresh at `now` (see [`CachedToken::is_fresh`]).
    pub fn load(&self, key: &CacheKey, now: Timestamp) -> Option<CachedToken> {
        let uid = self.current_uid()?;
        let token = read_entry(&self.path_for(key), uid)?;
        token.is_fresh(now).then_some(token)
    }

    /// Writes `token` for `key`, atomically replacing any previous file. Does nothing where
    /// the cache is off (see [`platform`]).
    pub fn store(&self, key: &CacheKey, token: &CachedToken) -> std::io::Result<()> {
        if !platform::SUPPORTED {
            return Ok(());
        }
        self.ensure_dir()?;
        let entry = Entry {
            token: token.token.expose_secret().to_owned(),
            expires_at: token.expires_at.to_string(),
            project_id: token.project_id.clone(),
            ims_endpoint: token.ims_endpoint.clone(),
            service_endpoints: token.service_endpoints.clone(),
        };
        let bytes = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        let target = self.path_for(key);
        let (temp_path, mut file) = self.create_private_file(&key.file_name())?;
        let written = file.write_all(&bytes).and_then(|()| {
            drop(file);
            fs::rename(&temp_path, &target)
        });
        if written.is_err() {
            let _ = fs::remove_file(&temp_path);
        }
        written
    }

    /// Forgets `key`'s token (after IAM refused it). A missing file is not an error.
    pub fn remove(&self, key: &CacheKey) -> std::io::Result<()> {
        match fs::remove_file(self.path_for(key)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn ensure_dir(&self) -> std::io::Result<()> {
        platform::private_dir(fs::DirBuilder::new().recursive(true)).create(&self.dir)
    }

    /// Creates a new file in the cache directory that only we can read, from the very first
    /// moment (no window with a default umask).
    fn create_private_file(&self, stem: &str) -> std::io::Result<(PathBuf, File)> {
        loop {
            let path = self.dir.join(format!(
                ".{stem}.{}.{:016x}.tmp",
                std::process::id(),
                fastrand::u64(..)
            ));
            match platform::private_file(OpenOptions::new().write(true).create_new(true))
                .open(&path)
            {
                Ok(file) => return Ok((path, file)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Our user id, learnt from the owner of a file we create (std exposes no `getuid`, and
    /// the crate forbids `unsafe`). `None` when the directory is unusable, which disables
    /// reading: a cache we cannot write is not one we should trust either.
    fn current_uid(&self) -> Option<u32> {
        *self.uid.get_or_init(|| {
            self.ensure_dir().ok()?;
            let (path, file) = self.create_private_file("uid-probe").ok()?;
            let uid = file.metadata().ok().and_then(|m| platform::owner(&m));
            drop(file);
            let _ = fs::remove_file(&path);
            uid
        })
    }
}

/// What the cache's safety checks need from the platform: private modes (0700, 0600), a
/// file's owner, and whether two metadata describe the same file.
#[cfg(unix)]
mod platform {
    use std::fs::{DirBuilder, Metadata, OpenOptions};
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};

    pub const SUPPORTED: bool = true;

    pub fn private_dir(builder: &mut DirBuilder) -> &mut DirBuilder {
        builder.mode(0o700)
    }

    pub fn private_file(options: &mut OpenOptions) -> &mut OpenOptions {
        options.mode(0o600)
    }

    pub fn owner(meta: &Metadata) -> Option<u32> {
        Some(meta.uid())
    }

    pub fn is_private(meta: &Metadata) -> bool {
        meta.mode() & 0o077 == 0
    }

    pub fn same_file(a: &Metadata, b: &Metadata) -> bool {
        a.dev() == b.dev() && a.ino() == b.ino()
    }
}

/// Elsewhere (Windows) the cache is off: std offers no way to create a file only its owner
/// can read, nor to tell who owns one, and a token is a secret. A password login then costs
/// one IAM request per run. With no owner, [`TokenCache::load`] never trusts a file.
#[cfg(not(unix))]
mod platform {
    use std::fs::{DirBuilder, Metadata, OpenOptions};

    pub const SUPPORTED: bool = false;

    pub fn private_dir(builder: &mut DirBuilder) -> &mut DirBuilder {
        builder
    }

    pub fn private_file(options: &mut OpenOptions) -> &mut OpenOptions {
        options
    }

    pub fn owner(_meta: &Metadata) -> Option<u32> {
        None
    }

    pub fn is_private(_meta: &Metadata) -> bool {
        false
    }

    pub fn same_file(_a: &Metadata, _b: &Metadata) -> bool {
        false
    }
}

/// Reads one cache file, refusing anything we would not have written ourselves.
fn read_entry(path: &Path, uid: u32) -> Option<CachedToken> {
    let (file, meta) = open_checked(path)?;
    let trusted = meta.is_file()
        && platform::owner(&meta) == Some(uid)
        && platform::is_private(&meta)
        && meta.len() <= MAX_FILE_SIZE;
    if !trusted {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes).ok()?;
    let entry: Entry = serde_json::from_slice(&bytes).ok()?;
    if entry.token.is_empty() || entry.project_id.is_empty() {
        return None;
    }
    Some(CachedToken {
        token: SecretString::from(entry.token),
        expires_at: entry.expires_at.parse().ok()?,
        project_id: entry.project_id,
        ims_endpoint: entry.ims_endpoint,
        service_endpoints: entry.service_endpoints,
    })
}

/// Opens `path` if it is a regular file and not a symlink.
///
/// `symlink_metadata` comes first so that a planted symlink is never followed, and the opened
/// file must be the one inspected. A concurrent writer may rename a new file into place
/// between the two steps; that is a legitimate race, so it is retried a few times.
fn open_checked(path: &Path) -> Option<(File, fs::Metadata)> {
    for _ in 0..8 {
        let link = fs::symlink_metadata(path).ok()?;
        if !link.file_type().is_file() {
            return None;
        }
        let file = File::open(path).ok()?;
        let meta = file.metadata().ok()?;
        if platform::same_file(&meta, &link) {
            return Some((file, meta));
        }
    }
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Arc;

    fn key() -> CacheKey {
        CacheKey {
            auth_url: "https://iam.example.com/v3".into(),
            user: "alice".into(),
            domain: "OTC000".into(),
            project: "eu-de_prod".into(),
        }
    }

    fn now() -> Timestamp {
        "2025-01-01T00:00:00Z".parse().expect("timestamp")
    }

    fn token(value: &str, valid_for_mins: i64) -> CachedToken {
        CachedToken {
            token: SecretString::from(value.to_owned()),
            expires_at: now() + SignedDuration::from_mins(valid_for_mins),
            project_id: "p1".into(),
            ims_endpoint: Some("https://ims.example.com".into()),
            service_endpoints: BTreeMap::new(),
        }
    }

    fn cache() -> (tempfile::TempDir, TokenCache) {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = TokenCache::new(dir.path().join("tokens"));
        (dir, cache)
    }

    #[test]
    fn round_trip() {
        let (_d, cache) = cache();
        assert!(cache.load(&key(), now()).is_none());
        cache.store(&key(), &token("tok-1", 60)).expect("stores");
        let back = cache.load(&key(), now()).expect("cached");
        assert_eq!(back.token.expose_secret(), "tok-1");
        assert_eq!(back.expires_at, now() + SignedDuration::from_mins(60));
        assert_eq!(back.project_id, "p1");
        assert_eq!(
            back.ims_endpoint.as_deref(),
            Some("https://ims.example.com")
        );

        let text = fs::read_to_string(cache.path_for(&key())).expect("file");
        let json: serde_json::Value = serde_json::from_str(&text).expect("json");
        let mut keys: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["expires_at", "ims_endpoint", "project_id", "token"]);

        cache.store(&key(), &token("tok-2", 60)).expect("stores");
        let back = cache.load(&key(), now()).expect("cached");
        assert_eq!(back.token.expose_secret(), "tok-2");
        cache.remove(&key()).expect("removes");
        assert!(cache.load(&key(), now()).is_none());
        cache.remove(&key()).expect("missing is fine");
    }

    #[test]
    fn keys_are_separate() {
        let (_d, cache) = cache();
        cache.store(&key(), &token("a", 60)).expect("stores");
        let other = CacheKey {
            project: "eu-de_other".into(),
            ..key()
        };
        assert!(cache.load(&other, now()).is_none());
        assert_ne!(key().file_name(), other.file_name());
        let slash = CacheKey {
            auth_url: "https://iam.example.com/v3/".into(),
            ..key()
        };
        assert_eq!(key().file_name(), slash.file_name());
    }

    #[test]
    fn expiry_margin() {
        let (_d, cache) = cache();
        cache.store(&key(), &token("t", 6)).expect("stores");
        assert!(cache.load(&key(), now()).is_some());
        cache.store(&key(), &token("t", 5)).expect("stores");
        assert!(cache.load(&key(), now()).is_none());
        cache.store(&key(), &token("t", -10)).expect("stores");
        assert!(cache.load(&key(), now()).is_none());
        assert!(
            token("t", 60).is_fresh(now() + SignedDuration::from_mins(54)),
            "fresh until the margin"
        );
        assert!(!token("t", 60).is_fresh(now() + SignedDuration::from_mins(55)));
    }

    #[test]
    fn corrupt_files_are_ignored_and_replaced() {
        let (_d, cache) = cache();
        cache.store(&key(), &token("t", 60)).expect("stores");
        let path = cache.path_for(&key());
        for junk in [&b""[..], b"{", b"[]", b"{\"token\":\"x\"}", b"\xff\xfe"] {
            fs::write(&path, junk).expect("write junk");
            assert!(cache.load(&key(), now()).is_none());
        }
        cache.store(&key(), &token("fresh", 60)).expect("replaces");
        assert_eq!(
            cache
                .load(&key(), now())
                .expect("cached")
                .token
                .expose_secret(),
            "fresh"
        );
    }

    #[test]
    fn mode_is_0600_and_loose_files_are_refused() {
        let (_d, cache) = cache();
        cache.store(&key(), &token("t", 60)).expect("stores");
        let path = cache.path_for(&key());
        let mode = fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = fs::metadata(cache.dir())
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);

        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(cache.load(&key(), now()).is_none());
        cache.store(&key(), &token("t", 60)).expect("replaces");
        assert!(cache.load(&key(), now()).is_some());
        let mode = fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn symlinks_are_not_followed() {
        let (d, cache) = cache();
        cache.store(&key(), &token("t", 60)).expect("stores");
        let real = d.path().join("elsewhere.json");
        fs::rename(cache.path_for(&key()), &real).expect("move");
        std::os::unix::fs::symlink(&real, cache.path_for(&key())).expect("symlink");
        assert!(cache.load(&key(), now()).is_none());
    }

    #[test]
    fn leftover_temp_files_are_not_created() {
        let (_d, cache) = cache();
        for i in 0..5 {
            cache
                .store(&key(), &token(&format!("t{i}"), 60))
                .expect("stores");
        }
        assert!(cache.load(&key(), now()).is_some());
        let names: Vec<String> = fs::read_dir(cache.dir())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [key().file_name()]);
    }

    #[test]
    fn concurrent_writers_never_produce_a_torn_file() {
        let (_d, cache) = cache();
        let cache = Arc::new(cache);
        cache.store(&key(), &token("seed", 60)).expect("stores");
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let cache = Arc::clone(&cache);
                std::thread::spawn(move || {
                    // Tokens of varying length make a torn write detectable as bad JSON.
                    let value = "x".repeat(50 + t * 200);
                    for i in 0..200 {
                        if (i + t) % 2 == 0 {
                            cache.store(&key(), &token(&value, 60)).expect("stores");
                        } else {
                            let read = cache.load(&key(), now()).expect("every read parses");
                            assert!(
                                read.token.expose_secret().chars().all(|c| c == 'x')
                                    || read.token.expose_secret() == "seed"
                            );
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread ok");
        }
        assert!(cache.load(&key(), now()).is_some());
    }

    #[test]
    fn debug_redacts_the_token() {
        let shown = format!("{:?}", token("super-secret-token", 60));
        assert!(!shown.contains("super-secret"));
    }
}
