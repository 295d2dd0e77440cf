<?php
/**
 * upgrade.php?type=configoptions&id=N — twenty-one's configurable options upgrade form (one select
 * configoption[ID] per option of the product, the current choice marked), with WHMCS's page hooks: the output of
 * ClientAreaFooterOutput (vars filename=upgrade, templatefile=upgrade) after the page, and on submit the errors
 * of ShoppingCartValidateUpgrade (WHMCS 9) instead of the summary.
 */
$uid = ClientShell::requireClient();
$sid = (int) ($_REQUEST['id'] ?? 0);
$svc = Harness::row('SELECT h.id, h.packageid, h.domain, h.domainstatus, p.name FROM tblhosting h JOIN tblproducts p ON p.id = h.packageid WHERE h.id = ? AND h.userid = ?', [$sid, $uid]);
if (!$svc || ($_REQUEST['type'] ?? '') !== 'configoptions') {
    http_response_code(302);
    header('Location: /clientarea.php');
    return;
}
Harness::loadServerModule();
require_once dirname(Harness::serverModuleFile()) . '/hooks.php';
$vars = ['filename' => 'upgrade', 'templatefile' => 'upgrade', 'template' => 'twenty-one', 'token' => generate_token('plain')];

$notice = '';
if (($_SERVER['REQUEST_METHOD'] ?? 'GET') === 'POST' && ($_POST['step'] ?? '') === '2') {
    check_token('WHMCS.default');
    $errors = [];
    foreach (run_hook('ShoppingCartValidateUpgrade', ['id' => $sid, 'pid' => (int) $svc['packageid']]) as $r) {
        foreach ((array) $r as $e) {
            $errors[] = (string) $e;
        }
    }
    $notice = $errors
        ? '<div class="alert alert-danger" id="shell-upgrade-errors"><ul class="mb-0"><li>' . implode('</li><li>', array_map('htmlspecialchars', $errors)) . '</li></ul></div>'
        : '<div class="alert alert-success" id="shell-upgrade-ok">Upgrade summary: the order would be placed now.</div>';
}

$current = [];
foreach (Harness::query('SELECT configid, optionid FROM tblhostingconfigoptions WHERE relid = ?', [$sid]) as $r) {
    $current[(int) $r['configid']] = (int) $r['optionid'];
}
$rows = '';
$options = Harness::query('SELECT o.id, o.optionname FROM tblproductconfigoptions o JOIN tblproductconfiglinks l ON l.gid = o.gid WHERE l.pid = ? AND o.optiontype = 1 ORDER BY o.`order`, o.id', [(int) $svc['packageid']]);
foreach ($options as $o) {
    $name = htmlspecialchars(explode('|', (string) $o['optionname'])[1] ?? (string) $o['optionname']);
    $sel = '<select name="configoption[' . (int) $o['id'] . ']" class="form-control custom-select">';
    foreach (Harness::query('SELECT id, optionname FROM tblproductconfigoptionssub WHERE configid = ? ORDER BY sortorder, id', [(int) $o['id']]) as $s) {
        $label = htmlspecialchars(explode('|', (string) $s['optionname'])[1] ?? (string) $s['optionname']);
        $isCur = ($current[(int) $o['id']] ?? 0) === (int) $s['id'];
        $sel .= '<option value="' . (int) $s['id'] . '"' . ($isCur ? ' selected' : '') . '>' . $label . ($isCur ? ' (No Change)' : '') . '</option>';
    }
    $sel .= '</select>';
    $rows .= '<tr><td class="align-middle">' . htmlspecialchars(explode('|', (string) $o['optionname'])[0]) . '</td><td>' . $sel . '</td></tr>';
}
$token = htmlspecialchars(generate_token('plain'));
$html = $notice . '<div class="card"><div class="card-body">'
    . '<p>' . htmlspecialchars($svc['name']) . ' - ' . htmlspecialchars($svc['domain']) . '</p>'
    . '<form method="post" action="/upgrade.php" id="shell-upgrade-form"><input type="hidden" name="token" value="' . $token . '">'
    . '<input type="hidden" name="step" value="2"><input type="hidden" name="type" value="configoptions"><input type="hidden" name="id" value="' . $sid . '">'
    . '<table class="table"><thead><tr><th>Option</th><th>New value</th></tr></thead><tbody>' . $rows . '</tbody></table>'
    . '<button type="submit" class="btn btn-primary" id="shell-upgrade-submit">Click to Continue &raquo;</button></form></div></div>';
$footer = implode('', array_map('strval', run_hook('ClientAreaFooterOutput', $vars)));
ClientShell::layout('Upgrade/Downgrade Options', $html, ['/clientarea.php?action=productdetails&id=' . $sid => 'Manage Product'], '', $footer);
