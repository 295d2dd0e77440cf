<?php
/**
 * WHMCS glue of the admin UI (see the approach comment at the top of
 * puqProxmoxKVM.php): reads the request, checks the CSRF token, calls one
 * native function, renders a Smarty template or answers JSON. The data and
 * every decision come from the extension.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/lang.php';

/** The module's admin strings in the admin's language (lib/lang.php). */
function puqProxmoxKVM_lang(): array
{
    return puqProxmoxKVM_langFor('admin');
}

/** A message of the extension in the admin's language (lib/lang.php). */
function puqProxmoxKVM_adminText($text): string
{
    return puqProxmoxKVM_langText(puqProxmoxKVM_lang(), 'server_admin', (string) $text);
}

/** The panel's banners, field errors and message in the admin's language. */
function puqProxmoxKVM_adminLocalize(array $data): array
{
    foreach (['banners'] as $list) {
        foreach ((array) ($data[$list] ?? []) as $i => $b) {
            if (is_array($b)) {
                $data[$list][$i]['title'] = puqProxmoxKVM_adminText($b['title'] ?? '');
                $data[$list][$i]['message'] = puqProxmoxKVM_adminText($b['message'] ?? '');
            }
        }
    }
    foreach (['field_errors', 'errors'] as $map) {
        if (is_array($data[$map] ?? null)) {
            foreach ($data[$map] as $k => $m) {
                $data[$map][$k] = puqProxmoxKVM_adminText($m);
            }
        }
    }
    // Deploy Log: each step by its lang key (step_key, from the extension) in the admin's language; the spec's
    // English name where the key is missing.
    $lang = puqProxmoxKVM_lang();
    foreach ((array) ($data['runs'] ?? []) as $r => $run) {
        foreach ((array) ($run['steps'] ?? []) as $s => $st) {
            $key = is_array($st) ? (string) ($st['step_key'] ?? '') : '';
            if ($key !== '' && isset($lang[$key]) && is_string($lang[$key])) {
                $data['runs'][$r]['steps'][$s]['step'] = $lang[$key];
            }
        }
    }
    if (isset($data['message']) && is_string($data['message'])) {
        $data['message'] = puqProxmoxKVM_adminText($data['message']);
    }
    if (isset($data['api']['message']) && is_string($data['api']['message'])) {
        $data['api']['message'] = puqProxmoxKVM_adminText($data['api']['message']);
    }
    return $data;
}

/** Renders templates/admin/<name>.tpl with $vars (values are escaped in the template). */
function puqProxmoxKVM_render(string $name, array $vars): string
{
    $smarty = new \Smarty();
    $smarty->setCompileDir($GLOBALS['templates_compiledir'] ?? sys_get_temp_dir());
    $smarty->setTemplateDir([__DIR__ . '/../templates/admin']);
    $smarty->registerPlugin('modifier', 'puq_join', static function ($list): string {
        return implode(' ', array_map('strval', (array) $list));
    });
    if (method_exists($smarty, 'muteUndefinedOrNullWarnings')) {
        $smarty->muteUndefinedOrNullWarnings();
    }
    $info = puqProxmoxKVM_langInfo('admin');
    $jsLang = array_filter(puqProxmoxKVM_lang(), static function ($k) {
        return strncmp((string) $k, 'puq_js_', 7) === 0;
    }, ARRAY_FILTER_USE_KEY);
    $vars += ['jsLang' => puqProxmoxKVM_jsonForHtml($jsLang), 'LANG' => puqProxmoxKVM_lang(), 'token' => generate_token('plain'), 'puqDir' => $info['dir'],
        'puqLocale' => $info['locale']];
    foreach ($vars as $k => $v) {
        $smarty->assign($k, $v);
    }
    return $smarty->fetch('file:' . __DIR__ . '/../templates/admin/' . $name . '.tpl');
}

/** JSON for a <script type="application/json"> block: no tag, quote or ampersand survives raw. */
function puqProxmoxKVM_jsonForHtml($value): string
{
    return json_encode($value, JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_PARTIAL_OUTPUT_ON_ERROR);
}

/** The page's own URL without our parameters (the endpoint of its AJAX calls). */
function puqProxmoxKVM_selfUrl(): string
{
    $uri = (string) ($_SERVER['REQUEST_URI'] ?? '');
    $parts = parse_url($uri);
    parse_str($parts['query'] ?? '', $q);
    unset($q['puq_action'], $q['token'], $q['timeframe']);
    return ($parts['path'] ?? '') . ($q ? '?' . http_build_query($q) : '');
}

/** The logged-in admin ($_SESSION['adminid']); the extension checks the role's permissions itself. */
function puqProxmoxKVM_adminId(): int
{
    return (int) ($_SESSION['adminid'] ?? 0);
}

/** A refused or failed native call as the JSON answer: its code is the HTTP status (403, 409, 400). */
function puqProxmoxKVM_failure(\Throwable $e): array
{
    $code = (int) $e->getCode();
    return ['ok' => false, 'http_status' => in_array($code, [400, 403, 409, 500], true) ? $code : 400,
        'message' => puqProxmoxKVM_adminText($e->getMessage())];
}

/** State-changing actions need POST and a valid token; returns an error array or null. */
function puqProxmoxKVM_requirePost(string $method, array $request): ?array
{
    if (strtoupper($method) !== 'POST') {
        return ['ok' => false, 'http_status' => 405, 'message' => puqProxmoxKVM_lang()['puq_m_post_only']];
    }
    try {
        $token = $request['token'] ?? '';
        if (!is_string($token) || $token === '') {
            throw new \RuntimeException('missing token');
        }
        check_token('WHMCS.admin.default', $token);
    } catch (\Throwable $e) {
        return ['ok' => false, 'http_status' => 403, 'message' => puqProxmoxKVM_lang()['puq_m_bad_token']];
    }
    return null;
}

/** Sends a JSON answer and ends the request (WHMCS would otherwise render its page around it). */
function puqProxmoxKVM_sendJson(array $answer): void
{
    while (ob_get_level() > 0) {
        ob_end_clean();
    }
    if (!headers_sent()) {
        http_response_code((int) ($answer['http_status'] ?? 200));
        header('Content-Type: application/json; charset=utf-8');
        header('Cache-Control: no-store');
    }
    echo json_encode($answer, JSON_PARTIAL_OUTPUT_ON_ERROR);
    exit;
}

// ---------------------------------------------------------------------------------------------
// Product configuration panel
// ---------------------------------------------------------------------------------------------

/**
 * Answers a panel request: save / create_options (POST + token) or
 * reload (the panel's HTML again). Returns the JSON answer.
 */
function puqProxmoxKVM_productPanelAction(int $pid, string $action, array $request, string $method): array
{
    try {
        switch ($action) {
            case 'save':
                if ($err = puqProxmoxKVM_requirePost($method, $request)) {
                    return $err;
                }
                $values = is_array($request['values'] ?? null) ? $request['values'] : [];
                return puqProxmoxKVM_adminLocalize(puq_product_panel_save($pid, $values, puqProxmoxKVM_adminId()));
            case 'create_options':
                if ($err = puqProxmoxKVM_requirePost($method, $request)) {
                    return $err;
                }
                return ['ok' => true] + puq_product_create_options($pid, puqProxmoxKVM_adminId());
            case 'reload':
                return ['ok' => true, 'html' => puqProxmoxKVM_productPanelHtml($pid)];
        }
        return ['ok' => false, 'http_status' => 400, 'message' => puqProxmoxKVM_lang()['puq_m_unknown_action']];
    } catch (\Throwable $e) {
        return puqProxmoxKVM_failure($e);
    }
}

/** The panel's HTML for a product. */
function puqProxmoxKVM_productPanelHtml(int $pid): string
{
    try {
        $data = puqProxmoxKVM_adminLocalize(puq_product_panel($pid));
        $error = '';
    } catch (\Throwable $e) {
        $data = [];
        $error = $e->getMessage();
    }
    return puqProxmoxKVM_render('product_panel', [
        'data' => $data,
        'error' => $error,
        'pid' => $pid,
        'ajaxUrl' => puqProxmoxKVM_selfUrl(),
        'hl' => array_fill_keys(array_map('strval', $data['highlight'] ?? []), true),
        'dataJson' => puqProxmoxKVM_jsonForHtml($data),
        'panelJs' => (string) file_get_contents(__DIR__ . '/../templates/admin/product_panel.js'),
    ]);
}

/**
 * ConfigOptions: the panel as the Description of one field, or — for the
 * panel's own requests (puq_action) — a JSON answer.
 */
function puqProxmoxKVM_productPanelOptions(array $request): array
{
    $pid = (int) ($request['id'] ?? 0);
    $action = (string) ($request['puq_action'] ?? '');
    if ($action !== '' && $pid > 0) {
        puqProxmoxKVM_sendJson(puqProxmoxKVM_productPanelAction($pid, $action, $request, $_SERVER['REQUEST_METHOD'] ?? 'GET'));
    }
    // WHMCS also calls ConfigOptions while saving the product form, only to
    // learn the field list: no panel (and no Proxmox reads) then.
    $saving = ($request['action'] ?? '') === 'save';
    $html = $saving ? '' : ($pid > 0
        ? puqProxmoxKVM_productPanelHtml($pid)
        : '<div class="alert alert-info">' . htmlspecialchars(puqProxmoxKVM_lang()['puq_panel_save_first'] ?? 'Save the product first.') . '</div>');
    return [
        'PUQ Proxmox KVM' => [
            'FriendlyName' => 'PUQ Proxmox KVM',
            // A stock type, so every WHMCS version prints the Description; the
            // panel's script hides the unused input (packageconfigoption[1]).
            'Type' => 'text',
            'Size' => '1',
            'Description' => $html,
            'SimpleMode' => true,
        ],
    ];
}

// ---------------------------------------------------------------------------------------------
// Admin service page
// ---------------------------------------------------------------------------------------------

/** Answers a service tab request (live, chart, console, redeploy). */
function puqProxmoxKVM_serviceAction(int $sid, string $action, array $request, string $method): array
{
    try {
        switch ($action) {
            case 'live':
                $data = puqProxmoxKVM_adminLocalize(puq_service_page($sid));
                return ['ok' => true, 'html' => puqProxmoxKVM_render('service_live', ['data' => $data]),
                    'log' => puqProxmoxKVM_render('service_log', ['data' => $data]), 'progress' => $data['progress'] ?? null];
            case 'chart':
                return puq_service_chart($sid, (string) ($request['timeframe'] ?? 'hour'));
            case 'console':
                if ($err = puqProxmoxKVM_requirePost($method, $request)) {
                    return $err;
                }
                // A one-time noVNC link (valid once, for 10 s); written to the activity log.
                return ['ok' => true] + puq_console_open($sid, (int) ($_SESSION['adminid'] ?? 0));
            case 'redeploy':
                if ($err = puqProxmoxKVM_requirePost($method, $request)) {
                    return $err;
                }
                // Deletes the VM and queues a fresh deploy; throws naming what is wrong.
                puq_vm_redeploy($sid, puqProxmoxKVM_adminId());
                return ['ok' => true, 'message' => puqProxmoxKVM_lang()['puq_m_redeploy_queued']];
        }
        return ['ok' => false, 'http_status' => 400, 'message' => puqProxmoxKVM_lang()['puq_m_unknown_action']];
    } catch (\Throwable $e) {
        return puqProxmoxKVM_failure($e);
    }
}

/** The service tab's HTML. */
function puqProxmoxKVM_serviceHtml(int $sid): string
{
    try {
        $data = puqProxmoxKVM_adminLocalize(puq_service_page($sid));
        $error = '';
    } catch (\Throwable $e) {
        $data = [];
        $error = $e->getMessage();
    }
    return puqProxmoxKVM_render('service', [
        'data' => $data,
        'error' => $error,
        'sid' => $sid,
        'ajaxUrl' => puqProxmoxKVM_selfUrl(),
        'serviceJs' => (string) file_get_contents(__DIR__ . '/../templates/admin/service.js'),
    ]);
}

/** AdminServicesTabFields: the tab, or a JSON answer for its own requests. */
function puqProxmoxKVM_serviceTab(int $sid, array $request, string $method): array
{
    $action = (string) ($request['puq_action'] ?? '');
    if ($action !== '' && $sid > 0) {
        puqProxmoxKVM_sendJson(puqProxmoxKVM_serviceAction($sid, $action, $request, $method));
    }
    return ['PUQ Proxmox KVM' => puqProxmoxKVM_serviceHtml($sid)];
}
