//! Step building blocks shared by the machines (deploy, change package,
//! reinstall, the module commands): each compares what Proxmox has with
//! what the package wants and changes only what differs, so any of them can
//! be re-run after a crash, and a change package logs `skip — no change`.
//! Runs on worker threads: no Zend calls.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::machine::{Ctx, Outcome};
use super::record;
use super::vmconf::{self, Nic};
use super::Job;
use crate::error::{Error, Result};
use crate::pve::api::{VmConfig, VmResource};
use crate::pve::{Form, PveError, Weight};

/// The VM is gone: a 500 "does not exist", or a task (a DELETE sent twice
/// after a crash) that failed because the config no longer exists.
pub fn vm_gone(e: &PveError) -> bool {
    e.is_missing_vm()
        || matches!(e, PveError::Task { exitstatus, .. } if exitstatus.contains("does not exist"))
}

pub fn wait(job: &Job, upid: &str, deadline: Duration) -> Result<()> {
    job.client.wait_task(upid, deadline, job.poll)?;
    Ok(())
}

/// The VM's config, read once per run and re-read only after a change.
pub fn config(job: &mut Job) -> Result<VmConfig> {
    if let Some(c) = &job.config {
        return Ok(c.clone());
    }
    let c = job.client.vm_config(&job.vm.node, job.vm.vm_id)?;
    job.config = Some(c.clone());
    Ok(c)
}

/// This service's VM as the cluster lists it: found by VMID, and only if
/// its name is ours — a VM someone else created under a freed VMID is never
/// stopped or deleted. Updates the node when the VM moved (HA, migration).
pub fn our_vm(ctx: &mut Ctx) -> Result<Option<VmResource>> {
    if ctx.job.vm.vm_id == 0 {
        return Ok(None);
    }
    let vms = ctx.job.client.cluster_vms(Weight::Light)?;
    let Some(vm) = vms.into_iter().find(|v| v.vmid == ctx.job.vm.vm_id) else {
        return Ok(None);
    };
    if vm.name.as_deref() != Some(ctx.job.vm.vm_name.as_str()) {
        ctx.progress(format!(
            "VMID {} is held by '{}', not by this service's VM '{}': leaving it alone",
            vm.vmid,
            vm.name.clone().unwrap_or_default(),
            ctx.job.vm.vm_name
        ));
        return Ok(None);
    }
    if !vm.node.is_empty() && vm.node != ctx.job.vm.node {
        record::set_node(ctx.conn, ctx.sid(), &vm.node)?;
        ctx.job.vm.node = vm.node.clone();
    }
    Ok(Some(vm))
}

/// Waits for a task recorded on the VM (a clone or migration still running
/// when a terminate, reinstall or redeploy came in): a VM must not be
/// deleted while its clone is still creating it.
pub fn wait_running_task(ctx: &mut Ctx) -> Result<Outcome> {
    let upid = record::task(ctx.conn, ctx.sid())?;
    if upid.is_empty() {
        return Ok(Outcome::Skipped("no task in flight".into()));
    }
    match ctx.job.client.task_finished(&upid) {
        Ok(None) => Ok(Outcome::Waiting(format!(
            "task {upid} is still running in Proxmox; waiting for it to end"
        ))),
        Ok(Some(_)) | Err(PveError::Status { .. }) => {
            // Ended (well or not), or unknown to Proxmox any more.
            record::clear_task(ctx.conn, ctx.sid())?;
            ctx.job.vm.task_upid.clear();
            Ok(Outcome::Done)
        }
        Err(e) => Err(e.into()),
    }
}

/// What a stop ended with.
#[derive(Debug, PartialEq, Eq)]
pub enum Stopped {
    Off,
    Gone,
    /// Still running after the graceful and the force windows.
    StillRunning,
}

fn status_of(job: &Job) -> Result<Option<String>> {
    match job.client.vm_status(&job.vm.node, job.vm.vm_id) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.is_missing_vm() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Stops the VM the robust way: the shutdown already requested from a web
/// request (or a new one), polled up to the stop window with a progress line
/// every 15 s; then a force stop and the force window.
pub fn stop_windowed(ctx: &mut Ctx) -> Result<Stopped> {
    let Some(status) = status_of(ctx.job)? else {
        return Ok(Stopped::Gone);
    };
    if status == "stopped" {
        record::clear_stop(ctx.conn, ctx.sid())?;
        return Ok(Stopped::Off);
    }
    let window = Duration::from_secs(u64::from(ctx.job.settings.stop_timeout));
    let force_window = Duration::from_secs(u64::from(ctx.job.settings.force_stop_timeout));
    let mut upid = ctx.job.vm.stop_upid.clone();
    let mut waited = Duration::from_secs(
        crate::cron::now_unix()
            .saturating_sub(ctx.job.vm.stop_started as i64)
            .max(0) as u64,
    );
    if upid.is_empty() {
        upid = ctx.job.client.shutdown_vm(
            &ctx.job.vm.node,
            ctx.job.vm.vm_id,
            ctx.job.settings.stop_timeout,
        )?;
        record::set_stop(ctx.conn, ctx.sid(), &upid)?;
        ctx.job.vm.stop_upid = upid.clone();
        waited = Duration::ZERO;
        ctx.progress("stop request sent (graceful shutdown)");
    }
    if poll_off(ctx, &upid, window.saturating_sub(waited), window, waited)? {
        record::clear_stop(ctx.conn, ctx.sid())?;
        return Ok(Stopped::Off);
    }
    ctx.progress(format!(
        "still running after {}s: force stop",
        window.as_secs()
    ));
    let upid = ctx.job.client.stop_vm(
        &ctx.job.vm.node,
        ctx.job.vm.vm_id,
        ctx.job.settings.force_stop_timeout,
    )?;
    record::set_stop(ctx.conn, ctx.sid(), &upid)?;
    if poll_off(ctx, &upid, force_window, force_window, Duration::ZERO)? {
        record::clear_stop(ctx.conn, ctx.sid())?;
        return Ok(Stopped::Off);
    }
    Ok(Stopped::StillRunning)
}

/// Polls the stop task and the VM until it is off or `left` runs out,
/// printing `waited Xs / Ns` every 15 s.
fn poll_off(
    ctx: &mut Ctx,
    upid: &str,
    left: Duration,
    window: Duration,
    already: Duration,
) -> Result<bool> {
    let start = Instant::now();
    let mut next_beat = Duration::from_secs(15);
    // An HA request (hastop) ends when the HA stack took it, not when the
    // VM is off: only a qemu task's end says the stop is over.
    let ha = crate::pve::api::upid_type(upid).is_some_and(|t| t.starts_with("ha"));
    loop {
        let remaining = left.saturating_sub(start.elapsed());
        let slice = remaining
            .min(next_beat.saturating_sub(start.elapsed()))
            .max(Duration::from_millis(1));
        // A stop/shutdown task that ended (well, or in PVE's "got timeout")
        // will not stop the VM any more: no use polling it again.
        let ended = match ctx.job.client.wait_task(upid, slice, ctx.job.poll) {
            Ok(()) | Err(PveError::Task { .. }) | Err(PveError::Status { status: 500, .. }) => true,
            Err(PveError::TaskTimeout { .. }) => false,
            Err(e) => return Err(e.into()),
        };
        match status_of(ctx.job)? {
            None => return Ok(true),
            Some(s) if s == "stopped" => return Ok(true),
            Some(_) if ended && !ha => return Ok(false),
            Some(_) => {}
        }
        if start.elapsed() >= left {
            return Ok(false);
        }
        if start.elapsed() >= next_beat {
            ctx.progress(format!(
                "still running, waited {}s / {}s",
                (already + start.elapsed()).as_secs(),
                window.as_secs()
            ));
            next_beat += Duration::from_secs(15);
        }
    }
}

pub fn ram_mb(job: &Job) -> Result<i64> {
    job.eff
        .ram_gb
        .checked_mul(1024)
        .filter(|m| *m > 0)
        .ok_or_else(|| Error::input("ram_gb", format!("{} GB is out of range", job.eff.ram_gb)))
}

fn cfg_int(cfg: &VmConfig, key: &str, default: i64) -> i64 {
    cfg.get(key)
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(default)
}

/// Whether CPU/RAM differ from the package.
pub fn cpu_ram_differs(job: &mut Job) -> Result<bool> {
    let cfg = config(job)?;
    Ok(cfg_int(&cfg, "cores", 1) != job.eff.cpu
        || cfg_int(&cfg, "sockets", 1) != 1
        || cfg_int(&cfg, "memory", 512) != ram_mb(job)?)
}

pub fn cpu_ram(ctx: &mut Ctx) -> Result<Outcome> {
    if !cpu_ram_differs(ctx.job)? {
        return Ok(Outcome::Skipped("no change".into()));
    }
    let form = Form::new()
        .set("cores", ctx.job.eff.cpu)
        .set("sockets", 1)
        .set("memory", ram_mb(ctx.job)?);
    ctx.job
        .client
        .set_vm_config(&ctx.job.vm.node, ctx.job.vm.vm_id, &form)?;
    Ok(Outcome::Done)
}

pub fn system_disk(job: &mut Job) -> Result<(String, String)> {
    let cfg = config(job)?;
    let key = vmconf::system_disk(&cfg).ok_or_else(|| {
        Error::Config(format!(
            "VM {} has no system disk in its config",
            job.vm.vm_id
        ))
    })?;
    let value = cfg.get(&key).cloned().unwrap_or_default();
    Ok((key, value))
}

/// The additional disk: the first disk after the system disk on its bus.
pub fn additional_disk(job: &mut Job) -> Result<Option<(String, String)>> {
    let cfg = config(job)?;
    let sys = vmconf::system_disk(&cfg).unwrap_or_default();
    let bus = vmconf::bus_of(&sys).to_string();
    Ok(cfg
        .iter()
        .filter(|(k, v)| {
            k.starts_with(&bus)
                && **k != sys
                && k[bus.len()..].parse::<u32>().is_ok()
                && !v.contains("media=cdrom")
                && !v.contains("cloudinit")
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .next())
}

/// What a resize would do.
#[derive(Debug, PartialEq)]
pub enum Resize {
    Grow(String, String),
    Same,
    Shrink(f64),
    NoDisk,
    Keep,
}

pub fn resize_plan(job: &mut Job, system: bool) -> Result<Resize> {
    let spec = if system {
        job.eff.system_disk.clone()
    } else {
        job.eff.additional_disk.clone()
    };
    if spec.size_gb == 0 {
        return Ok(Resize::Keep);
    }
    let (key, value) = if system {
        system_disk(job)?
    } else {
        match additional_disk(job)? {
            Some(d) => d,
            None => return Ok(Resize::NoDisk),
        }
    };
    let current = vmconf::size_gb(&value).unwrap_or(0.0);
    let target = spec.size_gb as f64;
    Ok(if (current - target).abs() < 0.001 {
        Resize::Same
    } else if current > target {
        Resize::Shrink(current)
    } else {
        Resize::Grow(key, format!("{}G", spec.size_gb))
    })
}

pub fn resize(ctx: &mut Ctx, system: bool) -> Result<Outcome> {
    match resize_plan(ctx.job, system)? {
        Resize::Keep => Ok(Outcome::Skipped("size 0: keep as is".into())),
        Resize::NoDisk => Ok(Outcome::Skipped("no additional disk".into())),
        Resize::Same => Ok(Outcome::Skipped("no change".into())),
        Resize::Shrink(cur) => {
            let job = &mut *ctx.job;
            let spec = if system {
                &job.eff.system_disk
            } else {
                &job.eff.additional_disk
            };
            // The spec's log entry for a refused shrink (the VM is not
            // stopped and nothing is sent to Proxmox).
            job.module_logs.push((
                if system {
                    "system_disk_shrink_rejected"
                } else {
                    "additional_disk_shrink_rejected"
                }
                .to_string(),
                serde_json::json!({
                    "serviceid": job.vm.service_id,
                    "vmid": job.vm.vm_id,
                    "requested_gb": spec.size_gb,
                })
                .to_string(),
                serde_json::json!({
                    "current_gb": cur,
                    "result": "skip — shrink not allowed by Proxmox",
                })
                .to_string(),
            ));
            Ok(Outcome::Skipped(format!(
                "shrink not allowed by Proxmox (disk is {cur}G)"
            )))
        }
        Resize::Grow(key, size) => {
            let job = &*ctx.job;
            let upid = job
                .client
                .resize_disk(&job.vm.node, job.vm.vm_id, &key, &size)?;
            wait(job, &upid, job.heavy)?;
            Ok(Outcome::Done)
        }
    }
}

fn limits_line(job: &mut Job, system: bool) -> Result<Option<(String, String)>> {
    let spec = if system {
        job.eff.system_disk.clone()
    } else {
        job.eff.additional_disk.clone()
    };
    let disk = if system {
        Some(system_disk(job)?)
    } else {
        additional_disk(job)?
    };
    let Some((key, value)) = disk else {
        return Ok(None);
    };
    let line = vmconf::with_limits(
        &value,
        spec.mbps_rd,
        spec.mbps_wr,
        spec.iops_rd,
        spec.iops_wr,
    );
    Ok((line != value).then_some((key, line)))
}

pub fn disk_io(ctx: &mut Ctx, system: bool) -> Result<Outcome> {
    let spec = if system {
        ctx.job.eff.system_disk.clone()
    } else {
        ctx.job.eff.additional_disk.clone()
    };
    if !system && additional_disk(ctx.job)?.is_none() {
        return Ok(Outcome::Skipped("no additional disk".into()));
    }
    match limits_line(ctx.job, system)? {
        None if !spec.has_limits() => Ok(Outcome::Skipped("no I/O limits".into())),
        None => Ok(Outcome::Skipped("no change".into())),
        Some((key, line)) => {
            let job = &*ctx.job;
            job.client
                .set_vm_config(&job.vm.node, job.vm.vm_id, &Form::new().set(&key, line))?;
            Ok(Outcome::Done)
        }
    }
}

/// Creates the additional disk when the package has one and the VM not.
pub fn create_additional(ctx: &mut Ctx) -> Result<Outcome> {
    let size = ctx.job.eff.additional_disk.size_gb;
    if size == 0 {
        return Ok(Outcome::Skipped("no additional disk configured".into()));
    }
    if additional_disk(ctx.job)?.is_some() {
        return Ok(Outcome::Skipped("additional disk exists".into()));
    }
    let cfg = config(ctx.job)?;
    let sys = vmconf::system_disk(&cfg).ok_or_else(|| {
        Error::Config(format!(
            "VM {} has no system disk in its config",
            ctx.job.vm.vm_id
        ))
    })?;
    let sys_value = cfg.get(&sys).cloned().unwrap_or_default();
    let storage = if ctx.job.product.add_storage.is_empty() {
        vmconf::storage_of(&sys_value).to_string()
    } else {
        ctx.job.product.add_storage.clone()
    };
    let slot = vmconf::free_slot(&cfg, vmconf::bus_of(&sys)).ok_or_else(|| {
        Error::Config(format!(
            "no free {} slot for the additional disk",
            vmconf::bus_of(&sys)
        ))
    })?;
    let line = format!("{storage}:{size},format={}", vmconf::format_of(&sys_value));
    let job = &*ctx.job;
    // PUT allocates the volume synchronously: no task to poll.
    job.client
        .set_vm_config(&job.vm.node, job.vm.vm_id, &Form::new().set(&slot, line))?;
    Ok(Outcome::Done)
}

/// Change package with Additional Disk = 0: detach the disk and purge its
/// volume (`delete` + `force`), as the spec's "Additional Disk = 0 deletes
/// the disk" says.
pub fn remove_additional(ctx: &mut Ctx) -> Result<Outcome> {
    let Some((key, _)) = additional_disk(ctx.job)? else {
        return Ok(Outcome::Skipped("no additional disk".into()));
    };
    let job = &*ctx.job;
    job.client.set_vm_config(
        &job.vm.node,
        job.vm.vm_id,
        &Form::new().set("delete", &key).flag("force", true),
    )?;
    Ok(Outcome::Done)
}

fn mac_of(net: &str) -> Option<String> {
    let first = net.split(',').next()?;
    let (_, mac) = first.split_once('=')?;
    (!mac.is_empty()).then(|| mac.to_string())
}

/// The `net0` line the package wants, keeping the MAC (the recorded one
/// across reinstalls).
pub fn net_target(job: &mut Job) -> Result<(String, String)> {
    let cfg = config(job)?;
    let existing = cfg.get("net0").cloned().unwrap_or_default();
    let existing = match (&mac_of(&existing), job.vm.mac.is_empty()) {
        (Some(cur), false) if *cur != job.vm.mac => existing.replacen(cur.as_str(), &job.vm.mac, 1),
        (None, false) => format!("virtio={}", job.vm.mac),
        _ => existing,
    };
    let (bridge, vlan) = job.bridge_vlan();
    let line = vmconf::net_line(
        &existing,
        &Nic {
            model: &job.product.net_model,
            bridge: &bridge,
            vlan,
            rate_mbs: job.eff.bandwidth_mbs,
            firewall: job.product.fw_enable,
        },
    );
    Ok((cfg.get("net0").cloned().unwrap_or_default(), line))
}

pub fn network(ctx: &mut Ctx) -> Result<Outcome> {
    let (current, line) = net_target(ctx.job)?;
    if let Some(mac) = mac_of(&line) {
        if mac != ctx.job.vm.mac {
            record::set_mac(ctx.conn, ctx.sid(), &mac)?;
            ctx.job.vm.mac = mac;
        }
    }
    if current == line {
        return Ok(Outcome::Skipped("no change".into()));
    }
    let job = &*ctx.job;
    job.client
        .set_vm_config(&job.vm.node, job.vm.vm_id, &Form::new().set("net0", &line))?;
    if let Some(mac) = mac_of(&line).or_else(|| {
        job.client
            .vm_config(&job.vm.node, job.vm.vm_id)
            .ok()
            .and_then(|c| c.get("net0").and_then(|n| mac_of(n)))
    }) {
        record::set_mac(ctx.conn, ctx.sid(), &mac)?;
        ctx.job.vm.mac = mac;
    }
    Ok(Outcome::Done)
}

const IPSET: &str = "ipfilter-net0";

/// Firewall options and policies, and the anti-spoofing IPSet holding
/// exactly the service's addresses.
pub fn firewall(ctx: &mut Ctx) -> Result<Outcome> {
    if ctx.job.product.dhcp_v4 || ctx.job.product.dhcp_v6 {
        return Ok(Outcome::Skipped(
            "DHCP is on: no firewall rules or anti-spoofing without a known IP".into(),
        ));
    }
    let p = &ctx.job.product;
    let form = Form::new()
        .flag("enable", p.fw_enable)
        .flag("dhcp", p.fw_dhcp)
        .flag("ndp", p.fw_ndp)
        .flag("radv", p.fw_radv)
        .flag("macfilter", p.fw_macfilter)
        .flag("ipfilter", p.fw_ipfilter)
        .set("policy_in", &p.fw_policy_in)
        .set("policy_out", &p.fw_policy_out)
        .set("log_level_in", &p.fw_log_in)
        .set("log_level_out", &p.fw_log_out);
    let job = &*ctx.job;
    let (node, vmid) = (&job.vm.node, job.vm.vm_id);
    job.client.set_firewall_options(node, vmid, &form)?;
    if job.product.fw_antispoofing {
        sync_ipset(job)?;
    }
    Ok(Outcome::Done)
}

/// Adds the service's addresses to the anti-spoofing IPSet and removes
/// addresses it no longer has.
pub fn sync_ipset(job: &Job) -> Result<()> {
    let (node, vmid) = (&job.vm.node, job.vm.vm_id);
    if !job
        .client
        .ipset_names(node, vmid)?
        .iter()
        .any(|n| n == IPSET)
    {
        job.client.ipset_create(node, vmid, IPSET)?;
    }
    let present = job.client.ipset_entries(node, vmid, IPSET)?;
    let bare = |c: &str| c.split('/').next().unwrap_or(c).to_string();
    for ip in &job.ips {
        if !present.iter().any(|c| bare(c) == ip.address) {
            job.client.ipset_add(node, vmid, IPSET, &ip.address)?;
        }
    }
    for c in &present {
        if !job.ips.iter().any(|ip| ip.address == bare(c)) {
            job.client.ipset_remove(node, vmid, IPSET, c)?;
        }
    }
    Ok(())
}

/// The cloud-init network settings of the service's addresses.
pub fn ipconfig(job: &Job) -> Option<String> {
    let p = &job.product;
    let v4 = job.ips.iter().find(|i| !i.v6);
    let v6 = job.ips.iter().find(|i| i.v6);
    let mut parts = Vec::new();
    if p.dhcp_v4 {
        parts.push("ip=dhcp".to_string());
    } else if let Some(ip) = v4 {
        parts.push(format!("ip={}/{}", ip.address, ip.prefix));
        if !ip.gateway.is_empty() {
            parts.push(format!("gw={}", ip.gateway));
        }
    }
    if p.dhcp_v6 {
        parts.push("ip6=dhcp".to_string());
    } else if let Some(ip) = v6 {
        parts.push(format!("ip6={}/{}", ip.address, ip.prefix));
        if !ip.gateway.is_empty() {
            parts.push(format!("gw6={}", ip.gateway));
        }
    }
    (!parts.is_empty()).then(|| parts.join(","))
}

pub fn cloudinit(ctx: &mut Ctx) -> Result<Outcome> {
    let job = &*ctx.job;
    if job.password.is_empty() {
        return Err(Error::Internal(
            "cloud-init needs the service password, which this job does not carry".into(),
        ));
    }
    let p = &job.product;
    let mut form = Form::new()
        .set("ciuser", &job.os_username)
        .set("cipassword", &job.password);
    if let Some(ipc) = ipconfig(job) {
        form = form.set("ipconfig0", ipc);
    }
    let mut dns: Vec<&str> = Vec::new();
    for d in job
        .ips
        .iter()
        .flat_map(|i| i.dns.iter().map(String::as_str))
    {
        if !dns.contains(&d) {
            dns.push(d);
        }
    }
    if !dns.is_empty() {
        form = form.set("nameserver", dns.join(" "));
    }
    let domain = p.main_domain.trim().trim_start_matches('.');
    if !domain.is_empty() {
        form = form.set("searchdomain", domain);
    }
    job.client
        .set_vm_config(&job.vm.node, job.vm.vm_id, &form)?;
    Ok(Outcome::Done)
}

/// Starts the VM, unless the service is suspended (its VM stays off).
pub fn start(ctx: &mut Ctx) -> Result<Outcome> {
    if ctx.job.vm.suspended {
        return Ok(Outcome::Skipped(
            "service is suspended: the VM stays off".into(),
        ));
    }
    let job = &*ctx.job;
    if job.client.vm_status(&job.vm.node, job.vm.vm_id)? == "running" {
        return Ok(Outcome::Skipped("already running".into()));
    }
    let upid = job.client.start_vm(&job.vm.node, job.vm.vm_id)?;
    wait(job, &upid, job.heavy)?;
    Ok(Outcome::Done)
}

/// The module variables of the ready / upgrade emails.
pub fn email_vars(job: &Job) -> Value {
    let ips: Vec<&str> = job.ips.iter().map(|i| i.address.as_str()).collect();
    json!({"service_assigned_ips": ips.join(", "), "vm_id": job.vm.vm_id,
           "server_hostname": job.server_hostname})
}

/// The last step of change package, restore and reset password: the VM
/// runs (checked once per tick, "check n/5"), then `template` is queued for
/// sending. A suspended service's VM must be off instead; the email then
/// goes only when `email_when_suspended`.
pub fn verify_running(
    ctx: &mut Ctx,
    template: String,
    email_when_suspended: bool,
) -> Result<Outcome> {
    if ctx.job.vm.suspended {
        let out = verify_suspended_off(ctx)?;
        if email_when_suspended && !matches!(out, Outcome::Waiting(_)) && !template.is_empty() {
            let vars = email_vars(ctx.job);
            ctx.job.emails.push((template, vars));
        }
        return Ok(out);
    }
    let job = &mut *ctx.job;
    let st = job.client.vm_status(&job.vm.node, job.vm.vm_id)?;
    if st != "running" {
        let ticks = job.vm.verify_ticks + 1;
        record::set_verify_ticks(ctx.conn, job.vm.service_id, ticks)?;
        job.vm.verify_ticks = ticks;
        if ticks >= 5 {
            // As the deploy's Verify: an error an operator sees, still
            // checked every tick.
            return Err(Error::Config(format!(
                "VM {} is '{st}', not running, after {ticks} checks",
                job.vm.vm_id
            )));
        }
        return Ok(Outcome::Waiting(format!("VM is '{st}' (check {ticks}/5)")));
    }
    if !template.is_empty() {
        job.emails.push((template, email_vars(job)));
    }
    Ok(Outcome::Done)
}

/// After a suspended VM's deploy or change package: it must be off, and the
/// suspend is then complete.
pub fn verify_suspended_off(ctx: &mut Ctx) -> Result<Outcome> {
    match stop_windowed(ctx)? {
        Stopped::Off | Stopped::Gone => {
            record::set_power_done(ctx.conn, ctx.sid(), ctx.job.vm.suspended)?;
            Ok(Outcome::Skipped("service is suspended: VM is off".into()))
        }
        Stopped::StillRunning => Ok(Outcome::Waiting(
            "suspended service's VM is still running after the stop windows".into(),
        )),
    }
}
