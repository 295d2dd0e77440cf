//! DNS Zones page: the zones with their type badges, and the add/edit modal
//! whose fields follow the provider type. Stored secrets reach the browser
//! only as the `__KEEP__` sentinel (`dns::store::list`); an edit that leaves
//! a secret empty or `__KEEP__` keeps the stored one.

use std::time::Duration;

use mysql::prelude::Queryable;
use serde_json::{json, Value};

use super::Ctx;
use crate::db::settings;
use crate::dns::{self, store};
use crate::error::Result;
use crate::whmcs::perms;

/// The modal's fields per type, in display order; `secret` fields show the
/// kept-secret placeholder on edit.
fn types() -> Value {
    json!([
        {"type": "PowerDNS", "fields": [
            {"name": "server_url", "secret": false, "required": true, "placeholder": "https://pdns.example.com:8081"},
            {"name": "api_key", "secret": true, "required": true, "placeholder": ""},
        ]},
        {"type": "Cloudflare", "fields": [
            {"name": "account_id", "secret": false, "required": true, "placeholder": "32 hex characters"},
            {"name": "zone_id", "secret": false, "required": true, "placeholder": "32 hex characters"},
            {"name": "api_token", "secret": true, "required": true, "placeholder": ""},
            {"name": "server_url", "secret": false, "required": false, "placeholder": "https://api.cloudflare.com/client/v4"},
        ]},
        {"type": "HestiaCP", "fields": [
            {"name": "server_url", "secret": false, "required": true, "placeholder": "https://hestia.example.com:8083/"},
            {"name": "admin_user", "secret": false, "required": true, "placeholder": "admin"},
            {"name": "admin_password", "secret": true, "required": true, "placeholder": ""},
            {"name": "user", "secret": false, "required": true, "placeholder": ""},
        ]},
    ])
}

fn data(ctx: &mut Ctx<'_>) -> Result<Value> {
    Ok(json!({"zones": store::list(&mut ctx.conn)?, "types": types(), "keep": dns::KEEP}))
}

pub fn page(ctx: &mut Ctx<'_>) -> Result<Value> {
    data(ctx)
}

pub fn list(ctx: &mut Ctx<'_>) -> Result<Value> {
    data(ctx)
}

/// A zone in one line for the activity log: name, type, endpoint (never
/// its secret).
fn describe(ctx: &mut Ctx<'_>, id: u32) -> Result<String> {
    let row: Option<(String, String, Option<String>)> = ctx.conn.exec_first(
        "SELECT name, type, server_url FROM puqProxmoxKVM_dns_zones WHERE id = ?",
        (id,),
    )?;
    Ok(match row {
        Some((name, kind, url)) => format!(
            "'{}' ({kind}{})",
            crate::util::one_line(&name, 80),
            url.filter(|u| !u.is_empty())
                .map(|u| format!(", {}", crate::util::one_line(&u, 120)))
                .unwrap_or_default()
        ),
        None => String::new(),
    })
}

pub fn create(ctx: &mut Ctx<'_>) -> Result<Value> {
    let id = store::create(&mut ctx.conn, ctx.host, &ctx.input)?;
    let what = describe(ctx, id)?;
    perms::audit(
        ctx.host,
        &ctx.admin,
        &format!("DNS zone #{id} {what} created"),
        0,
    );
    let mut v = data(ctx)?;
    v["id"] = json!(id);
    Ok(v)
}

pub fn update(ctx: &mut Ctx<'_>) -> Result<Value> {
    store::update(&mut ctx.conn, ctx.host, &ctx.input)?;
    let id = ctx.input.req_id("id")?;
    let what = describe(ctx, id)?;
    perms::audit(
        ctx.host,
        &ctx.admin,
        &format!("DNS zone #{id} {what} updated"),
        0,
    );
    data(ctx)
}

pub fn delete(ctx: &mut Ctx<'_>) -> Result<Value> {
    let id = ctx.input.req_id("id")?;
    let what = describe(ctx, id)?;
    store::delete(&mut ctx.conn, id)?;
    perms::audit(
        ctx.host,
        &ctx.admin,
        &format!("DNS zone #{id} {what} deleted"),
        0,
    );
    data(ctx)
}

/// The Test button: the provider's answer, success or its exact error.
pub fn test(ctx: &mut Ctx<'_>) -> Result<Value> {
    let id = ctx.input.req_id("id")?;
    let zone = store::get(&mut ctx.conn, ctx.host, id)?;
    let timeout = Duration::from_secs(u64::from(settings::load(&mut ctx.conn)?.default_timeout));
    Ok(match dns::test_zone(&zone, timeout) {
        Ok(m) => json!({"id": id, "success": true, "message": m}),
        Err(m) => json!({"id": id, "success": false, "message": m}),
    })
}
