//! API errors shaped like PVE's exceptions.

use crate::validate::Errors;

/// An error answer: HTTP status, message (reason phrase + `message`), and the
/// optional per-parameter `errors` object.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    /// Message without the trailing newline.
    pub message: String,
    pub errors: Option<Errors>,
}

impl ApiError {
    /// A plain `die` → HTTP 500.
    pub fn internal(msg: impl Into<String>) -> ApiError {
        ApiError {
            status: 500,
            message: trim_nl(msg.into()),
            errors: None,
        }
    }

    /// Any status with a message.
    pub fn status(status: u16, msg: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: trim_nl(msg.into()),
            errors: None,
        }
    }

    /// `raise_param_exc({ key => msg })` → 400 Parameter verification failed.
    pub fn param(key: &str, msg: impl Into<String>) -> ApiError {
        let mut e = Errors::new();
        e.insert(key.to_string(), msg.into());
        ApiError::params(e)
    }

    /// 400 with several parameter errors.
    pub fn params(errors: Errors) -> ApiError {
        ApiError {
            status: 400,
            message: "Parameter verification failed.".into(),
            errors: Some(errors),
        }
    }

    /// `raise_perm_exc("$path, $priv")` → 403.
    pub fn perm(what: &str) -> ApiError {
        let message = if what.is_empty() {
            "Permission check failed".to_string()
        } else {
            format!("Permission check failed ({what})")
        };
        ApiError {
            status: 403,
            message,
            errors: None,
        }
    }

    /// 501 for unknown paths/methods.
    pub fn not_implemented(method: &str, path: &str) -> ApiError {
        ApiError::status(501, format!("Method '{method} {path}' not implemented"))
    }

    /// The missing-config error of `AbstractConfig::load_config`.
    pub fn no_vm(node: &str, vmid: u32) -> ApiError {
        ApiError::internal(format!(
            "Configuration file 'nodes/{node}/qemu-server/{vmid}.conf' does not exist"
        ))
    }
}

fn trim_nl(mut s: String) -> String {
    while s.ends_with('\n') {
        s.pop();
    }
    s
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;
