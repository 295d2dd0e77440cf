//! Lifecycle semantics: shutdown vs stop, reboot, pending config, destroy,
//! locks, HA and fault injection — over real sockets.

use pve_sim::{Client, ClientResponse, Config, Fault, Sim, SimHandle, TaskFault};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const API: &str = "/api2/json";

fn data(r: &ClientResponse) -> Value {
    r.json()["data"].clone()
}

fn msg(r: &ClientResponse) -> String {
    r.json()["message"].as_str().unwrap_or("").to_string()
}

fn enc(s: &str) -> String {
    pve_sim::http::percent_encode(s)
}

fn task(c: &Client, upid: &str) -> Value {
    let node = upid.split(':').nth(1).unwrap_or("pve1");
    let r = c
        .get(
            &format!("{API}/nodes/{node}/tasks/{}/status", enc(upid)),
            &[],
        )
        .expect("status");
    assert_eq!(r.status, 200, "{}", r.text());
    data(&r)
}

fn wait(c: &Client, upid: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let t = task(c, upid);
        if t["status"] == "stopped" {
            return t;
        }
        assert!(Instant::now() < deadline, "task {upid} did not finish");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn log_text(c: &Client, upid: &str) -> String {
    let node = upid.split(':').nth(1).unwrap_or("pve1");
    let r = c
        .get(
            &format!("{API}/nodes/{node}/tasks/{}/log", enc(upid)),
            &[("limit", "0")],
        )
        .expect("log");
    data(&r)
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|l| l["t"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn upid(r: &ClientResponse) -> String {
    assert_eq!(r.status, 200, "{}", r.text());
    data(r).as_str().expect("upid").to_string()
}

/// A simulator with a fast clock and VM `vmid` cloned from 9000 on pve1.
fn with_vm(vmid: u32, scale: f64) -> (SimHandle, Client) {
    let sim = Sim::start(Config::default().time_scale(scale));
    let c = sim.client_http();
    let id = vmid.to_string();
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/9000/clone"),
            &[("newid", id.as_str()), ("full", "1")],
        )
        .expect("clone");
    assert_eq!(wait(&c, &upid(&r))["exitstatus"], "OK");
    (sim, c)
}

fn post(c: &Client, path: &str, p: &[(&str, &str)]) -> ClientResponse {
    c.post(&format!("{API}{path}"), p).expect("post")
}

fn get(c: &Client, path: &str, q: &[(&str, &str)]) -> ClientResponse {
    c.get(&format!("{API}{path}"), q).expect("get")
}

fn start_vm(c: &Client, vmid: u32) {
    let r = post(c, &format!("/nodes/pve1/qemu/{vmid}/status/start"), &[]);
    assert_eq!(wait(c, &upid(&r))["exitstatus"], "OK");
}

fn status(c: &Client, vmid: u32) -> Value {
    let r = get(c, &format!("/nodes/pve1/qemu/{vmid}/status/current"), &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    data(&r)
}

#[test]
fn shutdown_is_graceful_and_stop_is_immediate() {
    let (sim, c) = with_vm(120, 1.0);
    sim.set_task_ms("qmshutdown", 600);
    start_vm(&c, 120);
    let st = status(&c, 120);
    for k in [
        "status",
        "qmpstatus",
        "uptime",
        "cpu",
        "cpus",
        "mem",
        "maxmem",
        "disk",
        "maxdisk",
        "netin",
        "netout",
        "diskread",
        "diskwrite",
        "ha",
        "pid",
        "name",
        "vmid",
    ] {
        assert!(st.get(k).is_some(), "status/current lacks {k}: {st}");
    }
    assert_eq!(st["qmpstatus"], "running");
    assert_eq!(st["maxmem"], 2048u64 * 1024 * 1024);
    assert_eq!(st["ha"], json!({"managed": 0}));
    // shutdown: the guest takes its time, the VM runs meanwhile
    let t0 = Instant::now();
    let up = upid(&post(&c, "/nodes/pve1/qemu/120/status/shutdown", &[]));
    assert!(up.contains(":qmshutdown:120:"));
    assert_eq!(task(&c, &up)["status"], "running");
    assert_eq!(status(&c, 120)["status"], "running");
    assert_eq!(wait(&c, &up)["exitstatus"], "OK");
    assert!(t0.elapsed() >= Duration::from_millis(550));
    assert_eq!(status(&c, 120)["status"], "stopped");
    assert_eq!(status(&c, 120)["uptime"], 0);
    // shutdown of a stopped VM is a no-op task that ends OK
    let up = upid(&post(&c, "/nodes/pve1/qemu/120/status/shutdown", &[]));
    assert_eq!(wait(&c, &up)["exitstatus"], "OK");
    // stop: the default 50 ms
    start_vm(&c, 120);
    let t0 = Instant::now();
    let up = upid(&post(&c, "/nodes/pve1/qemu/120/status/stop", &[]));
    assert_eq!(wait(&c, &up)["exitstatus"], "OK");
    assert!(t0.elapsed() < Duration::from_millis(500));
    assert_eq!(status(&c, 120)["status"], "stopped");
    // reboot of a stopped VM is refused synchronously
    let r = post(&c, "/nodes/pve1/qemu/120/status/reboot", &[]);
    assert_eq!(r.status, 500);
    assert_eq!(msg(&r), "VM 120 not running\n");
}

#[test]
fn guest_ignoring_acpi_times_out_unless_forced() {
    let (sim, c) = with_vm(121, 0.01);
    start_vm(&c, 121);
    // through the control API, as a PHP test would
    let r = c
        .post_json("/_sim/vm", &json!({"vmid": 121, "ignore_acpi": true}))
        .expect("ctl");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(sim.vm(121).expect("vm").ignore_acpi);
    // timeout 30 s (scaled to 0.3 s): the task fails as PVE's does, the VM runs on
    let up = upid(&post(
        &c,
        "/nodes/pve1/qemu/121/status/shutdown",
        &[("timeout", "30")],
    ));
    let t0 = Instant::now();
    let t = wait(&c, &up);
    assert_eq!(t["exitstatus"], "VM quit/powerdown failed - got timeout");
    assert!(t0.elapsed() >= Duration::from_millis(200));
    assert!(log_text(&c, &up).ends_with("TASK ERROR: VM quit/powerdown failed - got timeout"));
    assert_eq!(status(&c, 121)["status"], "running");
    // forceStop: killed after the timeout, with a warning
    let up = upid(&post(
        &c,
        "/nodes/pve1/qemu/121/status/shutdown",
        &[("timeout", "5"), ("forceStop", "1")],
    ));
    assert_eq!(wait(&c, &up)["exitstatus"], "WARNINGS: 1");
    let log = log_text(&c, &up);
    assert!(
        log.contains("WARN: VM still running - terminating now with SIGTERM"),
        "{log}"
    );
    assert!(log.ends_with("TASK WARNINGS: 1"));
    assert_eq!(status(&c, 121)["status"], "stopped");
    // a bad forceStop value is refused by the schema
    let r = post(
        &c,
        "/nodes/pve1/qemu/121/status/shutdown",
        &[("forceStop", "yes please")],
    );
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"]["forceStop"].is_string());
    // reboot of an ACPI-deaf guest fails the same way
    start_vm(&c, 121);
    let up = upid(&post(
        &c,
        "/nodes/pve1/qemu/121/status/reboot",
        &[("timeout", "5")],
    ));
    assert_eq!(
        wait(&c, &up)["exitstatus"],
        "VM quit/powerdown failed - got timeout"
    );
}

#[test]
fn stop_waits_for_a_running_shutdown_or_overrules_it() {
    let (sim, c) = with_vm(122, 0.05);
    start_vm(&c, 122);
    sim.set_ignore_acpi(122, true);
    // timeout 600 s → 30 s scaled: longer than the 10 s (0.5 s) file lock wait
    let sd = upid(&post(
        &c,
        "/nodes/pve1/qemu/122/status/shutdown",
        &[("timeout", "600")],
    ));
    let stop = upid(&post(&c, "/nodes/pve1/qemu/122/status/stop", &[]));
    assert_eq!(
        wait(&c, &stop)["exitstatus"],
        "can't lock file '/var/lock/qemu-server/lock-122.conf' - got timeout"
    );
    assert_eq!(status(&c, 122)["status"], "running");
    assert_eq!(task(&c, &sd)["status"], "running");
    // overrule-shutdown aborts the shutdown task and stops at once
    let stop = upid(&post(
        &c,
        "/nodes/pve1/qemu/122/status/stop",
        &[("overrule-shutdown", "1")],
    ));
    let t = task(&c, &sd);
    assert_eq!(t["status"], "stopped");
    assert_eq!(t["exitstatus"], "interrupted by signal");
    assert_eq!(wait(&c, &stop)["exitstatus"], "OK");
    assert_eq!(status(&c, 122)["status"], "stopped");
}

#[test]
fn pending_changes_apply_at_next_start() {
    let (_sim, c) = with_vm(123, 0.05);
    start_vm(&c, 123);
    let before = data(&get(&c, "/nodes/pve1/qemu/123/config", &[]));
    let r = c
        .put(
            &format!("{API}/nodes/pve1/qemu/123/config"),
            &[
                ("cores", "4"),
                ("memory", "4096"),
                ("name", "renamed"),
                ("net0", "virtio=BC:24:11:00:01:23,bridge=vmbr0,rate=12.5"),
            ],
        )
        .expect("put");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(data(&r), Value::Null);
    // GET /pending: cores and memory wait, name and net0 (hotplug) applied
    let pending = data(&get(&c, "/nodes/pve1/qemu/123/pending", &[]));
    let entry = |k: &str| {
        pending
            .as_array()
            .and_then(|a| a.iter().find(|e| e["key"] == k).cloned())
            .unwrap_or(Value::Null)
    };
    assert_eq!(entry("cores")["value"], 1);
    assert_eq!(entry("cores")["pending"], 4);
    assert_eq!(entry("memory")["pending"], "4096");
    assert_eq!(entry("name")["value"], "renamed");
    assert!(entry("name").get("pending").is_none());
    assert!(entry("net0")["value"]
        .as_str()
        .unwrap_or("")
        .contains("rate=12.5"));
    // GET config shows pending values applied; current=1 the running ones
    let cfg = data(&get(&c, "/nodes/pve1/qemu/123/config", &[]));
    assert_eq!(cfg["cores"], 4);
    let cur = data(&get(&c, "/nodes/pve1/qemu/123/config", &[("current", "1")]));
    assert_eq!(cur["cores"], 1);
    assert_eq!(cur["memory"], "2048");
    assert_ne!(cfg["digest"], before["digest"]);
    assert_eq!(status(&c, 123)["maxmem"], 2048u64 * 1024 * 1024);
    // a pending delete, then revert of memory
    let r = c
        .put(
            &format!("{API}/nodes/pve1/qemu/123/config"),
            &[("delete", "agent"), ("revert", "memory")],
        )
        .expect("put");
    assert_eq!(r.status, 200, "{}", r.text());
    let pending = data(&get(&c, "/nodes/pve1/qemu/123/pending", &[]));
    let agent = pending
        .as_array()
        .and_then(|a| a.iter().find(|e| e["key"] == "agent").cloned())
        .expect("agent");
    assert_eq!(agent["delete"], 1);
    assert!(!pending
        .as_array()
        .map(|a| a
            .iter()
            .any(|e| e["key"] == "memory" && e.get("pending").is_some()))
        .unwrap_or(true));
    // POST config is a task
    let up = upid(&post(
        &c,
        "/nodes/pve1/qemu/123/config",
        &[("sockets", "2")],
    ));
    assert!(up.contains(":qmconfig:123:"));
    assert_eq!(wait(&c, &up)["exitstatus"], "OK");
    // stop: still pending; start: applied
    let up = upid(&post(&c, "/nodes/pve1/qemu/123/status/stop", &[]));
    wait(&c, &up);
    let cur = data(&get(&c, "/nodes/pve1/qemu/123/config", &[("current", "1")]));
    assert_eq!(cur["cores"], 1);
    start_vm(&c, 123);
    let cur = data(&get(&c, "/nodes/pve1/qemu/123/config", &[("current", "1")]));
    assert_eq!(cur["cores"], 4);
    assert_eq!(cur["sockets"], 2);
    assert_eq!(cur["memory"], "2048");
    assert!(cur.get("agent").is_none());
    let pending = data(&get(&c, "/nodes/pve1/qemu/123/pending", &[]));
    assert!(pending
        .as_array()
        .map(|a| a
            .iter()
            .all(|e| e.get("pending").is_none() && e.get("delete").is_none()))
        .unwrap_or(false));
    assert_eq!(status(&c, 123)["cpus"], 8);
    // reboot applies pending too; cloud-init keys wait for PUT …/cloudinit
    c.put(
        &format!("{API}/nodes/pve1/qemu/123/config"),
        &[("cores", "2"), ("ciuser", "alice")],
    )
    .expect("put");
    let ci = data(&get(&c, "/nodes/pve1/qemu/123/cloudinit", &[]));
    assert_eq!(ci, json!([{"key": "ciuser", "pending": "alice"}]));
    let r = c
        .put(&format!("{API}/nodes/pve1/qemu/123/cloudinit"), &[])
        .expect("ci");
    assert_eq!(r.status, 200, "{}", r.text());
    let cur = data(&get(&c, "/nodes/pve1/qemu/123/config", &[("current", "1")]));
    assert_eq!(cur["ciuser"], "alice");
    assert_eq!(cur["cores"], 4);
    let up = upid(&post(&c, "/nodes/pve1/qemu/123/status/reboot", &[]));
    assert_eq!(wait(&c, &up)["exitstatus"], "OK");
    let cur = data(&get(&c, "/nodes/pve1/qemu/123/config", &[("current", "1")]));
    assert_eq!(cur["cores"], 2);
    assert_eq!(status(&c, 123)["status"], "running");
    // a stopped VM takes changes at once
    let up = upid(&post(&c, "/nodes/pve1/qemu/123/status/stop", &[]));
    wait(&c, &up);
    c.put(
        &format!("{API}/nodes/pve1/qemu/123/config"),
        &[("cores", "3")],
    )
    .expect("put");
    let cur = data(&get(&c, "/nodes/pve1/qemu/123/config", &[("current", "1")]));
    assert_eq!(cur["cores"], 3);
}

#[test]
fn destroy_checks_purge_locks_and_ha() {
    let (sim, c) = with_vm(124, 0.05);
    // a missing VM: PVE's 500
    let r = c
        .delete(&format!("{API}/nodes/pve1/qemu/999"), &[])
        .expect("del");
    assert_eq!(r.status, 500);
    assert_eq!(
        msg(&r),
        "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist\n"
    );
    // running
    start_vm(&c, 124);
    let r = c
        .delete(&format!("{API}/nodes/pve1/qemu/124"), &[])
        .expect("del");
    assert_eq!(r.status, 500);
    assert_eq!(msg(&r), "VM 124 is running - destroy failed\n");
    let up = upid(&post(&c, "/nodes/pve1/qemu/124/status/stop", &[]));
    wait(&c, &up);
    // locked by a backup: checked inside the worker
    sim.force_lock(124, Some("backup"));
    let r = c
        .delete(&format!("{API}/nodes/pve1/qemu/124"), &[])
        .expect("del");
    assert_eq!(wait(&c, &upid(&r))["exitstatus"], "VM is locked (backup)");
    sim.force_lock(124, None);
    // config file lock held by someone else
    sim.set_flock(124, true);
    let r = c
        .delete(&format!("{API}/nodes/pve1/qemu/124"), &[])
        .expect("del");
    assert_eq!(
        wait(&c, &upid(&r))["exitstatus"],
        "can't lock file '/var/lock/qemu-server/lock-124.conf' - got timeout"
    );
    sim.set_flock(124, false);
    assert!(sim.vm(124).is_some());
    // HA-managed: purge needed
    sim.set_ha(124, Some("stopped"));
    assert_eq!(
        status(&c, 124)["ha"],
        json!({"managed": 1, "state": "stopped"})
    );
    let r = c
        .delete(&format!("{API}/nodes/pve1/qemu/124"), &[])
        .expect("del");
    assert_eq!(r.status, 500);
    assert_eq!(
        msg(&r),
        "unable to remove VM 124 - used in HA resources and purge parameter not set.\n"
    );
    // an unreferenced disk of the VM (allocated, not in the config)
    let r = post(
        &c,
        "/nodes/pve1/storage/local-lvm/content",
        &[
            ("vmid", "124"),
            ("filename", "vm-124-disk-7"),
            ("size", "1G"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let own_disks = |sim: &SimHandle| {
        sim.state()
            .volumes
            .iter()
            .filter(|v| v.vmid == Some(124) && v.content == "images")
            .count()
    };
    assert_eq!(own_disks(&sim), 3);
    let r = c
        .delete(
            &format!("{API}/nodes/pve1/qemu/124"),
            &[("purge", "1"), ("destroy-unreferenced-disks", "1")],
        )
        .expect("del");
    let up = upid(&r);
    assert_eq!(wait(&c, &up)["exitstatus"], "OK");
    let log = log_text(&c, &up);
    assert!(
        log.contains("purging VM 124 from related configurations.."),
        "{log}"
    );
    assert!(log.contains("NOTE: removed VM 124 from HA resource configuration."));
    assert!(sim.vm(124).is_none());
    assert_eq!(own_disks(&sim), 0);
    let r = get(&c, "/nodes/pve1/qemu/124/status/current", &[]);
    assert_eq!(r.status, 500);
}

#[test]
fn unreferenced_disks_stay_without_the_flag() {
    let (sim, c) = with_vm(125, 0.05);
    let r = post(
        &c,
        "/nodes/pve1/storage/local-lvm/content",
        &[
            ("vmid", "125"),
            ("filename", "vm-125-disk-5"),
            ("size", "1G"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = c
        .delete(&format!("{API}/nodes/pve1/qemu/125"), &[])
        .expect("del");
    assert_eq!(wait(&c, &upid(&r))["exitstatus"], "OK");
    let left: Vec<String> = sim
        .state()
        .volumes
        .iter()
        .filter(|v| v.vmid == Some(125))
        .map(|v| v.volid.clone())
        .collect();
    assert_eq!(left, vec!["local-lvm:vm-125-disk-5".to_string()]);
}

#[test]
fn ha_managed_power_goes_through_the_ha_stack() {
    let (sim, c) = with_vm(126, 0.05);
    sim.set_ha(126, Some("stopped"));
    let up = upid(&post(&c, "/nodes/pve1/qemu/126/status/start", &[]));
    assert!(up.contains(":hastart:126:"), "{up}");
    assert_eq!(wait(&c, &up)["exitstatus"], "OK");
    assert!(log_text(&c, &up).contains("Requesting HA start for VM 126"));
    // the LRM then starts the VM in a task of its own
    let deadline = Instant::now() + Duration::from_secs(5);
    while status(&c, 126)["status"] != "running" {
        assert!(Instant::now() < deadline, "HA did not start the VM");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(status(&c, 126)["ha"]["state"], "started");
    let tasks = data(&get(
        &c,
        "/nodes/pve1/tasks",
        &[("vmid", "126"), ("typefilter", "qmstart")],
    ));
    assert_eq!(tasks[0]["user"], "root@pam");
    // shutdown → hastop, then a qmshutdown by the LRM
    let up = upid(&post(&c, "/nodes/pve1/qemu/126/status/shutdown", &[]));
    assert!(up.contains(":hastop:126:"));
    wait(&c, &up);
    let deadline = Instant::now() + Duration::from_secs(5);
    while status(&c, 126)["status"] != "stopped" {
        assert!(Instant::now() < deadline, "HA did not stop the VM");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(status(&c, 126)["ha"]["state"], "stopped");
}

#[test]
fn faults_drop_timeout_after_and_in_task() {
    let (sim, c) = with_vm(127, 0.05);
    // dropped connection, once
    sim.drop_next("GET", r"/qemu/127/status/current$");
    assert!(c
        .get(&format!("{API}/nodes/pve1/qemu/127/status/current"), &[])
        .is_err());
    assert_eq!(status(&c, 127)["status"], "stopped");
    // a silent server: the client times out
    sim.add_fault(Fault::timeout(Some("GET"), "^/version$", 2000).times(1));
    let quick = c.clone().with_timeout(Duration::from_millis(200));
    let t0 = Instant::now();
    assert!(quick.get(&format!("{API}/version"), &[]).is_err());
    assert!(t0.elapsed() < Duration::from_millis(1500));
    assert_eq!(get(&c, "/version", &[]).status, 200);
    // dropped after the request was executed: the start happened anyway
    sim.add_fault(
        Fault::drop_conn(Some("POST"), r"/status/start$")
            .after()
            .times(1),
    );
    assert!(c
        .post(&format!("{API}/nodes/pve1/qemu/127/status/start"), &[])
        .is_err());
    let deadline = Instant::now() + Duration::from_secs(5);
    while status(&c, 127)["status"] != "running" {
        assert!(Instant::now() < deadline, "start was not executed");
        std::thread::sleep(Duration::from_millis(10));
    }
    // an error answer after execution
    sim.add_fault(
        Fault::error(Some("PUT"), r"/qemu/127/config$", 500, "proxy error")
            .after()
            .times(1),
    );
    let r = c
        .put(
            &format!("{API}/nodes/pve1/qemu/127/config"),
            &[("name", "after")],
        )
        .expect("put");
    assert_eq!((r.status, msg(&r).as_str()), (500, "proxy error\n"));
    assert_eq!(sim.vm(127).expect("vm").config["name"], "after");
    // a task fault chosen by method + path
    sim.add_fault(Fault::task(Some("POST"), r"/qemu/9000/clone$", "clone exploded").times(1));
    let r = post(
        &c,
        "/nodes/pve1/qemu/9000/clone",
        &[("newid", "128"), ("full", "1")],
    );
    assert_eq!(wait(&c, &upid(&r))["exitstatus"], "clone exploded");
    assert!(sim.vm(128).is_none());
    // WARNINGS: the effect still happens
    sim.add_task_fault(TaskFault {
        ttype: Some("qmstop".into()),
        vmid: Some(127),
        message: "WARNINGS: 2".into(),
        count: Some(1),
        probability: None,
    });
    let up = upid(&post(&c, "/nodes/pve1/qemu/127/status/stop", &[]));
    assert_eq!(wait(&c, &up)["exitstatus"], "WARNINGS: 2");
    assert_eq!(status(&c, 127)["status"], "stopped");
    // a probability: about half of 400 calls fail
    sim.add_fault(Fault::error(Some("GET"), "^/version$", 503, "flaky").chance(0.5));
    let failed = (0..400)
        .filter(|_| get(&c, "/version", &[]).status == 503)
        .count();
    assert!((140..=260).contains(&failed), "{failed} of 400 failed");
    sim.clear_faults();
    // random drops through the control API
    let r = c
        .post_json("/_sim/faults", &json!({"rate": 1.0, "action": "drop"}))
        .expect("ctl");
    assert_eq!(r.status, 200);
    assert!(c.get(&format!("{API}/version"), &[]).is_err());
    let r = c.delete("/_sim/faults", &[]).expect("ctl");
    assert_eq!(r.status, 200);
    assert_eq!(get(&c, "/version", &[]).status, 200);
    // bad control bodies are refused
    let r = c
        .post_json("/_sim/fault", &json!({"path": "x", "action": "task"}))
        .expect("ctl");
    assert_eq!(r.status, 400);
    let r = c
        .post_json("/_sim/faults", &json!({"rate": 0.1, "action": "explode"}))
        .expect("ctl");
    assert_eq!(r.status, 400);
    // the log names the injected faults
    let dropped = sim
        .requests()
        .iter()
        .filter(|e| {
            e.message
                .as_deref()
                .map(|m| m.starts_with("injected fault"))
                .unwrap_or(false)
        })
        .count();
    assert!(dropped >= 4, "{dropped}");
}
