<?php
/**
 * PUQ Proxmox KVM — WHMCS hooks. WHMCS's own cron runs the module's cron
 * tasks through AfterCronJob (WHMCS hook mode).
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

add_hook('AfterCronJob', 1, function ($vars) {
    if (extension_loaded('puq_proxmox_kvm')) {
        try {
            puq_cron_tick(['mode' => 'hook']);
        } catch (\Throwable $e) {
            logActivity('PUQ Proxmox KVM cron failed: ' . $e->getMessage());
        }
    }
});
