//! Usage chart series from `GET /nodes/{node}/qemu/{vmid}/rrddata`, in both
//! the PVE 8 and the PVE 9 shapes.
//!
//! PVE 8 (`pve2.3-vm` RRD files) answers rows with `cpu`, `maxcpu`, `mem`,
//! `maxmem`, `disk`, `maxdisk`, `netin`, `netout`, `diskread`, `diskwrite`;
//! rows with no data yet carry only `time`. PVE 9 (`pve-vm-9.0` files) adds
//! `memhost` and the `pressure*` columns, leaves unknown values out (or
//! null), and a 9.0 file asked for `cf=AVERAGE` may fail with "No DS called
//! 'AVERAGE'" — so the module never sends `cf` and reads every value as
//! optional. Some proxies render numbers as strings; those are read too.
//! A chart never breaks the page: unparsable rows are skipped.

use serde::Serialize;
use serde_json::Value;

/// Time frames of the spec (and of PVE).
pub const TIMEFRAMES: &[&str] = &["hour", "day", "week", "month", "year"];

#[derive(Debug, Default, Serialize, PartialEq)]
pub struct Series {
    pub time: Vec<i64>,
    /// Percent of the VM's CPUs.
    pub cpu: Vec<Option<f64>>,
    /// Percent of the VM's memory.
    pub mem: Vec<Option<f64>>,
    /// MB/s (10^6 bytes).
    pub netin: Vec<Option<f64>>,
    pub netout: Vec<Option<f64>>,
    pub diskread: Vec<Option<f64>>,
    pub diskwrite: Vec<Option<f64>>,
    /// "pve8" or "pve9" (any PVE 9 column seen).
    pub format: &'static str,
}

fn num(row: &Value, key: &str) -> Option<f64> {
    let v = match row.get(key)? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    v.is_finite().then_some(v)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Throughput keeps 1 kB/s resolution (idle VMs move a few kB/s).
fn round_mb(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

pub fn parse(data: &Value) -> Series {
    let mut rows: Vec<&Value> = data
        .as_array()
        .map(|a| a.iter().filter(|r| num(r, "time").is_some()).collect())
        .unwrap_or_default();
    rows.sort_by_key(|r| num(r, "time").map_or(0, |t| t as i64));
    let mut s = Series {
        format: "pve8",
        ..Series::default()
    };
    let mb = |r: &Value, k: &str| num(r, k).map(|v| round_mb(v / 1_000_000.0));
    for r in rows {
        if r.get("memhost").is_some() || r.get("pressurecpusome").is_some() {
            s.format = "pve9";
        }
        s.time.push(num(r, "time").map_or(0, |t| t as i64));
        s.cpu.push(num(r, "cpu").map(|c| round2(c * 100.0)));
        let mem = num(r, "mem").or_else(|| num(r, "memhost"));
        s.mem.push(match (mem, num(r, "maxmem")) {
            (Some(m), Some(max)) if max > 0.0 => Some(round2(m / max * 100.0)),
            _ => None,
        });
        s.netin.push(mb(r, "netin"));
        s.netout.push(mb(r, "netout"));
        s.diskread.push(mb(r, "diskread"));
        s.diskwrite.push(mb(r, "diskwrite"));
    }
    s
}

impl Series {
    /// The newest row that has a value for `pick`.
    pub fn last(&self, pick: fn(&Series) -> &Vec<Option<f64>>) -> Option<f64> {
        pick(self).iter().rev().find_map(|v| *v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pve8_rows() {
        // PVE 8.x: every column present; a row without data has only `time`.
        let d = json!([
            {"time": 1712678460, "cpu": 0.25, "maxcpu": 2, "mem": 536870912, "maxmem": 1073741824,
             "disk": 0, "maxdisk": 10737418240u64, "netin": 2000000.0, "netout": 1000000.0,
             "diskread": 4000000.0, "diskwrite": 500000.0},
            {"time": 1712678400, "cpu": 0.5, "maxcpu": 2, "mem": 268435456, "maxmem": 1073741824,
             "netin": 0, "netout": 0, "diskread": 0, "diskwrite": 0},
            {"time": 1712678520}
        ]);
        let s = parse(&d);
        assert_eq!(s.format, "pve8");
        assert_eq!(s.time, vec![1712678400, 1712678460, 1712678520]);
        assert_eq!(s.cpu, vec![Some(50.0), Some(25.0), None]);
        assert_eq!(s.mem, vec![Some(25.0), Some(50.0), None]);
        assert_eq!(s.netin[1], Some(2.0));
        assert_eq!(s.diskwrite[1], Some(0.5));
        assert_eq!(s.last(|s| &s.cpu), Some(25.0));
    }

    #[test]
    fn pve9_rows() {
        // PVE 9.x (pve-vm-9.0): memhost and pressure columns, unknown values
        // left out or null, numbers sometimes as strings.
        let d = json!([
            {"time": 1756000000, "cpu": 0.1, "maxcpu": 4, "maxmem": 2147483648u64,
             "memhost": 1073741824, "netin": "1500000", "netout": null,
             "diskread": 1000000, "pressurecpusome": 0.0, "pressureiofull": 0.0},
            {"time": 1756000060, "maxcpu": 4, "maxmem": 2147483648u64, "mem": 536870912,
             "memhost": 1073741824, "pressurememorysome": 0.1},
            {"cpu": 0.9},
            "garbage"
        ]);
        let s = parse(&d);
        assert_eq!(s.format, "pve9");
        assert_eq!(s.time.len(), 2);
        assert_eq!(s.cpu, vec![Some(10.0), None]);
        // mem preferred, memhost when mem is missing.
        assert_eq!(s.mem, vec![Some(50.0), Some(25.0)]);
        assert_eq!(s.netin[0], Some(1.5));
        assert_eq!(s.netout[0], None);
        assert_eq!(s.diskwrite, vec![None, None]);
    }

    #[test]
    fn not_an_array_is_empty() {
        assert!(parse(&json!({"errors": "x"})).time.is_empty());
        assert!(parse(&Value::Null).time.is_empty());
    }
}
