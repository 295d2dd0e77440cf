//! The addon's admin pages and the client area in headless chromium: runs
//! tests/admin-pages.sh and tests/client-pages.sh (each with its own MariaDB,
//! simulator and php -S shell, the client area also a real PowerDNS;
//! screenshots to target/screenshots and target/screenshots/client).
//! tests/run.sh has built the extension and simulator.
//! Afterwards nothing the script started may still run: every process
//! whose command line names its run directory is a leak.

use std::path::PathBuf;
use std::process::Command;

/// Processes (pid, command line) whose command line contains `needle`.
fn processes_naming(needle: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(raw) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&raw).replace('\0', " ");
        if cmd.contains(needle) {
            out.push((pid, cmd));
        }
    }
    out
}

/// Runs one browser suite and checks it passed and left nothing running.
fn browser_suite(script: &str) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(root.join(script))
        .env("PUQ_NO_BUILD", "1")
        .current_dir(&root)
        .output()
        .unwrap_or_else(|e| panic!("bash runs {script}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains(" passed, 0 failed"),
        "{script} failed ({}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status
    );
    let run = stdout
        .lines()
        .find_map(|l| l.strip_prefix("admin-pages: run directory "))
        .unwrap_or_else(|| panic!("{script} names its run directory"))
        .trim()
        .to_string();
    let left = processes_naming(&run);
    assert!(
        left.is_empty(),
        "{script} left processes running: {left:#?}"
    );
}

#[test]
fn admin_pages_in_a_real_browser() {
    browser_suite("tests/admin-pages.sh");
}

#[test]
fn client_pages_in_a_real_browser() {
    browser_suite("tests/client-pages.sh");
}
