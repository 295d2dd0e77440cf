<?php
// IP pools through the native functions: validation naming the field, the
// rDNS hint, and allocation that is unique across parallel PHP processes.
require __DIR__ . '/../harness/bootstrap.php';

Harness::callAddon('activate');
$server = Harness::createServer(['assignedips' => "vmbr9|0|10.9.0.2|24|10.9.0.1|1.1.1.1\n"]);

// Bad input: a clear error naming the field, nothing created.
$e = assertThrows(Throwable::class, fn () => puq_ip_pool_create(['server_id' => $server, 'type' => 'IPv4', 'bridge' => 'vmbr0',
    'vlan' => '0', 'gateway' => '192.0.2.1', 'mask' => '24', 'dns1' => '1.1.1.1', 'dns2' => '',
    'address_start' => '2001:db8::10', 'address_stop' => '2001:db8::20']));
assertContains('address_start', $e->getMessage());
assertSame([], puq_ip_pool_list(0));

$pool = puq_ip_pool_create(['server_id' => $server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => '192.0.2.1', 'mask' => '24', 'dns1' => '1.1.1.1', 'dns2' => '8.8.8.8',
    'address_start' => '192.0.2.10', 'address_stop' => '192.0.2.21']);
assertTrue($pool > 0);
$v6 = puq_ip_pool_create(['server_id' => $server, 'type' => 'IPv6', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => '2001:db8::1', 'mask' => '64', 'dns1' => '2001:4860:4860::8888', 'dns2' => '',
    'address_start' => '2001:db8::100', 'address_stop' => '2001:db8::ffff:ffff:ffff']);
$list = puq_ip_pool_list($server);
assertSame(2, count($list));
assertContains('2.0.192.in-addr.arpa', json_encode($list));

// 12 services, 12 addresses, 6 parallel PHP processes allocating 2 services each.
$pid = Harness::createProduct();
puq_product_settings_save($pid, ['ipv4_count' => '1', 'ipv6_count' => '1', 'os_template' => '9000']);
$client = Harness::createClient();
$sids = [];
for ($i = 0; $i < 13; $i++) {
    $sids[] = Harness::createService($client, $pid, $server);
}
$procs = [];
foreach (array_chunk(array_slice($sids, 0, 12), 2) as $chunk) {
    $code = 'require ' . var_export(__DIR__ . '/../harness/bootstrap.php', true) . ';'
        . 'foreach (' . var_export($chunk, true) . ' as $s) { echo json_encode(puq_ip_pool_allocate(Harness::params($s))), "\n"; }';
    $procs[] = popen('PUQ_TEST_DB_NAME=' . escapeshellarg(Harness::dbName()) . ' ' . escapeshellarg(PHP_BINARY)
        . ' -d zend.assertions=1 -d assert.exception=1 -d extension=' . escapeshellarg(getenv('PUQ_EXT'))
        . ' -r ' . escapeshellarg($code) . ' 2>&1', 'r');
}
$seen = [];
foreach ($procs as $p) {
    $out = stream_get_contents($p);
    assertSame(0, pclose($p), $out);
    foreach (array_filter(explode("\n", trim($out))) as $line) {
        $ips = json_decode($line, true);
        assertTrue(is_array($ips), $line);
        foreach ($ips as $ip) {
            $seen[] = $ip['address'];
        }
    }
}
assertSame(24, count($seen), 'one v4 and one v6 each');
assertSame(count($seen), count(array_unique($seen)), 'no address handed out twice');
// tblhosting got the dedicated IP and the rest.
$row = Harness::row('SELECT dedicatedip, assignedips FROM tblhosting WHERE id = ?', [$sids[0]]);
assertMatches('/^192\.0\.2\.(1[0-9]|2[01])$/', $row['dedicatedip']);
assertContains('2001:db8::', $row['assignedips']);

// Idempotent: allocating again returns the same addresses.
$again = puq_ip_pool_allocate(Harness::params($sids[0]));
assertSame($row['dedicatedip'], $again[0]['address']);

// The pool is full: the 13th service falls back to the legacy list (vmbr9).
$last = puq_ip_pool_allocate(Harness::params($sids[12]));
assertSame('10.9.0.2', $last[0]['address']);
assertSame('vmbr9', $last[0]['bridge']);
// And now nothing is left: a clear error naming the server.
$sid14 = Harness::createService($client, $pid, $server);
$e = assertThrows(Throwable::class, fn () => puq_ip_pool_allocate(Harness::params($sid14)));
assertContains('no free IPv4 address', $e->getMessage());

// IPs of Terminated services are recycled (when no VM record holds them).
$freed = Harness::value('SELECT dedicatedip FROM tblhosting WHERE id = ?', [$sids[1]]);
Harness::exec("UPDATE tblhosting SET domainstatus = 'Terminated' WHERE id = ?", [$sids[1]]);
$got = puq_ip_pool_allocate(Harness::params($sid14));
assertSame($freed, $got[0]['address']);

// Edits that would orphan allocations are refused, naming how many and which services; reserved
// ranges, silly masks and ranges over addresses in use are refused (issue 21, item 3). Nothing changes.
$rows = fn () => Harness::query('SELECT * FROM puqProxmoxKVM_ip_pools ORDER BY id');
$before = $rows();
$base = ['id' => $pool, 'server_id' => $server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => '192.0.2.1', 'mask' => '24', 'dns1' => '1.1.1.1', 'dns2' => '8.8.8.8',
    'address_start' => '192.0.2.10', 'address_stop' => '192.0.2.21'];
$held = (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_ip_addresses WHERE pool_id = ?', [$pool]);
assertTrue($held > 2, "allocations: $held");
$e = assertThrows(Throwable::class, fn () => puq_ip_pool_update(['address_stop' => '192.0.2.15'] + $base));
assertContains("'address_start'", $e->getMessage());
assertContains(($held - 6) . ' allocated address(es) would be outside', $e->getMessage());
assertContains('services ', $e->getMessage());
$other = Harness::createServer(['name' => 'second']);
$e = assertThrows(Throwable::class, fn () => puq_ip_pool_update(['server_id' => $other] + $base));
assertContains("cannot move it to another server: $held address(es)", $e->getMessage());
$e = assertThrows(Throwable::class, fn () => puq_ip_pool_update(['type' => 'IPv6', 'gateway' => '2001:db8:1::1', 'mask' => '64',
    'dns1' => '2001:4860:4860::8888', 'dns2' => '', 'address_start' => '2001:db8:1::10', 'address_stop' => '2001:db8:1::20'] + $base));
assertContains('cannot change it from IPv4 to IPv6', $e->getMessage());
$new = ['server_id' => $server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0', 'dns1' => '1.1.1.1', 'dns2' => ''];
foreach ([
    [['gateway' => '127.0.0.1', 'mask' => '24', 'address_start' => '127.0.0.10', 'address_stop' => '127.0.0.20'], 'loopback'],
    [['gateway' => '224.0.0.1', 'mask' => '24', 'address_start' => '224.0.0.10', 'address_stop' => '224.0.0.20'], 'multicast'],
    [['gateway' => '169.254.1.1', 'mask' => '24', 'address_start' => '169.254.1.10', 'address_stop' => '169.254.1.20'], 'link-local'],
    [['gateway' => '10.0.0.1', 'mask' => '1', 'address_start' => '10.0.0.10', 'address_stop' => '10.0.0.20'], '8-32'],
    [['type' => 'IPv6', 'gateway' => 'fe80::1', 'mask' => '64', 'address_start' => 'fe80::10', 'address_stop' => 'fe80::20', 'dns1' => '2001:4860:4860::8888'], 'link-local'],
    [['type' => 'IPv6', 'gateway' => '2001:db8::1', 'mask' => '16', 'address_start' => '2001:db8::10', 'address_stop' => '2001:db8::20', 'dns1' => '2001:4860:4860::8888'], '32-128'],
    // Overlaps the addresses in use (and the pool) on the same server.
    [['gateway' => '192.0.2.1', 'mask' => '24', 'address_start' => '192.0.2.5', 'address_stop' => '192.0.2.12'], 'already in use on this server'],
] as [$fields, $why]) {
    $e = assertThrows(Throwable::class, fn () => puq_ip_pool_create($fields + $new));
    assertContains($why, $e->getMessage());
}
assertSame($before, $rows(), 'refused edits and creates changed nothing');
// Widening keeps every allocation inside: accepted.
assertTrue(puq_ip_pool_update(['address_stop' => '192.0.2.30'] + $base));
assertTrue(puq_ip_pool_update($base));

// A pool in use cannot be deleted.
$e = assertThrows(Throwable::class, fn () => puq_ip_pool_delete($pool));
assertSame(2, count(puq_ip_pool_list($server)));

echo "OK\n";
