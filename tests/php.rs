//! PHP-level tests: each script under tests/php/ runs in a real php-cli with
//! the built extension loaded, against the throwaway MariaDB and the
//! Proxmox simulator that tests/run.sh starts (see tests/lib/bench-env.sh).

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_php(script: &str) {
    let ext = std::env::var("PUQ_EXT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target/release/libpuq_proxmox_kvm.so"));
    assert!(
        ext.exists(),
        "extension not built at {} — run tests/run.sh (it builds and starts the test bench)",
        ext.display()
    );
    assert!(
        std::env::var("PUQ_TEST_DB_PORT").is_ok(),
        "PUQ_TEST_DB_PORT is not set — run the suite with tests/run.sh, which starts MariaDB"
    );
    let out = Command::new("php")
        .arg("-d")
        .arg(format!("extension={}", ext.display()))
        .args([
            "-d",
            "zend.assertions=1",
            "-d",
            "assert.exception=1",
            "-d",
            "memory_limit=512M",
        ])
        .arg(root().join("tests/php").join(script))
        .output()
        .expect("php-cli runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.trim_end().ends_with("OK"),
        "{script} failed ({}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status
    );
    // A Rust panic is a bug even when the guard caught it: the default hook
    // prints "thread '…' panicked at …" to PHP's stderr, and none may appear
    // (child PHP processes a test starts inherit this stderr).
    assert!(
        !stderr.contains("panicked") && !stdout.contains("panicked at"),
        "{script}: PHP's output holds a Rust panic:\n--- stderr ---\n{stderr}"
    );
}

macro_rules! php_tests {
    ($($name:ident => $file:literal),* $(,)?) => {
        $( #[test] fn $name() { run_php($file); } )*
    };
}

php_tests! {
    extension_loads_and_survives_panics => "extension_test.php",
    addon_lifecycle_and_settings => "addon_test.php",
    test_connection_against_simulator => "test_connection_test.php",
    stubs_match_extension => "stubs_test.php",
    cron_cli => "cron_test.php",
    forked_php_fpm_workers_each_work => "fpm_test.php",
    standalone_cron_php_deploys => "cron_standalone_test.php",
    host_callback_failures_are_contained => "host_callbacks_test.php",
    ip_pools_allocate_uniquely_across_processes => "ip_pool_test.php",
    create_account_and_deploy_to_ready => "deploy_test.php",
    deploy_faults_keep_state_and_resume => "deploy_faults_test.php",
    deploy_survives_kills_and_concurrent_runners => "deploy_crash_test.php",
    lifecycle_after_ready => "lifecycle_test.php",
    lifecycle_survives_kills_and_concurrent_runners => "lifecycle_crash_test.php",
    emails_survive_kills_through_the_outbox => "email_outbox_test.php",
    terminate_removes_only_its_own_backups => "terminate_backups_test.php",
    module_files_die_outside_whmcs_and_dns_php_hides_detail => "direct_access_test.php",
    admin_views_access_csrf_and_validation => "admin_views_test.php",
    dns_zones_validate_encrypt_mask_and_test => "dns_zones_test.php",
    dns_records_on_real_powerdns_and_simulators => "dns_records_test.php",
    dns_through_deploy_change_resync_reinstall_terminate => "dns_lifecycle_test.php",
    product_panel_choices_validation_and_options => "product_panel_test.php",
    admin_service_page_live_log_charts => "service_page_test.php",
    snapshots_backups_schedule_and_status_tasks => "backup_test.php",
    cron_locks_across_runners_and_kills => "cron_locks_test.php",
    statistics_metric_billing_and_usage_update => "stats_test.php",
    email_templates_created_once_never_overwritten => "email_templates_test.php",
    bad_bytes_and_arrays_get_named_errors_and_change_nothing => "bad_input_test.php",
    backup_restore_and_reset_password_machines => "restore_reset_test.php",
    deactivate_on_a_case_folding_mariadb => "deactivate_case_folding_test.php",
    client_area_checks_cache_power_and_reset_password => "client_area_test.php",
    metric_billing_toggle_through_the_panel_and_the_provider => "metric_billing_test.php",
    vm_management_refusals_are_409_and_db_record_errors_name_the_field => "vm_management_refusals_test.php",
    terminate_on_a_locked_vm_waits_visibly_then_gives_up => "terminate_wait_test.php",
    legacy_puq_customization_and_v2_import => "legacy_import_test.php",
    module_debug_log_has_every_api_call_and_no_secret => "module_debug_log_test.php",
    installation_doctor_names_each_failure_and_its_fix => "doctor_test.php",
    admin_writes_check_whmcs_permissions_and_log_activity => "admin_permissions_test.php",
    console_link_permissions_defaults_and_migrated_vms => "console_open_test.php",
    lang_files_have_english_keys_and_placeholders => "lang_files_test.php",
    lang_follows_session_profile_default_and_falls_back => "lang_select_test.php",
    email_templates_in_every_shipped_language => "email_translations_test.php",
}
