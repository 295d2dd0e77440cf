//! The panic guard every export runs in. A Rust panic must never unwind
//! into PHP: it is caught here, logged, and turned into an error the caller
//! understands (a WHMCS error string or a PHP exception).

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{Error, Result};

/// Runs `f`, turning a panic into `Error::Internal` naming the function.
pub fn guard<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
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
    match guard(name, f) {
        Ok(()) => "success".into(),
        Err(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_errors() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let r: Result<()> = guard("puq_x", || panic!("boom"));
        std::panic::set_hook(prev);
        let e = r.unwrap_err().to_string();
        assert!(e.contains("puq_x") && e.contains("boom"), "{e}");
        assert_eq!(status_string("f", || Ok(())), "success");
        assert_eq!(
            status_string("f", || Err(Error::Config("no template".into()))),
            "Configuration error: no template"
        );
    }
}
