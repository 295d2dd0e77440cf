<?php
/** Logs in as an admin of tbladmins: /admin/login.php?id=N (tests), or a list of admins to click. */
$id = (int) ($_GET['id'] ?? 0);
if ($id > 0 && Harness::row('SELECT id FROM tbladmins WHERE id = ? AND disabled = 0', [$id])) {
    session_regenerate_id(true);
    $_SESSION['adminid'] = $id;
    $_SESSION['puq_shell_token'] = bin2hex(random_bytes(20));
    header('Location: ' . (string) ($_GET['to'] ?? '/admin/addonmodules.php?module=puq_proxmox_kvm'));
    http_response_code(302);
    return;
}
unset($_SESSION['adminid']);
$list = '';
foreach (Harness::query('SELECT id, username, roleid FROM tbladmins WHERE disabled = 0 ORDER BY id') as $a) {
    $list .= '<li><a href="/admin/login.php?id=' . (int) $a['id'] . '">' . htmlspecialchars($a['username'])
        . '</a> (role ' . (int) $a['roleid'] . ')</li>';
}
Shell::layout('Admin Login', '<p>Log in as:</p><ul id="shell-admins">' . $list . '</ul>');
