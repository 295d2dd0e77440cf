//! The client area in headless chromium: runs tests/client-pages.sh (its own
//! MariaDB, simulator, PowerDNS and php -S shell; screenshots to
//! target/screenshots/client). tests/run.sh has built the extension and the
//! simulator.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn client_pages_in_a_real_browser() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(root.join("tests/client-pages.sh"))
        .env("PUQ_NO_BUILD", "1")
        .current_dir(&root)
        .output()
        .expect("bash runs tests/client-pages.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains(" passed, 0 failed"),
        "tests/client-pages.sh failed ({}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status
    );
}
