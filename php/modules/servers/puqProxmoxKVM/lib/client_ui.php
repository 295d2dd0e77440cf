<?php
/**
 * WHMCS glue of the client area (see puqProxmoxKVM_ClientArea): gathers the request — the logged-in client
 * from the session, the method, whether WHMCS's check_token() accepted the token — calls one native function,
 * and hands its answer to WHMCS (a template with its variables) or sends it as JSON. Every decision (who may
 * see and do what, which pages and actions exist) is made by the extension, from the database.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/lang.php';

/** The module's strings in the client's language (lib/lang.php). */
function puqProxmoxKVM_caLang(): array
{
    return puqProxmoxKVM_langFor('client');
}

/** The request as the extension reads it. The token is checked by WHMCS's own check_token(). */
function puqProxmoxKVM_caRequest(): array
{
    $post = strtoupper((string) ($_SERVER['REQUEST_METHOD'] ?? 'GET')) === 'POST';
    $tokenOk = false;
    if ($post) {
        try {
            $token = $_POST['token'] ?? '';
            if (is_string($token) && $token !== '') {
                check_token('WHMCS.default', $token);
                $tokenOk = true;
            }
        } catch (\Throwable $e) {
            $tokenOk = false;
        }
    }
    $input = $post ? $_POST + $_GET : $_GET;
    unset($input['token']);
    return [
        'client_id' => (int) ($_SESSION['uid'] ?? 0),
        'post' => $post,
        'token_ok' => $tokenOk,
        'input' => $input,
    ];
}

/** The template variables of a page answer: the data, the strings, and the script's boot block. */
function puqProxmoxKVM_caVars(int $sid, array $answer): array
{
    $lang = puqProxmoxKVM_caLang();
    $client = array_filter($lang, static function ($k) {
        return strncmp((string) $k, 'client_', 7) === 0;
    }, ARRAY_FILTER_USE_KEY);
    $base = 'clientarea.php?action=productdetails&id=' . $sid;
    $vars = (array) ($answer['vars'] ?? []);
    if (is_array($vars['error'] ?? null)) {
        $vars['error'] = puqProxmoxKVM_caLocalize($vars['error']);
    }
    $info = puqProxmoxKVM_langInfo('client');
    $boot = [
        'page' => (string) ($answer['page'] ?? ''),
        'locale' => $info['locale'],
        'dir' => $info['dir'],
        'url' => $base . '&modop=custom&a=client',
        'overview' => $base,
        'token' => generate_token('plain'),
        'lang' => $client,
        'data' => $vars['data'] ?? null,
        'error' => $vars['error'] ?? null,
    ];
    return [
        'puq' => $vars,
        'puqLang' => $lang,
        'puqBase' => $base,
        'puqDir' => $info['dir'],
        'puqLocale' => $info['locale'],
        'puqAssets' => 'modules/servers/puqProxmoxKVM/assets',
        'puqTpl' => __DIR__ . '/../templates/client',
        'puqBoot' => json_encode($boot, JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_PARTIAL_OUTPUT_ON_ERROR),
        'token' => $boot['token'],
    ];
}

/** ClientArea: the Overview, in place of WHMCS's overview tab. */
function puqProxmoxKVM_caOverview(array $params): array
{
    $sid = (int) ($params['serviceid'] ?? 0);
    $answer = puq_client_page($sid, 'overview', puqProxmoxKVM_caRequest());
    puqProxmoxKVM_caStatus($answer);
    return [
        'tabOverviewReplacementTemplate' => 'templates/client/' . $answer['template'] . '.tpl',
        'templateVariables' => puqProxmoxKVM_caVars($sid, $answer),
    ];
}

/** A refused or failed page keeps WHMCS's page around it, with the HTTP status of the refusal. */
function puqProxmoxKVM_caStatus(array $answer): void
{
    $status = (int) ($answer['status'] ?? 200);
    if ($status !== 200 && !headers_sent()) {
        http_response_code($status);
    }
}

/**
 * A failure's message in the client's language: the extension sends the lang key of a validation error or
 * refusal with its parameters (`msg`) next to the English text, which stays when the key is unknown.
 */
function puqProxmoxKVM_caLocalize(array $failure): array
{
    $msg = $failure['msg'] ?? null;
    if (is_array($msg) && is_string($msg['key'] ?? null)) {
        $failure['message'] = puqProxmoxKVM_langMessage(puqProxmoxKVM_caLang(), $msg['key'],
            is_array($msg['params'] ?? null) ? $msg['params'] : [], (string) ($failure['message'] ?? ''));
    }
    return $failure;
}

/** Sends a JSON answer and ends the request (WHMCS would otherwise render its page around it). */
function puqProxmoxKVM_caJson(array $answer): void
{
    $answer = puqProxmoxKVM_caLocalize($answer);
    while (ob_get_level() > 0) {
        ob_end_clean();
    }
    if (!headers_sent()) {
        http_response_code((int) ($answer['status'] ?? 200));
        header('Content-Type: application/json; charset=utf-8');
        header('Cache-Control: no-store');
        header('X-Content-Type-Options: nosniff');
    }
    echo json_encode($answer, JSON_PARTIAL_OUTPUT_ON_ERROR);
    exit;
}

/**
 * The routed entry (modop=custom&a=client): an AJAX action (&act=NAME, answered as JSON) or a sub-page
 * (&page=NAME, rendered by WHMCS from templates/client/).
 */
function puqProxmoxKVM_caRoute(array $params): array
{
    $sid = (int) ($params['serviceid'] ?? 0);
    $request = puqProxmoxKVM_caRequest();
    if (isset($_GET['act']) || isset($_POST['act'])) {
        puqProxmoxKVM_caJson(puq_client_action($sid, $_POST['act'] ?? $_GET['act'], $request));
    }
    $answer = puq_client_page($sid, $_GET['page'] ?? '', $request);
    puqProxmoxKVM_caStatus($answer);
    $lang = puqProxmoxKVM_caLang();
    $title = $lang['client_menu_' . ($answer['page'] ?? '')] ?? $lang['client_menu_overview'];
    return [
        'templatefile' => 'templates/client/' . $answer['template'],
        'breadcrumb' => ['clientarea.php?action=productdetails&id=' . $sid => $lang['client_menu_overview'] ?? 'Overview'],
        'pagetitle' => $title,
        'vars' => puqProxmoxKVM_caVars($sid, $answer),
    ];
}
