//! Endpoints behind snapshots, backups, restores and statistics: VM
//! snapshots, vzdump, backup volumes on a storage, qmrestore, rrddata and
//! task logs. Long operations return the task's UPID; callers record it and
//! poll it, they never sleep on it inside a web request.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::api::encode_segment;
use super::api::{decode, upid, vm_path};
use super::client::{seg, Client, Form, Method, PveResult, Weight};
use super::PveError;

/// One snapshot of `GET .../snapshot` (the `current` pseudo-entry excluded).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Snapshot {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Unix time the snapshot was taken.
    #[serde(default)]
    pub snaptime: Option<i64>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub vmstate: Option<u8>,
}

/// One backup volume of `GET /nodes/{node}/storage/{storage}/content`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct BackupVolume {
    pub volid: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub ctime: i64,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub vmid: Option<u32>,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub protected: Option<u8>,
}

/// One point of `rrddata`: the traffic counters we bill. PVE 8 and PVE 9
/// both report `netin`/`netout` as bytes per second averaged over the step;
/// PVE 9 adds fields (memhost, pressure*) and may omit a metric or send
/// `null` for a point with no data.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
pub struct RrdPoint {
    pub time: i64,
    #[serde(default)]
    pub netin: Option<f64>,
    #[serde(default)]
    pub netout: Option<f64>,
}

impl Client {
    pub fn snapshots(&self, node: &str, vmid: u32) -> PveResult<Vec<Snapshot>> {
        let v = self.call(
            Method::Get,
            &vm_path(node, vmid, "/snapshot")?,
            &Form::new(),
            Weight::Light,
        )?;
        let all: Vec<Snapshot> = decode(v, "snapshot list")?;
        Ok(all.into_iter().filter(|s| s.name != "current").collect())
    }

    pub fn snapshot_create(
        &self,
        node: &str,
        vmid: u32,
        name: &str,
        description: &str,
        vmstate: bool,
    ) -> PveResult<String> {
        let f = Form::new()
            .set("snapname", name)
            .opt(
                "description",
                (!description.is_empty()).then_some(description),
            )
            .opt("vmstate", vmstate.then_some(1));
        upid(self.call(
            Method::Post,
            &vm_path(node, vmid, "/snapshot")?,
            &f,
            Weight::Heavy,
        )?)
    }

    pub fn snapshot_delete(&self, node: &str, vmid: u32, name: &str) -> PveResult<String> {
        let path = vm_path(node, vmid, &format!("/snapshot/{}", seg("snapname", name)?))?;
        upid(self.call(Method::Delete, &path, &Form::new(), Weight::Heavy)?)
    }

    pub fn snapshot_rollback(&self, node: &str, vmid: u32, name: &str) -> PveResult<String> {
        let path = vm_path(
            node,
            vmid,
            &format!("/snapshot/{}/rollback", seg("snapname", name)?),
        )?;
        upid(self.call(Method::Post, &path, &Form::new(), Weight::Heavy)?)
    }

    /// `vzdump` of one VM to `storage`, mode snapshot, zstd, with notes.
    /// Old backups are never pruned by Proxmox (`remove=0`): the module
    /// keeps the quota itself.
    pub fn vzdump(&self, node: &str, vmid: u32, storage: &str, notes: &str) -> PveResult<String> {
        let f = Form::new()
            .set("vmid", vmid)
            .set("storage", storage)
            .set("mode", "snapshot")
            .set("compress", "zstd")
            .set("remove", 0)
            .opt("notes-template", (!notes.is_empty()).then_some(notes));
        let path = format!("/nodes/{}/vzdump", seg("node", node)?);
        upid(self.call(Method::Post, &path, &f, Weight::Heavy)?)
    }

    /// The backups of `vmid` on `storage` as seen from `node`.
    pub fn backups(&self, node: &str, storage: &str, vmid: u32) -> PveResult<Vec<BackupVolume>> {
        let path = format!(
            "/nodes/{}/storage/{}/content",
            seg("node", node)?,
            seg("storage", storage)?
        );
        let f = Form::new().set("content", "backup").set("vmid", vmid);
        let v = self.call(Method::Get, &path, &f, Weight::Heavy)?;
        let mut all: Vec<BackupVolume> = decode(v, "backup list")?;
        // A storage may list other guests' archives despite the filter
        // (older PVE): only this VM's count.
        all.retain(|b| b.vmid == Some(vmid));
        all.sort_by_key(|b| b.ctime);
        Ok(all)
    }

    /// Deletes a volume. PVE 7+ answers with a task; older ones with null.
    pub fn volume_delete(
        &self,
        node: &str,
        storage: &str,
        volid: &str,
    ) -> PveResult<Option<String>> {
        let path = format!(
            "/nodes/{}/storage/{}/content/{}",
            seg("node", node)?,
            seg("storage", storage)?,
            encode_segment(volid)
        );
        match self.call(Method::Delete, &path, &Form::new(), Weight::Heavy)? {
            Value::Null => Ok(None),
            v => upid(v).map(Some),
        }
    }

    /// qmrestore over the existing VM (`force=1`): the VM must be stopped.
    pub fn restore(&self, node: &str, vmid: u32, archive: &str) -> PveResult<String> {
        let f = Form::new()
            .set("vmid", vmid)
            .set("archive", archive)
            .set("force", 1);
        let path = format!("/nodes/{}/qemu", seg("node", node)?);
        upid(self.call(Method::Post, &path, &f, Weight::Heavy)?)
    }

    /// RRD points of a VM (`timeframe` hour or day, average).
    pub fn rrddata(&self, node: &str, vmid: u32, timeframe: &str) -> PveResult<Vec<RrdPoint>> {
        let f = Form::new().set("timeframe", timeframe).set("cf", "AVERAGE");
        let v = self.call(
            Method::Get,
            &vm_path(node, vmid, "/rrddata")?,
            &f,
            Weight::Heavy,
        )?;
        parse_rrd(v)
    }

    /// Tasks of one type for one VM on a node, running or ended, newest
    /// first: `(upid, starttime)`.
    pub fn vm_tasks(&self, node: &str, vmid: u32, ttype: &str) -> PveResult<Vec<(String, i64)>> {
        let path = format!("/nodes/{}/tasks", seg("node", node)?);
        let f = Form::new()
            .set("vmid", vmid)
            .set("typefilter", ttype)
            .set("source", "all")
            .set("limit", 20);
        let v = self.call(Method::Get, &path, &f, Weight::Light)?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| {
                        let upid = t.get("upid")?.as_str()?.to_string();
                        let start = t.get("starttime").and_then(Value::as_i64).unwrap_or(0);
                        Some((upid, start))
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The last lines of a task's log.
    pub fn task_log(&self, node: &str, upid: &str, limit: u32) -> PveResult<Vec<String>> {
        let path = format!(
            "/nodes/{}/tasks/{}/log",
            seg("node", node)?,
            encode_segment(upid)
        );
        let v = self.call(
            Method::Get,
            &path,
            &Form::new().set("limit", limit),
            Weight::Light,
        )?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.get("t").and_then(Value::as_str).map(String::from))
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// Parses rrddata of either generation: numbers may come as JSON numbers or
/// strings, missing or `null` metrics are "no data", and rows without a
/// time are skipped.
pub fn parse_rrd(v: Value) -> PveResult<Vec<RrdPoint>> {
    let rows = v
        .as_array()
        .ok_or_else(|| PveError::Protocol("rrddata is not a list".into()))?;
    let num = |x: Option<&Value>| -> Option<f64> {
        match x? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|f| f.is_finite() && *f >= 0.0)
    };
    Ok(rows
        .iter()
        .filter_map(|r| {
            let time = num(r.get("time"))? as i64;
            Some(RrdPoint {
                time,
                netin: num(r.get("netin")),
                netout: num(r.get("netout")),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rrd_of_both_generations() {
        // PVE 8: every metric a number.
        let p8 = parse_rrd(json!([
            {"time": 1_700_000_040, "netin": 100.5, "netout": 50, "cpu": 0.1, "maxmem": 1},
        ]))
        .unwrap();
        assert_eq!(p8[0].netin, Some(100.5));
        assert_eq!(p8[0].netout, Some(50.0));
        // PVE 9: extra fields, a point with no data, numbers as strings.
        let p9 = parse_rrd(json!([
            {"time": 1_700_000_040, "memhost": 5, "pressurecpusome": 0},
            {"time": "1700000100", "netin": "12.5", "netout": null},
            {"netin": 3},
        ]))
        .unwrap();
        assert_eq!(p9.len(), 2);
        assert_eq!(p9[0].netin, None);
        assert_eq!(p9[1].time, 1_700_000_100);
        assert_eq!(p9[1].netin, Some(12.5));
        assert_eq!(p9[1].netout, None);
        assert!(parse_rrd(json!({"x": 1})).is_err());
    }
}
