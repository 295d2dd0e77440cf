<?php
// The installation doctor (issue 20, item 6) against the Proxmox simulator, the real PowerDNS and
// MariaDB: a healthy install passes every check; then each failure is injected in turn (token privilege
// denied, wrong certificate, wrong token, a server that hangs, refused port, template without cloud-init,
// node missing, pools exhausted, a dead DNS zone, cron not running, a stale lock, an email template
// missing, schema behind, console proxy down) and the doctor names it with what to do. `cron.php
// --doctor` prints the same and exits 1 on a failure.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';
require __DIR__ . '/../harness/Dns.php';

Deploy::setUp();
$admin = Harness::createAdmin('admin');
puq_settings_save(['default_timeout' => '2']);
$o = getmypid() % 250 + 1;
$fwd = "d$o-" . bin2hex(random_bytes(2)) . '.example.net';
Pdns::createZone($fwd);
puq_dns_zone_create(['name' => $fwd, 'type' => 'PowerDNS', 'server_url' => Pdns::url(), 'api_key' => Pdns::key()]);
$pool = puq_ip_pool_create(['server_id' => Deploy::$server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => "10.$o.9.1", 'mask' => '24', 'dns1' => '1.1.1.1', 'dns2' => '', 'address_start' => "10.$o.9.10",
    'address_stop' => "10.$o.9.20"]);
$pid = Deploy::product(['ipv4_count' => '1', 'dhcp_v4' => '', 'novnc_domain' => '', 'novnc_key' => 'console-key-fedcba9876543210', 'main_domain' => ".$fwd"]);
Harness::update('tblproducts', ['servergroup' => Harness::createServerGroup('Proxmox', [Deploy::$server])], ['id' => $pid]);
Deploy::cron(); // Process VMs has run, and the CLI PHP is recorded.
// The web PHP records itself when the Dashboard runs the doctor; this test runs in the CLI, so a web
// record like the one a php-fpm worker leaves is made from the CLI's.
$cli = json_decode((string) Harness::value("SELECT value FROM puqProxmoxKVM_settings WHERE name = 'runtime_cli'"), true);
assertSame('cli', $cli['sapi']);
Harness::insert('puqProxmoxKVM_settings', ['name' => 'runtime_web', 'value' => json_encode(['sapi' => 'fpm-fcgi'] + $cli)]);

/** Runs the doctor as the Dashboard's button does; returns [checks by "group / name", report]. */
function doctor(): array
{
    global $admin;
    $r = puq_admin_ajax('dashboard.doctor', [], $admin, true);
    assertSame(true, $r['ok'], json_encode($r));
    $by = [];
    foreach ($r['data']['checks'] as $c) {
        $by[$c['group'] . ' / ' . $c['name']] = $c;
    }
    return [$by, $r['data']];
}

/** The check whose key matches $pattern, asserting its status; returns it. */
function expect(array $by, string $pattern, string $status): array
{
    $hits = array_values(array_filter($by, fn ($k) => preg_match($pattern, $k) === 1, ARRAY_FILTER_USE_KEY));
    assertTrue(count($hits) >= 1, "a check matching $pattern in:\n" . implode("\n", array_keys($by)));
    foreach ($hits as $c) {
        assertSame($status, $c['status'], "$pattern: " . json_encode($c));
        if ($status !== 'ok') {
            assertTrue($c['fix'] !== '', "$pattern says what to do");
        }
    }
    return $hits[0];
}

$srv = '~^Proxmox server pve-sim \(#' . Deploy::$server . ', 127\.0\.0\.1:\d+\)';

// --- Healthy: everything passes (a GET, which CSRF cannot protect, is refused first).
assertSame(403, puq_admin_ajax('dashboard.doctor', [], $admin, false)['status'], 'a GET is refused');
[$by, $report] = doctor();
$bad = array_filter($report['checks'], fn ($c) => $c['status'] !== 'ok');
assertSame([], array_values($bad), 'a healthy install passes');
expect($by, '~^PHP extension / Loaded in the CLI PHP$~', 'ok');
expect($by, '~^PHP extension / Built for this PHP$~', 'ok');
expect($by, '~^Database / Schema$~', 'ok');
expect($by, '~^Cron / Process VMs ran$~', 'ok');
expect($by, '~^Email templates / ~', 'ok');
expect($by, "$srv / Reachable$~", 'ok');
expect($by, "$srv / Certificate$~", 'ok');
expect($by, "$srv / Privileges$~", 'ok');
assertContains('all 22 privileges', expect($by, "$srv / Privileges$~", 'ok')['detail']);
assertContains('cloud-init drive on ide2', expect($by, "~^Product .* on Proxmox server pve-sim.* / Template$~", 'ok')['detail']);
expect($by, "~^Product .*\\(\\#$pid\\) / IPv4 addresses on server~", 'ok');
expect($by, "~^DNS zones / $fwd \\(PowerDNS~", 'ok');
// The request log of the simulator shows the permissions read, valid against the schema.
assertTrue(Deploy::calls('GET /access/permissions') >= 1, 'permissions read from Proxmox');

// --- The token lacks VM.Snapshot (on /): one failure naming the privilege and the pveum command.
Sim::control('POST', 'permissions', ['token' => Sim::TOKEN_ID, 'deny' => [['priv' => 'VM.Snapshot', 'path' => '/']]]);
[$by] = doctor();
$c = expect($by, "$srv / Privilege VM.Snapshot$~", 'fail');
assertContains('pveum acl modify / --tokens', $c['fix']);
assertContains('PVEVMAdmin', $c['fix']);
expect($by, "$srv / Privileges$~", 'fail');
Sim::control('POST', 'permissions', ['token' => Sim::TOKEN_ID, 'deny' => [['priv' => 'Datastore.AllocateSpace', 'path' => '/']]]);
expect(doctor()[0], "$srv / Privilege Datastore.AllocateSpace$~", 'fail');
// Denied on one VM only: still granted on / for everything the module creates.
Sim::control('POST', 'permissions', ['token' => Sim::TOKEN_ID, 'deny' => [['priv' => 'VM.Snapshot', 'path' => '/vms/100']]]);
expect(doctor()[0], "$srv / Privileges$~", 'ok');
Sim::control('POST', 'permissions', ['token' => Sim::TOKEN_ID, 'deny' => []]);

// --- A certificate that is not the pinned one.
$fp = (string) Harness::value('SELECT accesshash FROM tblservers WHERE id = ?', [Deploy::$server]);
Harness::update('tblservers', ['accesshash' => str_repeat('AB:', 31) . 'AB'], ['id' => Deploy::$server]);
assertContains('Access Hash', expect(doctor()[0], "$srv / Certificate$~", 'fail')['fix']);
Harness::update('tblservers', ['accesshash' => $fp], ['id' => Deploy::$server]);

// --- A wrong token secret.
$pw = (string) Harness::value('SELECT password FROM tblservers WHERE id = ?', [Deploy::$server]);
Harness::update('tblservers', ['password' => encrypt('00000000-0000-0000-0000-000000000000')], ['id' => Deploy::$server]);
[$by] = doctor();
assertContains('user@realm!tokenid', expect($by, "$srv / API token$~", 'fail')['fix']);
foreach ($by as $c) {
    assertNotContains('00000000-0000-0000-0000-000000000000', json_encode($c), 'no secret in the report');
    assertNotContains(Sim::TOKEN_SECRET, json_encode($c), 'no secret in the report');
}
Harness::update('tblservers', ['password' => $pw], ['id' => Deploy::$server]);

// --- A server that hangs: the doctor still answers, saying it got no answer.
Sim::fault(['method' => 'GET', 'path' => '^/version$', 'action' => 'timeout', 'delay_ms' => 60000]);
[$by, $report] = doctor();
assertContains('no answer within', expect($by, "$srv / Reachable$~", 'fail')['detail']);
expect($by, '~^Database / Schema$~', 'ok');
assertTrue($report['seconds'] < 60, 'the doctor ended before the hanging server answered');
Sim::clearFaults();

// --- Nothing listens on the port.
$port = (int) Harness::value('SELECT port FROM tblservers WHERE id = ?', [Deploy::$server]);
Harness::update('tblservers', ['port' => 1], ['id' => Deploy::$server]);
assertContains('Hostname and Port', expect(doctor()[0], '~^Proxmox server pve-sim .* / Reachable$~', 'fail')['fix']);
Harness::update('tblservers', ['port' => $port], ['id' => Deploy::$server]);

// --- The template lost its cloud-init drive.
$ide2 = Sim::vm(9000)['config']['ide2'];
Sim::vmEdit(9000, ['delete' => ['ide2']]);
assertContains('qm set 9000 --ide2', expect(doctor()[0], '~^Product .* / Template$~', 'fail')['fix']);
Sim::vmEdit(9000, ['config' => ['ide2' => $ide2]]);

// --- The product's node is not in the cluster.
puq_product_settings_save($pid, ['node' => 'pve9']);
assertContains("node 'pve9'", expect(doctor()[0], '~^Product .* / Node$~', 'fail')['detail']);
puq_product_settings_save($pid, ['node' => '']);

// --- No free address for the product's server.
puq_ip_pool_delete($pool);
$c = expect(doctor()[0], "~^Product .*\\(\\#$pid\\) / IPv4 addresses on server~", 'fail');
assertContains('IP Pools', $c['fix']);

// --- A DNS zone whose provider does not answer.
puq_dns_zone_create(['name' => "dead.$fwd", 'type' => 'PowerDNS', 'server_url' => 'http://127.0.0.1:9', 'api_key' => 'dead-key-123']);
[$by] = doctor();
expect($by, "~^DNS zones / dead\\.$fwd \\(PowerDNS~", 'fail');
expect($by, "~^DNS zones / $fwd \\(PowerDNS~", 'ok');
assertNotContains('dead-key-123', json_encode($by));

// --- The cron stopped an hour ago, and a dead runner left a lock.
Harness::exec("UPDATE puqProxmoxKVM_cron_tasks SET last_run = UNIX_TIMESTAMP() - 3600 WHERE task = 'process_vms'");
Harness::exec("INSERT INTO puqProxmoxKVM_cron_tasks (task, lock_holder, lock_conn, locked_at, lock_until)
    VALUES ('backup_status', 'web9:4242', 987654321, UNIX_TIMESTAMP() - 600, UNIX_TIMESTAMP() - 480)
    ON DUPLICATE KEY UPDATE lock_holder = VALUES(lock_holder), lock_conn = VALUES(lock_conn),
    locked_at = VALUES(locked_at), lock_until = VALUES(lock_until)");
[$by] = doctor();
assertContains('crons/cron.php', expect($by, '~^Cron / Process VMs ran$~', 'fail')['fix']);
assertContains('--clear-locks', expect($by, '~^Cron / Locks$~', 'warn')['fix']);

// --- An email template deleted, the schema behind.
Harness::exec("DELETE FROM tblemailtemplates WHERE name = 'puqProxmoxKVM Backup restored'");
$latest = (int) Harness::value('SELECT MAX(version) FROM puqProxmoxKVM_schema');
Harness::exec('DELETE FROM puqProxmoxKVM_schema WHERE version = ?', [$latest]);
[$by] = doctor();
assertContains('puqProxmoxKVM Backup restored', expect($by, '~^Email templates / ~', 'fail')['detail']);
assertContains('open Addons > PUQ Proxmox KVM once', expect($by, '~^Database / Schema$~', 'fail')['fix']);
Harness::callAddon('upgrade', ['version' => '3.3.0']);
expect(doctor()[0], '~^Database / Schema$~', 'ok');

// --- The console proxy of a product does not answer.
puq_product_settings_save($pid, ['novnc_domain' => '127.0.0.1:1', 'novnc_key' => 'console-key-0123456789abcdef']);
assertContains('puq-vncproxy', expect(doctor()[0], '~^Console proxy / 127\.0\.0\.1:1$~', 'fail')['fix']);

// --- The web PHP has not recorded itself: from the CLI that is a warning, not a failure.
Harness::exec("DELETE FROM puqProxmoxKVM_settings WHERE name = 'runtime_web'");
expect(doctor()[0], '~^PHP extension / Loaded in the web PHP$~', 'warn');

// --- cron.php --doctor: the same checks as lines, exit code 1 on a failure.
ob_start();
$code = puq_cron_tick(['argv' => ['--doctor'], 'addon_dir' => '/srv/whmcs/modules/addons/puq_proxmox_kvm']);
$out = (string) ob_get_clean();
assertSame(1, $code, $out);
assertContains('PUQ Proxmox KVM installation doctor', $out);
assertContains('[FAIL] Process VMs ran', $out);
assertContains('       Fix: ', $out);
assertContains('[ OK ] Reachable: Proxmox VE', $out);
assertMatches('/\d+ passed, \d+ warnings, \d+ failed/', $out);
assertNotContains(Sim::TOKEN_SECRET, $out);
ob_start();
puq_cron_tick(['argv' => ['--help']]);
assertContains('--doctor', (string) ob_get_clean());

echo "OK\n";
