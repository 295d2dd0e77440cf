//! The client's ISO mount: the ISO images of the product's ISOs storage,
//! grouped in folders by the part of the file name before the first `-`
//! (the spec's convention), mounted on the VM's CD/DVD drive and unmounted.
//!
//! The drive: the cloud-init drive is often `ide2` (Proxmox's own default
//! for it), so the ISO goes to the first CD/DVD drive that is not the
//! cloud-init drive among ide2, ide0, ide1, ide3, else to the first of
//! those slots that is free. The boot order: mounting puts the drive first
//! (`order=<drive>;…the rest as it was`) so the VM boots the installer on
//! its next start; the boot value from before the mount is kept in
//! `puqProxmoxKVM_iso_mounts` and put back by Unmount (which leaves an
//! empty drive, `none,media=cdrom`).
//!
//! Only a volume listed on the configured ISO storage can be mounted: the
//! volume id must be exactly one of that storage's `iso` content entries,
//! so a forged id, another storage's volume or a path is refused before
//! anything is sent.

use mysql::prelude::Queryable;
use serde_json::{json, Value};

use super::pages::client_for;
use super::{live, Ctx};
use crate::error::{Error, Result};
use crate::pve::api::VmConfig;
use crate::pve::Form;

pub const MIGRATION: &[&str] = &["CREATE TABLE IF NOT EXISTS puqProxmoxKVM_iso_mounts (
        service_id INT UNSIGNED NOT NULL PRIMARY KEY,
        drive VARCHAR(8) NOT NULL,
        volid VARCHAR(255) NOT NULL,
        boot_before TEXT NULL,
        mounted_at INT UNSIGNED NOT NULL DEFAULT 0
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"];

/// The CD/DVD slots, in the order they are tried.
const SLOTS: [&str; 4] = ["ide2", "ide0", "ide1", "ide3"];

/// The ISOs storage of the product ("local|dir" → "local"), if set.
pub fn storage(iso_storage: &str) -> Option<String> {
    let s = iso_storage.split('|').next().unwrap_or("").trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The file name of a volume id (`local:iso/a-b.iso` → `a-b.iso`).
pub fn file_of(volid: &str) -> &str {
    let rest = volid.split_once(':').map_or(volid, |(_, r)| r);
    rest.rsplit('/').next().unwrap_or(rest)
}

/// The folder of an image: the file name before the first `-`, or the
/// whole name without `.iso` when it has none.
pub fn folder_of(file: &str) -> String {
    match file.split_once('-') {
        Some((f, _)) if !f.is_empty() => f.to_string(),
        _ => file
            .strip_suffix(".iso")
            .or_else(|| file.strip_suffix(".ISO"))
            .unwrap_or(file)
            .to_string(),
    }
}

fn drive_file(v: &str) -> &str {
    v.split(',').next().unwrap_or("")
}

fn is_cd(v: &str) -> bool {
    v.split(',').any(|p| p == "media=cdrom") && !v.contains("cloudinit")
}

/// The mounted image: `(drive, volid)` of a CD/DVD drive holding one.
pub fn mounted(cfg: &VmConfig) -> Option<(String, String)> {
    let mut keys: Vec<&String> = cfg
        .keys()
        .filter(|k| k.starts_with("ide") || k.starts_with("sata") || k.starts_with("scsi"))
        .collect();
    keys.sort_by_key(|k| SLOTS.iter().position(|s| s == k).unwrap_or(SLOTS.len()));
    keys.into_iter().find_map(|k| {
        let v = cfg.get(k)?;
        let f = drive_file(v);
        (is_cd(v) && f != "none" && f != "cdrom" && !f.is_empty())
            .then(|| (k.clone(), f.to_string()))
    })
}

/// The drive an image goes to (see the module doc).
pub fn cd_drive(cfg: &VmConfig) -> Option<&'static str> {
    SLOTS
        .iter()
        .find(|s| cfg.get(**s).is_some_and(|v| is_cd(v)))
        .or_else(|| SLOTS.iter().find(|s| !cfg.contains_key(**s)))
        .copied()
}

/// The boot order with `drive` first and the other devices as before.
pub fn boot_first(cfg: &VmConfig, drive: &str) -> String {
    let order: Vec<String> = cfg
        .get("boot")
        .and_then(|b| b.split(',').find_map(|p| p.strip_prefix("order=")))
        .map(|o| {
            o.split(';')
                .filter(|d| !d.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_else(|| {
            crate::jobs::vmconf::system_disk(cfg)
                .into_iter()
                .collect::<Vec<_>>()
        });
    let mut out = vec![drive.to_string()];
    out.extend(order.into_iter().filter(|d| d != drive));
    format!("order={}", out.join(";"))
}

/// The boot order with `drive` taken out (an unmount with no saved value).
pub fn boot_without(boot: &str, drive: &str) -> Option<String> {
    let order = boot.split(',').find_map(|p| p.strip_prefix("order="))?;
    let rest: Vec<&str> = order.split(';').filter(|d| *d != drive).collect();
    (!rest.is_empty()).then(|| format!("order={}", rest.join(";")))
}

/// A volume id as a client may send it: an id on `storage`'s `iso/`
/// folder, one line, no path tricks. The listing check follows.
pub fn check_volid(volid: &str, storage: &str) -> Result<String> {
    let v = volid.trim();
    let bad = |m: &str| Error::input("volid", m.to_string());
    if v.is_empty() {
        return Err(bad("choose an ISO image from the list"));
    }
    if v.len() > 255 || v.chars().any(char::is_control) {
        return Err(bad("is not an ISO image of this service"));
    }
    let Some(file) = v.strip_prefix(&format!("{storage}:iso/")) else {
        return Err(bad(
            "is not an ISO image of the ISO storage of your package",
        ));
    };
    if file.is_empty() || file.contains('/') || file.contains('\\') || file.contains("..") {
        return Err(bad("is not an ISO image of this service"));
    }
    Ok(v.to_string())
}

fn folders(images: &[crate::pve::firewall::IsoVolume]) -> Vec<Value> {
    let mut map: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for i in images {
        let file = file_of(&i.volid);
        map.entry(folder_of(file))
            .or_default()
            .push(json!({"volid": i.volid, "file": file, "size": i.size}));
    }
    map.into_iter()
        .map(|(name, images)| json!({"name": name, "count": images.len(), "images": images}))
        .collect()
}

pub fn page(ctx: &mut Ctx<'_>) -> Result<Value> {
    let refusal = ctx.svc.idle_refusal().map(|d| d.code());
    let Some(st) = storage(&ctx.svc.product.iso_storage) else {
        return Ok(
            json!({"storage_set": false, "mounted": null, "folders": [], "count": 0,
                         "refusal": refusal}),
        );
    };
    let vm = ctx.svc.vm.clone();
    let client = client_for(ctx.host, vm.server_id)(&mut ctx.conn)?;
    // Two reads, in parallel: the VM's drives and the storage's images.
    let (cfg, images) = std::thread::scope(|s| {
        let c = s.spawn(|| client.vm_config(&vm.node, vm.vm_id));
        let images = client.iso_volumes(&vm.node, &st);
        (c.join(), images)
    });
    let cfg = cfg.map_err(|_| Error::Internal("the config read panicked".into()))??;
    let images = images?;
    let m = mounted(&cfg)
        .map(|(drive, volid)| json!({"drive": drive, "volid": volid, "file": file_of(&volid)}));
    Ok(json!({
        "storage_set": true,
        "mounted": m,
        "folders": folders(&images),
        "count": images.len(),
        "refusal": refusal,
    }))
}

/// Mount: the image on the CD/DVD drive, the drive first in the boot order.
pub fn mount(ctx: &mut Ctx<'_>) -> Result<Value> {
    let volid = ctx.input.str_or_empty("volid")?;
    let st = storage(&ctx.svc.product.iso_storage)
        .ok_or_else(|| Error::Config("your package has no ISO storage: contact support".into()))?;
    let volid = check_volid(&volid, &st)?;
    let vm = ctx.svc.vm.clone();
    let client = client_for(ctx.host, vm.server_id)(&mut ctx.conn)?;
    if !client
        .iso_volumes(&vm.node, &st)?
        .iter()
        .any(|i| i.volid == volid)
    {
        return Err(Error::input(
            "volid",
            "is not an ISO image of the ISO storage of your package",
        ));
    }
    let cfg = client.vm_config(&vm.node, vm.vm_id)?;
    let sid = ctx.svc.service_id;
    let saved: Option<(String, Option<String>)> = ctx.conn.exec_first(
        "SELECT drive, boot_before FROM puqProxmoxKVM_iso_mounts WHERE service_id = ?",
        (sid,),
    )?;
    let current = mounted(&cfg);
    let drive = match (&current, &saved) {
        (Some((d, _)), _) => d.clone(),
        (None, _) => cd_drive(&cfg)
            .ok_or_else(|| {
                Error::Config("the virtual machine has no free CD/DVD drive slot".into())
            })?
            .to_string(),
    };
    // The boot value before our first mount: a re-mount keeps it.
    let boot_before = match saved {
        Some((_, b)) if current.is_some() => b,
        _ => cfg.get("boot").cloned(),
    };
    let form = Form::new()
        .set(&drive, format!("{volid},media=cdrom"))
        .set("boot", boot_first(&cfg, &drive));
    client.set_vm_config(&vm.node, vm.vm_id, &form)?;
    ctx.conn.exec_drop(
        "REPLACE INTO puqProxmoxKVM_iso_mounts (service_id, drive, volid, boot_before, mounted_at)
         VALUES (?, ?, ?, ?, UNIX_TIMESTAMP())",
        (sid, &drive, &volid, &boot_before),
    )?;
    live::invalidate(&mut ctx.conn, sid)?;
    ctx.host.log_activity(
        &format!(
            "PUQ Proxmox KVM: client mounted {} on service #{sid}",
            file_of(&volid)
        ),
        ctx.svc.client_id,
    );
    Ok(json!({"mounted": volid, "drive": drive, "file": file_of(&volid)}))
}

/// Unmount: the drive emptied, the boot order as it was before the mount.
pub fn unmount(ctx: &mut Ctx<'_>) -> Result<Value> {
    let vm = ctx.svc.vm.clone();
    let sid = ctx.svc.service_id;
    let client = client_for(ctx.host, vm.server_id)(&mut ctx.conn)?;
    let cfg = client.vm_config(&vm.node, vm.vm_id)?;
    let Some((drive, _)) = mounted(&cfg) else {
        ctx.conn.exec_drop(
            "DELETE FROM puqProxmoxKVM_iso_mounts WHERE service_id = ?",
            (sid,),
        )?;
        return Err(Error::Config("no ISO image is mounted".into()));
    };
    let saved: Option<(String, Option<String>)> = ctx.conn.exec_first(
        "SELECT drive, boot_before FROM puqProxmoxKVM_iso_mounts WHERE service_id = ?",
        (sid,),
    )?;
    let mut form = Form::new().set(&drive, "none,media=cdrom");
    // Some(value before the mount), or, without our record (an admin
    // mounted it), the order with the drive taken out; None: leave it.
    let boot: Option<Option<String>> = match saved {
        Some((d, before)) if d == drive => Some(before),
        _ => cfg
            .get("boot")
            .and_then(|b| boot_without(b, &drive))
            .map(Some),
    };
    form = match boot {
        Some(Some(b)) if !b.is_empty() => form.set("boot", b),
        Some(_) => form.set("delete", "boot"),
        None => form,
    };
    client.set_vm_config(&vm.node, vm.vm_id, &form)?;
    ctx.conn.exec_drop(
        "DELETE FROM puqProxmoxKVM_iso_mounts WHERE service_id = ?",
        (sid,),
    )?;
    live::invalidate(&mut ctx.conn, sid)?;
    ctx.host.log_activity(
        &format!("PUQ Proxmox KVM: client unmounted the ISO image of service #{sid}"),
        ctx.svc.client_id,
    );
    Ok(json!({"unmounted": true, "drive": drive}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> VmConfig {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn folders_and_files() {
        assert_eq!(
            file_of("local:iso/alpine-standard-3.21.3-x86_64.iso"),
            "alpine-standard-3.21.3-x86_64.iso"
        );
        assert_eq!(folder_of("alpine-standard-3.21.3-x86_64.iso"), "alpine");
        assert_eq!(folder_of("freedos.iso"), "freedos");
        assert_eq!(folder_of("-x.iso"), "-x");
        assert_eq!(storage("local|dir").as_deref(), Some("local"));
        assert_eq!(storage(""), None);
    }

    #[test]
    fn drive_skips_the_cloudinit_drive_and_boot_order_round_trips() {
        let c = cfg(&[
            ("scsi0", "local-lvm:vm-1-disk-0,size=20G"),
            ("ide2", "local-lvm:vm-1-cloudinit,media=cdrom"),
            ("boot", "order=scsi0"),
        ]);
        assert_eq!(cd_drive(&c), Some("ide0"));
        assert_eq!(boot_first(&c, "ide0"), "order=ide0;scsi0");
        assert_eq!(mounted(&c), None);
        let c = cfg(&[
            ("scsi0", "local-lvm:vm-1-disk-0"),
            ("ide2", "none,media=cdrom"),
            ("ide0", "local:iso/x-1.iso,media=cdrom"),
            ("boot", "order=scsi0;ide2;net0"),
        ]);
        assert_eq!(cd_drive(&c), Some("ide2"));
        assert_eq!(boot_first(&c, "ide2"), "order=ide2;scsi0;net0");
        assert_eq!(
            mounted(&c),
            Some(("ide0".into(), "local:iso/x-1.iso".into()))
        );
        assert_eq!(
            boot_without("order=ide0;scsi0", "ide0").as_deref(),
            Some("order=scsi0")
        );
        let legacy = cfg(&[("virtio0", "local:1/d.qcow2"), ("bootdisk", "virtio0")]);
        assert_eq!(boot_first(&legacy, "ide0"), "order=ide0;virtio0");
    }

    #[test]
    fn volids_are_checked() {
        assert!(check_volid("local:iso/a-1.iso", "local").is_ok());
        for bad in [
            "",
            "other:iso/a-1.iso",
            "local:iso/../../etc/passwd",
            "/var/lib/vz/template/iso/a.iso",
            "local:images/vm-1-disk-0.raw",
            "local:iso/sub/a.iso",
            "local:iso/a\n.iso",
        ] {
            assert!(check_volid(bad, "local").is_err(), "{bad:?}");
        }
    }
}
