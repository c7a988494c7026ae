//! On-disk cache of password-derived IAM tokens.
//!
//! One JSON file per (auth URL, user, domain, project, region, password), named by a hash of
//! that key, holding `{token, expires_at, project_id, ims_endpoint, …}` — never a password.
//! The password enters the key only as an HMAC under a random per-user key kept beside the
//! entries (`hmac.key`, mode 0600): a changed password misses the cache and meets IAM, and
//! the file names say nothing about the password to anyone without that key.
//!
//! Files are written atomically (a private temporary file in the same directory, mode 0600
//! from its creation, then renamed over the old one), so a concurrent reader sees the old
//! file or the new one and never a torn one. A temporary file left by a process killed
//! before the rename is swept on a later start, once it is a minute old.
//!
//! The cache is an optimisation only: anything odd (a corrupt file, a file owned by someone
//! else or readable by others, a symlink, an unwritable directory) makes [`TokenCache::load`]
//! return `None`, and the next [`TokenCache::store`] replaces the file. A directory open to
//! others is tightened to 0700 when it is ours, and refused (with a warning) when it is not.
//! Where the platform cannot make a file private or tell its owner (Windows), the cache is
//! off (see [`platform`]).

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use hmac::{KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The most a token is held back before its expiry (doc/contract.md), so that a token cannot
/// expire in the middle of a `wait`'s first requests. Short-lived tokens are held back a
/// tenth of their lifetime instead (see [`CachedToken::margin`]).
pub(crate) const EXPIRY_MARGIN: SignedDuration = SignedDuration::from_mins(5);

/// A token file is a few hundred bytes; anything much larger is not ours.
const MAX_FILE_SIZE: u64 = 64 * 1024;

/// The per-user HMAC key's file, in the cache directory.
const KEY_FILE: &str = "hmac.key";

/// Length of the HMAC key.
const KEY_LEN: usize = 32;

/// Temporary files start with this; the sweep only ever removes such names.
const TEMP_PREFIX: &str = ".tmp-";

/// A temporary file older than this belongs to no live writer (a write takes milliseconds).
const STALE_TEMP_AGE: Duration = Duration::from_secs(60);

type HmacSha256 = hmac::Hmac<Sha256>;

/// What identifies a cached token: the same user may hold tokens for several projects,
/// regions or clouds at once.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey {
    /// The IAM endpoint, e.g. `https://iam.eu-de.otc.t-systems.com/v3`.
    pub auth_url: String,
    /// The user name.
    pub user: String,
    /// The user's domain name.
    pub domain: String,
    /// The project scope: an id or a name, as configured.
    pub project: String,
    /// The region whose IMS endpoint the token's catalog was read for.
    pub region: String,
    /// The keyed hash of the password ([`TokenCache::credential_tag`]).
    pub credential: String,
}

// By hand: the credential tag is not secret, but has no business in logs either.
impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheKey")
            .field("auth_url", &self.auth_url)
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("project", &self.project)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl CacheKey {
    /// The file name for this key: the hex SHA-256 of its parts, so that names leak nothing
    /// and need no escaping.
    pub(crate) fn file_name(&self) -> String {
        let mut hasher = Sha256::new();
        // NUL separators keep ("ab","c") and ("a","bc") apart.
        for part in [
            self.auth_url.trim_end_matches('/'),
            &self.user,
            &self.domain,
            &self.project,
            &self.region,
            &self.credential,
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
    /// When IAM says the token stops working (on IAM's clock).
    pub expires_at: Timestamp,
    /// The project the token is scoped to.
    pub project_id: String,
    /// The IMS endpoint found in the token's catalog, if any.
    pub ims_endpoint: Option<String>,
    /// The other services' endpoints found there (`ecs`, `evs`, `bms`), by service name.
    pub service_endpoints: BTreeMap<String, String>,
    /// The lifetime IAM gave the token (`expires_at - issued_at`, both on IAM's clock), when
    /// the answer said when it was issued.
    pub lifetime: Option<SignedDuration>,
    /// When the token was received, on the local clock.
    pub received_at: Timestamp,
    /// When the token expires on the local clock: reception plus what was left of it by
    /// IAM's clock then (see [`Self::with_server_time`]), so that a local clock running ahead
    /// of IAM's does not shorten the token; IAM's `expires_at` when nothing told the skew.
    pub local_expires_at: Timestamp,
}

impl CachedToken {
    /// Adjusts [`Self::local_expires_at`] to IAM's clock reading `server_now` when the token
    /// was received (the answer's `Date`, or its `issued_at`).
    #[must_use]
    pub(crate) fn with_server_time(mut self, server_now: Timestamp) -> Self {
        // `Date` has whole seconds: count the second it may be behind against the token.
        let left = self.expires_at.duration_since(server_now) - SignedDuration::from_secs(1);
        self.local_expires_at = self
            .received_at
            .checked_add(left)
            .unwrap_or(self.expires_at);
        self
    }

    /// How long before [`Self::local_expires_at`] the token stops being used: a tenth of its
    /// lifetime, at most [`EXPIRY_MARGIN`]. A 24-hour token is renewed 5 minutes before it
    /// expires; a 2-minute token 12 seconds before, rather than before every request.
    pub fn margin(&self) -> SignedDuration {
        let lifetime = self
            .lifetime
            .unwrap_or_else(|| self.local_expires_at.duration_since(self.received_at));
        (lifetime / 10).clamp(SignedDuration::ZERO, EXPIRY_MARGIN)
    }

    /// Whether the token may still be used at `now`, leaving [`Self::margin`].
    pub fn is_fresh(&self, now: Timestamp) -> bool {
        now.checked_add(self.margin())
            .is_ok_and(|t| t < self.local_expires_at)
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
            .field("lifetime", &self.lifetime)
            .field("received_at", &self.received_at)
            .field("local_expires_at", &self.local_expires_at)
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lifetime_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    received_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    local_expires_at: Option<String>,
}

/// What a usable cache directory gave us.
struct Ready {
    uid: u32,
    hmac_key: [u8; KEY_LEN],
}

/// The token cache rooted at one directory.
pub(crate) struct TokenCache {
    dir: PathBuf,
    ready: OnceLock<Option<Ready>>,
}

// By hand: the HMAC key stays out of `{:?}`.
impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache in `dir` (created on first use, mode 0700).
    pub(crate) fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            ready: OnceLock::new(),
        }
    }

    #[cfg(test)]
    /// The directory this cache uses.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds `key`'s token.
    pub(crate) fn path_for(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    /// The keyed hash of `secret` for [`CacheKey::credential`]; `None` when the cache is
    /// unusable (then nothing is cached).
    pub(crate) fn credential_tag(&self, secret: &SecretString) -> Option<String> {
        let ready = self.ready()?;
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&ready.hmac_key).ok()?;
        mac.update(secret.expose_secret().as_bytes());
        Some(hex::encode(mac.finalize().into_bytes()))
    }

    /// The cached token for `key`, if there is a trustworthy, parsable one that is still
    /// fresh at `now` (see [`CachedToken::is_fresh`]).
    pub(crate) fn load(&self, key: &CacheKey, now: Timestamp) -> Option<CachedToken> {
        let uid = self.ready()?.uid;
        let token = read_entry(&self.path_for(key), uid)?;
        token.is_fresh(now).then_some(token)
    }

    /// Writes `token` for `key`, atomically replacing any previous file.
    pub(crate) fn store(&self, key: &CacheKey, token: &CachedToken) -> std::io::Result<()> {
        if self.ready().is_none() {
            return Err(std::io::Error::other(
                "the token cache directory is unusable",
            ));
        }
        let entry = Entry {
            token: token.token.expose_secret().to_owned(),
            expires_at: token.expires_at.to_string(),
            project_id: token.project_id.clone(),
            ims_endpoint: token.ims_endpoint.clone(),
            service_endpoints: token.service_endpoints.clone(),
            lifetime_secs: token.lifetime.map(|l| l.as_secs()),
            received_at: Some(token.received_at.to_string()),
            local_expires_at: Some(token.local_expires_at.to_string()),
        };
        let bytes = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        self.write_atomically(&self.path_for(key), &bytes, true)
    }

    /// Forgets `key`'s token (after IAM refused it). A missing file is not an error.
    pub(crate) fn remove(&self, key: &CacheKey) -> std::io::Result<()> {
        match fs::remove_file(self.path_for(key)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// `bytes` into `target` through a private temporary file in the same directory, so that
    /// `target` is whole or absent; the temporary file is removed on any failure (and swept
    /// later if the process dies first). Without `replace`, an existing `target` is kept.
    fn write_atomically(&self, target: &Path, bytes: &[u8], replace: bool) -> std::io::Result<()> {
        // tempfile creates the file with mode 0600 from the start: no window with the umask.
        let mut file = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(".tmp")
            .tempfile_in(&self.dir)?;
        file.write_all(bytes)?;
        file.as_file().sync_data()?;
        if replace {
            file.persist(target).map_err(|e| e.error)?;
        } else {
            file.persist_noclobber(target).map_err(|e| e.error)?;
        }
        Ok(())
    }

    /// Checks (and, the first time, creates) the directory and the HMAC key, and sweeps
    /// stale temporary files; `None` when the directory cannot be trusted or used.
    fn ready(&self) -> Option<&Ready> {
        self.ready.get_or_init(|| self.prepare()).as_ref()
    }

    fn prepare(&self) -> Option<Ready> {
        let uid = platform::current_uid()?;
        platform::private_dir(fs::DirBuilder::new().recursive(true))
            .create(&self.dir)
            .ok()?;
        let meta = fs::symlink_metadata(&self.dir).ok()?;
        if !meta.is_dir() {
            warn(&format!(
                "token cache `{}` is not a directory: not using it",
                self.dir.display()
            ));
            return None;
        }
        if platform::owner(&meta) != Some(uid) {
            warn(&format!(
                "token cache directory `{}` belongs to another user: not using it",
                self.dir.display()
            ));
            return None;
        }
        if !platform::is_private(&meta) {
            // Ours but open to others (created by hand, or by an older version with a loose
            // umask): tokens must not be listable or replaceable by anyone else.
            if platform::make_private_dir(&self.dir).is_err() {
                warn(&format!(
                    "token cache directory `{}` is open to other users and cannot be made private: not using it",
                    self.dir.display()
                ));
                return None;
            }
            crate::log::debug_log(1, || {
                format!(
                    "token cache directory `{}` was open to others: made private (700)",
                    self.dir.display()
                )
            });
        }
        self.sweep_stale_temp_files(uid);
        let hmac_key = self.hmac_key(uid)?;
        Some(Ready { uid, hmac_key })
    }

    /// Removes our temporary files older than [`STALE_TEMP_AGE`]: left by a process killed
    /// between creating and renaming, they would otherwise keep a token on disk forever.
    fn sweep_stale_temp_files(&self, uid: u32) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            // Also the names an earlier version used: `.{name}.{pid}.{random}.tmp`.
            #[expect(
                clippy::case_sensitive_file_extension_comparisons,
                reason = "names this program wrote itself, in lower case"
            )]
            if !(name.starts_with('.') && name.ends_with(".tmp")) {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            let stale = meta
                .modified()
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|age| age >= STALE_TEMP_AGE);
            if meta.is_file() && platform::owner(&meta) == Some(uid) && stale {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// The per-user HMAC key: read when trustworthy, else made from the OS's random source
    /// (an untrustworthy one is replaced, which merely orphans the old entries).
    fn hmac_key(&self, uid: u32) -> Option<[u8; KEY_LEN]> {
        let path = self.dir.join(KEY_FILE);
        for _ in 0..3 {
            match open_checked(&path) {
                Some((file, meta)) => {
                    if platform::owner(&meta) == Some(uid)
                        && platform::is_private(&meta)
                        && meta.len() == KEY_LEN as u64
                    {
                        let mut key = [0_u8; KEY_LEN];
                        let mut file = file;
                        if file.read_exact(&mut key).is_ok() {
                            return Some(key);
                        }
                    }
                    let mut key = [0_u8; KEY_LEN];
                    getrandom::fill(&mut key).ok()?;
                    self.write_atomically(&path, &key, true).ok()?;
                    return Some(key);
                }
                None if fs::symlink_metadata(&path).is_ok() => {
                    // A symlink or something else planted there: replace it with a file.
                    fs::remove_file(&path).ok()?;
                }
                None => {
                    let mut key = [0_u8; KEY_LEN];
                    getrandom::fill(&mut key).ok()?;
                    // Two first runs at once: the first key wins, the other process reads it.
                    if self.write_atomically(&path, &key, false).is_ok() {
                        return Some(key);
                    }
                }
            }
        }
        None
    }
}

/// A warning about the cache on stderr: the cache is disabled, not the command.
fn warn(message: &str) {
    crate::log::log_line(&format!(
        "imsjob: warning: {}",
        crate::safe_text::sanitize_lines(message)
    ));
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
    let expires_at: Timestamp = entry.expires_at.parse().ok()?;
    // Files without these fields: valid until `expires_at`, with the full margin. A time so
    // near the end of the representable range that the day before does not exist is no
    // time we wrote: the entry is treated as absent.
    let received_at = match entry.received_at.and_then(|t| t.parse().ok()) {
        Some(at) => at,
        None => expires_at
            .checked_sub(SignedDuration::from_hours(24))
            .ok()?,
    };
    Some(CachedToken {
        token: SecretString::from(entry.token),
        expires_at,
        project_id: entry.project_id,
        ims_endpoint: entry.ims_endpoint,
        service_endpoints: entry.service_endpoints,
        lifetime: entry
            .lifetime_secs
            .filter(|s| *s > 0)
            .map(SignedDuration::from_secs),
        received_at,
        local_expires_at: entry
            .local_expires_at
            .and_then(|t| t.parse().ok())
            .unwrap_or(expires_at),
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

/// What the cache's safety checks need from the platform: our user id, private modes
/// (0700), a file's owner, and whether two metadata describe the same file.
#[cfg(unix)]
mod platform {
    use std::fs::{DirBuilder, Metadata};
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    use std::path::Path;

    #[expect(
        clippy::unnecessary_wraps,
        reason = "other platforms have no uid to give"
    )]
    pub(super) fn current_uid() -> Option<u32> {
        Some(rustix::process::geteuid().as_raw())
    }

    pub(super) fn private_dir(builder: &mut DirBuilder) -> &mut DirBuilder {
        builder.mode(0o700)
    }

    pub(super) fn make_private_dir(path: &Path) -> std::io::Result<()> {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
    }

    #[expect(
        clippy::unnecessary_wraps,
        reason = "other platforms have no owner to give"
    )]
    pub(super) fn owner(meta: &Metadata) -> Option<u32> {
        Some(meta.uid())
    }

    #[expect(
        clippy::verbose_bit_mask,
        reason = "no permission for group or others, read as the mode bits it tests"
    )]
    pub(super) fn is_private(meta: &Metadata) -> bool {
        meta.mode() & 0o077 == 0
    }

    pub(super) fn same_file(a: &Metadata, b: &Metadata) -> bool {
        a.dev() == b.dev() && a.ino() == b.ino()
    }
}

/// Elsewhere (Windows) the cache is off: std offers no way to create a file only its owner
/// can read, nor to tell who owns one, and a token is a secret. A password login then costs
/// one IAM request per run. With no user id the cache is never ready: nothing is read or
/// written.
#[cfg(not(unix))]
mod platform {
    use std::fs::{DirBuilder, Metadata};
    use std::path::Path;

    pub(super) fn current_uid() -> Option<u32> {
        None
    }

    pub(super) fn private_dir(builder: &mut DirBuilder) -> &mut DirBuilder {
        builder
    }

    pub(super) fn make_private_dir(_path: &Path) -> std::io::Result<()> {
        Err(std::io::ErrorKind::Unsupported.into())
    }

    pub(super) fn owner(_meta: &Metadata) -> Option<u32> {
        None
    }

    pub(super) fn is_private(_meta: &Metadata) -> bool {
        false
    }

    pub(super) fn same_file(_a: &Metadata, _b: &Metadata) -> bool {
        false
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    use std::sync::Arc;

    fn key() -> CacheKey {
        CacheKey {
            auth_url: "https://iam.example.com/v3".into(),
            user: "alice".into(),
            domain: "OTC000".into(),
            project: "eu-de_prod".into(),
            region: "eu-de".into(),
            credential: "tag".into(),
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
            service_endpoints: std::collections::BTreeMap::new(),
            lifetime: Some(SignedDuration::from_hours(24)),
            received_at: now() + SignedDuration::from_mins(valid_for_mins)
                - SignedDuration::from_hours(24),
            local_expires_at: now() + SignedDuration::from_mins(valid_for_mins),
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
        assert_eq!(
            keys,
            [
                "expires_at",
                "ims_endpoint",
                "lifetime_secs",
                "local_expires_at",
                "project_id",
                "received_at",
                "token"
            ]
        );

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
        let mut names: Vec<String> = fs::read_dir(cache.dir())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut expected = vec![key().file_name(), KEY_FILE.to_owned()];
        expected.sort();
        assert_eq!(names, expected);
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
    fn short_lived_tokens_keep_a_margin_in_proportion() {
        let mut short = token("t", 2);
        short.lifetime = Some(SignedDuration::from_mins(2));
        short.received_at = now();
        assert_eq!(short.margin(), SignedDuration::from_secs(12));
        assert!(short.is_fresh(now() + SignedDuration::from_secs(100)));
        assert!(!short.is_fresh(now() + SignedDuration::from_secs(108)));
        // A local clock an hour ahead of IAM's: what was left by IAM's clock counts.
        let mut skewed = token("t", 0);
        skewed.expires_at = now() - SignedDuration::from_mins(1);
        skewed.lifetime = Some(SignedDuration::from_hours(1));
        skewed.received_at = now();
        let skewed = skewed.with_server_time(now() - SignedDuration::from_mins(61));
        // Less the second `Date` may lag behind.
        assert_eq!(
            skewed.local_expires_at,
            now() + SignedDuration::from_hours(1) - SignedDuration::from_secs(1)
        );
        assert!(skewed.is_fresh(now() + SignedDuration::from_mins(50)));
        assert!(!skewed.is_fresh(now() + SignedDuration::from_mins(56)));
    }

    #[test]
    fn the_credential_tag_is_keyed_and_follows_the_password() {
        let (_d, first) = cache();
        let a = first
            .credential_tag(&SecretString::from("pw-one".to_owned()))
            .expect("tag");
        let b = first
            .credential_tag(&SecretString::from("pw-two".to_owned()))
            .expect("tag");
        assert_ne!(a, b);
        assert_eq!(
            Some(a.clone()),
            first.credential_tag(&SecretString::from("pw-one".to_owned()))
        );
        // A plain hash of the password would be the same in every cache; this one is not.
        let (_e, other) = cache();
        assert_ne!(
            Some(a),
            other.credential_tag(&SecretString::from("pw-one".to_owned()))
        );
        let key_file = first.dir().join(KEY_FILE);
        let mode = fs::metadata(&key_file).expect("key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let region = CacheKey {
            region: "eu-nl".into(),
            ..key()
        };
        assert_ne!(region.file_name(), key().file_name());
    }

    #[test]
    fn stale_temp_files_are_swept_and_fresh_ones_kept() {
        let (d, _) = cache();
        let dir = d.path().join("tokens");
        fs::DirBuilder::new().mode(0o700).create(&dir).expect("dir");
        let stale = dir.join(".tmp-killed.tmp");
        let legacy = dir.join(".abc.json.123.0000000000000001.tmp");
        let fresh = dir.join(".tmp-writing.tmp");
        let other = dir.join("notes.txt");
        for path in [&stale, &legacy, &fresh, &other] {
            fs::write(path, "token").expect("write");
        }
        let old = SystemTime::now() - Duration::from_secs(120);
        for path in [&stale, &legacy, &other] {
            File::options()
                .write(true)
                .open(path)
                .expect("open")
                .set_modified(old)
                .expect("mtime");
        }
        let cache = TokenCache::new(&dir);
        assert!(cache.load(&key(), now()).is_none());
        assert!(
            !stale.exists() && !legacy.exists(),
            "stale temp files removed"
        );
        assert!(fresh.exists(), "a live writer's file is left alone");
        assert!(other.exists(), "only temp files are swept");
    }

    #[test]
    fn an_open_directory_of_ours_is_made_private() {
        let (d, _) = cache();
        let dir = d.path().join("tokens");
        fs::create_dir(&dir).expect("dir");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).expect("chmod");
        let cache = TokenCache::new(&dir);
        cache.store(&key(), &token("t", 60)).expect("stores");
        let mode = fs::metadata(&dir).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(cache.load(&key(), now()).is_some());
    }

    #[test]
    fn a_planted_key_file_is_replaced() {
        let (d, _) = cache();
        let dir = d.path().join("tokens");
        fs::DirBuilder::new().mode(0o700).create(&dir).expect("dir");
        fs::write(dir.join(KEY_FILE), [7_u8; KEY_LEN]).expect("write");
        fs::set_permissions(dir.join(KEY_FILE), fs::Permissions::from_mode(0o644)).expect("chmod");
        let cache = TokenCache::new(&dir);
        assert!(
            cache
                .credential_tag(&SecretString::from("pw".to_owned()))
                .is_some()
        );
        let mode = fs::metadata(dir.join(KEY_FILE))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_ne!(fs::read(dir.join(KEY_FILE)).expect("key"), [7_u8; KEY_LEN]);
    }

    #[test]
    fn debug_redacts_the_token() {
        let shown = format!("{:?}", token("super-secret-token", 60));
        assert!(!shown.contains("super-secret"));
    }
}
