<?php
/**
 * PUQ Proxmox KVM — WHMCS server module.
 *
 * A thin skin: every entry point calls one function of the puq_proxmox_kvm
 * PHP extension (load it in php.ini: extension=puq_proxmox_kvm). Loading
 * this file has no side effects; all logic is in the extension.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

if (!extension_loaded('puq_proxmox_kvm')) {
    // A clear message instead of "Call to undefined function" in WHMCS.
    function puqProxmoxKVM_extensionMissing()
    {
        return 'The puq_proxmox_kvm PHP extension is not loaded: add extension=puq_proxmox_kvm to php.ini for both the web server and the CLI (cron).';
    }
}

/**
 * @return array module metadata (DisplayName, APIVersion, RequiresServer, ports)
 */
function puqProxmoxKVM_MetaData()
{
    return extension_loaded('puq_proxmox_kvm') ? puq_meta_data() : ['DisplayName' => 'PUQ Proxmox KVM', 'APIVersion' => '1.1', 'RequiresServer' => true];
}

/**
 * @return array product configuration fields
 */
function puqProxmoxKVM_ConfigOptions()
{
    return extension_loaded('puq_proxmox_kvm') ? puq_config_options() : [];
}

/**
 * @param array $params server parameters
 * @return array ['success' => bool, 'error' => string]
 */
function puqProxmoxKVM_TestConnection(array $params)
{
    if (!extension_loaded('puq_proxmox_kvm')) {
        return ['success' => false, 'error' => puqProxmoxKVM_extensionMissing()];
    }
    return puq_test_connection($params);
}

/**
 * Accepts the order: writes the VM record in state "creation" and sends the
 * welcome email. The cron's Process VMs task deploys the VM.
 *
 * @param array $params service parameters
 * @return string 'success' or an error message
 */
function puqProxmoxKVM_CreateAccount(array $params)
{
    return puq_create_account($params);
}

/**
 * Usage billing: Bandwidth Usage In / Out (GB, monthly), for products with
 * Metric Billing on.
 *
 * @param array $params server parameters
 * @return \WHMCS\Module\Server\PuqProxmoxKVM\MetricsProvider
 */
function puqProxmoxKVM_MetricProvider(array $params)
{
    require_once __DIR__ . '/lib/MetricsProvider.php';
    return new \WHMCS\Module\Server\PuqProxmoxKVM\MetricsProvider($params);
}

/**
 * Daily usage update: tblhosting bandwidth (this month) and disk usage.
 *
 * @param array $params server parameters
 * @return string 'success' or an error message
 */
function puqProxmoxKVM_UsageUpdate(array $params)
{
    return puq_usage_update($params);
}
