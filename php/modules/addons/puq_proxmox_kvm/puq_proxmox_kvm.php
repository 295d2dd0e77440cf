<?php
/**
 * PUQ Proxmox KVM — WHMCS addon module (IP pools, DNS zones, VM management,
 * cron). A thin skin over the puq_proxmox_kvm PHP extension.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/**
 * @return array addon configuration (name, description, version, fields)
 */
function puq_proxmox_kvm_config()
{
    if (!extension_loaded('puq_proxmox_kvm')) {
        return ['name' => 'PUQ Proxmox KVM', 'description' => 'The puq_proxmox_kvm PHP extension is not loaded.', 'version' => '0', 'author' => 'puq_proxmox_kvm', 'fields' => []];
    }
    return puq_addon_config();
}

/**
 * @return array ['status' => 'success'|'error', 'description' => string]
 */
function puq_proxmox_kvm_activate()
{
    if (!extension_loaded('puq_proxmox_kvm')) {
        return ['status' => 'error', 'description' => 'The puq_proxmox_kvm PHP extension is not loaded: add extension=puq_proxmox_kvm to php.ini.'];
    }
    return puq_addon_activate();
}

/**
 * @return array ['status' => 'success'|'error', 'description' => string]
 */
function puq_proxmox_kvm_deactivate()
{
    return puq_addon_deactivate();
}

/**
 * @param array $vars $vars['version'] is the previously installed version
 */
function puq_proxmox_kvm_upgrade($vars)
{
    return puq_addon_upgrade($vars);
}

/**
 * Echoes the addon's admin page.
 *
 * @param array $vars modulelink, version, _lang
 */
function puq_proxmox_kvm_output($vars)
{
    $tpl = __DIR__ . '/templates/overview.tpl';
    try {
        $data = puq_addon_overview();
        $error = '';
    } catch (\Throwable $e) {
        $data = [];
        $error = $e->getMessage();
    }
    $smarty = new \Smarty();
    $smarty->setCompileDir($GLOBALS['templates_compiledir'] ?? sys_get_temp_dir());
    $smarty->assign('data', $data);
    $smarty->assign('error', $error);
    $smarty->assign('modulelink', $vars['modulelink'] ?? '');
    $smarty->assign('LANG', $vars['_lang'] ?? []);
    echo $smarty->fetch($tpl);
}
