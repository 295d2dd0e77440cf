<?php
/**
 * PUQ Proxmox KVM — standalone cron (system crontab):
 *   * * * * * php /path/to/whmcs/modules/addons/puq_proxmox_kvm/cron.php
 * Options: --help, --list, --task=NAME, --force, --clear-locks, --doctor.
 */

if (PHP_SAPI !== 'cli') {
    die('cron.php runs from the command line only');
}

if (!defined('WHMCS')) {
    // Standalone: boot WHMCS (database settings, encrypt/decrypt, localAPI).
    $init = dirname(__DIR__, 3) . '/init.php';
    if (!is_file($init)) {
        fwrite(STDERR, "WHMCS init.php not found at $init\n");
        exit(1);
    }
    require_once $init;
}

if (!extension_loaded('puq_proxmox_kvm')) {
    fwrite(STDERR, "The puq_proxmox_kvm PHP extension is not loaded for the CLI: add extension=puq_proxmox_kvm to the CLI php.ini.\n");
    exit(1);
}

try {
    exit(puq_cron_tick(['mode' => 'standalone', 'argv' => array_slice($argv ?? [], 1), 'addon_dir' => __DIR__]));
} catch (\Throwable $e) {
    fwrite(STDERR, 'PUQ Proxmox KVM cron failed: ' . $e->getMessage() . "\n");
    exit(1);
}
