//! WHMCS's own MySQL/MariaDB database, reached with WHMCS's connection
//! settings. One lazily created pool per process (php-fpm forks workers
//! after module start-up, so nothing is opened before first use).

pub mod migrate;
pub mod settings;

use std::sync::Mutex;
use std::time::Duration;

use mysql::{OptsBuilder, Pool, PoolConstraints, PoolOpts, PooledConn};
use once_cell::sync::Lazy;

use crate::error::{Error, Result};

/// WHMCS's `$db_host`, `$db_port`, `$db_username`, `$db_password`, `$db_name`.
#[derive(Clone, PartialEq, Eq)]
pub struct DbConfig {
    pub host: String,
    pub port: String,
    pub user: String,
    pub password: String,
    pub name: String,
}

impl std::fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password never reaches a log line.
        f.debug_struct("DbConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("name", &self.name)
            .finish()
    }
}

/// Where to connect, decoded from WHMCS's settings.
#[derive(Debug, PartialEq, Eq)]
enum Endpoint {
    Tcp(String, u16),
    Socket(String),
}

const DEFAULT_SOCKETS: &[&str] = &["/run/mysqld/mysqld.sock", "/var/lib/mysql/mysql.sock"];

impl DbConfig {
    fn endpoint(&self) -> Result<Endpoint> {
        let host = self.host.trim();
        let port_s = self.port.trim();
        // PHP's mysqli accepts "host:port" and "localhost:/path/to.sock".
        let (host, inline) = match host.split_once(':') {
            Some((h, rest)) if !h.contains(']') && !rest.contains(':') => (h, Some(rest)),
            _ => (host, None),
        };
        if let Some(rest) = inline {
            if rest.starts_with('/') {
                return Ok(Endpoint::Socket(rest.to_string()));
            }
        }
        let port_text = inline.unwrap_or(port_s);
        let port = if port_text.is_empty() {
            None
        } else {
            Some(port_text.parse::<u16>().map_err(|_| {
                Error::Config(format!(
                    "$db_port '{port_text}' in configuration.php is not a port"
                ))
            })?)
        };
        if host.is_empty() {
            return Err(Error::Config(
                "$db_host is empty in configuration.php".into(),
            ));
        }
        // Like mysqli: "localhost" without a port means the local socket.
        if host == "localhost" && port.is_none() {
            if let Some(s) = DEFAULT_SOCKETS
                .iter()
                .find(|p| std::path::Path::new(p).exists())
            {
                return Ok(Endpoint::Socket((*s).to_string()));
            }
        }
        Ok(Endpoint::Tcp(host.to_string(), port.unwrap_or(3306)))
    }

    fn opts(&self) -> Result<OptsBuilder> {
        let constraints = PoolConstraints::new(0, 72)
            .ok_or_else(|| Error::Internal("pool constraints".into()))?;
        let b = OptsBuilder::new()
            .user(Some(self.user.clone()))
            .pass(Some(self.password.clone()))
            .db_name(Some(self.name.clone()))
            .prefer_socket(false)
            .tcp_connect_timeout(Some(Duration::from_secs(5)))
            .read_timeout(Some(Duration::from_secs(60)))
            .pool_opts(PoolOpts::default().with_constraints(constraints));
        Ok(match self.endpoint()? {
            Endpoint::Tcp(h, p) => b.ip_or_hostname(Some(h)).tcp_port(p),
            Endpoint::Socket(s) => b.socket(Some(s)),
        })
    }
}

static POOL: Lazy<Mutex<Option<(DbConfig, Pool)>>> = Lazy::new(|| Mutex::new(None));

/// The process's pool for `cfg`, created on first use.
pub fn pool(cfg: &DbConfig) -> Result<Pool> {
    let mut guard = POOL
        .lock()
        .map_err(|_| Error::Internal("database pool lock poisoned".into()))?;
    if let Some((c, p)) = guard.as_ref() {
        if c == cfg {
            return Ok(p.clone());
        }
    }
    let pool = Pool::new(cfg.opts()?).map_err(Error::from)?;
    *guard = Some((cfg.clone(), pool.clone()));
    Ok(pool)
}

/// One connection from the pool, with a clear error when the database is down.
pub fn conn(cfg: &DbConfig) -> Result<PooledConn> {
    pool(cfg)?
        .try_get_conn(Duration::from_secs(10))
        .map_err(|e| {
            Error::Db(format!(
                "cannot connect to the WHMCS database ({}): {}",
                where_(cfg),
                describe_error(&e)
            ))
        })
}

fn where_(cfg: &DbConfig) -> String {
    match cfg.endpoint() {
        Ok(Endpoint::Tcp(h, p)) => format!("{h}:{p}"),
        Ok(Endpoint::Socket(s)) => s,
        Err(_) => cfg.host.clone(),
    }
}

pub use crate::error::describe_mysql as describe_error;

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(host: &str, port: &str) -> DbConfig {
        DbConfig {
            host: host.into(),
            port: port.into(),
            user: "u".into(),
            password: "secret-pw".into(),
            name: "whmcs".into(),
        }
    }

    #[test]
    fn endpoints_follow_mysqli_conventions() {
        assert_eq!(
            cfg("127.0.0.1", "3307").endpoint().unwrap(),
            Endpoint::Tcp("127.0.0.1".into(), 3307)
        );
        assert_eq!(
            cfg("db.local", "").endpoint().unwrap(),
            Endpoint::Tcp("db.local".into(), 3306)
        );
        assert_eq!(
            cfg("db.local:3310", "").endpoint().unwrap(),
            Endpoint::Tcp("db.local".into(), 3310)
        );
        assert_eq!(
            cfg("localhost:/tmp/my.sock", "").endpoint().unwrap(),
            Endpoint::Socket("/tmp/my.sock".into())
        );
        assert!(cfg("h", "abc")
            .endpoint()
            .unwrap_err()
            .to_string()
            .contains("$db_port"));
        assert!(cfg("", "")
            .endpoint()
            .unwrap_err()
            .to_string()
            .contains("$db_host"));
    }

    #[test]
    fn debug_hides_the_password() {
        assert!(!format!("{:?}", cfg("h", "1")).contains("secret-pw"));
    }

    #[test]
    fn unreachable_database_is_a_clear_error() {
        // Port 1 on loopback: nothing listens there.
        let e = conn(&cfg("127.0.0.1", "1")).unwrap_err().to_string();
        assert!(
            e.contains("cannot connect to the WHMCS database (127.0.0.1:1)"),
            "{e}"
        );
    }
}
