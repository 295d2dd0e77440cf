//! Client snapshots: list with remaining lifetime, create within the
//! quota, rollback, delete, and the Remove Old Snapshots task.

use mysql::PooledConn;
use serde_json::{json, Value};

use super::ops::{self, NewOp};
use super::service::{Service, Waited};
use super::{check_text, par_map};
use crate::cron::Report;
use crate::db::{self, DbConfig};
use crate::error::{Error, Result};
use crate::pve::ops::Snapshot;
use crate::whmcs::Host;

/// Proxmox's `pve-configid` (letter, then letters/digits/underscore), at
/// most 40 characters, and not the reserved `current`.
pub fn check_name(name: &str) -> Result<()> {
    let mut c = name.chars();
    let ok = c.next().is_some_and(|f| f.is_ascii_alphabetic())
        && name.len() >= 2
        && name.len() <= 40
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
        && !name.eq_ignore_ascii_case("current");
    if ok {
        Ok(())
    } else {
        Err(Error::input(
            "name",
            format!("'{name}' is not a snapshot name Proxmox accepts: 2-40 letters, digits or '_', starting with a letter, not 'current'"),
        ))
    }
}

/// `snap_YYYYMMDD_HHMMSS` in UTC: unique per second, valid for Proxmox.
pub fn generated_name(now: i64) -> String {
    let (y, m, d) = crate::util::civil(now.div_euclid(86_400));
    let s = now.rem_euclid(86_400);
    format!(
        "snap_{y:04}{m:02}{d:02}_{:02}{:02}{:02}",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// Seconds left before Remove Old Snapshots deletes it; `None` = kept.
pub fn remaining(snap: &Snapshot, lifetime_days: i64, now: i64) -> Option<i64> {
    if lifetime_days <= 0 {
        return None;
    }
    let t = snap.snaptime.unwrap_or(now);
    Some((t + lifetime_days * 86_400 - now).max(0))
}

pub fn list(svc: &Service, now: i64) -> Result<Value> {
    let snaps = svc.client.snapshots(&svc.vm.node, svc.vm.vm_id)?;
    let lifetime = svc.product.snapshot_lifetime_days;
    let items: Vec<Value> = snaps
        .iter()
        .map(|s| {
            json!({
                "name": s.name, "description": s.description, "snaptime": s.snaptime,
                "parent": s.parent, "vmstate": s.vmstate == Some(1),
                "remaining_seconds": remaining(s, lifetime, now),
            })
        })
        .collect();
    Ok(json!({
        "snapshots": items,
        "used": snaps.len(),
        "quota": svc.eff.snapshots,
        "lifetime_days": lifetime,
    }))
}

fn done_or_pending(
    conn: &mut PooledConn,
    svc: &Service,
    kind: &str,
    name: &str,
    upid: String,
    now: i64,
) -> Result<Value> {
    let id = ops::start(
        conn,
        &NewOp {
            service_id: svc.vm.service_id,
            kind,
            origin: "manual",
            node: &svc.vm.node,
            vmid: svc.vm.vm_id,
            storage: "",
            volid: name,
            note: "",
            day: "",
            now,
        },
    )?;
    ops::set_upid(conn, id, &upid)?;
    match svc.wait(&upid) {
        Ok(Waited::Done) => {
            ops::finish(conn, id, true, "", None, now)?;
            Ok(json!({"status": "success", "name": name, "upid": upid}))
        }
        Ok(Waited::Running(_)) => Ok(json!({"status": "running", "name": name, "upid": upid})),
        Err(e) => {
            ops::finish(conn, id, false, &e.to_string(), None, now)?;
            Err(e)
        }
    }
}

pub fn create(
    conn: &mut PooledConn,
    svc: &Service,
    name: &str,
    description: &str,
    now: i64,
) -> Result<Value> {
    let description = check_text("description", description, 255)?;
    let name = if name.trim().is_empty() {
        generated_name(now)
    } else {
        name.trim().to_string()
    };
    check_name(&name)?;
    svc.require_ready()?;
    if svc.eff.snapshots <= 0 {
        return Err(Error::Config(
            "snapshots are not available for this service (quota 0)".into(),
        ));
    }
    let existing = svc.client.snapshots(&svc.vm.node, svc.vm.vm_id)?;
    if existing.len() as i64 >= svc.eff.snapshots {
        return Err(Error::Config(format!(
            "the snapshot quota is full ({}/{}): delete a snapshot first",
            existing.len(),
            svc.eff.snapshots
        )));
    }
    if existing.iter().any(|s| s.name == name) {
        return Err(Error::input(
            "name",
            format!("a snapshot named '{name}' already exists"),
        ));
    }
    // A running VM's snapshot includes its memory (vmstate), as the spec
    // says: a rollback then resumes the VM where it was.
    let running = svc.client.vm_status(&svc.vm.node, svc.vm.vm_id)? == "running";
    let upid =
        svc.client
            .snapshot_create(&svc.vm.node, svc.vm.vm_id, &name, &description, running)?;
    done_or_pending(conn, svc, "snapshot_create", &name, upid, now)
}

fn existing(svc: &Service, name: &str) -> Result<()> {
    check_name(name)?;
    let snaps = svc.client.snapshots(&svc.vm.node, svc.vm.vm_id)?;
    if !snaps.iter().any(|s| s.name == name) {
        return Err(Error::input(
            "name",
            format!("the VM has no snapshot named '{name}'"),
        ));
    }
    Ok(())
}

pub fn rollback(conn: &mut PooledConn, svc: &Service, name: &str, now: i64) -> Result<Value> {
    svc.require_ready()?;
    existing(svc, name)?;
    let upid = svc
        .client
        .snapshot_rollback(&svc.vm.node, svc.vm.vm_id, name)?;
    done_or_pending(conn, svc, "snapshot_rollback", name, upid, now)
}

pub fn delete(conn: &mut PooledConn, svc: &Service, name: &str, now: i64) -> Result<Value> {
    svc.require_ready()?;
    existing(svc, name)?;
    let upid = svc
        .client
        .snapshot_delete(&svc.vm.node, svc.vm.vm_id, name)?;
    done_or_pending(conn, svc, "snapshot_delete", name, upid, now)
}

/// Remove Old Snapshots: every ready VM whose product has a lifetime;
/// snapshots past it are deleted (each deletion polled to its end within
/// the Heavy Operations Timeout, else left to Now Backup Status), the
/// others are reported with their remaining lifetime.
pub fn remove_expired(db: &DbConfig, host: &dyn Host, now: i64, verbose: bool) -> Result<Report> {
    let mut conn = db::conn(db)?;
    let rows: Vec<(u32, u32)> = mysql::prelude::Queryable::query(
        &mut conn,
        "SELECT service_id, product_id FROM puqProxmoxKVM_vm_info WHERE vm_status = 'ready' AND vm_id IS NOT NULL ORDER BY service_id",
    )?;
    let mut services = Vec::new();
    let mut errors = 0;
    let mut details = Vec::new();
    for (sid, pid) in rows {
        if crate::config::product::load(&mut conn, pid)?.snapshot_lifetime_days <= 0 {
            continue;
        }
        match Service::load(&mut conn, host, sid) {
            Ok(s) => services.push(s),
            Err(e) => {
                errors += 1;
                details.push(format!("sid:{sid} action:remove_snapshots error: {e}"));
            }
        }
    }
    let workers = services
        .first()
        .map_or(1, |s| s.settings.cron_workers as usize);
    let results = par_map(&services, workers, |svc| expire_one(db, svc, now));
    let mut removed = 0;
    for (svc, r) in services.iter().zip(results) {
        let sid = svc.vm.service_id;
        match r {
            Ok((gone, kept)) => {
                removed += gone.len();
                for n in gone {
                    details.push(format!("sid:{sid} snapshot:{n} removed (lifetime over)"));
                }
                if verbose {
                    for (n, left) in kept {
                        details.push(format!("sid:{sid} snapshot:{n} remaining {left}s"));
                    }
                }
            }
            Err(e) => {
                errors += 1;
                details.push(format!("sid:{sid} action:remove_snapshots error: {e}"));
            }
        }
    }
    Ok(Report {
        summary: format!(
            "checked: {}, removed: {removed}, errors: {errors}",
            services.len()
        ),
        details,
        errors,
    })
}

type Expired = (Vec<String>, Vec<(String, i64)>);

fn expire_one(db: &DbConfig, svc: &Service, now: i64) -> Result<Expired> {
    let snaps = svc.client.snapshots(&svc.vm.node, svc.vm.vm_id)?;
    let lifetime = svc.product.snapshot_lifetime_days;
    let mut gone = Vec::new();
    let mut kept = Vec::new();
    let mut conn = db::conn(db)?;
    for s in &snaps {
        match remaining(s, lifetime, now) {
            Some(0) => {
                let upid = svc
                    .client
                    .snapshot_delete(&svc.vm.node, svc.vm.vm_id, &s.name)?;
                let id = ops::start(
                    &mut conn,
                    &NewOp {
                        service_id: svc.vm.service_id,
                        kind: "snapshot_delete",
                        origin: "lifetime",
                        node: &svc.vm.node,
                        vmid: svc.vm.vm_id,
                        storage: "",
                        volid: &s.name,
                        note: "",
                        day: "",
                        now,
                    },
                )?;
                ops::set_upid(&mut conn, id, &upid)?;
                let bound = std::time::Duration::from_secs(u64::from(svc.settings.heavy_timeout));
                match super::service::wait_bounded(&svc.client, &upid, bound) {
                    Ok(Waited::Done) => ops::finish(&mut conn, id, true, "", None, now)?,
                    Ok(Waited::Running(_)) => {}
                    Err(e) => {
                        ops::finish(&mut conn, id, false, &e.to_string(), None, now)?;
                        return Err(e);
                    }
                }
                gone.push(s.name.clone());
            }
            Some(left) => kept.push((s.name.clone(), left)),
            None => {}
        }
    }
    Ok((gone, kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["snap_1", "Before_upgrade", "a1"] {
            check_name(ok).unwrap();
        }
        for bad in [
            "",
            "1abc",
            "with-dash",
            "with space",
            "current",
            "x",
            "a\"b",
            &"a".repeat(41),
        ] {
            let e = check_name(bad).unwrap_err().to_string();
            assert!(e.contains("'name'"), "{bad}: {e}");
        }
        let g = generated_name(1_764_765_296);
        check_name(&g).unwrap();
        assert_eq!(g, "snap_20251203_123456");
    }

    #[test]
    fn lifetime() {
        let s = Snapshot {
            name: "a".into(),
            description: String::new(),
            snaptime: Some(1000),
            parent: None,
            vmstate: None,
        };
        assert_eq!(remaining(&s, 0, 5000), None);
        assert_eq!(remaining(&s, 1, 1000 + 3600), Some(86_400 - 3600));
        assert_eq!(remaining(&s, 1, 1000 + 86_400), Some(0));
        assert_eq!(remaining(&s, 10, 1000 + 864_000 + 5), Some(0));
    }
}
