<?php
/** Logs in as a client of tblclients: /login.php?uid=N[&to=URL] (tests), or a list of clients to click. */
$id = (int) ($_GET['uid'] ?? 0);
if ($id > 0 && Harness::row('SELECT id FROM tblclients WHERE id = ?', [$id])) {
    session_regenerate_id(true);
    $_SESSION['uid'] = $id;
    $_SESSION['puq_shell_token'] = bin2hex(random_bytes(20));
    $to = (string) ($_GET['to'] ?? '/clientarea.php');
    header('Location: ' . (strpos($to, '/') === 0 ? $to : '/clientarea.php'));
    http_response_code(302);
    return;
}
unset($_SESSION['uid']);
$list = '';
foreach (Harness::query('SELECT id, firstname, lastname FROM tblclients ORDER BY id') as $c) {
    $list .= '<li><a href="/login.php?uid=' . (int) $c['id'] . '">' . htmlspecialchars($c['firstname'] . ' ' . $c['lastname']) . '</a></li>';
}
ClientShell::layout('Login', '<p>Log in as:</p><ul id="shell-clients">' . $list . '</ul>');
