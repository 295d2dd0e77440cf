//! `dns-sim` binary: the Cloudflare and HestiaCP simulators on loopback
//! until killed.
//!
//! ```text
//! dns-sim [--cloudflare 127.0.0.1:PORT] [--hestia 127.0.0.1:PORT] [--ready-file PATH]
//! ```
//! PORT 0 (the default) picks a free port. The ready file gets
//! `{"cloudflare_port":..,"hestia_port":..,"pid":..}` once both listen.

use std::sync::Arc;

use dns_sim::cloudflare::Cloudflare;
use dns_sim::hestia::Hestia;
use dns_sim::serve;

fn usage(msg: &str) -> ! {
    eprintln!("dns-sim: {msg}");
    eprintln!("usage: dns-sim [--cloudflare ADDR] [--hestia ADDR] [--ready-file PATH]");
    std::process::exit(2);
}

fn main() {
    let mut cf = "127.0.0.1:0".to_string();
    let mut hs = "127.0.0.1:0".to_string();
    let mut ready: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args
            .next()
            .unwrap_or_else(|| usage(&format!("{a} needs a value")));
        match a.as_str() {
            "--cloudflare" => cf = v,
            "--hestia" => hs = v,
            "--ready-file" => ready = Some(v),
            _ => usage(&format!("unknown option {a}")),
        }
    }
    let cf_addr = serve(Arc::new(Cloudflare::default()), &cf)
        .unwrap_or_else(|e| usage(&format!("cannot listen on {cf}: {e}")));
    let hs_addr = serve(Arc::new(Hestia::default()), &hs)
        .unwrap_or_else(|e| usage(&format!("cannot listen on {hs}: {e}")));
    let info = serde_json::json!({
        "cloudflare_port": cf_addr.port(), "hestia_port": hs_addr.port(), "pid": std::process::id(),
    });
    println!("{info}");
    if let Some(path) = ready {
        let tmp = format!("{path}.tmp");
        if std::fs::write(&tmp, info.to_string())
            .and_then(|_| std::fs::rename(&tmp, &path))
            .is_err()
        {
            usage(&format!("cannot write the ready file {path}"));
        }
    }
    loop {
        std::thread::park();
    }
}
