<?php
/**
 * clientsservices.php?userid=N&id=SID — the admin service page as far as the server module sees it: the
 * module's AdminServicesTabFields rows under the service's details. Its own requests (puq_action=…) go to
 * this URL; the module answers them from AdminServicesTabFields.
 */
if (!Shell::requirePermission(Shell::requireAdmin(), 11, 'View Clients Products/Services')) {
    return;
}
$sid = (int) ($_REQUEST['id'] ?? 0);
$svc = Harness::row('SELECT h.domain, h.domainstatus, p.name FROM tblhosting h JOIN tblproducts p ON p.id = h.packageid WHERE h.id = ?', [$sid]);
if (!$svc) {
    Shell::layout('Client Profile', '<div class="alert alert-danger">Service not found</div>');
    return;
}
Harness::loadServerModule();
$fields = call_user_func(Harness::SERVER_MODULE . '_AdminServicesTabFields', Harness::params($sid));
$rows = '';
foreach ($fields as $label => $html) {
    $rows .= '<tr><td class="fieldlabel" width="140">' . htmlspecialchars((string) $label) . '</td><td class="fieldarea">' . $html . '</td></tr>';
}
$head = htmlspecialchars($svc['name'] . ' - ' . $svc['domain']);
$status = htmlspecialchars($svc['domainstatus']);
Shell::layout('Client Profile', <<<HTML
<h2 style="font-size:16px">Products/Services: {$head} <span class="label label-default">{$status}</span></h2>
<table class="form" width="100%">{$rows}</table>
HTML);
