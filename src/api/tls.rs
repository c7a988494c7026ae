//! TLS trust: the options settings resolve, the `--cacert` file, the system trust store, and
//! server-certificate verification that reads the system store only when it is needed.
//!
//! A run that trusts a `--cacert` CA (a private endpoint, the simulator) never has to parse
//! the system's ~150 CA certificates; a run against a public endpoint parses them once, at
//! the first handshake. The verdict is the one a single store holding both would give: a
//! chain valid under the `--cacert` roots alone is valid under both, and anything else is
//! decided by the verifier over both.

use std::sync::{Arc, OnceLock};

use crate::log::debug_log;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// TLS trust settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsOptions {
    /// Extra CA certificates (PEM), trusted beside the system store.
    pub cacert: Option<std::path::PathBuf>,
    /// Skip certificate verification (`--insecure`).
    pub insecure: bool,
    /// Only `http://` URLs will be used: do not load the system trust store.
    pub plain_http_only: bool,
    /// `SSL_CERT_FILE`: the system trust store's bundle, as OpenSSL tools take it.
    pub ssl_cert_file: Option<std::path::PathBuf>,
    /// `SSL_CERT_DIR`: the system trust store's directories.
    pub ssl_cert_dirs: Vec<std::path::PathBuf>,
}

/// Loads the system's CA certificates (DER) when first asked.
pub(crate) type SystemRoots = Box<dyn Fn() -> Vec<CertificateDer<'static>> + Send + Sync>;

/// Verifies with the `--cacert` roots first, then with those and the system store.
pub(crate) struct LazyRootsVerifier {
    provider: Arc<CryptoProvider>,
    extra: Vec<CertificateDer<'static>>,
    extra_only: Option<Arc<WebPkiServerVerifier>>,
    system: SystemRoots,
    full: OnceLock<Option<Arc<WebPkiServerVerifier>>>,
}

impl std::fmt::Debug for LazyRootsVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyRootsVerifier")
            .field("extra", &self.extra.len())
            .field("loaded", &self.full.get().is_some())
            .finish_non_exhaustive()
    }
}

impl LazyRootsVerifier {
    /// # Errors
    /// When the `--cacert` certificates are not usable as trust anchors.
    pub(crate) fn new(
        provider: Arc<CryptoProvider>,
        extra: Vec<CertificateDer<'static>>,
        system: SystemRoots,
    ) -> Result<Self, rustls::Error> {
        let extra_only = if extra.is_empty() {
            None
        } else {
            Some(verifier(&provider, extra.iter().cloned())?)
        };
        Ok(Self {
            provider,
            extra,
            extra_only,
            system,
            full: OnceLock::new(),
        })
    }

    /// The verifier over the system store and the `--cacert` roots; `None` when both are
    /// empty (nothing is trusted).
    fn full(&self) -> Option<&Arc<WebPkiServerVerifier>> {
        self.full
            .get_or_init(|| {
                let roots = (self.system)()
                    .into_iter()
                    .chain(self.extra.iter().cloned());
                verifier(&self.provider, roots).ok()
            })
            .as_ref()
    }
}

/// A WebPKI verifier over `roots` (certificates that do not parse as trust anchors are
/// skipped, as OpenSSL skips them).
fn verifier(
    provider: &Arc<CryptoProvider>,
    roots: impl IntoIterator<Item = CertificateDer<'static>>,
) -> Result<Arc<WebPkiServerVerifier>, rustls::Error> {
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(roots);
    WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
        .build()
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))
}

impl ServerCertVerifier for LazyRootsVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(extra) = &self.extra_only
            && let Ok(verified) =
                extra.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            return Ok(verified);
        }
        match self.full() {
            Some(full) => {
                full.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            None => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The certificates of a `--cacert` file: a usage error when it cannot be read or holds none
/// (a file without a single certificate would silently trust nothing extra).
pub(crate) fn cacert_file(path: &std::path::Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let pem = std::fs::read(path).map_err(|e| {
        crate::usage_error::UsageError::new(format!(
            "cannot read CA file `{}`: {e}",
            path.display()
        ))
    })?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            crate::usage_error::UsageError::new(format!(
                "CA file `{}` holds no usable PEM certificate: {e}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(crate::usage_error::UsageError::new(format!(
            "CA file `{}` holds no PEM certificate",
            path.display()
        ))
        .into());
    }
    Ok(certs)
}

/// Bundle files in the order OpenSSL-based tools look for them (`openssl-probe`'s list for
/// Linux; the first one that exists is the system store).
const BUNDLE_FILES: [&str; 8] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/ssl/cert.pem",
    "/opt/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/certs/cacert.pem",
];
/// Directories of single certificates, read only when no bundle file exists.
const CERT_DIRS: [&str; 3] = [
    "/etc/ssl/certs",
    "/etc/pki/tls/certs",
    "/etc/security/certificates",
];

/// The system trust store as OpenSSL sees it: `SSL_CERT_FILE` and `SSL_CERT_DIR` when set
/// (as curl and every OpenSSL tool honour them), else the distribution's bundle file, else
/// (no bundle at all) the certificate directories. Enterprise CAs installed system-wide are
/// in the bundle: `update-ca-certificates` and `update-ca-trust` write them there.
pub(crate) fn system_roots(
    env_file: Option<&std::path::Path>,
    env_dirs: &[std::path::PathBuf],
) -> Vec<CertificateDer<'static>> {
    let env_file = env_file.filter(|path| path.is_file());
    let mut certificates = Vec::new();
    let mut sources = Vec::new();
    if env_file.is_some() || !env_dirs.is_empty() {
        if let Some(file) = &env_file {
            certificates.extend(pem_file(file));
            sources.push(file.display().to_string());
        }
        for dir in env_dirs {
            certificates.extend(pem_dir(dir));
            sources.push(dir.display().to_string());
        }
    } else if let Some(file) = BUNDLE_FILES
        .iter()
        .map(std::path::Path::new)
        .find(|path| path.is_file())
    {
        certificates.extend(pem_file(file));
        sources.push(file.display().to_string());
    } else {
        for dir in CERT_DIRS.iter().map(std::path::Path::new) {
            certificates.extend(pem_dir(dir));
            sources.push(dir.display().to_string());
        }
    }
    debug_log(2, || {
        format!(
            "trusting {} system CA certificates from {}",
            certificates.len(),
            sources.join(", ")
        )
    });
    certificates
}

/// The certificates of one PEM file; an unreadable or malformed file adds none (as with
/// OpenSSL, one bad file does not make every other root unusable).
fn pem_file(path: &std::path::Path) -> Vec<CertificateDer<'static>> {
    std::fs::read(path)
        .map(|pem| {
            CertificateDer::pem_slice_iter(&pem)
                .filter_map(Result::ok)
                .collect()
        })
        .unwrap_or_default()
}

/// The certificates of every file in a directory (hashed links and originals alike).
fn pem_dir(dir: &std::path::Path) -> Vec<CertificateDer<'static>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| entry.path().is_file())
        .flat_map(|entry| pem_file(&entry.path()))
        .collect()
}
