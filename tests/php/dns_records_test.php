<?php
// A service's DNS records through the natives, checked on the real PowerDNS server and in the
// Cloudflare/HestiaCP simulators: deploy (create), idempotency, Set DNS records (resync), a custom
// reverse name, change package with an IP count change (delete old + create new), terminate
// (delete), duplicate zones on three providers, IPv4 /24 and classless /26, IPv6 /48 /56 /64
// nibble zones, dead/failing/rate-limiting/slow providers beside live ones, secrets in no output,
// and the legacy dns.php endpoint with its allowlist.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Dns.php';

Harness::callAddon('activate');
// PowerDNS is shared by parallel tests: names and networks unique to this process.
$o = getmypid() % 250 + 1;
$fwd = "r$o-" . bin2hex(random_bytes(2)) . '.example.com';
$x = sprintf('%02x', $o);
$r24 = "1.$o.10.in-addr.arpa";
$r26 = "0/26.2.$o.10.in-addr.arpa";
$z48 = implode('.', array_reverse(str_split("20010db800$x"))) . '.ip6.arpa';      // 2001:db8:xx::/48
$z56 = implode('.', array_reverse(str_split("20010db800{$x}01"))) . '.ip6.arpa';  // 2001:db8:xx:100::/56
$z64 = implode('.', array_reverse(str_split("20010db800{$x}0101"))) . '.ip6.arpa'; // …:xx:101::/64, the pool
foreach ([$fwd, $r24, $r26, $z48, $z64] as $z) {
    Pdns::createZone($z);
}
$pdnsKey = Pdns::key();
$cfToken = 'cf-' . bin2hex(random_bytes(10));
$hsPass = 'hs-' . bin2hex(random_bytes(10));
$cfFwd = str_repeat('1a', 16);
$cf56 = str_repeat('2b', 16);
$acct = str_repeat('3c', 16);
DnsSim::control('cloudflare', 'POST', 'zone', ['id' => $cfFwd, 'name' => $fwd, 'account_id' => $acct]);
DnsSim::control('cloudflare', 'POST', 'zone', ['id' => $cf56, 'name' => $z56, 'account_id' => $acct]);
DnsSim::control('cloudflare', 'POST', 'token', ['token' => $cfToken, 'zones' => [$cfFwd, $cf56]]);
DnsSim::control('cloudflare', 'POST', 'config', ['max_per_page' => 1]); // forces pagination
DnsSim::control('hestia', 'POST', 'admin', ['user' => 'admin', 'password' => $hsPass]);
DnsSim::control('hestia', 'POST', 'domain', ['user' => 'bob', 'domain' => $fwd]);
DnsSim::control('hestia', 'POST', 'domain', ['user' => 'bob', 'domain' => $r24]);

$pdns = fn ($name) => ['name' => $name, 'type' => 'PowerDNS', 'server_url' => Pdns::url(), 'api_key' => $pdnsKey];
$cf = fn ($name, $id) => ['name' => $name, 'type' => 'Cloudflare', 'account_id' => $acct, 'zone_id' => $id,
    'api_token' => $cfToken, 'server_url' => DnsSim::cloudflareUrl()];
$hs = fn ($name) => ['name' => $name, 'type' => 'HestiaCP', 'server_url' => DnsSim::hestiaUrl(),
    'admin_user' => 'admin', 'admin_password' => $hsPass, 'user' => 'bob'];
foreach ([$pdns($fwd), $cf($fwd, $cfFwd), $hs($fwd), $pdns($r24), $hs($r24), $pdns($r26), $pdns($z48),
          $cf($z56, $cf56), $pdns($z64), $pdns('unrelated.example.org')] as $z) {
    puq_dns_zone_create($z);
}

// A service with a v4 from a /24 pool, a v4 from a /26 pool, and a v6 from a /64.
$server = Harness::createServer();
$pool = fn ($type, $gw, $mask, $a, $b) => puq_ip_pool_create(['server_id' => $server, 'type' => $type,
    'bridge' => 'vmbr0', 'vlan' => '0', 'gateway' => $gw, 'mask' => $mask, 'dns1' => '', 'dns2' => '',
    'address_start' => $a, 'address_stop' => $b]);
$pool('IPv4', "10.$o.1.1", '24', "10.$o.1.10", "10.$o.1.10");
$pool('IPv4', "10.$o.2.1", '26', "10.$o.2.10", "10.$o.2.20");
$pool('IPv6', "2001:db8:$x:101::1", '64', "2001:db8:$x:101::10", "2001:db8:$x:101::20");
$pid = Harness::createProduct();
puq_product_settings_save($pid, ['ipv4_count' => '2', 'ipv6_count' => '1', 'os_template' => '9000']);
$sid = Harness::createService(Harness::createClient(), $pid, $server, ['domainstatus' => 'Active']);
puq_ip_pool_allocate(Harness::params($sid));
$host = "vm$sid.$fwd";
Harness::insert('puqProxmoxKVM_vm_info', ['service_id' => $sid, 'server_id' => $server, 'vm_id' => 300 + $sid,
    'vm_name' => "vm$sid", 'hostname' => $host, 'vm_status' => 'ready']);
$rec = puq_dns_service_records($sid);
assertSame($host, $rec['fqdn']);
$ips = array_column($rec['ips'], 'ip');
[$ip1, $ip2, $ip6] = $ips;
assertSame("10.$o.1.10", $ip1);
assertMatches("/^10\\.$o\\.2\\.(1\\d|20)$/", $ip2);
$last2 = explode('.', $ip2)[3];
$rev6 = implode('.', array_reverse(str_split(bin2hex(inet_pton($ip6))))) . '.ip6.arpa.';

$outputs = [];
$run = function (string $fn) use ($sid, &$outputs) {
    $r = $fn($sid);
    $outputs[] = json_encode($r);
    return $r;
};

/** What every provider holds for this service. */
$state = function () use ($fwd, $r24, $r26, $z48, $z64) {
    return [
        'pdns' => [Pdns::records($fwd), Pdns::records($r24), Pdns::records($r26), Pdns::records($z48), Pdns::records($z64)],
        'cf' => DnsSim::records('cloudflare'),
        'hs' => DnsSim::records('hestia'),
    ];
};

// --- deploy: create --------------------------------------------------------------------
$r = $run('puq_dns_create_service');
assertTrue($r['success'], json_encode($r));
assertContains('fwd OK', implode("\n", $r['lines']));
assertContains('rev OK', implode("\n", $r['lines']));
assertNotContains('unrelated.example.org', json_encode($r), 'a zone that does not match is skipped silently');
$s = $state();
$v4 = [$ip1, $ip2];
sort($v4);
assertSame(["$host. A" => $v4, "$host. AAAA" => [$ip6]], $s['pdns'][0]);
assertSame(["10.1.$o.10.in-addr.arpa. PTR" => ["$host."]], $s['pdns'][1]);
assertSame(["$last2.$r26. PTR" => ["$host."]], $s['pdns'][2], 'classless /26');
assertSame([$rev6 . ' PTR' => ["$host."]], $s['pdns'][3], '/48 nibble zone');
assertSame([$rev6 . ' PTR' => ["$host."]], $s['pdns'][4], '/64 nibble zone');
$cfA = $s['cf']["$host A"];
sort($cfA);
assertSame($v4, $cfA);
assertSame([$ip6], $s['cf']["$host AAAA"]);
assertSame([$host], $s['cf'][substr($rev6, 0, -1) . ' PTR'], '/56 nibble zone on Cloudflare');
$hsA = $s['hs']["$fwd vm$sid A"];
sort($hsA);
assertSame($v4, $hsA);
assertSame(["$host."], $s['hs']["$r24 10 PTR"]);

// --- twice: exactly one record per name, type and content ------------------------------
assertTrue($run('puq_dns_create_service')['success']);
assertSame($s, $state(), 'create is idempotent');
// --- Set DNS records: delete + create ----------------------------------------------------
$r = $run('puq_dns_sync_service');
assertTrue($r['success'], json_encode($r));
assertContains('fwd-del OK', implode("\n", $r['lines']));
assertContains('rev-del OK', implode("\n", $r['lines']));
assertSame($s, $state(), 'resync gives the same records');

// --- one address's reverse name ---------------------------------------------------------
$before = $state();
$e = assertThrows(Throwable::class, fn () => puq_dns_set_reverse($sid, $ip1, 'mail server.example.org'));
assertContains("'hostname'", $e->getMessage());
assertContains('spaces', $e->getMessage());
$e = assertThrows(Throwable::class, fn () => puq_dns_set_reverse($sid, "10.$o.9.9", 'mail.example.org'));
assertContains("'ip'", $e->getMessage());
assertContains('not an address of service', $e->getMessage());
assertSame($before, $state(), 'bad input wrote nothing to DNS');
assertSame('', Harness::value('SELECT ptr_name FROM puqProxmoxKVM_ip_addresses WHERE address = ?', [$ip1]));
$r = puq_dns_set_reverse($sid, $ip1, 'Mail.Example.org.');
assertTrue($r['success'], json_encode($r));
assertSame('mail.example.org', Harness::value('SELECT ptr_name FROM puqProxmoxKVM_ip_addresses WHERE address = ?', [$ip1]));
assertSame(["10.1.$o.10.in-addr.arpa. PTR" => ['mail.example.org.']], Pdns::records($r24));
assertSame(['mail.example.org.'], DnsSim::records('hestia')["$r24 10 PTR"]);
assertSame($before['pdns'][0], Pdns::records($fwd), 'forward records untouched');

// --- change package: 3 IPv4 (delete with the old records, allocate, create with the new) --
assertTrue($run('puq_dns_delete_service')['success']);
puq_product_settings_save($pid, ['ipv4_count' => '3', 'ipv6_count' => '1', 'os_template' => '9000']);
puq_ip_pool_allocate(Harness::params($sid));
$r = $run('puq_dns_create_service');
assertTrue($r['success'], json_encode($r));
$newIps = array_column(puq_dns_service_records($sid)['ips'], 'ip');
assertCount(4, $newIps);
$a = array_slice($newIps, 0, 3);
sort($a);
assertSame($a, Pdns::records($fwd)["$host. A"]);
$cfA = DnsSim::records('cloudflare')["$host A"];
sort($cfA);
assertSame($a, $cfA, 'Cloudflare has the three, no duplicates');
assertCount(3, DnsSim::records('hestia')["$fwd vm$sid A"]);
assertSame(['mail.example.org.'], Pdns::records($r24)["10.1.$o.10.in-addr.arpa. PTR"], 'custom PTR kept');
assertCount(2, Pdns::records($r26), 'a PTR for each /26 address');

// --- failing providers beside live ones: never blocking, each failure named --------------
puq_settings_save(['default_timeout' => '2']);
$deadId = puq_dns_zone_create(['name' => $fwd, 'type' => 'PowerDNS', 'server_url' => 'http://127.0.0.1:9', 'api_key' => 'k']);
DnsSim::fault('cloudflare', ['kind' => 'status', 'status' => 502, 'count' => 1, 'match' => "/zones/$cfFwd/"]);
DnsSim::fault('hestia', ['kind' => 'timeout', 'delay_ms' => 4000, 'count' => 1]);
$r = $run('puq_dns_sync_service');
assertFalse($r['success']);
$err = implode("\n", $r['errors']);
assertContains("$fwd (PowerDNS #$deadId)", $err);
assertContains('connection', $err);
assertContains('HTTP 502', $err);
assertContains("$host", $err, 'the record is named');
assertContains('HestiaCP', $err);
assertContains('timed out', $err);
assertContains('skipped, the provider did not answer earlier in this run', $err);
assertContains('DNS: forward', end($r['lines']));
// The live PowerDNS zones got everything regardless.
assertSame($a, Pdns::records($fwd)["$host. A"]);
assertCount(2, Pdns::records($r26));
// Logged to the module log because it failed.
assertContains('puq_dns_sync_service', json_encode(Harness::query('SELECT module, action FROM tblmodulelog')));
puq_dns_zone_delete($deadId);

// 429 with Retry-After is waited out within the timeout.
DnsSim::control('cloudflare', 'POST', 'reset', []);
DnsSim::control('cloudflare', 'POST', 'zone', ['id' => $cfFwd, 'name' => $fwd, 'account_id' => $acct]);
DnsSim::control('cloudflare', 'POST', 'zone', ['id' => $cf56, 'name' => $z56, 'account_id' => $acct]);
DnsSim::control('cloudflare', 'POST', 'token', ['token' => $cfToken, 'zones' => [$cfFwd, $cf56]]);
// A duplicate created by hand is cleaned up too.
DnsSim::control('cloudflare', 'POST', 'record', ['zone_id' => $cfFwd, 'type' => 'A', 'name' => $host, 'content' => $a[0]]);
DnsSim::control('cloudflare', 'POST', 'record', ['zone_id' => $cfFwd, 'type' => 'A', 'name' => $host, 'content' => $a[0]]);
DnsSim::fault('cloudflare', ['kind' => 'ratelimit', 'retry_after' => 1, 'count' => 1]);
$r = $run('puq_dns_create_service');
assertTrue($r['success'], json_encode($r));
$log = DnsSim::control('cloudflare', 'GET', 'log');
assertSame(429, $log[0]['status']);
assertSame(200, $log[1]['status'], 'retried after Retry-After');
$cfA = DnsSim::records('cloudflare')["$host A"];
sort($cfA);
assertSame($a, $cfA, 'exactly one record per content');
// An auth failure is a clear line, not an exception.
DnsSim::fault('cloudflare', ['kind' => 'auth', 'count' => 5]);
$r = $run('puq_dns_create_service');
assertFalse($r['success']);
assertContains('9109', implode("\n", $r['errors']));
DnsSim::control('cloudflare', 'POST', 'clear-faults', []);

// --- terminate: every forward record and PTR gone, everywhere ---------------------------
$r = $run('puq_dns_delete_service');
assertTrue($r['success'], json_encode($r));
foreach ([$fwd, $r24, $r26, $z48, $z64] as $z) {
    assertSame([], Pdns::records($z), $z);
}
assertSame([], DnsSim::records('cloudflare'));
$want = ["$fwd @ A", "$fwd @ NS", "$r24 @ NS"];
sort($want);
assertSame($want, array_keys(DnsSim::records('hestia')), 'only the zones\' own records remain');
assertTrue($run('puq_dns_delete_service')['success'], 'deleting twice is fine');

// --- legacy dns.php: refused unless the caller is on the allowlist -----------------------
assertSame(403, puq_dns_legacy('127.0.0.1')['status'], 'empty allowlist refuses everyone');
$e = assertThrows(Throwable::class, fn () => puq_dns_legacy_allowlist_set('127.0.0.1, not-an-ip'));
assertContains('not-an-ip', $e->getMessage());
assertSame('', puq_dns_legacy_allowlist_get());
assertSame('127.0.0.1, 10.0.0.0/8', puq_dns_legacy_allowlist_set('127.0.0.1 10.0.0.0/8'));
assertSame(403, puq_dns_legacy('192.0.2.1')['status']);
$legacy = puq_dns_legacy('127.0.0.1');
assertSame(200, $legacy['status']);
$map = json_decode($legacy['body'], true);
assertSame(['forward' => $host, 'ip' => $ip1, 'reverse' => 'mail.example.org'], $map[0]);
assertCount(4, $map);

// The real file over HTTP (php -S), caller 127.0.0.1.
$root = sys_get_temp_dir() . '/whmcs-dns-root-' . getmypid();
exec('rm -rf ' . escapeshellarg($root) . ' && mkdir -p ' . escapeshellarg($root) . ' && cp -r '
    . escapeshellarg(dirname(__DIR__, 2) . '/php/modules') . ' ' . escapeshellarg($root . '/modules'));
// The web init.php: what WHMCS's gives the module (its constant and database settings).
file_put_contents($root . '/init.php', "<?php\ndefine('WHMCS', true);\n" . implode('', array_map(
    fn ($k) => '$' . $k . ' = ' . var_export((string) $GLOBALS[$k], true) . ";\n",
    ['db_host', 'db_port', 'db_username', 'db_password', 'db_name'])));
$sock = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr(strrchr(stream_socket_get_name($sock, false), ':'), 1);
fclose($sock);
$srv = proc_open([PHP_BINARY, '-d', 'extension=' . getenv('PUQ_EXT'), '-S', "127.0.0.1:$port", '-t', $root],
    [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
register_shutdown_function(function () use ($srv, $root) {
    proc_terminate($srv);
    proc_close($srv);
    exec('rm -rf ' . escapeshellarg($root));
});
$url = "http://127.0.0.1:$port/modules/servers/puqProxmoxKVM/lib/dns/dns.php";
for ($i = 0; $i < 100 && @fsockopen('127.0.0.1', $port) === false; $i++) {
    usleep(50000);
}
$got = httpJson('GET', $url);
assertSame(200, $got['status'], $got['body']);
assertSame($map, $got["json"], $got["body"]);
puq_dns_legacy_allowlist_set('192.0.2.1');
$got = httpJson('GET', $url);
assertSame(403, $got['status']);
assertContains('allowlist', $got['body']);

// --- no secret in any output or log --------------------------------------------------------
$everything = implode("\n", $outputs) . json_encode(puq_dns_zone_list()) . json_encode(Harness::query('SELECT * FROM tblmodulelog'))
    . json_encode(Harness::query('SELECT * FROM tblactivitylog'));
foreach ([$pdnsKey, $cfToken, $hsPass] as $secret) {
    assertNotContains($secret, $everything);
}
echo "OK\n";
