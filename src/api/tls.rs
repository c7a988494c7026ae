//! Server-certificate verification that reads the system trust store only when it is needed.
//!
//! A run that trusts a `--cacert` CA (a private endpoint, the simulator) never has to parse
//! the system's ~150 CA certificates; a run against a public endpoint parses them once, at
//! the first handshake. The verdict is the one a single store holding both would give: a
//! chain valid under the `--cacert` roots alone is valid under both, and anything else is
//! decided by the verifier over both.

use std::sync::{Arc, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

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
