//! Snapshots, vzdump backups, storage content, restore and the backup lock.

use pve_sim::{Client, ClientResponse, Config, Sim, SimHandle};
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

fn upid(r: &ClientResponse) -> String {
    assert_eq!(r.status, 200, "{}", r.text());
    data(r).as_str().expect("upid").to_string()
}

fn wait(c: &Client, upid: &str) -> Value {
    let node = upid.split(':').nth(1).unwrap_or("pve1").to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = c
            .get(
                &format!("{API}/nodes/{node}/tasks/{}/status", enc(upid)),
                &[],
            )
            .expect("status");
        assert_eq!(r.status, 200, "{}", r.text());
        let t = data(&r);
        if t["status"] == "stopped" {
            return t;
        }
        assert!(Instant::now() < deadline, "task {upid} did not finish");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn log_text(c: &Client, upid: &str) -> String {
    let node = upid.split(':').nth(1).unwrap_or("pve1").to_string();
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

fn post(c: &Client, path: &str, p: &[(&str, &str)]) -> ClientResponse {
    c.post(&format!("{API}{path}"), p).expect("post")
}

fn get(c: &Client, path: &str, q: &[(&str, &str)]) -> ClientResponse {
    c.get(&format!("{API}{path}"), q).expect("get")
}

fn with_vm(vmid: u32) -> (SimHandle, Client) {
    let sim = Sim::start(Config::default().time_scale(0.05));
    let c = sim.client_http();
    let id = vmid.to_string();
    let r = post(
        &c,
        "/nodes/pve1/qemu/9000/clone",
        &[("newid", id.as_str()), ("full", "1"), ("name", "web1")],
    );
    assert_eq!(wait(&c, &upid(&r))["exitstatus"], "OK");
    (sim, c)
}

fn snap(c: &Client, vmid: u32, name: &str, extra: &[(&str, &str)]) -> Value {
    let mut p = vec![("snapname", name)];
    p.extend_from_slice(extra);
    let r = post(c, &format!("/nodes/pve1/qemu/{vmid}/snapshot"), &p);
    wait(c, &upid(&r))
}

#[test]
fn snapshots_list_create_rollback_delete() {
    let (sim, c) = with_vm(130);
    let before = pve_sim::state::now_unix();
    let t = snap(&c, 130, "first", &[("description", "clean install")]);
    assert_eq!(t["exitstatus"], "OK");
    c.put(
        &format!("{API}/nodes/pve1/qemu/130/config"),
        &[("cores", "2")],
    )
    .expect("put");
    // vmstate on a running VM
    let r = post(&c, "/nodes/pve1/qemu/130/status/start", &[]);
    wait(&c, &upid(&r));
    let r = post(
        &c,
        "/nodes/pve1/qemu/130/snapshot",
        &[("snapname", "second"), ("vmstate", "1")],
    );
    let up = upid(&r);
    // the snapshot lock while it runs
    assert_eq!(sim.vm(130).expect("vm").lock(), Some("snapshot"));
    assert_eq!(wait(&c, &up)["exitstatus"], "OK");
    let log = log_text(&c, &up);
    assert!(
        log.contains("snapshotting 'drive-scsi0' (local-lvm:vm-130-disk-0)"),
        "{log}"
    );
    let list = data(&get(&c, "/nodes/pve1/qemu/130/snapshot", &[]));
    let list = list.as_array().expect("list").clone();
    assert_eq!(list.len(), 3);
    let find = |n: &str| list.iter().find(|s| s["name"] == n).cloned().expect(n);
    let first = find("first");
    assert_eq!(first["description"], "clean install");
    assert_eq!(first["vmstate"], 0);
    assert!(first.get("parent").is_none());
    assert!(first["snaptime"].as_u64().expect("snaptime") >= before);
    let second = find("second");
    assert_eq!(second["parent"], "first");
    assert_eq!(second["vmstate"], 1);
    let current = find("current");
    assert_eq!(current["parent"], "second");
    assert_eq!(current["running"], 1);
    assert_eq!(current["description"], "You are here!");
    // names: schema, reserved, already used
    let r = post(
        &c,
        "/nodes/pve1/qemu/130/snapshot",
        &[("snapname", "1bad name")],
    );
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"]["snapname"]
        .as_str()
        .unwrap_or("")
        .contains("invalid configuration ID '1bad name'"));
    let long = "a".repeat(41);
    let r = post(&c, "/nodes/pve1/qemu/130/snapshot", &[("snapname", &long)]);
    assert_eq!(r.status, 400);
    let r = post(
        &c,
        "/nodes/pve1/qemu/130/snapshot",
        &[("snapname", "current")],
    );
    assert_eq!(r.status, 500);
    assert_eq!(
        msg(&r),
        "unable to use snapshot name 'current' (reserved name)\n"
    );
    let r = post(
        &c,
        "/nodes/pve1/qemu/130/snapshot",
        &[("snapname", "PENDING")],
    );
    assert_eq!(r.status, 500);
    let t = snap(&c, 130, "first", &[]);
    assert_eq!(t["exitstatus"], "snapshot name 'first' already used");
    // locked by a backup: the snapshot task fails
    sim.force_lock(130, Some("backup"));
    assert_eq!(
        snap(&c, 130, "third", &[])["exitstatus"],
        "VM is locked (backup)"
    );
    sim.force_lock(130, None);
    // rollback to first: config back, VM stopped (no vmstate)
    let r = post(&c, "/nodes/pve1/qemu/130/snapshot/first/rollback", &[]);
    assert_eq!(wait(&c, &upid(&r))["exitstatus"], "OK");
    let cfg = data(&get(&c, "/nodes/pve1/qemu/130/config", &[]));
    assert_eq!(cfg["cores"], 1);
    assert_eq!(sim.vm(130).expect("vm").status, "stopped");
    let r = post(&c, "/nodes/pve1/qemu/130/snapshot/nope/rollback", &[]);
    assert_eq!(
        wait(&c, &upid(&r))["exitstatus"],
        "snapshot 'nope' does not exist"
    );
    // delete: children are re-parented
    let r = c
        .delete(&format!("{API}/nodes/pve1/qemu/130/snapshot/first"), &[])
        .expect("del");
    assert_eq!(wait(&c, &upid(&r))["exitstatus"], "OK");
    let list = data(&get(&c, "/nodes/pve1/qemu/130/snapshot", &[]));
    let names: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, vec!["second", "current"]);
    assert!(list[0].get("parent").is_none());
}

#[test]
fn snapshot_needs_a_capable_storage() {
    let sim = Sim::start(Config::default().time_scale(0.05));
    let c = sim.client_http();
    // a raw disk on a directory storage cannot be snapshotted
    let r = post(
        &c,
        "/nodes/pve1/qemu",
        &[
            ("vmid", "131"),
            ("scsi0", "local:4,format=raw"),
            ("memory", "512"),
        ],
    );
    assert_eq!(wait(&c, &upid(&r))["exitstatus"], "OK");
    assert_eq!(
        snap(&c, 131, "s1", &[])["exitstatus"],
        "snapshot feature is not available"
    );
}

fn backup(c: &Client, vmid: &str, extra: &[(&str, &str)]) -> String {
    let mut p = vec![
        ("vmid", vmid),
        ("storage", "local"),
        ("mode", "snapshot"),
        ("compress", "zstd"),
    ];
    p.extend_from_slice(extra);
    upid(&post(c, "/nodes/pve1/vzdump", &p))
}

fn backups_of(c: &Client, vmid: &str) -> Vec<Value> {
    data(&get(
        c,
        "/nodes/pve1/storage/local/content",
        &[("content", "backup"), ("vmid", vmid)],
    ))
    .as_array()
    .cloned()
    .unwrap_or_default()
}

#[test]
fn vzdump_makes_volumes_with_size_ctime_and_notes() {
    let (sim, c) = with_vm(132);
    let t0 = pve_sim::state::now_unix();
    let up = backup(
        &c,
        "132",
        &[("notes-template", "{{guestname}} on {{node}} ({{vmid}})")],
    );
    assert!(up.contains(":vzdump:132:"), "{up}");
    // the backup lock while it runs: config changes are refused
    assert_eq!(sim.vm(132).expect("vm").lock(), Some("backup"));
    let r = c
        .put(
            &format!("{API}/nodes/pve1/qemu/132/config"),
            &[("cores", "2")],
        )
        .expect("put");
    assert_eq!(
        (r.status, msg(&r).as_str()),
        (500, "VM is locked (backup)\n")
    );
    assert_eq!(wait(&c, &up)["exitstatus"], "OK");
    assert_eq!(sim.vm(132).expect("vm").lock(), None);
    let log = log_text(&c, &up);
    assert!(
        log.contains("INFO: Starting Backup of VM 132 (qemu)"),
        "{log}"
    );
    assert!(log.contains("INFO: Backup job finished successfully"));
    let list = backups_of(&c, "132");
    assert_eq!(list.len(), 1);
    let b = &list[0];
    let volid = b["volid"].as_str().expect("volid");
    let re = regex::Regex::new(
        r"^local:backup/vzdump-qemu-132-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}\.vma\.zst$",
    )
    .expect("re");
    assert!(re.is_match(volid), "{volid}");
    assert_eq!(b["format"], "vma.zst");
    assert_eq!(b["content"], "backup");
    assert_eq!(b["subtype"], "qemu");
    assert_eq!(b["vmid"], 132);
    assert_eq!(b["notes"], "web1 on pve1 (132)");
    // size: a quarter of the 2 GiB disk
    assert_eq!(b["size"], 512u64 * 1024 * 1024);
    let ctime = b["ctime"].as_u64().expect("ctime");
    assert!(ctime >= t0 && ctime <= pve_sim::state::now_unix());
    // the volid's stamp is the ctime
    let stamp = pve_sim::effects::backup_stamp(ctime);
    assert!(volid.contains(&stamp));
    // the images are not in the backup listing; no filter lists both
    let all = data(&get(
        &c,
        "/nodes/pve1/storage/local/content",
        &[("vmid", "132")],
    ));
    assert!(all
        .as_array()
        .expect("all")
        .iter()
        .all(|v| v["content"] == "backup"));
    let lvm = data(&get(
        &c,
        "/nodes/pve1/storage/local-lvm/content",
        &[("vmid", "132")],
    ));
    assert_eq!(lvm.as_array().map(|a| a.len()), Some(2));
    // a storage without backup content
    let r = post(
        &c,
        "/nodes/pve1/vzdump",
        &[("vmid", "132"), ("storage", "local-lvm")],
    );
    assert_eq!(r.status, 500);
    assert_eq!(msg(&r), "storage 'local-lvm' does not support backups\n");
    // bad parameters are refused by the schema
    let r = post(
        &c,
        "/nodes/pve1/vzdump",
        &[("vmid", "132"), ("compress", "rar")],
    );
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"]["compress"].is_string());
    let r = post(
        &c,
        "/nodes/pve1/vzdump",
        &[("vmid", "132"), ("mode", "sometimes")],
    );
    assert_eq!(r.status, 400);
    // delete the backup
    let r = c
        .delete(
            &format!("{API}/nodes/pve1/storage/local/content/{}", enc(volid)),
            &[],
        )
        .expect("del");
    assert_eq!(wait(&c, &upid(&r))["exitstatus"], "OK");
    assert!(backups_of(&c, "132").is_empty());
    let r = c
        .delete(
            &format!("{API}/nodes/pve1/storage/local/content/{}", enc(volid)),
            &[],
        )
        .expect("del");
    assert_eq!(r.status, 500);
    assert_eq!(msg(&r), format!("volume '{volid}' does not exist\n"));
}

#[test]
fn backup_jobs_queue_for_the_node_lock_and_prune() {
    let (sim, c) = with_vm(133);
    sim.set_task_ms("vzdump", 2000); // 100 ms at scale 0.05
    let a = backup(&c, "133", &[]);
    let b = backup(
        &c,
        "133",
        &[("remove", "1"), ("prune-backups", "keep-last=1")],
    );
    assert_eq!(wait(&c, &a)["exitstatus"], "OK");
    let tb = wait(&c, &b);
    assert_eq!(tb["exitstatus"], "OK");
    let log = log_text(&c, &b);
    assert!(
        log.contains("INFO: trying to get global lock - waiting..."),
        "{log}"
    );
    assert!(log.contains("INFO: prune older backup"), "{log}");
    assert_eq!(backups_of(&c, "133").len(), 1);
    // protected backups are kept and cannot be deleted
    let up = backup(&c, "133", &[("protected", "1")]);
    wait(&c, &up);
    let list = backups_of(&c, "133");
    let prot = list
        .iter()
        .find(|v| v["protected"] == 1)
        .expect("protected")
        .clone();
    let volid = prot["volid"].as_str().expect("volid");
    let r = c
        .delete(
            &format!("{API}/nodes/pve1/storage/local/content/{}", enc(volid)),
            &[],
        )
        .expect("del");
    assert_eq!(r.status, 500);
}

#[test]
fn full_storage_fails_backup_and_restore() {
    let (sim, c) = with_vm(134);
    let up = backup(&c, "134", &[]);
    assert_eq!(wait(&c, &up)["exitstatus"], "OK");
    let archive = backups_of(&c, "134")[0]["volid"]
        .as_str()
        .expect("volid")
        .to_string();
    let r = c
        .post_json("/_sim/storage", &json!({"storage": "local", "full": true}))
        .expect("ctl");
    assert_eq!(r.status, 200, "{}", r.text());
    let st = data(&get(&c, "/nodes/pve1/storage/local/status", &[]));
    assert_eq!(st["avail"], 0);
    let up = backup(&c, "134", &[]);
    assert_eq!(wait(&c, &up)["exitstatus"], "job errors");
    let log = log_text(&c, &up);
    assert!(
        log.contains(
            "ERROR: Backup of VM 134 failed - vma_queue_write: write error - No space left on device"
        ),
        "{log}"
    );
    assert_eq!(backups_of(&c, "134").len(), 1);
    assert_eq!(sim.vm(134).expect("vm").lock(), None);
    // a restore onto a full image storage fails in its task, leaving no VM
    sim.with_state(|s| {
        if let Some(st) = s.storages.get_mut("local-lvm") {
            st.full = true;
        }
    });
    let r = post(
        &c,
        "/nodes/pve1/qemu",
        &[
            ("vmid", "135"),
            ("archive", &archive),
            ("storage", "local-lvm"),
        ],
    );
    let t = wait(&c, &upid(&r));
    assert!(
        t["exitstatus"]
            .as_str()
            .unwrap_or("")
            .ends_with("No space left on device"),
        "{t}"
    );
    assert!(sim.vm(135).is_none());
    // a capacity that is too small has the same effect as full
    let r = c
        .post_json(
            "/_sim/storage",
            &json!({"storage": "local", "full": false, "total": 1024}),
        )
        .expect("ctl");
    assert_eq!(r.status, 200);
    let up = backup(&c, "134", &[]);
    assert_eq!(wait(&c, &up)["exitstatus"], "job errors");
    let r = c
        .post_json("/_sim/storage", &json!({"storage": "local", "full": "yes"}))
        .expect("ctl");
    assert_eq!(r.status, 400);
}

#[test]
fn qmrestore_new_and_over_an_existing_vm() {
    let (sim, c) = with_vm(136);
    let r = post(&c, "/nodes/pve1/qemu/136/snapshot", &[("snapname", "s1")]);
    wait(&c, &upid(&r));
    let up = backup(&c, "136", &[]);
    wait(&c, &up);
    let archive = backups_of(&c, "136")[0]["volid"]
        .as_str()
        .expect("volid")
        .to_string();
    let mac_before = sim.vm(136).expect("vm").config["net0"].clone();
    // existing VM without force
    let r = post(
        &c,
        "/nodes/pve1/qemu",
        &[("vmid", "136"), ("archive", &archive)],
    );
    assert_eq!(r.status, 500);
    assert_eq!(
        msg(&r),
        "unable to restore VM 136 - VM 136 already exists on node 'pve1'\n"
    );
    // force while running
    let r = post(&c, "/nodes/pve1/qemu/136/status/start", &[]);
    wait(&c, &upid(&r));
    let r = post(
        &c,
        "/nodes/pve1/qemu",
        &[("vmid", "136"), ("archive", &archive), ("force", "1")],
    );
    assert_eq!(r.status, 500);
    assert_eq!(msg(&r), "unable to restore VM 136 - VM is running\n");
    let r = post(&c, "/nodes/pve1/qemu/136/status/stop", &[]);
    wait(&c, &upid(&r));
    // locked
    sim.force_lock(136, Some("backup"));
    let r = post(
        &c,
        "/nodes/pve1/qemu",
        &[("vmid", "136"), ("archive", &archive), ("force", "1")],
    );
    assert_eq!(
        (r.status, msg(&r).as_str()),
        (500, "VM is locked (backup)\n")
    );
    sim.force_lock(136, None);
    // force: the VM is replaced, snapshots gone, the same MAC
    let r = post(
        &c,
        "/nodes/pve1/qemu",
        &[("vmid", "136"), ("archive", &archive), ("force", "1")],
    );
    let up = upid(&r);
    assert!(up.contains(":qmrestore:136:"));
    assert_eq!(sim.vm(136).expect("vm").lock(), Some("create"));
    assert_eq!(wait(&c, &up)["exitstatus"], "OK");
    let vm = sim.vm(136).expect("vm");
    assert!(vm.snapshots.is_empty());
    assert_eq!(vm.config["net0"], mac_before);
    assert_eq!(vm.lock(), None);
    // unique + start as a new VM
    let r = post(
        &c,
        "/nodes/pve1/qemu",
        &[
            ("vmid", "137"),
            ("archive", &archive),
            ("unique", "1"),
            ("start", "1"),
            ("storage", "local-lvm"),
        ],
    );
    assert_eq!(wait(&c, &upid(&r))["exitstatus"], "OK");
    let vm = sim.vm(137).expect("vm");
    assert_ne!(vm.config["net0"], mac_before);
    assert_eq!(vm.status, "running");
    assert!(vm.config["scsi0"].starts_with("local-lvm:vm-137-disk-0"));
    // a missing archive
    let r = post(
        &c,
        "/nodes/pve1/qemu",
        &[
            ("vmid", "138"),
            (
                "archive",
                "local:backup/vzdump-qemu-1-2020_01_01-00_00_00.vma.zst",
            ),
        ],
    );
    assert_eq!(r.status, 500);
    assert!(msg(&r).contains("does not exist"));
}
