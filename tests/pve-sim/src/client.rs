//! A tiny blocking HTTP(S) client for tests: one connection per request,
//! HTTPS pinned to a SHA-256 certificate fingerprint (like a PVE client that
//! trusts a self-signed node certificate by fingerprint).

use crate::http::percent_encode;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

/// `AB:CD:...` SHA-256 fingerprint of a DER certificate.
pub fn fingerprint_of(der: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, der);
    d.as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[derive(Debug)]
struct PinnedVerifier {
    fingerprint: String,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if fingerprint_of(end_entity.as_ref()).eq_ignore_ascii_case(&self.fingerprint) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "certificate fingerprint mismatch".into(),
            ))
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

/// A response.
#[derive(Debug, Clone)]
pub struct ClientResponse {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl ClientResponse {
    /// Body parsed as JSON (`Value::Null` when empty or invalid).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    /// Body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
    /// Header value (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Test client.
#[derive(Clone)]
pub struct Client {
    host: String,
    port: u16,
    tls: Option<Arc<rustls::ClientConfig>>,
    auth: Option<String>,
    timeout: Duration,
}

impl Client {
    /// Plain HTTP client for `http://host:port`.
    pub fn http(base: &str) -> Client {
        let (host, port) = split_base(base, 80);
        Client {
            host,
            port,
            tls: None,
            auth: None,
            timeout: Duration::from_secs(30),
        }
    }

    /// HTTPS client for `https://host:port` trusting only this certificate fingerprint.
    pub fn https_pinned(base: &str, fingerprint: &str) -> Client {
        let (host, port) = split_base(base, 443);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Arc::new(PinnedVerifier {
            fingerprint: fingerprint.to_string(),
            provider: provider.clone(),
        });
        let cfg = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| {
                b.dangerous()
                    .with_custom_certificate_verifier(verifier)
                    .with_no_client_auth()
            })
            .ok()
            .map(Arc::new);
        Client {
            host,
            port,
            tls: cfg,
            auth: None,
            timeout: Duration::from_secs(30),
        }
    }

    /// Read timeout per request (default 30 s).
    pub fn with_timeout(mut self, t: Duration) -> Client {
        self.timeout = t;
        self
    }

    /// Send this `Authorization` header value with every request.
    pub fn with_auth(mut self, value: &str) -> Client {
        self.auth = Some(value.to_string());
        self
    }

    /// GET with query parameters.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> io::Result<ClientResponse> {
        let q = form(query);
        let p = if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{q}")
        };
        self.send("GET", &p, None, &[])
    }

    /// POST form-encoded.
    pub fn post(&self, path: &str, params: &[(&str, &str)]) -> io::Result<ClientResponse> {
        self.send_form("POST", path, params)
    }

    /// PUT form-encoded.
    pub fn put(&self, path: &str, params: &[(&str, &str)]) -> io::Result<ClientResponse> {
        self.send_form("PUT", path, params)
    }

    /// DELETE with query parameters.
    pub fn delete(&self, path: &str, query: &[(&str, &str)]) -> io::Result<ClientResponse> {
        let q = form(query);
        let p = if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{q}")
        };
        self.send("DELETE", &p, None, &[])
    }

    /// POST a JSON body (control API).
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> io::Result<ClientResponse> {
        let b = serde_json::to_vec(body).unwrap_or_default();
        self.send("POST", path, Some("application/json"), &b)
    }

    fn send_form(
        &self,
        method: &str,
        path: &str,
        params: &[(&str, &str)],
    ) -> io::Result<ClientResponse> {
        let body = form(params);
        self.send(
            method,
            path,
            Some("application/x-www-form-urlencoded"),
            body.as_bytes(),
        )
    }

    /// Send a raw request.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> io::Result<ClientResponse> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))?;
        tcp.set_read_timeout(Some(self.timeout))?;
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}:{}\r\nConnection: close\r\n",
            self.host, self.port
        );
        if let Some(a) = &self.auth {
            req.push_str(&format!("Authorization: {a}\r\n"));
        }
        if let Some(ct) = content_type {
            req.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if !body.is_empty() || method == "POST" || method == "PUT" {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        let raw = match &self.tls {
            Some(cfg) => {
                let name = ServerName::try_from(self.host.clone())
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
                let conn = rustls::ClientConnection::new(cfg.clone(), name)
                    .map_err(|e| io::Error::other(e.to_string()))?;
                let mut s = rustls::StreamOwned::new(conn, tcp);
                s.write_all(&bytes)?;
                s.flush()?;
                read_all(&mut s)?
            }
            None => {
                let mut s = tcp;
                s.write_all(&bytes)?;
                s.flush()?;
                read_all(&mut s)?
            }
        };
        parse_response(&raw)
    }
}

fn read_all<R: Read>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            // peers that close without close_notify
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && !out.is_empty() => break,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

fn parse_response(raw: &[u8]) -> io::Result<ClientResponse> {
    let pos = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no header end"))?;
    let head = String::from_utf8_lossy(&raw[..pos]).to_string();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let _ver = parts.next();
    let status: u16 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let reason = parts.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[pos + 4..].to_vec();
    if let Some(len) = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        body.truncate(len);
    }
    Ok(ClientResponse {
        status,
        reason,
        headers,
        body,
    })
}

fn split_base(base: &str, default_port: u16) -> (String, u16) {
    let rest = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))
        .unwrap_or(base);
    let hostport = rest.split('/').next().unwrap_or(rest);
    match hostport.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().unwrap_or(default_port)),
        None => (hostport.to_string(), default_port),
    }
}

/// Form-encode pairs (space as %20, like PVE clients should).
pub fn form(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}
