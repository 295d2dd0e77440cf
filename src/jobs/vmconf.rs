//! Pure reading and writing of Proxmox VM config values: which disk is the
//! system disk, disk sizes and formats, disk option strings, the NIC line.

use crate::pve::api::VmConfig;

const BUSES: &[(&str, u32)] = &[("scsi", 31), ("virtio", 16), ("sata", 6), ("ide", 4)];

fn is_disk_key(k: &str) -> bool {
    BUSES.iter().any(|(bus, n)| {
        k.strip_prefix(bus)
            .and_then(|i| i.parse::<u32>().ok())
            .is_some_and(|i| i < *n)
    })
}

fn is_cdrom_or_cloudinit(v: &str) -> bool {
    v.contains("media=cdrom") || v.contains("cloudinit") || v.starts_with("none")
}

/// The system disk: the first disk in the boot order, else the first of
/// scsi/virtio/sata/ide — never a CD-ROM or the cloud-init drive.
pub fn system_disk(cfg: &VmConfig) -> Option<String> {
    let usable = |k: &str| {
        cfg.get(k)
            .is_some_and(|v| is_disk_key(k) && !is_cdrom_or_cloudinit(v))
    };
    if let Some(boot) = cfg.get("boot") {
        // "order=scsi0;ide2;net0" (new) or "cdn" / "c" with bootdisk (legacy).
        if let Some(order) = boot.split(',').find_map(|p| p.strip_prefix("order=")) {
            if let Some(k) = order.split(';').find(|k| usable(k)) {
                return Some(k.to_string());
            }
        }
    }
    if let Some(k) = cfg.get("bootdisk").filter(|k| usable(k)) {
        return Some(k.clone());
    }
    for (bus, n) in BUSES {
        for i in 0..*n {
            let k = format!("{bus}{i}");
            if usable(&k) {
                return Some(k);
            }
        }
    }
    None
}

/// The first free slot on `bus` (for the additional disk).
pub fn free_slot(cfg: &VmConfig, bus: &str) -> Option<String> {
    let n = BUSES.iter().find(|(b, _)| *b == bus)?.1;
    (0..n)
        .map(|i| format!("{bus}{i}"))
        .find(|k| !cfg.contains_key(k))
}

pub fn bus_of(disk: &str) -> &str {
    disk.trim_end_matches(|c: char| c.is_ascii_digit())
}

/// The volume id of a disk value: `local-lvm:vm-101-disk-0,size=10G` → `local-lvm:vm-101-disk-0`.
pub fn volid(value: &str) -> &str {
    value.split(',').next().unwrap_or("")
}

pub fn storage_of(value: &str) -> &str {
    volid(value).split(':').next().unwrap_or("")
}

/// The disk format from the trailing extension of the volid, validated
/// against PVE's enum; raw for block storage and volids without one.
pub fn format_of(value: &str) -> &'static str {
    let vol = volid(value);
    let file = vol.rsplit('/').next().unwrap_or(vol);
    let file = file.rsplit(':').next().unwrap_or(file);
    match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("qcow2") => "qcow2",
        Some("vmdk") => "vmdk",
        _ => "raw",
    }
}

/// Size in GiB from the `size=` option (`10G`, `2048M`, `1T`).
pub fn size_gb(value: &str) -> Option<f64> {
    let s = value.split(',').find_map(|p| p.strip_prefix("size="))?;
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let n: f64 = num.parse().ok()?;
    Some(match unit {
        "T" => n * 1024.0,
        "G" | "" => n,
        "M" => n / 1024.0,
        "K" => n / 1024.0 / 1024.0,
        _ => return None,
    })
}

/// The disk value with I/O limits replaced: 0 removes a limit.
pub fn with_limits(value: &str, mbps_rd: i64, mbps_wr: i64, iops_rd: i64, iops_wr: i64) -> String {
    let keys = ["mbps_rd", "mbps_wr", "iops_rd", "iops_wr"];
    let mut parts: Vec<String> = value
        .split(',')
        .filter(|p| !keys.iter().any(|k| p.starts_with(&format!("{k}="))))
        .map(str::to_string)
        .collect();
    for (k, v) in keys.iter().zip([mbps_rd, mbps_wr, iops_rd, iops_wr]) {
        if v > 0 {
            parts.push(format!("{k}={v}"));
        }
    }
    parts.join(",")
}

pub struct Nic<'a> {
    /// "template" keeps the template's model.
    pub model: &'a str,
    pub bridge: &'a str,
    pub vlan: i64,
    pub rate_mbs: i64,
    pub firewall: bool,
}

/// The new `net0` value, keeping the MAC of the existing one.
pub fn net_line(existing: &str, nic: &Nic) -> String {
    let first = existing.split(',').next().unwrap_or("");
    let (old_model, mac) = first.split_once('=').unwrap_or((first, ""));
    let model = if nic.model == "template" || nic.model.is_empty() {
        old_model
    } else {
        nic.model
    };
    let model = if model.is_empty() { "virtio" } else { model };
    let mut s = if mac.is_empty() {
        model.to_string()
    } else {
        format!("{model}={mac}")
    };
    s.push_str(&format!(",bridge={}", nic.bridge));
    if nic.vlan > 0 {
        s.push_str(&format!(",tag={}", nic.vlan));
    }
    // "Unlimited" sends no rate at all.
    if nic.rate_mbs > 0 {
        s.push_str(&format!(",rate={}", nic.rate_mbs));
    }
    s.push_str(if nic.firewall {
        ",firewall=1"
    } else {
        ",firewall=0"
    });
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(p: &[(&str, &str)]) -> VmConfig {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn system_disk_detection() {
        type Case = (
            &'static [(&'static str, &'static str)],
            Option<&'static str>,
        );
        let cases: &[Case] = &[
            (
                &[
                    ("boot", "order=scsi0;ide2;net0"),
                    ("scsi0", "local-lvm:vm-1-disk-0,size=2G"),
                    ("ide2", "local-lvm:vm-1-cloudinit,media=cdrom"),
                ],
                Some("scsi0"),
            ),
            (
                &[
                    ("boot", "order=ide2;virtio0"),
                    ("ide2", "local:iso/x.iso,media=cdrom"),
                    ("virtio0", "local:1/vm-1-disk-0.qcow2,size=5G"),
                ],
                Some("virtio0"),
            ),
            (
                &[
                    ("boot", "cdn"),
                    ("bootdisk", "sata0"),
                    ("sata0", "local:1/a.raw,size=1G"),
                ],
                Some("sata0"),
            ),
            (
                &[
                    ("ide0", "local-lvm:vm-1-cloudinit,media=cdrom"),
                    ("sata1", "ceph:vm-1-disk-1,size=3G"),
                ],
                Some("sata1"),
            ),
            (
                &[
                    ("scsi1", "local-lvm:vm-1-cloudinit"),
                    ("virtio3", "local-lvm:vm-1-disk-0,size=1G"),
                ],
                Some("virtio3"),
            ),
            (&[("ide2", "none,media=cdrom")], None),
            (&[("boot", "order=net0")], None),
        ];
        for (c, want) in cases {
            assert_eq!(system_disk(&cfg(c)).as_deref(), *want, "{c:?}");
        }
    }

    #[test]
    fn formats_from_volids() {
        assert_eq!(format_of("local:101/vm-101-disk-0.qcow2,size=2G"), "qcow2");
        assert_eq!(format_of("my.nfs.store:101/vm-101-disk-0.vmdk"), "vmdk");
        assert_eq!(format_of("local-lvm:vm-101-disk-0,size=2G"), "raw");
        assert_eq!(format_of("st.with.dots:vm-101-disk-0"), "raw");
        assert_eq!(format_of("local:101/vm-101-disk-0.raw"), "raw");
    }

    #[test]
    fn sizes_and_limits() {
        assert_eq!(size_gb("local-lvm:vm-1-disk-0,size=10G"), Some(10.0));
        assert_eq!(size_gb("x,size=2048M"), Some(2.0));
        assert_eq!(size_gb("x,size=1T"), Some(1024.0));
        assert_eq!(size_gb("x"), None);
        assert_eq!(
            with_limits("v,size=2G,mbps_rd=5", 0, 10, 0, 500),
            "v,size=2G,mbps_wr=10,iops_wr=500"
        );
        assert_eq!(with_limits("v,size=2G,iops_rd=5", 0, 0, 0, 0), "v,size=2G");
        assert_eq!(
            free_slot(&cfg(&[("scsi0", "a"), ("scsi1", "b")]), "scsi").as_deref(),
            Some("scsi2")
        );
        assert_eq!(bus_of("virtio12"), "virtio");
    }

    #[test]
    fn nic_keeps_mac_and_omits_unlimited_rate() {
        let nic = Nic {
            model: "template",
            bridge: "vmbr1",
            vlan: 10,
            rate_mbs: 0,
            firewall: true,
        };
        assert_eq!(
            net_line("virtio=BC:24:11:00:00:01,bridge=vmbr0", &nic),
            "virtio=BC:24:11:00:00:01,bridge=vmbr1,tag=10,firewall=1"
        );
        let nic = Nic {
            model: "e1000",
            bridge: "vmbr0",
            vlan: 0,
            rate_mbs: 100,
            firewall: false,
        };
        assert_eq!(
            net_line("virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1", &nic),
            "e1000=BC:24:11:00:00:01,bridge=vmbr0,rate=100,firewall=0"
        );
    }
}
