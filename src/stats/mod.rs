//! Collect Statistics and what WHMCS bills from it. Each pass resolves
//! every VM's current node with one `cluster/resources` call per server
//! (VMs whose node is unknown — not deployed yet, or gone — are skipped),
//! reads rrddata for all VMs in parallel, and stores inbound/outbound
//! bytes per VM per hour in `puqProxmoxKVM_statistics`, one multi-row
//! upsert per batch. Rows older than the retention are dropped.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use mysql::PooledConn;
use serde_json::{json, Value};

use crate::backup::par_map;
use crate::backup::service::clients;
use crate::cron::Report;
use crate::db::{self, settings, DbConfig};
use crate::error::Result;
use crate::pve::ops::RrdPoint;
use crate::pve::{Client, Weight};
use crate::whmcs::Host;

/// Hours kept: 400 days (a billing year plus slack).
pub const RETENTION_SECS: i64 = 400 * 86_400;
const BATCH: usize = 500;
/// Parallel rrddata reads.
const READERS: usize = 32;
/// A pass stops starting new reads after this long.
const BUDGET: Duration = Duration::from_secs(45 * 60);
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Bytes per hour (start of the hour) from RRD points: each point is an
/// average rate over `step` seconds starting at its time.
pub fn hourly(points: &[RrdPoint]) -> BTreeMap<i64, (u64, u64)> {
    let step = points
        .windows(2)
        .map(|w| w[1].time - w[0].time)
        .filter(|d| *d > 0)
        .min()
        .unwrap_or(60);
    let mut out: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
    for p in points {
        if p.netin.is_none() && p.netout.is_none() {
            continue;
        }
        // A point wider than an hour (day timeframe is 30 min; week is 3 h)
        // is split over the hours it covers.
        let mut t = p.time;
        let end = p.time + step;
        while t < end {
            let hour = t.div_euclid(3600) * 3600;
            let slice = (hour + 3600).min(end) - t;
            let e = out.entry(hour).or_default();
            e.0 += p.netin.unwrap_or(0.0) * slice as f64;
            e.1 += p.netout.unwrap_or(0.0) * slice as f64;
            t += slice;
        }
    }
    out.into_iter()
        .map(|(h, (i, o))| (h, (i.round() as u64, o.round() as u64)))
        .collect()
}

/// Post-deploy VMs: a VMID and a node, past the deploy pipeline and not
/// being removed.
fn deployed(conn: &mut PooledConn) -> Result<Vec<(u32, u32, u32, String)>> {
    let rows: Vec<(u32, u32, u32, String, String)> = conn.query(
        "SELECT service_id, server_id, vm_id, node, vm_status FROM puqProxmoxKVM_vm_info
          WHERE vm_id IS NOT NULL AND vm_id > 0 AND node <> ''
            AND vm_status NOT IN ('terminate', 'remove', 'error_terminate')
          ORDER BY service_id",
    )?;
    Ok(rows
        .into_iter()
        .filter(|r| !crate::jobs::deploy::is_deploy_state(&r.4))
        .map(|(a, b, c, d, _)| (a, b, c, d))
        .collect())
}

struct Job<'a> {
    sid: u32,
    vmid: u32,
    node: String,
    client: &'a Client,
}

/// The Collect Statistics task.
pub fn collect(db: &DbConfig, host: &dyn Host, now: i64, last_run: Option<i64>) -> Result<Report> {
    let started = Instant::now();
    let mut conn = db::conn(db)?;
    let s = settings::load(&mut conn)?;
    let vms = deployed(&mut conn)?;
    let all: Option<u64> = conn.query_first(
        "SELECT COUNT(*) FROM puqProxmoxKVM_vm_info WHERE vm_status NOT IN ('terminate', 'remove', 'error_terminate')",
    )?;
    let not_deployed = all.unwrap_or(0).saturating_sub(vms.len() as u64);
    let cl = clients(&mut conn, host, &s, vms.iter().map(|v| v.1));
    let mut errors = 0;
    let mut details = Vec::new();
    // One cluster/resources call per server: the current node of each VM.
    let servers: Vec<u32> = cl.keys().copied().collect();
    let located = par_map(&servers, 8, |srv| match cl.get(srv) {
        Some(Ok((c, _))) => c.cluster_vms(Weight::Heavy).map_err(crate::Error::from),
        Some(Err(e)) => Err(crate::Error::Config(e.to_string())),
        None => Ok(Vec::new()),
    });
    let mut nodes: BTreeMap<(u32, u32), String> = BTreeMap::new();
    for (srv, r) in servers.iter().zip(located) {
        match r {
            Ok(list) => {
                for v in list {
                    if v.template != Some(1) && !v.node.is_empty() {
                        nodes.insert((*srv, v.vmid), v.node);
                    }
                }
            }
            Err(e) => {
                errors += 1;
                details.push(format!("server:{srv} cannot list VMs: {e}"));
            }
        }
    }
    let mut jobs = Vec::new();
    let mut skipped = 0;
    let mut moved: Vec<(u32, String)> = Vec::new();
    for (sid, srv, vmid, recorded) in &vms {
        let (Some(Ok((c, _))), Some(node)) = (cl.get(srv), nodes.get(&(*srv, *vmid))) else {
            skipped += 1;
            continue;
        };
        if node != recorded {
            moved.push((*sid, node.clone()));
        }
        jobs.push(Job {
            sid: *sid,
            vmid: *vmid,
            node: node.clone(),
            client: c,
        });
    }
    // Keep the VM records' node in step with where the VMs run now.
    for chunk in moved.chunks(BATCH) {
        let sql = format!(
            "UPDATE puqProxmoxKVM_vm_info SET node = CASE service_id {} END WHERE service_id IN ({})",
            vec!["WHEN ? THEN ?"; chunk.len()].join(" "),
            vec!["?"; chunk.len()].join(",")
        );
        let mut p: Vec<mysql::Value> = Vec::new();
        for (sid, node) in chunk {
            p.push(mysql::Value::from(sid));
            p.push(mysql::Value::from(node));
        }
        p.extend(chunk.iter().map(|(sid, _)| mysql::Value::from(sid)));
        conn.exec_drop(sql, mysql::Params::Positional(p))?;
    }
    // The hour timeframe (1-minute points, 70 minutes) is exact while the
    // task runs hourly; after a gap, the day timeframe (30-minute points)
    // fills the missed hours.
    let timeframe = match last_run {
        Some(l) if now - l <= 3900 => "hour",
        _ => "day",
    };
    let results = par_map(&jobs, READERS, |j| {
        if started.elapsed() > BUDGET {
            return None;
        }
        Some(j.client.rrddata(&j.node, j.vmid, timeframe))
    });
    let mut rows: Vec<(u32, i64, u64, u64)> = Vec::new();
    let mut read = 0;
    let mut late = 0;
    for (j, r) in jobs.iter().zip(results) {
        match r {
            None => late += 1,
            Some(Ok(points)) => {
                read += 1;
                for (hour, (i, o)) in hourly(&points) {
                    rows.push((j.sid, hour, i, o));
                }
            }
            Some(Err(e)) => {
                errors += 1;
                details.push(format!("sid:{} action:statistics error: {e}", j.sid));
            }
        }
    }
    store(&mut conn, &rows)?;
    conn.exec_drop(
        "DELETE FROM puqProxmoxKVM_statistics WHERE hour < ?",
        (now - RETENTION_SECS,),
    )?;
    Ok(Report {
        summary: format!(
            "VMs: {read}, not deployed: {not_deployed}, node unknown: {skipped}, over time budget: {late}, hours stored: {}, errors: {errors}",
            rows.len()
        ),
        details,
        errors,
    })
}

/// One multi-row upsert per batch. An hour's counters only grow while the
/// hour is in the RRD window, and a window that starts mid-hour must not
/// shrink a complete earlier value: keep the larger.
pub fn store(conn: &mut PooledConn, rows: &[(u32, i64, u64, u64)]) -> Result<()> {
    for chunk in rows.chunks(BATCH) {
        let marks = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO puqProxmoxKVM_statistics (service_id, hour, net_in, net_out) VALUES {marks}
             ON DUPLICATE KEY UPDATE net_in = GREATEST(net_in, VALUES(net_in)), net_out = GREATEST(net_out, VALUES(net_out))"
        );
        let params: Vec<mysql::Value> = chunk
            .iter()
            .flat_map(|(s, h, i, o)| {
                [
                    mysql::Value::from(s),
                    mysql::Value::from(h),
                    mysql::Value::from(i),
                    mysql::Value::from(o),
                ]
            })
            .collect();
        conn.exec_drop(sql, mysql::Params::Positional(params))?;
    }
    Ok(())
}

/// Start of the month containing `now`, in WHMCS's local time.
pub fn month_start(now: i64, tz_offset: i64) -> i64 {
    let local = now + tz_offset;
    let (y, m, _) = crate::util::civil(local.div_euclid(86_400));
    days_from_civil(y, m, 1) * 86_400 - tz_offset
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Bytes in / out of each service since `from`.
pub fn totals(
    conn: &mut PooledConn,
    service_ids: &[u32],
    from: i64,
) -> Result<BTreeMap<u32, (u64, u64)>> {
    let mut out = BTreeMap::new();
    for chunk in service_ids.chunks(BATCH) {
        let marks = vec!["?"; chunk.len()].join(",");
        let mut params: Vec<mysql::Value> = vec![mysql::Value::from(from)];
        params.extend(chunk.iter().map(mysql::Value::from));
        let rows: Vec<(u32, u64, u64)> = conn.exec(
            format!(
                "SELECT service_id, CAST(SUM(net_in) AS UNSIGNED), CAST(SUM(net_out) AS UNSIGNED)
                   FROM puqProxmoxKVM_statistics WHERE hour >= ? AND service_id IN ({marks})
                  GROUP BY service_id"
            ),
            mysql::Params::Positional(params),
        )?;
        for (s, i, o) in rows {
            out.insert(s, (i, o));
        }
    }
    Ok(out)
}

/// The MetricProvider's usage: this month's Bandwidth Usage In / Out in GB
/// (GiB, 1024³ bytes, three decimals) and bytes for the server's services
/// whose product has Metric Billing on, keyed by service id, each with its
/// `tenant` (the service's domain, WHMCS's key). `service_id` limits it to one.
pub fn metric_usage(
    conn: &mut PooledConn,
    server_id: u32,
    service_id: Option<u32>,
    now: i64,
    tz_offset: i64,
) -> Result<Value> {
    let rows: Vec<(u32, u32, String)> = conn.exec(
        "SELECT v.service_id, v.product_id, h.domain FROM puqProxmoxKVM_vm_info v
           JOIN tblhosting h ON h.id = v.service_id
          WHERE v.server_id = ? ORDER BY v.service_id",
        (server_id,),
    )?;
    let mut billed = Vec::new();
    let mut domains: BTreeMap<u32, String> = BTreeMap::new();
    let mut products: BTreeMap<u32, bool> = BTreeMap::new();
    for (sid, pid, domain) in rows {
        domains.insert(sid, domain);
        if service_id.is_some_and(|s| s != sid) {
            continue;
        }
        let on = match products.get(&pid) {
            Some(b) => *b,
            None => {
                let b = crate::config::product::load(conn, pid)?.metric_billing;
                products.insert(pid, b);
                b
            }
        };
        if on {
            billed.push(sid);
        }
    }
    let t = totals(conn, &billed, month_start(now, tz_offset))?;
    let mut out = serde_json::Map::new();
    for sid in billed {
        let (i, o) = t.get(&sid).copied().unwrap_or((0, 0));
        out.insert(
            sid.to_string(),
            json!({"tenant": domains.get(&sid), "bandwidth_in": round3(i as f64 / GIB),
                   "bandwidth_out": round3(o as f64 / GIB), "bytes_in": i, "bytes_out": o}),
        );
    }
    Ok(Value::Object(out))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// UsageUpdate: tblhosting's bandwidth (this month, MB) and disk (MB, used
/// and allocated as Proxmox reports them) for every service of the server,
/// in batched updates.
pub fn usage_update(
    conn: &mut PooledConn,
    client: &Client,
    server_id: u32,
    now: i64,
    tz_offset: i64,
) -> Result<usize> {
    let rows: Vec<(u32, u32)> = conn.exec(
        "SELECT service_id, vm_id FROM puqProxmoxKVM_vm_info WHERE server_id = ? AND vm_id IS NOT NULL",
        (server_id,),
    )?;
    let disks: BTreeMap<u32, (u64, u64)> = client
        .call(
            crate::pve::Method::Get,
            "/cluster/resources",
            &crate::pve::Form::new().set("type", "vm"),
            Weight::Heavy,
        )?
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| {
                    let id = u32::try_from(r.get("vmid")?.as_u64()?).ok()?;
                    let disk = r.get("disk").and_then(Value::as_u64).unwrap_or(0);
                    let max = r.get("maxdisk").and_then(Value::as_u64).unwrap_or(0);
                    Some((id, (disk, max)))
                })
                .collect()
        })
        .unwrap_or_default();
    let sids: Vec<u32> = rows.iter().map(|r| r.0).collect();
    let bw = totals(conn, &sids, month_start(now, tz_offset))?;
    const MB: u64 = 1024 * 1024;
    let updates: Vec<(u32, u64, u64, u64)> = rows
        .iter()
        .map(|(sid, vmid)| {
            let (i, o) = bw.get(sid).copied().unwrap_or((0, 0));
            let (d, m) = disks.get(vmid).copied().unwrap_or((0, 0));
            (*sid, (i + o) / MB, d / MB, m / MB)
        })
        .collect();
    for chunk in updates.chunks(BATCH) {
        let case = |_: &str| vec!["WHEN ? THEN ?"; chunk.len()].join(" ");
        let ids = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "UPDATE tblhosting SET bwusage = CASE id {} END, diskusage = CASE id {} END,
                    disklimit = CASE id {} END, lastupdate = NOW() WHERE id IN ({ids})",
            case("bw"),
            case("du"),
            case("dl")
        );
        let mut p: Vec<mysql::Value> = Vec::new();
        for pick in 0..3 {
            for (sid, bw, du, dl) in chunk {
                p.push(mysql::Value::from(sid));
                p.push(mysql::Value::from(
                    [bw, du, dl][pick].min(&(i32::MAX as u64)),
                ));
            }
        }
        p.extend(chunk.iter().map(|c| mysql::Value::from(c.0)));
        conn.exec_drop(sql, mysql::Params::Positional(p))?;
    }
    Ok(updates.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(time: i64, i: f64, o: f64) -> RrdPoint {
        RrdPoint {
            time,
            netin: Some(i),
            netout: Some(o),
        }
    }

    #[test]
    fn minute_points_sum_per_hour() {
        // 70 one-minute points from 10:50 to 11:59 at 1000 B/s in, 10 B/s out.
        let base = 1_764_756_000; // an hour boundary
        let pts: Vec<RrdPoint> = (0..70)
            .map(|i| pt(base - 600 + i * 60, 1000.0, 10.0))
            .collect();
        let h = hourly(&pts);
        assert_eq!(h[&(base - 3600)], (600_000, 6000));
        assert_eq!(h[&base], (3_600_000, 36_000));
        assert_eq!(h.len(), 2);
    }

    #[test]
    fn half_hour_points_and_gaps() {
        let base = 1_764_756_000;
        let mut pts = vec![pt(base, 2.0, 1.0), pt(base + 1800, 4.0, 1.0)];
        // PVE 9: a point without data contributes nothing.
        pts.push(RrdPoint {
            time: base + 3600,
            netin: None,
            netout: None,
        });
        let h = hourly(&pts);
        assert_eq!(h[&base], (2 * 1800 + 4 * 1800, 3600));
        assert!(!h.contains_key(&(base + 3600)));
    }

    #[test]
    fn month_boundaries() {
        // 2026-12-03 12:00 UTC → 2026-12-01 00:00 UTC.
        assert_eq!(month_start(1_796_385_600, 0), 1_796_083_200);
        assert_eq!(
            crate::util::datetime(1_796_083_200, 0),
            "2026-12-01 00:00:00"
        );
        // At UTC+2 the local month starts two hours earlier in UTC.
        assert_eq!(month_start(1_796_385_600, 7200), 1_796_083_200 - 7200);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }
}
