//! A DNS zone as the DNS Zones page configures it: its name, its provider
//! and that provider's credentials. Validation of the admin form lives here;
//! every error names the field.

use std::fmt;

use serde::Serialize;

use super::names;
use crate::error::{Error, Result};
use crate::whmcs::fields::Fields;

/// The value the list gives for a stored secret, and that an update takes
/// as "keep the stored one" (as does an empty field).
pub const KEEP: &str = "__KEEP__";

pub const CLOUDFLARE_API: &str = "https://api.cloudflare.com/client/v4";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Kind {
    PowerDNS,
    Cloudflare,
    HestiaCP,
}

impl Kind {
    pub fn parse(s: &str) -> Result<Kind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "powerdns" => Ok(Kind::PowerDNS),
            "cloudflare" => Ok(Kind::Cloudflare),
            "hestiacp" | "hestia" => Ok(Kind::HestiaCP),
            _ => Err(Error::input(
                "type",
                format!("'{}' is not PowerDNS, Cloudflare or HestiaCP", s.trim()),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PowerDNS => "PowerDNS",
            Kind::Cloudflare => "Cloudflare",
            Kind::HestiaCP => "HestiaCP",
        }
    }

    /// The form field that holds this provider's secret.
    pub fn secret_field(self) -> &'static str {
        match self {
            Kind::PowerDNS => "api_key",
            Kind::Cloudflare => "api_token",
            Kind::HestiaCP => "admin_password",
        }
    }
}

/// A credential. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

/// The provider-specific part of a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    PowerDNS {
        server_url: String,
        api_key: Secret,
    },
    Cloudflare {
        account_id: String,
        zone_id: String,
        api_token: Secret,
        /// The API base; the official one unless the form gave another
        /// (an API gateway, or a simulator in tests).
        api_url: String,
    },
    HestiaCP {
        server_url: String,
        admin_user: String,
        admin_password: Secret,
        user: String,
    },
}

impl Provider {
    pub fn kind(&self) -> Kind {
        match self {
            Provider::PowerDNS { .. } => Kind::PowerDNS,
            Provider::Cloudflare { .. } => Kind::Cloudflare,
            Provider::HestiaCP { .. } => Kind::HestiaCP,
        }
    }

    pub fn secret(&self) -> &Secret {
        match self {
            Provider::PowerDNS { api_key, .. } => api_key,
            Provider::Cloudflare { api_token, .. } => api_token,
            Provider::HestiaCP { admin_password, .. } => admin_password,
        }
    }

    /// The server a client of this provider talks to; zones on the same
    /// one are worked on one after the other.
    pub fn endpoint(&self) -> String {
        match self {
            Provider::PowerDNS { server_url, .. } => format!("PowerDNS {server_url}"),
            Provider::Cloudflare { api_url, .. } => format!("Cloudflare {api_url}"),
            Provider::HestiaCP { server_url, .. } => format!("HestiaCP {server_url}"),
        }
    }

    /// What the secret is bound to: the fields that decide where it is
    /// sent (and, for HestiaCP, as whom it acts).
    pub fn binding(&self) -> Vec<(&'static str, String)> {
        match self {
            Provider::PowerDNS { server_url, .. } => vec![("server_url", server_url.clone())],
            Provider::Cloudflare { api_url, .. } => vec![("server_url", api_url.clone())],
            Provider::HestiaCP {
                server_url,
                admin_user,
                user,
                ..
            } => vec![
                ("server_url", server_url.clone()),
                ("admin_user", admin_user.clone()),
                ("user", user.clone()),
            ],
        }
    }

    fn secret_mut(&mut self) -> &mut Secret {
        match self {
            Provider::PowerDNS { api_key, .. } => api_key,
            Provider::Cloudflare { api_token, .. } => api_token,
            Provider::HestiaCP { admin_password, .. } => admin_password,
        }
    }
}

/// One configured zone, with its credential in clear (decrypted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub id: u32,
    /// Normalised: lower case, no trailing dot.
    pub name: String,
    pub provider: Provider,
}

impl Zone {
    /// `example.com (PowerDNS #3)`, how report lines name a zone.
    pub fn label(&self) -> String {
        format!(
            "{} ({} #{})",
            self.name,
            self.provider.kind().as_str(),
            self.id
        )
    }
}

/// The admin form of a zone, validated. `secret` is `None` when the form
/// left it empty or gave [`KEEP`].
#[derive(Debug, Clone)]
pub struct ZoneForm {
    pub name: String,
    pub provider: Provider,
    pub secret_given: bool,
}

impl ZoneForm {
    /// Validates the form (`name`, `type` and the type's fields). With
    /// `require_secret`, an empty secret is an error (create).
    pub fn from_fields(f: &Fields, require_secret: bool) -> Result<ZoneForm> {
        let name =
            names::zone_name(&f.str_or_empty("name")?).map_err(|m| Error::input("name", m))?;
        let kind = Kind::parse(&f.req_str("type")?)?;
        let secret_field = kind.secret_field();
        let raw_secret = f.str_or_empty(secret_field)?;
        let secret_given = !(raw_secret.trim().is_empty() || raw_secret == KEEP);
        if require_secret && !secret_given {
            return Err(Error::input(secret_field, "must not be empty"));
        }
        if secret_given && raw_secret.trim().chars().any(char::is_control) {
            return Err(Error::input(secret_field, "contains control characters"));
        }
        let secret = Secret::new(if secret_given {
            raw_secret.trim().to_string()
        } else {
            String::new()
        });
        let provider = match kind {
            Kind::PowerDNS => Provider::PowerDNS {
                server_url: server_url(&f.str_or_empty("server_url")?, kind)?,
                api_key: secret,
            },
            Kind::Cloudflare => Provider::Cloudflare {
                account_id: hex_id(f, "account_id")?,
                zone_id: hex_id(f, "zone_id")?,
                api_token: secret,
                api_url: match f.str_or_empty("server_url")?.trim() {
                    "" => CLOUDFLARE_API.to_string(),
                    u => server_url(u, kind)?,
                },
            },
            Kind::HestiaCP => Provider::HestiaCP {
                server_url: server_url(&f.str_or_empty("server_url")?, kind)?,
                admin_user: hestia_user(f, "admin_user")?,
                admin_password: secret,
                user: hestia_user(f, "user")?,
            },
        };
        Ok(ZoneForm {
            name,
            provider,
            secret_given,
        })
    }

    /// The provider with the stored secret where the form kept it.
    pub fn merged(mut self, stored: Option<&Provider>) -> Result<Provider> {
        if self.secret_given {
            return Ok(self.provider);
        }
        match stored {
            Some(p) if p.kind() == self.provider.kind() && !p.secret().is_empty() => {
                // A stored secret is bound to the endpoint it was entered
                // for: pointing the zone elsewhere needs it typed again, or
                // anyone who may edit zones could send it to their own host.
                let old = p.binding();
                let changed: Vec<&str> = self
                    .provider
                    .binding()
                    .iter()
                    .zip(old.iter())
                    .filter(|(new, old)| new.1 != old.1)
                    .map(|(new, _)| new.0)
                    .collect();
                if !changed.is_empty() {
                    return Err(Error::input(
                        self.provider.kind().secret_field(),
                        format!(
                            "enter it again: {} changed, and a stored secret is only sent to the endpoint it was entered for",
                            changed.join(", ")
                        ),
                    ));
                }
                *self.provider.secret_mut() = p.secret().clone();
                Ok(self.provider)
            }
            _ => Err(Error::input(
                self.provider.kind().secret_field(),
                "must be given (there is no stored value of this provider type to keep)",
            )),
        }
    }
}

/// A provider base URL: http(s), a host, no query. PowerDNS's `/api/v1`
/// suffix and HestiaCP's `/api/` are added by the clients, so a pasted one
/// is dropped here; HestiaCP's URL keeps a trailing slash (spec).
pub fn server_url(raw: &str, kind: Kind) -> Result<String> {
    let key = "server_url";
    let s = raw.trim();
    if s.is_empty() {
        return Err(Error::input(key, "must not be empty"));
    }
    let rest = if let Some(r) = s.strip_prefix("https://") {
        r
    } else if let Some(r) = s.strip_prefix("http://") {
        r
    } else {
        return Err(Error::input(
            key,
            format!("'{s}' needs a scheme: https://host:port (or http://)"),
        ));
    };
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::input(key, "contains spaces"));
    }
    if s.contains(['?', '#', '@']) {
        return Err(Error::input(
            key,
            "must be a base URL without query, fragment or credentials",
        ));
    }
    let host_port = rest.split('/').next().unwrap_or("");
    let (host, port) = match host_port.strip_prefix('[') {
        Some(h) => match h.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':')),
            None => return Err(Error::input(key, format!("'{s}' has an unclosed '['"))),
        },
        None => match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        },
    };
    if host.is_empty() {
        return Err(Error::input(key, format!("'{s}' has no host")));
    }
    let literal = host.parse::<std::net::IpAddr>().ok().or_else(|| {
        let h = host.trim_end_matches('.').to_ascii_lowercase();
        (h == "localhost" || h.ends_with(".localhost"))
            .then_some(std::net::Ipv4Addr::LOCALHOST.into())
    });
    if let Some(ip) = literal {
        if let Some(why) = super::http::refused_address(ip, super::http::allow_loopback()) {
            return Err(Error::input(key, format!("'{host}' is {why}")));
        }
    }
    if let Some(port) = port {
        port.parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| Error::input(key, format!("'{port}' is not a port number")))?;
    }
    let mut base = s.trim_end_matches('/').to_string();
    let suffixes: &[&str] = match kind {
        Kind::PowerDNS => &["/api/v1", "/api"],
        Kind::HestiaCP => &["/api"],
        Kind::Cloudflare => &[],
    };
    for suffix in suffixes {
        if let Some(b) = base.strip_suffix(suffix) {
            base = b.to_string();
            break;
        }
    }
    Ok(match kind {
        Kind::HestiaCP => format!("{base}/"),
        _ => base,
    })
}

fn hex_id(f: &Fields, key: &str) -> Result<String> {
    let v = f.str_or_empty(key)?.trim().to_ascii_lowercase();
    if v.is_empty() {
        return Err(Error::input(key, "must not be empty"));
    }
    if v.len() != 32 || !v.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::input(
            key,
            "must be the 32-character hexadecimal id from the Cloudflare dashboard",
        ));
    }
    Ok(v)
}

fn hestia_user(f: &Fields, key: &str) -> Result<String> {
    let v = f.str_or_empty(key)?.trim().to_string();
    if v.is_empty() {
        return Err(Error::input(key, "must not be empty"));
    }
    if v.len() > 64
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        return Err(Error::input(
            key,
            format!("'{v}' is not a HestiaCP user name (letters, digits, . _ -)"),
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(v: serde_json::Value, require: bool) -> Result<ZoneForm> {
        ZoneForm::from_fields(&Fields::new(&v).unwrap(), require)
    }

    fn err_key(r: Result<ZoneForm>) -> String {
        match r {
            Err(Error::Input { key, .. }) => key,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn valid_forms_are_normalised() {
        let z = form(
            json!({"name": "Example.COM.", "type": "powerdns",
                   "server_url": "http://127.0.0.1:8081/api/v1/", "api_key": "k"}),
            true,
        )
        .unwrap();
        assert_eq!(z.name, "example.com");
        assert_eq!(
            z.provider,
            Provider::PowerDNS {
                server_url: "http://127.0.0.1:8081".into(),
                api_key: Secret::new("k")
            }
        );
        let h = form(
            json!({"name": "example.com", "type": "HestiaCP", "server_url": "https://h.example.com:8083",
                   "admin_user": "admin", "admin_password": "pw", "user": "bob"}),
            true,
        )
        .unwrap();
        match h.provider {
            Provider::HestiaCP { server_url, .. } => {
                assert_eq!(server_url, "https://h.example.com:8083/")
            }
            p => panic!("{p:?}"),
        }
    }

    #[test]
    fn bad_fields_are_named() {
        let pdns = |m: serde_json::Value| {
            let mut base = json!({"name": "example.com", "type": "PowerDNS",
                                  "server_url": "http://127.0.0.1:8081", "api_key": "k"});
            for (k, v) in m.as_object().unwrap() {
                base[k] = v.clone();
            }
            base
        };
        assert_eq!(
            err_key(form(pdns(json!({"name": "not a domain"})), true)),
            "name"
        );
        assert_eq!(
            err_key(form(pdns(json!({"name": "localhost"})), true)),
            "name"
        );
        assert_eq!(err_key(form(pdns(json!({"type": "bind"})), true)), "type");
        assert_eq!(
            err_key(form(
                pdns(json!({"server_url": "pdns.example.com:8081"})),
                true
            )),
            "server_url"
        );
        assert_eq!(
            err_key(form(pdns(json!({"server_url": "http://:8081"})), true)),
            "server_url"
        );
        assert_eq!(
            err_key(form(pdns(json!({"server_url": "http://h:99999"})), true)),
            "server_url"
        );
        assert_eq!(err_key(form(pdns(json!({"api_key": ""})), true)), "api_key");
        assert_eq!(
            err_key(form(pdns(json!({"api_key": KEEP})), true)),
            "api_key"
        );
        let cf = json!({"name": "example.com", "type": "Cloudflare", "account_id": "xyz",
                        "zone_id": "0123456789abcdef0123456789abcdef", "api_token": "t"});
        assert_eq!(err_key(form(cf, true)), "account_id");
        let hs = json!({"name": "example.com", "type": "HestiaCP", "server_url": "https://h:8083",
                        "admin_user": "admin", "admin_password": "pw", "user": "b o b"});
        assert_eq!(err_key(form(hs, true)), "user");
    }

    #[test]
    fn keep_sentinel_merges_stored_secret() {
        let f = form(
            json!({"name": "example.com", "type": "PowerDNS",
                   "server_url": "http://127.0.0.1:8081", "api_key": KEEP}),
            false,
        )
        .unwrap();
        let stored = Provider::PowerDNS {
            server_url: "http://127.0.0.1:8081".into(),
            api_key: Secret::new("stored"),
        };
        let p = f.clone().merged(Some(&stored)).unwrap();
        assert_eq!(p.secret().expose(), "stored");
        // Another endpoint: the secret must be entered again.
        let elsewhere = Provider::PowerDNS {
            server_url: "http://old:8081".into(),
            api_key: Secret::new("stored"),
        };
        let e = f.clone().merged(Some(&elsewhere)).unwrap_err().to_string();
        assert!(
            e.contains("api_key") && e.contains("server_url changed"),
            "{e}"
        );
        let hs = |user: &str| Provider::HestiaCP {
            server_url: "https://h:8083/".into(),
            admin_user: "admin".into(),
            admin_password: Secret::new("pw"),
            user: user.into(),
        };
        let keep = form(
            json!({"name": "example.com", "type": "HestiaCP", "server_url": "https://h:8083",
                   "admin_user": "admin", "admin_password": KEEP, "user": "bob"}),
            false,
        )
        .unwrap();
        assert!(keep.clone().merged(Some(&hs("bob"))).is_ok());
        let e = keep.merged(Some(&hs("alice"))).unwrap_err().to_string();
        assert!(e.contains("user changed"), "{e}");
        let other = Provider::Cloudflare {
            account_id: "a".into(),
            zone_id: "b".into(),
            api_token: Secret::new("t"),
            api_url: CLOUDFLARE_API.into(),
        };
        assert!(f.merged(Some(&other)).is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let z = Zone {
            id: 1,
            name: "example.com".into(),
            provider: Provider::PowerDNS {
                server_url: "http://x".into(),
                api_key: Secret::new("topsecret"),
            },
        };
        let d = format!("{z:?}");
        assert!(!d.contains("topsecret") && d.contains("***"), "{d}");
    }
}
