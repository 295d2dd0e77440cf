//! TLS to Proxmox. The API is HTTPS only and verification is always on:
//! either a chain to this machine's certificate store (`/etc/ssl/certs`,
//! `/etc/pki/tls`, or `SSL_CERT_FILE`), or — for Proxmox's self-signed
//! certificates — a pinned SHA-256 fingerprint of the server certificate,
//! as Proxmox's own clients do. There is no plain-HTTP and no "verify off"
//! mode.

use std::fmt;
use std::io::{Read, Write};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
    StreamOwned,
};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

/// A SHA-256 certificate fingerprint.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// Accepts `AB:CD:…` (Proxmox GUI, `openssl x509 -fingerprint -sha256`),
    /// with or without colons, any case, optionally prefixed `sha256=` / `SHA256 Fingerprint=`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let t = t.rsplit_once('=').map_or(t, |(_, v)| v);
        let hex: String = t
            .chars()
            .filter(|c| !matches!(c, ':' | ' ' | '-'))
            .collect();
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!(
                "'{}' is not a SHA-256 fingerprint (expected 32 hex bytes like AB:CD:…)",
                crate::whmcs::fields::truncate(s.trim(), 20)
            ));
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16)
                .map_err(|_| "invalid hex in fingerprint".to_string())?;
        }
        Ok(Fingerprint(out))
    }

    pub fn of(der: &[u8]) -> Self {
        let d = ring::digest::digest(&ring::digest::SHA256, der);
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        Fingerprint(out)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Which certificates a connection accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trust {
    /// Exactly the certificate with this SHA-256 (the server's Access Hash).
    Pinned(Fingerprint),
    /// A certificate chain to a root in this machine's certificate store,
    /// valid for the host name.
    System,
}

/// The system's CA bundle: `SSL_CERT_FILE`, else the first of the usual
/// distribution paths (Debian/Ubuntu, RHEL/AlmaLinux/CloudLinux, SUSE,
/// Alpine/BSD) that holds at least one certificate. Loaded once.
static SYSTEM_ROOTS: once_cell::sync::Lazy<Result<Arc<RootCertStore>, String>> =
    once_cell::sync::Lazy::new(load_system_roots);

const CA_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

fn load_system_roots() -> Result<Arc<RootCertStore>, String> {
    let env = std::env::var("SSL_CERT_FILE")
        .ok()
        .filter(|p| !p.is_empty());
    let candidates: Vec<String> = env
        .into_iter()
        .chain(CA_BUNDLES.iter().map(|p| (*p).to_string()))
        .collect();
    for path in &candidates {
        let Ok(iter) = CertificateDer::pem_file_iter(path) else {
            continue;
        };
        let mut roots = RootCertStore::empty();
        for cert in iter.flatten() {
            // A certificate the bundle holds but webpki cannot use is skipped.
            let _ = roots.add(cert);
        }
        if !roots.is_empty() {
            return Ok(Arc::new(roots));
        }
    }
    Err(format!(
        "no certificate store found on this machine (looked at {})",
        candidates.join(", ")
    ))
}

/// How every refusal sentence of the verifier begins; rustls hands it back
/// inside its own text (`unexpected error: …`), see [`refusal`].
const MISMATCH: &str = "certificate fingerprint mismatch";
const REFUSED: &str = "the server certificate was refused";

/// The verifier's operator-facing sentence inside a TLS error's text, if
/// the handshake failed because it refused the certificate.
pub fn refusal(text: &str) -> Option<&str> {
    [MISMATCH, REFUSED]
        .iter()
        .find_map(|m| text.find(m).map(|i| text[i..].trim()))
}

/// Checks the server certificate against the connection's [`Trust`]. A
/// refusal is one operator-facing sentence, always with the SHA-256
/// fingerprint the server presented.
#[derive(Debug)]
struct Verifier {
    trust: Trust,
    provider: Arc<CryptoProvider>,
    system: Option<Arc<WebPkiServerVerifier>>,
    system_error: Option<String>,
}

fn refuse(message: String) -> rustls::Error {
    rustls::Error::General(message)
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let got = Fingerprint::of(end_entity.as_ref());
        match self.trust {
            Trust::Pinned(pin) if got == pin => Ok(ServerCertVerified::assertion()),
            Trust::Pinned(pin) => Err(refuse(format!(
                "{MISMATCH}: the server presented SHA-256 {got}, but Access Hash pins {pin}. If the Proxmox certificate was renewed on purpose, paste the new fingerprint into Access Hash"
            ))),
            Trust::System => {
                let why = match &self.system {
                    Some(v) => match v.verify_server_cert(
                        end_entity,
                        intermediates,
                        server_name,
                        ocsp,
                        now,
                    ) {
                        Ok(ok) => return Ok(ok),
                        Err(e) => format!("it is not trusted by this machine's certificate store ({e})"),
                    },
                    None => self
                        .system_error
                        .clone()
                        .unwrap_or_else(|| "no certificate store".into()),
                };
                Err(refuse(format!(
                    "{REFUSED}: {why}. Its SHA-256 fingerprint is {got}: if that is your Proxmox server's certificate, paste it into Access Hash to pin it"
                )))
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
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
        verify_tls13_signature(
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

/// A ureq connector that wraps the TCP transport in rustls, verifying the
/// server certificate by [`Trust`]. The only TLS the client uses: there is
/// no plain-HTTP path and no "verify off" mode.
pub struct ProxmoxTls {
    config: Arc<ClientConfig>,
}

impl fmt::Debug for ProxmoxTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxmoxTls").finish()
    }
}

impl ProxmoxTls {
    pub fn new(trust: Trust) -> Result<Self, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let (system, system_error) = match (&trust, &*SYSTEM_ROOTS) {
            (Trust::Pinned(_), _) => (None, None),
            (Trust::System, Ok(roots)) => {
                match WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
                    .build()
                {
                    Ok(v) => (Some(v), None),
                    Err(e) => (
                        None,
                        Some(format!("the certificate store is unusable: {e}")),
                    ),
                }
            }
            (Trust::System, Err(e)) => (None, Some(e.clone())),
        };
        let verifier = Verifier {
            trust,
            provider: provider.clone(),
            system,
            system_error,
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(ProxmoxTls {
            config: Arc::new(config),
        })
    }

    /// The rustls client configuration (the console proxy dials Proxmox's
    /// `vncwebsocket` with exactly the module's certificate rules).
    pub fn config(&self) -> Arc<ClientConfig> {
        self.config.clone()
    }
}

impl<In: Transport> Connector<In> for ProxmoxTls {
    type Out = Either<In, ProxmoxTlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Err(ureq::Error::Tls("no TCP transport to wrap"));
        };
        if transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        if !details.needs_tls() {
            // The client only builds https:// URLs; refuse anything else.
            return Err(ureq::Error::Tls(
                "refusing plain HTTP: the Proxmox API is HTTPS only",
            ));
        }
        let host = details
            .uri
            .host()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let name =
            ServerName::try_from(host).map_err(|_| ureq::Error::Tls("invalid server name"))?;
        let mut conn = ClientConnection::new(self.config.clone(), name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        sock.set_timeout(details.timeout);
        conn.complete_io(&mut sock)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(ProxmoxTlsTransport {
            buffers,
            stream: StreamOwned { conn, sock },
        })))
    }
}

pub struct ProxmoxTlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl fmt::Debug for ProxmoxTlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxmoxTlsTransport").finish()
    }
}

impl Transport for ProxmoxTlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_forms() {
        let colon = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
        let a = Fingerprint::parse(colon).unwrap();
        let b = Fingerprint::parse(&colon.replace(':', "").to_lowercase()).unwrap();
        let c = Fingerprint::parse(&format!("sha256 Fingerprint={colon}")).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.to_string(), colon);
        assert!(Fingerprint::parse("AB:CD")
            .unwrap_err()
            .contains("not a SHA-256"));
        assert!(Fingerprint::parse(&"ZZ".repeat(32)).is_err());
    }

    #[test]
    fn fingerprint_of_der() {
        // SHA-256 of the empty string.
        assert_eq!(
            Fingerprint::of(b"")
                .to_string()
                .replace(':', "")
                .to_lowercase(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
