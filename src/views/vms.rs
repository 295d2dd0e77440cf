//! VM Management page: every VM record with its client, product, server,
//! states and IPs (with rDNS), searched, filtered and paginated in SQL so
//! 10,000 services cost one page of rows; the Log, Reset, DB Record and
//! Delete Record actions; and the poll that refreshes rows in progress.

use std::collections::BTreeMap;

use mysql::prelude::Queryable;
use mysql::Value as SqlValue;
use serde_json::{json, Map, Value};

use super::Ctx;
use crate::error::{Error, Result};
use crate::jobs::machine;
use crate::jobs::record;
use crate::server::admin;
use crate::server::lifecycle::{self, RedeployFrom};
use crate::whmcs::perms;

/// Rows per page the list accepts.
pub const PAGE_SIZES: &[u32] = &[10, 25, 50, 100];
const DEFAULT_PAGE_SIZE: u32 = 25;
/// Rows one poll may ask for.
const MAX_POLL: usize = 100;

/// WHMCS service statuses (tblhosting.domainstatus).
pub const SERVICE_STATUSES: &[&str] = &[
    "Pending",
    "Active",
    "Suspended",
    "Terminated",
    "Cancelled",
    "Fraud",
    "Completed",
];

/// Columns of the DB Record editor that are never shown or edited: the
/// row's identity, and anything that looks like a credential.
const LOCKED: &[&str] = &["id", "service_id"];

fn is_secret_column(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["password", "secret", "token", "passwd"]
        .iter()
        .any(|s| n.contains(s))
}

const FROM: &str = "FROM puqProxmoxKVM_vm_info v \
     LEFT JOIN tblhosting h ON h.id = v.service_id \
     LEFT JOIN tblclients c ON c.id = h.userid \
     LEFT JOIN tblproducts p ON p.id = h.packageid \
     LEFT JOIN tblservers s ON s.id = v.server_id";

const COLUMNS: &str = "v.service_id, h.userid, \
     TRIM(CONCAT(COALESCE(c.firstname, ''), ' ', COALESCE(c.lastname, ''))), c.companyname, \
     p.name, v.server_id, s.name, v.vm_id, v.vm_name, v.hostname, v.node, v.vm_status, h.domainstatus, \
     v.last_error, CAST(v.updated_at AS CHAR)";

type RowTuple = (
    u32,
    Option<u32>,
    Option<String>,
    Option<String>,
    Option<String>,
    u32,
    Option<String>,
    Option<u32>,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The filter of the list, from the request.
#[derive(Debug, Default, PartialEq)]
pub struct Filter {
    pub q: String,
    pub service_status: String,
    /// A state name, or a group: `progress`, `error`.
    pub vm_state: String,
    pub server_id: u32,
    pub client_id: u32,
    pub page: u32,
    pub per_page: u32,
}

impl Filter {
    pub fn from_ctx(ctx: &Ctx<'_>) -> Result<Filter> {
        let f = &ctx.input;
        let num = |key: &str| -> Result<u32> {
            match f.opt_int(key)? {
                None => Ok(0),
                Some(n) => u32::try_from(n).map_err(|_| {
                    Error::input(key, format!("must be 0 or a positive number, got {n}"))
                }),
            }
        };
        let service_status = f.str_or_empty("service_status")?;
        if !service_status.is_empty() && !SERVICE_STATUSES.contains(&service_status.as_str()) {
            return Err(Error::input(
                "service_status",
                format!(
                    "unknown service status '{}'",
                    crate::util::one_line(&service_status, 20)
                ),
            ));
        }
        let per_page = match num("per_page")? {
            0 => DEFAULT_PAGE_SIZE,
            n if PAGE_SIZES.contains(&n) => n,
            n => {
                return Err(Error::input(
                    "per_page",
                    format!("must be one of {PAGE_SIZES:?}, got {n}"),
                ))
            }
        };
        Ok(Filter {
            q: f.str_or_empty("q")?.trim().chars().take(100).collect(),
            service_status,
            vm_state: f
                .str_or_empty("vm_state")?
                .trim()
                .chars()
                .take(32)
                .collect(),
            server_id: num("server_id")?,
            client_id: num("client_id")?,
            page: num("page")?.max(1),
            per_page,
        })
    }

    /// The WHERE clause and its parameters. Only placeholders carry input.
    pub fn sql(&self) -> (String, Vec<SqlValue>) {
        let mut w: Vec<String> = Vec::new();
        let mut args: Vec<SqlValue> = Vec::new();
        match self.vm_state.as_str() {
            "" => {}
            "progress" => {
                let (c, a) = progress_clause("v.");
                w.push(c);
                args.extend(a);
            }
            "error" => {
                let (c, a) = error_clause("v.");
                w.push(c);
                args.extend(a);
            }
            s => {
                w.push("v.vm_status = ?".into());
                args.push(s.into());
            }
        }
        if !self.service_status.is_empty() {
            w.push("h.domainstatus = ?".into());
            args.push(self.service_status.as_str().into());
        }
        if self.server_id > 0 {
            w.push("v.server_id = ?".into());
            args.push(self.server_id.into());
        }
        if self.client_id > 0 {
            w.push("h.userid = ?".into());
            args.push(self.client_id.into());
        }
        if !self.q.is_empty() {
            let like = format!(
                "%{}%",
                self.q
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            let mut any = vec![
                "v.vm_name LIKE ?",
                "v.hostname LIKE ?",
                "h.domain LIKE ?",
                "CONCAT(COALESCE(c.firstname, ''), ' ', COALESCE(c.lastname, '')) LIKE ?",
                "c.companyname LIKE ?",
                "p.name LIKE ?",
                "EXISTS (SELECT 1 FROM puqProxmoxKVM_ip_addresses a WHERE a.service_id = v.service_id AND a.address LIKE ?)",
            ]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>();
            for _ in 0..any.len() {
                args.push(like.as_str().into());
            }
            if let Ok(n) = self.q.trim_start_matches('#').parse::<u32>() {
                any.push("v.service_id = ?".into());
                args.push(n.into());
                any.push("v.vm_id = ?".into());
                args.push(n.into());
            }
            w.push(format!("({})", any.join(" OR ")));
        }
        let clause = if w.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", w.join(" AND "))
        };
        (clause, args)
    }
}

fn take<T: mysql::prelude::FromValue>(r: &mut mysql::Row, i: usize) -> Result<T> {
    match r.take_opt::<T, usize>(i) {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(Error::Db(format!("VM list column {i}: {e}"))),
        None => Err(Error::Db(format!("VM list column {i} is missing"))),
    }
}

fn tuple(mut r: mysql::Row) -> Result<RowTuple> {
    Ok((
        take(&mut r, 0)?,
        take(&mut r, 1)?,
        take(&mut r, 2)?,
        take(&mut r, 3)?,
        take(&mut r, 4)?,
        take(&mut r, 5)?,
        take(&mut r, 6)?,
        take(&mut r, 7)?,
        take(&mut r, 8)?,
        take(&mut r, 9)?,
        take(&mut r, 10)?,
        take(&mut r, 11)?,
        take(&mut r, 12)?,
        take(&mut r, 13)?,
        take(&mut r, 14)?,
    ))
}

fn fetch(ctx: &mut Ctx<'_>, sql: String, args: Vec<SqlValue>) -> Result<Vec<RowTuple>> {
    let rows: Vec<mysql::Row> = ctx.conn.exec(sql, args)?;
    rows.into_iter().map(tuple).collect()
}

fn placeholders(states: &[&'static str]) -> (String, Vec<SqlValue>) {
    (
        vec!["?"; states.len().max(1)].join(","),
        if states.is_empty() {
            vec!["".into()]
        } else {
            states.iter().map(|s| (*s).into()).collect()
        },
    )
}

/// VMs the cron is working on (the states the machine tables leave),
/// `prefix` the table alias (`v.` or empty). Shared with the dashboard, so
/// its count and this page's "In progress" list agree.
pub fn progress_clause(prefix: &str) -> (String, Vec<SqlValue>) {
    let (marks, args) = placeholders(&machine::active_states());
    (format!("{prefix}vm_status IN ({marks})"), args)
}

/// VMs in error: a failed end state, or in progress with a failed last run.
pub fn error_clause(prefix: &str) -> (String, Vec<SqlValue>) {
    let (failed, mut args) = placeholders(machine::FAILED_STATES);
    let (active, more) = placeholders(&machine::active_states());
    args.extend(more);
    (
        format!(
            "({prefix}vm_status IN ({failed}) OR ({prefix}vm_status IN ({active}) \
             AND {prefix}last_error IS NOT NULL AND {prefix}last_error <> ''))"
        ),
        args,
    )
}

fn rows_value(ctx: &mut Ctx<'_>, rows: Vec<RowTuple>) -> Result<Vec<Value>> {
    let ids: Vec<u32> = rows.iter().map(|r| r.0).collect();
    let mut ips: BTreeMap<u32, Vec<Value>> = BTreeMap::new();
    if !ids.is_empty() {
        let marks = vec!["?"; ids.len()].join(",");
        let found: Vec<(u32, String, u8, String)> = ctx.conn.exec(
            format!(
                "SELECT a.service_id, a.address, a.family, COALESCE(NULLIF(a.ptr_name, ''), v.hostname, '') \
                   FROM puqProxmoxKVM_ip_addresses a \
                   LEFT JOIN puqProxmoxKVM_vm_info v ON v.service_id = a.service_id \
                  WHERE a.service_id IN ({marks}) ORDER BY a.service_id, a.family, a.address_bin"
            ),
            ids.clone(),
        )?;
        for (sid, address, family, rdns) in found {
            ips.entry(sid)
                .or_default()
                .push(json!({"address": address, "family": family, "rdns": rdns}));
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let (
                sid,
                client_id,
                client,
                company,
                product,
                server_id,
                server,
                vm_id,
                vm_name,
                hostname,
                node,
                state,
                service_status,
                last_error,
                updated,
            ) = r;
            let last_error = last_error.unwrap_or_default();
            json!({
                "service_id": sid,
                "client_id": client_id,
                "client": client.unwrap_or_default(),
                "company": company.unwrap_or_default(),
                "product": product.unwrap_or_default(),
                "server_id": server_id,
                "server": server.unwrap_or_default(),
                "vm_id": vm_id,
                "vm_name": vm_name,
                "hostname": hostname,
                "node": node,
                "vm_status": state,
                "service_status": service_status.unwrap_or_default(),
                "tone": machine::tone(&state, &last_error),
                "last_error": last_error,
                "updated_at": updated.unwrap_or_default(),
                "in_progress": machine::is_active(&state),
                // The spec: shown when vm_status != ready; and only where the
                // lifecycle would accept it (not while another operation runs).
                "can_redeploy": state != "redeploy"
                    && lifecycle::redeploy_offered(RedeployFrom::VmList, &state, vm_id.unwrap_or(0)).is_none(),
                "can_delete_record": lifecycle::can_delete_record(&state),
                "ips": ips.remove(&sid).unwrap_or_default(),
            })
        })
        .collect())
}

pub fn list(ctx: &mut Ctx<'_>) -> Result<Value> {
    let f = Filter::from_ctx(ctx)?;
    let (clause, args) = f.sql();
    let total: u64 = ctx
        .conn
        .exec_first(format!("SELECT COUNT(*) {FROM} {clause}"), args.clone())?
        .unwrap_or(0);
    let pages = total.div_ceil(u64::from(f.per_page)).max(1);
    let page = u64::from(f.page).min(pages);
    let mut page_args = args;
    page_args.push(u64::from(f.per_page).into());
    page_args.push(((page - 1) * u64::from(f.per_page)).into());
    let rows = fetch(
        ctx,
        format!("SELECT {COLUMNS} {FROM} {clause} ORDER BY v.service_id DESC LIMIT ? OFFSET ?"),
        page_args,
    )?;
    let rows = rows_value(ctx, rows)?;
    Ok(json!({
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "per_page": f.per_page,
    }))
}

/// The current rows of the given services (the page's rows in progress).
pub fn poll(ctx: &mut Ctx<'_>) -> Result<Value> {
    let text = ctx.input.str_or_empty("ids")?;
    let mut ids = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id: u32 = part.parse().map_err(|_| {
            Error::input(
                "ids",
                format!("'{}' is not a service id", crate::util::one_line(part, 20)),
            )
        })?;
        ids.push(id);
    }
    ids.truncate(MAX_POLL);
    if ids.is_empty() {
        return Ok(json!({"rows": []}));
    }
    let marks = vec!["?"; ids.len()].join(",");
    let rows = fetch(
        ctx,
        format!("SELECT {COLUMNS} {FROM} WHERE v.service_id IN ({marks})"),
        ids.into_iter().map(SqlValue::from).collect(),
    )?;
    Ok(json!({"rows": rows_value(ctx, rows)?}))
}

pub fn page(ctx: &mut Ctx<'_>) -> Result<Value> {
    let servers: Vec<(u32, String)> = ctx.conn.exec(
        "SELECT id, name FROM tblservers WHERE type = ? ORDER BY name, id",
        (crate::ippool::store::SERVER_TYPE,),
    )?;
    let states: Vec<String> = ctx
        .conn
        .query("SELECT DISTINCT vm_status FROM puqProxmoxKVM_vm_info ORDER BY vm_status")?;
    let reference = lifecycle::status_reference();
    Ok(json!({
        "servers": servers.into_iter().map(|(id, name)| json!({"id": id, "name": name})).collect::<Vec<_>>(),
        "service_statuses": SERVICE_STATUSES,
        "vm_states": states,
        "page_sizes": PAGE_SIZES,
        "reset": reference["reset"],
        "reference": reference["statuses"],
    }))
}

fn service_id(ctx: &Ctx<'_>) -> Result<u32> {
    ctx.input.req_id("service_id")
}

/// Every run of a VM, newest first, with per-step rows; `failed` is the
/// last run when it failed (the red banner).
pub fn log(ctx: &mut Ctx<'_>) -> Result<Value> {
    let sid = service_id(ctx)?;
    if record::load(&mut ctx.conn, sid)?.is_none() {
        return Err(Error::input(
            "service_id",
            format!("service #{sid} has no VM record"),
        ));
    }
    let runs = record::runs(&mut ctx.conn, sid, 50)?;
    let failed = runs
        .first()
        .filter(|r| r.result == "error")
        .map(|r| json!({"action": r.action, "error": r.error}));
    Ok(json!({"service_id": sid, "runs": runs, "failed": failed}))
}

pub fn reset(ctx: &mut Ctx<'_>) -> Result<Value> {
    let sid = service_id(ctx)?;
    let status = ctx.input.req_str("status")?;
    admin::reset_status(ctx.db, ctx.host, &ctx.admin, sid, &status)?;
    Ok(json!({"service_id": sid, "vm_status": status}))
}

pub fn redeploy(ctx: &mut Ctx<'_>) -> Result<Value> {
    let sid = service_id(ctx)?;
    admin::redeploy(ctx.db, ctx.host, &ctx.admin, sid, RedeployFrom::VmList)?;
    Ok(json!({"service_id": sid}))
}

pub fn delete_record(ctx: &mut Ctx<'_>) -> Result<Value> {
    let sid = service_id(ctx)?;
    admin::delete_record(ctx.db, ctx.host, &ctx.admin, sid)?;
    Ok(json!({"service_id": sid, "deleted": true}))
}

/// A column of puqProxmoxKVM_vm_info as information_schema describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub data_type: String,
    pub column_type: String,
    pub nullable: bool,
    pub max_len: Option<u64>,
}

fn columns(ctx: &mut Ctx<'_>) -> Result<Vec<Column>> {
    let rows: Vec<(String, String, String, String, Option<u64>)> = ctx.conn.query(
        "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_MAXIMUM_LENGTH \
           FROM information_schema.COLUMNS \
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'puqProxmoxKVM_vm_info' ORDER BY ORDINAL_POSITION",
    )?;
    Ok(rows
        .into_iter()
        .filter(|r| !is_secret_column(&r.0))
        .map(|(name, data_type, column_type, nullable, max_len)| Column {
            name,
            data_type: data_type.to_ascii_lowercase(),
            column_type: column_type.to_ascii_lowercase(),
            nullable: nullable == "YES",
            max_len,
        })
        .collect())
}

/// The raw vm_info row for the DB Record editor: each column with its type
/// and value (text, or null).
pub fn record_get(ctx: &mut Ctx<'_>) -> Result<Value> {
    let sid = service_id(ctx)?;
    let cols = columns(ctx)?;
    let select = cols
        .iter()
        .map(|c| format!("CAST(`{}` AS CHAR)", c.name))
        .collect::<Vec<_>>()
        .join(", ");
    // Column names come from information_schema, not from the request.
    let row: Option<mysql::Row> = ctx.conn.exec_first(
        format!("SELECT {select} FROM puqProxmoxKVM_vm_info WHERE service_id = ?"),
        (sid,),
    )?;
    let row =
        row.ok_or_else(|| Error::input("service_id", format!("service #{sid} has no VM record")))?;
    // A value that is not UTF-8 text is shown escaped and locked: editing
    // it in a form would silently replace the real bytes.
    let values: Vec<(Option<String>, bool)> = (0..cols.len())
        .map(|i| {
            match row
                .get_opt::<Option<Vec<u8>>, usize>(i)
                .and_then(|r| r.ok())
                .flatten()
            {
                None => (None, false),
                Some(b) => match String::from_utf8(b) {
                    Ok(t) => (Some(t), false),
                    Err(e) => (Some(crate::util::escaped(e.as_bytes(), 2000)), true),
                },
            }
        })
        .collect();
    Ok(json!({
        "service_id": sid,
        "columns": cols.iter().zip(values).map(|(c, (v, unreadable))| json!({
            "name": c.name,
            "type": c.column_type,
            "nullable": c.nullable,
            "locked": unreadable || LOCKED.contains(&c.name.as_str()),
            "value": v,
        })).collect::<Vec<_>>(),
    }))
}

/// Checks one edited value against its column's type; `None` is SQL NULL.
pub fn check_value(c: &Column, value: Option<&str>) -> Result<SqlValue> {
    let Some(text) = value else {
        return if c.nullable {
            Ok(SqlValue::NULL)
        } else {
            Err(Error::input(c.name.as_str(), "cannot be NULL"))
        };
    };
    let unsigned = c.column_type.contains("unsigned");
    let int_range = |bits: u32| -> (i128, i128) {
        if unsigned {
            (0, (1i128 << bits) - 1)
        } else {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        }
    };
    let bits = match c.data_type.as_str() {
        "tinyint" => Some(8),
        "smallint" => Some(16),
        "mediumint" => Some(24),
        "int" | "integer" => Some(32),
        "bigint" => Some(64),
        _ => None,
    };
    if let Some(bits) = bits {
        let n: i128 = text.trim().parse().map_err(|_| {
            Error::input(
                c.name.as_str(),
                format!(
                    "is an integer column ({}), got '{}'",
                    c.column_type,
                    crate::util::one_line(text, 30)
                ),
            )
        })?;
        let (lo, hi) = int_range(bits);
        if n < lo || n > hi {
            return Err(Error::input(
                c.name.as_str(),
                format!("must be between {lo} and {hi} ({}), got {n}", c.column_type),
            ));
        }
        return Ok(SqlValue::from(n.to_string()));
    }
    match c.data_type.as_str() {
        "double" | "float" | "decimal" => {
            let n: f64 = text.trim().parse().map_err(|_| {
                Error::input(
                    c.name.as_str(),
                    format!(
                        "is a number column, got '{}'",
                        crate::util::one_line(text, 30)
                    ),
                )
            })?;
            if !n.is_finite() {
                return Err(Error::input(c.name.as_str(), "must be a finite number"));
            }
            Ok(SqlValue::from(text.trim().to_string()))
        }
        "timestamp" | "datetime" | "date" => {
            let t = text.trim();
            let (lo, hi) = if c.data_type == "timestamp" {
                // A TIMESTAMP holds 1970-01-01 00:00:01 to 2038-01-19
                // 03:14:07 UTC; these bounds hold in every session time zone.
                ((1970, 1, 2), (2038, 1, 18))
            } else {
                ((1000, 1, 1), (9999, 12, 31))
            };
            let with_time = c.data_type != "date";
            if let Err(why) = check_date(t, with_time, lo, hi) {
                let shape = if with_time {
                    "a date and time YYYY-MM-DD HH:MM:SS"
                } else {
                    "a date YYYY-MM-DD"
                };
                return Err(Error::input(
                    c.name.as_str(),
                    format!(
                        "must be {shape} ({why}), got '{}'",
                        crate::util::one_line(t, 30)
                    ),
                ));
            }
            Ok(SqlValue::from(t.to_string()))
        }
        _ => {
            // Names, states and ids reach Proxmox calls and the cron output:
            // no control characters (a TEXT column, such as last_error, may
            // hold line breaks and tabs).
            let text_column = c.data_type.ends_with("text");
            if text
                .chars()
                .any(|ch| crate::util::is_unsafe(ch) && !(text_column && matches!(ch, '\n' | '\t')))
            {
                return Err(Error::input(
                    c.name.as_str(),
                    format!(
                        "must not contain control characters: '{}'",
                        crate::util::escaped(text.as_bytes(), 60)
                    ),
                ));
            }
            if let Some(max) = c.max_len {
                let len = text.chars().count() as u64;
                if len > max {
                    return Err(Error::input(
                        c.name.as_str(),
                        format!("is at most {max} characters ({}), got {len}", c.column_type),
                    ));
                }
            }
            Ok(SqlValue::from(text.to_string()))
        }
    }
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        _ => 28,
    }
}

/// Checks `YYYY-MM-DD[ HH:MM:SS]` for a real calendar date and time within
/// `lo..=hi` (year, month, day); the error says what is wrong.
fn check_date(
    t: &str,
    with_time: bool,
    lo: (u32, u32, u32),
    hi: (u32, u32, u32),
) -> std::result::Result<(), String> {
    let len = if with_time { 19 } else { 10 };
    let shape_ok = t.len() == len
        && t.char_indices().all(|(i, ch)| match i {
            4 | 7 => ch == '-',
            10 => ch == ' ',
            13 | 16 => ch == ':',
            _ => ch.is_ascii_digit(),
        });
    if !shape_ok {
        return Err("wrong format".into());
    }
    let n = |a: usize, b: usize| t.get(a..b).and_then(|x| x.parse::<u32>().ok()).unwrap_or(0);
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    if !(1..=12).contains(&m) {
        return Err(format!("there is no month {m}"));
    }
    if d < 1 || d > days_in_month(y, m) {
        return Err(format!("month {m} of {y} has no day {d}"));
    }
    if with_time {
        let (hh, mm, ss) = (n(11, 13), n(14, 16), n(17, 19));
        if hh > 23 || mm > 59 || ss > 59 {
            return Err(format!("there is no time {hh:02}:{mm:02}:{ss:02}"));
        }
    }
    if (y, m, d) < lo || (y, m, d) > hi {
        return Err(format!(
            "the column holds {:04}-{:02}-{:02} to {:04}-{:02}-{:02}",
            lo.0, lo.1, lo.2, hi.0, hi.1, hi.2
        ));
    }
    Ok(())
}

/// The columns of a unique key of puqProxmoxKVM_vm_info, in key order.
fn key_columns(ctx: &mut Ctx<'_>, key: &str) -> Result<Vec<String>> {
    Ok(ctx.conn.exec(
        "SELECT COLUMN_NAME FROM information_schema.STATISTICS \
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'puqProxmoxKVM_vm_info' AND INDEX_NAME = ? \
          ORDER BY SEQ_IN_INDEX",
        (key,),
    )?)
}

/// A duplicate-key refusal (MySQL 1062) as an error on the edited column of
/// that key, naming the record that already has the value.
fn duplicate(
    ctx: &mut Ctx<'_>,
    sid: u32,
    message: &str,
    edited: &[(String, SqlValue)],
) -> Result<Error> {
    // "Duplicate entry '3-105' for key 'uniq_vm'" (MariaDB may prefix the table).
    let key = message
        .rsplit("for key '")
        .next()
        .map(|k| k.trim_end_matches('\'').rsplit('.').next().unwrap_or(k))
        .unwrap_or("")
        .to_string();
    let cols = key_columns(ctx, &key)?;
    let field = cols
        .iter()
        .find(|c| edited.iter().any(|(e, _)| e == *c))
        .or_else(|| cols.first())
        .cloned()
        .unwrap_or_else(|| "values".into());
    // Who has it: the key's columns with the edited values, the others as
    // this row has them. Column names come from information_schema.
    let mut args: Vec<SqlValue> = vec![sid.into()];
    let mut conds = Vec::new();
    for c in &cols {
        match edited.iter().find(|(e, _)| e == c) {
            Some((_, v)) => {
                conds.push(format!("o.`{c}` = ?"));
                args.push(v.clone());
            }
            None => conds.push(format!("o.`{c}` = t.`{c}`")),
        }
    }
    args.push(sid.into());
    let other: Option<u32> = if conds.is_empty() {
        None
    } else {
        ctx.conn.exec_first(
            format!(
                "SELECT o.service_id FROM puqProxmoxKVM_vm_info o, puqProxmoxKVM_vm_info t \
                  WHERE o.service_id <> ? AND {} AND t.service_id = ? LIMIT 1",
                conds.join(" AND ")
            ),
            args,
        )?
    };
    let who = other.map_or("another VM record".to_string(), |o| format!("service #{o}"));
    Ok(Error::input(
        format!("values[{field}]"),
        format!(
            "{who} already has this value: {} must be unique (key {key})",
            cols.join(" + ")
        ),
    ))
}

/// Saves the DB Record editor: `values[col]` for each edited column and
/// `nulls[col] = 1` for NULL. Every value is checked against its column
/// type first; one bad value saves nothing and names its column.
pub fn record_save(ctx: &mut Ctx<'_>) -> Result<Value> {
    let sid = service_id(ctx)?;
    let cols = columns(ctx)?;
    let values = match ctx.input.raw("values") {
        Some(Value::Object(m)) => m.clone(),
        None => Map::new(),
        Some(_) => return Err(Error::input("values", "must be a map of column => value")),
    };
    let nulls = match ctx.input.raw("nulls") {
        Some(Value::Object(m)) => m.clone(),
        None => Map::new(),
        Some(Value::Array(a)) if a.is_empty() => Map::new(),
        Some(_) => return Err(Error::input("nulls", "must be a map of column => 1")),
    };
    let mut set: Vec<String> = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    let mut edited: Vec<(String, SqlValue)> = Vec::new();
    for name in values.keys().chain(nulls.keys()) {
        if !cols.iter().any(|c| &c.name == name) {
            return Err(Error::input(
                format!("values[{}]", crate::util::one_line(name, 40)),
                "no such column in puqProxmoxKVM_vm_info",
            ));
        }
    }
    for c in &cols {
        // An array where one value belongs is an error, never skipped.
        let one = |map: &Map<String, Value>, what: &str| -> Result<Option<String>> {
            match map.get(&c.name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => crate::whmcs::fields::scalar_string(v)
                    .map(Some)
                    .ok_or_else(|| {
                        Error::input(
                            format!("{what}[{}]", c.name),
                            "expected a single value, got an array",
                        )
                    }),
            }
        };
        let is_null = one(&nulls, "nulls")?.is_some_and(|v| v == "1");
        let text = one(&values, "values")?;
        if text.is_none() && !is_null {
            continue;
        }
        if LOCKED.contains(&c.name.as_str()) {
            return Err(Error::input(
                format!("values[{}]", c.name),
                "this column cannot be edited",
            ));
        }
        let v =
            check_value(c, if is_null { None } else { text.as_deref() }).map_err(|e| match e {
                Error::Input { key, message } => Error::input(format!("values[{key}]"), message),
                other => other,
            })?;
        set.push(format!("`{}` = ?", c.name));
        edited.push((c.name.clone(), v.clone()));
        args.push(v);
    }
    if set.is_empty() {
        return Err(Error::input("values", "nothing to save"));
    }
    let client: u32 = ctx
        .conn
        .exec_first(
            "SELECT client_id FROM puqProxmoxKVM_vm_info WHERE service_id = ?",
            (sid,),
        )?
        .ok_or_else(|| Error::input("service_id", format!("service #{sid} has no VM record")))?;
    args.push(sid.into());
    let updated = ctx.conn.exec_drop(
        format!(
            "UPDATE puqProxmoxKVM_vm_info SET {} WHERE service_id = ?",
            set.join(", ")
        ),
        args,
    );
    match updated {
        Ok(()) => {}
        Err(mysql::Error::MySqlError(e)) if e.code == 1062 => {
            return Err(duplicate(ctx, sid, &e.message, &edited)?)
        }
        // A value the server refuses after all (out of range, bad date,
        // too long): the admin's input, not a server failure.
        Err(mysql::Error::MySqlError(e)) if matches!(e.code, 1264 | 1292 | 1366 | 1406) => {
            let field = match edited.as_slice() {
                [(only, _)] => format!("values[{only}]"),
                _ => "values".to_string(),
            };
            return Err(Error::input(
                field,
                format!("the database refused the value: {}", e.message),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    // Which columns changed (not their values: last_error and names may be
    // long), so an audit can tell what a later terminate acted on.
    let changed: Vec<&str> = set.iter().filter_map(|a| a.split('`').nth(1)).collect();
    perms::audit(
        ctx.host,
        &ctx.admin,
        &format!("DB Record of service #{sid} saved: {}", changed.join(", ")),
        client,
    );
    record_get(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(
        name: &str,
        data_type: &str,
        column_type: &str,
        nullable: bool,
        max: Option<u64>,
    ) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
            column_type: column_type.into(),
            nullable,
            max_len: max,
        }
    }

    #[test]
    fn values_are_checked_against_column_types() {
        let vmid = col("vm_id", "int", "int(10) unsigned", true, None);
        assert!(check_value(&vmid, Some("105")).is_ok());
        let e = check_value(&vmid, Some("abc")).unwrap_err().to_string();
        assert!(e.contains("'vm_id'") && e.contains("integer column"), "{e}");
        assert!(check_value(&vmid, Some("-1"))
            .unwrap_err()
            .to_string()
            .contains("between 0 and 4294967295"));
        assert_eq!(check_value(&vmid, None).unwrap(), SqlValue::NULL);
        let flag = col("suspended", "tinyint", "tinyint(3) unsigned", false, None);
        assert!(check_value(&flag, Some("256")).is_err());
        assert!(check_value(&flag, None)
            .unwrap_err()
            .to_string()
            .contains("cannot be NULL"));
        let name = col("node", "varchar", "varchar(64)", false, Some(64));
        assert!(check_value(&name, Some(&"x".repeat(64))).is_ok());
        assert!(check_value(&name, Some(&"x".repeat(65)))
            .unwrap_err()
            .to_string()
            .contains("at most 64"));
        let ts = col("created_at", "timestamp", "timestamp", false, None);
        assert!(check_value(&ts, Some("2026-12-03 10:00:00")).is_ok());
        assert!(check_value(&ts, Some("yesterday")).is_err());
        assert!(check_value(&ts, Some("2028-02-29 23:59:59")).is_ok());
        for (bad, why) in [
            ("2026-13-45 10:00:00", "no month 13"),
            ("2026-02-29 10:00:00", "has no day 29"),
            ("2026-04-31 10:00:00", "has no day 31"),
            ("2026-01-00 10:00:00", "has no day 0"),
            ("2026-01-01 24:00:00", "no time 24:00:00"),
            ("2026-01-01 10:60:00", "no time 10:60:00"),
            ("1969-12-31 10:00:00", "1970-01-02 to 2038-01-18"),
            ("2040-01-01 00:00:00", "1970-01-02 to 2038-01-18"),
        ] {
            let e = check_value(&ts, Some(bad)).unwrap_err().to_string();
            assert!(e.contains("'created_at'") && e.contains(why), "{bad}: {e}");
        }
        let dt = col("at", "datetime", "datetime", false, None);
        assert!(check_value(&dt, Some("2040-01-01 00:00:00")).is_ok());
        assert!(check_value(&dt, Some("2100-02-29 00:00:00")).is_err());
        assert!(check_value(&dt, Some("2000-02-29 00:00:00")).is_ok());
        let day = col("on", "date", "date", true, None);
        assert!(check_value(&day, Some("2026-12-03")).is_ok());
        assert!(check_value(&day, Some("2026-12-03 10:00:00")).is_err());
        let d = col("started_at", "double", "double", false, None);
        assert!(check_value(&d, Some("1.5")).is_ok());
        assert!(check_value(&d, Some("NaN")).is_err());
    }

    #[test]
    fn secret_columns_never_reach_the_editor() {
        assert!(is_secret_column("vnc_password"));
        assert!(is_secret_column("api_TOKEN"));
        assert!(!is_secret_column("hostname"));
    }

    #[test]
    fn the_filter_only_binds_input() {
        let f = Filter {
            q: "x' OR 1=1 -- %_".into(),
            service_status: "Active".into(),
            vm_state: "progress".into(),
            server_id: 3,
            client_id: 0,
            page: 1,
            per_page: 25,
        };
        let (sql, args) = f.sql();
        assert!(!sql.contains("OR 1=1"), "{sql}");
        // The progress states are bound, from the machine tables: every
        // restore and reset state is in, the failed and idle ones are not.
        assert!(sql.contains("v.vm_status IN (?"), "{sql}");
        let active = crate::jobs::machine::active_states();
        for s in ["rs_restore_started", "rp_stop", "creation", "terminate"] {
            assert!(args.contains(&SqlValue::from(s)), "{s}");
        }
        for s in ["ready", "remove", "error_terminate", "restore_failed"] {
            assert!(!args.contains(&SqlValue::from(s)), "{s}");
        }
        assert_eq!(args.len(), active.len() + 2 + 7);
        assert!(args.contains(&SqlValue::from("%x' OR 1=1 -- \\%\\_%")));
        let (sql, args) = Filter {
            q: "#42".into(),
            ..Filter::default()
        }
        .sql();
        assert!(sql.contains("v.service_id = ?") && args.len() == 9, "{sql}");
        let (sql, _) = Filter {
            vm_state: "set_ip".into(),
            ..Filter::default()
        }
        .sql();
        assert_eq!(sql, "WHERE v.vm_status = ?");
    }
}
