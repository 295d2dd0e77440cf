<?php
/**
 * Every native function, fed bytes an attacker or a careless admin would send: an array key that is not
 * UTF-8, a value that is not UTF-8, an array where one value belongs, control characters. Each answers in
 * its normal error form (a WHMCS error string, an error array, or an exception) naming what is wrong,
 * nothing in the database changes, and PHP never sees a panic (tests/php.rs fails on a "panicked" line).
 */
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';

Harness::callAddon('activate');
$server = Sim::createServer();
$group = Harness::createServerGroup('pve', [$server]);
$pid = Harness::createProduct(['servertype' => 'puqProxmoxKVM', 'servergroup' => $group]);
$client = Harness::createClient();
$sid = Harness::createService($client, $pid, $server, ['domain' => 'vm.example.com']);
$admin = Harness::createAdmin('admin');
Harness::addCustomField($pid, 'Hostname', $sid, 'vm1');

/** A checksum of every table whose content a refused call must leave alone (logs may grow). */
function dbState(): array
{
    $skip = ['tblactivitylog', 'tblmodulelog'];
    $out = [];
    foreach (Harness::query('SHOW TABLES') as $row) {
        $t = (string) array_values($row)[0];
        if (in_array($t, $skip, true)) {
            continue;
        }
        $out[$t] = Harness::row("CHECKSUM TABLE `$t`")['Checksum'];
    }
    return $out;
}

/** The message of whatever error form the function answered, or null if it claimed success. */
function errorOf(callable $call): ?string
{
    try {
        $r = $call();
    } catch (Throwable $e) {
        return get_class($e) . ': ' . $e->getMessage();
    }
    if (is_string($r)) {
        return $r === 'success' ? null : $r;
    }
    if (is_array($r)) {
        if (array_key_exists('success', $r)) {
            return $r['success'] ? null : (string) $r['error'];
        }
        if (array_key_exists('status', $r) && is_string($r['status'])) {
            return $r['status'] === 'error' ? (string) $r['description'] : null;
        }
        if (array_key_exists('ok', $r)) {
            return $r['ok'] ? null : (string) ($r['error'] ?? $r['message']);
        }
        if (($r['template'] ?? '') === 'error') {
            return (string) $r['vars']['error']['message'];
        }
        if ($r !== [] && array_is_list($r) && is_string($r[0])) {
            return implode(' ', $r);
        }
    }
    return null;
}

$params = Harness::params($sid);
$serverParams = Harness::serverParams($server);
$poolForm = ['server_id' => (string) $server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => '10.9.0.1', 'mask' => '24', 'dns1' => '1.1.1.1', 'dns2' => '', 'address_start' => '10.9.0.10',
    'address_stop' => '10.9.0.20'];
$zoneForm = ['name' => 'example.com', 'type' => 'PowerDNS', 'url' => 'http://127.0.0.1:1', 'api_key' => 'k'];

// Every function with an array parameter: [call(array) => result, a valid array, a key it reads].
// (puq_admin_page reads no request keys: an array there is never used, so there is no key to name.)
$cases = [
    'puq_test_connection' => [fn ($a) => puq_test_connection($a), $serverParams, 'serverhostname'],
    'puq_create_account' => [fn ($a) => puq_create_account($a), $params, 'serviceid'],
    'puq_suspend_account' => [fn ($a) => puq_suspend_account($a), $params, 'serviceid'],
    'puq_unsuspend_account' => [fn ($a) => puq_unsuspend_account($a), $params, 'serviceid'],
    'puq_terminate_account' => [fn ($a) => puq_terminate_account($a), $params, 'serviceid'],
    'puq_change_package' => [fn ($a) => puq_change_package($a), $params, 'serviceid'],
    'puq_module_command' => [fn ($a) => puq_module_command('reboot', $a), $params, 'serviceid'],
    'puq_effective_config' => [fn ($a) => puq_effective_config($a), $params, 'serviceid'],
    'puq_ip_pool_allocate' => [fn ($a) => puq_ip_pool_allocate($a), $params, 'serviceid'],
    'puq_usage_update' => [fn ($a) => puq_usage_update($a), $serverParams, 'serverhostname'],
    'puq_metric_usage' => [fn ($a) => puq_metric_usage($a), ['serverid' => $server, 'serviceid' => $sid], 'serverid'],
    'puq_settings_save' => [fn ($a) => puq_settings_save($a), ['default_timeout' => '30'], 'default_timeout'],
    'puq_product_settings_save' => [fn ($a) => puq_product_settings_save($pid, $a), ['cpu' => '2'], 'cpu'],
    'puq_product_panel_save' => [fn ($a) => puq_product_panel_save($pid, $a, $admin), ['cpu' => '2'], 'cpu'],
    'puq_ip_pool_create' => [fn ($a) => puq_ip_pool_create($a), $poolForm, 'server_id'],
    'puq_ip_pool_update' => [fn ($a) => puq_ip_pool_update($a), $poolForm + ['id' => '1'], 'server_id'],
    'puq_dns_zone_create' => [fn ($a) => puq_dns_zone_create($a), $zoneForm, 'name'],
    'puq_dns_zone_update' => [fn ($a) => puq_dns_zone_update($a), $zoneForm + ['id' => '1'], 'name'],
    'puq_backup_schedule_save' => [fn ($a) => puq_backup_schedule_save($sid, $a),
        ['monday' => ['enabled' => 'on', 'time' => '03:00']], 'monday'],
    'puq_addon_upgrade' => [fn ($a) => puq_addon_upgrade($a, null), ['version' => '3.3.0'], 'version'],
    'puq_cron_tick' => [fn ($a) => puq_cron_tick($a), ['mode' => 'hook', 'argv' => []], 'mode'],
    'puq_admin_ajax' => [fn ($a) => puq_admin_ajax('settings.save', $a, $admin, true), ['default_timeout' => '30'], 'default_timeout'],
    'puq_admin_page' => [fn ($a) => puq_admin_page('settings', $a, $admin), ['x' => '1'], null],
    'puq_client_page' => [fn ($a) => puq_client_page($sid, 'overview', $a),
        ['client_id' => (string) $client, 'post' => '', 'token_ok' => '', 'input' => ['page' => 'overview']], 'client_id'],
    'puq_client_action' => [fn ($a) => puq_client_action($sid, 'live', $a),
        ['client_id' => (string) $client, 'post' => '', 'token_ok' => '', 'input' => []], 'client_id'],
    // (a string key: array_merge would renumber WHMCS's numeric option ids)
    'puq_client_upgrade_validate' => [fn ($a) => puq_client_upgrade_validate($sid, $client, $a), ['c12' => '34'], 'c12'],
];

// Functions whose mixed argument is a value from WHMCS's session or the skin, never an error: any type and any
// bytes give their fallback (English, no key, the default folder) without an exception.
$fallbacks = [
    'puq_lang_pick' => fn ($a) => assertSame('english', puq_lang_pick('client', 0, $a)['language']),
    'puq_message_key' => fn ($a) => assertSame(null, puq_message_key('client', $a)),
    'puq_addon_activate' => fn ($a) => assertSame('success', puq_addon_activate($a)['status']),
];
foreach ($fallbacks as $fn => $check) {
    foreach ([['x' => ['y']], ["Host\xffname" => 'x'], "bad\xff\x00", new stdClass(), 1.5, str_repeat('a', 5000)] as $bad) {
        $check($bad);
    }
}

// The table covers every exported function that takes an array.
$ext = new ReflectionExtension('puq_proxmox_kvm');
foreach ($ext->getFunctions() as $f) {
    foreach ($f->getParameters() as $p) {
        $t = $p->getType();
        if (isset($fallbacks[$f->getName()]) && ($t === null || (string) $t === 'mixed')) {
            continue;
        }
        if ($t === null || (string) $t === 'mixed' || (string) $t === 'array') {
            assert(isset($cases[$f->getName()]), $f->getName() . '($' . $p->getName() . ') takes an array and is not covered here');
        }
    }
}

$checked = 0;
foreach ($cases as $fn => [$call, $valid, $readKey]) {
    $list = [
        [["Host\xffname" => 'x'] + $valid, 'Host\xFFname', 'non-UTF-8 key'],
        [array_merge($valid, ['customfields' => (array) ($valid['customfields'] ?? []) + ["Host\xffname" => 'x']]),
            'customfields.Host\xFFname', 'non-UTF-8 nested key'],
        [array_merge($valid, [array_key_first($valid) => "\xbf' OR 1=1"]), (string) array_key_first($valid), 'non-UTF-8 value'],
    ];
    if ($readKey !== null) {
        $list[] = [array_merge($valid, [$readKey => ['x']]), $readKey, 'array value'];
    }
    foreach ($list as [$input, $named, $what]) {
        $before = dbState();
        $err = errorOf(fn () => $call($input));
        assert($err !== null, "$fn with a $what claimed success");
        assertContains($named, $err, "$fn with a $what: the error names the key");
        assertNotContains('Internal error', $err, "$fn with a $what");
        assertNotContains('panic', strtolower($err), "$fn with a $what");
        assert(!preg_match('/[\x00-\x08\x0b-\x1f\x7f]/', $err), "$fn with a $what: raw control bytes in the message");
        assert(mb_check_encoding($err, 'UTF-8'), "$fn with a $what: the message is not UTF-8");
        assertSame($before, dbState(), "$fn with a $what changed the database");
        $checked++;
    }
}

// The issue's own examples, exactly.
$e = errorOf(fn () => puq_create_account(['serviceid' => 1, 'customfields' => ["Host\xffname" => 'x']]));
assertContains('customfields.Host\xFFname', $e);
$before = Harness::query('SELECT * FROM puqProxmoxKVM_settings ORDER BY name');
assertContains("'default_timeout'", errorOf(fn () => puq_settings_save(['default_timeout' => ['x']])));
assertContains("'default_timeout'", errorOf(fn () => puq_settings_save(['default_timeout' => "\xbf' OR 1=1"])));
assertSame($before, Harness::query('SELECT * FROM puqProxmoxKVM_settings ORDER BY name'));
// A non-UTF-8 host name does not fall back to the server IP and "connect".
$r = puq_test_connection(['serverhostname' => "pve\xff.example.com"] + $serverParams);
assertSame(false, $r['success']);
assertContains('serverhostname', $r['error']);
// Control characters in host names and token ids are refused up front, shown escaped.
foreach (['serverhostname' => "127.0.0.1\0evil", 'serverusername' => "root@pam!whmcs\r\nX: 1",
    'serveraccesshash' => "AB\x1b[31m"] as $k => $bad) {
    $r = puq_test_connection([$k => $bad] + $serverParams);
    assertSame(false, $r['success'], $k);
    assertContains($k, $r['error']);
    assert(!preg_match('/[\x00-\x08\x0b-\x1f\x7f]/', $r['error']), "$k: raw control bytes in: " . json_encode($r['error']));
}
$r = puq_test_connection(['serverpassword' => "sec\nret-value"] + $serverParams);
assertContains('serverpassword', $r['error']);
assertNotContains('ret-value', $r['error']);
// A cyclic array (a reference to itself) is refused, not followed forever.
$a = $serverParams;
$a['self'] = &$a;
assertContains('nested deeper', puq_test_connection($a)['error']);
// Configurable option values above the limits are named errors, never an overflow.
foreach (['CPU Cores' => '513', 'RAM' => '9223372036854775807', 'System Disk' => '99999999', 'IPv4 Addresses' => '257'] as $opt => $val) {
    $p = $params;
    $p['configoptions'] = [$opt => $val];
    $e = errorOf(fn () => puq_effective_config($p));
    assertContains("configoptions[$opt]", (string) $e, $opt);
}

// String arguments that are not UTF-8: refused by the argument parser, naming the argument.
$stringArgs = 0;
foreach ($ext->getFunctions() as $f) {
    $args = [];
    $strings = [];
    foreach ($f->getParameters() as $i => $p) {
        $t = $p->getType() === null ? 'mixed' : ltrim((string) $p->getType(), '?');
        $args[$i] = match ($t) {
            'int' => $p->getName() === 'product_id' ? $pid : ($p->getName() === 'admin_id' ? $admin : $sid),
            'bool' => true,
            'string' => 'x',
            default => [],
        };
        if ($t === 'string') {
            $strings[] = $i;
        }
    }
    foreach ($strings as $i) {
        $bad = $args;
        $bad[$i] = "bad\xff\x00";
        $before = dbState();
        $err = errorOf(fn () => $f->invokeArgs($bad));
        $name = $f->getParameters()[$i]->getName();
        assert($err !== null, $f->getName() . " accepted a non-UTF-8 \$$name");
        assertContains($name, $err, $f->getName());
        assertSame($before, dbState(), $f->getName() . " with a non-UTF-8 \$$name changed the database");
        $stringArgs++;
    }
}
assert($stringArgs >= 10, "checked $stringArgs string arguments");

// The DB Record editor: an array where a column's value belongs is named, not skipped.
Harness::insert('puqProxmoxKVM_vm_info', ['service_id' => $sid, 'vm_status' => 'ready']);
$before = dbState();
$r = puq_admin_ajax('vms.record_save', ['service_id' => (string) $sid, 'values' => ['vm_status' => ['x'], 'hostname' => 'y']], $admin, true);
assertSame(false, $r['ok'], json_encode($r));
assertContains('values[vm_status]', $r['error']);
$r = puq_admin_ajax('vms.record_save', ['service_id' => (string) $sid, 'values' => ['hostname' => 'y'], 'nulls' => 'all'], $admin, true);
assertContains("'nulls'", $r['error']);
assertSame($before, dbState());

// A secret that is not UTF-8 is named, never shown (a Latin-1 paste must not leak into a page or log).
$r = puq_test_connection(['serverpassword' => "5f1a7c3e-S3CRET-\xe9t\xe9"] + $serverParams);
assertContains('serverpassword', $r['error']);
assertNotContains('S3CRET', $r['error']);
$p = $params;
$p['password'] = "ClientPw-\xe9\xe9";
$e = (string) errorOf(fn () => puq_create_account($p));
assertContains("'password'", $e);
assertNotContains('ClientPw', $e);
$e = (string) errorOf(fn () => puq_dns_zone_create(['name' => 'example.com', 'type' => 'PowerDNS',
    'server_url' => 'http://127.0.0.1:1', 'api_key' => "PDNS-KEY-\xe9"]));
assertContains('api_key', $e);
assertNotContains('PDNS-KEY', $e);

// An object where a value belongs is refused, not silently dropped; WHMCS's model object is fine.
$before = dbState();
assertContains("'default_timeout'", (string) errorOf(fn () => puq_settings_save(['default_timeout' => new stdClass()])));
$p = $params;
$p['configoptions'] = ['CPU Cores' => new stdClass()];
assertContains('configoptions.CPU Cores', (string) errorOf(fn () => puq_effective_config($p)));
$p = $params;
$p['model'] = new stdClass();
assertSame(null, errorOf(fn () => puq_effective_config($p)), 'the model object is ignored');
assertSame($before, dbState());

// The AJAX action name comes from the query string: bad bytes get the JSON envelope, never a TypeError.
$r = puq_admin_ajax("settings.save\xff", ['default_timeout' => '5'], $admin, true);
assertSame(false, $r['ok']);
assertSame(400, $r['status']);
assertContains("'action'", $r['error']);
$r = puq_admin_ajax(['settings.save'], [], $admin, true);
assertSame(400, $r['status']);

// URL syntax or invisible characters in a host name are refused before any connection.
foreach (['x@127.0.0.1', '127.0.0.1?', '127.0.0.1#', "pve\u{202e}", 'pve/x'] as $host) {
    $r = puq_test_connection(['serverhostname' => $host] + $serverParams);
    assertSame(false, $r['success'], $host);
    assertContains("'serverhostname'", $r['error'], $host);
    assertNotContains("\u{202e}", $r['error']);
}

// A DNS provider that redirects: never followed, so its API key cannot travel to another host or URL.
$listener = <<<'PHP'
$s = stream_socket_server('tcp://127.0.0.1:0', $no, $str);
$name = stream_socket_get_name($s, false);
$port = substr($name, strrpos($name, ':') + 1);
echo $port, "\n";
fflush(STDOUT);
$seen = [];
for ($i = 0; $i < 3; $i++) {
    if (!($c = @stream_socket_accept($s, $i === 0 ? 20 : 1))) {
        break;
    }
    stream_set_timeout($c, 1);
    $req = (string) fread($c, 65536);
    $seen[] = strtok($req, "\r\n");
    fwrite($c, "HTTP/1.1 302 Found\r\nLocation: http://localhost:$port/redirected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    fclose($c);
}
echo json_encode($seen), "\n";
PHP;
$proc = proc_open([PHP_BINARY, '-n', '-r', $listener], [1 => ['pipe', 'w']], $pipes);
$port = (int) trim((string) fgets($pipes[1]));
$zone = puq_dns_zone_create(['name' => 'redirect.example', 'type' => 'PowerDNS',
    'server_url' => "http://127.0.0.1:$port", 'api_key' => 'PDNS-SECRET-KEY']);
$t = puq_dns_zone_test($zone);
$seen = json_decode(trim((string) stream_get_contents($pipes[1])), true);
proc_close($proc);
assertSame(1, count($seen), 'one request, no redirect followed: ' . json_encode($seen));
assertNotContains('/redirected', json_encode($seen));
assertNotContains('PDNS-SECRET-KEY', json_encode($t));
puq_dns_zone_delete($zone);

// The state check itself sees a save (so "unchanged" above means something).
$before = dbState();
puq_settings_save(['default_timeout' => '31']);
assert($before !== dbState(), 'dbState() notices a saved setting');

echo "checked $checked array inputs and $stringArgs string arguments\n";
echo "OK\n";
