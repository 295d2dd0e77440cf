<?php
/**
 * PUQ Proxmox KVM server module — client-area hooks (WHMCS loads a server module's hooks.php by itself).
 *
 * Layer 1 of the disk shrink protection on the configurable options upgrade page
 * (upgrade.php?type=configoptions&id=N): the extension says which System Disk / Additional Disk sub-options
 * are smaller than the VM's disks; assets/upgrade.js disables them, shows the banner, guards the submit and
 * asks before an Additional Disk of 0. WHMCS 9's ShoppingCartValidateUpgrade refuses such an upgrade when it
 * is submitted anyway; on WHMCS 8.11 the change-package machine skips a shrink (layer 2).
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

add_hook('ClientAreaFooterOutput', 1, function ($vars) {
    if (($vars['filename'] ?? '') !== 'upgrade' || !extension_loaded('puq_proxmox_kvm')) {
        return '';
    }
    if (($_REQUEST['type'] ?? '') !== 'configoptions') {
        return '';
    }
    $guard = puq_client_upgrade_guard((int) ($_REQUEST['id'] ?? 0), (int) ($_SESSION['uid'] ?? 0));
    if (empty($guard['options'])) {
        return '';
    }
    require_once __DIR__ . '/lib/lang.php';
    $guard['lang'] = array_intersect_key(puqProxmoxKVM_langFor('client'), array_flip(['client_upgrade_banner', 'client_upgrade_downgrade',
        'client_upgrade_destructive', 'client_upgrade_confirm_zero', 'client_upgrade_blocked']));
    $json = json_encode($guard, JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_PARTIAL_OUTPUT_ON_ERROR);
    return '<script type="application/json" id="puq-upgrade-guard">' . $json . '</script>'
        . '<script src="modules/servers/puqProxmoxKVM/assets/upgrade.js"></script>';
});

add_hook('ShoppingCartValidateUpgrade', 1, function ($vars) {
    if (!extension_loaded('puq_proxmox_kvm')) {
        return [];
    }
    $chosen = $_POST['configoption'] ?? [];
    if (!is_array($chosen) || !$chosen) {
        return [];
    }
    $sid = (int) ($vars['id'] ?? ($_REQUEST['id'] ?? 0));
    // The refusals in the client's language (lib/lang.php).
    require_once __DIR__ . '/lib/lang.php';
    $lang = puqProxmoxKVM_langFor('client');
    return array_map(static function ($m) use ($lang) {
        return puqProxmoxKVM_langText($lang, 'client', (string) $m);
    }, (array) puq_client_upgrade_validate($sid, (int) ($_SESSION['uid'] ?? 0), $chosen));
});
