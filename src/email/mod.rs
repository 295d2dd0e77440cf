//! The module's five WHMCS email templates (spec, "Email Templates"), with
//! their unique names, subjects and bodies. Addon activation and upgrade
//! create the ones that are missing and never touch one that exists, so
//! an operator's edits survive.

pub mod outbox;

use mysql::prelude::Queryable;
use mysql::PooledConn;

use crate::error::{Error, Result};

pub struct Template {
    pub name: &'static str,
    pub subject: &'static str,
}

const BILLING: &str = "Product/Service: {$service_product_name}
Payment Method: {$service_payment_method}
Amount: {$service_recurring_amount}
Billing Cycle: {$service_billing_cycle}
Next Due Date: {$service_next_due_date}";

pub const WELCOME: &str = "puqProxmoxVKM Welcome Email";
pub const READY: &str = "puqProxmoxKVM VM is ready";
pub const RESET_PASSWORD: &str = "puqProxmoxKVM Reset password";
pub const BACKUP_RESTORED: &str = "puqProxmoxKVM Backup restored";
pub const UPGRADE: &str = "puqProxmoxKVM Upgrade Email";

pub fn templates() -> Vec<(Template, String)> {
    let t = |name, subject| Template { name, subject };
    vec![
        (
            t(WELCOME, "Virtual Machine Order Information"),
            format!(
                "Dear {{$client_name}},

Your order has been accepted for implementation.
Installing and pre-configuring the virtual machine will take some time.
Please wait for an e-mail with information that the virtual machine is ready for use, also with access parameters.

{BILLING}

Important note - if you have also purchased the backup options, do not forget to configure the schedule in the service's subpage.

Thank you for choosing us.

{{$signature}}"
            ),
        ),
        (
            t(READY, "Virtual Machine is ready"),
            format!(
                "Dear {{$client_name}},

Your virtual machine is already ready.
You can connect to it using data.

{BILLING}

IP address: {{$service_dedicated_ip}} or {{$service_domain}}
Username: {{$service_username}}
Password: {{$service_password}}

Thank you for choosing us.

{{$signature}}"
            ),
        ),
        (
            t(RESET_PASSWORD, "Reset password is ready"),
            "Dear {$client_name},

Password reset successful.

IP address: {$service_dedicated_ip} or {$service_domain}
Username: {$service_username}
Password: {$service_password}

Thank you for choosing us.

{$signature}"
                .to_string(),
        ),
        (
            t(BACKUP_RESTORED, "Backup restored successful"),
            format!(
                "Dear {{$client_name}},

Backup restored successful.

{BILLING}

IP address: {{$service_dedicated_ip}} or {{$service_domain}}

Thank you for choosing us.

{{$signature}}"
            ),
        ),
        (
            t(UPGRADE, "Virtual Machine upgrade is ready"),
            format!(
                "Dear {{$client_name}},

Virtual Machine upgrade is successful.

{BILLING}

IP address: {{$service_dedicated_ip}} or {{$service_domain}}

Thank you for choosing us.

{{$signature}}"
            ),
        ),
    ]
}

/// WHMCS stores template bodies as HTML: one paragraph per block, `<br>`
/// between lines. The Smarty variables pass through untouched.
pub fn to_html(text: &str) -> String {
    text.split("\n\n")
        .map(|p| {
            let esc = p
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!("<p>{}</p>", esc.replace('\n', "<br />\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Creates the templates that do not exist (any language, any state —
/// a disabled one is the operator's choice). Returns the names created.
pub fn ensure(conn: &mut PooledConn) -> Result<Vec<String>> {
    let got: Option<Option<i64>> =
        conn.query_first("SELECT GET_LOCK('puqProxmoxKVM_email_templates', 30)")?;
    if got.flatten() != Some(1) {
        return Err(Error::Db(
            "another process is creating the email templates; try again".into(),
        ));
    }
    let r = create_missing(conn);
    let _: Option<Option<i64>> =
        conn.query_first("SELECT RELEASE_LOCK('puqProxmoxKVM_email_templates')")?;
    r
}

fn create_missing(conn: &mut PooledConn) -> Result<Vec<String>> {
    let mut created = Vec::new();
    for (t, body) in templates() {
        let exists: Option<i64> = conn.exec_first(
            "SELECT id FROM tblemailtemplates WHERE type = 'product' AND name = ? LIMIT 1",
            (t.name,),
        )?;
        if exists.is_some() {
            continue;
        }
        conn.exec_drop(
            "INSERT INTO tblemailtemplates
                (type, name, subject, message, attachments, fromname, fromemail, disabled, custom,
                 language, copyto, blind_copy_to, plaintext, created_at, updated_at)
             VALUES ('product', ?, ?, ?, '', '', '', 0, 1, '', '', '', 0, NOW(), NOW())",
            (t.name, t.subject, to_html(&body)),
        )?;
        created.push(t.name.to_string());
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_templates_with_the_spec_names() {
        let t = templates();
        let names: Vec<&str> = t.iter().map(|(t, _)| t.name).collect();
        assert_eq!(
            names,
            [
                "puqProxmoxVKM Welcome Email",
                "puqProxmoxKVM VM is ready",
                "puqProxmoxKVM Reset password",
                "puqProxmoxKVM Backup restored",
                "puqProxmoxKVM Upgrade Email"
            ]
        );
        assert!(t[1].1.contains("Password: {$service_password}"));
        assert!(t[0].1.contains("Next Due Date: {$service_next_due_date}"));
        assert!(!t[2].1.contains("{{"));
        let html = to_html("Dear {$client_name},\n\nA <b>\nB");
        assert_eq!(
            html,
            "<p>Dear {$client_name},</p>\n<p>A &lt;b&gt;<br />\nB</p>"
        );
    }
}
