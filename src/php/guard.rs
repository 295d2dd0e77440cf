//! The panic guard every export runs in. A Rust panic must never unwind
//! into PHP: it is caught here, logged, and turned into an error the caller
//! understands (a WHMCS error string or a PHP exception). It is also where
//! the Module Debug Log entries of the call's API requests (made on any
//! thread) are handed to WHMCS, on the PHP thread, when the call returns.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::globals::db_config;
use super::host::PhpHost;
use ext_php_rs::exception::PhpException;
use ext_php_rs::zend::ce;

use crate::error::{Error, Result};
use crate::whmcs::debuglog;

/// Runs `f`, turning a panic into `Error::Internal` naming the function;
/// then logs the API calls it made (when WHMCS's debug logging is on).
pub fn guard<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    debuglog::enter(|| db_config().ok());
    let r = catch(name, f);
    debuglog::leave(&PhpHost);
    r
}

/// `RINIT`: each PHP request reads WHMCS's debug log setting afresh.
pub extern "C" fn request_startup(_type: i32, _module_number: i32) -> i32 {
    debuglog::request_started();
    0
}

/// The panic guard alone (no PHP needed).
pub fn catch<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            log::error!("panic in {name}: {msg}");
            Err(Error::Internal(format!(
                "{name} failed unexpectedly: {msg}"
            )))
        }
    }
}

/// For WHMCS module functions that return `'success'` or an error string.
pub fn status_string(name: &str, f: impl FnOnce() -> Result<()>) -> String {
    status_text(guard(name, f))
}

/// `'success'` or the error's text.
fn status_text(r: Result<()>) -> String {
    match r {
        Ok(()) => "success".into(),
        Err(e) => e.to_string(),
    }
}

/// The HTTP status an admin endpoint answers an error with: 403 for a
/// refusal (not logged in, no access, a permission missing), 409 when the
/// VM's state does not allow it, 400 for bad input, 500 otherwise.
pub fn admin_status(e: &Error) -> i32 {
    match e {
        _ if crate::whmcs::perms::is_denial(e) => 403,
        Error::Config(_) => 409,
        Error::Input { .. } => 400,
        _ => 500,
    }
}

/// The exception of an admin native: its code is [`admin_status`], so the
/// page's glue answers with that status.
pub fn admin_exception(e: Error) -> PhpException {
    let code = admin_status(&e);
    let text = match &e {
        Error::Input { message, .. } if code == 403 => {
            crate::util::printable(&format!("Access denied: {message}")).into_owned()
        }
        _ => e.to_string(),
    };
    PhpException::new(text, code, ce::exception())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_errors() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let r: Result<()> = catch("puq_x", || panic!("boom"));
        std::panic::set_hook(prev);
        let e = r.unwrap_err().to_string();
        assert!(e.contains("puq_x") && e.contains("boom"), "{e}");
        assert!(catch("f", || Ok(())).is_ok());
        // (Through `catch`: `guard` also hands debug log entries to PHP,
        // which a unit test binary cannot link.)
        assert_eq!(status_text(catch("f", || Ok(()))), "success");
        assert_eq!(
            status_text(catch("f", || Err(Error::Config("no template".into())))),
            "Configuration error: no template"
        );
        assert_eq!(admin_status(&Error::input("access", "no")), 403);
        assert_eq!(admin_status(&Error::input("vm_id", "no")), 400);
        assert_eq!(admin_status(&Error::Config("busy".into())), 409);
        assert_eq!(admin_status(&Error::Db("down".into())), 500);
    }
}
