//! `clouds.yaml` and `secure.yaml`, found and merged the way OpenStack tools do it.
//!
//! Search order (first file found wins, for each of the two files separately): the current
//! directory, `~/.config/openstack/`, `/etc/openstack/`, trying `.yaml`, `.yml` then `.json`
//! in each. `OS_CLIENT_CONFIG_FILE` / `OS_CLIENT_SECURE_FILE` replace the search. The
//! secure file is merged deeply over the clouds file, so secrets can live apart from the rest.
//!
//! Everything in here is hermetic: the search roots come from a [`ConfigEnv`] value, which
//! settings fills from the captured environment.
//!
//! Error messages name files, lines and keys but never values: a malformed file may well
//! hold a password.

use std::path::{Path, PathBuf};

use serde_norway::{Mapping, Value};

pub use super::fields::CloudConfig;
use super::fields::Where;

/// Variable that names the clouds file, replacing the search.
pub(crate) const CLIENT_CONFIG_FILE_VAR: &str = "OS_CLIENT_CONFIG_FILE";
/// Variable that names the secure file, replacing the search.
pub(crate) const CLIENT_SECURE_FILE_VAR: &str = "OS_CLIENT_SECURE_FILE";

const SUFFIXES: [&str; 3] = ["yaml", "yml", "json"];

/// Where to look for the files: the parts of the process environment that matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEnv {
    /// The current directory (searched first).
    pub cwd: PathBuf,
    /// The home directory; `~/.config/openstack` is searched second.
    pub home: Option<PathBuf>,
    /// The system directory, normally `/etc/openstack`.
    pub system_dir: PathBuf,
    /// `OS_CLIENT_CONFIG_FILE`, if set and not empty.
    pub client_config_file: Option<PathBuf>,
    /// `OS_CLIENT_SECURE_FILE`, if set and not empty.
    pub client_secure_file: Option<PathBuf>,
}

impl ConfigEnv {
    /// The search roots, with the system directory at its usual `/etc/openstack`. The
    /// caller reads the process (only settings does), so this module stays hermetic.
    #[must_use]
    pub fn new(
        cwd: PathBuf,
        home: Option<PathBuf>,
        client_config_file: Option<PathBuf>,
        client_secure_file: Option<PathBuf>,
    ) -> Self {
        Self {
            cwd,
            home,
            system_dir: PathBuf::from("/etc/openstack"),
            client_config_file,
            client_secure_file,
        }
    }

    fn search_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.cwd.clone()];
        if let Some(home) = &self.home {
            dirs.push(home.join(".config").join("openstack"));
        }
        dirs.push(self.system_dir.clone());
        dirs
    }

    fn find(&self, stem: &str, explicit: Option<&PathBuf>) -> Result<Option<PathBuf>, CloudsError> {
        if let Some(path) = explicit {
            // An explicit file that is missing is a mistake worth reporting, not a reason to
            // silently fall back to some other configuration.
            return if path.is_file() {
                Ok(Some(path.clone()))
            } else {
                Err(CloudsError::ExplicitFileMissing {
                    variable: if stem == "clouds" {
                        CLIENT_CONFIG_FILE_VAR
                    } else {
                        CLIENT_SECURE_FILE_VAR
                    },
                    path: path.clone(),
                })
            };
        }
        Ok(self
            .search_dirs()
            .into_iter()
            .flat_map(|dir| SUFFIXES.map(|s| dir.join(format!("{stem}.{s}"))))
            .find(|p| p.is_file()))
    }

    /// The clouds file that would be used, if any.
    pub fn clouds_file(&self) -> Result<Option<PathBuf>, CloudsError> {
        self.find("clouds", self.client_config_file.as_ref())
    }

    /// The secure file that would be used, if any.
    pub fn secure_file(&self) -> Result<Option<PathBuf>, CloudsError> {
        self.find("secure", self.client_secure_file.as_ref())
    }
}

/// Why the cloud configuration could not be loaded. Never carries a configuration value.
#[derive(Debug, thiserror::Error)]
pub enum CloudsError {
    /// `OS_CLIENT_CONFIG_FILE` or `OS_CLIENT_SECURE_FILE` names a file that does not exist.
    #[error("`{variable}` names `{}`, which is not a readable file", path.display())]
    ExplicitFileMissing {
        /// The variable that was set.
        variable: &'static str,
        /// Its value.
        path: PathBuf,
    },
    /// The file exists but cannot be read.
    #[error("cannot read `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid YAML.
    #[error("`{}`{}: invalid YAML: {message}", path.display(), line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error, when the parser knows it.
        line: Option<usize>,
        /// The parser's description, without its location and without any value.
        message: String,
    },
    /// The file is larger than any real one.
    #[error("`{}` is larger than {} KiB; a clouds file holds a few entries", path.display(), limit / 1024)]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// Flow collections nest deeper than any real file needs.
    #[error("`{}` line {line}: brackets nest more than {limit} levels deep", path.display())]
    TooDeep {
        /// The file.
        path: PathBuf,
        /// 1-based line where the limit was passed.
        line: usize,
        /// The limit.
        limit: usize,
    },
    /// A key has the wrong type (e.g. a list where a string belongs).
    #[error("`{}`: `{key}` must be {expected}", path.display())]
    WrongType {
        /// The file the cloud came from.
        path: PathBuf,
        /// Dotted key path, e.g. `clouds.prod.verify`.
        key: String,
        /// What was expected.
        expected: &'static str,
    },
    /// `--cloud` / `OS_CLOUD` names a cloud that is not in the file.
    #[error("cloud `{name}` not found in `{}`; available: {}", path.display(), if available.is_empty() { "none".to_owned() } else { available.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ") })]
    UnknownCloud {
        /// The requested name.
        name: String,
        /// The clouds file searched.
        path: PathBuf,
        /// The names that are defined.
        available: Vec<String>,
    },
    /// A cloud was requested but no clouds file exists anywhere on the search path.
    #[error("cloud `{name}` requested but no `clouds.yaml` found (searched {})", searched.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", "))]
    NoCloudsFile {
        /// The requested name.
        name: String,
        /// The directories searched.
        searched: Vec<PathBuf>,
    },
}

/// Loads the cloud called `name` (from `--cloud` / `OS_CLOUD`).
///
/// Without a name nothing is read and the result is `Ok(None)`: as with OpenStack tools, a
/// `clouds.yaml` lying around is only used when a cloud is asked for by name. With a name the
/// cloud must exist in the clouds file or the secure file.
pub fn load(env: &ConfigEnv, name: Option<&str>) -> Result<Option<CloudConfig>, CloudsError> {
    let Some(name) = name else {
        return Ok(None);
    };
    let clouds_path = env.clouds_file()?;
    let secure_path = env.secure_file()?;
    let Some(source) = clouds_path.clone().or_else(|| secure_path.clone()) else {
        return Err(CloudsError::NoCloudsFile {
            name: name.to_owned(),
            searched: env.search_dirs(),
        });
    };

    let mut merged = Value::Mapping(Mapping::new());
    for path in [&clouds_path, &secure_path].into_iter().flatten() {
        deep_merge(&mut merged, read_yaml(path)?);
    }

    let clouds = match merged.get("clouds") {
        None | Some(Value::Null) => Mapping::new(),
        Some(Value::Mapping(m)) => m.clone(),
        Some(_) => {
            return Err(CloudsError::WrongType {
                path: source,
                key: "clouds".into(),
                expected: "a mapping",
            });
        }
    };
    let available: Vec<String> = clouds.keys().filter_map(scalar_to_string).collect();

    let Some(entry) = clouds
        .iter()
        .find(|(k, _)| scalar_to_string(k).as_deref() == Some(name))
        .map(|(_, v)| v.clone())
    else {
        return Err(CloudsError::UnknownCloud {
            name: name.to_owned(),
            path: source,
            available,
        });
    };
    let cloud_name = name.to_owned();

    CloudReader {
        path: &source,
        prefix: format!("clouds.{cloud_name}"),
    }
    .build(cloud_name.clone(), &entry)
    .map(|mut c| {
        c.source.clone_from(&source);
        Some(c)
    })
}

/// The largest clouds or secure file read: real ones are a few kilobytes, and a huge one is
/// a mistake (or a trap) that would only cost time.
pub(crate) const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The deepest nesting of flow collections (`[...]`, `{...}`) accepted; a real file needs
/// three or four. The YAML parser takes seconds over tens of thousands of levels before it
/// gives up, so they are counted first.
pub(crate) const MAX_FLOW_DEPTH: usize = 64;

fn read_yaml(path: &Path) -> Result<Value, CloudsError> {
    use std::io::Read;
    let read_error = |source| CloudsError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(CloudsError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_FILE_BYTES,
        });
    }
    let text = String::from_utf8(bytes).map_err(|_| CloudsError::Parse {
        path: path.to_path_buf(),
        line: None,
        message: "not UTF-8 text".to_owned(),
    })?;
    if let Some(line) = too_deep(&text, MAX_FLOW_DEPTH) {
        return Err(CloudsError::TooDeep {
            path: path.to_path_buf(),
            line,
            limit: MAX_FLOW_DEPTH,
        });
    }
    match serde_norway::from_str::<Value>(&text) {
        Ok(value) => Ok(value),
        Err(err) => Err(CloudsError::Parse {
            path: path.to_path_buf(),
            line: err.location().map(|l| l.line()),
            message: parse_message(&err),
        }),
    }
}

/// The 1-based line where flow collections (`[`, `{`) nest deeper than `limit`, if they do.
/// Quoted scalars and comments are skipped; a bracket inside a plain scalar may count too,
/// which can only make a far-fetched file be refused, never let a deep one through.
fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let mut depth = 0_usize;
    let mut line = 1;
    let mut quote = None;
    let mut previous = '\n';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        match quote {
            Some('\'') if c == '\'' => {
                // `''` is an escaped quote inside a single-quoted scalar.
                if chars.next_if_eq(&'\'').is_none() {
                    quote = None;
                }
            }
            Some('"') if c == '\\' => {
                if chars.next() == Some('\n') {
                    line += 1;
                }
            }
            Some('"') if c == '"' => quote = None,
            Some(_) => {}
            None => match c {
                // A quote opens a scalar only where one starts: `it's` is plain text.
                '\'' | '"' if previous.is_whitespace() || matches!(previous, '[' | '{' | ',') => {
                    quote = Some(c);
                }
                '#' if previous.is_whitespace() => while chars.next_if(|&c| c != '\n').is_some() {},
                '[' | '{' => {
                    depth += 1;
                    if depth > limit {
                        return Some(line);
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        previous = c;
    }
    None
}

/// The parser's message without its trailing ` at line L column C` (we print the line
/// ourselves) and cut before any quoted text, so a scalar from the file cannot be echoed.
fn parse_message(err: &serde_norway::Error) -> String {
    let full = err.to_string();
    let without_location = full.split(" at line ").next().unwrap_or(&full);
    let without_quotes = without_location
        .split(['"', '`', '\''])
        .next()
        .unwrap_or(without_location)
        .trim_end_matches([' ', ':', ',']);
    if without_quotes.is_empty() {
        "syntax error".to_owned()
    } else {
        without_quotes.to_owned()
    }
}

/// `overlay` wins; mappings are merged key by key, anything else is replaced.
fn deep_merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Mapping(base), Value::Mapping(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) => deep_merge(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (_, Value::Null) => {}
        (base, overlay) => *base = overlay,
    }
}

fn scalar_to_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

struct CloudReader<'a> {
    path: &'a Path,
    prefix: String,
}

impl CloudReader<'_> {
    fn wrong(&self, key: &str, expected: &'static str) -> CloudsError {
        CloudsError::WrongType {
            path: self.path.to_path_buf(),
            key: format!("{}.{key}", self.prefix),
            expected,
        }
    }

    fn mapping<'v>(
        &self,
        parent: &'v Value,
        key: &str,
    ) -> Result<Option<&'v Mapping>, CloudsError> {
        match parent.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Mapping(m)) => Ok(Some(m)),
            Some(_) => Err(self.wrong(key, "a mapping")),
        }
    }

    /// A string-ish scalar; numbers are accepted because YAML turns `project_id: 0123` or a
    /// numeric passcode into numbers.
    fn string(
        &self,
        map: Option<&Mapping>,
        at: &str,
        key: &str,
    ) -> Result<Option<String>, CloudsError> {
        match map.and_then(|m| m.get(key)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(v @ (Value::String(_) | Value::Number(_))) => Ok(scalar_to_string(v)),
            Some(_) => Err(self.wrong(&join_key(at, key), "a string")),
        }
    }

    fn build(&self, name: String, entry: &Value) -> Result<CloudConfig, CloudsError> {
        let top = match entry {
            Value::Mapping(m) => Some(m),
            Value::Null => None,
            _ => {
                return Err(CloudsError::WrongType {
                    path: self.path.to_path_buf(),
                    key: self.prefix.clone(),
                    expected: "a mapping",
                });
            }
        };
        let auth = match top {
            Some(_) => self.mapping(entry, "auth")?,
            None => None,
        };
        let verify = match top.and_then(|m| m.get("verify")) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
            Some(_) => return Err(self.wrong("verify", "a boolean")),
        };
        let mut cloud = CloudConfig::from_keys(|places, key| {
            for place in places {
                let found = match place {
                    Where::Auth => self.string(auth, "auth", key)?,
                    Where::Top => self.string(top, "", key)?,
                };
                if found.is_some() {
                    return Ok(found);
                }
            }
            Ok(None)
        })?;
        cloud.name = name;
        cloud.verify = verify;
        Ok(cloud)
    }
}

fn join_key(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_nesting_is_counted_outside_quotes_and_comments() {
        assert_eq!(too_deep("a: [[1]]\n", 2), None);
        assert_eq!(too_deep("a: [[[1]]]\n", 2), Some(1));
        assert_eq!(
            too_deep("a: '[[[['\nb: \"{{{\\\"{\"\n# [[[[\nc: x#[[[\n", 2),
            Some(4)
        );
        assert_eq!(too_deep("p: it's\nq: [[[x]]]\n", 2), Some(2));
        assert_eq!(too_deep(&"[".repeat(100_000), MAX_FLOW_DEPTH), Some(1));
    }
    use secrecy::ExposeSecret;

    struct Fixture {
        _root: tempfile::TempDir,
        env: ConfigEnv,
    }

    impl Fixture {
        fn new() -> Self {
            let root = tempfile::tempdir().expect("tempdir");
            let p = root.path();
            for d in ["cwd", "home/.config/openstack", "etc"] {
                std::fs::create_dir_all(p.join(d)).expect("mkdir");
            }
            let env = ConfigEnv {
                cwd: p.join("cwd"),
                home: Some(p.join("home")),
                system_dir: p.join("etc"),
                client_config_file: None,
                client_secure_file: None,
            };
            Self { _root: root, env }
        }

        fn user_dir(&self) -> PathBuf {
            self.env
                .home
                .as_ref()
                .expect("home")
                .join(".config/openstack")
        }

        #[expect(
            clippy::unused_self,
            reason = "files are written where the fixture lives"
        )]
        fn write(&self, dir: &Path, name: &str, text: &str) -> PathBuf {
            let path = dir.join(name);
            std::fs::write(&path, text).expect("write");
            path
        }
    }

    const CLOUDS: &str = "\
clouds:
  prod:
    auth:
      auth_url: https://iam.eu-de.otc.t-systems.com/v3
      username: alice
      project_name: eu-de_prod
      user_domain_name: OTC00000000001000000001
    region_name: eu-de
    cacert: /tmp/ca.pem
    verify: false
  keys:
    ak: TOPLEVELAK
    sk: top-level-secret
    security_token: top-level-token
  inner:
    auth:
      ak: INNERAK
      sk: inner-secret
      project_id: 0123
      passcode: 123456
";

    #[test]
    fn search_order_first_found_wins() {
        let f = Fixture::new();
        f.write(&f.env.system_dir, "clouds.yaml", "clouds: {etc: {}}");
        let cfg = load(&f.env, Some("etc")).expect("loads").expect("some");
        assert_eq!(cfg.source, f.env.system_dir.join("clouds.yaml"));

        f.write(&f.user_dir(), "clouds.yml", "clouds: {user: {}}");
        assert!(matches!(
            load(&f.env, Some("etc")),
            Err(CloudsError::UnknownCloud { .. })
        ));
        assert_eq!(
            load(&f.env, Some("user"))
                .expect("loads")
                .expect("some")
                .name,
            "user"
        );

        f.write(&f.env.cwd, "clouds.yaml", "clouds: {here: {}}");
        assert!(load(&f.env, Some("here")).expect("loads").is_some());
        // `.yaml` is tried before `.yml` in the same directory.
        f.write(&f.env.cwd, "clouds.yml", "clouds: {other: {}}");
        assert!(load(&f.env, Some("here")).expect("loads").is_some());
    }

    #[test]
    fn explicit_files_replace_the_search() {
        let mut f = Fixture::new();
        f.write(&f.env.cwd, "clouds.yaml", "clouds: {here: {}}");
        let explicit = f.write(&f.env.system_dir, "custom.yaml", "clouds: {custom: {}}");
        f.env.client_config_file = Some(explicit);
        assert!(load(&f.env, Some("custom")).expect("loads").is_some());

        f.env.client_config_file = Some(f.env.system_dir.join("missing.yaml"));
        let err = load(&f.env, Some("custom")).expect_err("missing explicit file");
        assert!(err.to_string().contains("OS_CLIENT_CONFIG_FILE"), "{err}");
    }

    #[test]
    fn fields_are_read_from_auth_and_top_level() {
        let f = Fixture::new();
        f.write(&f.env.cwd, "clouds.yaml", CLOUDS);

        let prod = load(&f.env, Some("prod")).expect("loads").expect("some");
        assert_eq!(
            prod.auth_url.as_deref(),
            Some("https://iam.eu-de.otc.t-systems.com/v3")
        );
        assert_eq!(prod.username.as_deref(), Some("alice"));
        assert_eq!(prod.project_name.as_deref(), Some("eu-de_prod"));
        assert_eq!(
            prod.user_domain_name.as_deref(),
            Some("OTC00000000001000000001")
        );
        assert_eq!(prod.region_name.as_deref(), Some("eu-de"));
        assert_eq!(prod.cacert, Some(PathBuf::from("/tmp/ca.pem")));
        assert_eq!(prod.verify, Some(false));
        assert!(prod.password.is_none());

        let keys = load(&f.env, Some("keys")).expect("loads").expect("some");
        assert_eq!(keys.ak.as_deref(), Some("TOPLEVELAK"));
        assert_eq!(
            keys.sk.as_ref().map(|s| s.expose_secret().to_owned()),
            Some("top-level-secret".into())
        );
        assert!(keys.security_token.is_some());

        let inner = load(&f.env, Some("inner")).expect("loads").expect("some");
        assert_eq!(inner.ak.as_deref(), Some("INNERAK"));
        assert_eq!(
            inner.sk.as_ref().map(|s| s.expose_secret().to_owned()),
            Some("inner-secret".into())
        );
        // YAML reads `0123` as the number 123; OTC ids are hex strings, so users quote them,
        // but a numeric value must still be accepted rather than rejected.
        assert!(inner.project_id.is_some());
        assert_eq!(
            inner
                .passcode
                .as_ref()
                .map(|s| s.expose_secret().to_owned()),
            Some("123456".into())
        );
    }

    #[test]
    fn secure_yaml_is_merged_deeply() {
        let f = Fixture::new();
        f.write(&f.env.cwd, "clouds.yaml", CLOUDS);
        f.write(
            &f.user_dir(),
            "secure.yaml",
            "clouds:\n  prod:\n    auth:\n      password: from-secure\n      username: bob\n",
        );
        let prod = load(&f.env, Some("prod")).expect("loads").expect("some");
        assert_eq!(
            prod.password.as_ref().map(|s| s.expose_secret().to_owned()),
            Some("from-secure".into())
        );
        assert_eq!(prod.username.as_deref(), Some("bob"));
        // Untouched keys of the same mapping survive the merge.
        assert_eq!(prod.project_name.as_deref(), Some("eu-de_prod"));
        assert_eq!(prod.verify, Some(false));
    }

    #[test]
    fn unknown_cloud_lists_available_names() {
        let f = Fixture::new();
        f.write(&f.env.cwd, "clouds.yaml", CLOUDS);
        let err = load(&f.env, Some("nope")).expect_err("unknown");
        let text = err.to_string();
        assert!(text.contains("`nope`"), "{text}");
        assert!(
            text.contains("`prod`") && text.contains("`keys`") && text.contains("`inner`"),
            "{text}"
        );
    }

    #[test]
    fn a_name_without_any_file_is_an_error() {
        let f = Fixture::new();
        assert!(load(&f.env, None).expect("loads").is_none());
        assert!(matches!(
            load(&f.env, Some("prod")),
            Err(CloudsError::NoCloudsFile { .. })
        ));
    }

    #[test]
    fn without_a_name_nothing_is_read() {
        let f = Fixture::new();
        f.write(
            &f.env.cwd,
            "clouds.yaml",
            "clouds: {solo: {region_name: eu-nl}}",
        );
        assert!(load(&f.env, None).expect("loads").is_none());
        f.write(&f.env.cwd, "clouds.yaml", "not: [valid");
        assert!(load(&f.env, None).expect("not even parsed").is_none());
    }

    #[test]
    fn malformed_yaml_names_file_and_line_without_values() {
        let f = Fixture::new();
        let path = f.write(
            &f.env.cwd,
            "clouds.yaml",
            "clouds:\n  prod:\n    auth:\n      password: \"hunter2-secret\n      username: [x\n",
        );
        let err = load(&f.env, Some("prod")).expect_err("malformed");
        let text = err.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("invalid YAML: "), "{text}");
        assert!(text.contains(" line "), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(matches!(err, CloudsError::Parse { line: Some(_), .. }));
    }

    #[test]
    fn wrong_types_name_the_key_not_the_value() {
        let f = Fixture::new();
        f.write(
            &f.env.cwd,
            "clouds.yaml",
            "clouds:\n  prod:\n    auth:\n      password: [hunter2-secret]\n",
        );
        let err = load(&f.env, Some("prod")).expect_err("wrong type");
        let text = err.to_string();
        assert!(text.contains("clouds.prod.auth.password"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");

        f.write(
            &f.env.cwd,
            "clouds.yaml",
            "clouds:\n  prod:\n    verify: maybe\n",
        );
        let err = load(&f.env, Some("prod")).expect_err("wrong type");
        assert!(err.to_string().contains("clouds.prod.verify"), "{err}");
    }

    #[test]
    fn debug_redacts_every_secret() {
        let f = Fixture::new();
        f.write(
            &f.env.cwd,
            "clouds.yaml",
            "clouds:\n  c:\n    sk: s-k-secret\n    auth:\n      password: p-w-secret\n      token: t-o-secret\n      passcode: p-c-secret\n      security_token: s-t-secret\n",
        );
        let cfg = load(&f.env, Some("c")).expect("loads").expect("some");
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("-secret"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
    }
}
