<?php
/**
 * addonmodules.php?module=NAME — what WHMCS does for an addon's admin page: the admin must be logged in,
 * the addon active and the admin's role in its Access Control ('access' setting); then _output($vars)
 * runs in an output buffer and its HTML goes into the admin layout. (An AJAX reply exits from _output.)
 */
$adminId = Shell::requireAdmin();
if (!Shell::requirePermission($adminId, 46, 'Addon Modules')) {
    return;
}
$module = (string) ($_GET['module'] ?? '');
if ($module !== Harness::ADDON_MODULE) {
    Shell::layout('Addons', '<div class="alert alert-danger" id="shell-denied">Invalid module name</div>');
    return;
}
$settings = Harness::addonSettings();
$role = (int) Harness::value('SELECT roleid FROM tbladmins WHERE id = ?', [$adminId]);
$roles = array_map('intval', array_filter(explode(',', (string) ($settings['access'] ?? ''))));
if (!isset($settings['version']) || !in_array($role, $roles, true)) {
    http_response_code(403);
    Shell::layout('Access Denied', '<div class="alert alert-danger" id="shell-denied">You do not have permission to access this addon module.</div>');
    return;
}
Harness::loadAddonModule();
$vars = array_merge($settings, [
    'modulelink' => 'addonmodules.php?module=' . Harness::ADDON_MODULE,
    'version' => $settings['version'],
    '_lang' => Harness::addonLang(),
]);
ob_start();
call_user_func(Harness::ADDON_MODULE . '_output', $vars);
$html = (string) ob_get_clean();
$config = call_user_func(Harness::ADDON_MODULE . '_config');
Shell::layout((string) ($config['name'] ?? $module), $html);
