//! DNS natives: the DNS Zones page's CRUD and Test, a service's records
//! (create, delete, resync), one address's reverse name, and the legacy
//! dns.php endpoint. Conversion and the panic guard only; the work is in
//! `crate::dns`.

use std::time::Duration;

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::Zval;
use serde_json::{json, Value};

use super::convert::{to_value, to_zval};
use super::globals::db_config;
use super::guard::guard;
use super::host::PhpHost;
use crate::db::{self, settings};
use crate::dns::{self, store, DnsReport, Zones};
use crate::error::{Error, Result};
use crate::whmcs::fields::Fields;
use crate::whmcs::Host;

fn throw(e: Error) -> PhpException {
    PhpException::from(e.to_string())
}

fn data(name: &str, f: impl FnOnce() -> Result<Value>) -> PhpResult<Zval> {
    guard(name, f).map(|v| to_zval(&v)).map_err(throw)
}

fn id_arg(key: &str, n: i64) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::input(key, format!("must be a positive id, got {n}")))
}

fn conn() -> Result<mysql::PooledConn> {
    db::conn(&db_config()?)
}

/// The Default Timeout setting bounds each DNS request.
fn timeout(c: &mut mysql::PooledConn) -> Result<Duration> {
    Ok(Duration::from_secs(u64::from(
        settings::load(c)?.default_timeout,
    )))
}

/// The report as PHP gets it; a failure also goes to the module log, with
/// every zone credential masked.
fn report(action: &str, service_id: u32, zones: &Zones, r: DnsReport) -> Value {
    if !r.ok() {
        let secrets: Vec<&str> = zones
            .zones
            .iter()
            .map(|z| z.provider.secret().expose())
            .filter(|s| !s.is_empty())
            .collect();
        PhpHost.log_module_call(
            action,
            &json!({"serviceid": service_id}).to_string(),
            &r.lines.join("\n"),
            &r.errors.join("\n"),
            &secrets,
        );
    }
    json!({"success": r.ok(), "lines": r.lines, "errors": r.errors})
}

/// Adds a DNS zone: `name`, `type` (PowerDNS | Cloudflare | HestiaCP) and,
/// per type, PowerDNS `server_url`, `api_key`; Cloudflare `account_id`,
/// `zone_id`, `api_token` (optional `server_url`: another API base);
/// HestiaCP `server_url`, `admin_user`, `admin_password`, `user`. Returns
/// the new zone's id; throws naming the field on bad input.
#[php_function]
pub fn puq_dns_zone_create(zone: &Zval) -> PhpResult<i64> {
    guard("puq_dns_zone_create", || {
        let v = to_value(zone)?;
        let mut c = conn()?;
        Ok(i64::from(store::create(
            &mut c,
            &PhpHost,
            &Fields::new(&v)?,
        )?))
    })
    .map_err(throw)
}

/// Updates a DNS zone (`id` plus the fields of puq_dns_zone_create). A
/// secret left empty or given as `__KEEP__` keeps the stored one.
#[php_function]
pub fn puq_dns_zone_update(zone: &Zval) -> PhpResult<bool> {
    guard("puq_dns_zone_update", || {
        let v = to_value(zone)?;
        let mut c = conn()?;
        store::update(&mut c, &PhpHost, &Fields::new(&v)?)?;
        Ok(true)
    })
    .map_err(throw)
}

/// Deletes a DNS zone (records already in DNS stay there).
#[php_function]
pub fn puq_dns_zone_delete(id: i64) -> PhpResult<bool> {
    guard("puq_dns_zone_delete", || {
        let id = id_arg("id", id)?;
        store::delete(&mut conn()?, id)?;
        Ok(true)
    })
    .map_err(throw)
}

/// Every DNS zone with its fields; stored secrets are `__KEEP__`.
#[php_function]
pub fn puq_dns_zone_list() -> PhpResult<Zval> {
    data("puq_dns_zone_list", || {
        Ok(json!(store::list(&mut conn()?)?))
    })
}

/// The Test button: `['success' => bool, 'message' => string]`, the
/// message being the provider's exact error on failure.
#[php_function]
pub fn puq_dns_zone_test(id: i64) -> PhpResult<Zval> {
    data("puq_dns_zone_test", || {
        let id = id_arg("id", id)?;
        let mut c = conn()?;
        let zone = store::get(&mut c, &PhpHost, id)?;
        let t = timeout(&mut c)?;
        Ok(match dns::test_zone(&zone, t) {
            Ok(m) => json!({"success": true, "message": m}),
            Err(m) => json!({"success": false, "message": m}),
        })
    })
}

/// What the service should have in DNS: `fqdn` and `ips` (`ip`, `ptr`).
#[php_function]
pub fn puq_dns_service_records(service_id: i64) -> PhpResult<Zval> {
    data("puq_dns_service_records", || {
        let sid = id_arg("service_id", service_id)?;
        Ok(json!(dns::service_records(&mut conn()?, sid)?))
    })
}

fn run_service(
    name: &str,
    service_id: i64,
    f: impl FnOnce(&Zones, &dns::ServiceRecords, Duration) -> DnsReport,
) -> PhpResult<Zval> {
    data(name, || {
        let sid = id_arg("service_id", service_id)?;
        let mut c = conn()?;
        let zones = dns::load_zones(&mut c, &PhpHost)?;
        let rec = dns::service_records(&mut c, sid)?;
        let t = timeout(&mut c)?;
        let r = f(&zones, &rec, t);
        Ok(report(name, sid, &zones, r))
    })
}

/// Creates the service's A/AAAA and PTR records in every matching zone.
/// Returns `['success' => bool, 'lines' => [...], 'errors' => [...]]`;
/// provider failures are lines, never exceptions.
#[php_function]
pub fn puq_dns_create_service(service_id: i64) -> PhpResult<Zval> {
    run_service("puq_dns_create_service", service_id, dns::create)
}

/// Deletes the service's A/AAAA and PTR records from every matching zone
/// (what terminate does). Same return shape as puq_dns_create_service.
#[php_function]
pub fn puq_dns_delete_service(service_id: i64) -> PhpResult<Zval> {
    run_service("puq_dns_delete_service", service_id, dns::delete)
}

/// Set DNS records, synchronously: delete every record, then create them
/// from the current addresses. Same return shape as puq_dns_create_service.
#[php_function]
pub fn puq_dns_sync_service(service_id: i64) -> PhpResult<Zval> {
    run_service("puq_dns_sync_service", service_id, |z, r, t| {
        dns::resync(z, r, r, t)
    })
}

/// Sets one address's reverse name (`''` resets it to the VM's FQDN) and
/// writes the PTR. Throws, changing nothing, when the name is not a host
/// name or the address is not the service's.
#[php_function]
pub fn puq_dns_set_reverse(service_id: i64, ip: String, hostname: String) -> PhpResult<Zval> {
    data("puq_dns_set_reverse", || {
        let sid = id_arg("service_id", service_id)?;
        let mut c = conn()?;
        let zones = dns::load_zones(&mut c, &PhpHost)?;
        let t = timeout(&mut c)?;
        let r = dns::set_reverse(&mut c, &zones, sid, &ip, &hostname, t)?;
        Ok(report("puq_dns_set_reverse", sid, &zones, r))
    })
}

/// The legacy lib/dns/dns.php endpoint for a caller at `$remote_addr`:
/// `['status' => 200|403, 'body' => JSON]`.
#[php_function]
pub fn puq_dns_legacy(remote_addr: String) -> PhpResult<Zval> {
    // An unauthenticated endpoint: whatever fails (the database, a bug) the
    // caller gets a fixed text, before or after its address was checked;
    // the detail goes to the module log.
    data("puq_dns_legacy", || {
        let r = conn().and_then(|mut c| dns::legacy::respond(&mut c, &remote_addr));
        Ok(match r {
            Ok((status, body)) => json!({"status": status, "body": body}),
            Err(e) => {
                PhpHost.log_module_call(
                    "dns.php",
                    &format!("remote address {}", crate::util::one_line(&remote_addr, 64)),
                    &crate::util::one_line(&e.to_string(), 2000),
                    "",
                    &[],
                );
                json!({"status": 500, "body": json!({"error": "internal error; see the WHMCS module log"}).to_string()})
            }
        })
    })
}

/// The legacy endpoint's allowlist (addresses / CIDRs, comma separated).
#[php_function]
pub fn puq_dns_legacy_allowlist_get() -> PhpResult<String> {
    guard("puq_dns_legacy_allowlist_get", || {
        dns::legacy::allowlist(&mut conn()?)
    })
    .map_err(throw)
}

/// Validates and saves the legacy endpoint's allowlist; returns it
/// normalised. Empty refuses every caller.
#[php_function]
pub fn puq_dns_legacy_allowlist_set(list: String) -> PhpResult<String> {
    guard("puq_dns_legacy_allowlist_set", || {
        dns::legacy::set_allowlist(&mut conn()?, &list)
    })
    .map_err(throw)
}

pub fn build_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .function(wrap_function!(puq_dns_zone_create))
        .function(wrap_function!(puq_dns_zone_update))
        .function(wrap_function!(puq_dns_zone_delete))
        .function(wrap_function!(puq_dns_zone_list))
        .function(wrap_function!(puq_dns_zone_test))
        .function(wrap_function!(puq_dns_service_records))
        .function(wrap_function!(puq_dns_create_service))
        .function(wrap_function!(puq_dns_delete_service))
        .function(wrap_function!(puq_dns_sync_service))
        .function(wrap_function!(puq_dns_set_reverse))
        .function(wrap_function!(puq_dns_legacy))
        .function(wrap_function!(puq_dns_legacy_allowlist_get))
        .function(wrap_function!(puq_dns_legacy_allowlist_set))
}
