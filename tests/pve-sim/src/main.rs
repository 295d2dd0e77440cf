//! `pve-sim` binary: runs the simulator until killed.
//!
//! ```text
//! pve-sim [--http 127.0.0.1:PORT|off] [--https 127.0.0.1:PORT|off]
//!         [--token 'root@pam!whmcs=SECRET']... [--ready-file PATH]
//!         [--time-scale F] [--auth-delay-ms N]
//! ```
//! PORT 0 picks a free port. The ready file gets
//! `{"http_port":..,"https_port":..,"fingerprint":"AB:..","pid":..}` once listening.

use pve_sim::{Config, Sim};
use std::net::SocketAddr;
use std::process::exit;

fn usage(msg: &str) -> ! {
    eprintln!("pve-sim: {msg}");
    eprintln!(
        "usage: pve-sim [--http ADDR|off] [--https ADDR|off] [--token 'user@realm!name=SECRET']... \
         [--ready-file PATH] [--time-scale F] [--auth-delay-ms N]"
    );
    exit(2);
}

fn addr(v: &str) -> Option<SocketAddr> {
    if v == "off" || v == "none" {
        return None;
    }
    let v = if v.chars().all(|c| c.is_ascii_digit()) {
        format!("127.0.0.1:{v}")
    } else {
        v.to_string()
    };
    match v.parse() {
        Ok(a) => Some(a),
        Err(_) => usage(&format!("bad address '{v}'")),
    }
}

fn main() {
    let mut cfg = Config::default();
    let mut ready: Option<String> = None;
    let mut tokens: Vec<(String, String)> = vec![];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = |name: &str| {
            args.next()
                .unwrap_or_else(|| usage(&format!("{name} needs a value")))
        };
        match a.as_str() {
            "--http" => cfg.http = addr(&val("--http")),
            "--https" => cfg.https = addr(&val("--https")),
            "--token" => {
                let t = val("--token");
                let t = t.strip_prefix("PVEAPIToken=").unwrap_or(&t).to_string();
                match t.rsplit_once('=') {
                    Some((id, secret)) if id.contains('!') => {
                        tokens.push((id.to_string(), secret.to_string()))
                    }
                    _ => usage("--token must look like user@realm!name=SECRET"),
                }
            }
            "--ready-file" => ready = Some(val("--ready-file")),
            "--time-scale" => {
                cfg.time_scale = val("--time-scale")
                    .parse()
                    .unwrap_or_else(|_| usage("bad --time-scale"))
            }
            "--auth-delay-ms" => {
                cfg.auth_delay_ms = val("--auth-delay-ms")
                    .parse()
                    .unwrap_or_else(|_| usage("bad --auth-delay-ms"))
            }
            "-h" | "--help" => usage("help"),
            other => usage(&format!("unknown argument '{other}'")),
        }
    }
    if !tokens.is_empty() {
        cfg.tokens = tokens;
    }
    let handle = match Sim::try_start(cfg) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("pve-sim: cannot start: {e}");
            exit(1);
        }
    };
    let info = serde_json::json!({
        "http_port": handle.http_port(),
        "https_port": handle.https_port(),
        "fingerprint": handle.fingerprint_sha256(),
        "pid": std::process::id(),
    });
    println!(
        "pve-sim listening http={} https={} fingerprint={}",
        handle
            .http_port()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "off".into()),
        handle
            .https_port()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "off".into()),
        handle.fingerprint_sha256()
    );
    if let Some(path) = ready {
        let tmp = format!("{path}.tmp");
        let text = serde_json::to_string(&info).unwrap_or_default();
        if std::fs::write(&tmp, text)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .is_err()
        {
            eprintln!("pve-sim: cannot write ready file {path}");
            exit(1);
        }
    }
    loop {
        std::thread::park();
    }
}
