<?php
/**
 * The WHMCS-like client area around the server module's client pages, for the browser tests and `--serve`.
 *
 * What WHMCS does around a module's client area is done here the same way: the client logs in
 * ($_SESSION['uid']); clientarea.php?action=productdetails&id=N builds the service's $params, calls ClientArea
 * and renders its tabOverviewReplacementTemplate in the product details page of the twenty-one theme (Bootstrap
 * 4.5.3, jQuery 1.12.4, Font Awesome 5, as twenty-one ships them); modop=custom&a=NAME calls
 * <module>_NAME($params) only when NAME is in ClientAreaAllowedFunctions / ClientAreaCustomButtonArray, and
 * renders a returned templatefile as its own page. One difference on purpose: WHMCS would refuse another
 * client's service id before calling the module; the shell does not, so the tests prove the module's own check.
 * generate_token()/check_token() use the session's token, as WHMCS does. A PHP warning or an uncaught exception
 * ends the request with a "PHP error" page (HTTP 500), so tests see it.
 */
final class ClientShell
{
    public static function run(string $page): void
    {
        require_once __DIR__ . '/Shell.php';
        Shell::run($page, 'WHMCSClient', [self::class, 'persistTickets']);
    }

    /** OpenTicket as WHMCS does it, kept in tbltickets (the harness's own recorder lives only one request). */
    public static function persistTickets(): void
    {
        Harness::mockApi('OpenTicket', static function (array $v): array {
            $r = Harness::apiOpenTicket($v);
            if (($r['result'] ?? '') !== 'success') {
                return $r;
            }
            $id = Harness::insert('tbltickets', ['did' => (int) $v['deptid'], 'userid' => (int) ($v['clientid'] ?? 0),
                'service' => (int) ($v['serviceid'] ?? 0), 'title' => (string) $v['subject'], 'message' => (string) $v['message']]);
            $tid = sprintf('%06d', 700000 + $id);
            Harness::exec('UPDATE tbltickets SET tid = ? WHERE id = ?', [$tid, $id]);
            return ['result' => 'success', 'id' => $id, 'tid' => $tid, 'c' => substr(sha1($tid), 0, 8)];
        });
    }

    /** The logged-in client's id, or a redirect to the login page. */
    public static function requireClient(): int
    {
        $id = (int) ($_SESSION['uid'] ?? 0);
        if ($id <= 0) {
            http_response_code(302);
            header('Location: /login.php');
            exit;
        }
        return $id;
    }

    /** Renders a module template file with Smarty, as WHMCS renders a module's client area output. */
    public static function renderModuleTemplate(string $relative, array $vars): string
    {
        $dir = dirname(Harness::serverModuleFile());
        $file = $dir . '/' . $relative;
        if (substr($file, -4) !== '.tpl') {
            $file .= '.tpl';
        }
        return Harness::renderSmarty($file, $vars);
    }

    /** Prints the client area's page (twenty-one's frame) around $content. */
    public static function layout(string $title, string $content, array $crumbs = [], string $sidebar = '', string $footer = ''): void
    {
        $client = Harness::row('SELECT firstname, lastname FROM tblclients WHERE id = ?', [(int) ($_SESSION['uid'] ?? 0)]);
        $who = $client ? htmlspecialchars($client['firstname'] . ' ' . $client['lastname']) : '';
        $t = htmlspecialchars($title);
        $bc = '<li class="breadcrumb-item"><a href="/clientarea.php">Client Area</a></li>';
        foreach ($crumbs as $url => $label) {
            $bc .= '<li class="breadcrumb-item"><a href="' . htmlspecialchars((string) $url) . '">' . htmlspecialchars((string) $label) . '</a></li>';
        }
        $bc .= '<li class="breadcrumb-item active" aria-current="page">' . $t . '</li>';
        $main = $sidebar === ''
            ? '<div class="col-12">' . $content . '</div>'
            : '<div class="col-lg-4 col-xl-3">' . $sidebar . '</div><div class="col-lg-8 col-xl-9 primary-content">' . $content . '</div>';
        header('Content-Type: text/html; charset=utf-8');
        echo <<<HTML
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{$t} - WHMCS Demo Hosting</title>
<link href="/vendor/bootstrap4/dist/css/bootstrap.min.css" rel="stylesheet">
<link href="/vendor/@fortawesome/fontawesome-free/css/all.min.css" rel="stylesheet">
<script src="/vendor/jquery1/dist/jquery.min.js"></script>
<script src="/vendor/bootstrap4/dist/js/bootstrap.bundle.min.js"></script>
<style>
body { background: #f6f7f9; color: #333; font-size: 15px; }
.shell-topbar { background: #2d3e50; color: #cfd8e3; font-size: 13px; padding: 6px 0; }
.shell-header { background: #fff; border-bottom: 1px solid #e4e7eb; padding: 14px 0; }
.shell-logo { font-weight: 700; font-size: 22px; color: #336699; letter-spacing: .3px; }
.shell-nav { background: #336699; }
.shell-nav .nav-link { color: #fff !important; padding: 12px 16px; }
.shell-nav .nav-link.active { background: rgba(255,255,255,.12); }
.shell-master { padding: 20px 0 40px; }
.breadcrumb { background: transparent; padding: 0; margin-bottom: 15px; font-size: 13px; }
.sidebar .card { margin-bottom: 15px; }
.sidebar .card-header { background: #fff; font-weight: 600; }
h1.shell-title { font-size: 26px; font-weight: 300; margin-bottom: 6px; }
</style>
</head>
<body data-shell="whmcs-client">
<div class="shell-topbar"><div class="container d-flex"><span class="mr-auto">Demo Hosting</span><span>{$who}</span></div></div>
<div class="shell-header"><div class="container"><span class="shell-logo">Demo Hosting</span></div></div>
<nav class="shell-nav"><div class="container"><ul class="nav">
<li class="nav-item"><a class="nav-link" href="/clientarea.php">Home</a></li>
<li class="nav-item"><a class="nav-link active" href="/clientarea.php?action=services">Services</a></li>
<li class="nav-item"><a class="nav-link" href="#">Domains</a></li>
<li class="nav-item"><a class="nav-link" href="#">Billing</a></li>
<li class="nav-item"><a class="nav-link" href="#">Support</a></li>
</ul></div></nav>
<section id="main-body" class="shell-master"><div class="container">
<ol class="breadcrumb">{$bc}</ol>
<h1 class="shell-title">{$t}</h1>
<div class="row">{$main}</div>
</div></section>
{$footer}
</body>
</html>
HTML;
    }

    /** Twenty-one's product details sidebar (Service Details Overview / Actions), as far as the shell needs it. */
    public static function sidebar(int $sid, array $svc): string
    {
        $p = htmlspecialchars((string) $svc['name']);
        $d = htmlspecialchars((string) $svc['domain']);
        $st = htmlspecialchars((string) $svc['domainstatus']);
        return <<<HTML
<div class="sidebar">
<div class="card"><div class="card-header"><i class="fas fa-star"></i> Overview</div>
<div class="list-group list-group-flush">
<a class="list-group-item list-group-item-action active" href="/clientarea.php?action=productdetails&id={$sid}">Information</a>
</div><div class="card-body small"><div>{$p}</div><div class="text-muted">{$d}</div><span class="badge badge-info">{$st}</span></div></div>
<div class="card"><div class="card-header"><i class="fas fa-wrench"></i> Actions</div>
<div class="list-group list-group-flush">
<a class="list-group-item list-group-item-action" href="/upgrade.php?type=configoptions&id={$sid}">Upgrade/Downgrade Options</a>
<a class="list-group-item list-group-item-action" href="#">Request Cancellation</a>
</div></div>
</div>
HTML;
    }
}
