//! What tasks do when they complete.

use crate::state::*;
use regex::Regex;
use std::collections::BTreeMap;

type FxResult = Result<Vec<String>, String>;

fn no_vm(node: &str, vmid: u32) -> String {
    format!("Configuration file 'nodes/{node}/qemu-server/{vmid}.conf' does not exist")
}

fn owned_by(volid: &str, vmid: u32) -> bool {
    let own = volid.rsplit('/').next().unwrap_or(volid);
    let own = own.rsplit(':').next().unwrap_or(own);
    own.starts_with(&format!("vm-{vmid}-")) || own.starts_with(&format!("base-{vmid}-"))
}

/// `YYYY_MM_DD-HH_MM_SS` (UTC).
pub fn backup_stamp(secs: u64) -> String {
    let (y, mo, d) = crate::http::civil_from_days((secs / 86400) as i64);
    let rem = secs % 86400;
    format!(
        "{y:04}_{mo:02}_{d:02}-{:02}_{:02}_{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

impl State {
    /// Apply a finished task's effect; `Err` becomes the task's exit status.
    pub fn apply_effect(&mut self, node: &str, _user: &str, effect: Effect) -> FxResult {
        match effect {
            Effect::None => Ok(vec![]),
            Effect::Clone { newid, disks } => self.fx_clone(newid, disks),
            Effect::Migrate {
                vmid,
                target,
                storage_map,
            } => self.fx_migrate(node, vmid, &target, &storage_map),
            Effect::Start { vmid } => {
                let pid = 10_000 + (self.control.next_rand() % 50_000) as u32;
                let vm = self.vm_mut(node, vmid).map_err(|_| no_vm(node, vmid))?;
                if vm.is_template() {
                    return Err("you can't start a vm if it's a template".into());
                }
                if vm.running() {
                    return Err(format!("VM {vmid} already running"));
                }
                vm.apply_pending();
                vm.status = "running".into();
                vm.started = Some(now_unix());
                vm.pid = Some(pid);
                Ok(vec![])
            }
            Effect::Stop { vmid } => {
                let vm = self.vm_mut(node, vmid).map_err(|_| no_vm(node, vmid))?;
                vm.status = "stopped".into();
                vm.started = None;
                vm.pid = None;
                Ok(vec![])
            }
            Effect::Reboot { vmid, completes } => {
                let pid = 10_000 + (self.control.next_rand() % 50_000) as u32;
                let vm = self.vm_mut(node, vmid).map_err(|_| no_vm(node, vmid))?;
                if !vm.running() {
                    // already off: qmeventd starts it again
                    return Ok(vec![]);
                }
                if !completes {
                    return Err("VM quit/powerdown failed - got timeout".into());
                }
                // powered off, then started again with the pending changes
                vm.apply_pending();
                vm.started = Some(now_unix());
                vm.pid = Some(pid);
                Ok(vec![])
            }
            Effect::Shutdown {
                vmid,
                completes,
                force,
            } => {
                let vm = self.vm_mut(node, vmid).map_err(|_| no_vm(node, vmid))?;
                if !vm.running() {
                    return Ok(vec![]);
                }
                let mut log = vec![];
                if !completes {
                    if !force {
                        return Err("VM quit/powerdown failed - got timeout".into());
                    }
                    log.push("WARN: VM still running - terminating now with SIGTERM".into());
                }
                vm.status = "stopped".into();
                vm.started = None;
                vm.pid = None;
                Ok(log)
            }
            Effect::HaRequest {
                vmid,
                state,
                timeout,
            } => self.fx_ha_request(node, vmid, &state, timeout),
            Effect::Destroy {
                vmid,
                unreferenced,
                purge,
                skiplock,
            } => self.fx_destroy(node, vmid, unreferenced, purge, skiplock),
            Effect::Resize { vmid, disk, size } => self.fx_resize(node, vmid, &disk, &size),
            Effect::Snapshot {
                vmid,
                name,
                description,
                vmstate,
            } => {
                let vm = self.vm_mut(node, vmid).map_err(|_| no_vm(node, vmid))?;
                let mut config = vm.config.clone();
                config.remove("lock");
                config.remove("parent");
                let parent = vm.config.get("parent").cloned();
                vm.snapshots.insert(
                    name.clone(),
                    Snapshot {
                        name: name.clone(),
                        description,
                        snaptime: now_unix(),
                        vmstate: vmstate && vm.running(),
                        parent,
                        config,
                    },
                );
                vm.config.insert("parent".into(), name);
                let mut log = vec![];
                if vmstate && vm.running() {
                    log.push("saving VM state and RAM using storage 'local-lvm'".into());
                }
                for (k, v) in &vm.config {
                    let d = Drive::parse(v);
                    if is_drive_key(k) && d.is_volume() && !d.is_cdrom() {
                        log.push(format!("snapshotting 'drive-{k}' ({})", d.file));
                    }
                }
                Ok(log)
            }
            Effect::DelSnapshot { vmid, name } => {
                let vm = self.vm_mut(node, vmid).map_err(|_| no_vm(node, vmid))?;
                let snap = vm
                    .snapshots
                    .remove(&name)
                    .ok_or_else(|| format!("snapshot '{name}' does not exist"))?;
                for s in vm.snapshots.values_mut() {
                    if s.parent.as_deref() == Some(name.as_str()) {
                        s.parent = snap.parent.clone();
                    }
                }
                if vm.config.get("parent") == Some(&name) {
                    match &snap.parent {
                        Some(p) => {
                            vm.config.insert("parent".into(), p.clone());
                        }
                        None => {
                            vm.config.remove("parent");
                        }
                    }
                }
                Ok(vec![])
            }
            Effect::Rollback { vmid, name, start } => {
                let pid = 10_000 + (self.control.next_rand() % 50_000) as u32;
                let vm = self.vm_mut(node, vmid).map_err(|_| no_vm(node, vmid))?;
                let snap = vm
                    .snapshots
                    .get(&name)
                    .cloned()
                    .ok_or_else(|| format!("snapshot '{name}' does not exist"))?;
                let lock = vm.config.get("lock").cloned();
                vm.config = snap.config.clone();
                vm.config.insert("parent".into(), name);
                if let Some(l) = lock {
                    vm.config.insert("lock".into(), l);
                }
                if start || snap.vmstate {
                    vm.status = "running".into();
                    vm.started = Some(now_unix());
                    vm.pid = Some(pid);
                } else {
                    vm.status = "stopped".into();
                    vm.started = None;
                    vm.pid = None;
                }
                Ok(vec![])
            }
            Effect::Vzdump {
                vmids,
                storage,
                compress,
                mode,
                notes,
                protected,
                keep_last,
            } => self.fx_vzdump(
                node, &vmids, &storage, &compress, &mode, notes, protected, keep_last,
            ),
            Effect::Create { vmid, start } => {
                if start {
                    let pid = 10_000 + (self.control.next_rand() % 50_000) as u32;
                    let vm = self.vm_mut(node, vmid).map_err(|_| no_vm(node, vmid))?;
                    vm.status = "running".into();
                    vm.started = Some(now_unix());
                    vm.pid = Some(pid);
                }
                Ok(vec![])
            }
            Effect::Restore {
                vmid,
                archive,
                storage,
                start,
                unique,
            } => self.fx_restore(node, vmid, &archive, storage, start, unique),
            Effect::VolDelete { volid, node } => {
                let i = self
                    .find_volume(&volid, &node)
                    .ok_or_else(|| format!("volume '{volid}' does not exist"))?;
                let v = self.volumes[i].clone();
                if self
                    .volumes
                    .iter()
                    .any(|x| x.parent.as_deref() == Some(volid.as_str()))
                {
                    return Err(format!(
                        "base volume '{}' is still in use by linked cloned",
                        v.volid
                    ));
                }
                self.volumes.remove(i);
                Ok(vec![format!("Removed volume '{volid}'")])
            }
        }
    }

    fn fx_clone(&mut self, newid: u32, disks: Vec<CloneDisk>) -> FxResult {
        let vm_node = self
            .vms
            .get(&newid)
            .map(|v| v.node.clone())
            .ok_or_else(|| format!("VM {newid} vanished during clone"))?;
        let mut allocated: Vec<String> = vec![];
        let mut log = vec![];
        let mut new_entries: Vec<(String, String)> = vec![];
        for cd in disks {
            let mut d = Drive::parse(&cd.drive);
            let src = d.file.clone();
            let src_node = self.source_node_of(&src, &vm_node);
            let (size, src_fmt) = match self.find_volume(&src, &src_node) {
                Some(i) => (self.volumes[i].size, self.volumes[i].format.clone()),
                None => (
                    d.get("size").and_then(parse_size).unwrap_or(GIB),
                    "raw".to_string(),
                ),
            };
            let res = if d.is_cloudinit() {
                let fmt = self.storages.get(&cd.target_storage).map(|s| {
                    if s.is_file() {
                        src_fmt.clone()
                    } else {
                        "raw".into()
                    }
                });
                self.alloc_image(
                    &cd.target_storage,
                    &vm_node,
                    newid,
                    4 * MIB,
                    fmt.as_deref(),
                    true,
                    None,
                )
            } else if cd.full {
                let tfile = self
                    .storages
                    .get(&cd.target_storage)
                    .map(|s| s.is_file())
                    .unwrap_or(false);
                let fmt = match (&cd.format, tfile) {
                    (Some(f), true) => f.clone(),
                    (_, false) => "raw".into(),
                    (None, true) => {
                        if ["raw", "qcow2", "vmdk"].contains(&src_fmt.as_str()) {
                            src_fmt.clone()
                        } else {
                            "qcow2".into()
                        }
                    }
                };
                log.push(format!("create full clone of drive {} ({src})", cd.key));
                self.alloc_image(
                    &cd.target_storage,
                    &vm_node,
                    newid,
                    size,
                    Some(&fmt),
                    false,
                    None,
                )
            } else {
                log.push(format!("create linked clone of drive {} ({src})", cd.key));
                self.alloc_image(
                    &cd.target_storage,
                    &vm_node,
                    newid,
                    size,
                    Some(&src_fmt),
                    false,
                    Some(&src),
                )
            };
            let volid = match res {
                Ok(v) => v,
                Err(e) => {
                    for v in &allocated {
                        self.free_volume(v, &vm_node);
                    }
                    return Err(e.message);
                }
            };
            allocated.push(volid.clone());
            d.file = volid;
            if !d.is_cloudinit() {
                d.set("size", &format_size(size));
            }
            new_entries.push((cd.key.clone(), d.print()));
        }
        let vm = self
            .vms
            .get_mut(&newid)
            .ok_or_else(|| format!("VM {newid} vanished during clone"))?;
        for (k, v) in new_entries {
            vm.config.insert(k, v);
        }
        Ok(log)
    }

    /// Node from which a source volume is visible (the clone source's node).
    fn source_node_of(&self, volid: &str, fallback: &str) -> String {
        self.volumes
            .iter()
            .find(|v| v.volid == volid)
            .and_then(|v| v.node.clone())
            .unwrap_or_else(|| fallback.to_string())
    }

    fn fx_migrate(
        &mut self,
        node: &str,
        vmid: u32,
        target: &str,
        storage_map: &BTreeMap<String, String>,
    ) -> FxResult {
        let vm = self.vm(node, vmid).map_err(|_| no_vm(node, vmid))?.clone();
        let mut cfg = vm.config.clone();
        let mut log = vec![format!(
            "starting migration of VM {vmid} to node '{target}'"
        )];
        for (k, v) in vm.config.iter() {
            if !(is_drive_key(k) || is_unused_key(k)) {
                continue;
            }
            let mut d = Drive::parse(v);
            if !d.is_volume() {
                continue;
            }
            let sid = vol_storage(&d.file).to_string();
            let Some(tsid) = storage_map.get(&sid) else {
                continue;
            };
            let Some(i) = self.find_volume(&d.file, node) else {
                continue;
            };
            let vol = self.volumes[i].clone();
            if *tsid == sid {
                self.volumes[i].node = Some(target.to_string());
                log.push(format!(
                    "copying local disk '{}' to node '{target}'",
                    d.file
                ));
                continue;
            }
            let tfile = self
                .storages
                .get(tsid)
                .map(|s| s.is_file())
                .unwrap_or(false);
            let fmt = if tfile {
                vol.format.clone()
            } else {
                "raw".into()
            };
            let newvol = self
                .alloc_image(
                    tsid,
                    target,
                    vmid,
                    vol.size,
                    Some(&fmt),
                    d.is_cloudinit(),
                    None,
                )
                .map_err(|e| e.message)?;
            self.free_volume(&vol.volid, node);
            log.push(format!("mapped: {} -> {newvol}", vol.volid));
            d.file = newvol;
            cfg.insert(k.clone(), d.print());
        }
        let vm = self.vms.get_mut(&vmid).ok_or_else(|| no_vm(node, vmid))?;
        vm.config = cfg;
        vm.node = target.to_string();
        log.push("migration finished successfully (duration 00:00:01)".into());
        Ok(log)
    }

    /// The HA stack accepted a request: record it and let the LRM act.
    fn fx_ha_request(
        &mut self,
        node: &str,
        vmid: u32,
        state: &str,
        timeout: Option<u64>,
    ) -> FxResult {
        let vm = self.vm_mut(node, vmid).map_err(|_| no_vm(node, vmid))?;
        if vm.ha.is_none() {
            return Err(format!("service 'vm:{vmid}' is not managed by HA"));
        }
        vm.ha = Some(state.to_string());
        let running = vm.running();
        let id = vmid.to_string();
        match (state, running) {
            ("started", false) => {
                self.start_task(
                    node,
                    "qmstart",
                    &id,
                    "root@pam",
                    Effect::Start { vmid },
                    None,
                );
            }
            ("stopped", true) => match timeout {
                Some(t) => {
                    let vm = self.vms.get(&vmid).cloned();
                    if let Some(vm) = vm {
                        let (ms, completes) = self.shutdown_plan(&vm, t);
                        self.start_task_ms(
                            node,
                            "qmshutdown",
                            &id,
                            "root@pam",
                            Effect::Shutdown {
                                vmid,
                                completes,
                                force: true,
                            },
                            None,
                            ms,
                        );
                    }
                }
                None => {
                    self.start_task(node, "qmstop", &id, "root@pam", Effect::Stop { vmid }, None);
                }
            },
            _ => {}
        }
        let verb = if state == "started" { "start" } else { "stop" };
        Ok(vec![format!("Requesting HA {verb} for VM {vmid}")])
    }

    /// How long a shutdown of `vm` with `timeout_s` takes (scaled ms) and
    /// whether the guest powers off in time.
    pub fn shutdown_plan(&self, vm: &Vm, timeout_s: u64) -> (u64, bool) {
        let guest_ms = vm.shutdown_ms.unwrap_or_else(|| {
            self.control
                .task_ms
                .get("qmshutdown")
                .copied()
                .unwrap_or(self.control.default_task_ms)
        });
        let timeout_ms = timeout_s.saturating_mul(1000);
        let agent_dead = crate::api::agent_configured(vm) && vm.agent_down;
        if vm.ignore_acpi || agent_dead || guest_ms > timeout_ms {
            (self.scaled(timeout_ms), false)
        } else {
            (self.scaled(guest_ms), true)
        }
    }

    fn fx_destroy(
        &mut self,
        node: &str,
        vmid: u32,
        unreferenced: bool,
        purge: bool,
        skiplock: bool,
    ) -> FxResult {
        let vm = self.vm(node, vmid).map_err(|_| no_vm(node, vmid))?.clone();
        // repeated inside the worker: the config may have changed meanwhile
        if vm.ha.is_some() && !purge {
            return Err(format!(
                "unable to remove VM {vmid} - used in HA resources and purge parameter not set."
            ));
        }
        if vm.running() {
            return Err(format!("VM {vmid} is running - destroy failed"));
        }
        if !skiplock {
            if let Some(l) = vm.lock().filter(|l| *l != "suspended" && *l != "destroyed") {
                return Err(format!("VM is locked ({l})"));
            }
        }
        let mut to_free: Vec<String> = vec![];
        for (k, v) in &vm.config {
            if !(is_drive_key(k) || is_unused_key(k)) {
                continue;
            }
            let d = Drive::parse(v);
            if d.is_volume() && owned_by(&d.file, vmid) {
                to_free.push(d.file.clone());
            }
        }
        if unreferenced {
            for v in &self.volumes {
                if v.vmid == Some(vmid)
                    && v.content == "images"
                    && (v.node.is_none() || v.node.as_deref() == Some(node))
                    && !to_free.contains(&v.volid)
                {
                    to_free.push(v.volid.clone());
                }
            }
        }
        for volid in &to_free {
            if self
                .volumes
                .iter()
                .any(|x| x.parent.as_deref() == Some(volid.as_str()))
            {
                return Err(format!(
                    "base volume '{volid}' is still in use by linked cloned"
                ));
            }
        }
        for volid in &to_free {
            self.free_volume(volid, node);
        }
        self.vms.remove(&vmid);
        let mut log: Vec<String> = to_free
            .iter()
            .map(|v| format!("Removing image: 100% complete...done. ({v})"))
            .collect();
        if purge {
            log.push(format!("purging VM {vmid} from related configurations.."));
            if vm.ha.is_some() {
                log.push(format!(
                    "NOTE: removed VM {vmid} from HA resource configuration."
                ));
            }
        }
        Ok(log)
    }

    fn fx_resize(&mut self, node: &str, vmid: u32, disk: &str, size: &str) -> FxResult {
        let vm = self.vm(node, vmid).map_err(|_| no_vm(node, vmid))?.clone();
        let value = vm
            .config
            .get(disk)
            .ok_or_else(|| format!("disk '{disk}' does not exist"))?;
        let mut d = Drive::parse(value);
        if !d.is_volume() {
            return Err(format!("disk '{disk}' has no associated volume"));
        }
        if d.is_cdrom() {
            return Err("you can't resize a cdrom".into());
        }
        let i = self
            .find_volume(&d.file, node)
            .ok_or_else(|| format!("volume '{}' does not exist", d.file))?;
        let cur = self.volumes[i].size;
        let re = Regex::new(r"^(\+)?(\d+(?:\.\d+)?)([KMGT])?$").map_err(|e| e.to_string())?;
        let c = re
            .captures(size)
            .ok_or_else(|| "internal error".to_string())?;
        let n: f64 = c[2].parse().unwrap_or(0.0);
        let mult = match c.get(3).map(|m| m.as_str()) {
            Some("K") => 1024.0,
            Some("M") => MIB as f64,
            Some("G") => GIB as f64,
            Some("T") => GIB as f64 * 1024.0,
            _ => 1.0,
        };
        let mut new = (n * mult) as u64;
        if c.get(1).is_some() {
            new = new.saturating_add(cur);
        }
        if new < cur {
            return Err("shrinking disks is not supported".into());
        }
        if new == cur {
            return Ok(vec![]);
        }
        self.volumes[i].size = new;
        d.set("size", &format_size(new));
        if let Some(vm) = self.vms.get_mut(&vmid) {
            vm.config.insert(disk.to_string(), d.print());
        }
        Ok(vec![format!(
            "Image resized from {} to {}",
            format_size(cur),
            format_size(new)
        )])
    }

    #[allow(clippy::too_many_arguments)]
    fn fx_vzdump(
        &mut self,
        node: &str,
        vmids: &[u32],
        storage: &str,
        compress: &str,
        mode: &str,
        notes: Option<String>,
        protected: bool,
        keep_last: Option<usize>,
    ) -> FxResult {
        let mut log = vec![];
        let mut failed = false;
        let ext = match compress {
            "zstd" => ".zst",
            "gzip" => ".gz",
            "lzo" | "1" => ".lzo",
            _ => "",
        };
        let shared = self
            .storages
            .get(storage)
            .map(|s| s.shared)
            .unwrap_or(false);
        for &vmid in vmids {
            let Some(vm) = self.vms.get(&vmid).cloned() else {
                log.push(format!("ERROR: Backup of VM {vmid} failed - VM not found"));
                failed = true;
                continue;
            };
            log.push(format!("INFO: Starting Backup of VM {vmid} (qemu)"));
            if let Some(l) = vm.lock().filter(|l| *l != "backup") {
                log.push(format!(
                    "ERROR: Backup of VM {vmid} failed - VM is locked ({l})"
                ));
                failed = true;
                continue;
            }
            let mut t = now_unix();
            let volid = loop {
                let name = format!("vzdump-qemu-{vmid}-{}.vma{ext}", backup_stamp(t));
                let volid = format!("{storage}:backup/{name}");
                if self.find_volume(&volid, node).is_none() {
                    break volid;
                }
                t += 1;
            };
            let disk_total: u64 = vm
                .config
                .iter()
                .filter(|(k, _)| is_drive_key(k))
                .map(|(_, v)| Drive::parse(v))
                .filter(|d| d.is_volume() && !d.is_cdrom())
                .filter_map(|d| d.get("size").and_then(parse_size))
                .fold(0u64, |a, b| a.saturating_add(b));
            let size = (disk_total / 4).max(MIB);
            let avail = self
                .storages
                .get(storage)
                .map(|s| s.total)
                .unwrap_or(0)
                .saturating_sub(self.storage_used(storage, node));
            if size > avail {
                log.push(format!(
                    "ERROR: Backup of VM {vmid} failed - vma_queue_write: write error - {ENOSPC}"
                ));
                failed = true;
                if let Some(v) = self.vms.get_mut(&vmid) {
                    if v.lock() == Some("backup") && vmids.len() > 1 {
                        v.config.remove("lock");
                    }
                }
                continue;
            }
            log.push(format!("INFO: backup mode: {mode}"));
            log.push(format!(
                "INFO: status = {}",
                if vm.running() { "running" } else { "stopped" }
            ));
            let notes = notes.as_ref().map(|tpl| {
                tpl.replace("{{cluster}}", &self.cluster_name)
                    .replace("{{guestname}}", &vm.name())
                    .replace("{{node}}", node)
                    .replace("{{vmid}}", &vmid.to_string())
            });
            let mut cfg = vm.config.clone();
            cfg.remove("lock");
            self.volumes.push(Volume {
                volid: volid.clone(),
                storage: storage.to_string(),
                node: if shared { None } else { Some(node.to_string()) },
                vmid: Some(vmid),
                content: "backup".into(),
                format: format!("vma{ext}").replace(".zst", ".zst"),
                size,
                ctime: t,
                parent: None,
                notes,
                protected,
                backup_config: Some(cfg),
            });
            if let Some(v) = self.vms.get_mut(&vmid) {
                if v.config.get("lock").map(|l| l == "backup").unwrap_or(false) && vmids.len() > 1 {
                    v.config.remove("lock");
                }
            }
            log.push(format!("INFO: creating vzdump archive '{volid}'"));
            log.push(format!("INFO: Finished Backup of VM {vmid} (00:00:01)"));
            if let Some(keep) = keep_last {
                let mut mine: Vec<(u64, String)> = self
                    .volumes
                    .iter()
                    .filter(|v| {
                        v.storage == storage
                            && v.content == "backup"
                            && v.vmid == Some(vmid)
                            && !v.protected
                            && (shared || v.node.as_deref() == Some(node))
                    })
                    .map(|v| (v.ctime, v.volid.clone()))
                    .collect();
                mine.sort_by(|a, b| b.cmp(a));
                for (_, old) in mine.into_iter().skip(keep) {
                    log.push(format!("INFO: prune older backup '{old}'"));
                    self.free_volume(&old, node);
                }
            }
        }
        if failed {
            self.effect_log = log;
            return Err("job errors".into());
        }
        log.push("INFO: Backup job finished successfully".into());
        Ok(log)
    }

    fn fx_restore(
        &mut self,
        node: &str,
        vmid: u32,
        archive: &str,
        storage: Option<String>,
        start: bool,
        unique: bool,
    ) -> FxResult {
        let i = self
            .find_volume(archive, node)
            .ok_or_else(|| format!("volume '{archive}' does not exist"))?;
        let bcfg = self.volumes[i]
            .backup_config
            .clone()
            .ok_or_else(|| format!("unable to read backup archive '{archive}'"))?;
        // free the disks of the VM being overwritten
        if let Some(old) = self.vms.get(&vmid).cloned() {
            for (k, v) in &old.config {
                if is_drive_key(k) || is_unused_key(k) {
                    let d = Drive::parse(v);
                    if d.is_volume() && owned_by(&d.file, vmid) {
                        self.free_volume(&d.file, node);
                    }
                }
            }
        }
        let mut cfg: BTreeMap<String, String> = BTreeMap::new();
        let mut log = vec![format!("restore vma archive: {archive}")];
        let mut allocated: Vec<String> = vec![];
        for (k, v) in &bcfg {
            if k == "lock" || k == "parent" || is_unused_key(k) {
                continue;
            }
            if is_drive_key(k) {
                let mut d = Drive::parse(v);
                if d.is_volume() && !d.is_iso_cdrom() {
                    let sid = storage
                        .clone()
                        .unwrap_or_else(|| vol_storage(&d.file).to_string());
                    let size = d.get("size").and_then(parse_size).unwrap_or(GIB);
                    let res = self.alloc_image(
                        &sid,
                        node,
                        vmid,
                        if d.is_cloudinit() { 4 * MIB } else { size },
                        None,
                        d.is_cloudinit(),
                        None,
                    );
                    let volid = match res {
                        Ok(v) => v,
                        Err(e) => {
                            for a in &allocated {
                                self.free_volume(a, node);
                            }
                            return Err(e.message);
                        }
                    };
                    log.push(format!("map '{k}' to '{volid}'"));
                    allocated.push(volid.clone());
                    d.file = volid;
                    cfg.insert(k.clone(), d.print());
                    continue;
                }
            }
            cfg.insert(k.clone(), v.clone());
        }
        if unique {
            let keys: Vec<String> = cfg.keys().cloned().collect();
            for k in keys {
                if k.starts_with("net") && k[3..].chars().all(|c| c.is_ascii_digit()) {
                    if let Some(v) = cfg.get(&k).cloned() {
                        let mut parts: Vec<String> = v.split(',').map(String::from).collect();
                        if let Some(first) = parts.first_mut() {
                            let model = first.split('=').next().unwrap_or("virtio").to_string();
                            *first = format!("{model}={}", self.random_mac());
                        }
                        cfg.insert(k, parts.join(","));
                    }
                }
            }
        }
        cfg.insert("lock".into(), "create".into());
        let pid = 10_000 + (self.control.next_rand() % 50_000) as u32;
        let vm = self
            .vms
            .entry(vmid)
            .or_insert_with(|| Vm::new(vmid, node, BTreeMap::new()));
        vm.config = cfg;
        vm.snapshots.clear();
        if start {
            vm.status = "running".into();
            vm.started = Some(now_unix());
            vm.pid = Some(pid);
        }
        Ok(log)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp() {
        assert_eq!(backup_stamp(0), "1970_01_01-00_00_00");
        assert_eq!(backup_stamp(1_700_000_000), "2023_11_14-22_13_20");
    }
}
