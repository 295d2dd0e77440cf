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

/*
 * Admin UI approach (product Module Settings panel and service tab), for
 * WHMCS 8.11 and 9:
 *
 * - WHMCS renders a product's Module Settings tab by calling ConfigOptions
 *   from configproducts.php (action=module-settings, loaded by AJAX with the
 *   product id in $_REQUEST['id']) and printing each field's 'Description'
 *   as raw HTML. The 24 stock configoptionN fields are too few and too
 *   plain for the spec's panel, and their values are only saved by the
 *   product form (no per-field validation, no way to refuse a save). So
 *   ConfigOptions returns ONE field whose Description is our panel (a Smarty
 *   template, templates/admin/product_panel.tpl); the settings live in the
 *   module's own table (puq_product_settings_*), not in configoptionN.
 *   'Loader' functions (dropdowns filled from the remote API, shown in
 *   Simple Mode) fill one stock field each and can only throw one error;
 *   our dropdowns, banners and highlights need the whole server answer at
 *   once, so the panel reads it itself (one native call, parallel reads).
 *   The AdminProductConfigFields hook is not used: it adds rows to the
 *   Details tab, not to Module Settings.
 * - The panel saves itself: a POST (with WHMCS's CSRF token) back to the
 *   same module-settings URL, with puq_action=save. WHMCS calls ConfigOptions
 *   for that request as an authenticated admin with product rights; we
 *   answer JSON and stop. Nothing is saved unless every field validates, and
 *   each error is shown next to its field. The panel's inputs carry no
 *   'name', so WHMCS's own product Save ignores them.
 * - The service tab (AdminServicesTabFields) works the same way on
 *   clientsservices.php: live refresh, charts and Redeploy are requests to
 *   the service page's own URL with puq_action=...; state changes are POST
 *   with the token.
 * - No secret reaches the browser: the natives never return the token
 *   secret or passwords; the noVNC key field is a keep-unchanged sentinel.
 */

require_once __DIR__ . '/lib/admin_ui.php';
require_once __DIR__ . '/lib/client_ui.php';

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
function puqProxmoxKVM_ConfigOptions($params = [])
{
    if (!extension_loaded('puq_proxmox_kvm')) {
        return [];
    }
    return puqProxmoxKVM_productPanelOptions($_REQUEST);
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
 * Marks the service suspended and sends a graceful shutdown; the cron
 * finishes the stop (force stop after the stop window).
 *
 * @return string 'success' or an error message
 */
function puqProxmoxKVM_SuspendAccount(array $params)
{
    return puq_suspend_account($params);
}

/**
 * Clears the suspend mark and starts the VM.
 *
 * @return string 'success' or an error message
 */
function puqProxmoxKVM_UnsuspendAccount(array $params)
{
    return puq_unsuspend_account($params);
}

/**
 * Asynchronous terminate: a stop request and status "terminate"; the cron
 * removes backups, DNS records and the VM, then frees the IPs.
 *
 * @return string 'success' or an error message
 */
function puqProxmoxKVM_TerminateAccount(array $params)
{
    return puq_terminate_account($params);
}

/**
 * Upgrade/downgrade of the product or its configurable options: queues the
 * change-package state machine.
 *
 * @return string 'success' or an error message
 */
function puqProxmoxKVM_ChangePackage(array $params)
{
    return puq_change_package($params);
}

/**
 * @return array [button label => function suffix]
 */
function puqProxmoxKVM_AdminCustomButtonArray()
{
    return puq_admin_buttons();
}

/** @return string 'success' or an error message */
function puqProxmoxKVM_Start(array $params) { return puq_module_command('Start', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_Stop(array $params) { return puq_module_command('Stop', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_Reboot(array $params) { return puq_module_command('Reboot', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_Reinstall(array $params) { return puq_module_command('Reinstall', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_VMSetDedicatedIp(array $params) { return puq_module_command('VMSetDedicatedIp', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_VMClone(array $params) { return puq_module_command('VMClone', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_SetCpuRam(array $params) { return puq_module_command('SetCpuRam', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_SetSystemDiskSize(array $params) { return puq_module_command('SetSystemDiskSize', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_SetSystemDiskBandwidth(array $params) { return puq_module_command('SetSystemDiskBandwidth', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_SetCreatedAdditionalDisk(array $params) { return puq_module_command('SetCreatedAdditionalDisk', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_SetAdditionalDiskSize(array $params) { return puq_module_command('SetAdditionalDiskSize', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_SetAdditionalDiskBandwidth(array $params) { return puq_module_command('SetAdditionalDiskBandwidth', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_SetNetwork(array $params) { return puq_module_command('SetNetwork', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_SetFirewall(array $params) { return puq_module_command('SetFirewall', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_SetCloudinit(array $params) { return puq_module_command('SetCloudinit', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_VMRemove(array $params) { return puq_module_command('VMRemove', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_SetDNSRecords(array $params) { return puq_module_command('SetDNSRecords', $params); }
/** @return string 'success' or an error message */
function puqProxmoxKVM_Redeploy(array $params) { return puq_module_command('Redeploy', $params); }

/**
 * The module's tab on the admin service page: VM, API status, live panel,
 * deploy log, charts, Redeploy.
 *
 * @param array $params service parameters
 * @return array [label => html]
 */
function puqProxmoxKVM_AdminServicesTabFields(array $params)
{
    if (!extension_loaded('puq_proxmox_kvm')) {
        return ['PUQ Proxmox KVM' => htmlspecialchars(puqProxmoxKVM_extensionMissing())];
    }
    return puqProxmoxKVM_serviceTab((int) ($params['serviceid'] ?? 0), $_REQUEST, $_SERVER['REQUEST_METHOD'] ?? 'GET');
}

/**
 * The client area's Overview: replaces WHMCS's overview tab of the service (WHMCS 8.11 and 9). Ownership,
 * the service status, the product's Client Area Permissions and the VM's state are checked by the extension.
 *
 * @param array $params service parameters
 * @return array ['tabOverviewReplacementTemplate' => 'templates/client/overview.tpl', 'templateVariables' => [...]]
 */
function puqProxmoxKVM_ClientArea(array $params)
{
    if (!extension_loaded('puq_proxmox_kvm')) {
        return '';
    }
    return puqProxmoxKVM_caOverview($params);
}

/**
 * No WHMCS sidebar buttons: the module's own menu (on every page of the service) shows every feature, dimmed
 * where the package does not include it, which WHMCS's buttons cannot do.
 *
 * @return array [label => function suffix]
 */
function puqProxmoxKVM_ClientAreaCustomButtonArray()
{
    return [];
}

/**
 * The one function a client may call (modop=custom&a=client): it routes to the whitelisted pages and
 * actions in the extension.
 *
 * @return array function suffixes
 */
function puqProxmoxKVM_ClientAreaAllowedFunctions()
{
    return extension_loaded('puq_proxmox_kvm') ? puq_client_allowed_functions() : [];
}

/**
 * The routed client entry: &page=NAME renders a sub-page, &act=NAME answers an AJAX action as JSON.
 *
 * @param array $params service parameters
 * @return array ['templatefile' => ..., 'breadcrumb' => ..., 'vars' => ...]
 */
function puqProxmoxKVM_client(array $params)
{
    return puqProxmoxKVM_caRoute($params);
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
