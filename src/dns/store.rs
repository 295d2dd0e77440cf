//! The `puqProxmoxKVM_dns_zones` table: zones with their credential
//! encrypted by WHMCS's `encrypt()`. Listing replaces every stored secret
//! with [`KEEP`]; only [`load_zones`] / [`get`] decrypt, on the PHP thread.

use mysql::prelude::Queryable;
use mysql::{PooledConn, Row};
use serde_json::{json, Value};

use super::zone::{Kind, Provider, Secret, Zone, ZoneForm, CLOUDFLARE_API, KEEP};
use super::Zones;
use crate::error::{Error, Result};
use crate::whmcs::fields::Fields;
use crate::whmcs::Host;

pub const TABLE: &str = "puqProxmoxKVM_dns_zones";

/// Migration 6: the zones table, and the reverse name of each allocated
/// address (empty: the VM's FQDN).
pub const MIGRATION: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS puqProxmoxKVM_dns_zones (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        name VARCHAR(253) NOT NULL,
        type VARCHAR(16) NOT NULL,
        server_url VARCHAR(255) NOT NULL DEFAULT '',
        account_id VARCHAR(64) NOT NULL DEFAULT '',
        zone_id VARCHAR(64) NOT NULL DEFAULT '',
        admin_user VARCHAR(64) NOT NULL DEFAULT '',
        hestia_user VARCHAR(64) NOT NULL DEFAULT '',
        secret TEXT NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
        KEY idx_name (name)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "ALTER TABLE puqProxmoxKVM_ip_addresses
        ADD COLUMN IF NOT EXISTS ptr_name VARCHAR(253) NOT NULL DEFAULT ''",
];

/// The non-secret columns of a provider: (server_url, account_id, zone_id,
/// admin_user, hestia_user).
fn columns(p: &Provider) -> (String, String, String, String, String) {
    match p {
        Provider::PowerDNS { server_url, .. } => (
            server_url.clone(),
            "".into(),
            "".into(),
            "".into(),
            "".into(),
        ),
        Provider::Cloudflare {
            account_id,
            zone_id,
            api_url,
            ..
        } => (
            if api_url == CLOUDFLARE_API {
                String::new()
            } else {
                api_url.clone()
            },
            account_id.clone(),
            zone_id.clone(),
            "".into(),
            "".into(),
        ),
        Provider::HestiaCP {
            server_url,
            admin_user,
            user,
            ..
        } => (
            server_url.clone(),
            "".into(),
            "".into(),
            admin_user.clone(),
            user.clone(),
        ),
    }
}

struct Stored {
    id: u32,
    name: String,
    kind: Kind,
    server_url: String,
    account_id: String,
    zone_id: String,
    admin_user: String,
    hestia_user: String,
    secret: String,
}

const SELECT: &str = "SELECT id, name, type, server_url, account_id, zone_id, admin_user, hestia_user, secret FROM puqProxmoxKVM_dns_zones";

fn stored(mut r: Row) -> Result<Stored> {
    let id: u32 = r
        .take_opt::<u32, _>("id")
        .and_then(|v| v.ok())
        .ok_or_else(|| Error::Db(format!("{TABLE}.id is unreadable")))?;
    let mut take = |k: &str| -> Result<String> {
        r.take_opt::<String, _>(k)
            .and_then(|v| v.ok())
            .ok_or_else(|| Error::Db(format!("{TABLE}.{k} is unreadable")))
    };
    let kind_text = take("type")?;
    Ok(Stored {
        id,
        name: take("name")?,
        kind: Kind::parse(&kind_text)
            .map_err(|_| Error::Db(format!("zone #{id} has an unknown type '{kind_text}'")))?,
        server_url: take("server_url")?,
        account_id: take("account_id")?,
        zone_id: take("zone_id")?,
        admin_user: take("admin_user")?,
        hestia_user: take("hestia_user")?,
        secret: take("secret")?,
    })
}

fn provider(s: &Stored, secret: Secret) -> Provider {
    match s.kind {
        Kind::PowerDNS => Provider::PowerDNS {
            server_url: s.server_url.clone(),
            api_key: secret,
        },
        Kind::Cloudflare => Provider::Cloudflare {
            account_id: s.account_id.clone(),
            zone_id: s.zone_id.clone(),
            api_token: secret,
            api_url: if s.server_url.is_empty() {
                CLOUDFLARE_API.to_string()
            } else {
                s.server_url.clone()
            },
        },
        Kind::HestiaCP => Provider::HestiaCP {
            server_url: s.server_url.clone(),
            admin_user: s.admin_user.clone(),
            admin_password: secret,
            user: s.hestia_user.clone(),
        },
    }
}

fn decrypt(host: &dyn Host, s: &Stored) -> Result<Zone> {
    let secret = if s.secret.is_empty() {
        Secret::default()
    } else {
        Secret::new(host.decrypt(&s.secret).map_err(|_| {
            Error::Host(format!(
                "could not decrypt the credential of DNS zone #{} ({})",
                s.id, s.name
            ))
        })?)
    };
    Ok(Zone {
        id: s.id,
        name: s.name.clone(),
        provider: provider(s, secret),
    })
}

fn all(conn: &mut PooledConn) -> Result<Vec<Stored>> {
    let rows: Vec<Row> = match conn.query(format!("{SELECT} ORDER BY id")) {
        Ok(r) => r,
        // Addon not activated yet (or migration 6 not run): no zones.
        Err(mysql::Error::MySqlError(e)) if e.code == 1146 => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    rows.into_iter().map(stored).collect()
}

fn one(conn: &mut PooledConn, id: u32) -> Result<Stored> {
    let row: Option<Row> = conn.exec_first(format!("{SELECT} WHERE id = ?"), (id,))?;
    row.map(stored)
        .transpose()?
        .ok_or_else(|| Error::input("id", format!("there is no DNS zone #{id}")))
}

/// Every zone, decrypted, for the DNS work of a job.
/// Applies Settings > General > "DNS providers on this host" to the DNS
/// transport (`dns::http`); every path that loads or validates a zone runs
/// it first, so requests and form checks follow the current setting.
pub fn apply_address_policy(conn: &mut PooledConn) -> Result<()> {
    let s = crate::db::settings::load(conn)?;
    super::http::set_allow_loopback(s.dns_allow_loopback);
    Ok(())
}

pub fn load_zones(conn: &mut PooledConn, host: &dyn Host) -> Result<Zones> {
    apply_address_policy(conn)?;
    let zones = all(conn)?
        .iter()
        .map(|s| decrypt(host, s))
        .collect::<Result<Vec<_>>>()?;
    Ok(Zones { zones })
}

/// One zone, decrypted.
pub fn get(conn: &mut PooledConn, host: &dyn Host, id: u32) -> Result<Zone> {
    apply_address_policy(conn)?;
    decrypt(host, &one(conn, id)?)
}

fn refuse_duplicate(
    conn: &mut PooledConn,
    name: &str,
    p: &Provider,
    except: Option<u32>,
) -> Result<()> {
    let (url, account, zone_id, _, user) = columns(p);
    let dup: Option<u32> = conn.exec_first(
        format!(
            "SELECT id FROM {TABLE} WHERE name = ? AND type = ? AND server_url = ? AND zone_id = ? \
             AND hestia_user = ? AND account_id = ? AND id <> ?"
        ),
        (
            name,
            p.kind().as_str(),
            url,
            zone_id,
            user,
            account,
            except.unwrap_or(0),
        ),
    )?;
    match dup {
        Some(id) => Err(Error::input(
            "name",
            format!("zone '{name}' is already configured for this provider (#{id})"),
        )),
        None => Ok(()),
    }
}

/// Validates and stores a new zone; returns its id.
pub fn create(conn: &mut PooledConn, host: &dyn Host, f: &Fields) -> Result<u32> {
    apply_address_policy(conn)?;
    let form = ZoneForm::from_fields(f, true)?;
    let name = form.name.clone();
    let p = form.merged(None)?;
    refuse_duplicate(conn, &name, &p, None)?;
    let secret = host.encrypt(p.secret().expose())?;
    let (url, account, zone_id, admin, user) = columns(&p);
    conn.exec_drop(
        format!(
            "INSERT INTO {TABLE} (name, type, server_url, account_id, zone_id, admin_user, hestia_user, secret) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        (&name, p.kind().as_str(), url, account, zone_id, admin, user, secret),
    )?;
    u32::try_from(conn.last_insert_id()).map_err(|_| Error::Db("zone id out of range".into()))
}

/// Validates and saves an existing zone (`id` plus the form). An empty
/// secret or [`KEEP`] keeps the stored one (same provider type only).
pub fn update(conn: &mut PooledConn, host: &dyn Host, f: &Fields) -> Result<()> {
    apply_address_policy(conn)?;
    let id = f.req_id("id")?;
    let form = ZoneForm::from_fields(f, false)?;
    let old = one(conn, id)?;
    let name = form.name.clone();
    let secret_given = form.secret_given;
    let stored_provider = if secret_given {
        None
    } else {
        Some(decrypt(host, &old)?.provider)
    };
    let p = form.merged(stored_provider.as_ref())?;
    refuse_duplicate(conn, &name, &p, Some(id))?;
    let secret = if secret_given {
        host.encrypt(p.secret().expose())?
    } else {
        old.secret.clone()
    };
    let (url, account, zone_id, admin, user) = columns(&p);
    conn.exec_drop(
        format!(
            "UPDATE {TABLE} SET name = ?, type = ?, server_url = ?, account_id = ?, zone_id = ?, \
             admin_user = ?, hestia_user = ?, secret = ? WHERE id = ?"
        ),
        (
            &name,
            p.kind().as_str(),
            url,
            account,
            zone_id,
            admin,
            user,
            secret,
            id,
        ),
    )?;
    Ok(())
}

pub fn delete(conn: &mut PooledConn, id: u32) -> Result<()> {
    one(conn, id)?;
    conn.exec_drop(format!("DELETE FROM {TABLE} WHERE id = ?"), (id,))?;
    Ok(())
}

/// The zones for the DNS Zones page: every field, secrets as [`KEEP`].
pub fn list(conn: &mut PooledConn) -> Result<Vec<Value>> {
    Ok(all(conn)?
        .into_iter()
        .map(|s| {
            let kept = if s.secret.is_empty() { "" } else { KEEP };
            let mut v = json!({
                "id": s.id, "name": s.name, "type": s.kind.as_str(),
                "server_url": s.server_url,
            });
            match s.kind {
                Kind::PowerDNS => v["api_key"] = json!(kept),
                Kind::Cloudflare => {
                    v["account_id"] = json!(s.account_id);
                    v["zone_id"] = json!(s.zone_id);
                    v["api_token"] = json!(kept);
                }
                Kind::HestiaCP => {
                    v["admin_user"] = json!(s.admin_user);
                    v["admin_password"] = json!(kept);
                    v["user"] = json!(s.hestia_user);
                }
            }
            v
        })
        .collect())
}

/// How many zones there are (the dashboard's DNS Zones count).
pub fn count(conn: &mut PooledConn) -> Result<u64> {
    Ok(all(conn)?.len() as u64)
}
