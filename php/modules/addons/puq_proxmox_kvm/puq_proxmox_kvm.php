<?php
/**
 * PUQ Proxmox KVM — WHMCS addon module (IP pools, DNS zones, VM management,
 * cron). A thin skin over the puq_proxmox_kvm PHP extension.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/lang_loader.php';

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
    return puq_addon_activate(__DIR__ . '/lang/emails');
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
    return puq_addon_upgrade($vars, __DIR__ . '/lang/emails');
}

/**
 * Echoes the addon's admin page, or answers an AJAX action with JSON.
 *
 * Pages: addonmodules.php?module=puq_proxmox_kvm&page=<name> (whitelisted by the extension).
 * Actions: ...&ajax=<name>; those that change data must be POSTed with WHMCS's CSRF token.
 *
 * @param array $vars modulelink, version, _lang
 */
function puq_proxmox_kvm_output($vars)
{
    $adminId = (int) ($_SESSION['adminid'] ?? 0);
    $isPost = ($_SERVER['REQUEST_METHOD'] ?? 'GET') === 'POST';
    $request = $isPost ? $_POST : $_GET;
    unset($request['token']);

    if (isset($_GET['ajax'])) {
        $posted = false;
        if ($isPost) {
            try {
                check_token('WHMCS.admin.default');
                $posted = true;
            } catch (\Throwable $e) {
                $posted = false;
            }
        }
        $reply = puq_admin_ajax((string) $_GET['ajax'], $request, $adminId, $posted);
        // A refusal or validation error in the admin's language (the lang key the extension sent).
        $msg = $reply['msg'] ?? null;
        $texts = puqProxmoxKvmAddon_lang();
        if (is_array($msg) && isset($texts[$msg['key'] ?? ''])) {
            $swap = [];
            foreach ((array) ($msg['params'] ?? []) as $k => $v) {
                $swap['{' . $k . '}'] = is_scalar($v) ? (string) $v : '';
            }
            $reply['error'] = strtr($texts[$msg['key']], $swap);
            // A field's error keeps naming the field, as the English one does.
            if (is_string($reply['field'] ?? null) && isset($texts['m_invalid_value'])) {
                $reply['error'] = strtr($texts['m_invalid_value'], ['{field}' => $reply['field'], '{message}' => $reply['error']]);
            }
        }
        while (ob_get_level() > 0) {
            ob_end_clean();
        }
        http_response_code((int) ($reply['status'] ?? 200));
        header('Content-Type: application/json; charset=utf-8');
        header('Cache-Control: no-store');
        echo json_encode($reply, JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_PARTIAL_OUTPUT_ON_ERROR);
        exit;
    }

    // The admin's language with English per missing key (lang_loader.php), not WHMCS's $vars['_lang'].
    $lang = puqProxmoxKvmAddon_lang();
    $langInfo = puqProxmoxKvmAddon_langInfo();
    $modulelink = (string) ($vars['modulelink'] ?? 'addonmodules.php?module=puq_proxmox_kvm');
    try {
        // Where this install lives: Settings > Cron shows its exact crontab line.
        $install = ['addon_dir' => __DIR__, 'php_bindir' => PHP_BINDIR, 'php_version' => PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION];
        $view = puq_admin_page((string) ($_GET['page'] ?? ''), $_GET, $adminId, $install);
        $error = '';
    } catch (\Throwable $e) {
        $view = ['page' => 'error', 'template' => 'error', 'nav' => [], 'vars' => []];
        $error = puqProxmoxKvmAddon_text($e->getMessage());
    }

    $smarty = new \Smarty();
    $smarty->setCompileDir($GLOBALS['templates_compiledir'] ?? sys_get_temp_dir());
    $smarty->setTemplateDir(__DIR__ . '/templates');
    // Every {$value} is HTML-escaped; only the JSON blobs below opt out (nofilter).
    $smarty->escape_html = true;
    $json = JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_PARTIAL_OUTPUT_ON_ERROR;
    $smarty->assign([
        'page' => $view['page'],
        'nav' => $view['nav'],
        'v' => $view['vars'],
        'error' => $error,
        'LANG' => $lang,
        'puqDir' => $langInfo['dir'],
        'puqLocale' => $langInfo['locale'],
        'modulelink' => $modulelink,
        'token' => generate_token('plain'),
        'assets' => '../modules/addons/puq_proxmox_kvm/assets',
        'boot_json' => json_encode([
            'modulelink' => $modulelink,
            'token' => generate_token('plain'),
            'page' => $view['page'],
            'vars' => $view['vars'],
            'lang' => $lang,
            'locale' => $langInfo['locale'],
            'dir' => $langInfo['dir'],
        ], $json),
    ]);
    echo $smarty->fetch($view['template'] . '.tpl');
}
