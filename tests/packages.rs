//! The release packages: tests/package_test.sh builds them with tests/package.sh
//! from the release build tests/run.sh made, installs them with dpkg into a
//! scratch root (the maintainer scripts honour DPKG_ROOT), loads the installed
//! extension into php-cli and php-fpm, checks the refusal of another PHP API,
//! removes and purges, then installs them for real in a private mount namespace
//! over copy-on-write overlays of /etc, /usr and /var (system php --ri and
//! php-fpm). Afterwards nothing it started may still run.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn packages_install_with_dpkg_and_load_into_php_cli_and_fpm() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(root.join("tests/package_test.sh"))
        .current_dir(&root)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.trim_end().ends_with("OK"),
        "tests/package_test.sh failed ({}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status
    );
    // Its php-fpm is gone with its temporary directory.
    let dir = stdout
        .lines()
        .find_map(|l| l.strip_prefix("run directory: "))
        .expect("the script names its run directory")
        .to_string();
    let left: Vec<String> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
        .filter(|cmd| cmd.contains(&dir))
        .collect();
    assert!(left.is_empty(), "left running: {left:?}");
}
