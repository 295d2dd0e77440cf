<?php
// DNS zones through the native functions: validation naming the field, name normalisation,
// credentials encrypted at rest and masked as __KEEP__, and the live Test against the real
// PowerDNS and the Cloudflare/HestiaCP simulators (each provider's exact error on failure).
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Dns.php';

Harness::callAddon('activate');
$pdnsKey = Pdns::key();
$cfToken = 'cf-token-' . bin2hex(random_bytes(8));
$hsPass = 'hestia-pw-' . bin2hex(random_bytes(8));
$cfZone = str_repeat('ab', 16);
$cfAccount = str_repeat('cd', 16);

// --- bad input: an error naming the field, nothing stored ---------------------------------
// PowerDNS is shared by the suite's parallel tests: this test's zone has its own name.
$pz = 'z' . getmypid() . '.example.com';
$good = ['name' => strtoupper($pz) . '.', 'type' => 'PowerDNS', 'server_url' => Pdns::url(), 'api_key' => $pdnsKey];
$cases = [
    'name' => ['name' => 'not a domain'],
    'type' => ['type' => 'bind9'],
    'server_url' => ['server_url' => '127.0.0.1:8081'],
    'api_key' => ['api_key' => ''],
];
foreach ($cases as $field => $bad) {
    $e = assertThrows(Throwable::class, fn () => puq_dns_zone_create(array_merge($good, $bad)));
    assertContains("'$field'", $e->getMessage(), $field);
}
$e = assertThrows(Throwable::class, fn () => puq_dns_zone_create(['name' => 'example.com', 'type' => 'Cloudflare',
    'account_id' => 'nothex', 'zone_id' => $cfZone, 'api_token' => 'x']));
assertContains("'account_id'", $e->getMessage());
$e = assertThrows(Throwable::class, fn () => puq_dns_zone_create(['name' => 'example.com', 'type' => 'HestiaCP',
    'server_url' => 'https://h:8083', 'admin_user' => 'admin', 'admin_password' => 'x', 'user' => 'b o b']));
assertContains("'user'", $e->getMessage());
assertSame([], puq_dns_zone_list());

// --- create: names normalised, secrets encrypted at rest, listed as __KEEP__ ----------------
Pdns::createZone($pz);
$p = puq_dns_zone_create($good);
assertTrue($p > 0);
$e = assertThrows(Throwable::class, fn () => puq_dns_zone_create($good));
assertContains('already configured', $e->getMessage());

DnsSim::control('cloudflare', 'POST', 'zone', ['id' => $cfZone, 'name' => 'example.com', 'account_id' => $cfAccount]);
DnsSim::control('cloudflare', 'POST', 'token', ['token' => $cfToken, 'zones' => [$cfZone]]);
$c = puq_dns_zone_create(['name' => 'example.com', 'type' => 'cloudflare', 'account_id' => strtoupper($cfAccount),
    'zone_id' => $cfZone, 'api_token' => $cfToken, 'server_url' => DnsSim::cloudflareUrl()]);
DnsSim::control('hestia', 'POST', 'admin', ['user' => 'admin', 'password' => $hsPass]);
DnsSim::control('hestia', 'POST', 'domain', ['user' => 'bob', 'domain' => 'example.com']);
$h = puq_dns_zone_create(['name' => 'example.com', 'type' => 'HestiaCP', 'server_url' => rtrim(DnsSim::hestiaUrl(), '/'),
    'admin_user' => 'admin', 'admin_password' => $hsPass, 'user' => 'bob']);

$list = puq_dns_zone_list();
assertCount(3, $list);
assertSame($pz, $list[0]['name']);
assertSame('PowerDNS', $list[0]['type']);
assertSame('__KEEP__', $list[0]['api_key']);
assertSame('Cloudflare', $list[1]['type']);
assertSame($cfAccount, $list[1]['account_id']);
assertSame('__KEEP__', $list[1]['api_token']);
assertSame('__KEEP__', $list[2]['admin_password']);
assertSame(DnsSim::hestiaUrl(), $list[2]['server_url'], 'trailing slash added');
$json = json_encode($list);
foreach ([$pdnsKey, $cfToken, $hsPass] as $secret) {
    assertNotContains($secret, $json);
    $stored = implode(' ', array_column(Harness::query('SELECT secret FROM puqProxmoxKVM_dns_zones'), 'secret'));
    assertNotContains($secret, $stored, 'encrypted at rest');
}

// --- Test: success on all three ----------------------------------------------------------
foreach ([$p, $c, $h] as $id) {
    $t = puq_dns_zone_test($id);
    assertTrue($t['success'], json_encode($t));
}
assertContains($pz, puq_dns_zone_test($p)['message']);

// --- update: __KEEP__ and empty keep the secret; a new one replaces it --------------------
assertTrue(puq_dns_zone_update(['id' => $p, 'name' => $pz, 'type' => 'PowerDNS',
    'server_url' => Pdns::url() . '/api/v1', 'api_key' => '__KEEP__']));
assertTrue(puq_dns_zone_test($p)['success'], 'kept key still works');
assertTrue(puq_dns_zone_update(['id' => $p, 'name' => $pz, 'type' => 'PowerDNS',
    'server_url' => Pdns::url(), 'api_key' => 'wrong-key']));
$t = puq_dns_zone_test($p);
assertFalse($t['success']);
assertContains('401', $t['message']);
assertContains('API Key', $t['message']);
assertTrue(puq_dns_zone_update(['id' => $p, 'name' => $pz, 'type' => 'PowerDNS',
    'server_url' => Pdns::url(), 'api_key' => $pdnsKey]));
assertTrue(puq_dns_zone_test($p)['success']);
// Switching type cannot keep another provider's secret.
$e = assertThrows(Throwable::class, fn () => puq_dns_zone_update(['id' => $p, 'name' => $pz,
    'type' => 'HestiaCP', 'server_url' => 'https://h:8083', 'admin_user' => 'a', 'user' => 'b', 'admin_password' => '']));
assertContains("'admin_password'", $e->getMessage());
assertSame('PowerDNS', puq_dns_zone_list()[0]['type'], 'failed update changed nothing');
// A stored secret is bound to its endpoint (issue 21, item 1): another server URL, Cloudflare
// API base or HestiaCP user needs the secret typed again; nothing changes otherwise.
$before = Harness::query('SELECT * FROM puqProxmoxKVM_dns_zones ORDER BY id');
foreach (['__KEEP__', ''] as $keep) {
    $e = assertThrows(Throwable::class, fn () => puq_dns_zone_update(['id' => $p, 'name' => $pz, 'type' => 'PowerDNS',
        'server_url' => 'http://attacker.example:8081', 'api_key' => $keep]));
    assertContains("'api_key'", $e->getMessage());
    assertContains('server_url changed', $e->getMessage());
}
$e = assertThrows(Throwable::class, fn () => puq_dns_zone_update(['id' => $c, 'name' => 'example.com', 'type' => 'Cloudflare',
    'account_id' => $cfAccount, 'zone_id' => $cfZone, 'api_token' => '__KEEP__', 'server_url' => 'http://attacker.example/client/v4']));
assertContains("'api_token'", $e->getMessage());
$e = assertThrows(Throwable::class, fn () => puq_dns_zone_update(['id' => $c, 'name' => 'example.com', 'type' => 'Cloudflare',
    'account_id' => $cfAccount, 'zone_id' => $cfZone, 'api_token' => '__KEEP__']));
assertContains("'api_token'", $e->getMessage(), 'an empty API base is the official one: also another endpoint');
$e = assertThrows(Throwable::class, fn () => puq_dns_zone_update(['id' => $h, 'name' => 'example.com', 'type' => 'HestiaCP',
    'server_url' => DnsSim::hestiaUrl(), 'admin_user' => 'admin', 'admin_password' => '__KEEP__', 'user' => 'mallory']));
assertContains("'admin_password'", $e->getMessage());
assertContains('user changed', $e->getMessage());
assertSame($before, Harness::query('SELECT * FROM puqProxmoxKVM_dns_zones ORDER BY id'), 'refused edits changed nothing');
// The same endpoint keeps it; a new endpoint with the secret entered is fine.
assertTrue(puq_dns_zone_update(['id' => $h, 'name' => 'example.com', 'type' => 'HestiaCP',
    'server_url' => DnsSim::hestiaUrl(), 'admin_user' => 'admin', 'admin_password' => '__KEEP__', 'user' => 'bob']));
assertTrue(puq_dns_zone_test($h)['success']);

// --- Test: each provider's exact error --------------------------------------------------
// A zone pointed at something that is not its provider (here the Cloudflare API as a PowerDNS server):
// the Test reports the status and a fixed description, never the body (issue 21, item 7).
$notPdns = puq_dns_zone_create(['name' => 'echo.example', 'type' => 'PowerDNS', 'server_url' => DnsSim::cloudflareUrl(), 'api_key' => 'k']);
$t = puq_dns_zone_test($notPdns);
assertFalse($t['success']);
assertContains('not shown', $t['message']);
foreach (['success', 'errors', '{', 'messages'] as $leak) {
    assertNotContains($leak, $t['message'], 'no body echoed');
}
puq_dns_zone_delete($notPdns);
$missing = puq_dns_zone_create(['name' => 'nothere.example', 'type' => 'PowerDNS', 'server_url' => Pdns::url(), 'api_key' => $pdnsKey]);
$t = puq_dns_zone_test($missing);
assertFalse($t['success']);
assertContains("zone 'nothere.example.' does not exist", $t['message']);

DnsSim::fault('cloudflare', ['kind' => 'auth', 'count' => 1]);
$t = puq_dns_zone_test($c);
assertFalse($t['success']);
assertContains('9109', $t['message']);
$otherZone = puq_dns_zone_create(['name' => 'example.org', 'type' => 'Cloudflare', 'account_id' => $cfAccount,
    'zone_id' => str_repeat('ef', 16), 'api_token' => $cfToken, 'server_url' => DnsSim::cloudflareUrl()]);
$t = puq_dns_zone_test($otherZone);
assertFalse($t['success']);
assertContains('Authentication error', $t['message'], 'token not scoped to that zone');

$hsBad = puq_dns_zone_create(['name' => 'example.net', 'type' => 'HestiaCP', 'server_url' => DnsSim::hestiaUrl(),
    'admin_user' => 'admin', 'admin_password' => $hsPass, 'user' => 'bob']);
$t = puq_dns_zone_test($hsBad);
assertFalse($t['success']);
assertContains("dns domain example.net doesn't exist", $t['message']);
DnsSim::fault('hestia', ['kind' => 'auth']);
$t = puq_dns_zone_test($h);
assertContains('authentication failed', $t['message']);

// A provider answering HTML (the wrong port, a login page).
DnsSim::fault('hestia', ['kind' => 'html', 'status' => 200]);
$t = puq_dns_zone_test($h);
assertFalse($t['success']);
assertContains('HTML', $t['message']);
// A dead provider: refused connection, clearly said.
$dead = puq_dns_zone_create(['name' => 'example.com', 'type' => 'PowerDNS', 'server_url' => 'http://127.0.0.1:9', 'api_key' => 'k']);
$t = puq_dns_zone_test($dead);
assertFalse($t['success']);
assertContains('127.0.0.1:9', $t['message']);

// --- provider addresses: never link-local / metadata / unspecified; loopback by the setting --
foreach (['http://169.254.169.254/latest/meta-data' => 'link-local', 'http://[fe80::1]:8081' => 'link-local',
          'http://[::ffff:169.254.169.254]:80' => 'link-local', 'http://[fd00:ec2::254]' => 'metadata',
          'http://0.0.0.0:8081' => 'unspecified', 'http://224.0.0.1:8081' => 'multicast'] as $url => $why) {
    $before = count(puq_dns_zone_list());
    $e = assertThrows(Throwable::class, fn () => puq_dns_zone_create(['name' => 'meta.example', 'type' => 'PowerDNS',
        'server_url' => $url, 'api_key' => 'k']));
    assertContains("'server_url'", $e->getMessage(), $url);
    assertContains($why, $e->getMessage(), $url);
    assertCount($before, puq_dns_zone_list(), "$url stored nothing");
}
// Loopback is allowed by default (PowerDNS beside WHMCS): the real PowerDNS of this suite is on 127.0.0.1.
assertTrue(puq_dns_zone_test($p)['success'], 'loopback PowerDNS allowed by default');
// Switched off: the form refuses a loopback URL (and 'localhost'), and a stored loopback zone is refused at
// connect time — the check sits in the resolver, so a name that resolves there is caught too.
puq_settings_save(['dns_allow_loopback' => '0']);
foreach (['http://127.0.0.1:8081', 'http://[::1]:8081', 'http://localhost:8081', 'http://pdns.localhost:8081'] as $url) {
    $e = assertThrows(Throwable::class, fn () => puq_dns_zone_create(['name' => 'lo.example', 'type' => 'PowerDNS',
        'server_url' => $url, 'api_key' => 'k']));
    assertContains('loopback', $e->getMessage(), $url);
}
$t = puq_dns_zone_test($p);
assertFalse($t['success'], 'loopback refused at connect with the setting off');
assertContains('refused to connect to 127.0.0.1', $t['message']);
assertContains('loopback', $t['message']);
puq_settings_save(['dns_allow_loopback' => '1']);
assertTrue(puq_dns_zone_test($p)['success'], 'allowed again');

// --- delete -------------------------------------------------------------------------------
foreach ([$missing, $otherZone, $hsBad, $dead] as $id) {
    assertTrue(puq_dns_zone_delete($id));
}
assertCount(3, puq_dns_zone_list());
assertThrows(Throwable::class, fn () => puq_dns_zone_delete($missing), 'no DNS zone');
assertThrows(Throwable::class, fn () => puq_dns_zone_test(0), "'id'");

// No secret reached the module log either.
$log = json_encode(Harness::query('SELECT * FROM tblmodulelog'));
foreach ([$pdnsKey, $cfToken, $hsPass] as $secret) {
    assertNotContains($secret, $log);
}
echo "OK\n";
