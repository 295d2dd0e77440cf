//! The legacy read-only endpoint `lib/dns/dns.php` (spec, "Legacy DNS
//! endpoint"): the forward name, address and reverse name of every active
//! service, for external DNS scripts. It answers only callers whose address
//! is on the allowlist setting; an empty list refuses everyone.

use std::net::IpAddr;

use ipnet::IpNet;
use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde::Serialize;
use serde_json::json;

use super::names;
use crate::error::{Error, Result};

/// The row of `puqProxmoxKVM_settings` that holds the allowlist.
pub const SETTING: &str = "dns_legacy_allowlist";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub forward: String,
    pub ip: String,
    pub reverse: String,
}

/// Parses an allowlist: addresses or CIDR networks separated by commas,
/// spaces or new lines.
pub fn parse_allowlist(s: &str) -> Result<Vec<IpNet>> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<IpNet>()
                .or_else(|_| t.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    Error::input(
                        SETTING,
                        format!("'{t}' is not an IP address or CIDR network"),
                    )
                })
        })
        .collect()
}

pub fn allowlist(conn: &mut PooledConn) -> Result<String> {
    let v: Option<String> = match conn.exec_first(
        "SELECT value FROM puqProxmoxKVM_settings WHERE name = ?",
        (SETTING,),
    ) {
        Ok(v) => v,
        Err(mysql::Error::MySqlError(e)) if e.code == 1146 => None,
        Err(e) => return Err(e.into()),
    };
    Ok(v.unwrap_or_default())
}

/// Validates and stores the allowlist; returns it normalised.
pub fn set_allowlist(conn: &mut PooledConn, s: &str) -> Result<String> {
    let nets = parse_allowlist(s)?;
    let text = nets
        .iter()
        .map(|n| {
            if n.prefix_len() == n.max_prefix_len() {
                n.addr().to_string()
            } else {
                n.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    conn.exec_drop(
        "INSERT INTO puqProxmoxKVM_settings (name, value) VALUES (?, ?) \
         ON DUPLICATE KEY UPDATE value = VALUES(value)",
        (SETTING, &text),
    )?;
    Ok(text)
}

/// Every active service's forward name, addresses and reverse names.
pub fn entries(conn: &mut PooledConn) -> Result<Vec<Entry>> {
    let rows: Vec<(String, String, String, String)> = conn.query(
        "SELECT v.hostname, h.domain, a.address, a.ptr_name \
           FROM puqProxmoxKVM_ip_addresses a \
           JOIN tblhosting h ON h.id = a.service_id \
           LEFT JOIN puqProxmoxKVM_vm_info v ON v.service_id = a.service_id \
          WHERE h.domainstatus = 'Active' \
          ORDER BY a.service_id, a.family, a.id",
    )?;
    Ok(rows
        .into_iter()
        .map(|(vm_host, domain, ip, ptr)| {
            let forward = names::hostname(&vm_host)
                .or_else(|_| names::hostname(&domain))
                .unwrap_or_default();
            let reverse = if ptr.is_empty() { forward.clone() } else { ptr };
            Entry {
                forward,
                ip,
                reverse,
            }
        })
        .collect())
}

/// The endpoint: `(HTTP status, JSON body)` for a caller at `remote`.
pub fn respond(conn: &mut PooledConn, remote: &str) -> Result<(u16, String)> {
    let nets = parse_allowlist(&allowlist(conn)?)?;
    let caller: Option<IpAddr> = remote.trim().parse().ok();
    let allowed = caller.is_some_and(|ip| nets.iter().any(|n| n.contains(&ip)));
    if !allowed {
        let msg = if nets.is_empty() {
            "the legacy DNS endpoint is disabled: add the caller's IP to the DNS allowlist setting (or use .htaccess)"
        } else {
            "this IP address is not on the DNS allowlist"
        };
        return Ok((403, json!({"error": msg}).to_string()));
    }
    Ok((
        200,
        serde_json::to_string(&entries(conn)?).map_err(|e| Error::Internal(e.to_string()))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlists() {
        let n = parse_allowlist("127.0.0.1, 10.0.0.0/8\n::1").unwrap();
        assert_eq!(n.len(), 3);
        assert!(n[1].contains(&"10.2.3.4".parse::<IpAddr>().unwrap()));
        assert!(parse_allowlist("").unwrap().is_empty());
        match parse_allowlist("127.0.0.1, nope") {
            Err(Error::Input { key, message }) => {
                assert_eq!(key, SETTING);
                assert!(message.contains("nope"));
            }
            other => panic!("{other:?}"),
        }
    }
}
