//! The admin module commands (AdminCustomButtonArray). Each returns
//! 'success' or a clear error within the Default Timeout: quick Proxmox
//! changes run here, on the VM's lease, with the same step functions the
//! machines use; anything longer (clone, removal, DNS resync, reinstall,
//! redeploy) is queued to the cron.

use std::time::Duration;

use mysql::prelude::Queryable;
use serde_json::{json, Value};

use crate::db::{self, settings, DbConfig};
use crate::error::{Error, Result};
use crate::jobs::machine::{Ctx, Outcome, StepFn};
use crate::jobs::{self, common, deploy, record, runner};
use crate::whmcs::{Host, ServiceParams};

/// (button label, function suffix) — `puqProxmoxKVM_<suffix>($params)`.
pub const BUTTONS: &[(&str, &str)] = &[
    ("Start", "Start"),
    ("Stop", "Stop"),
    ("Reboot", "Reboot"),
    ("Reinstall", "Reinstall"),
    ("VMSetDedicatedIp", "VMSetDedicatedIp"),
    ("VMClone", "VMClone"),
    ("Set CPU RAM", "SetCpuRam"),
    ("Set System Disk Size", "SetSystemDiskSize"),
    ("Set System Disk Bandwidth", "SetSystemDiskBandwidth"),
    ("Set Created Additional Disk", "SetCreatedAdditionalDisk"),
    ("Set Additional Disk Size", "SetAdditionalDiskSize"),
    (
        "Set Additional Disk Bandwidth",
        "SetAdditionalDiskBandwidth",
    ),
    ("Set Network", "SetNetwork"),
    ("Set Firewall", "SetFirewall"),
    ("SetCloudinit", "SetCloudinit"),
    ("VMRemove", "VMRemove"),
    ("Set DNS records", "SetDNSRecords"),
    ("Redeploy", "Redeploy"),
];

pub fn button_array() -> Value {
    let mut m = serde_json::Map::new();
    for (label, f) in BUTTONS {
        m.insert((*label).to_string(), json!(f));
    }
    Value::Object(m)
}

/// The step a per-step command runs, and whether it needs the password.
fn step_of(command: &str) -> Option<(StepFn, bool)> {
    Some(match command {
        "SetCpuRam" => (common::cpu_ram as StepFn, false),
        "SetSystemDiskSize" => (|c: &mut Ctx| common::resize(c, true), false),
        "SetSystemDiskBandwidth" => (|c: &mut Ctx| common::disk_io(c, true), false),
        "SetCreatedAdditionalDisk" => (common::create_additional as StepFn, false),
        "SetAdditionalDiskSize" => (|c: &mut Ctx| common::resize(c, false), false),
        "SetAdditionalDiskBandwidth" => (|c: &mut Ctx| common::disk_io(c, false), false),
        "SetNetwork" => (common::network as StepFn, false),
        "SetFirewall" => (common::firewall as StepFn, false),
        "SetCloudinit" => (common::cloudinit as StepFn, true),
        _ => return None,
    })
}

pub fn run(db: &DbConfig, host: &dyn Host, command: &str, p: &ServiceParams) -> Result<()> {
    let sid = p.service_id;
    match command {
        "Reinstall" => return super::lifecycle::reinstall(db, host, sid, 0),
        "Redeploy" => {
            return super::lifecycle::redeploy(
                db,
                host,
                sid,
                super::lifecycle::RedeployFrom::ServicePage,
            )
            .map(|_| ())
        }
        "VMRemove" => return queue(db, host, sid, "vm_remove", command),
        "SetDNSRecords" => return queue(db, host, sid, "set_dns_records", command),
        "VMClone" => return vm_clone(db, host, sid),
        "VMSetDedicatedIp" => {
            let mut conn = db::conn(db)?;
            record::require(&mut conn, sid)?;
            let ips = jobs::ips::allocate_for_params(&mut conn, p)?;
            log(
                host,
                command,
                sid,
                json!({"addresses": ips.iter().map(|i| &i.address).collect::<Vec<_>>()}),
            );
            return Ok(());
        }
        _ => {}
    }
    let power = matches!(command, "Start" | "Stop" | "Reboot");
    let step = step_of(command);
    if !power && step.is_none() {
        return Err(Error::input(
            "command",
            format!(
                "unknown module command '{}'",
                crate::util::one_line(command, 40)
            ),
        ));
    }
    let mut conn = db::conn(db)?;
    let s = settings::load(&mut conn)?;
    let vm = record::require(&mut conn, sid)?;
    if matches!(
        vm.vm_status.as_str(),
        "terminate" | "error_terminate" | "remove" | "vm_remove"
    ) {
        return Err(Error::Config(format!(
            "the VM is terminated or being removed (status {})",
            vm.vm_status
        )));
    }
    let needs_password = step.is_some_and(|(_, pw)| pw);
    let mut job = jobs::prepare_with(db, host, &s, sid, Some(needs_password))?;
    job.heavy = Duration::from_secs(u64::from(s.default_timeout));
    // The VM's lease: never fight a cron worker on the same VM.
    let lock = runner::vm_lock(db, sid);
    let got: Option<Option<i64>> = conn.exec_first("SELECT GET_LOCK(?, 0)", (&lock,))?;
    if got.flatten() != Some(1) {
        return Err(Error::Config(
            "the cron is working on this VM right now; try again in a minute".into(),
        ));
    }
    let lines = std::cell::RefCell::new(Vec::new());
    let say = |l: String| lines.borrow_mut().push(l);
    let r = (|| -> Result<String> {
        let mut ctx = Ctx {
            conn: &mut conn,
            job: &mut job,
            say: &say,
        };
        if common::our_vm(&mut ctx)?.is_none() {
            return Err(Error::Config(format!(
                "VM {} does not exist on Proxmox",
                ctx.job.vm.vm_id
            )));
        }
        if power {
            return power_command(&mut ctx, command);
        }
        let (f, _) = step.ok_or_else(|| Error::Internal("no step".into()))?;
        match f(&mut ctx) {
            Ok(Outcome::Done) => Ok("done".into()),
            Ok(Outcome::Skipped(why)) => Ok(format!("nothing to do: {why}")),
            Ok(Outcome::Waiting(why)) => Ok(format!("continues in Proxmox: {why}")),
            Ok(Outcome::Divert(_, why)) => Err(Error::Config(why)),
            Err(Error::Pve(crate::pve::PveError::TaskTimeout { upid })) => {
                Ok(format!("task {upid} continues in Proxmox"))
            }
            Err(e) => Err(e),
        }
    })();
    let _: Option<Option<i64>> = conn.exec_first("SELECT RELEASE_LOCK(?)", (&lock,))?;
    // The steps' own entries (a refused disk shrink).
    for (action, request, response) in std::mem::take(&mut job.module_logs) {
        host.log_module_call(&action, &request, &response, "", &[]);
    }
    let note = r?;
    log(
        host,
        command,
        sid,
        json!({"result": note, "lines": lines.into_inner()}),
    );
    Ok(())
}

fn power_command(ctx: &mut Ctx, command: &str) -> Result<String> {
    let job = &*ctx.job;
    let (node, vmid) = (job.vm.node.clone(), job.vm.vm_id);
    let status = job.client.vm_status(&node, vmid)?;
    let upid = match command {
        "Start" => {
            if job.vm.suspended {
                return Err(Error::Config(
                    "the service is suspended: unsuspend it to start the VM".into(),
                ));
            }
            if status == "running" {
                return Ok("already running".into());
            }
            job.client.start_vm(&node, vmid)?
        }
        "Stop" => {
            if status == "stopped" {
                return Ok("already stopped".into());
            }
            job.client
                .stop_vm(&node, vmid, job.settings.force_stop_timeout)?
        }
        _ => {
            if status != "running" {
                return Err(Error::Config(format!(
                    "the VM is {status}: only a running VM can be rebooted"
                )));
            }
            job.client.reboot_vm(&node, vmid)?
        }
    };
    match job.client.wait_task(&upid, job.heavy, job.poll) {
        Ok(()) => Ok("done".into()),
        Err(crate::pve::PveError::TaskTimeout { .. }) => {
            Ok(format!("task {upid} continues in Proxmox"))
        }
        Err(e) => Err(e.into()),
    }
}

/// Queues a cron machine from `ready`.
fn queue(db: &DbConfig, host: &dyn Host, sid: u32, state: &str, command: &str) -> Result<()> {
    let mut conn = db::conn(db)?;
    let vm = record::require(&mut conn, sid)?;
    if vm.vm_status == state {
        return Ok(());
    }
    // VMRemove may also remove the VM of a failed deploy (any deploy state).
    let deploy_states: Vec<&str>;
    let allowed: &[&str] = if state == "vm_remove" {
        deploy_states = crate::jobs::deploy::DEPLOY.states().collect();
        &deploy_states
    } else {
        &["ready"]
    };
    let (cur, moved) = record::set_status_from(&mut conn, sid, state, allowed)?;
    if !moved {
        return Err(Error::Config(format!(
            "{command} is refused while the VM is in status '{cur}': wait until it is ready"
        )));
    }
    log(host, command, sid, json!({"queued": state, "from": cur}));
    Ok(())
}

/// VMClone: the clone is the deploy's own step, run by the cron; this
/// queues it when the service has no VM in Proxmox.
fn vm_clone(db: &DbConfig, host: &dyn Host, sid: u32) -> Result<()> {
    let mut conn = db::conn(db)?;
    let vm = record::require(&mut conn, sid)?;
    match vm.vm_status.as_str() {
        "set_ip" => return Ok(()),
        "creation" => {
            return Err(Error::Config(
                "no IP addresses yet: run VMSetDedicatedIp first (or let the cron allocate them)"
                    .into(),
            ))
        }
        s if deploy::is_deploy_state(s) || s == "ready" || s == "remove" => {}
        s => {
            return Err(Error::Config(format!(
                "VMClone is refused while the VM is in status '{s}'"
            )))
        }
    }
    if vm.vm_status != "remove" {
        return Err(Error::Config(format!(
            "VM {} already exists; use Reinstall or Redeploy to replace it",
            vm.vm_id
        )));
    }
    let (_, moved) = record::set_status_from(&mut conn, sid, "set_ip", &["remove"])?;
    if !moved {
        return Err(Error::Config(
            "the VM's status changed meanwhile; try again".into(),
        ));
    }
    log(host, "VMClone", sid, json!({"queued": "set_ip"}));
    Ok(())
}

fn log(host: &dyn Host, action: &str, service_id: u32, response: Value) {
    host.log_module_call(
        action,
        &json!({"serviceid": service_id}).to_string(),
        &response.to_string(),
        "",
        &[],
    );
}
