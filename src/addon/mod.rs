//! The addon module `puq_proxmox_kvm`: activation, upgrade, deactivation
//! and the global settings.

pub mod legacy;
use std::path::Path;

use serde_json::{json, Value};

use crate::db::{self, migrate, settings, DbConfig};
use crate::error::Result;
use crate::whmcs::Host;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn config() -> Value {
    json!({
        "name": "PUQ Proxmox KVM",
        "description": "IP pools, DNS zones, VM management and cron for the PUQ Proxmox KVM server module.",
        "author": "puq_proxmox_kvm",
        "language": "english",
        "version": VERSION,
        "fields": {},
    })
}

/// Creates or upgrades the module's tables and the missing email templates
/// (their translations from `emails_dir`, the addon's `lang/emails`), then
/// imports what PUQ Customization and v2 left (see [`legacy`]).
pub fn activate(db: &DbConfig, host: &dyn Host, emails_dir: Option<&Path>) -> Result<String> {
    let mut conn = db::conn(db)?;
    let o = migrate::run(&mut conn)?;
    let mut mails = templates_note(&crate::email::ensure(&mut conn, emails_dir)?);
    mails.push_str(&legacy::run(&mut conn, host)?.summary());
    Ok(if o.from == o.to {
        format!(
            "PUQ Proxmox KVM {VERSION} activated; database schema already at version {}.{mails}",
            o.to
        )
    } else {
        format!(
            "PUQ Proxmox KVM {VERSION} activated; database schema migrated from version {} to {}.{mails}",
            o.from, o.to
        )
    })
}

pub fn upgrade(
    db: &DbConfig,
    host: &dyn Host,
    previous: &str,
    emails_dir: Option<&Path>,
) -> Result<String> {
    let mut conn = db::conn(db)?;
    let o = migrate::run(&mut conn)?;
    let mut mails = templates_note(&crate::email::ensure(&mut conn, emails_dir)?);
    mails.push_str(&legacy::run(&mut conn, host)?.summary());
    Ok(format!(
        "Upgraded from {previous} to {VERSION}; database schema version {} -> {}.{mails}",
        o.from, o.to
    ))
}

/// The activation message's note on email templates it created.
fn templates_note(created: &[String]) -> String {
    if created.is_empty() {
        String::new()
    } else {
        format!(" Email templates created: {}.", created.join(", "))
    }
}

/// Keeps the tables unless "Delete all database tables" is on.
pub fn deactivate(db: &DbConfig) -> Result<String> {
    let mut conn = db::conn(db)?;
    let s = settings::load(&mut conn)?;
    if s.delete_tables_on_deactivate {
        let dropped = migrate::drop_all(&mut conn)?;
        Ok(format!(
            "PUQ Proxmox KVM deactivated; the module's {} tables were deleted (other tables are never touched).",
            dropped.len()
        ))
    } else {
        Ok("PUQ Proxmox KVM deactivated; module tables were kept.".into())
    }
}

/// Data for the addon's admin page.
pub fn overview(db: &DbConfig) -> Result<Value> {
    let mut conn = db::conn(db)?;
    let version = migrate::current_version(&mut conn)?;
    let s = settings::load(&mut conn)?;
    Ok(json!({
        "version": VERSION,
        "schema_version": version,
        "schema_latest": migrate::latest_version(),
        "settings": s,
    }))
}
