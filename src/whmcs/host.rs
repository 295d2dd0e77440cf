//! Calls from the core back into WHMCS. The PHP implementation lives in
//! `src/php/host.rs` and must only be used on the PHP thread; tests use
//! [`RecordingHost`].

use std::sync::Mutex;

use serde_json::{json, Value};

use crate::error::{Error, Result};

pub trait Host {
    /// WHMCS `localAPI($command, $values)`; returns the result array.
    fn local_api(&self, command: &str, values: &Value) -> Result<Value>;
    /// WHMCS `logModuleCall`. Every string in `secrets` is masked by WHMCS.
    fn log_module_call(
        &self,
        action: &str,
        request: &str,
        response: &str,
        processed: &str,
        secrets: &[&str],
    );
    /// WHMCS `logActivity($message, $userId)`.
    fn log_activity(&self, message: &str, user_id: u32);
    /// WHMCS `encrypt()`, the form WHMCS stores passwords in.
    fn encrypt(&self, plain: &str) -> Result<String>;
    /// WHMCS `decrypt()`.
    fn decrypt(&self, cipher: &str) -> Result<String>;
    /// One line of live output (cron), flushed at once.
    fn output(&self, line: &str);
}

/// Sends a WHMCS email template for a service through `localAPI SendEmail`.
pub fn send_email(host: &dyn Host, template: &str, service_id: u32, vars: &Value) -> Result<()> {
    let mut values = json!({ "messagename": template, "id": service_id });
    if vars.as_object().is_some_and(|m| !m.is_empty()) {
        values["customvars"] = vars.clone();
    }
    let res = host.local_api("SendEmail", &values)?;
    match res.get("result").and_then(Value::as_str) {
        Some("success") => Ok(()),
        _ => Err(Error::Host(format!(
            "SendEmail '{template}' failed: {}",
            res.get("message")
                .and_then(Value::as_str)
                .unwrap_or("no message")
        ))),
    }
}

/// A `Host` that records every call, for tests.
#[derive(Default)]
pub struct RecordingHost {
    pub calls: Mutex<Vec<(String, Value)>>,
    /// When set, `local_api` returns this instead of success.
    pub local_api_reply: Mutex<Option<Value>>,
}

impl RecordingHost {
    fn record(&self, name: &str, v: Value) {
        if let Ok(mut c) = self.calls.lock() {
            c.push((name.to_string(), v));
        }
    }

    pub fn calls_of(&self, name: &str) -> Vec<Value> {
        self.calls
            .lock()
            .map(|c| {
                c.iter()
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Host for RecordingHost {
    fn local_api(&self, command: &str, values: &Value) -> Result<Value> {
        self.record("localAPI", json!({"command": command, "values": values}));
        let reply = self.local_api_reply.lock().ok().and_then(|r| r.clone());
        Ok(reply.unwrap_or_else(|| json!({"result": "success"})))
    }
    fn log_module_call(
        &self,
        action: &str,
        request: &str,
        response: &str,
        processed: &str,
        secrets: &[&str],
    ) {
        self.record(
            "logModuleCall",
            json!({"action": action, "request": request, "response": response,
                   "processed": processed, "secrets": secrets}),
        );
    }
    fn log_activity(&self, message: &str, user_id: u32) {
        self.record(
            "logActivity",
            json!({"message": message, "user_id": user_id}),
        );
    }
    fn encrypt(&self, plain: &str) -> Result<String> {
        Ok(format!("enc:{}", plain.chars().rev().collect::<String>()))
    }
    fn decrypt(&self, cipher: &str) -> Result<String> {
        cipher
            .strip_prefix("enc:")
            .map(|s| s.chars().rev().collect())
            .ok_or_else(|| Error::Host("not encrypted by RecordingHost".into()))
    }
    fn output(&self, line: &str) {
        self.record("output", json!(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_email_passes_template_and_service() {
        let h = RecordingHost::default();
        send_email(&h, "puqProxmoxKVM VM is ready", 7, &json!({"vm_id": 101})).unwrap();
        let c = h.calls_of("localAPI");
        assert_eq!(c[0]["command"], "SendEmail");
        assert_eq!(c[0]["values"]["messagename"], "puqProxmoxKVM VM is ready");
        assert_eq!(c[0]["values"]["id"], 7);
        assert_eq!(c[0]["values"]["customvars"]["vm_id"], 101);
    }

    #[test]
    fn send_email_error_is_reported() {
        let h = RecordingHost::default();
        *h.local_api_reply.lock().unwrap() =
            Some(json!({"result": "error", "message": "Email Template not found"}));
        let e = send_email(&h, "nope", 7, &json!({}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Email Template not found"), "{e}");
    }
}
