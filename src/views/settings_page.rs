//! Settings page: General (API timeouts, VM migration, module data, the
//! Process VMs worker count), each within its documented range, and Cron.

use serde_json::{json, Value};

use super::Ctx;
use crate::db::settings;
use crate::error::Result;

fn general(ctx: &mut Ctx<'_>) -> Result<Value> {
    let s = settings::load(&mut ctx.conn)?;
    let ranges: serde_json::Map<String, Value> = settings::ranges()
        .into_iter()
        .map(|(n, min, max)| (n.to_string(), json!({"min": min, "max": max})))
        .collect();
    Ok(json!({"settings": s, "ranges": ranges}))
}

pub fn page(ctx: &mut Ctx<'_>) -> Result<Value> {
    general(ctx)
}

pub fn get(ctx: &mut Ctx<'_>) -> Result<Value> {
    general(ctx)
}

/// Saves the General form. Every value is validated first; one bad value
/// saves nothing and names its field.
pub fn save(ctx: &mut Ctx<'_>) -> Result<Value> {
    let changes = ctx.input.string_entries()?.into_iter().collect();
    settings::save(&mut ctx.conn, &changes)?;
    general(ctx)
}
