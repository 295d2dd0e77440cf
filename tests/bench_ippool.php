<?php
// IP allocation benchmark: allocating from an empty /24, a /16 with 65,000
// of its addresses already allocated, and a /64 — the cost must follow the
// allocated rows, never the size of the range. Prints figures.
require __DIR__ . '/harness/bootstrap.php';

Harness::callAddon('activate');
$server = Harness::createServer();
$pid = Harness::createProduct();
puq_product_settings_save($pid, ['os_template' => '9000', 'ipv4_count' => '1', 'ipv6_count' => '0', 'auto_bridge_vlan' => '']);
$client = Harness::createClient();
$rounds = (int) (getenv('BENCH_ALLOC_ROUNDS') ?: 50);

function pool(int $server, string $bridge, string $type, string $gw, string $mask, string $start, string $stop): int
{
    return puq_ip_pool_create(['server_id' => $server, 'type' => $type, 'bridge' => $bridge, 'vlan' => '0',
        'gateway' => $gw, 'mask' => $mask, 'dns1' => '9.9.9.9', 'dns2' => '', 'address_start' => $start, 'address_stop' => $stop]);
}

/** [first, mean of the rest] milliseconds per allocation of one address for fresh services on $bridge. */
function measure(int $server, int $pid, int $client, string $bridge, int $rounds, string $family): array
{
    puq_product_settings_save($pid, ['bridge' => $bridge, 'ipv4_count' => $family === '4' ? '1' : '0', 'ipv6_count' => $family === '6' ? '1' : '0']);
    $times = [];
    for ($i = 0; $i < $rounds; $i++) {
        $sid = Harness::createService($client, $pid, $server);
        $params = Harness::params($sid);
        $t = microtime(true);
        puq_ip_pool_allocate($params);
        $times[] = (microtime(true) - $t) * 1000;
    }
    $first = array_shift($times);
    return [$first, array_sum($times) / max(1, count($times))];
}

function show(string $label, array $m): void
{
    printf("  %-38s first %7.2f ms, then %6.2f ms per allocation\n", $label, $m[0], $m[1]);
}

pool($server, 'vmbr24', 'IPv4', '10.24.0.1', '24', '10.24.0.2', '10.24.0.254');
$p16 = pool($server, 'vmbr16', 'IPv4', '10.16.0.1', '16', '10.16.0.2', '10.16.255.254');
pool($server, 'vmbr64', 'IPv6', '2001:db8:64::1', '64', '2001:db8:64::2', '2001:db8:64::ffff:ffff:ffff:fffe');

// Fill the /16 with 65,000 allocated addresses (direct inserts, in batches).
$t = microtime(true);
$base = ip2long('10.16.0.2');
for ($b = 0; $b < 65; $b++) {
    $rows = [];
    for ($i = 0; $i < 1000; $i++) {
        $ip = long2ip($base + $b * 1000 + $i);
        $rows[] = sprintf("(%d, %d, %d, 4, '%s', 0x%s, 16, 'vmbr16')", $p16, $server, 900000 + $b * 1000 + $i, $ip, bin2hex(inet_pton($ip)));
    }
    Harness::exec('INSERT INTO puqProxmoxKVM_ip_addresses (pool_id, server_id, service_id, family, address, address_bin, prefix, bridge) VALUES ' . implode(',', $rows));
}
measure($server, $pid, $client, 'vmbr24', 3, '4'); // warm-up: connections, caches
printf("IP allocation benchmark (%d allocations each; setup of 65,000 rows took %.1f s)\n", $rounds, microtime(true) - $t);
show('empty /24 (IPv4):', measure($server, $pid, $client, 'vmbr24', $rounds, '4'));
show('/16 with 65,000 allocated (IPv4):', measure($server, $pid, $client, 'vmbr16', $rounds, '4'));
show('/64 (IPv6, 2^64 addresses):', measure($server, $pid, $client, 'vmbr64', $rounds, '6'));
echo "  (the first allocation in a pool whose rows were imported behind the module's back scans once)\n";
