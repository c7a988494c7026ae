//! AK/SK request signing (`SDK-HMAC-SHA256`) and its verification.
//!
//! Open Telekom Cloud's API gateway accepts two flavours of the same scheme:
//!
//! - [`SignerVariant::Plain`]: the string to sign has no scope and the HMAC key is the secret
//!   key itself; the `Authorization` header carries `Access=AK`.
//! - [`SignerVariant::Derived`]: what OTC's Go SDK and the Terraform provider send; the key is
//!   derived through an HMAC chain over a `YYYYMMDD///sdk_request` scope and the header carries
//!   `Credential=AK/scope`.
//!
//! Both share one canonical request (see [`CanonicalRequest`]). The signing side is used by the
//! API client; the verifying side ([`verify`]) is used by the simulator, so both sides are built
//! from the same canonicalisation code and cannot drift apart.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The algorithm name that starts both the string to sign and the `Authorization` header.
pub(crate) const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// Environment variable that selects the signer variant (`plain` or `derived`).
pub(crate) const SIGNER_ENV_VAR: &str = "IMSJOB_AKSK_SIGNER";

/// The `X-Sdk-Date` header (lower case, as it appears in the signed-header list).
pub(crate) const SDK_DATE_HEADER: &str = "x-sdk-date";
/// The `X-Project-Id` header.
pub(crate) const PROJECT_ID_HEADER: &str = "x-project-id";
/// The `X-Security-Token` header sent with temporary AK/SK.
pub(crate) const SECURITY_TOKEN_HEADER: &str = "x-security-token";

/// Largest accepted distance between `X-Sdk-Date` and the verifier's clock.
pub(crate) const MAX_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_mins(15);

const SDK_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
const DERIVED_TERMINATOR: &str = "sdk_request";

/// Everything outside the RFC 3986 unreserved set is percent-encoded, in upper-case hex, in
/// both path segments and query components.
const ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Which flavour of `SDK-HMAC-SHA256` to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SignerVariant {
    /// Key = SK, no scope, `Access=AK`.
    Plain,
    /// Key derived from SK and the date, scope `YYYYMMDD///sdk_request`, `Credential=AK/scope`.
    #[default]
    Derived,
}

/// An `IMSJOB_AKSK_SIGNER` value that is neither `plain` nor `derived`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{SIGNER_ENV_VAR}` must be `plain` or `derived`, not `{0}`")]
pub(crate) struct UnknownSignerVariant(pub String);

impl SignerVariant {
    /// Parses the value of `IMSJOB_AKSK_SIGNER` (case-insensitive, surrounding blanks ignored).
    ///
    /// An empty value means the default, so `IMSJOB_AKSK_SIGNER=` behaves like unset.
    pub(crate) fn from_env_value(value: &str) -> Result<Self, UnknownSignerVariant> {
        match value.trim().to_ascii_lowercase().as_str() {
            "plain" => Ok(Self::Plain),
            "derived" | "" => Ok(Self::Derived),
            _ => Err(UnknownSignerVariant(value.to_owned())),
        }
    }
}

impl fmt::Display for SignerVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Plain => "plain",
            Self::Derived => "derived",
        })
    }
}

/// An access key with its secret, and the security token that comes with temporary keys.
#[derive(Clone)]
pub(crate) struct AkSk {
    /// The access key id; not secret, it appears in every `Authorization` header.
    pub access_key: String,
    /// The secret key.
    pub secret_key: SecretString,
    /// Present for temporary credentials; sent (and signed) as `X-Security-Token`.
    pub security_token: Option<SecretString>,
}

#[cfg(test)]
impl AkSk {
    /// Long-term credentials without a security token.
    pub(crate) fn new(access_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            access_key: access_key.into(),
            secret_key: SecretString::from(secret_key.into()),
            security_token: None,
        }
    }
}

// Written by hand so that neither the secret key nor the security token can leak via `{:?}`.
impl fmt::Debug for AkSk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AkSk")
            .field("access_key", &self.access_key)
            .field("secret_key", &"[REDACTED]")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

/// Why a request could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The URL has no host, so there is nothing to put in the signed `host` header.
    #[error("cannot sign a request to `{0}`: the URL has no host")]
    NoHost(String),
    /// A header name or value cannot be sent over HTTP.
    #[error("cannot sign header `{0}`: invalid name or value")]
    InvalidHeader(String),
}

/// The canonical form of a request, shared by signer and verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CanonicalRequest {
    /// The full canonical request text (six lines, the last without a newline).
    pub text: String,
    /// The `;`-joined lower-case signed header names, sorted.
    pub signed_headers: String,
}

impl CanonicalRequest {
    /// Builds the canonical request.
    ///
    /// `raw_path` and `raw_query` are taken as they appear on the wire (percent-encoded);
    /// both are decoded and re-encoded so that signer and verifier agree whatever escaping the
    /// HTTP stack chose. `headers` are exactly the headers to sign; names are compared
    /// case-insensitively and repeated names are joined with `,`.
    pub(crate) fn new(
        method: &str,
        raw_path: &str,
        raw_query: Option<&str>,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Self {
        let mut lines: Vec<(String, String)> = Vec::with_capacity(headers.len());
        for (name, value) in headers {
            let name = name.trim().to_ascii_lowercase();
            let value = value.trim();
            if let Some((_, existing)) = lines.iter_mut().find(|(n, _)| *n == name) {
                existing.push(',');
                existing.push_str(value);
            } else {
                lines.push((name, value.to_owned()));
            }
        }
        lines.sort_by(|a, b| a.0.cmp(&b.0));

        let mut canonical_headers = String::new();
        for (name, value) in &lines {
            canonical_headers.push_str(name);
            canonical_headers.push(':');
            canonical_headers.push_str(value);
            canonical_headers.push('\n');
        }
        let signed_headers = lines
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(";");

        let text = format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            method.to_ascii_uppercase(),
            canonical_uri(raw_path),
            canonical_query(raw_query.unwrap_or("")),
            canonical_headers,
            signed_headers,
            hex_sha256(body),
        );
        Self {
            text,
            signed_headers,
        }
    }

    /// `hex(sha256(canonical request))`, the last line of every string to sign.
    pub(crate) fn hash_hex(&self) -> String {
        hex_sha256(self.text.as_bytes())
    }
}

/// The URI line: every segment decoded then re-escaped, always ending in `/`.
pub fn canonical_uri(raw_path: &str) -> String {
    let mut out = raw_path
        .split('/')
        .map(|segment| escape(&percent_decode(segment.as_bytes()).collect::<Vec<u8>>()))
        .collect::<Vec<_>>()
        .join("/");
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// The query line: pairs decoded (`+` is a space, as in form encoding), sorted by key then
/// value, re-escaped and joined with `&`; a key without `=` gets an empty value.
pub fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = raw_query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            (form_decode(key), form_decode(value))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn form_decode(component: &str) -> Vec<u8> {
    let spaced = component.replace('+', " ");
    percent_decode(spaced.as_bytes()).collect()
}

fn escape(bytes: &[u8]) -> String {
    // `utf8_percent_encode` wants `&str`; bytes that are not UTF-8 are escaped one by one,
    // which is what the encoder would do for them anyway.
    match std::str::from_utf8(bytes) {
        Ok(s) => utf8_percent_encode(s, ESCAPE).to_string(),
        Err(_) => percent_encoding::percent_encode(bytes, ESCAPE).to_string(),
    }
}

fn hex_sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(data);
    mac
}

/// Formats a timestamp as `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`, UTC).
pub fn format_sdk_date(now: Timestamp) -> String {
    now.strftime(SDK_DATE_FORMAT).to_string()
}

/// Parses an `X-Sdk-Date` value.
pub fn parse_sdk_date(value: &str) -> Option<Timestamp> {
    if value.len() != 16 {
        return None;
    }
    let civil = jiff::civil::DateTime::strptime(SDK_DATE_FORMAT, value).ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(civil).ok()
}

/// The derived-variant scope for an `X-Sdk-Date`: `YYYYMMDD///sdk_request` (empty region and
/// service).
pub(crate) fn derived_scope(sdk_date: &str) -> String {
    format!(
        "{}///{DERIVED_TERMINATOR}",
        sdk_date.get(..8).unwrap_or(sdk_date)
    )
}

/// The string to sign for `variant`, given the `X-Sdk-Date` value and the canonical-request hash.
pub(crate) fn string_to_sign(
    variant: SignerVariant,
    sdk_date: &str,
    canonical_hash: &str,
) -> String {
    match variant {
        SignerVariant::Plain => format!("{ALGORITHM}\n{sdk_date}\n{canonical_hash}"),
        SignerVariant::Derived => format!(
            "{ALGORITHM}\n{sdk_date}\n{}\n{canonical_hash}",
            derived_scope(sdk_date)
        ),
    }
}

/// The derived signing key: HMAC chain `"SDK"+SK` → `YYYYMMDD` → `""` (region) → `""`
/// (service) → `"sdk_request"`.
pub(crate) fn derived_signing_key(secret_key: &SecretString, yyyymmdd: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(3 + secret_key.expose_secret().len());
    key.extend_from_slice(b"SDK");
    key.extend_from_slice(secret_key.expose_secret().as_bytes());
    let mut key = hmac(&key, yyyymmdd.as_bytes())
        .finalize()
        .into_bytes()
        .to_vec();
    for step in ["", "", DERIVED_TERMINATOR] {
        key = hmac(&key, step.as_bytes()).finalize().into_bytes().to_vec();
    }
    key
}

fn signing_mac(
    variant: SignerVariant,
    secret_key: &SecretString,
    sdk_date: &str,
    string_to_sign: &str,
) -> HmacSha256 {
    match variant {
        SignerVariant::Plain => hmac(
            secret_key.expose_secret().as_bytes(),
            string_to_sign.as_bytes(),
        ),
        SignerVariant::Derived => {
            let key = derived_signing_key(secret_key, sdk_date.get(..8).unwrap_or(sdk_date));
            hmac(&key, string_to_sign.as_bytes())
        }
    }
}

/// The hex signature of `string_to_sign` for `variant`.
pub(crate) fn signature_hex(
    variant: SignerVariant,
    secret_key: &SecretString,
    sdk_date: &str,
    string_to_sign: &str,
) -> String {
    hex::encode(
        signing_mac(variant, secret_key, sdk_date, string_to_sign)
            .finalize()
            .into_bytes(),
    )
}

/// The `Authorization` header value.
pub(crate) fn authorization_value(
    variant: SignerVariant,
    access_key: &str,
    sdk_date: &str,
    signed_headers: &str,
    signature: &str,
) -> String {
    match variant {
        SignerVariant::Plain => format!(
            "{ALGORITHM} Access={access_key}, SignedHeaders={signed_headers}, Signature={signature}"
        ),
        SignerVariant::Derived => format!(
            "{ALGORITHM} Credential={access_key}/{}, SignedHeaders={signed_headers}, Signature={signature}",
            derived_scope(sdk_date)
        ),
    }
}

/// The `host` header value the HTTP client will send for `url`: the port only when it is not
/// the scheme's default (which is what `Url::port` returns).
pub(crate) fn host_header(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// Signs requests with one set of credentials.
#[derive(Debug, Clone)]
pub(crate) struct Signer {
    /// The key pair (and optional security token).
    pub credentials: AkSk,
    /// Which variant to produce.
    pub variant: SignerVariant,
}

impl Signer {
    /// A signer for `credentials` producing `variant`.
    pub(crate) fn new(credentials: AkSk, variant: SignerVariant) -> Self {
        Self {
            credentials,
            variant,
        }
    }

    /// Signs one request and returns the headers to add to it: `X-Sdk-Date`, `Authorization`,
    /// plus `X-Project-Id` and `X-Security-Token` when there is one.
    ///
    /// `headers` are the request's other headers that should be covered by the signature
    /// (e.g. `content-type`); `host` is always signed, computed from `url` the way the HTTP
    /// client will send it. The caller must send every header in `headers` unchanged.
    pub(crate) fn sign(
        &self,
        method: &reqwest::Method,
        url: &Url,
        headers: &[(&str, &str)],
        body: &[u8],
        project_id: Option<&str>,
        now: Timestamp,
    ) -> Result<HeaderMap, SignError> {
        let host = host_header(url).ok_or_else(|| SignError::NoHost(url.to_string()))?;
        let sdk_date = format_sdk_date(now);
        let security_token = self
            .credentials
            .security_token
            .as_ref()
            .map(ExposeSecret::expose_secret);

        let mut to_sign: Vec<(&str, &str)> = headers
            .iter()
            .copied()
            .filter(|(name, _)| {
                // These are computed here; a caller-supplied copy would be signed twice.
                ![
                    "host",
                    SDK_DATE_HEADER,
                    PROJECT_ID_HEADER,
                    SECURITY_TOKEN_HEADER,
                    "authorization",
                ]
                .contains(&name.to_ascii_lowercase().as_str())
            })
            .collect();
        to_sign.push(("host", &host));
        to_sign.push((SDK_DATE_HEADER, &sdk_date));
        if let Some(project_id) = project_id {
            to_sign.push((PROJECT_ID_HEADER, project_id));
        }
        if let Some(token) = security_token {
            to_sign.push((SECURITY_TOKEN_HEADER, token));
        }

        let canonical =
            CanonicalRequest::new(method.as_str(), url.path(), url.query(), &to_sign, body);
        let sts = string_to_sign(self.variant, &sdk_date, &canonical.hash_hex());
        let signature = signature_hex(self.variant, &self.credentials.secret_key, &sdk_date, &sts);
        let authorization = authorization_value(
            self.variant,
            &self.credentials.access_key,
            &sdk_date,
            &canonical.signed_headers,
            &signature,
        );

        let mut out = HeaderMap::new();
        insert(&mut out, SDK_DATE_HEADER, &sdk_date, false)?;
        insert(&mut out, AUTHORIZATION.as_str(), &authorization, false)?;
        if let Some(project_id) = project_id {
            insert(&mut out, PROJECT_ID_HEADER, project_id, false)?;
        }
        if let Some(token) = security_token {
            insert(&mut out, SECURITY_TOKEN_HEADER, token, true)?;
        }
        Ok(out)
    }
}

fn insert(map: &mut HeaderMap, name: &str, value: &str, sensitive: bool) -> Result<(), SignError> {
    let header_name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| SignError::InvalidHeader(name.to_owned()))?;
    let mut header_value =
        HeaderValue::from_str(value).map_err(|_| SignError::InvalidHeader(name.to_owned()))?;
    // Marks the value so that HTTP-level debug logging (and HTTP/2 HPACK) treats it as secret.
    header_value.set_sensitive(sensitive);
    map.insert(header_name, header_value);
    Ok(())
}

/// An incoming request as the verifier sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IncomingRequest<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The raw (percent-encoded) path.
    pub path: &'a str,
    /// The raw query string without `?`, if any.
    pub query: Option<&'a str>,
    /// All request headers (including `Host`, `Authorization`, `X-Sdk-Date`).
    pub headers: &'a HeaderMap,
    /// The request body.
    pub body: &'a [u8],
}

/// A request whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verified {
    /// The access key that signed it.
    pub access_key: String,
    /// The variant the client used.
    pub variant: SignerVariant,
}

/// Why a signed request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum VerifyError {
    /// The access key is not known.
    #[error("unknown access key `{0}`")]
    UnknownKey(String),
    /// The signature does not match the request.
    #[error("signature mismatch for access key `{0}`")]
    BadSignature(String),
    /// `X-Sdk-Date` is too far from the server clock.
    #[error("`X-Sdk-Date` {date} is more than 15 minutes away from the server clock")]
    DateSkew {
        /// The `X-Sdk-Date` value received.
        date: String,
    },
    /// The `Authorization` or `X-Sdk-Date` header is missing or unparsable.
    #[error("malformed AK/SK signature: {0}")]
    Malformed(String),
}

struct ParsedAuthorization<'a> {
    variant: SignerVariant,
    access_key: &'a str,
    scope: Option<&'a str>,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<ParsedAuthorization<'_>, VerifyError> {
    let rest = value
        .strip_prefix(ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| VerifyError::Malformed(format!("`Authorization` is not `{ALGORITHM}`")))?;
    let (mut access, mut credential, mut signed_headers, mut signature) = (None, None, None, None);
    for part in rest.split(',') {
        let (key, val) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| VerifyError::Malformed("`Authorization` part without `=`".into()))?;
        let slot = match key {
            "Access" => &mut access,
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => {
                return Err(VerifyError::Malformed(format!(
                    "unknown `Authorization` part `{key}`"
                )));
            }
        };
        if slot.replace(val).is_some() {
            return Err(VerifyError::Malformed(format!(
                "`{key}` repeated in `Authorization`"
            )));
        }
    }
    let signed_headers = signed_headers
        .filter(|s| !s.is_empty())
        .ok_or_else(|| VerifyError::Malformed("`SignedHeaders` missing".into()))?;
    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or_else(|| VerifyError::Malformed("`Signature` missing".into()))?;
    let (variant, access_key, scope) = match (access, credential) {
        (Some(ak), None) => (SignerVariant::Plain, ak, None),
        (None, Some(cred)) => {
            let (ak, scope) = cred.split_once('/').ok_or_else(|| {
                VerifyError::Malformed("`Credential` has no scope after the access key".into())
            })?;
            (SignerVariant::Derived, ak, Some(scope))
        }
        _ => {
            return Err(VerifyError::Malformed(
                "exactly one of `Access` and `Credential` is required".into(),
            ));
        }
    };
    if access_key.is_empty() {
        return Err(VerifyError::Malformed("empty access key".into()));
    }
    Ok(ParsedAuthorization {
        variant,
        access_key,
        scope,
        signed_headers,
        signature,
    })
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, VerifyError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(Some)
            .map_err(|_| VerifyError::Malformed(format!("header `{name}` is not ASCII"))),
    }
}

/// Verifies an AK/SK-signed request, as the API gateway would.
///
/// Either variant is accepted (detected from `Access=` or `Credential=`). `host` and
/// `x-sdk-date` must be among the signed headers, the date must be within [`MAX_SKEW`] of
/// `now`, and `lookup` maps an access key to its secret key. Signatures are compared in
/// constant time.
pub(crate) fn verify(
    request: &IncomingRequest<'_>,
    lookup: impl FnOnce(&str) -> Option<SecretString>,
    now: Timestamp,
) -> Result<Verified, VerifyError> {
    let authorization = header_str(request.headers, AUTHORIZATION.as_str())?
        .ok_or_else(|| VerifyError::Malformed("`Authorization` header missing".into()))?;
    let parsed = parse_authorization(authorization)?;

    let sdk_date = header_str(request.headers, SDK_DATE_HEADER)?
        .ok_or_else(|| VerifyError::Malformed("`X-Sdk-Date` header missing".into()))?;
    let date = parse_sdk_date(sdk_date)
        .ok_or_else(|| VerifyError::Malformed("`X-Sdk-Date` is not `YYYYMMDDTHHMMSSZ`".into()))?;
    if let Some(scope) = parsed.scope
        && scope != derived_scope(sdk_date)
    {
        return Err(VerifyError::Malformed(
            "`Credential` scope does not match `X-Sdk-Date`".into(),
        ));
    }

    let names: Vec<&str> = parsed.signed_headers.split(';').collect();
    for required in ["host", SDK_DATE_HEADER] {
        if !names.contains(&required) {
            return Err(VerifyError::Malformed(format!(
                "`{required}` is not among the signed headers"
            )));
        }
    }
    let mut signed: Vec<(&str, String)> = Vec::with_capacity(names.len());
    for name in &names {
        if name.is_empty() || *name != name.to_ascii_lowercase() {
            return Err(VerifyError::Malformed(format!(
                "signed header name `{name}` is not lower case"
            )));
        }
        let values: Vec<&str> = request
            .headers
            .get_all(*name)
            .iter()
            .map(|v| v.to_str())
            .collect::<Result<_, _>>()
            .map_err(|_| VerifyError::Malformed(format!("header `{name}` is not ASCII")))?;
        if values.is_empty() {
            return Err(VerifyError::Malformed(format!(
                "signed header `{name}` is missing"
            )));
        }
        signed.push((name, values.join(",")));
    }

    if now.duration_since(date).abs() > MAX_SKEW {
        return Err(VerifyError::DateSkew {
            date: sdk_date.to_owned(),
        });
    }

    let secret = lookup(parsed.access_key)
        .ok_or_else(|| VerifyError::UnknownKey(parsed.access_key.to_owned()))?;

    let pairs: Vec<(&str, &str)> = signed.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let canonical = CanonicalRequest::new(
        request.method,
        request.path,
        request.query,
        &pairs,
        request.body,
    );
    if canonical.signed_headers != parsed.signed_headers {
        // Unsorted or duplicated names: the client did not follow the canonical form.
        return Err(VerifyError::Malformed(
            "`SignedHeaders` is not sorted or has duplicates".into(),
        ));
    }
    let sts = string_to_sign(parsed.variant, sdk_date, &canonical.hash_hex());
    let claimed = hex::decode(parsed.signature)
        .map_err(|_| VerifyError::BadSignature(parsed.access_key.to_owned()))?;
    signing_mac(parsed.variant, &secret, sdk_date, &sts)
        .verify_slice(&claimed)
        .map_err(|_| VerifyError::BadSignature(parsed.access_key.to_owned()))?;

    Ok(Verified {
        access_key: parsed.access_key.to_owned(),
        variant: parsed.variant,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL parses")
    }

    /// Computes the signature of a fully specified request, the way a published vector
    /// describes it.
    fn vector_signature(
        variant: SignerVariant,
        method: &str,
        url: &Url,
        headers: &[(&str, &str)],
        body: &[u8],
        sk: &str,
    ) -> (CanonicalRequest, String) {
        let date = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("x-sdk-date"))
            .expect("vector has a date")
            .1;
        let canonical = CanonicalRequest::new(method, url.path(), url.query(), headers, body);
        let sts = string_to_sign(variant, date, &canonical.hash_hex());
        let sig = signature_hex(variant, &secret(sk), date, &sts);
        (canonical, sig)
    }

    #[test]
    fn plain_vector_vpcs() {
        let u = url(
            "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
        );
        let headers = [
            ("Content-Type", "application/json"),
            ("Host", "service.region.example.com"),
            ("X-Sdk-Date", "20191115T033655Z"),
        ];
        let (canonical, sig) = vector_signature(
            SignerVariant::Plain,
            "GET",
            &u,
            &headers,
            b"",
            "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
        );
        assert_eq!(canonical.signed_headers, "content-type;host;x-sdk-date");
        assert_eq!(
            canonical.text,
            "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\n\
             limit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n\
             content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n\n\
             content-type;host;x-sdk-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            canonical.hash_hex(),
            "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
        );
        assert_eq!(
            sig,
            "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
        );
        assert_eq!(
            authorization_value(
                SignerVariant::Plain,
                "QTWAOYTTINDUT2QVKYUC",
                "20191115T033655Z",
                &canonical.signed_headers,
                &sig
            ),
            "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, \
             Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
        );
    }

    #[test]
    fn plain_vector_resources_get_and_post() {
        let u = url("https://service.endpoint.myhuaweicloud.com/resources?size=1");
        let headers = [
            ("host", "service.endpoint.myhuaweicloud.com"),
            ("x-sdk-date", "20200608T023900Z"),
        ];
        let (canonical, get_sig) =
            vector_signature(SignerVariant::Plain, "GET", &u, &headers, b"", "SecretKey");
        assert_eq!(canonical.signed_headers, "host;x-sdk-date");
        assert_eq!(
            get_sig,
            "cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842"
        );
        let (_, post_sig) = vector_signature(
            SignerVariant::Plain,
            "POST",
            &u,
            &headers,
            br#"{"name":"test","id":1}"#,
            "SecretKey",
        );
        assert_eq!(
            post_sig,
            "436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f"
        );
    }

    #[test]
    fn derived_vector_root_with_project() {
        let u = url("http://example.com");
        let headers = [
            ("host", "example.com"),
            ("x-project-id", "project"),
            ("x-sdk-date", "19700101T000001Z"),
        ];
        let (canonical, sig) =
            vector_signature(SignerVariant::Derived, "GET", &u, &headers, b"", "sk");
        assert!(canonical.text.starts_with("GET\n/\n\n"));
        assert_eq!(canonical.signed_headers, "host;x-project-id;x-sdk-date");
        assert_eq!(
            sig,
            "ec385090522c25504a5b574c7195ac56bf37081d90f74fc093a2676f906cb057"
        );
        let auth = authorization_value(
            SignerVariant::Derived,
            "ak",
            "19700101T000001Z",
            &canonical.signed_headers,
            &sig,
        );
        assert_eq!(
            auth,
            "SDK-HMAC-SHA256 Credential=ak/19700101///sdk_request, SignedHeaders=host;x-project-id;x-sdk-date, \
             Signature=ec385090522c25504a5b574c7195ac56bf37081d90f74fc093a2676f906cb057"
        );

        // The same request through the public signer, with the clock at the vector's date.
        let now = parse_sdk_date("19700101T000001Z").expect("date parses");
        let signer = Signer::new(AkSk::new("ak", "sk"), SignerVariant::Derived);
        let added = signer
            .sign(&reqwest::Method::GET, &u, &[], b"", Some("project"), now)
            .expect("signs");
        assert_eq!(added["authorization"], auth.as_str());
        assert_eq!(added["x-sdk-date"], "19700101T000001Z");
        assert_eq!(added["x-project-id"], "project");
    }

    #[test]
    fn derived_vector_iam_projects() {
        let u = url("https://iam.eu-de.otc.t-systems.com/v3/projects?name=eu-de_test_dmd");
        let headers = [
            ("accept", "application/json"),
            ("content-type", "application/json"),
            ("host", "iam.eu-de.otc.t-systems.com"),
            ("user-agent", "OpenTelekomCloud JS/v1.0"),
            ("x-sdk-date", "20201021T115411Z"),
        ];
        let (canonical, sig) = vector_signature(
            SignerVariant::Derived,
            "GET",
            &u,
            &headers,
            b"",
            "BYBYIiF3WUZGlorXmcTEDtNjB40JTibEXAMPLE",
        );
        assert_eq!(
            canonical.signed_headers,
            "accept;content-type;host;user-agent;x-sdk-date"
        );
        assert_eq!(
            sig,
            "cb8397a6b119b38e8a4879f342e498896eb6f80f4c3cdebfd400cb2298d8a555"
        );

        let now = parse_sdk_date("20201021T115411Z").expect("date parses");
        let signer = Signer::new(
            AkSk::new("AKIDEXAMPLE", "BYBYIiF3WUZGlorXmcTEDtNjB40JTibEXAMPLE"),
            SignerVariant::Derived,
        );
        let added = signer
            .sign(
                &reqwest::Method::GET,
                &u,
                &[
                    ("accept", "application/json"),
                    ("content-type", "application/json"),
                    ("user-agent", "OpenTelekomCloud JS/v1.0"),
                ],
                b"",
                None,
                now,
            )
            .expect("signs");
        assert!(
            added["authorization"]
                .to_str()
                .expect("ascii")
                .ends_with(&format!("Signature={sig}"))
        );
        assert!(!added.contains_key("x-project-id"));
    }

    #[test]
    fn canonical_uri_and_query_escaping() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a%20b/c~d"), "/a%20b/c~d/");
        assert_eq!(canonical_uri("/a b/%7e"), "/a%20b/~/");
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(canonical_query("q=a+b&flag"), "flag=&q=a%20b");
        assert_eq!(canonical_query("k=%2f%3D*"), "k=%2F%3D%2A");
    }

    #[test]
    fn sdk_date_round_trip() {
        let ts: Timestamp = "2024-11-06T06:19:43Z".parse().expect("timestamp");
        assert_eq!(format_sdk_date(ts), "20241106T061943Z");
        assert_eq!(parse_sdk_date("20241106T061943Z"), Some(ts));
        assert_eq!(parse_sdk_date("2024-11-06T06:19:43Z"), None);
        assert_eq!(parse_sdk_date("20241106T061943"), None);
    }

    #[test]
    fn variant_from_env_value() {
        assert_eq!(
            SignerVariant::from_env_value("plain"),
            Ok(SignerVariant::Plain)
        );
        assert_eq!(
            SignerVariant::from_env_value(" Derived "),
            Ok(SignerVariant::Derived)
        );
        assert_eq!(
            SignerVariant::from_env_value(""),
            Ok(SignerVariant::Derived)
        );
        assert!(SignerVariant::from_env_value("v4").is_err());
        assert_eq!(SignerVariant::default(), SignerVariant::Derived);
    }

    #[test]
    fn debug_redacts_secrets() {
        let mut creds = AkSk::new("AKVISIBLE", "very-secret-key");
        creds.security_token = Some(secret("very-secret-token"));
        let shown = format!("{:?}", Signer::new(creds, SignerVariant::Plain));
        assert!(shown.contains("AKVISIBLE"));
        assert!(!shown.contains("very-secret"));
    }

    const NOW: &str = "2024-11-06T06:19:43Z";

    struct Built {
        headers: HeaderMap,
        path: String,
        query: Option<String>,
        body: Vec<u8>,
    }

    fn build(variant: SignerVariant, token: Option<&str>) -> Built {
        let now: Timestamp = NOW.parse().expect("timestamp");
        let mut creds = AkSk::new("AK1", "SK1");
        creds.security_token = token.map(secret);
        let u = url("http://127.0.0.1:8080/v1/p1/jobs/abc?x=1&a=%20");
        let body = br#"{"k":1}"#.to_vec();
        let mut headers = Signer::new(creds, variant)
            .sign(
                &reqwest::Method::POST,
                &u,
                &[("Content-Type", "application/json")],
                &body,
                Some("p1"),
                now,
            )
            .expect("signs");
        headers.insert("host", HeaderValue::from_static("127.0.0.1:8080"));
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        Built {
            headers,
            path: u.path().to_owned(),
            query: u.query().map(str::to_owned),
            body,
        }
    }

    fn check(built: &Built, method: &str, now: Timestamp) -> Result<Verified, VerifyError> {
        let request = IncomingRequest {
            method,
            path: &built.path,
            query: built.query.as_deref(),
            headers: &built.headers,
            body: &built.body,
        };
        verify(&request, |ak| (ak == "AK1").then(|| secret("SK1")), now)
    }

    #[test]
    fn sign_then_verify_both_variants() {
        let now: Timestamp = NOW.parse().expect("timestamp");
        for variant in [SignerVariant::Plain, SignerVariant::Derived] {
            for token in [None, Some("temporary-token")] {
                let built = build(variant, token);
                let verified = check(&built, "POST", now).expect("verifies");
                assert_eq!(verified.access_key, "AK1");
                assert_eq!(verified.variant, variant);
                let auth = built.headers["authorization"].to_str().expect("ascii");
                assert!(auth.contains("content-type;host;x-project-id;x-sdk-date"));
                assert_eq!(token.is_some(), auth.contains("x-security-token"));
            }
        }
    }

    #[test]
    fn tampered_requests_are_refused() {
        let now: Timestamp = NOW.parse().expect("timestamp");
        for variant in [SignerVariant::Plain, SignerVariant::Derived] {
            let mut b = build(variant, None);
            b.body = br#"{"k":2}"#.to_vec();
            assert_eq!(
                check(&b, "POST", now),
                Err(VerifyError::BadSignature("AK1".into()))
            );

            let b = build(variant, None);
            assert_eq!(
                check(&b, "PUT", now),
                Err(VerifyError::BadSignature("AK1".into()))
            );

            let mut b = build(variant, None);
            b.path = "/v1/p1/jobs/abd".into();
            assert!(matches!(
                check(&b, "POST", now),
                Err(VerifyError::BadSignature(_))
            ));

            let mut b = build(variant, None);
            b.query = Some("x=2&a=%20".into());
            assert!(matches!(
                check(&b, "POST", now),
                Err(VerifyError::BadSignature(_))
            ));

            let mut b = build(variant, None);
            b.headers
                .insert("x-project-id", HeaderValue::from_static("other"));
            assert!(matches!(
                check(&b, "POST", now),
                Err(VerifyError::BadSignature(_))
            ));

            let mut b = build(variant, None);
            b.headers
                .insert("host", HeaderValue::from_static("evil.example.com"));
            assert!(matches!(
                check(&b, "POST", now),
                Err(VerifyError::BadSignature(_))
            ));

            // Signed with the right date format but by someone who does not know SK1.
            let b = build(variant, None);
            let request = IncomingRequest {
                method: "POST",
                path: &b.path,
                query: b.query.as_deref(),
                headers: &b.headers,
                body: &b.body,
            };
            assert_eq!(
                verify(&request, |_| Some(secret("wrong")), now),
                Err(VerifyError::BadSignature("AK1".into()))
            );
            assert_eq!(
                verify(&request, |_| None, now),
                Err(VerifyError::UnknownKey("AK1".into()))
            );
        }
    }

    #[test]
    fn date_skew_is_bounded() {
        let now: Timestamp = NOW.parse().expect("timestamp");
        let b = build(SignerVariant::Derived, None);
        let within = now + jiff::SignedDuration::from_mins(15);
        assert!(check(&b, "POST", within).is_ok());
        let later = now + jiff::SignedDuration::from_secs(15 * 60 + 1);
        assert!(matches!(
            check(&b, "POST", later),
            Err(VerifyError::DateSkew { .. })
        ));
        let earlier = now - jiff::SignedDuration::from_secs(15 * 60 + 1);
        assert!(matches!(
            check(&b, "POST", earlier),
            Err(VerifyError::DateSkew { .. })
        ));
    }

    #[test]
    fn malformed_authorization_is_reported() {
        let now: Timestamp = NOW.parse().expect("timestamp");
        let cases: [(&str, Option<&str>); 6] = [
            ("Bearer abc", None),
            ("SDK-HMAC-SHA256 Access=AK1, Signature=00", None),
            (
                "SDK-HMAC-SHA256 Access=AK1, Credential=AK1/x, SignedHeaders=host;x-sdk-date, Signature=00",
                None,
            ),
            (
                "SDK-HMAC-SHA256 Credential=AK1/20000101///sdk_request, SignedHeaders=host;x-sdk-date, Signature=00",
                None,
            ),
            (
                "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=x-sdk-date, Signature=00",
                None,
            ),
            (
                "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=00",
                Some("not-a-date"),
            ),
        ];
        for (auth, date) in cases {
            let mut b = build(SignerVariant::Plain, None);
            b.headers
                .insert("authorization", HeaderValue::from_str(auth).expect("ascii"));
            if let Some(date) = date {
                b.headers
                    .insert("x-sdk-date", HeaderValue::from_str(date).expect("ascii"));
            }
            assert!(
                matches!(check(&b, "POST", now), Err(VerifyError::Malformed(_))),
                "{auth}"
            );
        }
        let mut b = build(SignerVariant::Plain, None);
        b.headers.remove("authorization");
        assert!(matches!(
            check(&b, "POST", now),
            Err(VerifyError::Malformed(_))
        ));
    }
}
