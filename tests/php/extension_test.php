<?php
// The extension loads, reports itself, decodes $params leniently, names bad
// keys, and survives a panic inside a native function.
require __DIR__ . '/../harness/bootstrap.php';

assertTrue(extension_loaded('puq_proxmox_kvm'), 'extension loaded');
$toml = file_get_contents(__DIR__ . '/../../Cargo.toml');
preg_match('/^version = "([^"]+)"/m', $toml, $m);
assertSame($m[1], puq_version(), 'puq_version() is the crate version');

// php --ri shows version, build and PHP API.
$ext = getenv('PUQ_EXT') ?: dirname(__DIR__, 2) . '/target/release/libpuq_proxmox_kvm.so';
$ri = shell_exec(escapeshellarg(PHP_BINARY) . ' -n -d extension=' . escapeshellarg($ext) . ' --ri puq_proxmox_kvm');
assertContains('version => ' . puq_version(), $ri);
assertMatches('/build => [0-9a-f]{7,12}|build => unknown/', $ri);
assertContains('(release)', $ri);
assertContains('PHP API => ' . PHP_API_VERSION_GUESS(), $ri);

function PHP_API_VERSION_GUESS(): string
{
    // php -i prints "PHP API => 20220829" for the running PHP.
    preg_match('/PHP API => (\d+)/', shell_exec(escapeshellarg(PHP_BINARY) . ' -n -i'), $m);
    return $m[1];
}

// MetaData through the server module's thin skin.
Harness::loadServerModule();
$meta = puqProxmoxKVM_MetaData();
assertSame('1.1', $meta['APIVersion']);
assertSame(true, $meta['RequiresServer']);

// Bad input: wrong shapes and types give WHMCS-shaped errors, never a crash.
$r = puqProxmoxKVM_TestConnection([]);
assertSame(false, $r['success']);
assertContains('serverhostname', $r['error']);
$r = puq_test_connection('not an array');
assertSame(false, $r['success']);
assertContains("'params'", $r['error']);
$r = puqProxmoxKVM_TestConnection(['serverhostname' => 'pve.example', 'serverusername' => 'root@pam!whmcs',
    'serverpassword' => 'x', 'serverport' => 'eighty', 'serversecure' => 'on', 'model' => new stdClass()]);
assertSame(false, $r['success']);
assertContains("'serverport'", $r['error']);
$r = puqProxmoxKVM_TestConnection(['serverhostname' => 'pve.example', 'serverusername' => 'root',
    'serverpassword' => 'x', 'serversecure' => 'on']);
assertContains("'serverusername'", $r['error']);
assertContains('root@pam!whmcs', $r['error']);
// A secret in the input never appears in the error.
$r = puqProxmoxKVM_TestConnection(['serverhostname' => '127.0.0.1', 'serverusername' => 'root@pam!whmcs',
    'serverpassword' => 'TOPSECRET-123', 'serverport' => '1', 'serversecure' => 'on']);
assertSame(false, $r['success']);
assertContains('refused', $r['error']);
assertNotContains('TOPSECRET-123', $r['error']);

// Deeply nested / cyclic input does not crash the converter.
$a = ['x' => 1];
$a['self'] = &$a;
$r = puq_test_connection($a);
assertSame(false, $r['success']);

// A panic inside a native function becomes an error string; PHP goes on.
// It runs in a child PHP whose stderr is captured here: the suite fails on
// any "panicked" line in a test's own stderr, and this one is deliberate.
assertSame('disabled', puq_debug_panic());
$child = proc_open(
    [PHP_BINARY, '-n', '-d', 'extension=' . getenv('PUQ_EXT'), '-r',
        'echo puq_debug_panic(), "|", puq_version(), "|ALIVE";'],
    [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null,
    array_merge(getenv(), ['PUQ_ALLOW_PANIC_TEST' => '1'])
);
$out = stream_get_contents($pipes[1]);
$err = stream_get_contents($pipes[2]);
$code = proc_close($child);
assertSame(0, $code, "child PHP: $out $err");
assertContains('deliberate test panic', $out);
assertContains('Internal error', $out);
assertContains('|' . puq_version() . '|ALIVE', $out, 'still alive after the panic');
// The default hook's line is what the suite's check looks for.
assertContains('panicked', $err);

// Data functions throw a PHP exception (not a fatal) when the DB is unreachable.
$saved = $GLOBALS['db_port'];
$GLOBALS['db_port'] = '1';
$e = assertThrows(Throwable::class, fn () => puq_settings_get());
assertContains('cannot connect to the WHMCS database (127.0.0.1:1)', $e->getMessage());
$r = puq_addon_activate();
assertSame('error', $r['status']);
assertContains('cannot connect', $r['description']);
assertNotContains($GLOBALS['db_password'], $r['description']);
$GLOBALS['db_port'] = $saved;
unset($GLOBALS['db_host']);
$r = puq_addon_activate();
assertContains('$db_host is not set', $r['description']);

echo "OK\n";
