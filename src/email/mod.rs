//! The module's five WHMCS email templates (spec, "Email Templates"), with
//! their unique names, subjects and bodies, in English (the master
//! templates) and in every language the addon's `lang/emails/` holds (a
//! WHMCS translation is a row of the same name with its `language`).
//! Addon activation and upgrade create the ones that are missing and never
//! touch one that exists, so an operator's edits survive.

pub mod outbox;

use std::path::Path;

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde_json::Value;

use crate::error::{Error, Result};

/// The five templates' unique names (WHMCS keys a template by type and name;
/// a translation is another row with the same name and its `language`).
pub const WELCOME: &str = "puqProxmoxVKM Welcome Email";
pub const READY: &str = "puqProxmoxKVM VM is ready";
pub const RESET_PASSWORD: &str = "puqProxmoxKVM Reset password";
pub const BACKUP_RESTORED: &str = "puqProxmoxKVM Backup restored";
pub const UPGRADE: &str = "puqProxmoxKVM Upgrade Email";
pub const NAMES: [&str; 5] = [WELCOME, READY, RESET_PASSWORD, BACKUP_RESTORED, UPGRADE];

/// The English texts: the addon's `lang/emails/english.json`, the one place
/// they are written (built into the extension, so the master templates never
/// depend on a file on disk).
const ENGLISH_JSON: &str =
    include_str!("../../php/modules/addons/puq_proxmox_kvm/lang/emails/english.json");

/// One template's text in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub name: &'static str,
    pub subject: String,
    /// Plain text, lines joined with `\n` (an empty line between paragraphs).
    pub body: String,
}

/// The five texts of a language file (`{name: {subject, body: [lines]}}`),
/// checked: exactly the five names, a subject and body lines each, plain
/// text, and the same WHMCS merge fields as English (a translation that
/// lost `{$service_password}` would send a useless email).
pub fn parse(json: &str, english: Option<&[Text]>) -> std::result::Result<Vec<Text>, String> {
    let v: Value = serde_json::from_str(json).map_err(|e| format!("not valid JSON: {e}"))?;
    let obj = v
        .as_object()
        .ok_or("expected an object of the five templates")?;
    if obj.len() != NAMES.len() {
        return Err(format!("expected the five templates, got {}", obj.len()));
    }
    let mut out = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let t = obj
            .get(*name)
            .ok_or_else(|| format!("'{name}' is missing"))?;
        let subject = t["subject"].as_str().unwrap_or("").trim().to_string();
        let lines = t["body"]
            .as_array()
            .ok_or_else(|| format!("'{name}': body must be a list of lines"))?;
        let mut body = Vec::new();
        for l in lines {
            body.push(
                l.as_str()
                    .ok_or_else(|| format!("'{name}': body lines must be text"))?,
            );
        }
        let body = body.join("\n");
        if subject.is_empty()
            || body.trim().is_empty()
            || subject.len() > 250
            || body.len() > 20_000
        {
            return Err(format!("'{name}': empty or oversized subject or body"));
        }
        if body.contains('<') || subject.contains('<') {
            return Err(format!("'{name}': plain text only"));
        }
        if let Some(en) = english {
            let (a, b) = (
                merge_fields(&format!("{} {}", en[i].subject, en[i].body)),
                merge_fields(&format!("{subject} {body}")),
            );
            if a != b {
                return Err(format!(
                    "'{name}': merge fields differ from English ({b:?} instead of {a:?})"
                ));
            }
        }
        out.push(Text {
            name,
            subject,
            body,
        });
    }
    Ok(out)
}

/// The `{$…}` merge fields of a text, sorted (a multiset).
fn merge_fields(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .match_indices("{$")
        .filter_map(|(i, _)| text[i..].find('}').map(|j| text[i..i + j + 1].to_string()))
        .collect();
    out.sort();
    out
}

/// The English texts (a unit test keeps the built-in file valid).
pub fn english() -> Result<Vec<Text>> {
    parse(ENGLISH_JSON, None).map_err(|e| Error::Internal(format!("lang/emails/english.json: {e}")))
}

/// The translations on disk: `<dir>/<language>.json` for each language of
/// the module's list (no other name is read). A file that is missing is
/// skipped; one that fails the checks is skipped with a warning in the log.
pub fn translations(dir: &Path, en: &[Text]) -> Vec<(&'static str, Vec<Text>)> {
    let mut found = Vec::new();
    for l in crate::lang::LANGUAGES
        .iter()
        .filter(|l| l.name != "english")
    {
        let path = dir.join(format!("{}.json", l.name));
        let Ok(json) = std::fs::read_to_string(&path) else {
            continue;
        };
        match parse(&json, Some(en)) {
            Ok(t) => found.push((l.name, t)),
            Err(e) => log::warn!("email translations {}: {e}", path.display()),
        }
    }
    found
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

/// Creates the templates that do not exist: the master of each name
/// (`language` ''), then each translation found under `dir` for the
/// languages that do not have that name yet. An existing row (any state — a
/// disabled one is the operator's choice) is never changed. Returns the
/// names created (`name` or `name (language)`).
pub fn ensure(conn: &mut PooledConn, dir: Option<&Path>) -> Result<Vec<String>> {
    let got: Option<Option<i64>> =
        conn.query_first("SELECT GET_LOCK('puqProxmoxKVM_email_templates', 30)")?;
    if got.flatten() != Some(1) {
        return Err(Error::Db(
            "another process is creating the email templates; try again".into(),
        ));
    }
    let r = create_missing(conn, dir);
    let _: Option<Option<i64>> =
        conn.query_first("SELECT RELEASE_LOCK('puqProxmoxKVM_email_templates')")?;
    r
}

fn create_missing(conn: &mut PooledConn, dir: Option<&Path>) -> Result<Vec<String>> {
    let mut created = Vec::new();
    let en = english()?;
    let mut sets = Vec::new();
    if let Some(dir) = dir {
        sets = translations(dir, &en);
    }
    sets.insert(0, ("", en));
    for (language, texts) in sets {
        for t in texts {
            let exists: Option<i64> = conn.exec_first(
                "SELECT id FROM tblemailtemplates WHERE type = 'product' AND name = ? AND language = ? LIMIT 1",
                (t.name, language),
            )?;
            if exists.is_some() {
                continue;
            }
            conn.exec_drop(
                "INSERT INTO tblemailtemplates
                    (type, name, subject, message, attachments, fromname, fromemail, disabled, custom,
                     language, copyto, blind_copy_to, plaintext, created_at, updated_at)
                 VALUES ('product', ?, ?, ?, '', '', '', 0, 1, ?, '', '', 0, NOW(), NOW())",
                (t.name, &t.subject, to_html(&t.body), language),
            )?;
            created.push(if language.is_empty() {
                t.name.to_string()
            } else {
                format!("{} ({language})", t.name)
            });
        }
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn five_templates_with_the_spec_names() {
        let t = english().unwrap();
        let names: Vec<&str> = t.iter().map(|t| t.name).collect();
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
        assert_eq!(t[0].subject, "Virtual Machine Order Information");
        assert!(t[1].body.contains("Password: {$service_password}"));
        assert!(t[0]
            .body
            .contains("Next Due Date: {$service_next_due_date}"));
        assert!(t[0].body.starts_with("Dear {$client_name},\n\nYour order"));
        assert!(!t[2].body.contains("{{"));
        let html = to_html("Dear {$client_name},\n\nA <b>\nB");
        assert_eq!(
            html,
            "<p>Dear {$client_name},</p>\n<p>A &lt;b&gt;<br />\nB</p>"
        );
    }

    #[test]
    fn translations_keep_the_five_names_and_merge_fields() {
        let en = english().unwrap();
        let mut v: Value = serde_json::from_str(ENGLISH_JSON).unwrap();
        v[READY]["subject"] = json!("Ihre VM ist bereit");
        assert_eq!(
            parse(&v.to_string(), Some(&en)).unwrap()[1].subject,
            "Ihre VM ist bereit"
        );
        let mut lost = v.clone();
        lost[READY]["body"] = json!(["Hallo {$client_name}", "Passwort: {$service_username}"]);
        assert!(parse(&lost.to_string(), Some(&en))
            .unwrap_err()
            .contains("merge fields"));
        let mut html = v.clone();
        html[WELCOME]["subject"] = json!("<b>x</b>");
        assert!(parse(&html.to_string(), Some(&en)).is_err());
        let mut missing = v.clone();
        missing.as_object_mut().unwrap().remove(UPGRADE);
        assert!(parse(&missing.to_string(), Some(&en)).is_err());
        assert!(parse("[1", Some(&en)).is_err());
        assert_eq!(merge_fields("a {$x} b {$y} {$x}"), ["{$x}", "{$x}", "{$y}"]);
    }
}
