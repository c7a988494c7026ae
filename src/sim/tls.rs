//! `imsjob sim --tls`: HTTPS with a self-signed certificate made at start, so that imsjob's
//! certificate handling (refusal by default, `--cacert`, `--insecure`) can be tried for real.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A fresh self-signed certificate for `127.0.0.1` and `localhost`, ready to serve.
pub(crate) struct SelfSigned {
    pub acceptor: TlsAcceptor,
    /// Where the certificate (PEM) was written, for `--cacert`.
    pub pem_path: PathBuf,
}

/// Makes a certificate for the loopback names and writes its PEM to a new file in `dir`.
///
/// The file gets a random name and is created exclusively, readable by its owner only: a
/// name others can predict in a shared temporary directory would let them plant a symlink
/// there and have the simulator overwrite whatever it points to. The caller removes it.
///
/// # Errors
/// When the key cannot be generated or the file cannot be written.
pub(crate) fn self_signed(dir: &Path) -> anyhow::Result<SelfSigned> {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
    let mut file = tempfile::Builder::new()
        .prefix("imsjob-sim-")
        .suffix(".pem")
        .tempfile_in(dir)?;
    file.write_all(certified.cert.pem().as_bytes())?;
    file.flush()?;
    let (_, pem_path) = file.keep().map_err(|e| e.error)?;
    let chain = vec![CertificateDer::from(certified.cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    // The simulator speaks HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(SelfSigned {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        pem_path,
    })
}
