//! Process VMs: pick the VMs some machine has work for, prepare them (PHP
//! thread), run their machines on worker threads, stream their lines.
//!
//! A worker claims a VM with a MySQL named lock held on its own connection
//! for as long as it works on the VM: a second cron runner (or web node)
//! cannot take it, and when a runner dies its connection closes and the
//! lock is gone, so the next tick resumes the VM at once.
//!
//! In one pass a VM goes through every machine its states chain into
//! (reinstall → deploy; deploy → a pending change package).

use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::Mutex;

use mysql::prelude::Queryable;

use super::machine::{self, Ended};
use super::{prepare, record, Job};
use crate::cron::Report;
use crate::db::{self, settings, DbConfig};
use crate::email::outbox;
use crate::error::Result;
use crate::whmcs::Host;

/// Machines one VM may pass through in one run.
const MAX_CHAIN: usize = 4;

enum Msg {
    Line(String),
    Done(Finished),
}

struct Finished {
    service_id: u32,
    /// One `(action, ok, summary)` per machine run.
    runs: Vec<(&'static str, bool, String)>,
    /// `Job::module_logs`, and the strings WHMCS must mask in them.
    module_logs: Vec<(String, String, String)>,
    secrets: Vec<String>,
}

/// The named lock that claims one VM (per WHMCS database).
pub fn vm_lock(db: &DbConfig, service_id: u32) -> String {
    format!("puqProxmoxKVM:{}:vm:{service_id}", db.name)
}

pub fn process_vms(db: &DbConfig, host: &dyn Host) -> Result<Report> {
    let mut conn = db::conn(db)?;
    let s = settings::load(&mut conn)?;
    let candidates = record::candidates(&mut conn, &machine::active_states())?;
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
                host.output(&format!("--- service={sid} cannot start: {e} ---"));
                record::set_error(&mut conn, *sid, Some(&e.to_string()))?;
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
                    run_job(db, job, &tx, prefix)
                }));
                let fin = r.unwrap_or(Finished {
                    service_id: sid,
                    runs: vec![(
                        "process",
                        false,
                        "internal error (panic); see the PHP error log".into(),
                    )],
                    module_logs: Vec::new(),
                    secrets: Vec::new(),
                });
                let _ = tx.send(Msg::Done(fin));
            });
        }
        drop(tx);
        // Only this (the PHP) thread prints and calls WHMCS.
        for m in rx {
            // The workers' API calls, for the Module Debug Log.
            crate::whmcs::debuglog::hand_over(host);
            match m {
                Msg::Line(l) => host.output(&l),
                Msg::Done(f) => {
                    // Its emails (in the outbox since its state changed).
                    if let Err(e) = outbox::send_due(&mut conn, host, &db.name, Some(f.service_id))
                    {
                        host.output(&format!("--- service={} emails: {e} ---", f.service_id));
                    }
                    let masked: Vec<&str> = f.secrets.iter().map(String::as_str).collect();
                    for (action, request, response) in &f.module_logs {
                        host.log_module_call(action, request, response, "", &masked);
                    }
                    results.push(f);
                }
            }
        }
    });
    // Emails left by an earlier run (a crash, a refusal to retry).
    if let Err(e) = outbox::send_due(&mut conn, host, &db.name, None) {
        host.output(&format!("--- emails: {e} ---"));
    }
    results.sort_by_key(|r| r.service_id);
    let mut details = Vec::new();
    for r in &results {
        if r.runs.iter().any(|(_, ok, _)| !ok) {
            errors += 1;
        }
        for (action, _, summary) in &r.runs {
            details.push(format!("sid:{} action:{action} {summary}", r.service_id));
        }
    }
    Ok(Report {
        summary: format!("processed: {processed}, errors: {errors}"),
        details,
        errors,
    })
}

fn run_job(db: &DbConfig, job: Job, tx: &mpsc::Sender<Msg>, prefix: bool) -> Finished {
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
        runs: vec![("process", false, why)],
        module_logs: Vec::new(),
        secrets: Vec::new(),
    };
    let mut conn = match db::conn(db) {
        Ok(c) => c,
        Err(e) => {
            say(format!("--- service={sid} cannot start: {e} ---"));
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
            runs: Vec::new(),
            module_logs: Vec::new(),
            secrets: Vec::new(),
        };
    }
    let finished = run_locked(&mut conn, job, &say);
    let _: mysql::Result<Option<Option<i64>>> = conn.exec_first("SELECT RELEASE_LOCK(?)", (&lock,));
    finished
}

fn run_locked(conn: &mut mysql::PooledConn, mut job: Job, say: &dyn Fn(String)) -> Finished {
    let sid = job.vm.service_id;
    let mut runs = Vec::new();
    for _ in 0..MAX_CHAIN {
        // The record may have moved since the job was prepared (another
        // runner, a web request): it is the truth.
        match record::load(conn, sid) {
            Ok(Some(vm)) => job.vm = vm,
            Ok(None) => break,
            Err(e) => {
                runs.push(("process", false, e.to_string()));
                break;
            }
        }
        if job.vm.vm_status == "ready" && job.vm.pending_change {
            // A change package that waited for a deploy starts now.
            if let Ok(true) = record::advance(conn, sid, "ready", "change_package") {
                let _ = record::set_pending_change(conn, sid, false);
                job.vm.vm_status = "change_package".into();
                job.vm.pending_change = false;
            }
        }
        let Some((m, start)) = machine::machine_for(&job.vm.vm_status) else {
            break;
        };
        if m.action == "power" && job.vm.power_done {
            break;
        }
        if m.needs_credentials && job.password.is_empty() {
            // Prepared for a machine without cloud-init; the next tick
            // prepares it with the password.
            break;
        }
        let r = machine::run(conn, &mut job, m, start, say);
        let ok = !matches!(r.ended, Ended::Failed(_));
        let complete = r.ended == Ended::Complete;
        runs.push((r.action, ok, r.summary));
        if !complete || m.action == "power" {
            break;
        }
    }
    Finished {
        service_id: sid,
        runs,
        module_logs: std::mem::take(&mut job.module_logs),
        secrets: job.dns.as_ref().map(|z| z.secrets()).unwrap_or_default(),
    }
}
