//! Every way a Proxmox VE call can fail, parsed in one place.

use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum PveError {
    /// The host name did not resolve or the TCP connection was refused:
    /// nothing was sent, so any call may be retried.
    Connect(String),
    /// TLS failed: an unknown issuer, or a pinned fingerprint that did not match.
    Tls(String),
    /// No answer within the timeout. The request may have been applied.
    Timeout(String),
    /// 401: the API token is wrong or missing.
    Unauthorized,
    /// 403: the token lacks a privilege.
    Permission(String),
    /// 400 with per-parameter errors (`Parameter verification failed.`).
    Params {
        message: String,
        errors: BTreeMap<String, String>,
    },
    /// 501: the path or method does not exist on this Proxmox version.
    NotImplemented(String),
    /// Any other HTTP error status, with PVE's message.
    Status { status: u16, message: String },
    /// A reply we could not understand.
    Protocol(String),
    /// A task finished with an error exit status.
    Task { upid: String, exitstatus: String },
    /// A task still ran when our deadline passed.
    TaskTimeout { upid: String },
}

impl PveError {
    /// True when the request certainly did not reach Proxmox.
    pub fn never_sent(&self) -> bool {
        matches!(self, PveError::Connect(_) | PveError::Tls(_))
    }

    /// "VM is locked" and similar transient conflicts.
    pub fn is_lock_conflict(&self) -> bool {
        let m = match self {
            PveError::Status { message, .. } => message,
            PveError::Task { exitstatus, .. } => exitstatus,
            _ => return false,
        };
        m.contains("is locked") || m.contains("can't lock file")
    }

    /// A 500 saying the VM config does not exist on that node.
    pub fn is_missing_vm(&self) -> bool {
        matches!(self, PveError::Status { status: 500, message } if message.contains("does not exist"))
    }
}

impl fmt::Display for PveError {
    /// Proxmox's own texts are shown with unsafe characters escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = Raw(self).to_string();
        f.write_str(&crate::util::printable(&text))
    }
}

struct Raw<'a>(&'a PveError);

impl fmt::Display for Raw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            PveError::Connect(m) => write!(f, "cannot connect: {m}"),
            PveError::Tls(m) => write!(f, "TLS error: {m}"),
            PveError::Timeout(m) => write!(f, "timed out: {m}"),
            PveError::Unauthorized => write!(
                f,
                "authentication failed (HTTP 401): check the API token id (user@realm!tokenid) in Username and the token secret in Password"
            ),
            PveError::Permission(m) => write!(f, "permission denied (HTTP 403): {m}"),
            PveError::Params { message, errors } => {
                write!(f, "{message}")?;
                for (k, v) in errors {
                    write!(f, " {k}: {v};")?;
                }
                Ok(())
            }
            PveError::NotImplemented(m) => write!(f, "not implemented (HTTP 501): {m}"),
            PveError::Status { status, message } => write!(f, "HTTP {status}: {message}"),
            PveError::Protocol(m) => write!(f, "unexpected reply: {m}"),
            PveError::Task { upid, exitstatus } => write!(f, "task {upid} failed: {exitstatus}"),
            PveError::TaskTimeout { upid } => write!(f, "task {upid} is still running"),
        }
    }
}

impl std::error::Error for PveError {}
