//! The `$params` array WHMCS passes to every server-module function, typed.
//!
//! Keys and conventions follow WHMCS's module-parameters documentation. The
//! `model` key (an Eloquent object) is ignored.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fields::Fields;
use crate::error::{Error, Result};

/// Connection details of the WHMCS server entry (tblservers) a call is for.
/// `Debug` leaves the token secret out.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerParams {
    pub id: u32,
    pub hostname: String,
    pub ip: String,
    /// Proxmox API token id, `user@realm!tokenname`.
    pub username: String,
    /// Proxmox API token secret (WHMCS passes it decrypted).
    pub password: String,
    /// Access Hash: holds the pinned certificate fingerprint, if any.
    pub accesshash: String,
    pub secure: bool,
    pub port: Option<u16>,
}

/// `Debug` leaves the service password and the server's secret out.
#[derive(Clone, PartialEq)]
pub struct ServiceParams {
    pub service_id: u32,
    pub user_id: u32,
    pub product_id: u32,
    pub domain: String,
    pub username: String,
    pub password: String,
    pub status: String,
    pub server: ServerParams,
    /// `configoption1`..`configoption24`, index 0 = configoption1.
    pub config_options_legacy: Vec<String>,
    /// Configurable options by name, the selected value.
    pub config_options: BTreeMap<String, String>,
    pub custom_fields: BTreeMap<String, String>,
    pub client: ClientDetails,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientDetails {
    pub firstname: String,
    pub lastname: String,
    pub email: String,
    pub companyname: String,
}

impl std::fmt::Debug for ServerParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerParams")
            .field("id", &self.id)
            .field("hostname", &self.hostname)
            .field("ip", &self.ip)
            .field("username", &self.username)
            .field("password", &redacted(&self.password))
            .field("accesshash", &self.accesshash)
            .field("secure", &self.secure)
            .field("port", &self.port)
            .finish()
    }
}

impl std::fmt::Debug for ServiceParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceParams")
            .field("service_id", &self.service_id)
            .field("user_id", &self.user_id)
            .field("product_id", &self.product_id)
            .field("domain", &self.domain)
            .field("username", &self.username)
            .field("password", &redacted(&self.password))
            .field("status", &self.status)
            .field("server", &self.server)
            .field("config_options_legacy", &self.config_options_legacy)
            .field("config_options", &self.config_options)
            .field("custom_fields", &self.custom_fields)
            .field("client", &self.client)
            .finish()
    }
}

/// What `Debug` shows for a secret: whether it is set, never its text.
fn redacted(secret: &str) -> &'static str {
    if secret.is_empty() {
        "<empty>"
    } else {
        "<redacted>"
    }
}

impl ServerParams {
    /// The server part of `$params` (also what TestConnection receives).
    pub fn from_value(v: &Value) -> Result<Self> {
        let f = Fields::new(v)?;
        let port = match f.opt_int("serverport")? {
            None | Some(0) => None,
            Some(p) => Some(
                u16::try_from(p)
                    .map_err(|_| Error::input("serverport", format!("{p} is not a TCP port")))?,
            ),
        };
        Ok(ServerParams {
            id: f
                .opt_int("serverid")?
                .unwrap_or(0)
                .clamp(0, u32::MAX as i64) as u32,
            hostname: f.line("serverhostname")?.trim().to_string(),
            ip: f.line("serverip")?.trim().to_string(),
            username: f.line("serverusername")?.trim().to_string(),
            password: f.secret_line("serverpassword")?,
            accesshash: f.line("serveraccesshash")?.trim().to_string(),
            secure: f.flag("serversecure")?,
            port,
        })
    }

    /// The host to connect to: the hostname if set, else the IP.
    pub fn host(&self) -> Result<&str> {
        let h = if self.hostname.is_empty() {
            self.ip.as_str()
        } else {
            self.hostname.as_str()
        };
        if h.is_empty() {
            return Err(Error::input(
                "serverhostname",
                "the server has neither a hostname nor an IP address",
            ));
        }
        Ok(h)
    }
}

impl ServiceParams {
    pub fn from_value(v: &Value) -> Result<Self> {
        let f = Fields::new(v)?;
        let legacy = (1..=24)
            .map(|i| f.str_or_empty(&format!("configoption{i}")))
            .collect::<Result<Vec<_>>>()?;
        let cd = f.nested("clientsdetails")?;
        Ok(ServiceParams {
            service_id: f.req_id("serviceid")?,
            user_id: f.req_id("userid")?,
            product_id: f.req_id("pid")?,
            domain: f.str_or_empty("domain")?.trim().to_string(),
            username: f.str_or_empty("username")?,
            password: f.str_or_empty("password")?,
            status: f.str_or_empty("status")?,
            server: ServerParams::from_value(v)?,
            config_options_legacy: legacy,
            config_options: f
                .nested("configoptions")?
                .string_entries()?
                .into_iter()
                .collect(),
            custom_fields: f
                .nested("customfields")?
                .string_entries()?
                .into_iter()
                .collect(),
            client: ClientDetails {
                firstname: cd.str_or_empty("firstname")?,
                lastname: cd.str_or_empty("lastname")?,
                email: cd.str_or_empty("email")?,
                companyname: cd.str_or_empty("companyname")?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `$params` as WHMCS builds it for a server-module call (keys from the
    /// WHMCS developer documentation, "Module Parameters"); numbers and
    /// booleans are strings, the model is an object (here already nulled by
    /// the boundary), empty arrays stay arrays.
    fn whmcs_params() -> Value {
        let mut v = json!({
            "accountid": "12", "serviceid": "12", "addonId": 0, "userid": "3",
            "domain": "vm12.example.com", "username": "", "password": "s3cret!",
            "packageid": "4", "pid": "4", "serverid": "1", "status": "Pending",
            "type": "hostingaccount", "producttype": "hostingaccount",
            "moduletype": "puqProxmoxKVM",
            "customfields": {"Hostname": "vm12"},
            "configoptions": {"CPU": "2", "RAM": "4096", "OS": "debian-12"},
            "model": null,
            "server": true, "serverip": "10.0.0.5", "serverhostname": "pve.example.com",
            "serverusername": "root@pam!whmcs",
            "serverpassword": "1f2e3d4c-aaaa-bbbb-cccc-0123456789ab",
            "serveraccesshash": "", "serversecure": "on", "serverhttpprefix": "https",
            "serverport": "8006",
            "clientsdetails": {"userid": "3", "id": "3", "firstname": "Ada", "lastname": "Lovelace",
                "email": "ada@example.com", "companyname": "", "country": "GB"}
        });
        for i in 1..=24 {
            v[format!("configoption{i}")] = json!("");
        }
        v["configoption1"] = json!("pve1");
        v
    }

    #[test]
    fn decodes_a_realistic_whmcs_params_array() {
        let p = ServiceParams::from_value(&whmcs_params()).unwrap();
        assert_eq!(p.service_id, 12);
        assert_eq!(p.user_id, 3);
        assert_eq!(p.product_id, 4);
        assert_eq!(p.server.id, 1);
        assert_eq!(p.server.host().unwrap(), "pve.example.com");
        assert!(p.server.secure);
        assert_eq!(p.server.port, Some(8006));
        assert_eq!(p.config_options_legacy[0], "pve1");
        assert_eq!(p.config_options_legacy.len(), 24);
        assert_eq!(p.config_options["RAM"], "4096");
        assert_eq!(p.custom_fields["Hostname"], "vm12");
        assert_eq!(p.client.email, "ada@example.com");
    }

    #[test]
    fn numbers_may_arrive_as_ints_and_empty_arrays_as_lists() {
        let mut v = whmcs_params();
        v["serviceid"] = json!(12);
        v["configoptions"] = json!([]);
        v["customfields"] = json!([]);
        v["serversecure"] = json!("");
        v["serverport"] = json!("");
        let p = ServiceParams::from_value(&v).unwrap();
        assert_eq!(p.service_id, 12);
        assert!(p.config_options.is_empty());
        assert!(!p.server.secure);
        assert_eq!(p.server.port, None);
    }

    #[test]
    fn bad_or_missing_keys_are_named() {
        let cases: &[(&str, Value, &str)] = &[
            ("serviceid", Value::Null, "'serviceid'"),
            ("serviceid", json!("twelve"), "'serviceid'"),
            ("userid", json!("0"), "'userid'"),
            ("pid", json!([1]), "'pid'"),
            ("serverport", json!("99999"), "'serverport'"),
            ("serversecure", json!("maybe"), "'serversecure'"),
            ("clientsdetails", json!("x"), "'clientsdetails'"),
        ];
        for (key, val, expect) in cases {
            let mut v = whmcs_params();
            v[*key] = val.clone();
            let e = ServiceParams::from_value(&v).unwrap_err().to_string();
            assert!(e.contains(expect), "{key}: {e}");
        }
        let e = ServiceParams::from_value(&json!("str"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'params'"), "{e}");
    }

    #[test]
    fn debug_never_shows_passwords() {
        let p = ServiceParams::from_value(&whmcs_params()).unwrap();
        let d = format!("{p:?}");
        assert!(!d.contains("s3cret!"), "{d}");
        assert!(!d.contains("1f2e3d4c-aaaa"), "{d}");
        assert!(
            d.contains("<redacted>") && d.contains("pve.example.com"),
            "{d}"
        );
    }

    #[test]
    fn control_characters_in_server_fields_are_refused() {
        for key in [
            "serverhostname",
            "serverip",
            "serverusername",
            "serveraccesshash",
        ] {
            let mut v = whmcs_params();
            v[key] = json!("127.0.0.1\0evil");
            let e = ServerParams::from_value(&v).unwrap_err().to_string();
            assert!(
                e.contains(key) && e.contains("\\x00") && !e.contains('\0'),
                "{key}: {e}"
            );
        }
        let mut v = whmcs_params();
        v["serverpassword"] = json!("secret\r\nX-Injected: 1");
        let e = ServerParams::from_value(&v).unwrap_err().to_string();
        assert!(
            e.contains("serverpassword") && !e.contains("Injected"),
            "{e}"
        );
    }

    #[test]
    fn server_without_host_is_an_error() {
        let mut v = whmcs_params();
        v["serverhostname"] = json!("");
        v["serverip"] = json!("");
        let s = ServerParams::from_value(&v).unwrap();
        assert!(s.host().unwrap_err().to_string().contains("serverhostname"));
    }
}
