<?php
// The Module Debug Log (issue 20, item 4): with WHMCS's module debug logging on, a deploy + change
// package (with a refused disk shrink) + terminate, run by the real cron entry point against the
// Proxmox simulator, the real PowerDNS and the Cloudflare / HestiaCP simulators. Every Proxmox request
// the simulator received is one logModuleCall entry whose action is its method and path; every DNS
// request is one too; no secret (token secret, VM password, DNS keys) reaches WHMCS in any entry, and
// each is handed over as a replace-var. With debug logging off, nothing is logged.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';
require __DIR__ . '/../harness/Dns.php';

Deploy::setUp();
Harness::createEmailTemplate('puqProxmoxKVM Upgrade Email');
puq_settings_save(['stop_timeout' => '5', 'force_stop_timeout' => '5', 'default_timeout' => '3']);
$o = getmypid() % 250 + 1;
$fwd = "m$o-" . bin2hex(random_bytes(2)) . '.example.net';
Pdns::createZone($fwd);
$cfZone = str_repeat('6e', 16);
$cfToken = 'cf-' . bin2hex(random_bytes(12));
$hsPass = 'hs-' . bin2hex(random_bytes(12));
DnsSim::control('cloudflare', 'POST', 'zone', ['id' => $cfZone, 'name' => $fwd, 'account_id' => $cfZone]);
DnsSim::control('cloudflare', 'POST', 'token', ['token' => $cfToken, 'zones' => [$cfZone]]);
DnsSim::control('hestia', 'POST', 'admin', ['user' => 'admin', 'password' => $hsPass]);
DnsSim::control('hestia', 'POST', 'domain', ['user' => 'bob', 'domain' => $fwd]);
puq_dns_zone_create(['name' => $fwd, 'type' => 'PowerDNS', 'server_url' => Pdns::url(), 'api_key' => Pdns::key()]);
puq_dns_zone_create(['name' => $fwd, 'type' => 'Cloudflare', 'account_id' => $cfZone, 'zone_id' => $cfZone,
    'api_token' => $cfToken, 'server_url' => DnsSim::cloudflareUrl()]);
puq_dns_zone_create(['name' => $fwd, 'type' => 'HestiaCP', 'server_url' => DnsSim::hestiaUrl(),
    'admin_user' => 'admin', 'admin_password' => $hsPass, 'user' => 'bob']);
puq_ip_pool_create(['server_id' => Deploy::$server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => "10.$o.7.1", 'mask' => '24', 'dns1' => '1.1.1.1', 'dns2' => '', 'address_start' => "10.$o.7.10",
    'address_stop' => "10.$o.7.50"]);
$pid = Deploy::product(['ipv4_count' => '1', 'dhcp_v4' => '', 'cpu' => '1', 'ram_gb' => '1', 'sys_size_gb' => '10',
    'add_size_gb' => '5', 'main_domain' => ".$fwd"]);
$optRam = Harness::addConfigOption($pid, 'RAM', ['1|1 GB', '2|2 GB']);
$optDisk = Harness::addConfigOption($pid, 'System Disk', ['10|10 GB', '5|5 GB']);
$optAdd = Harness::addConfigOption($pid, 'Additional Disk', ['5|5 GB', '3|3 GB']);
$sid = Harness::createService(Deploy::$client, $pid, Deploy::$server);
foreach ([[$optRam, '1'], [$optDisk, '10'], [$optAdd, '5']] as [$opt, $v]) {
    Harness::setServiceConfigOption($sid, $opt, $v);
}

Sim::control('POST', 'requests', ['capacity' => 100000]);
Sim::control('DELETE', 'requests');
$before = count(Harness::calls('logModuleCall'));

// --- The run: deploy, change package (RAM up, both disks down: refused), terminate.
assertSame('success', Harness::callServer('CreateAccount', $sid));
Deploy::until($sid, 'ready');
$vmPassword = decrypt((string) Harness::value('SELECT password FROM tblhosting WHERE id = ?', [$sid]));
assertTrue(strlen($vmPassword) >= 8, 'the VM has a password');
Harness::setServiceConfigOption($sid, $optRam, '2');
Harness::setServiceConfigOption($sid, $optDisk, '5');
Harness::setServiceConfigOption($sid, $optAdd, '3');
assertSame('success', Harness::callServer('ChangePackage', $sid));
Deploy::until($sid, 'ready');
assertSame('success', Harness::callServer('TerminateAccount', $sid));
Deploy::until($sid, 'remove');

$entries = array_slice(Harness::calls('logModuleCall'), $before);
$sent = Sim::control('GET', 'requests')['data'];
assertTrue(count($sent) > 20, 'the simulator saw the run');

// --- Every Proxmox request is one entry, action = method + path, in order.
$api = [];
$dns = [];
$named = [];
foreach ($entries as $e) {
    [$module, $action, $request, $response, $processed, $replace] = $e['args'];
    assertSame('puqProxmoxKVM', $module);
    foreach ([$action, $request, $response, $processed] as $text) {
        assertTrue(is_string($text), 'every part is a string');
        assertTrue(strlen($text) <= 16 * 1024, "entry bounded: $action");
    }
    if (preg_match('#^(GET|POST|PUT|DELETE|PATCH) (/\S*)$#', $action, $m)) {
        if (str_starts_with($m[2], '/api2/json/')) {
            $api[] = $e['args'];
        } else {
            $dns[] = $e['args'];
        }
        $p = json_decode($processed, true);
        assertTrue(is_array($p) && isset($p['status'], $p['ms']), "processed has the status: $processed");
    } else {
        $named[] = $action;
    }
}
$proxmox = array_map(fn ($a) => rawurldecode(substr($a[1], strpos($a[1], ' ') + strlen(' /api2/json'))), $api);
$methods = array_map(fn ($a) => strtok($a[1], ' '), $api);
$simSide = array_map(fn ($r) => $r['method'] . ' ' . $r['path'], $sent);
$ours = array_map(fn ($m, $p) => "$m $p", $methods, $proxmox);
assertSame($simSide, $ours, 'every Proxmox request the simulator received is logged, in order');
foreach ($api as $a) {
    $status = json_decode($a[4], true)['status'];
    assertTrue($status >= 200 && $status < 600, "a status: $a[4]");
    assertContains('"url":"https://127.0.0.1:', $a[2]);
}
// Proxmox calls that carry secrets were logged (so the checks below mean something).
$cloudinit = array_filter($api, fn ($a) => str_contains($a[2], 'cipassword'));
assertTrue(count($cloudinit) >= 1, 'the cloud-init call with the password is logged');
foreach ($cloudinit as $a) {
    assertContains('"cipassword":"********"', $a[2]);
    assertTrue(in_array($vmPassword, $a[5], true), 'the VM password is a replace-var');
}
foreach ($api as $a) {
    assertTrue(in_array(Sim::TOKEN_SECRET, $a[5], true), 'the token secret is a replace-var');
}

// --- DNS calls: each provider's requests logged (create on deploy, delete on change/terminate).
$dnsActions = array_map(fn ($a) => $a[1], $dns);
assertTrue(count(array_filter($dnsActions, fn ($x) => str_starts_with($x, 'PATCH /api/v1/servers/localhost/zones/'))) >= 2,
    'PowerDNS PATCHes logged: ' . implode(', ', $dnsActions));
assertTrue(count(array_filter($dnsActions, fn ($x) => str_contains($x, "/zones/$cfZone/dns_records"))) >= 2,
    'Cloudflare calls logged: ' . implode(', ', $dnsActions));
assertTrue(count(array_filter($dnsActions, fn ($x) => str_starts_with($x, 'POST /api'))) >= 2,
    'HestiaCP calls logged: ' . implode(', ', $dnsActions));
foreach ($dns as $a) {
    assertContains('"provider":', $a[2]);
}

// --- The spec's named entries: the refused shrinks; nothing else but the module's own actions.
assertContains('system_disk_shrink_rejected', $named);
assertContains('additional_disk_shrink_rejected', $named);
foreach ($entries as $e) {
    if ($e['args'][1] === 'system_disk_shrink_rejected') {
        assertContains('"requested_gb":5', $e['args'][2]);
        assertContains('"current_gb":10', $e['args'][3]);
    }
}
foreach ($named as $n) {
    assertContains($n, ['CreateAccount', 'ChangePackage', 'TerminateAccount', 'system_disk_shrink_rejected',
        'additional_disk_shrink_rejected'], 'named entries: ' . implode(', ', array_unique($named)));
}

// --- No secret reaches WHMCS in any entry (masked in Rust, not only by WHMCS's replace-vars).
$secrets = ['token secret' => Sim::TOKEN_SECRET, 'VM password' => $vmPassword, 'PowerDNS key' => Pdns::key(),
    'Cloudflare token' => $cfToken, 'HestiaCP password' => $hsPass];
foreach ($entries as $e) {
    $text = implode("\n", array_slice($e['args'], 0, 5));
    foreach ($secrets as $what => $secret) {
        assertNotContains($secret, $text, "$what in entry {$e['args'][1]}");
    }
}
// And in what WHMCS stored.
foreach (Harness::query('SELECT action, request, response, arrdata FROM tblmodulelog') as $row) {
    foreach ($secrets as $what => $secret) {
        assertNotContains($secret, implode("\n", $row), "$what in tblmodulelog {$row['action']}");
    }
}
$dnsSecrets = array_merge(...array_map(fn ($a) => $a[5], $dns));
foreach (['PowerDNS key' => Pdns::key(), 'Cloudflare token' => $cfToken, 'HestiaCP password' => $hsPass] as $what => $s) {
    assertTrue(in_array($s, $dnsSecrets, true), "$what is a replace-var");
}

// --- Debug logging off: a new request (a child PHP process) logs no API call at all.
Harness::setConfig('ModuleDebugMode', '');
$sid2 = Deploy::order($pid);
$code = 'Harness::resetCalls(); puq_cron_tick(["argv" => ["--task=process_vms"]]); Harness::testConnection(' . Deploy::$server . '); '
    . 'echo "\nAPI=" . count(array_filter(Harness::calls("logModuleCall"), fn ($c) => str_contains($c["args"][1], "/api2/json/")));';
$out = (string) shell_exec(Deploy::childCommand($code) . ' 2>&1');
assertContains("\nAPI=0", $out);
assertTrue(Deploy::status($sid2) !== 'creation', "the child's cron worked: $out");
Harness::setConfig('ModuleDebugMode', 'on');
$out = (string) shell_exec(Deploy::childCommand($code) . ' 2>&1');
assertTrue(preg_match('/\nAPI=(\d+)/', $out, $m) === 1 && (int) $m[1] > 0, "debug on in a new request logs: $out");

echo "OK\n";
