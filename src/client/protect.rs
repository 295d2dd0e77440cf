//! The client's Snapshots and Backups pages and their actions, on the
//! backends of `crate::backup` (the same code the admin area and the cron
//! use): snapshots within the quota (a running VM's with its memory),
//! rollback and delete; backups within the quota, the weekly schedule,
//! delete, and restore through the cron's restore machine (from `ready`,
//! or again after `restore_failed`). Long Proxmox tasks are waited on only
//! briefly; a task still running is an operation row that dims the
//! conflicting actions and shows on the Overview until the status task
//! ends it.

use serde_json::{json, Value};

use super::access::Denied;
use super::{live, Ctx};
use crate::backup::{backups, check_text, restore, schedule, snapshots, Service};
use crate::cron::now_unix;
use crate::error::{Error, Result};

/// The longest snapshot description the page accepts.
pub const DESCRIPTION_MAX: usize = 255;
/// The longest backup note (vzdump's notes template).
pub const NOTE_MAX: usize = 200;

/// Bytes as the page shows them (binary units, two decimals).
pub fn human_size(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} B")
    } else {
        format!("{v:.2} {}", UNITS[i])
    }
}

fn service(ctx: &mut Ctx<'_>) -> Result<Service> {
    Service::load(&mut ctx.conn, ctx.host, ctx.svc.service_id)
}

fn activity(ctx: &Ctx<'_>, what: &str) {
    ctx.host.log_activity(
        &format!(
            "PUQ Proxmox KVM: client {what} (service #{})",
            ctx.svc.service_id
        ),
        ctx.svc.client_id,
    );
}

fn done(ctx: &mut Ctx<'_>, v: Value) -> Result<Value> {
    live::invalidate(&mut ctx.conn, ctx.svc.service_id)?;
    Ok(v)
}

pub fn snapshots_page(ctx: &mut Ctx<'_>) -> Result<Value> {
    let svc = service(ctx)?;
    let mut v = snapshots::list(&svc, now_unix())?;
    if let Some(list) = v.get_mut("snapshots").and_then(Value::as_array_mut) {
        for s in list.iter_mut() {
            let left = s["remaining_seconds"].as_i64();
            if let Some(o) = s.as_object_mut() {
                o.insert("left_days".into(), json!(left.map(|l| l / 86_400)));
                o.insert("left_hours".into(), json!(left.map(|l| l % 86_400 / 3600)));
            }
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.insert("busy".into(), ctx.svc.busy_json());
        o.insert(
            "refusal".into(),
            json!(ctx.svc.idle_refusal().map(|d| d.code())),
        );
        o.insert("description_max".into(), json!(DESCRIPTION_MAX));
    }
    Ok(v)
}

/// Take Snapshot: the name is generated (`snap_YYYYMMDD_HHMMSS`, a name
/// Proxmox accepts), the description optional.
pub fn snapshot_create(ctx: &mut Ctx<'_>) -> Result<Value> {
    let description = ctx.input.str_or_empty("description")?;
    let description = check_text("description", &description, DESCRIPTION_MAX)?;
    let svc = service(ctx)?;
    let used = svc.client.snapshots(&svc.vm.node, svc.vm.vm_id)?.len() as i64;
    if used >= svc.eff.snapshots {
        return Err(Denied::Quota("snapshot".into()).into());
    }
    let r = snapshots::create(&mut ctx.conn, &svc, "", &description, now_unix())?;
    activity(ctx, "took a snapshot");
    done(ctx, r)
}

fn snapshot_name(ctx: &Ctx<'_>) -> Result<String> {
    let name = ctx.input.str_or_empty("name")?;
    snapshots::check_name(name.trim())?;
    Ok(name.trim().to_string())
}

pub fn snapshot_rollback(ctx: &mut Ctx<'_>) -> Result<Value> {
    let name = snapshot_name(ctx)?;
    let svc = service(ctx)?;
    let r = snapshots::rollback(&mut ctx.conn, &svc, &name, now_unix())?;
    activity(ctx, "rolled back to a snapshot");
    done(ctx, r)
}

pub fn snapshot_delete(ctx: &mut Ctx<'_>) -> Result<Value> {
    let name = snapshot_name(ctx)?;
    let svc = service(ctx)?;
    let r = snapshots::delete(&mut ctx.conn, &svc, &name, now_unix())?;
    activity(ctx, "deleted a snapshot");
    done(ctx, r)
}

pub fn backups_page(ctx: &mut Ctx<'_>) -> Result<Value> {
    let svc = service(ctx)?;
    let mut v = backups::list(&mut ctx.conn, &svc)?;
    if let Some(list) = v.get_mut("backups").and_then(Value::as_array_mut) {
        for b in list.iter_mut() {
            let size = b["size"].as_u64().unwrap_or(0);
            if let Some(o) = b.as_object_mut() {
                o.insert("size_human".into(), json!(human_size(size)));
            }
        }
    }
    let sched = schedule::get(&mut ctx.conn, ctx.svc.service_id)?;
    let failed = ctx.svc.vm.vm_status == crate::jobs::restore::RESTORE_FAILED;
    if let Some(o) = v.as_object_mut() {
        // The last error of a backup may carry Proxmox's detail (nodes,
        // paths): the client only learns that it failed.
        let failed_backup = o.get("last_error").is_some_and(|e| !e.is_null());
        o.insert("last_error".into(), json!(failed_backup));
        o.insert(
            "schedule".into(),
            json!(schedule::DAYS
                .iter()
                .zip(sched.days.iter())
                .map(|(name, d)| json!({"day": name, "enabled": d.enabled, "time": d.time}))
                .collect::<Vec<_>>()),
        );
        o.insert("busy".into(), ctx.svc.busy_json());
        o.insert(
            "refusal".into(),
            json!(ctx.svc.idle_refusal().map(|d| d.code())),
        );
        o.insert(
            "restore_refusal".into(),
            json!(ctx.svc.recoverable_refusal().map(|d| d.code())),
        );
        o.insert("restore_failed".into(), json!(failed));
        o.insert(
            "reinstall_allowed".into(),
            json!(ctx.svc.allows(super::Perm::Reinstall)),
        );
        o.insert("note_max".into(), json!(NOTE_MAX));
    }
    Ok(v)
}

/// Backup now, with an optional note (one line, no HTML is interpreted
/// anywhere: the note is text for Proxmox and for the page).
pub fn backup_create(ctx: &mut Ctx<'_>) -> Result<Value> {
    let note = ctx.input.str_or_empty("note")?;
    let note = backups::check_note(&note)?;
    if note.contains(['<', '>']) {
        return Err(Error::input(
            "note",
            "must be plain text: '<' and '>' are not allowed",
        ));
    }
    let svc = service(ctx)?;
    let st = backups::storage(&svc)?;
    if svc.own_backups(&st)?.len() as i64 >= svc.eff.backups {
        return Err(Denied::Quota("backup".into()).into());
    }
    let r = backups::create(&mut ctx.conn, &svc, &note, now_unix())?;
    activity(ctx, "started a backup");
    done(ctx, r)
}

fn volid(ctx: &Ctx<'_>) -> Result<String> {
    let v = ctx.input.str_or_empty("volid")?;
    if v.trim().is_empty() {
        return Err(Error::input("volid", "choose a backup from the list"));
    }
    Ok(v)
}

pub fn backup_delete(ctx: &mut Ctx<'_>) -> Result<Value> {
    let volid = volid(ctx)?;
    let svc = service(ctx)?;
    let r = backups::delete(&mut ctx.conn, &svc, &volid, now_unix())?;
    activity(ctx, "deleted a backup");
    done(ctx, r)
}

/// Restore: queued to the restore machine (stop → delete snapshots →
/// restore → re-apply the package → start → email); its progress shows on
/// the Overview. Also the retry after `restore_failed`.
pub fn backup_restore(ctx: &mut Ctx<'_>) -> Result<Value> {
    let volid = volid(ctx)?;
    let svc = service(ctx)?;
    let r = restore::request(&mut ctx.conn, &svc, &volid, now_unix())?;
    activity(ctx, "requested a backup restore");
    done(ctx, r)
}

/// Save Schedule: `schedule[<day>][enabled]`, `schedule[<day>][time]`
/// (HH:MM); every day is checked before anything is saved.
pub fn schedule_save(ctx: &mut Ctx<'_>) -> Result<Value> {
    let raw = ctx
        .input
        .raw("schedule")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if !raw.is_object() {
        return Err(Error::input("schedule", "expected a day-of-week grid"));
    }
    let s = schedule::Schedule::from_value(&raw)?;
    schedule::save(&mut ctx.conn, ctx.svc.service_id, &s)?;
    activity(ctx, "saved the backup schedule");
    Ok(json!({"saved": true, "enabled_days": s.days.iter().filter(|d| d.enabled).count()}))
}
