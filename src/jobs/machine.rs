//! One generic runner for every state machine. A machine is a declarative
//! table of steps — the state a step leaves, the state it reaches, the spec's
//! step name as the cron output prints it, and the function that does the
//! work — and nothing else: leasing, the run log, the live cron lines,
//! retries and crash recovery are all here.
//!
//! A state is the last completed step. A step whose `from` equals its `to`
//! is a phase inside a state (terminate's stop, backups, DNS, DELETE): it
//! persists nothing, so after a crash the machine re-runs the phases of that
//! state from the first; every such phase must therefore be idempotent.
//!
//! Adding a machine means adding a table (and its step functions) to
//! `MACHINES`; the runner, the candidates query and the status reference
//! follow from the tables.

use std::time::Instant;

use mysql::PooledConn;
use serde_json::{json, Value};

use super::record::{self, Run};
use super::Job;
use crate::error::{Error, Result};
use crate::pve::PveError;

/// What one step did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Nothing to do (no change, not configured, …): logged as a skip.
    Skipped(String),
    /// Not finished yet; try again next tick without an error.
    Waiting(String),
    /// A failure that moves the VM to another state (terminate's DELETE
    /// failing → `error_terminate`), with the error recorded.
    Divert(&'static str, String),
}

/// What a step function gets: the VM's connection (which holds its lease),
/// the job, and a way to print live progress lines.
pub struct Ctx<'a> {
    pub conn: &'a mut PooledConn,
    pub job: &'a mut Job,
    pub say: &'a dyn Fn(String),
}

impl Ctx<'_> {
    pub fn sid(&self) -> u32 {
        self.job.vm.service_id
    }
    /// A progress line inside a step (heartbeats, DNS records).
    pub fn progress(&self, line: impl AsRef<str>) {
        (self.say)(format!("      · {}", line.as_ref()));
    }
}

pub type StepFn = fn(&mut Ctx) -> Result<Outcome>;

pub struct Step {
    pub from: &'static str,
    pub to: &'static str,
    pub name: &'static str,
    pub run: StepFn,
}

pub struct Machine {
    /// As printed in the cron headers: `--- ChangePackage: service=… ---`.
    pub name: &'static str,
    /// The run log's action and the cron summary's `action:`.
    pub action: &'static str,
    pub steps: &'static [Step],
    /// Whether the job needs the service's OS password (cloud-init).
    pub needs_credentials: bool,
}

impl Machine {
    /// The first step that leaves `state`.
    pub fn entry(&self, state: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.from == state)
    }
    pub fn states(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.steps.iter().flat_map(|s| [s.from, s.to])
    }
    /// Where a wait that outlasts the lock-wait window ends: a terminate
    /// gives up to error_terminate (the spec's failure path; Reset to
    /// terminate retries with a fresh window). The other machines wait on,
    /// with the wait on the record.
    pub fn gives_up_to(&self) -> Option<&'static str> {
        (self.action == "terminate").then_some("error_terminate")
    }
}

/// The record's last error while a machine waits: what Proxmox answered and
/// since when (and, for a machine that gives up, when it will).
pub fn waiting_text(w: &record::Wait, why: &str, gives_up_after_min: Option<u32>) -> String {
    let waited = (w.now - w.since).max(0) / 60;
    match gives_up_after_min {
        Some(limit) => format!(
            "Waiting since {} ({waited} min; gives up after {limit} min): {why}",
            w.since_text
        ),
        None => format!("Waiting since {} ({waited} min): {why}", w.since_text),
    }
}

/// Every machine. A state is left by the steps of exactly one machine.
pub fn machines() -> [&'static Machine; 10] {
    [
        &super::deploy::DEPLOY,
        &super::change::CHANGE_PACKAGE,
        &super::terminate::TERMINATE,
        &super::reinstall::REINSTALL,
        &super::reinstall::REDEPLOY,
        &super::reinstall::VM_REMOVE,
        &super::dnsjob::SET_DNS_RECORDS,
        &super::power::POWER,
        &super::restore::RESTORE,
        &super::restore::RESET_PASSWORD,
    ]
}

/// The machine that runs a VM in `state`, and where it starts.
pub fn machine_for(state: &str) -> Option<(&'static Machine, usize)> {
    machines()
        .into_iter()
        .find_map(|m| m.entry(state).map(|i| (m, i)))
}

/// States the cron works on (all but `ready`, which only the power machine
/// leaves, for suspended VMs not yet off and pending change packages).
pub fn active_states() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Vec::new();
    for m in machines() {
        for s in m.steps {
            if s.from != "ready" && !v.contains(&s.from) {
                v.push(s.from);
            }
        }
    }
    v
}

/// States in which a machine stopped on a failure it does not retry by
/// itself: an operator (or, for a restore, the client) acts next.
pub const FAILED_STATES: &[&str] = &["error_terminate", super::restore::RESTORE_FAILED];

/// Whether the cron works on a VM in `state` (every state a step leaves).
pub fn is_active(state: &str) -> bool {
    active_states().contains(&state)
}

/// How a state reads at a glance, for pages: `ok` (ready), `error` (a
/// failed end state), `warning` (in progress, its last run failed: the
/// cron retries), `progress`, or `idle` (removed, unknown).
pub fn tone(state: &str, last_error: &str) -> &'static str {
    if state == "ready" {
        "ok"
    } else if FAILED_STATES.contains(&state) {
        "error"
    } else if is_active(state) {
        if last_error.is_empty() {
            "progress"
        } else {
            "warning"
        }
    } else {
        "idle"
    }
}

/// Whether `state` is a state of `machine` other than its final one.
pub fn in_progress(machine: &Machine, state: &str) -> bool {
    machine.entry(state).is_some()
}

/// How a machine's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// Reached its last step's target.
    Complete,
    Waiting(String),
    Failed(String),
    /// Someone else changed the state (terminate, reset) mid-run.
    Preempted(String),
}

pub struct RunSummary {
    pub action: &'static str,
    pub ended: Ended,
    /// The summary line's tail: `result:success` or the failed step's error.
    pub summary: String,
}

/// Errors that mean "not now", not "failed": a VM locked by a backup or
/// migration, a task still running past the timeout.
fn soften(r: Result<Outcome>) -> Result<Outcome> {
    match r {
        Err(Error::Pve(PveError::TaskTimeout { upid })) => Ok(Outcome::Waiting(format!(
            "task {upid} is still running; resuming next run"
        ))),
        Err(Error::Pve(e)) if e.is_lock_conflict() => Ok(Outcome::Waiting(format!(
            "the VM is locked in Proxmox ({}); retrying next run",
            crate::util::one_line(&e.to_string(), 160)
        ))),
        other => other,
    }
}

/// Runs `machine` from `start` until it completes, waits or fails.
pub fn run(
    conn: &mut PooledConn,
    job: &mut Job,
    machine: &'static Machine,
    start: usize,
    say: &dyn Fn(String),
) -> RunSummary {
    let sid = job.vm.service_id;
    say(format!(
        "--- {}: service={sid} vm={} status={} ---",
        machine.name, job.vm.vm_id, job.vm.vm_status
    ));
    let _ = record::set_last_action(conn, sid, machine.action);
    let started = record::now_f();
    let mut steps: Vec<Value> = Vec::new();
    let mut ended = Ended::Complete;
    let window_min = job.settings.lock_wait_minutes;
    let mut summary = "result:success".to_string();
    let width = machine.steps[start..]
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(20)
        + 2;
    for (n, step) in machine.steps[start..].iter().enumerate() {
        let n = n + 1;
        let state = job.vm.vm_status.clone();
        let t0 = Instant::now();
        job.emails.clear();
        let r = {
            let mut ctx = Ctx {
                conn: &mut *conn,
                job: &mut *job,
                say,
            };
            soften((step.run)(&mut ctx))
        };
        // A wait: noted on the record from its first refusal; past the
        // lock-wait window a machine that gives up does.
        let mut wait = None;
        let r = match r {
            Ok(Outcome::Waiting(why)) => {
                let w = record::note_wait(conn, sid).ok();
                match (machine.gives_up_to(), &w) {
                    (Some(to), Some(w)) if w.now - w.since >= i64::from(window_min) * 60 => {
                        Ok(Outcome::Divert(
                            to,
                            format!(
                                "gave up after waiting {} min (since {}; lock-wait window {window_min} min): {why}",
                                (w.now - w.since) / 60,
                                w.since_text
                            ),
                        ))
                    }
                    _ => {
                        wait = w;
                        Ok(Outcome::Waiting(why))
                    }
                }
            }
            other => other,
        };
        let dur = t0.elapsed().as_secs_f64();
        if !matches!(r, Ok(Outcome::Skipped(_))) {
            job.config = None;
        }
        let mut entry = json!({"n": n, "step": step.name, "from": state, "to": step.to,
                               "time": record::now_f(), "dur": dur});
        match r {
            Ok(Outcome::Done) | Ok(Outcome::Skipped(_)) => {
                let (label, skip) = match &r {
                    Ok(Outcome::Skipped(why)) => (format!("{} (skip — {why})", step.name), true),
                    _ => (step.name.to_string(), false),
                };
                // The emails this step made due are written with its state
                // change (the outbox), so a crash cannot lose them.
                let emails = std::mem::take(&mut job.emails);
                if step.to != state || !emails.is_empty() {
                    let saved = if emails.is_empty() {
                        record::advance(conn, sid, &state, step.to)
                    } else {
                        record::advance_with_emails(conn, sid, &state, step.to, &emails)
                    };
                    match saved {
                        Ok(true) => {}
                        Ok(false) => {
                            let now = record::status(conn, sid).ok().flatten().unwrap_or_default();
                            let why =
                                format!("status changed to '{now}' meanwhile; stopping this run");
                            say(format!("[~] {n:>2}. {label:<width$} {why} [{dur:.2}s]"));
                            entry["result"] = json!("preempted");
                            entry["error"] = json!(why);
                            steps.push(entry);
                            ended = Ended::Preempted(now);
                            summary = format!("result:preempted ({why})");
                            break;
                        }
                        Err(e) => {
                            let why = format!("saving the state failed: {e}");
                            say(format!("[-] {n:>2}. {label:<width$} {why} [{dur:.2}s]"));
                            entry["result"] = json!("error");
                            entry["error"] = json!(why);
                            steps.push(entry);
                            ended = Ended::Failed(why.clone());
                            summary = why;
                            break;
                        }
                    }
                }
                say(format!(
                    "[+] {n:>2}. {label:<width$} success ({state} -> {}) [{dur:.2}s]",
                    step.to
                ));
                entry["result"] = json!("success");
                entry["skip"] = json!(skip);
                if let Ok(Outcome::Skipped(why)) = &r {
                    entry["note"] = json!(why);
                }
                steps.push(entry);
                job.vm.vm_status = step.to.to_string();
            }
            Ok(Outcome::Waiting(why)) => {
                if let Some(w) = &wait {
                    let text = waiting_text(
                        w,
                        &crate::util::one_line(&why, 1000),
                        machine.gives_up_to().map(|_| window_min),
                    );
                    let _ = record::set_error(conn, sid, Some(&text));
                }
                say(format!(
                    "[~] {n:>2}. {:<width$} waiting: {why} [{dur:.2}s]",
                    step.name
                ));
                entry["result"] = json!("waiting");
                entry["to"] = json!(state);
                entry["error"] = json!(why);
                steps.push(entry);
                say(format!(
                    "--- {} paused: waiting at ({state}) ---",
                    machine.name
                ));
                summary = format!("result:waiting {why}");
                ended = Ended::Waiting(why);
                break;
            }
            Ok(Outcome::Divert(to, why)) => {
                let moved = record::advance(conn, sid, &state, to).unwrap_or(false);
                let _ = record::set_error(conn, sid, Some(&why));
                say(format!(
                    "[-] {n:>2}. {:<width$} {why} ({state} -> {to}) [{dur:.2}s]",
                    step.name
                ));
                entry["result"] = json!("error");
                entry["to"] = json!(if moved { to } else { state.as_str() });
                entry["error"] = json!(why);
                steps.push(entry);
                if moved {
                    job.vm.vm_status = to.to_string();
                }
                say(format!(
                    "--- {} failed: service={sid} status={} ---",
                    machine.name, job.vm.vm_status
                ));
                summary = format!("{why} ({state} -> {to}) [{dur:.2}s]");
                ended = Ended::Failed(why);
                break;
            }
            Err(e) => {
                let msg = crate::util::one_line(&e.to_string(), 2000);
                let _ = record::set_error(conn, sid, Some(&msg));
                say(format!(
                    "[-] {n:>2}. {:<width$} {msg} ({state} -> {}) [{dur:.2}s]",
                    step.name, step.to
                ));
                entry["result"] = json!("error");
                entry["to"] = json!(state);
                entry["error"] = json!(msg);
                steps.push(entry);
                say(format!(
                    "--- {} paused: waiting at ({state}) ---",
                    machine.name
                ));
                summary = format!("{msg} ({state} -> {}) [{dur:.2}s]", step.to);
                ended = Ended::Failed(msg);
                break;
            }
        }
    }
    if ended == Ended::Complete {
        say(format!(
            "--- {} complete: service={sid} status={} ---",
            machine.name, job.vm.vm_status
        ));
    }
    let (result, error) = match &ended {
        Ended::Complete => ("success", None),
        Ended::Waiting(w) => ("waiting", Some(w.as_str())),
        Ended::Failed(e) => ("error", Some(e.as_str())),
        Ended::Preempted(_) => ("preempted", None),
    };
    let _ = record::record_run(
        conn,
        &Run {
            service_id: sid,
            action: machine.action,
            result,
            started,
            error,
            steps: &steps,
        },
    );
    RunSummary {
        action: machine.action,
        ended,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_say_what_and_since_when() {
        let w = record::Wait {
            since: 1000,
            since_text: "2026-12-05 09:00:00".into(),
            now: 1000 + 12 * 60 + 30,
        };
        assert_eq!(
            waiting_text(&w, "the VM is locked in Proxmox (backup)", Some(30)),
            "Waiting since 2026-12-05 09:00:00 (12 min; gives up after 30 min): the VM is locked in Proxmox (backup)"
        );
        assert_eq!(
            waiting_text(&w, "task x is still running", None),
            "Waiting since 2026-12-05 09:00:00 (12 min): task x is still running"
        );
        let gives_up: Vec<_> = machines()
            .iter()
            .filter_map(|m| m.gives_up_to().map(|t| (m.action, t)))
            .collect();
        assert_eq!(gives_up, vec![("terminate", "error_terminate")]);
    }

    #[test]
    fn every_state_is_left_by_one_machine() {
        for m in machines() {
            for s in m.steps {
                let owner = machine_for(s.from).map(|(o, _)| o.action);
                assert_eq!(owner, Some(m.action), "state {} of {}", s.from, m.action);
            }
        }
    }

    #[test]
    fn tones_follow_the_tables() {
        assert_eq!(tone("ready", ""), "ok");
        assert_eq!(tone("restore_failed", ""), "error");
        assert_eq!(tone("error_terminate", "x"), "error");
        assert_eq!(tone("rs_restore_started", ""), "progress");
        assert_eq!(tone("set_cpu_ram", "boom"), "warning");
        assert_eq!(tone("remove", ""), "idle");
        assert!(!is_active("restore_failed") && !is_active("remove") && is_active("rp_stop"));
    }

    #[test]
    fn machines_are_chains() {
        // Each step starts where the previous one ended.
        for m in machines() {
            for w in m.steps.windows(2) {
                assert_eq!(
                    w[0].to, w[1].from,
                    "{}: {} then {}",
                    m.action, w[0].name, w[1].name
                );
            }
        }
    }

    #[test]
    fn spec_pipelines() {
        let d: Vec<&str> = super::super::deploy::DEPLOY.states().collect();
        assert_eq!(d.first(), Some(&"creation"));
        assert_eq!(d.last(), Some(&"ready"));
        assert_eq!(super::super::deploy::DEPLOY.steps.len(), 15);
        let cp: Vec<&str> = super::super::change::CHANGE_PACKAGE
            .steps
            .iter()
            .map(|s| s.from)
            .collect();
        assert_eq!(
            cp,
            [
                "change_package",
                "cp_update_ip",
                "cp_stop",
                "cp_cpu_ram",
                "cp_system_disk_size",
                "cp_system_disk_bandwidth",
                "cp_additional_disk",
                "cp_additional_disk_size",
                "cp_additional_disk_bandwidth",
                "cp_network",
                "cp_firewall",
                "cp_start"
            ]
        );
        assert_eq!(
            super::super::change::CHANGE_PACKAGE
                .steps
                .last()
                .map(|s| s.to),
            Some("ready")
        );
        assert_eq!(
            super::super::terminate::TERMINATE
                .steps
                .last()
                .map(|s| s.to),
            Some("remove")
        );
        assert!(active_states().contains(&"terminate"));
        assert!(!active_states().contains(&"ready"));
        assert!(!active_states().contains(&"remove"));
        assert!(!active_states().contains(&"error_terminate"));
    }
}
