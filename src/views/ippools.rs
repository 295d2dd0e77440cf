//! IP Pools page: the list with the spec's columns (usage bar, rDNS zone
//! hint on the second line of Addresses), add/edit with the live zone hint,
//! delete refused with the services still holding addresses, and a per-pool
//! view of allocated addresses. Counts and pages come from SQL over the
//! allocated rows only; a range is never enumerated.

use std::net::IpAddr;

use ipnet::IpNet;
use mysql::prelude::Queryable;
use serde_json::{json, Value};

use super::Ctx;
use crate::error::{Error, Result};
use crate::ippool::{self, pool::parse_mask, Family, PoolUsage};
use crate::whmcs::perms;

/// Addresses per page in the allocated-addresses view.
pub const ADDRESS_PAGE: u32 = 50;
/// Services named in a delete refusal.
const NAMED_SERVICES: usize = 10;

fn servers(ctx: &mut Ctx<'_>) -> Result<Vec<Value>> {
    let rows: Vec<(u32, String, String)> = ctx.conn.exec(
        "SELECT id, name, hostname FROM tblservers WHERE type = ? ORDER BY name, id",
        (ippool::store::SERVER_TYPE,),
    )?;
    Ok(rows
        .into_iter()
        .map(|(id, name, hostname)| json!({"id": id, "name": name, "hostname": hostname}))
        .collect())
}

fn row(u: &PoolUsage, names: &[Value]) -> Value {
    let p = &u.pool;
    let server = names
        .iter()
        .find(|s| s["id"] == p.server_id)
        .and_then(|s| s["name"].as_str())
        .map_or_else(|| format!("#{} (missing)", p.server_id), str::to_string);
    let dns = |i: usize| p.dns.get(i).map(IpAddr::to_string).unwrap_or_default();
    json!({
        "id": p.id,
        "server_id": p.server_id,
        "server": server,
        "type": p.family.to_string(),
        "bridge": p.bridge,
        "vlan": p.vlan,
        "gateway": p.gateway.to_string(),
        "mask": p.mask,
        "dns1": dns(0),
        "dns2": dns(1),
        "address_start": p.start.to_string(),
        "address_stop": p.end.to_string(),
        "allocated": u.allocated,
        "total": u.total.to_string(),
        "used_percent": (u.used_percent() * 10.0).round() / 10.0,
        "rdns": u.rdns.line(),
        "rdns_zone": u.rdns.zone(),
    })
}

fn list_value(ctx: &mut Ctx<'_>) -> Result<Value> {
    let names = servers(ctx)?;
    let pools = ippool::list_pools(&mut ctx.conn, None)?;
    let rows: Vec<Value> = pools.iter().map(|u| row(u, &names)).collect();
    Ok(json!({"servers": names, "pools": rows}))
}

pub fn page(ctx: &mut Ctx<'_>) -> Result<Value> {
    list_value(ctx)
}

pub fn list(ctx: &mut Ctx<'_>) -> Result<Value> {
    list_value(ctx)
}

pub fn create(ctx: &mut Ctx<'_>) -> Result<Value> {
    let mut pool = ippool::Pool::from_fields(&ctx.input)?;
    pool.id = 0;
    let id = ippool::create_pool(&mut ctx.conn, &pool)?;
    perms::audit(
        ctx.host,
        &ctx.admin,
        &format!("IP pool #{id} created: {}", describe(&pool)),
        0,
    );
    Ok(json!({"id": id}))
}

pub fn update(ctx: &mut Ctx<'_>) -> Result<Value> {
    let id = ctx.input.req_id("id")?;
    let mut pool = ippool::Pool::from_fields(&ctx.input)?;
    pool.id = id;
    if ippool::get_pool(&mut ctx.conn, id)?.is_none() {
        return Err(Error::input("id", format!("IP pool #{id} does not exist")));
    }
    ippool::update_pool(&mut ctx.conn, &pool)?;
    perms::audit(
        ctx.host,
        &ctx.admin,
        &format!("IP pool #{id} updated: {}", describe(&pool)),
        0,
    );
    Ok(json!({"id": id}))
}

/// Deletes a pool; while addresses are allocated the refusal says how many
/// and names the services holding them.
pub fn delete(ctx: &mut Ctx<'_>) -> Result<Value> {
    let id = ctx.input.req_id("id")?;
    let holders: Vec<(u32, u64, Option<String>)> = ctx.conn.exec(
        "SELECT a.service_id, COUNT(*), TRIM(CONCAT(COALESCE(c.firstname, ''), ' ', COALESCE(c.lastname, ''))) \
           FROM puqProxmoxKVM_ip_addresses a \
           LEFT JOIN tblhosting h ON h.id = a.service_id LEFT JOIN tblclients c ON c.id = h.userid \
          WHERE a.pool_id = ? GROUP BY a.service_id, c.firstname, c.lastname ORDER BY a.service_id LIMIT ?",
        (id, NAMED_SERVICES as u64 + 1),
    )?;
    if !holders.is_empty() {
        let used: u64 = ctx
            .conn
            .exec_first(
                "SELECT COUNT(*) FROM puqProxmoxKVM_ip_addresses WHERE pool_id = ?",
                (id,),
            )?
            .unwrap_or(0);
        let services: u64 = ctx
            .conn
            .exec_first(
                "SELECT COUNT(DISTINCT service_id) FROM puqProxmoxKVM_ip_addresses WHERE pool_id = ?",
                (id,),
            )?
            .unwrap_or(0);
        return Err(refusal(id, used, services, &holders));
    }
    // The store checks again under the pool's row lock.
    ippool::delete_pool(&mut ctx.conn, id)?;
    perms::audit(ctx.host, &ctx.admin, &format!("IP pool #{id} deleted"), 0);
    Ok(json!({"deleted": id}))
}

/// A pool in one line for the activity log: range, mask, server, bridge.
fn describe(p: &ippool::Pool) -> String {
    format!(
        "{}-{}/{} on server #{}, bridge {}",
        p.start,
        p.end,
        p.mask,
        p.server_id,
        crate::util::one_line(&p.bridge, 40)
    )
}

fn refusal(id: u32, used: u64, services: u64, holders: &[(u32, u64, Option<String>)]) -> Error {
    let named: Vec<String> = holders
        .iter()
        .take(NAMED_SERVICES)
        .map(|(sid, n, client)| {
            let who = client
                .as_deref()
                .filter(|c| !c.is_empty())
                .unwrap_or("no client");
            format!("#{sid} ({who}, {n})")
        })
        .collect();
    let more = services.saturating_sub(named.len() as u64);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Error::input(
        "id",
        format!(
            "IP pool #{id} cannot be deleted: {used} address(es) are allocated to {services} service(s): {}{tail}. \
             Terminate those services (or release their IPs) first.",
            named.join(", ")
        ),
    )
}

/// The live rDNS zone hint of the add/edit modal, from the Type, Address
/// Start (or Gateway) and Mask typed so far. Never an error: an incomplete
/// form gives an empty hint.
pub fn hint(ctx: &mut Ctx<'_>) -> Result<Value> {
    let f = &ctx.input;
    let family = Family::parse(&f.str_or_empty("type")?);
    let ip = [f.str_or_empty("address_start")?, f.str_or_empty("gateway")?]
        .into_iter()
        .find_map(|t| t.trim().parse::<IpAddr>().ok());
    let mask = f.str_or_empty("mask")?;
    Ok(match (family, ip) {
        (Some(fam), Some(ip)) if Family::of(ip) == fam => match parse_mask(fam, &mask) {
            Ok(m) => match IpNet::new(ip, m) {
                Ok(net) => {
                    let h = ippool::reverse_zone(net);
                    json!({"line": h.line(), "zone": h.zone()})
                }
                Err(_) => json!({"line": "", "zone": null}),
            },
            Err(_) => json!({"line": "", "zone": null}),
        },
        _ => json!({"line": "", "zone": null}),
    })
}

/// One page of a pool's allocated addresses: service, client, rDNS name (the
/// address's own reverse name, else the VM's FQDN its PTR points to).
pub fn addresses(ctx: &mut Ctx<'_>) -> Result<Value> {
    let id = ctx.input.req_id("id")?;
    let page = ctx.input.opt_int("page")?.unwrap_or(1).max(1);
    let page = u32::try_from(page).unwrap_or(u32::MAX / ADDRESS_PAGE);
    if ippool::get_pool(&mut ctx.conn, id)?.is_none() {
        return Err(Error::input("id", format!("IP pool #{id} does not exist")));
    }
    let total: u64 = ctx
        .conn
        .exec_first(
            "SELECT COUNT(*) FROM puqProxmoxKVM_ip_addresses WHERE pool_id = ?",
            (id,),
        )?
        .unwrap_or(0);
    type R = (
        String,
        u32,
        Option<u32>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<R> = ctx.conn.exec(
        "SELECT a.address, a.service_id, h.userid, \
                TRIM(CONCAT(COALESCE(c.firstname, ''), ' ', COALESCE(c.lastname, ''))), c.companyname, \
                COALESCE(NULLIF(a.ptr_name, ''), v.hostname), CAST(a.allocated_at AS CHAR) \
           FROM (SELECT id, address, service_id, ptr_name, allocated_at FROM puqProxmoxKVM_ip_addresses \
                  WHERE pool_id = ? ORDER BY id LIMIT ? OFFSET ?) a \
           LEFT JOIN tblhosting h ON h.id = a.service_id \
           LEFT JOIN tblclients c ON c.id = h.userid \
           LEFT JOIN puqProxmoxKVM_vm_info v ON v.service_id = a.service_id \
          ORDER BY a.id",
        (
            id,
            ADDRESS_PAGE,
            u64::from(page - 1) * u64::from(ADDRESS_PAGE),
        ),
    )?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|(address, sid, client_id, name, company, rdns, at)| {
            json!({
                "address": address,
                "service_id": sid,
                "client_id": client_id,
                "client": name.unwrap_or_default(),
                "company": company.unwrap_or_default(),
                "rdns": rdns.unwrap_or_default(),
                "allocated_at": at.unwrap_or_default(),
            })
        })
        .collect();
    Ok(json!({
        "id": id,
        "page": page,
        "per_page": ADDRESS_PAGE,
        "total": total,
        "pages": total.div_ceil(u64::from(ADDRESS_PAGE)).max(1),
        "items": items,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_names_services_and_counts_the_rest() {
        let holders: Vec<(u32, u64, Option<String>)> = (1..=11)
            .map(|i| (i, 1, Some(format!("Client {i}"))))
            .collect();
        let e = refusal(7, 300, 250, &holders).to_string();
        assert!(
            e.contains("300 address(es) are allocated to 250 service(s)"),
            "{e}"
        );
        assert!(
            e.contains("#1 (Client 1, 1)") && e.contains("#10 (Client 10, 1)"),
            "{e}"
        );
        assert!(!e.contains("#11"), "{e}");
        assert!(e.contains("and 240 more"), "{e}");
        let e = refusal(2, 1, 1, &[(5, 1, None)]).to_string();
        assert!(
            e.contains("#5 (no client, 1).") && !e.contains("more"),
            "{e}"
        );
    }
}
