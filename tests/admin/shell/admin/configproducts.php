<?php
/**
 * configproducts.php — the product edit page as far as the server module sees it.
 *   ?action=edit&id=PID             the page with its Module Settings tab (module, server group, then the
 *                                   module's fields), loaded by AJAX as WHMCS does
 *   ?action=module-settings&id=PID  the tab's content: ConfigOptions' fields as WHMCS prints them
 *                                   (FriendlyName, the input, then 'Description' as raw HTML). The module's own
 *                                   panel requests (puq_action=…) hit this URL too; ConfigOptions answers them.
 */
if (!Shell::requirePermission(Shell::requireAdmin(), 71, 'View Products/Services')) {
    return;
}
$pid = (int) ($_REQUEST['id'] ?? 0);
$product = Harness::row('SELECT p.name, p.servertype, g.name AS groupname FROM tblproducts p LEFT JOIN tblservergroups g ON g.id = p.servergroup WHERE p.id = ?', [$pid]);
if (!$product) {
    Shell::layout('Products/Services', '<div class="alert alert-danger">Product not found</div>');
    return;
}
Harness::loadServerModule();
$action = (string) ($_REQUEST['action'] ?? 'edit');
if ($action === 'module-settings') {
    $fields = call_user_func(Harness::SERVER_MODULE . '_ConfigOptions', []);
    $rows = '';
    $n = 0;
    foreach ($fields as $key => $f) {
        $n++;
        $label = htmlspecialchars((string) ($f['FriendlyName'] ?? $key));
        $value = htmlspecialchars((string) Harness::value("SELECT configoption$n FROM tblproducts WHERE id = ?", [$pid]));
        $input = ($f['Type'] ?? '') === 'text'
            ? '<input type="text" name="packageconfigoption[' . $n . ']" size="' . (int) ($f['Size'] ?? 25) . '" value="' . $value . '"> '
            : '';
        $rows .= '<tr><td class="fieldlabel" width="160">' . $label . '</td><td class="fieldarea">' . $input . ($f['Description'] ?? '') . '</td></tr>';
    }
    header('Content-Type: text/html; charset=utf-8');
    echo '<table class="form module-settings" width="100%">' . $rows . '</table>';
    return;
}
$name = htmlspecialchars($product['name']);
$group = htmlspecialchars((string) ($product['groupname'] ?? 'None'));
$url = json_encode('configproducts.php?action=module-settings&id=' . $pid . '&module=' . Harness::SERVER_MODULE);
Shell::layout('Products/Services', <<<HTML
<h2 style="font-size:16px">Edit Product: {$name}</h2>
<ul class="nav nav-tabs"><li><a href="#">Details</a></li><li><a href="#">Pricing</a></li>
<li class="active"><a href="#">Module Settings</a></li><li><a href="#">Custom Fields</a></li><li><a href="#">Configurable Options</a></li></ul>
<div class="tab-content" style="padding:10px 0">
<table class="form" width="100%"><tr><td class="fieldlabel" width="160">Module Name</td><td class="fieldarea">PUQ Proxmox KVM</td></tr>
<tr><td class="fieldlabel">Server Group</td><td class="fieldarea">{$group}</td></tr></table>
<div id="serverReturnedContent"><p class="text-muted">Loading…</p></div>
</div>
<script>jQuery.get({$url}, function (html) { jQuery('#serverReturnedContent').html(html); }, 'html');</script>
HTML);
