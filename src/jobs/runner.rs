//! Process VMs: pick the VMs that are not ready, prepare them (PHP thread),
//! run them on worker threads, stream their lines.
//!
//! A worker claims a VM with a MySQL named lock held on its own connection
//! for as long as it works on the VM: a second cron runner (or web node)
//! cannot take it, and when a runner dies its connection closes and the
//! lock is gone, so the next tick resumes the VM at once.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Instant;

use mysql::prelude::Queryable;
use serde_json::json;

use super::deploy::{self, Outcome};
use super::{prepare, Job};
use crate::cron::Report;
use crate::db::{self, settings, DbConfig};
use crate::error::Result;
use crate::whmcs::host::send_email;
use crate::whmcs::Host;

const KEEP_RUNS: u32 = 50;

enum Msg {
    Line(String),
    Done(Finished),
}

struct Finished {
    service_id: u32,
    ok: bool,
    /// `result:success`, `result:waiting …` or the failed step's error.
    summary: String,
    ready_email: Option<(String, serde_json::Value)>,
}

/// The named lock that claims one VM (per WHMCS database).
pub fn vm_lock(db: &DbConfig, service_id: u32) -> String {
    format!("puqProxmoxKVM:{}:vm:{service_id}", db.name)
}

pub fn process_vms(db: &DbConfig, host: &dyn Host) -> Result<Report> {
    let mut conn = db::conn(db)?;
    let s = settings::load(&mut conn)?;
    let states: Vec<String> = deploy::STATES
        .iter()
        .filter(|s| **s != "ready")
        .map(|s| format!("'{s}'"))
        .collect();
    let candidates: Vec<u32> = conn.query(format!(
        "SELECT service_id FROM puqProxmoxKVM_vm_info WHERE vm_status IN ({}) ORDER BY service_id",
        states.join(",")
    ))?;
    // VMs another runner is working on right now are left alone.
    let mut ids = Vec::new();
    for sid in candidates {
        let free: Option<Option<i64>> =
            conn.exec_first("SELECT IS_FREE_LOCK(?)", (vm_lock(db, sid),))?;
        if free.flatten() == Some(1) {
            ids.push(sid);
        }
    }
    let mut errors = 0usize;
    let mut jobs = VecDeque::new();
    for sid in &ids {
        match prepare(db, host, &s, *sid) {
            Ok(j) => jobs.push_back(j),
            Err(e) => {
                errors += 1;
                host.output(&format!("--- Deploy: service={sid} cannot start: {e} ---"));
                conn.exec_drop(
                    "UPDATE puqProxmoxKVM_vm_info SET last_error = ? WHERE service_id = ?",
                    (e.to_string(), sid),
                )?;
            }
        }
    }
    let processed = ids.len();
    let workers = (s.cron_workers as usize).clamp(1, jobs.len().max(1));
    let prefix = workers > 1;
    let queue = Mutex::new(jobs);
    let (tx, rx) = mpsc::channel::<Msg>();
    let mut results = Vec::new();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let queue = &queue;
            scope.spawn(move || loop {
                let job = match queue.lock() {
                    Ok(mut q) => q.pop_front(),
                    Err(_) => None,
                };
                let Some(job) = job else { break };
                let sid = job.vm.service_id;
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run_deploy(db, job, &tx, prefix)
                }));
                let fin = r.unwrap_or(Finished {
                    service_id: sid,
                    ok: false,
                    summary: "internal error (panic); see the PHP error log".into(),
                    ready_email: None,
                });
                let _ = tx.send(Msg::Done(fin));
            });
        }
        drop(tx);
        // Only this (the PHP) thread prints and calls WHMCS.
        for m in rx {
            match m {
                Msg::Line(l) => host.output(&l),
                Msg::Done(f) => {
                    if let Some((tpl, vars)) = &f.ready_email {
                        if let Err(e) = send_email(host, tpl, f.service_id, vars) {
                            host.log_activity(
                                &format!(
                                    "PUQ Proxmox KVM: ready email for service {}: {e}",
                                    f.service_id
                                ),
                                0,
                            );
                        }
                    }
                    results.push(f);
                }
            }
        }
    });
    errors += results.iter().filter(|r| !r.ok).count();
    results.sort_by_key(|r| r.service_id);
    let details = results
        .iter()
        .map(|r| format!("sid:{} action:deploy {}", r.service_id, r.summary))
        .collect();
    Ok(Report {
        summary: format!("processed: {processed}, errors: {errors}"),
        details,
        errors,
    })
}

fn run_deploy(db: &DbConfig, job: Job, tx: &mpsc::Sender<Msg>, prefix: bool) -> Finished {
    let sid = job.vm.service_id;
    let say = |l: String| {
        let line = if prefix {
            format!("[sid:{sid}] {l}")
        } else {
            l
        };
        let _ = tx.send(Msg::Line(line));
    };
    let fail = |why: String| Finished {
        service_id: sid,
        ok: false,
        summary: why,
        ready_email: None,
    };
    let mut conn = match db::conn(db) {
        Ok(c) => c,
        Err(e) => {
            say(format!("--- Deploy: service={sid} cannot start: {e} ---"));
            return fail(e.to_string());
        }
    };
    let lock = vm_lock(db, sid);
    let got: Option<Option<i64>> = conn
        .exec_first("SELECT GET_LOCK(?, 0)", (&lock,))
        .unwrap_or(None);
    if got.flatten() != Some(1) {
        // Another runner took it between our check and now.
        return Finished {
            service_id: sid,
            ok: true,
            summary: "result:skipped (another runner is processing it)".into(),
            ready_email: None,
        };
    }
    let finished = deploy_locked(&mut conn, job, &say);
    let _: mysql::Result<Option<Option<i64>>> = conn.exec_first("SELECT RELEASE_LOCK(?)", (&lock,));
    finished
}

fn deploy_locked(conn: &mut mysql::PooledConn, mut job: Job, say: &dyn Fn(String)) -> Finished {
    let sid = job.vm.service_id;
    // The state may have moved since the job was prepared (another runner).
    match conn.exec_first::<String, _, _>(
        "SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?",
        (sid,),
    ) {
        Ok(Some(s)) => job.vm.vm_status = s,
        Ok(None) => {
            return Finished {
                service_id: sid,
                ok: true,
                summary: "result:skipped (VM record removed)".into(),
                ready_email: None,
            }
        }
        Err(e) => {
            return Finished {
                service_id: sid,
                ok: false,
                summary: e.to_string(),
                ready_email: None,
            }
        }
    }
    if !deploy::is_deploy_state(&job.vm.vm_status) {
        return Finished {
            service_id: sid,
            ok: true,
            summary: format!("result:skipped (status {})", job.vm.vm_status),
            ready_email: None,
        };
    }
    say(format!(
        "--- Deploy: service={sid} vm={} status={} ---",
        job.vm.vm_id, job.vm.vm_status
    ));
    let run_started = now_f();
    let mut steps = Vec::new();
    let mut state = job.vm.vm_status.clone();
    let mut ok = true;
    let mut run_error: Option<String> = None;
    let mut n = 0;
    while let Some(next) = deploy::next_state(&state) {
        n += 1;
        let name = deploy::step_name(&state);
        let t0 = Instant::now();
        let r = deploy::run_step(conn, &mut job, &state);
        let dur = t0.elapsed().as_secs_f64();
        match r {
            Ok(Outcome::Done) | Ok(Outcome::Skipped(_)) => {
                let note = match &r {
                    Ok(Outcome::Skipped(why)) => format!("skipped: {why}"),
                    _ => "success".to_string(),
                };
                let saved = conn.exec_drop(
                    "UPDATE puqProxmoxKVM_vm_info SET vm_status = ?, last_error = NULL, verify_ticks = 0 WHERE service_id = ? AND vm_status = ?",
                    (next, sid, &state),
                );
                if let Err(e) = saved {
                    run_error = Some(format!("saving state: {e}"));
                    ok = false;
                    say(format!(
                        "[-] {n:>2}. {name:<28} error: saving state failed ({e})"
                    ));
                    break;
                }
                say(format!(
                    "[+] {n:>2}. {name:<28} {note} ({state} -> {next}) [{dur:.2}s]"
                ));
                steps.push(json!({"n": n, "step": name, "result": note, "from": state, "to": next, "time": now_f(), "dur": dur}));
                state = next.to_string();
            }
            Ok(Outcome::Waiting(why)) => {
                say(format!("[~] {n:>2}. {name:<28} waiting: {why} [{dur:.2}s]"));
                steps.push(json!({"n": n, "step": name, "result": "waiting", "from": state, "to": state, "time": now_f(), "dur": dur, "error": why}));
                say(format!("--- Deploy paused: waiting at ({state}) ---"));
                run_error = Some(why);
                break;
            }
            Err(e) => {
                let msg = e.to_string();
                let _ = conn.exec_drop(
                    "UPDATE puqProxmoxKVM_vm_info SET last_error = ? WHERE service_id = ?",
                    (&msg, sid),
                );
                say(format!(
                    "[-] {n:>2}. {name:<28} {msg} ({state} -> {next}) [{dur:.2}s]"
                ));
                steps.push(json!({"n": n, "step": name, "result": "error", "from": state, "to": state, "time": now_f(), "dur": dur, "error": msg}));
                say(format!("--- Deploy paused: waiting at ({state}) ---"));
                run_error = Some(format!("{msg} ({state} -> {next}) [{dur:.2}s]"));
                ok = false;
                break;
            }
        }
    }
    let ready = state == "ready";
    if ready {
        say(format!(
            "--- Deploy complete: service={sid} status=ready ---"
        ));
    }
    let result = if ready {
        "success"
    } else if ok {
        "waiting"
    } else {
        "error"
    };
    let _ = record_run(conn, sid, result, run_started, run_error.as_deref(), &steps);
    let ready_email = (ready && job.send_ready_email && !job.product.email_ready.is_empty()).then(|| {
        let ips: Vec<&str> = job.ips.iter().map(|i| i.address.as_str()).collect();
        (
            job.product.email_ready.clone(),
            json!({"service_assigned_ips": ips.join(", "), "vm_id": job.vm.vm_id, "server_hostname": job.server_hostname}),
        )
    });
    let summary = match (&run_error, ready) {
        (_, true) => "result:success".to_string(),
        (Some(e), false) => e.clone(),
        (None, false) => "result:waiting".to_string(),
    };
    Finished {
        service_id: sid,
        ok,
        summary,
        ready_email,
    }
}

fn now_f() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn record_run(
    conn: &mut mysql::PooledConn,
    sid: u32,
    result: &str,
    started: f64,
    error: Option<&str>,
    steps: &[serde_json::Value],
) -> Result<()> {
    conn.exec_drop(
        "INSERT INTO puqProxmoxKVM_vm_runs (service_id, action, result, started_at, finished_at, error, steps) VALUES (?, 'deploy', ?, ?, ?, ?, ?)",
        (sid, result, started, now_f(), error, serde_json::Value::Array(steps.to_vec()).to_string()),
    )?;
    // Keep the last 50 runs per VM.
    conn.exec_drop(
        "DELETE FROM puqProxmoxKVM_vm_runs WHERE service_id = ? AND id < (
            SELECT id FROM (SELECT id FROM puqProxmoxKVM_vm_runs WHERE service_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?) t)",
        (sid, sid, KEEP_RUNS - 1),
    )?;
    Ok(())
}
