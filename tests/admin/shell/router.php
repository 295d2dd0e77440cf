<?php
/**
 * Router of the WHMCS-like admin shell, for `php -S 127.0.0.1:PORT tests/admin/shell/router.php`.
 *
 *   /admin/<name>.php  the shell's admin pages (tests/admin/shell/admin/<name>.php): addonmodules.php, login.php …
 *   /modules/…         static files of the module tree (ROOTDIR/modules: the addon's assets); never its .php files
 *   /vendor/…          jQuery, Bootstrap and Font Awesome from tests/admin/node_modules (what WHMCS's admin ships, and
 *                      jquery1/bootstrap4: what the client area's twenty-one theme ships)
 *   /clientarea.php, /login.php, /upgrade.php   the client area (tests/admin/shell/client/*.php, ClientShell.php)
 */

$path = (string) parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
$root = dirname(__DIR__, 3);

if ($path === '/' || $path === '/admin' || $path === '/admin/') {
    header('Location: /admin/addonmodules.php?module=puq_proxmox_kvm');
    return true;
}

if (preg_match('#^/admin/([a-z_]+)\.php$#', $path, $m) && is_file(__DIR__ . '/admin/' . $m[1] . '.php')) {
    require __DIR__ . '/Shell.php';
    Shell::run(__DIR__ . '/admin/' . $m[1] . '.php');
    return true;
}

if (preg_match('#^/([a-z_]+)\.php$#', $path, $m) && is_file(__DIR__ . '/client/' . $m[1] . '.php')) {
    require __DIR__ . '/ClientShell.php';
    ClientShell::run(__DIR__ . '/client/' . $m[1] . '.php');
    return true;
}

$static = null;
if (strpos($path, '/modules/') === 0) {
    $static = [$root . '/php/modules', substr($path, strlen('/modules/'))];
} elseif (strpos($path, '/vendor/') === 0) {
    $rel = substr($path, strlen('/vendor/'));
    $allowed = ['jquery/dist/', 'bootstrap/dist/', 'jquery1/dist/', 'bootstrap4/dist/', '@fortawesome/fontawesome-free/css/',
        '@fortawesome/fontawesome-free/webfonts/'];
    foreach ($allowed as $prefix) {
        if (strpos($rel, $prefix) === 0) {
            $static = [dirname(__DIR__) . '/node_modules', $rel];
        }
    }
}
if ($static !== null) {
    [$base, $rel] = $static;
    $file = realpath($base . '/' . $rel);
    $types = ['js' => 'application/javascript', 'css' => 'text/css', 'png' => 'image/png', 'svg' => 'image/svg+xml',
        'woff' => 'font/woff', 'woff2' => 'font/woff2', 'ttf' => 'font/ttf', 'eot' => 'application/vnd.ms-fontobject', 'map' => 'application/json'];
    $ext = strtolower(pathinfo((string) $file, PATHINFO_EXTENSION));
    if ($file !== false && strpos($file, realpath($base) . '/') === 0 && is_file($file) && isset($types[$ext])) {
        header('Content-Type: ' . $types[$ext]);
        header('Cache-Control: max-age=300');
        readfile($file);
        return true;
    }
}

http_response_code(404);
header('Content-Type: text/plain');
echo "Not found: $path\n";
return true;
