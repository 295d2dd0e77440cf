<?php
/**
 * The WHMCS-like admin shell around the module's admin pages, for the browser tests and `--serve`.
 *
 * Each request loads the WHMCS test harness (tests/harness: WHMCS's globals and functions, the real MariaDB
 * database named in PUQ_TEST_DB_NAME), starts the admin session, and runs one shell page. What WHMCS does
 * around an addon page is done here the same way: the admin must be logged in ($_SESSION['adminid']), the
 * addon must be active and the admin's role ticked in its Access Control, `_output($vars)` runs inside an
 * output buffer and its HTML is put in the admin layout (jQuery, Bootstrap 3, Font Awesome).
 * generate_token()/check_token() use a per-session token like WHMCS's.
 * A PHP warning or uncaught exception ends the request with a "PHP error" page (HTTP 500), so tests see it.
 */
final class Shell
{
    public static string $title = '';

    /**
     * Runs one shell page after the harness bootstrap, in the session $session (WHMCSAdmin here, WHMCSClient for
     * the client area), with $setup called first (the client area's ticket recorder).
     */
    public static function run(string $page, string $session = 'WHMCSAdmin', ?callable $setup = null): void
    {
        ob_start();
        try {
            require_once dirname(__DIR__, 2) . '/harness/bootstrap.php';
            if (session_status() !== PHP_SESSION_ACTIVE) {
                session_name($session);
                session_start();
            }
            if (empty($_SESSION['puq_shell_token'])) {
                $_SESSION['puq_shell_token'] = bin2hex(random_bytes(20));
            }
            $GLOBALS['__whmcs_token'] = $_SESSION['puq_shell_token'];
            // ?language=NAME sets the session's language, as WHMCS's client area does (the admin area keeps it
            // in the session too); stored as sent: the module must cope with any value.
            if (isset($_GET['language']) && is_string($_GET['language'])) {
                $_SESSION[$session === 'WHMCSAdmin' ? 'adminlang' : 'Language'] = $_GET['language'];
            }
            if ($setup !== null) {
                $setup();
            }
            require $page;
            ob_end_flush();
        } catch (\Throwable $e) {
            while (ob_get_level() > 0) {
                ob_end_clean();
            }
            http_response_code($e instanceof HarnessCsrfError ? 403 : 500);
            header('Content-Type: text/html; charset=utf-8');
            $what = $e instanceof HarnessCsrfError ? 'Invalid CSRF Protection Token' : 'PHP error';
            echo '<!DOCTYPE html><html><body><h1>' . $what . '</h1><pre id="shell-error">'
                . htmlspecialchars(get_class($e) . ': ' . $e->getMessage() . ' at ' . $e->getFile() . ':' . $e->getLine())
                . '</pre></body></html>';
            file_put_contents('php://stderr', "shell: $what: {$e->getMessage()} at {$e->getFile()}:{$e->getLine()}\n");
        }
    }

    /** The logged-in admin's id, or a redirect to the login page. */
    public static function requireAdmin(): int
    {
        $id = (int) ($_SESSION['adminid'] ?? 0);
        if ($id <= 0) {
            http_response_code(302);
            header('Location: /admin/login.php');
            exit;
        }
        return $id;
    }

    /**
     * What `new WHMCS\Admin("<permission>")` does at the top of an admin page: an admin whose role lacks the
     * permission (no tbladminperms row) gets WHMCS's Access Denied page instead. Returns whether it may go on.
     */
    public static function requirePermission(int $adminId, int $permId, string $name): bool
    {
        $has = (int) Harness::value(
            'SELECT COUNT(*) FROM tbladminperms p JOIN tbladmins a ON a.roleid = p.roleid WHERE a.id = ? AND p.permid = ?',
            [$adminId, $permId]
        );
        if ($has > 0) {
            return true;
        }
        http_response_code(403);
        self::layout('Access Denied', '<div class="alert alert-danger" id="shell-denied">Access Denied: your role lacks the permission '
            . htmlspecialchars($name) . '.</div>');
        return false;
    }

    /** Prints the admin area's page around $content (HTML of the module). */
    public static function layout(string $title, string $content): void
    {
        $admin = Harness::row('SELECT firstname, lastname FROM tbladmins WHERE id = ?', [(int) ($_SESSION['adminid'] ?? 0)]);
        $who = $admin ? htmlspecialchars($admin['firstname'] . ' ' . $admin['lastname']) : '';
        $t = htmlspecialchars($title);
        $menu = '';
        foreach (['Clients', 'Orders', 'Billing', 'Support', 'Reports', 'Utilities', 'Addons', 'Config'] as $m) {
            $menu .= '<li' . ($m === 'Addons' ? ' class="active"' : '') . '><a href="#">' . $m . '</a></li>';
        }
        header('Content-Type: text/html; charset=utf-8');
        echo <<<HTML
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<link rel="icon" href="data:,">
<title>WHMCS - {$t}</title>
<link href="/vendor/bootstrap/dist/css/bootstrap.min.css" rel="stylesheet">
<link href="/vendor/@fortawesome/fontawesome-free/css/all.min.css" rel="stylesheet">
<script src="/vendor/jquery/dist/jquery.min.js"></script>
<script src="/vendor/bootstrap/dist/js/bootstrap.min.js"></script>
<style>
body { background: #f5f6f8; font-size: 13px; }
.shell-header { background: #1a4d80; color: #fff; height: 44px; line-height: 44px; padding: 0 20px; }
.shell-header .logo { font-weight: 700; font-size: 18px; letter-spacing: .5px; }
.shell-header .who { float: right; font-size: 12px; opacity: .85; }
.shell-menu { background: #fff; border-bottom: 1px solid #dfe3e8; margin-bottom: 0; border-radius: 0; min-height: 40px; }
.shell-menu .navbar-nav > li > a { padding-top: 10px; padding-bottom: 10px; color: #333; }
.shell-menu .navbar-nav > li.active > a { color: #1a4d80; font-weight: 600; border-bottom: 2px solid #1a4d80; }
.shell-content { background: #fff; margin: 15px 20px; padding: 15px 20px 25px; border: 1px solid #dfe3e8; min-height: 600px; }
.shell-content h1 { font-size: 22px; margin: 0 0 15px; font-weight: 400; }
</style>
</head>
<body data-shell="whmcs-admin">
<div class="shell-header"><span class="logo">WHMCS</span><span class="who">{$who}</span></div>
<nav class="navbar shell-menu"><div class="container-fluid"><ul class="nav navbar-nav">{$menu}</ul></div></nav>
<div class="shell-content" id="contentarea">
<h1>{$t}</h1>
{$content}
</div>
</body>
</html>
HTML;
    }
}
