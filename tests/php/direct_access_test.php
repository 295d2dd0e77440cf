<?php
// Every PHP file of the module tree dies when loaded outside WHMCS (no path,
// no fatal error), and dns.php — the one file meant to be reached directly —
// answers a failure with a fixed text, the detail in the module log (issue
// 21, item 5).
require __DIR__ . '/../harness/bootstrap.php';

$root = dirname(__DIR__, 2) . '/php/modules';
$files = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($root, FilesystemIterator::SKIP_DOTS));
$n = 0;
foreach ($files as $f) {
    // The two entry points: dns.php boots WHMCS itself (below); cron.php
    // refuses anything but the command line before it boots WHMCS.
    if ($f->getExtension() !== 'php' || str_ends_with($f->getPathname(), 'lib/dns/dns.php')) {
        continue;
    }
    if (str_ends_with($f->getPathname(), 'puq_proxmox_kvm/cron.php')) {
        assertContains("if (PHP_SAPI !== 'cli') {\n    die(", (string) file_get_contents($f->getPathname()));
        continue;
    }
    $n++;
    $out = shell_exec(escapeshellarg(PHP_BINARY) . ' -n -d display_errors=1 ' . escapeshellarg($f->getPathname()) . ' 2>&1');
    assertSame('This file cannot be accessed directly', trim((string) $out), $f->getPathname());
}
assertTrue($n >= 8, "files checked: $n");

// dns.php's native with the database down: a fixed answer, nothing internal.
Harness::callAddon('activate');
puq_dns_legacy_allowlist_set('127.0.0.1');
$saved = [$GLOBALS['db_host'], $GLOBALS['db_port']];
$GLOBALS['db_host'] = '127.0.0.2';
$GLOBALS['db_port'] = '1';
$r = puq_dns_legacy('198.51.100.7');
[$GLOBALS['db_host'], $GLOBALS['db_port']] = $saved;
assertSame(500, $r['status']);
assertSame('{"error":"internal error; see the WHMCS module log"}', $r['body']);
foreach (['127.0.0.2', ':1', 'whmcs', (string) $GLOBALS['db_username']] as $detail) {
    assertNotContains($detail, $r['body']);
}
$logged = json_encode(Harness::calls('logModuleCall'));
assertContains('dns.php', $logged);
assertContains('198.51.100.7', $logged);
$src = (string) file_get_contents($root . '/servers/puqProxmoxKVM/lib/dns/dns.php');
assertNotContains("getMessage()]", $src, 'dns.php echoes no exception text');

echo "OK\n";
