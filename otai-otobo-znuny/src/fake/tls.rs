//! HTTPS for the fake server: a certificate and key in PEM, served with rustls (the TLS
//! library the client uses), so a pipeline's `ca_certificate` setup can be tried without a
//! helpdesk behind an internal CA.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// The server's certificate chain and private key, both PEM.
#[derive(Clone)]
pub struct TlsIdentity {
    /// The server certificate first, then any intermediate certificates.
    pub certificate_chain_pem: String,
    /// The certificate's private key (PKCS#8, PKCS#1 or SEC1).
    pub private_key_pem: String,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity")
            .field(
                "certificate_chain_pem",
                &format_args!("{} bytes", self.certificate_chain_pem.len()),
            )
            .field("private_key_pem", &"***")
            .finish()
    }
}

impl TlsIdentity {
    /// The identity in two PEM texts.
    pub fn new(
        certificate_chain_pem: impl Into<String>,
        private_key_pem: impl Into<String>,
    ) -> Self {
        Self {
            certificate_chain_pem: certificate_chain_pem.into(),
            private_key_pem: private_key_pem.into(),
        }
    }

    /// A rustls acceptor serving this identity over HTTP/1.1; the error says what is wrong
    /// with the certificate or key.
    pub(crate) fn acceptor(&self) -> Result<TlsAcceptor, String> {
        let chain = CertificateDer::pem_slice_iter(self.certificate_chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("the certificate is not PEM: {e}"))?;
        if chain.is_empty() {
            return Err("no certificate in the certificate PEM".to_owned());
        }
        let key = PrivateKeyDer::from_pem_slice(self.private_key_pem.as_bytes())
            .map_err(|e| format!("no private key in the key PEM: {e}"))?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| format!("the key does not fit the certificate: {e}"))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}
