<?php
/**
 * clientarea.php — the client's services list, and action=productdetails&id=N: the service page with the server
 * module's client area (ClientArea's overview, or a custom function's own page for modop=custom&a=NAME).
 */
$uid = ClientShell::requireClient();
$action = (string) ($_GET['action'] ?? '');
if ($action !== 'productdetails') {
    $rows = '';
    foreach (Harness::query('SELECT h.id, h.domain, h.domainstatus, p.name FROM tblhosting h JOIN tblproducts p ON p.id = h.packageid WHERE h.userid = ? ORDER BY h.id', [$uid]) as $s) {
        $rows .= '<tr><td><a href="/clientarea.php?action=productdetails&id=' . (int) $s['id'] . '">' . htmlspecialchars($s['name'])
            . '</a></td><td>' . htmlspecialchars($s['domain']) . '</td><td>' . htmlspecialchars($s['domainstatus']) . '</td></tr>';
    }
    ClientShell::layout('My Products & Services', '<div class="card"><table class="table mb-0" id="shell-services"><thead><tr><th>Product</th><th>Domain</th><th>Status</th></tr></thead><tbody>' . $rows . '</tbody></table></div>');
    return;
}
$sid = (int) ($_GET['id'] ?? 0);
$svc = Harness::row('SELECT h.id, h.domain, h.domainstatus, p.name, p.servertype FROM tblhosting h JOIN tblproducts p ON p.id = h.packageid WHERE h.id = ?', [$sid]);
if (!$svc) {
    http_response_code(302);
    header('Location: /clientarea.php');
    return;
}
Harness::loadServerModule();
if (is_file(dirname(Harness::serverModuleFile()) . '/hooks.php')) {
    require_once dirname(Harness::serverModuleFile()) . '/hooks.php';
}
$module = Harness::SERVER_MODULE;
$params = Harness::params($sid);
$crumbs = ['/clientarea.php?action=services' => 'My Products & Services'];
$title = 'Manage Product';
$message = '';

if (($_REQUEST['modop'] ?? '') === 'custom') {
    $a = (string) ($_REQUEST['a'] ?? '');
    $allowed = array_merge(array_values((array) call_user_func($module . '_ClientAreaAllowedFunctions')),
        array_values((array) call_user_func($module . '_ClientAreaCustomButtonArray')));
    if ($a !== '' && in_array($a, $allowed, true) && function_exists($module . '_' . $a)) {
        $result = call_user_func($module . '_' . $a, $params);
        if (is_array($result) && isset($result['templatefile'])) {
            $vars = array_merge($params, (array) ($result['vars'] ?? []));
            $html = ClientShell::renderModuleTemplate((string) $result['templatefile'], $vars);
            foreach ((array) ($result['breadcrumb'] ?? []) as $url => $label) {
                $crumbs[$url] = $label;
            }
            ClientShell::layout((string) ($result['pagetitle'] ?? $title), $html, $crumbs, ClientShell::sidebar($sid, $svc));
            return;
        }
        $message = is_string($result) ? ($result === 'success' ? 'Action Completed Successfully!' : $result) : '';
    }
}

$overview = call_user_func($module . '_ClientArea', $params);
if (is_array($overview) && isset($overview['tabOverviewReplacementTemplate'])) {
    $html = ClientShell::renderModuleTemplate((string) $overview['tabOverviewReplacementTemplate'],
        array_merge($params, (array) ($overview['templateVariables'] ?? [])));
} else {
    $html = '<div class="card"><div class="card-body">' . htmlspecialchars($svc['name']) . '</div></div>';
}
if ($message !== '') {
    $html = '<div class="alert alert-info">' . htmlspecialchars($message) . '</div>' . $html;
}
ClientShell::layout($title, '<div class="tab-content"><div class="tab-pane fade show active" id="tabOverview">' . $html . '</div></div>',
    $crumbs, ClientShell::sidebar($sid, $svc));
