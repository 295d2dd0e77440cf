//! HestiaCP client: the CLI-over-HTTP API (`POST <server>/api/`, form
//! fields `cmd`, `arg1`…), authenticated with the admin user and password.
//! Changes run with `returncode=yes` (the body is the exit code, mapped to
//! the documented meanings); listings read `v-list-dns-records … json`.
//! Records are added before old ones are deleted, because HestiaCP refuses
//! to delete a zone's last A record.

use std::time::Duration;

use serde_json::Value;

use super::http::{self, Body, PResult, ProviderError, Reply};
use super::names;
use super::provider::{canonical_content, diff, DnsProvider, RType};
use super::zone::Secret;

pub struct Hestia {
    endpoint: String,
    admin_user: String,
    password: Secret,
    user: String,
    zone: String,
    timeout: Duration,
}

/// The documented return codes (func/main.sh).
pub fn return_code(code: i64) -> &'static str {
    match code {
        1 => "E_ARGS: not enough arguments",
        2 => "E_INVALID: invalid object or argument",
        3 => "E_NOTEXIST: object does not exist",
        4 => "E_EXISTS: object already exists",
        5 => "E_SUSPENDED: object is suspended",
        6 => "E_UNSUSPENDED: object is not suspended",
        7 => "E_INUSE: object is in use",
        8 => "E_LIMIT: package limit reached",
        9 => "E_PASSWORD: wrong user name or password",
        10 => "E_FORBIDEN: action forbidden",
        11 => "E_DISABLED: subsystem disabled",
        12 => "E_PARSING: parsing error",
        13 => "E_DISK: disk error",
        14 => "E_LA: server load too high",
        15 => "E_CONNECT: connection failed",
        16 => "E_FTP: FTP error",
        17 => "E_DB: database error",
        18 => "E_RRD: RRD error",
        19 => "E_UPDATE: update failed",
        20 => "E_RESTART: DNS service failed to restart",
        21 => "E_API_DISABLED: the API is disabled",
        _ => "unknown return code",
    }
}

struct Row {
    id: String,
    value: String,
}

impl Hestia {
    pub fn new(
        server_url: &str,
        admin_user: &str,
        password: Secret,
        user: &str,
        zone: &str,
        timeout: Duration,
    ) -> Hestia {
        Hestia {
            endpoint: format!("{}/api/", server_url.trim_end_matches('/')),
            admin_user: admin_user.to_string(),
            password,
            user: user.to_string(),
            zone: zone.to_string(),
            timeout,
        }
    }

    fn what(&self) -> String {
        format!("HestiaCP at {}", self.endpoint)
    }

    fn post(&self, cmd: &str, args: &[&str], returncode: bool) -> PResult<Reply> {
        let mut form: Vec<(String, String)> = vec![
            ("user".into(), self.admin_user.clone()),
            ("password".into(), self.password.expose().to_string()),
            (
                "returncode".into(),
                if returncode { "yes" } else { "no" }.into(),
            ),
            ("cmd".into(), cmd.into()),
        ];
        for (i, a) in args.iter().enumerate() {
            form.push((format!("arg{}", i + 1), (*a).to_string()));
        }
        let r = http::send(
            &self.what(),
            "POST",
            &self.endpoint,
            &[],
            Body::Form(&form),
            self.timeout,
        )?;
        if r.is_html() {
            return Err(ProviderError::answer(format!(
                "{} answered with an HTML page (HTTP {}), not the HestiaCP API: check the Server URL (the panel port, e.g. :8083)",
                self.what(),
                r.status
            )));
        }
        match r.status {
            401 => Err(ProviderError::answer(format!(
                "HestiaCP authentication failed for '{}' (401): check Admin User and Admin Password",
                self.admin_user
            ))),
            405 => Err(ProviderError::answer(format!(
                "{} refused the request (405): {}",
                self.what(),
                http::excerpt(&r.body)
            ))),
            s if s >= 500 => Err(ProviderError::answer(format!(
                "{} answered HTTP {s}: {}",
                self.what(),
                http::excerpt(&r.body)
            ))),
            _ => Ok(r),
        }
    }

    /// A change command; success is exit code 0.
    fn run(&self, cmd: &str, args: &[&str]) -> PResult<()> {
        let r = self.post(cmd, args, true)?;
        let code: i64 = r.body.trim().parse().map_err(|_| {
            ProviderError::answer(format!(
                "{} answered '{}' where a return code was expected",
                self.what(),
                http::excerpt(&r.body)
            ))
        })?;
        if code == 0 {
            return Ok(());
        }
        let mut e = ProviderError::answer(format!(
            "HestiaCP {cmd} failed with code {code} ({})",
            return_code(code)
        ));
        e.code = Some(code);
        Err(e)
    }

    /// The zone's records as HestiaCP lists them (`v-list-dns-records … json`).
    fn record_list(&self) -> PResult<Value> {
        let r = self.post(
            "v-list-dns-records",
            &[&self.user, &self.zone, "json"],
            false,
        )?;
        let body = r.body.trim();
        if body.starts_with("Error:") || r.status >= 400 {
            // HestiaCP's own error line is its answer; anything else is not shown.
            let why = if body.starts_with("Error:") {
                crate::util::one_line(body, 200)
            } else {
                http::excerpt(body)
            };
            return Err(ProviderError::answer(format!(
                "HestiaCP v-list-dns-records failed (HTTP {}): {why}",
                r.status
            )));
        }
        serde_json::from_str(body).map_err(|_| {
            ProviderError::answer(format!(
                "{} answered with something that is not a record list: {}",
                self.what(),
                http::excerpt(body)
            ))
        })
    }

    fn rows(&self, owner: &str, rtype: RType) -> PResult<Vec<Row>> {
        let v = self.record_list()?;
        let rel = names::relative(owner, &self.zone);
        let mut out: Vec<Row> = v
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, rec)| {
                rec.get("RECORD")
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase)
                    == Some(rel.clone())
                    && rec.get("TYPE").and_then(Value::as_str) == Some(rtype.as_str())
            })
            .map(|(id, rec)| Row {
                id: rec
                    .get("ID")
                    .and_then(Value::as_str)
                    .unwrap_or(id)
                    .to_string(),
                value: rec
                    .get("VALUE")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            })
            .collect();
        out.sort_by_key(|r| r.id.parse::<u64>().unwrap_or(u64::MAX));
        Ok(out)
    }

    fn delete_id(&self, id: &str) -> PResult<()> {
        match self.run("v-delete-dns-record", &[&self.user, &self.zone, id]) {
            Err(e) if e.code == Some(3) => Ok(()),
            r => r,
        }
    }
}

impl DnsProvider for Hestia {
    fn replace(&self, owner: &str, rtype: RType, contents: &[String]) -> PResult<()> {
        let rows: Vec<(String, String)> = self
            .rows(owner, rtype)?
            .into_iter()
            .map(|r| (r.id, r.value))
            .collect();
        let (add, remove) = diff(&rows, contents);
        let rel = names::relative(owner, &self.zone);
        for value in add {
            self.run(
                "v-add-dns-record",
                &[&self.user, &self.zone, &rel, rtype.as_str(), &value],
            )?;
        }
        for (id, _) in remove {
            self.delete_id(id)?;
        }
        Ok(())
    }

    fn delete(&self, owner: &str, rtype: RType) -> PResult<()> {
        for r in self.rows(owner, rtype)? {
            self.delete_id(&r.id)?;
        }
        Ok(())
    }

    fn list(&self, owner: &str, rtype: RType) -> PResult<Vec<String>> {
        Ok(self
            .rows(owner, rtype)?
            .into_iter()
            .map(|r| canonical_content(&r.value))
            .collect())
    }

    fn test(&self) -> PResult<String> {
        let v = self.record_list()?;
        let n = v.as_object().map_or(0, |m| m.len());
        Ok(format!(
            "zone {} of user {} found ({n} records)",
            self.zone, self.user
        ))
    }
}
