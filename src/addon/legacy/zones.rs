//! DNS zones from PUQ Customization (Cloudflare and HestiaCP in v1.4–v2.x;
//! PowerDNS is read too). Each zone goes through the DNS Zones page's own
//! validation and storage (`dns::store::create`): the same rules, the
//! secret encrypted with WHMCS's `encrypt()`, a zone already configured for
//! the same provider reported as present. A legacy secret WHMCS encrypted is
//! decrypted first; one stored in clear is taken as it is.

use mysql::PooledConn;
use serde_json::{Map, Value};

use super::{find_table, looked_for, Field, Row, Section};
use crate::error::{Error, Result};
use crate::whmcs::fields::Fields;
use crate::whmcs::Host;

pub const ZONE_TABLES: &[&str] = &["dns_zones", "dns_zone", "dns"];

const ID: Field = ("id", &["id"]);
const NAME: Field = ("name", &["name", "zone", "zone_name", "domain"]);
const TYPE: Field = (
    "type",
    &["type", "provider", "dns_type", "kind", "dns_provider"],
);
const URL: Field = (
    "server_url",
    &[
        "server_url",
        "server",
        "url",
        "api_url",
        "hestiacp_server",
        "host",
    ],
);
const ACCOUNT: Field = ("account_id", &["account_id", "accountid", "cf_account_id"]);
const ZONE_ID: Field = ("zone_id", &["zone_id", "zoneid", "cf_zone_id"]);
const TOKEN: Field = ("api_token", &["api_token", "token", "cf_api_token"]);
const KEY: Field = ("api_key", &["api_key", "apikey", "key"]);
const ADMIN: Field = (
    "admin_user",
    &[
        "admin_user",
        "hestiacp_admin_user",
        "admin",
        "login",
        "username",
    ],
);
const PASSWORD: Field = (
    "admin_password",
    &["admin_password", "hestiacp_admin_password", "password"],
);
const USER: Field = ("user", &["user", "hestia_user", "hestiacp_user", "owner"]);
const DATA: Field = ("data", &["data", "settings", "config", "params", "options"]);

const FIELDS: &[Field] = &[
    ID, NAME, TYPE, URL, ACCOUNT, ZONE_ID, TOKEN, KEY, ADMIN, PASSWORD, USER, DATA,
];

pub fn import(conn: &mut PooledConn, host: &dyn Host, section: &mut Section) -> Result<()> {
    let Some(table) = find_table(conn, ZONE_TABLES)? else {
        section.source = looked_for(ZONE_TABLES);
        return Ok(());
    };
    section.source = table.name.clone();
    if let Some(why) = table.missing(&[NAME]) {
        section.skipped.push(format!("every zone: {why}"));
        return Ok(());
    }
    for row in table.rows(conn, FIELDS)? {
        let label = format!("legacy zone #{}", row.int("id").unwrap_or(0));
        match import_zone(conn, host, &row) {
            Ok(Ok(line)) => section.imported.push(format!("{label}: {line}")),
            Ok(Err(line)) | Err(line) => section.skipped.push(format!("{label}: {line}")),
        }
    }
    Ok(())
}

/// The provider type our DNS Zones page uses for a legacy type name.
pub fn kind(legacy: &str) -> Option<&'static str> {
    let t: String = legacy
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if t.starts_with("cloudflare") || t == "cf" {
        Some("cloudflare")
    } else if t.starts_with("hestia") {
        Some("hestiacp")
    } else if t.starts_with("powerdns") || t == "pdns" {
        Some("powerdns")
    } else {
        None
    }
}

/// `Ok(Ok(imported line))`, `Ok(Err(already present))`, or `Err(reason)`.
fn import_zone(
    conn: &mut PooledConn,
    host: &dyn Host,
    row: &Row,
) -> std::result::Result<std::result::Result<String, String>, String> {
    let mut values: Map<String, Value> = Map::new();
    // A JSON column with the provider's settings, overridden by real columns.
    if let Ok(Value::Object(extra)) = serde_json::from_str::<Value>(&row.text("data")?) {
        for (k, v) in extra {
            if let Some(s) = v
                .as_str()
                .map(str::to_string)
                .or_else(|| v.as_i64().map(|n| n.to_string()))
            {
                let key = FIELDS
                    .iter()
                    .find(|(_, aliases)| aliases.iter().any(|a| a.eq_ignore_ascii_case(&k)))
                    .map_or(k.clone(), |(name, _)| name.to_string());
                values.insert(key, Value::String(s));
            }
        }
    }
    for (name, _) in FIELDS.iter().filter(|(n, _)| !matches!(*n, "id" | "data")) {
        let t = row.text(name)?;
        if !t.trim().is_empty() {
            values.insert(name.to_string(), Value::String(t.trim().to_string()));
        }
    }
    let get = |k: &str| {
        values
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let name = get("name");
    let ty = match get("type").as_str() {
        "" if !get("account_id").is_empty() || !get("api_token").is_empty() => "cloudflare",
        "" if !get("admin_user").is_empty() => "hestiacp",
        "" if !get("api_key").is_empty() => "powerdns",
        "" => {
            return Err(format!(
                "zone '{}': no provider type",
                crate::util::printable(&name)
            ))
        }
        t => kind(t).ok_or_else(|| {
            format!(
                "zone '{}': provider '{}' is not Cloudflare, HestiaCP or PowerDNS",
                crate::util::printable(&name),
                crate::util::printable(t)
            )
        })?,
    };
    let secret_field = match ty {
        "cloudflare" => "api_token",
        "hestiacp" => "admin_password",
        _ => "api_key",
    };
    let raw = get(secret_field);
    let plain = match host.decrypt(&raw) {
        Ok(p) if !p.is_empty() && !p.chars().any(char::is_control) => p,
        _ => raw,
    };
    let mut form = Map::new();
    form.insert("name".into(), Value::String(name.clone()));
    form.insert("type".into(), Value::String(ty.into()));
    for k in ["server_url", "account_id", "zone_id", "admin_user", "user"] {
        form.insert(k.into(), Value::String(get(k)));
    }
    form.insert(secret_field.into(), Value::String(plain));
    let form = Value::Object(form);
    let fields = Fields::new(&form).map_err(|e| e.to_string())?;
    let shown = format!("{} ({ty})", crate::util::printable(&name));
    match crate::dns::store::create(conn, host, &fields) {
        Ok(id) => Ok(Ok(format!("{shown} → DNS zone #{id}"))),
        Err(Error::Input { key, message })
            if key == "name" && message.contains("already configured") =>
        {
            Ok(Err(format!("{shown}: already present ({message})")))
        }
        Err(Error::Input { key, message }) => Err(format!("{shown}: {key}: {message}")),
        Err(e) => Err(format!("{shown}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_provider_names() {
        assert_eq!(kind("cloudflare.com"), Some("cloudflare"));
        assert_eq!(kind("HestiaCP Server"), Some("hestiacp"));
        assert_eq!(kind("PowerDNS"), Some("powerdns"));
        assert_eq!(kind("pdns"), Some("powerdns"));
        assert_eq!(kind("route53"), None);
    }
}
