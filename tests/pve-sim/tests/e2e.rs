//! End-to-end tests over real sockets.

use pve_sim::{Client, ClientResponse, Config, Sim, SimHandle};
use serde_json::{json, Value};
use std::time::Duration;

const API: &str = "/api2/json";

fn start() -> SimHandle {
    Sim::start(Config::default())
}

fn data(r: &ClientResponse) -> Value {
    r.json()["data"].clone()
}

fn enc(s: &str) -> String {
    pve_sim::http::percent_encode(s)
}

fn wait(sim: &SimHandle, c: &Client, node: &str, upid: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let r = c
            .get(
                &format!("{API}/nodes/{node}/tasks/{}/status", enc(upid)),
                &[],
            )
            .expect("status");
        assert_eq!(r.status, 200, "{}", r.text());
        let d = data(&r);
        if d["status"] == "stopped" {
            return d;
        }
        assert!(std::time::Instant::now() < deadline, "task did not finish");
        let _ = sim;
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn https_with_pinned_fingerprint() {
    let sim = start();
    let fp = sim.fingerprint_sha256();
    assert_eq!(fp.len(), 95);
    assert!(fp
        .chars()
        .all(|c| c == ':' || c.is_ascii_digit() || c.is_ascii_uppercase()));
    assert!(sim.cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    let c = sim.client_https();
    let r = c.get(&format!("{API}/version"), &[]).expect("https");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(data(&r)["release"], "9.1");
    // a wrong fingerprint is refused by the client
    let wrong = fp.replace(&fp[0..2], if &fp[0..2] == "00" { "11" } else { "00" });
    let bad = Client::https_pinned(&sim.https_url(), &wrong).with_auth(&sim.auth_header());
    assert!(bad.get(&format!("{API}/version"), &[]).is_err());
}

#[test]
fn auth_and_error_bodies() {
    let sim = start();
    let anon = Client::http(&sim.http_url());
    let r = anon.get(&format!("{API}/version"), &[]).expect("req");
    assert_eq!((r.status, r.reason.as_str()), (401, "No ticket"));
    assert!(r.body.is_empty());
    let bad = Client::http(&sim.http_url()).with_auth("PVEAPIToken=root@pam!whmcs=wrong");
    let r = bad.get(&format!("{API}/version"), &[]).expect("req");
    assert_eq!(
        (r.status, r.reason.as_str()),
        (401, "Authentication failed!")
    );
    assert!(r.body.is_empty());
    // space form of the header works
    let space = Client::http(&sim.http_url()).with_auth(&format!(
        "PVEAPIToken {}={}",
        pve_sim::DEFAULT_TOKEN_ID,
        pve_sim::DEFAULT_TOKEN_SECRET
    ));
    assert_eq!(
        space
            .get(&format!("{API}/version"), &[])
            .expect("req")
            .status,
        200
    );

    let c = sim.client_http();
    let r = c.get(&format!("{API}/nodes/x/foo"), &[]).expect("req");
    assert_eq!(r.status, 501);
    assert_eq!(r.reason, "Method 'GET /nodes/x/foo' not implemented");
    assert_eq!(
        r.json(),
        json!({"data": null, "message": "Method 'GET /nodes/x/foo' not implemented\n"})
    );
    let r = c
        .get(&format!("{API}/nodes/pve2/qemu/9000/config"), &[])
        .expect("req");
    assert_eq!(r.status, 500);
    assert_eq!(
        r.reason,
        "Configuration file 'nodes/pve2/qemu-server/9000.conf' does not exist"
    );
    assert_eq!(
        r.json()["message"],
        "Configuration file 'nodes/pve2/qemu-server/9000.conf' does not exist\n"
    );
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/9000/clone"),
            &[("newid", "abc"), ("full", "true"), ("bogus", "1")],
        )
        .expect("req");
    assert_eq!(r.status, 400);
    assert_eq!(r.reason, "Parameter verification failed.");
    assert_eq!(
        r.json(),
        json!({
            "data": null,
            "message": "Parameter verification failed.\n",
            "errors": {
                "newid": "type check ('integer') failed - got 'abc'",
                "full": "type check ('boolean') failed - got 'true'",
                "bogus": "property is not defined in schema and the schema does not allow additional properties"
            }
        })
    );
}

#[test]
fn clone_task_config_flow_and_lock_conflict() {
    let sim = start();
    sim.set_task_ms("qmclone", 400);
    let c = sim.client_https();
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/9000/clone"),
            &[("newid", "101"), ("name", "web1")],
        )
        .expect("clone");
    assert_eq!(r.status, 200, "{}", r.text());
    let upid = data(&r).as_str().expect("upid").to_string();
    assert!(upid.starts_with("UPID:pve1:"), "{upid}");
    assert!(upid.ends_with(":qmclone:9000:root@pam!whmcs:"), "{upid}");
    // new VM exists immediately, locked
    let cfg = data(
        &c.get(&format!("{API}/nodes/pve1/qemu/101/config"), &[])
            .expect("cfg"),
    );
    assert_eq!(cfg["lock"], "clone");
    assert_eq!(cfg["name"], "web1");
    // lock conflict
    let r = c
        .put(
            &format!("{API}/nodes/pve1/qemu/101/config"),
            &[("cores", "2")],
        )
        .expect("put");
    assert_eq!((r.status, r.reason.as_str()), (500, "VM is locked (clone)"));
    assert_eq!(r.json()["message"], "VM is locked (clone)\n");
    let st = data(
        &c.get(
            &format!("{API}/nodes/pve1/tasks/{}/status", enc(&upid)),
            &[],
        )
        .expect("status"),
    );
    assert_eq!(st["status"], "running");
    assert_eq!(st["user"], "root@pam");
    assert_eq!(st["tokenid"], "whmcs");
    let done = wait(&sim, &c, "pve1", &upid);
    assert_eq!(done["exitstatus"], "OK");
    let cfg = data(
        &c.get(&format!("{API}/nodes/pve1/qemu/101/config"), &[])
            .expect("cfg"),
    );
    assert!(cfg.get("lock").is_none());
    assert_eq!(
        cfg["scsi0"],
        "local-lvm:base-9000-disk-0/vm-101-disk-0,size=2G"
    );
    assert_eq!(cfg["ide2"], "local-lvm:vm-101-cloudinit,media=cdrom");
    assert_eq!(cfg["cores"], 1);
    assert_ne!(cfg["net0"], "virtio=BC:24:11:00:00:01,bridge=vmbr0");
    // now the config change works; PUT is synchronous
    let r = c
        .put(
            &format!("{API}/nodes/pve1/qemu/101/config"),
            &[
                ("cores", "2"),
                ("memory", "4096"),
                ("ipconfig0", "ip=192.0.2.10/24,gw=192.0.2.1"),
            ],
        )
        .expect("put");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"data": null}));
    let log = c
        .get(&format!("{API}/nodes/pve1/tasks/{}/log", enc(&upid)), &[])
        .expect("log");
    let lines = data(&log);
    assert_eq!(
        lines
            .as_array()
            .and_then(|a| a.last())
            .map(|l| l["t"].clone()),
        Some(json!("TASK OK"))
    );
    // the request log has exactly what was sent
    let reqs = sim.requests();
    let put = reqs
        .iter()
        .rev()
        .find(|e| e.method == "PUT")
        .expect("put logged");
    assert_eq!(put.params["ipconfig0"], "ip=192.0.2.10/24,gw=192.0.2.1");
    assert_eq!(
        put.template.as_deref(),
        Some("/nodes/{node}/qemu/{vmid}/config")
    );
    assert_eq!(sim.calls("POST /nodes/{node}/qemu/{vmid}/clone"), 1);
}

#[test]
fn full_clone_to_other_node_needs_shared_storage() {
    let sim = start();
    sim.set_time_scale(0.0);
    let c = sim.client_http();
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/9000/clone"),
            &[("newid", "102"), ("target", "pve2"), ("full", "1")],
        )
        .expect("clone");
    assert_eq!(r.status, 500);
    assert_eq!(
        r.reason,
        "can't clone VM to node 'pve2' (VM uses local storage)"
    );
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/9000/clone"),
            &[("newid", "102"), ("storage", "ceph")],
        )
        .expect("clone");
    assert_eq!(
        r.reason,
        "parameter 'storage' not allowed for linked clones"
    );
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/9001/clone"),
            &[
                ("newid", "103"),
                ("full", "1"),
                ("storage", "local"),
                ("format", "qcow2"),
                ("name", "u1"),
            ],
        )
        .expect("clone");
    assert_eq!(r.status, 200, "{}", r.text());
    wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    let cfg = data(
        &c.get(&format!("{API}/nodes/pve1/qemu/103/config"), &[])
            .expect("cfg"),
    );
    assert_eq!(cfg["virtio0"], "local:103/vm-103-disk-0.qcow2,size=3G");
    assert_eq!(cfg["ide2"], "local-lvm:vm-103-cloudinit,media=cdrom");
    // taken newid
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/9000/clone"),
            &[("newid", "103")],
        )
        .expect("clone");
    assert_eq!(r.reason, "VM 103 already exists on node 'pve1'");
    // nextid
    let r = c
        .get(&format!("{API}/cluster/nextid"), &[("vmid", "103")])
        .expect("nextid");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"]["vmid"], "VM 103 already exists");
    let r = c
        .get(&format!("{API}/cluster/nextid"), &[])
        .expect("nextid");
    assert_eq!(data(&r), json!("100"));
}

#[test]
fn power_resize_migrate_delete() {
    let sim = start();
    sim.set_time_scale(0.1);
    let c = sim.client_http();
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/9000/clone"),
            &[("newid", "110"), ("full", "1")],
        )
        .expect("clone");
    wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    // resize
    let r = c
        .put(
            &format!("{API}/nodes/pve1/qemu/110/resize"),
            &[("disk", "scsi0"), ("size", "+8G")],
        )
        .expect("resize");
    let t = wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    assert_eq!(t["exitstatus"], "OK");
    let cfg = data(
        &c.get(&format!("{API}/nodes/pve1/qemu/110/config"), &[])
            .expect("cfg"),
    );
    assert_eq!(cfg["scsi0"], "local-lvm:vm-110-disk-0,size=10G");
    let r = c
        .put(
            &format!("{API}/nodes/pve1/qemu/110/resize"),
            &[("disk", "scsi0"), ("size", "5G")],
        )
        .expect("resize");
    let t = wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    assert_eq!(t["exitstatus"], "shrinking disks is not supported");
    // start
    let r = c
        .post(&format!("{API}/nodes/pve1/qemu/110/status/start"), &[])
        .expect("start");
    let upid = data(&r).as_str().expect("upid").to_string();
    assert!(upid.contains(":qmstart:110:"));
    wait(&sim, &c, "pve1", &upid);
    let s = data(
        &c.get(&format!("{API}/nodes/pve1/qemu/110/status/current"), &[])
            .expect("st"),
    );
    assert_eq!(s["status"], "running");
    assert_eq!(s["qmpstatus"], "running");
    // delete running → 500
    let r = c
        .delete(&format!("{API}/nodes/pve1/qemu/110"), &[])
        .expect("del");
    assert_eq!(r.reason, "VM 110 is running - destroy failed");
    // migrate running without online
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/110/migrate"),
            &[("target", "pve2")],
        )
        .expect("mig");
    assert_eq!(r.reason, "can't migrate running VM without --online");
    let r = c
        .post(&format!("{API}/nodes/pve1/qemu/110/status/stop"), &[])
        .expect("stop");
    wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/110/migrate"),
            &[("target", "pve1")],
        )
        .expect("mig");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"]["target"], "target is local node.");
    let pre = data(
        &c.get(&format!("{API}/nodes/pve1/qemu/110/migrate"), &[])
            .expect("pre"),
    );
    assert_eq!(pre["allowed_nodes"], json!(["pve2"]));
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/110/migrate"),
            &[("target", "pve2"), ("targetstorage", "ceph")],
        )
        .expect("mig");
    assert_eq!(r.status, 200, "{}", r.text());
    let upid = data(&r).as_str().expect("upid").to_string();
    let cfg = data(
        &c.get(&format!("{API}/nodes/pve1/qemu/110/config"), &[])
            .expect("cfg"),
    );
    assert_eq!(cfg["lock"], "migrate");
    wait(&sim, &c, "pve1", &upid);
    // moved: old node says missing, new node has it with volumes on ceph
    let r = c
        .get(&format!("{API}/nodes/pve1/qemu/110/config"), &[])
        .expect("cfg");
    assert_eq!(r.status, 500);
    let cfg = data(
        &c.get(&format!("{API}/nodes/pve2/qemu/110/config"), &[])
            .expect("cfg"),
    );
    assert_eq!(cfg["scsi0"], "ceph:vm-110-disk-0,size=10G");
    let res = data(
        &c.get(&format!("{API}/cluster/resources"), &[("type", "vm")])
            .expect("res"),
    );
    let vm = res
        .as_array()
        .and_then(|a| a.iter().find(|v| v["vmid"] == 110).cloned())
        .expect("in resources");
    assert_eq!(vm["node"], "pve2");
    assert_eq!(vm["id"], "qemu/110");
    // delete
    let r = c
        .delete(
            &format!("{API}/nodes/pve2/qemu/110"),
            &[("purge", "1"), ("destroy-unreferenced-disks", "1")],
        )
        .expect("del");
    assert_eq!(r.status, 200, "{}", r.text());
    wait(&sim, &c, "pve2", data(&r).as_str().expect("upid"));
    assert!(sim.vm(110).is_none());
    assert!(!sim.state().volumes.iter().any(|v| v.vmid == Some(110)));
}

#[test]
fn permissions_faults_latency_and_control_api() {
    let sim = start();
    let c = sim.client_http();
    sim.deny(pve_sim::DEFAULT_TOKEN_ID, "VM.Allocate", Some("/vms/9000"));
    let r = c
        .delete(&format!("{API}/nodes/pve1/qemu/9000"), &[])
        .expect("del");
    assert_eq!(r.status, 403);
    assert_eq!(r.reason, "Permission check failed (/vms/9000, VM.Allocate)");
    assert_eq!(
        r.json()["message"],
        "Permission check failed (/vms/9000, VM.Allocate)\n"
    );
    sim.clear_denials(pve_sim::DEFAULT_TOKEN_ID);

    // control API over HTTP: a one-shot fault
    let ctl = Client::http(&sim.http_url());
    let r = ctl
        .post_json(
            "/_sim/fault",
            &json!({"method": "GET", "path": "^/version$", "status": 503, "message": "busy", "count": 1}),
        )
        .expect("fault");
    assert_eq!(r.status, 200);
    let r = c.get(&format!("{API}/version"), &[]).expect("v");
    assert_eq!((r.status, r.reason.as_str()), (503, "busy"));
    assert_eq!(
        c.get(&format!("{API}/version"), &[]).expect("v").status,
        200
    );

    // forced lock through the control API
    ctl.post_json("/_sim/lock", &json!({"vmid": 9001, "lock": "backup"}))
        .expect("lock");
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/9001/clone"),
            &[("newid", "120")],
        )
        .expect("clone");
    assert_eq!(r.reason, "VM is locked (backup)");
    ctl.post_json(
        "/_sim/lock",
        &json!({"vmid": 9001, "flock": true, "lock": null}),
    )
    .expect("lock");
    let r = c
        .put(
            &format!("{API}/nodes/pve1/qemu/9001/config"),
            &[("cores", "2")],
        )
        .expect("put");
    assert_eq!(
        r.reason,
        "can't lock file '/var/lock/qemu-server/lock-9001.conf' - got timeout"
    );

    // latency
    ctl.post_json(
        "/_sim/latency",
        &json!({"rules": [{"method": "GET", "path": "^/nodes$", "ms": 150}]}),
    )
    .expect("lat");
    let t0 = std::time::Instant::now();
    c.get(&format!("{API}/nodes"), &[]).expect("nodes");
    assert!(t0.elapsed() >= Duration::from_millis(150));

    // counters and request log
    let calls = ctl.get("/_sim/calls", &[]).expect("calls");
    assert_eq!(calls.json()["data"]["by_endpoint"]["GET /nodes"], 1);
    let reqs = ctl.get("/_sim/requests", &[("limit", "1")]).expect("reqs");
    assert_eq!(reqs.json()["data"][0]["path"], "/nodes");
    assert_eq!(reqs.json()["data"][0]["status"], 200);
    let st = ctl.get("/_sim/state", &[]).expect("state");
    assert!(st.json()["data"]["vms"]["9000"].is_object());
    ctl.post_json("/_sim/reset", &json!({})).expect("reset");
    assert_eq!(sim.total_calls(), 0);
    assert!(!sim.vm(9001).expect("vm").flock);

    // task failure injection
    sim.fail_next_task("qmstart", "start failed: QEMU exited with code 1");
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/9000/clone"),
            &[("newid", "130"), ("full", "1")],
        )
        .expect("clone");
    wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    let r = c
        .post(&format!("{API}/nodes/pve1/qemu/130/status/start"), &[])
        .expect("start");
    let t = wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    assert_eq!(t["exitstatus"], "start failed: QEMU exited with code 1");
    assert_eq!(sim.vm(130).expect("vm").status, "stopped");
}

#[test]
fn cloud_init_firewall_snapshots_backup_restore() {
    let sim = start();
    sim.set_time_scale(0.0);
    let c = sim.client_http();
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/9000/clone"),
            &[("newid", "140"), ("name", "db1")],
        )
        .expect("clone");
    wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    // double-encoded sshkeys
    let keys = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx user@host\n";
    let once = pve_sim::http::percent_encode(keys);
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/140/config"),
            &[
                ("sshkeys", &once),
                ("ciuser", "admin"),
                ("net1", "virtio,bridge=vmbr1,tag=20"),
            ],
        )
        .expect("post cfg");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(data(&r).as_str().expect("upid").contains(":qmconfig:140:"));
    let cfg = data(
        &c.get(&format!("{API}/nodes/pve1/qemu/140/config"), &[])
            .expect("cfg"),
    );
    assert_eq!(cfg["sshkeys"], once.as_str());
    assert!(cfg["net1"]
        .as_str()
        .expect("net1")
        .starts_with("virtio=BC:24:11:"));
    // single-encoded (raw spaces) is rejected
    let r = c
        .put(
            &format!("{API}/nodes/pve1/qemu/140/config"),
            &[("sshkeys", keys)],
        )
        .expect("put");
    assert_eq!(r.status, 400);
    assert!(r.json()["errors"]["sshkeys"]
        .as_str()
        .expect("err")
        .starts_with("invalid format - invalid urlencoded string: "));
    // delete a key and an unknown option
    let r = c
        .put(
            &format!("{API}/nodes/pve1/qemu/140/config"),
            &[("delete", "net1,ciuser")],
        )
        .expect("put");
    assert_eq!(r.status, 200);
    let r = c
        .put(
            &format!("{API}/nodes/pve1/qemu/140/config"),
            &[("delete", "foo")],
        )
        .expect("put");
    assert_eq!(r.json()["errors"]["delete"], "unknown option 'foo'");

    // firewall
    let base = format!("{API}/nodes/pve1/qemu/140/firewall");
    assert_eq!(
        c.put(
            &format!("{base}/options"),
            &[("enable", "1"), ("policy_in", "DROP")]
        )
        .expect("opt")
        .status,
        200
    );
    let o = data(&c.get(&format!("{base}/options"), &[]).expect("opt"));
    assert_eq!(o["enable"], 1);
    assert_eq!(o["policy_in"], "DROP");
    c.post(
        &format!("{base}/rules"),
        &[
            ("type", "in"),
            ("action", "ACCEPT"),
            ("proto", "tcp"),
            ("dport", "22"),
            ("enable", "1"),
        ],
    )
    .expect("rule");
    c.post(
        &format!("{base}/rules"),
        &[
            ("type", "in"),
            ("action", "ACCEPT"),
            ("proto", "tcp"),
            ("dport", "443"),
        ],
    )
    .expect("rule");
    let rules = data(&c.get(&format!("{base}/rules"), &[]).expect("rules"));
    assert_eq!(rules[0]["dport"], "443");
    assert_eq!(rules[1]["pos"], 1);
    let r = c.get(&format!("{base}/rules/7"), &[]).expect("rule");
    assert_eq!(r.json()["errors"]["pos"], "no rule at position 7");
    assert_eq!(
        c.delete(&format!("{base}/rules/0"), &[])
            .expect("del")
            .status,
        200
    );
    c.post(&format!("{base}/ipset"), &[("name", "ipfilter-net0")])
        .expect("ipset");
    let r = c
        .post(
            &format!("{base}/ipset/ipfilter-net0"),
            &[("cidr", "192.0.2.10/32")],
        )
        .expect("add");
    assert_eq!(r.status, 200, "{}", r.text());
    let r = c
        .post(
            &format!("{base}/ipset/ipfilter-net0"),
            &[("cidr", "192.0.2.10/32")],
        )
        .expect("add");
    assert_eq!(r.reason, "address '192.0.2.10/32' already exists");
    let r = c
        .get(
            &format!("{base}/ipset/ipfilter-net0/{}", enc("192.0.2.10/32")),
            &[],
        )
        .expect("ip");
    assert_eq!(data(&r)["cidr"], "192.0.2.10/32");
    let r = c
        .delete(&format!("{base}/ipset/ipfilter-net0"), &[])
        .expect("del");
    assert_eq!(r.reason, "IPSet 'ipfilter-net0' is not empty");
    c.delete(
        &format!("{base}/ipset/ipfilter-net0/{}", enc("192.0.2.10/32")),
        &[],
    )
    .expect("del");
    assert_eq!(
        c.delete(&format!("{base}/ipset/ipfilter-net0"), &[])
            .expect("del")
            .status,
        200
    );

    // snapshots
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/140/snapshot"),
            &[("snapname", "before"), ("description", "x")],
        )
        .expect("snap");
    wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    c.put(
        &format!("{API}/nodes/pve1/qemu/140/config"),
        &[("cores", "4")],
    )
    .expect("put");
    let list = data(
        &c.get(&format!("{API}/nodes/pve1/qemu/140/snapshot"), &[])
            .expect("list"),
    );
    assert_eq!(list[0]["name"], "before");
    assert_eq!(list[1]["name"], "current");
    assert_eq!(list[1]["parent"], "before");
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/140/snapshot/before/rollback"),
            &[],
        )
        .expect("rb");
    wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    let cfg = data(
        &c.get(&format!("{API}/nodes/pve1/qemu/140/config"), &[])
            .expect("cfg"),
    );
    assert_eq!(cfg["cores"], 1);
    let r = c
        .delete(&format!("{API}/nodes/pve1/qemu/140/snapshot/nope"), &[])
        .expect("del");
    // checked inside the worker, as PVE does
    let t = wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    assert_eq!(t["exitstatus"], "snapshot 'nope' does not exist");

    // backup, prune, restore
    for _ in 0..3 {
        let r = c
            .post(
                &format!("{API}/nodes/pve1/vzdump"),
                &[
                    ("vmid", "140"),
                    ("storage", "local"),
                    ("compress", "zstd"),
                    ("mode", "snapshot"),
                    ("notes-template", "{{guestname}} backup"),
                    ("prune-backups", "keep-last=2"),
                ],
            )
            .expect("vzdump");
        assert_eq!(r.status, 200, "{}", r.text());
        let t = wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
        assert_eq!(t["exitstatus"], "OK");
    }
    let content = data(
        &c.get(
            &format!("{API}/nodes/pve1/storage/local/content"),
            &[("content", "backup"), ("vmid", "140")],
        )
        .expect("content"),
    );
    let backups = content.as_array().expect("array");
    assert_eq!(backups.len(), 2);
    assert_eq!(backups[0]["notes"], "db1 backup");
    assert!(backups[0]["volid"]
        .as_str()
        .expect("volid")
        .starts_with("local:backup/vzdump-qemu-140-"));
    let archive = backups[1]["volid"].as_str().expect("volid").to_string();
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu"),
            &[
                ("vmid", "141"),
                ("archive", &archive),
                ("storage", "local-lvm"),
            ],
        )
        .expect("restore");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(data(&r).as_str().expect("upid").contains(":qmrestore:141:"));
    wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    let cfg = data(
        &c.get(&format!("{API}/nodes/pve1/qemu/141/config"), &[])
            .expect("cfg"),
    );
    assert_eq!(cfg["scsi0"], "local-lvm:vm-141-disk-0,size=2G");
    assert_eq!(cfg["name"], "db1");
    // storage list filter
    let st = data(
        &c.get(
            &format!("{API}/nodes/pve1/storage"),
            &[("content", "backup")],
        )
        .expect("st"),
    );
    assert_eq!(st.as_array().map(|a| a.len()), Some(1));
    assert_eq!(st[0]["storage"], "local");
    assert!(st[0]["avail"].as_u64().expect("avail") > 0);
    // delete a backup volume
    let r = c
        .delete(
            &format!("{API}/nodes/pve1/storage/local/content/{}", enc(&archive)),
            &[],
        )
        .expect("del");
    assert_eq!(r.status, 200, "{}", r.text());
    wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    // create a VM from scratch
    let r = c
        .post(
            &format!("{API}/nodes/pve2/qemu"),
            &[
                ("vmid", "150"),
                ("name", "fresh"),
                ("memory", "1024"),
                ("scsi0", "ceph:16,discard=on"),
                ("net0", "virtio,bridge=vmbr0"),
                ("ide2", "ceph:cloudinit"),
                ("start", "1"),
            ],
        )
        .expect("create");
    assert_eq!(r.status, 200, "{}", r.text());
    wait(&sim, &c, "pve2", data(&r).as_str().expect("upid"));
    let cfg = data(
        &c.get(&format!("{API}/nodes/pve2/qemu/150/config"), &[])
            .expect("cfg"),
    );
    assert_eq!(cfg["scsi0"], "ceph:vm-150-disk-0,discard=on,size=16G");
    assert_eq!(sim.vm(150).expect("vm").status, "running");
    let v = data(
        &c.post(&format!("{API}/nodes/pve2/qemu/150/vncproxy"), &[])
            .expect("vnc"),
    );
    assert!(v["ticket"].as_str().expect("ticket").starts_with("PVEVNC:"));
    assert!(v["upid"].as_str().expect("upid").contains(":vncproxy:150:"));
    let rrd = data(
        &c.get(
            &format!("{API}/nodes/pve2/qemu/150/rrddata"),
            &[("timeframe", "hour"), ("cf", "AVERAGE")],
        )
        .expect("rrd"),
    );
    assert_eq!(rrd.as_array().map(|a| a.len()), Some(70));
}

#[test]
fn binary_ready_file() {
    let dir = std::env::temp_dir().join(format!("pve-sim-test-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let ready = dir.join("ready.json");
    let _ = std::fs::remove_file(&ready);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pve-sim"))
        .args([
            "--http",
            "127.0.0.1:0",
            "--https",
            "127.0.0.1:0",
            "--token",
            "root@pam!ci=s3cr3t",
            "--ready-file",
        ])
        .arg(&ready)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let info: Value = loop {
        if let Ok(t) = std::fs::read_to_string(&ready) {
            if let Ok(v) = serde_json::from_str(&t) {
                break v;
            }
        }
        assert!(std::time::Instant::now() < deadline, "no ready file");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(info["pid"], child.id());
    let https = format!("https://127.0.0.1:{}", info["https_port"]);
    let c = Client::https_pinned(&https, info["fingerprint"].as_str().expect("fp"))
        .with_auth("PVEAPIToken=root@pam!ci=s3cr3t");
    let r = c.get(&format!("{API}/nodes"), &[]).expect("nodes");
    assert_eq!(r.status, 200);
    assert_eq!(data(&r)[0]["node"], "pve1");
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn guest_agent_and_task_lookup_errors() {
    let sim = start();
    sim.set_time_scale(0.0);
    let c = sim.client_http();
    let r = c
        .post(
            &format!("{API}/nodes/pve1/qemu/9000/clone"),
            &[("newid", "160"), ("full", "1")],
        )
        .expect("clone");
    let upid = data(&r).as_str().expect("upid").to_string();
    wait(&sim, &c, "pve1", &upid);
    // the task lives on pve1 only
    let r = c
        .get(
            &format!("{API}/nodes/pve2/tasks/{}/status", enc(&upid)),
            &[],
        )
        .expect("status");
    assert_eq!(r.json()["errors"]["upid"], "no such task");
    let r = c
        .get(&format!("{API}/nodes/pve1/tasks/garbage/status"), &[])
        .expect("status");
    assert_eq!(r.json()["errors"]["upid"], "unable to parse worker upid");
    c.put(
        &format!("{API}/nodes/pve1/qemu/160/config"),
        &[("ipconfig0", "ip=198.51.100.7/24,gw=198.51.100.1")],
    )
    .expect("put");
    let path = format!("{API}/nodes/pve1/qemu/160/agent/network-get-interfaces");
    let r = c.get(&path, &[]).expect("agent");
    assert_eq!(r.reason, "VM 160 is not running");
    let r = c
        .post(&format!("{API}/nodes/pve1/qemu/160/status/start"), &[])
        .expect("start");
    wait(&sim, &c, "pve1", data(&r).as_str().expect("upid"));
    let r = c.get(&path, &[]).expect("agent");
    assert_eq!(r.status, 200, "{}", r.text());
    let ifaces = data(&r)["result"].clone();
    assert_eq!(ifaces[1]["ip-addresses"][0]["ip-address"], "198.51.100.7");
    assert_eq!(ifaces[1]["ip-addresses"][0]["prefix"], 24);
    Client::http(&sim.http_url())
        .post_json("/_sim/vm", &json!({"vmid": 160, "agent_running": false}))
        .expect("ctl");
    assert_eq!(
        c.get(&path, &[]).expect("agent").reason,
        "QEMU guest agent is not running"
    );
    // node offline → 595 for proxied calls; unknown node → hostname lookup error
    sim.set_node_online("pve2", false);
    assert_eq!(
        c.get(&format!("{API}/nodes/pve2/qemu"), &[])
            .expect("list")
            .status,
        595
    );
    let r = c.get(&format!("{API}/nodes/pve9/qemu"), &[]).expect("list");
    assert_eq!(
        r.reason,
        "hostname lookup 'pve9' failed - failed to get address info for: pve9: Name or service not known"
    );
}
