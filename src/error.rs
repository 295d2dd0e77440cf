//! The one error type of the core. Every failure that can reach WHMCS is one of
//! these variants, and its `Display` text is what the operator reads: it says
//! what went wrong and, where possible, what to fix.

use std::fmt;

use crate::pve::PveError;

#[derive(Debug)]
pub enum Error {
    /// A value from WHMCS (`$params`, an admin form, a client request) is
    /// missing or malformed. `key` names the field.
    Input { key: String, message: String },
    /// The WHMCS database could not be reached or a query failed.
    Db(String),
    /// Proxmox VE answered with an error or could not be reached.
    Pve(PveError),
    /// A call back into WHMCS (localAPI, encrypt, ...) failed.
    Host(String),
    /// The module is not configured well enough to do what was asked.
    Config(String),
    /// A bug: a panic caught at the boundary, or an invariant that broke.
    Internal(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn input(key: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Input {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Error::Input { key, message } => format!("Invalid value for '{key}': {message}"),
            Error::Db(m) => format!("Database error: {m}"),
            Error::Pve(e) => format!("Proxmox VE: {e}"),
            Error::Host(m) => format!("WHMCS call failed: {m}"),
            Error::Config(m) => format!("Configuration error: {m}"),
            Error::Internal(m) => format!("Internal error: {m}"),
        };
        f.write_str(&crate::util::printable(&text))
    }
}

impl std::error::Error for Error {}

impl From<PveError> for Error {
    fn from(e: PveError) -> Self {
        Error::Pve(e)
    }
}

impl From<mysql::Error> for Error {
    fn from(e: mysql::Error) -> Self {
        Error::Db(describe_mysql(&e))
    }
}

/// A short, secret-free description of a driver error.
pub fn describe_mysql(e: &mysql::Error) -> String {
    match e {
        mysql::Error::MySqlError(m) => format!("{} ({})", m.message, m.code),
        mysql::Error::IoError(io) => format!("I/O error: {io}"),
        mysql::Error::DriverError(d) => format!("{d}"),
        other => format!("{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_carry_raw_control_bytes() {
        let e = Error::input(
            "serverhostname",
            "'127.0.0.1\0evil\x1b[31m' is bad\nsecond line",
        );
        let t = e.to_string();
        assert!(!t.contains('\0') && !t.contains('\x1b'), "{t:?}");
        assert!(t.contains("127.0.0.1\\x00evil\\x1B[31m"), "{t}");
        assert!(t.contains("\nsecond line"), "{t}");
    }
}
