//! The deploy state machine: creation → set_ip → clone → set_dns → migrated
//! → set_cpu_ram → set_system_disk_size → set_system_disk_bandwidth →
//! set_created_additional_disk → set_additional_disk_size →
//! set_additional_disk_bandwidth → set_network → set_firewall →
//! set_cloudinit → starting → ready.
//!
//! A state is the last completed step. Each step does one small piece of
//! Proxmox work and is idempotent against a crash between "Proxmox did it"
//! and "we saved it": the clone step records the task's UPID before
//! waiting, and on a retry it finds its own VM instead of cloning again.
//! Runs on worker threads: no Zend calls here; effects that need WHMCS
//! (emails) are returned to the PHP thread.

use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::PooledConn;

use super::vmconf::{self, Nic};
use super::Job;
use crate::error::{Error, Result};
use crate::pve::api::VmConfig;
use crate::pve::{Form, PveError};

pub const STATES: &[&str] = &[
    "creation",
    "set_ip",
    "clone",
    "set_dns",
    "migrated",
    "set_cpu_ram",
    "set_system_disk_size",
    "set_system_disk_bandwidth",
    "set_created_additional_disk",
    "set_additional_disk_size",
    "set_additional_disk_bandwidth",
    "set_network",
    "set_firewall",
    "set_cloudinit",
    "starting",
    "ready",
];

/// The human name of the step that leaves `state` (the spec's cron lines).
pub fn step_name(state: &str) -> &'static str {
    match state {
        "creation" => "Allocate IP",
        "set_ip" => "Clone VM",
        "clone" => "Configure DNS records",
        "set_dns" => "Migrate to target node",
        "migrated" => "Set CPU & RAM",
        "set_cpu_ram" => "Resize system disk",
        "set_system_disk_size" => "Set system disk I/O",
        "set_system_disk_bandwidth" => "Create additional disk",
        "set_created_additional_disk" => "Resize additional disk",
        "set_additional_disk_size" => "Set additional disk I/O",
        "set_additional_disk_bandwidth" => "Configure network",
        "set_network" => "Configure firewall",
        "set_firewall" => "Configure cloud-init",
        "set_cloudinit" => "Start VM",
        "starting" => "Verify running + Email",
        _ => "?",
    }
}

pub fn next_state(state: &str) -> Option<&'static str> {
    let i = STATES.iter().position(|s| *s == state)?;
    STATES.get(i + 1).copied()
}

pub fn is_deploy_state(s: &str) -> bool {
    s != "ready" && STATES.contains(&s)
}

/// What one step did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Nothing to do for this service (e.g. no additional disk).
    Skipped(String),
    /// Not finished yet; try again next tick without an error.
    Waiting(String),
}

/// Verify running waits at most this many cron ticks.
const VERIFY_TICKS: u32 = 5;

fn wait(job: &Job, upid: &str, deadline: Duration) -> Result<()> {
    job.client.wait_task(upid, deadline, job.poll)?;
    Ok(())
}

fn save_task(conn: &mut PooledConn, job: &Job, upid: &str) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET task_upid = ?, task_started = UNIX_TIMESTAMP() WHERE service_id = ?",
        (upid, job.vm.service_id),
    )?;
    Ok(())
}

fn clear_task(conn: &mut PooledConn, job: &Job) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET task_upid = '', task_started = 0 WHERE service_id = ?",
        (job.vm.service_id,),
    )?;
    Ok(())
}

fn set_node(conn: &mut PooledConn, job: &mut Job, node: &str) -> Result<()> {
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET node = ? WHERE service_id = ?",
        (node, job.vm.service_id),
    )?;
    job.vm.node = node.to_string();
    Ok(())
}

/// Runs the step that leaves `state`. Any step may change the VM, so the
/// cached config is dropped after each.
pub fn run_step(conn: &mut PooledConn, job: &mut Job, state: &str) -> Result<Outcome> {
    let r = match step(conn, job, state) {
        // A long task (a big full clone) outlasting the Heavy Operations
        // Timeout is not a failure: the next run picks it up again (the
        // clone by its recorded UPID, the other steps by checking what is done).
        Err(Error::Pve(PveError::TaskTimeout { upid })) => Ok(Outcome::Waiting(format!(
            "task {upid} is still running; resuming next run"
        ))),
        other => other,
    };
    if !matches!(r, Ok(Outcome::Skipped(_))) {
        job.config = None;
    }
    r
}

fn step(conn: &mut PooledConn, job: &mut Job, state: &str) -> Result<Outcome> {
    match state {
        "creation" => allocate_ip(conn, job),
        "set_ip" => clone(conn, job),
        "clone" => Ok(Outcome::Skipped("no DNS zones configured".into())),
        "set_dns" => migrate(conn, job),
        "migrated" => cpu_ram(job),
        "set_cpu_ram" => resize(job, true),
        "set_system_disk_size" => disk_io(job, true),
        "set_system_disk_bandwidth" => create_additional(job),
        "set_created_additional_disk" => resize(job, false),
        "set_additional_disk_size" => disk_io(job, false),
        "set_additional_disk_bandwidth" => network(job),
        "set_network" => firewall(job),
        "set_firewall" => cloudinit(job),
        "set_cloudinit" => start(job),
        "starting" => verify(conn, job),
        other => Err(Error::Internal(format!(
            "no deploy step leaves state '{other}'"
        ))),
    }
}

fn allocate_ip(conn: &mut PooledConn, job: &mut Job) -> Result<Outcome> {
    let ips = super::ips::allocate(conn, job)?;
    job.ips = ips;
    Ok(Outcome::Done)
}

fn clone(conn: &mut PooledConn, job: &mut Job) -> Result<Outcome> {
    let vms = job.client.cluster_vms(crate::pve::Weight::Heavy)?;
    // Idempotence: the VM may exist already (a crash after the clone started).
    let mut existing = vms.iter().find(|v| v.vmid == job.vm.vm_id).cloned();
    if existing
        .as_ref()
        .is_some_and(|vm| vm.name.as_deref() != Some(job.vm.vm_name.as_str()))
        && job.vm.task_upid.is_empty()
    {
        // Someone else created a VM with our reserved VMID after the order
        // was accepted: move this service to the next free VMID.
        let taken: std::collections::HashSet<u32> = vms.iter().map(|v| v.vmid).collect();
        let sid = job.vm.service_id;
        job.vm.vm_id =
            super::vmid::claim(conn, job.vm.server_id, job.vm.vm_id, &taken, |conn, id| {
                conn.exec_drop(
                    "UPDATE puqProxmoxKVM_vm_info SET vm_id = ? WHERE service_id = ?",
                    (id, sid),
                )
            })?;
        existing = None;
    }
    let vmid = job.vm.vm_id;
    if let Some(vm) = existing {
        if vm.name.as_deref() != Some(job.vm.vm_name.as_str()) {
            return Err(Error::Config(format!(
                "VMID {vmid} is taken in Proxmox by '{}', not by this service's VM '{}'",
                vm.name.unwrap_or_default(),
                job.vm.vm_name
            )));
        }
        set_node(conn, job, &vm.node)?;
        if !job.vm.task_upid.is_empty() {
            wait(job, &job.vm.task_upid.clone(), job.heavy)?;
        }
        // A clone in progress holds lock=clone until its task ends.
        let start = Instant::now();
        loop {
            let cfg = job.client.vm_config(&vm.node, vmid)?;
            if !cfg.contains_key("lock") {
                break;
            }
            if start.elapsed() > job.heavy {
                return Ok(Outcome::Waiting(format!(
                    "VM {vmid} is still locked ({})",
                    cfg["lock"]
                )));
            }
            std::thread::sleep(job.poll);
        }
        clear_task(conn, job)?;
        return Ok(Outcome::Done);
    }
    let tpl_node = job.vm.template_node.clone();
    let mut form = Form::new()
        .set("newid", vmid)
        .set("name", &job.vm.vm_name)
        .set(
            "description",
            format!("WHMCS service {}", job.vm.service_id),
        );
    if job.product.clone_type == "full" {
        form = form.flag("full", true);
        if !job.product.sys_storage.is_empty() {
            form = form.set("storage", &job.product.sys_storage);
        }
    }
    let upid = job.client.clone_vm(&tpl_node, job.template, &form)?;
    // Recorded before waiting: a crash now must not clone twice.
    save_task(conn, job, &upid)?;
    set_node(conn, job, &tpl_node)?;
    wait(job, &upid, job.heavy)?;
    clear_task(conn, job)?;
    Ok(Outcome::Done)
}

/// The target node: the product's, or the node with the most free RAM that
/// has the needed storage.
fn target_node(job: &Job) -> Result<Option<String>> {
    if !job.product.node.is_empty() {
        return Ok(Some(job.product.node.clone()));
    }
    let nodes = job.client.nodes()?;
    let mut best: Option<(u64, String)> = None;
    for n in nodes
        .iter()
        .filter(|n| n.status.is_empty() || n.status == "online")
    {
        if !job.product.sys_storage.is_empty() {
            let has = job.client.node_storages(&n.node)?.iter().any(|s| {
                s.get("storage").and_then(|v| v.as_str()) == Some(job.product.sys_storage.as_str())
            });
            if !has {
                continue;
            }
        }
        let free = n.maxmem.saturating_sub(n.mem);
        if best.as_ref().is_none_or(|(f, _)| free > *f) {
            best = Some((free, n.node.clone()));
        }
    }
    Ok(best.map(|(_, n)| n))
}

fn migrate(conn: &mut PooledConn, job: &mut Job) -> Result<Outcome> {
    if !job.settings.migration_enabled {
        return Ok(Outcome::Skipped("post-clone migration is disabled".into()));
    }
    let deadline = Duration::from_secs(u64::from(job.settings.migration_timeout));
    if !job.vm.task_upid.is_empty() {
        // A migration from an earlier tick: keep polling it.
        return finish_migration(conn, job, deadline);
    }
    let Some(target) = target_node(job)? else {
        return Ok(Outcome::Skipped(
            "no node with the needed storage; the VM stays on the template node".into(),
        ));
    };
    if target == job.vm.node {
        return Ok(Outcome::Skipped(format!("already on {target}")));
    }
    let mut form = Form::new().set("target", &target);
    if !job.product.sys_storage.is_empty() {
        form = form.set("targetstorage", &job.product.sys_storage);
    }
    let upid = job.client.migrate_vm(&job.vm.node, job.vm.vm_id, &form)?;
    save_task(conn, job, &upid)?;
    finish_migration(conn, job, deadline)
}

fn finish_migration(conn: &mut PooledConn, job: &mut Job, deadline: Duration) -> Result<Outcome> {
    let upid = job.vm.task_upid.clone();
    let upid = if upid.is_empty() {
        conn.exec_first::<String, _, _>(
            "SELECT task_upid FROM puqProxmoxKVM_vm_info WHERE service_id = ?",
            (job.vm.service_id,),
        )?
        .unwrap_or_default()
    } else {
        upid
    };
    match job.client.wait_task(&upid, deadline, job.poll) {
        Ok(()) => {}
        Err(PveError::TaskTimeout { .. }) => {
            return Ok(Outcome::Waiting(format!(
                "migration still running after {}s; resuming next run",
                deadline.as_secs()
            )))
        }
        Err(e) => {
            clear_task(conn, job)?;
            return Err(e.into());
        }
    }
    clear_task(conn, job)?;
    let node = job
        .client
        .cluster_vms(crate::pve::Weight::Heavy)?
        .into_iter()
        .find(|v| v.vmid == job.vm.vm_id)
        .map(|v| v.node)
        .ok_or_else(|| Error::Config(format!("VM {} vanished after migration", job.vm.vm_id)))?;
    set_node(conn, job, &node)?;
    Ok(Outcome::Done)
}

fn cpu_ram(job: &mut Job) -> Result<Outcome> {
    let form = Form::new()
        .set("cores", job.eff.cpu)
        .set("sockets", 1)
        .set("memory", job.eff.ram_gb * 1024);
    job.client
        .set_vm_config(&job.vm.node, job.vm.vm_id, &form)?;
    Ok(Outcome::Done)
}

/// The VM's config, read once per run and re-read only after a change.
fn config(job: &mut Job) -> Result<VmConfig> {
    if let Some(c) = &job.config {
        return Ok(c.clone());
    }
    let c = job.client.vm_config(&job.vm.node, job.vm.vm_id)?;
    job.config = Some(c.clone());
    Ok(c)
}

fn system_disk(job: &mut Job) -> Result<(String, String)> {
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
fn additional_disk(job: &mut Job) -> Result<Option<(String, String)>> {
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

fn resize(job: &mut Job, system: bool) -> Result<Outcome> {
    let spec = if system {
        job.eff.system_disk.clone()
    } else {
        job.eff.additional_disk.clone()
    };
    if spec.size_gb == 0 {
        return Ok(Outcome::Skipped("size 0: keep as is".into()));
    }
    let (key, value) = if system {
        system_disk(job)?
    } else {
        match additional_disk(job)? {
            Some(d) => d,
            None => return Ok(Outcome::Skipped("no additional disk".into())),
        }
    };
    let current = vmconf::size_gb(&value).unwrap_or(0.0);
    if current >= spec.size_gb as f64 {
        return Ok(Outcome::Skipped(format!("already {current}G")));
    }
    let upid = job.client.resize_disk(
        &job.vm.node,
        job.vm.vm_id,
        &key,
        &format!("{}G", spec.size_gb),
    )?;
    wait(job, &upid, job.heavy)?;
    Ok(Outcome::Done)
}

fn disk_io(job: &mut Job, system: bool) -> Result<Outcome> {
    let spec = if system {
        job.eff.system_disk.clone()
    } else {
        job.eff.additional_disk.clone()
    };
    if !spec.has_limits() {
        return Ok(Outcome::Skipped("no I/O limits".into()));
    }
    let disk = if system {
        Some(system_disk(job)?)
    } else {
        additional_disk(job)?
    };
    let Some((key, value)) = disk else {
        return Ok(Outcome::Skipped("no additional disk".into()));
    };
    let line = vmconf::with_limits(
        &value,
        spec.mbps_rd,
        spec.mbps_wr,
        spec.iops_rd,
        spec.iops_wr,
    );
    job.client
        .set_vm_config(&job.vm.node, job.vm.vm_id, &Form::new().set(&key, line))?;
    Ok(Outcome::Done)
}

fn create_additional(job: &mut Job) -> Result<Outcome> {
    let size = job.eff.additional_disk.size_gb;
    if size == 0 {
        return Ok(Outcome::Skipped("no additional disk configured".into()));
    }
    if additional_disk(job)?.is_some() {
        return Ok(Outcome::Skipped("additional disk exists".into()));
    }
    let cfg = config(job)?;
    let sys = vmconf::system_disk(&cfg).ok_or_else(|| {
        Error::Config(format!(
            "VM {} has no system disk in its config",
            job.vm.vm_id
        ))
    })?;
    let sys_value = cfg.get(&sys).cloned().unwrap_or_default();
    let storage = if job.product.add_storage.is_empty() {
        vmconf::storage_of(&sys_value).to_string()
    } else {
        job.product.add_storage.clone()
    };
    let slot = vmconf::free_slot(&cfg, vmconf::bus_of(&sys)).ok_or_else(|| {
        Error::Config(format!(
            "no free {} slot for the additional disk",
            vmconf::bus_of(&sys)
        ))
    })?;
    let line = format!("{storage}:{size},format={}", vmconf::format_of(&sys_value));
    let upid = job.client.set_vm_config_async(
        &job.vm.node,
        job.vm.vm_id,
        &Form::new().set(&slot, line),
    )?;
    wait(job, &upid, job.heavy)?;
    Ok(Outcome::Done)
}

fn network(job: &mut Job) -> Result<Outcome> {
    let cfg = config(job)?;
    let existing = cfg.get("net0").cloned().unwrap_or_default();
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
    job.client
        .set_vm_config(&job.vm.node, job.vm.vm_id, &Form::new().set("net0", line))?;
    Ok(Outcome::Done)
}

fn firewall(job: &mut Job) -> Result<Outcome> {
    if job.product.dhcp_v4 || job.product.dhcp_v6 {
        return Ok(Outcome::Skipped(
            "DHCP is on: no firewall rules or anti-spoofing without a known IP".into(),
        ));
    }
    let p = &job.product;
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
    let (node, vmid) = (&job.vm.node, job.vm.vm_id);
    job.client.set_firewall_options(node, vmid, &form)?;
    if p.fw_antispoofing {
        const SET: &str = "ipfilter-net0";
        if !job.client.ipset_names(node, vmid)?.iter().any(|n| n == SET) {
            job.client.ipset_create(node, vmid, SET)?;
        }
        let present = job.client.ipset_entries(node, vmid, SET)?;
        for ip in &job.ips {
            if !present
                .iter()
                .any(|c| c == &ip.address || c.split('/').next() == Some(ip.address.as_str()))
            {
                job.client.ipset_add(node, vmid, SET, &ip.address)?;
            }
        }
    }
    Ok(Outcome::Done)
}

fn cloudinit(job: &mut Job) -> Result<Outcome> {
    let p = &job.product;
    let v4 = job.ips.iter().find(|i| !i.v6);
    let v6 = job.ips.iter().find(|i| i.v6);
    let mut ipconfig = Vec::new();
    if p.dhcp_v4 {
        ipconfig.push("ip=dhcp".to_string());
    } else if let Some(ip) = v4 {
        ipconfig.push(format!("ip={}/{}", ip.address, ip.prefix));
        if !ip.gateway.is_empty() {
            ipconfig.push(format!("gw={}", ip.gateway));
        }
    }
    if p.dhcp_v6 {
        ipconfig.push("ip6=dhcp".to_string());
    } else if let Some(ip) = v6 {
        ipconfig.push(format!("ip6={}/{}", ip.address, ip.prefix));
        if !ip.gateway.is_empty() {
            ipconfig.push(format!("gw6={}", ip.gateway));
        }
    }
    let mut form = Form::new()
        .set("ciuser", &job.os_username)
        .set("cipassword", &job.password);
    if !ipconfig.is_empty() {
        form = form.set("ipconfig0", ipconfig.join(","));
    }
    let dns: Vec<&str> = job
        .ips
        .iter()
        .flat_map(|i| i.dns.iter().map(String::as_str))
        .collect();
    if !dns.is_empty() {
        let mut uniq: Vec<&str> = Vec::new();
        for d in dns {
            if !uniq.contains(&d) {
                uniq.push(d);
            }
        }
        form = form.set("nameserver", uniq.join(" "));
    }
    let domain = p.main_domain.trim().trim_start_matches('.');
    if !domain.is_empty() {
        form = form.set("searchdomain", domain);
    }
    job.client
        .set_vm_config(&job.vm.node, job.vm.vm_id, &form)?;
    Ok(Outcome::Done)
}

fn start(job: &mut Job) -> Result<Outcome> {
    if job.client.vm_status(&job.vm.node, job.vm.vm_id)? == "running" {
        return Ok(Outcome::Skipped("already running".into()));
    }
    let upid = job.client.vm_action(&job.vm.node, job.vm.vm_id, "start")?;
    wait(job, &upid, job.heavy)?;
    Ok(Outcome::Done)
}

fn verify(conn: &mut PooledConn, job: &mut Job) -> Result<Outcome> {
    let status = job.client.vm_status(&job.vm.node, job.vm.vm_id)?;
    if status == "running" {
        job.send_ready_email = true;
        return Ok(Outcome::Done);
    }
    let ticks = job.vm.verify_ticks + 1;
    conn.exec_drop(
        "UPDATE puqProxmoxKVM_vm_info SET verify_ticks = ? WHERE service_id = ?",
        (ticks, job.vm.service_id),
    )?;
    job.vm.verify_ticks = ticks;
    if ticks >= VERIFY_TICKS {
        return Err(Error::Config(format!(
            "VM {} is '{status}', not running, after {ticks} checks",
            job.vm.vm_id
        )));
    }
    Ok(Outcome::Waiting(format!(
        "VM is '{status}' (check {ticks}/{VERIFY_TICKS})"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipeline_order_and_names() {
        assert_eq!(STATES.len(), 16);
        assert_eq!(next_state("creation"), Some("set_ip"));
        assert_eq!(next_state("set_cloudinit"), Some("starting"));
        assert_eq!(next_state("starting"), Some("ready"));
        assert_eq!(next_state("ready"), None);
        assert!(
            is_deploy_state("clone") && !is_deploy_state("ready") && !is_deploy_state("terminate")
        );
        assert_eq!(step_name("set_cpu_ram"), "Resize system disk");
        assert_eq!(step_name("starting"), "Verify running + Email");
    }
}
