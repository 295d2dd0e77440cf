<?php
/**
 * Migration from PUQ Customization and v2 on activation: legacy tables of the reconstructed shape (pools with
 * allocations and per-server assignments, DNS zones, VM records) and v2 products' configoption1..24 are
 * imported, bad rows are skipped with their reason, nothing is half-imported, and a second activation imports
 * nothing twice. The report is in the activation message and on the Dashboard.
 */
require __DIR__ . '/../harness/bootstrap.php';

$P = 'puq_customization_module_puq_proxmox_kvm_';

// The servers, products and services v2 left.
$s1 = Harness::createServer(['assignedips' => "vmbr3|0|10.0.25.2|24|10.0.25.1|10.0.10.10\nvmbr3|0|10.0.25.3|24|10.0.25.1|10.0.10.10"]);
$s2 = Harness::createServer();
$other = Harness::createServer(['type' => 'cpanel']);
$client = Harness::createClient();
$v2Options = [
    'configoption1' => 'PUQ-LICENSE-KEY',
    'configoption2' => 'Full Clone',
    'configoption3' => 'auto',
    'configoption4' => '9001',
    'configoption5' => 'backup-nfs',
    'configoption7' => "CPU=2\nRAM=4\nOS username=debian\nVM name prefix=vps\nFirst vm id=5000\nSnapshot lifetime=3",
    'configoption8' => '{"storage":"local-lvm","size":"40","read_mbps":"100"}',
    'configoption10' => "Network model: virtio\nDHCP IPv4: off\nFirewall: on\nAnti spoofing: on\nipv6: 1",
    'configoption11' => "noVNC WEB proxy server=vnc.example.com\nMain domain=.vps.example.com",
    'configoption12' => 'start,stop,novnc,charts,revdns',
];
$pV2 = Harness::createProduct(['name' => 'v2 KVM'] + $v2Options);
$pBad = Harness::createProduct(['name' => 'v2 bad', 'configoption7' => "CPU=0\nRAM=2"]);
$pPanel = Harness::createProduct(['name' => 'panel', 'configoption7' => 'CPU=8']);
$pEmpty = Harness::createProduct(['name' => 'empty']);
$svc = fn (int $server, string $status, array $o = []) => Harness::createService($client, $pV2, $server, ['domainstatus' => $status] + $o);
$a = $svc($s1, 'Active', ['dedicatedip' => '198.51.100.10']);
$b = $svc($s1, 'Active', ['dedicatedip' => '198.51.100.11', 'assignedips' => "10.0.25.2\n203.0.113.99"]);
$c = $svc($s1, 'Terminated', ['dedicatedip' => '']);
$d = $svc($s2, 'Suspended', ['dedicatedip' => '', 'assignedips' => '2001:db8:1::10']);
$e = $svc($s1, 'Active', ['dedicatedip' => '203.0.113.10']);
$f = $svc($s1, 'Active', ['dedicatedip' => '203.0.113.10']);
$g = $svc($s1, 'Active');
$h = $svc($s1, 'Active', ['dedicatedip' => '198.51.100.20']);
$j = $svc($s1, 'Active', ['dedicatedip' => '10.0.25.3']);

// PUQ Customization's tables (columns as reconstructed; some optional ones left out on purpose).
Harness::exec("CREATE TABLE {$P}ip_pools (id INT AUTO_INCREMENT PRIMARY KEY, server_id INT, type VARCHAR(8), bridge VARCHAR(32),
    vlan INT, gateway VARCHAR(45), mask VARCHAR(16), dns1 VARCHAR(45), dns2 VARCHAR(45), address_start VARCHAR(45), address_stop VARCHAR(45))");
$pool = fn (array $r) => Harness::insert("{$P}ip_pools", $r + ['type' => 'ipv4', 'bridge' => 'vmbr0', 'vlan' => 0, 'mask' => '24', 'dns1' => '8.8.8.8', 'dns2' => '1.1.1.1']);
$good4 = $pool(['server_id' => $s1, 'gateway' => '198.51.100.1', 'address_start' => '198.51.100.10', 'address_stop' => '198.51.100.50']);
$good6 = $pool(['server_id' => 0, 'type' => 'ipv6', 'mask' => '64', 'gateway' => '2001:db8:1::1', 'dns1' => '2001:4860:4860::8888', 'dns2' => '',
    'address_start' => '2001:db8:1::10', 'address_stop' => '2001:db8:1::ff']);
$dup = $pool(['server_id' => $s1, 'gateway' => '203.0.113.1', 'address_start' => '203.0.113.10', 'address_stop' => '203.0.113.20']);
$overlap = $pool(['server_id' => $s1, 'gateway' => '198.51.100.1', 'address_start' => '198.51.100.40', 'address_stop' => '198.51.100.60']);
$badMask = $pool(['server_id' => $s1, 'mask' => '99', 'gateway' => '192.0.2.1', 'address_start' => '192.0.2.10', 'address_stop' => '192.0.2.20']);
$wrongServer = $pool(['server_id' => $other, 'gateway' => '192.0.2.1', 'address_start' => '192.0.2.10', 'address_stop' => '192.0.2.20']);
Harness::exec("CREATE TABLE {$P}ip_pool_servers (pool_id INT, server_id INT)");
Harness::insert("{$P}ip_pool_servers", ['pool_id' => $good6, 'server_id' => $s1]);
Harness::insert("{$P}ip_pool_servers", ['pool_id' => $good6, 'server_id' => $s2]);
Harness::exec("CREATE TABLE {$P}ip_addresses (id INT AUTO_INCREMENT PRIMARY KEY, pool_id INT, service_id INT, ip VARCHAR(45))");
Harness::insert("{$P}ip_addresses", ['pool_id' => $good4, 'service_id' => $a, 'ip' => '198.51.100.10']);
Harness::insert("{$P}ip_addresses", ['pool_id' => $good4, 'service_id' => $c, 'ip' => '198.51.100.12']); // terminated: stale

Harness::exec("CREATE TABLE {$P}dns_zones (id INT AUTO_INCREMENT PRIMARY KEY, name VARBINARY(255), type VARCHAR(32), server VARCHAR(255),
    account_id VARCHAR(64), zone_id VARCHAR(64), api_token VARCHAR(255), admin_user VARCHAR(64), admin_password TEXT, user VARCHAR(64))");
$zone = fn (array $r) => Harness::insert("{$P}dns_zones", $r + ['server' => '', 'account_id' => '', 'zone_id' => '', 'api_token' => '', 'admin_user' => '', 'admin_password' => '', 'user' => '']);
$zCf = $zone(['name' => 'example.com', 'type' => 'cloudflare.com', 'account_id' => str_repeat('a1', 16), 'zone_id' => str_repeat('b2', 16), 'api_token' => 'cf-plain-token']);
$zHe = $zone(['name' => '100.51.198.in-addr.arpa', 'type' => 'HestiaCP Server', 'server' => 'https://hestia.example.com:8083/', 'admin_user' => 'admin',
    'admin_password' => harness_encrypt('hestia-secret'), 'user' => 'dnsuser']);
$zBin = $zone(['name' => "bad\xFF\xFEzone.com", 'type' => 'cloudflare', 'account_id' => str_repeat('a1', 16), 'zone_id' => str_repeat('b2', 16), 'api_token' => 't']);
$zR53 = $zone(['name' => 'example.net', 'type' => 'route53', 'api_token' => 'x']);

// VM records: no server column (the service's server is taken).
Harness::exec("CREATE TABLE {$P}vm_info (id INT AUTO_INCREMENT PRIMARY KEY, service_id INT, vmid INT, node VARCHAR(64), status VARCHAR(32))");
Harness::insert("{$P}vm_info", ['service_id' => $a, 'vmid' => 5001, 'node' => 'pve1', 'status' => 'ready']);
Harness::insert("{$P}vm_info", ['service_id' => $b, 'vmid' => 5002, 'node' => 'pve1', 'status' => '']);
Harness::insert("{$P}vm_info", ['service_id' => $h, 'vmid' => 5001, 'node' => 'pve1', 'status' => 'ready']); // same VMID as $a
Harness::insert("{$P}vm_info", ['service_id' => $g, 'vmid' => 5003, 'node' => 'pve1', 'status' => 'creation']);
Harness::insert("{$P}vm_info", ['service_id' => $c, 'vmid' => 5004, 'node' => 'pve1', 'status' => 'ready']);
Harness::insert("{$P}vm_info", ['service_id' => $d, 'vmid' => 5005, 'node' => 'pve2', 'status' => 'ready']);

// A product the panel configured already (migrations first, then the panel row, then the import).
Harness::exec('CREATE TABLE puqProxmoxKVM_product_settings (product_id INT UNSIGNED NOT NULL PRIMARY KEY, settings MEDIUMTEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4');
Harness::insert('puqProxmoxKVM_product_settings', ['product_id' => $pPanel, 'settings' => json_encode(['cpu' => 3, '_format' => 2])]);

$r = Harness::callAddon('activate');
assertSame('success', $r['status'], json_encode($r));
$msg = $r['description'];
assertContains('Legacy import (PUQ Customization / v2)', $msg);
assertContains('IP pools: 2 imported, 4 skipped', $msg);
assertContains('DNS zones: 2 imported, 2 skipped', $msg);
assertContains('The full report is on the addon\'s Dashboard', $msg);
assertTrue(strpos($msg, 'cf-plain-token') === false && strpos($msg, 'hestia-secret') === false, 'no secret in the message');

// Pools: the IPv4 pool on s1, the IPv6 pool once per assigned server.
$pools = Harness::query('SELECT id, server_id, family, address_start, address_stop, bridge, gateway, mask, dns1, dns2 FROM puqProxmoxKVM_ip_pools ORDER BY id');
assertSame(3, count($pools), json_encode($pools));
assertSame([(string) $s1, '198.51.100.10', '198.51.100.50', 'vmbr0', '24', '8.8.8.8', '1.1.1.1'],
    [(string) $pools[0]['server_id'], $pools[0]['address_start'], $pools[0]['address_stop'], $pools[0]['bridge'], (string) $pools[0]['mask'], $pools[0]['dns1'], $pools[0]['dns2']]);
assertSame([(string) $s1, (string) $s2], [(string) $pools[1]['server_id'], (string) $pools[2]['server_id']]);
assertSame('2001:db8:1::10', $pools[1]['address_start']);
// Allocations: the table's row, the address a service holds in WHMCS, none for the terminated service.
$held = fn () => Harness::query('SELECT pool_id, server_id, service_id, address, is_primary FROM puqProxmoxKVM_ip_addresses ORDER BY service_id, family, address');
$addr = array_map(fn ($x) => $x['service_id'] . '=' . $x['address'] . '@' . $x['pool_id'], $held());
assertContains("$a=198.51.100.10@{$pools[0]['id']}", $addr);
assertContains("$b=198.51.100.11@{$pools[0]['id']}", $addr);
assertContains("$h=198.51.100.20@{$pools[0]['id']}", $addr);
assertContains("$d=2001:db8:1::10@{$pools[2]['id']}", $addr);
assertTrue(!in_array("$c=198.51.100.12@{$pools[0]['id']}", $addr, true), 'a terminated service\'s allocation is not imported');
// Nothing of the skipped pools (one transaction per pool).
assertSame(0, (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_ip_pools WHERE address_start IN ('203.0.113.10', '198.51.100.40', '192.0.2.10')"));
assertSame(0, (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_ip_addresses WHERE address = '203.0.113.10'"));
// The allocator skips what running VMs hold: a new service gets the first address nobody holds.
$new = Harness::createService($client, $pEmpty, $s1);
$got = puq_ip_pool_allocate(Harness::params($new));
assertSame('198.51.100.12', $got[0]['address'], json_encode($got));

// DNS zones: through the DNS Zones rules, secrets encrypted, a WHMCS-encrypted legacy secret decrypted first.
$zones = Harness::query('SELECT name, type, server_url, admin_user, hestia_user, secret FROM puqProxmoxKVM_dns_zones ORDER BY id');
assertSame(['example.com', 'Cloudflare'], [$zones[0]['name'], $zones[0]['type']]);
assertSame('cf-plain-token', decrypt($zones[0]['secret']));
assertSame(['100.51.198.in-addr.arpa', 'HestiaCP', 'admin', 'dnsuser'], [$zones[1]['name'], $zones[1]['type'], $zones[1]['admin_user'], $zones[1]['hestia_user']]);
assertSame('hestia-secret', decrypt($zones[1]['secret']));

// Products: the v2 fields into the panel's settings; the panel's product untouched.
$st = puq_product_settings_get($pV2);
assertSame(['full', '', '9001', 2, 4, 'debian', 'vps-{client_id}-{service_id}', 5000, 3, 'backup-nfs'],
    [$st['clone_type'], $st['node'], $st['os_template'], $st['cpu'], $st['ram_gb'], $st['os_username'], $st['vm_name_rule'], $st['first_vmid'], $st['snapshot_lifetime_days'], $st['backup_storage']]);
assertSame(['local-lvm', 40, 100, 'virtio', false, true, 1], [$st['sys_storage'], $st['sys_size_gb'], $st['sys_mbps_rd'], $st['net_model'], $st['dhcp_v4'], $st['fw_enable'], $st['ipv6_count']]);
assertSame(['vnc.example.com', '.vps.example.com'], [$st['novnc_domain'], $st['main_domain']]);
assertSame([true, true, true, true, true, false, false, false, false],
    [$st['perm_start'], $st['perm_stop'], $st['perm_novnc'], $st['perm_charts'], $st['perm_revdns'], $st['perm_reinstall'], $st['perm_reset_password'], $st['perm_iso'], $st['perm_firewall']]);
assertSame(2, puq_product_settings_get($pBad)['ram_gb']);
assertSame(1, puq_product_settings_get($pBad)['cpu'], 'a bad value keeps the default');
assertSame(3, puq_product_settings_get($pPanel)['cpu'], 'a product configured in the panel is left alone');
assertSame(0, (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_product_settings WHERE product_id = ?', [$pEmpty]));

// VM records: in 'ready' (the deploy never runs), the service's server, suspended kept.
$vm = fn (int $s) => Harness::row('SELECT server_id, vm_id, node, vm_status, suspended, product_id, client_id FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$s]);
assertSame([(string) $s1, '5001', 'pve1', 'ready', '0', (string) $pV2, (string) $client], array_map('strval', array_values($vm($a))));
assertSame(['5005', 'ready', '1'], [(string) $vm($d)['vm_id'], $vm($d)['vm_status'], (string) $vm($d)['suspended']]);
assertSame('5002', (string) $vm($b)['vm_id']);
assertSame(null, $vm($h), 'a duplicate VMID is skipped');
assertSame(null, $vm($g), 'an unfinished v2 deploy is skipped');
assertSame(null, $vm($c), 'a terminated service gets no record');
// $b's address from the server's Assigned IP Addresses list is recorded as that list's (pool 0).
assertContains("$b=10.0.25.2@0", array_map(fn ($x) => $x['service_id'] . '=' . $x['address'] . '@' . $x['pool_id'], $held()));
// The records as imported, for the idempotency check below.
$before = Harness::query('SELECT service_id, vm_status, vm_id FROM puqProxmoxKVM_vm_info ORDER BY service_id');

// The report, with its reasons, on the Dashboard.
$admin = Harness::createAdmin('admin');
$page = puq_admin_page('dashboard', [], $admin);
$rep = $page['vars']['legacy_import'] ?? null;
assertTrue(is_array($rep), json_encode(array_keys($page['vars'])));
$lines = [];
foreach ($rep['sections'] as $s) {
    $lines[$s['name']] = $s;
}
$sk = implode("\n", $lines['IP pools']['skipped']);
assertContains("legacy pool #$dup: address 203.0.113.10 is held by both service $e and service $f", $sk);
assertContains("legacy pool #$overlap: server $s1: address_start: the range 198.51.100.40 - 198.51.100.60 overlaps IP pool #{$pools[0]['id']}", $sk);
assertContains("legacy pool #$badMask: mask must be 8-32 for IPv4, got 99", $sk);
assertContains("legacy pool #$wrongServer: server $other: server_id: server #$other is not a PUQ Proxmox KVM server", $sk);
$zs = implode("\n", $lines['DNS zones']['skipped']);
assertContains("legacy zone #$zBin: name 'bad\\xFF\\xFEzone.com' is not UTF-8 text", $zs);
assertContains("legacy zone #$zR53: zone 'example.net': provider 'route53' is not Cloudflare, HestiaCP or PowerDNS", $zs);
$ps = implode("\n", $lines['Products']['skipped']);
assertContains("product #$pPanel 'panel': already configured in the panel", $ps);
assertContains("product #$pBad 'v2 bad': cpu '0': must be between 1 and 512", $ps);
$vs = implode("\n", $lines['VM records']['skipped']);
assertContains("service $h: VMID 5001 on server $s1 is already recorded for another service", $vs);
assertContains("service $g: legacy status 'creation' is not a finished VM", $vs);
assertContains("service $c: Terminated in WHMCS", $vs);
assertContains("service $e (Active): no VM record anywhere", $vs);
// Its address from the server's list is recorded all the same (no new VM gets it).
assertContains("service $j (Active): no VM record anywhere", $vs);
assertContains("$j=10.0.25.3@0", array_map(fn ($x) => $x['service_id'] . '=' . $x['address'] . '@' . $x['pool_id'], $held()));
$vi = implode("\n", $lines['VM records']['imported']);
assertContains("service $b: VMID 5002 on server $s1 (node pve1) → VM record in 'ready'", $vi);
assertContains("1 address(es) of the server's Assigned IP Addresses recorded", $vi);
assertContains("address 203.0.113.99 is in no IP pool and not in the server's Assigned IP Addresses", $vi);
foreach (['cf-plain-token', 'hestia-secret', 'PUQ-LICENSE-KEY'] as $secret) {
    assertTrue(strpos(json_encode($rep), $secret) === false, "$secret in the report");
}

// The Dashboard's panel, rendered as WHMCS renders the addon page (every value escaped).
$_SESSION['adminid'] = $admin;
$html = Harness::callAddon('output');
unset($_SESSION['adminid']);
assertContains('id="puq-legacy-import"', $html);
assertContains('Import from PUQ Customization / v2', $html);
assertContains("legacy pool #$dup: address 203.0.113.10 is held by both service $e and service $f", $html);
assertContains('bad\\xFF\\xFEzone.com', $html);
assertContains("product #$pPanel &#039;panel&#039;: already configured in the panel", $html);
assertTrue(strpos($html, '&amp;#039;') === false && strpos($html, '&amp;gt;') === false, 'escaped once');

// Idempotent: activating and upgrading again import nothing twice and say why.
$counts = fn () => [
    (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_ip_pools'),
    (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_ip_addresses'),
    (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_dns_zones'),
    (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_product_settings'),
    (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_vm_info'),
];
$was = $counts();
$r = Harness::callAddon('activate');
assertSame('success', $r['status']);
assertContains('IP pools: 0 imported', $r['description']);
$r = Harness::callAddon('upgrade', ['version' => '2.4']);
assertSame('success', $r['status']);
assertContains('Legacy import', $r['description']);
assertSame($was, $counts());
assertSame($before, Harness::query('SELECT service_id, vm_status, vm_id FROM puqProxmoxKVM_vm_info ORDER BY service_id'));
$rep = puq_admin_page('dashboard', [], $admin)['vars']['legacy_import'] ?? null;
$again = implode("\n", array_merge(...array_map(fn ($s) => $s['skipped'], $rep['sections'])));
assertContains("legacy pool #$good4: IPv4 198.51.100.10 - 198.51.100.50, vmbr0 VLAN 0: already imported (server $s1 as IP pool #{$pools[0]['id']})", $again);
assertContains('example.com (cloudflare): already present', $again);
assertContains("product #$pV2 'v2 KVM': already configured in the panel", $again);
assertContains("service $a: already has a VM record (status ready)", $again);

// A legacy table without a required column: every row skipped, naming the column.
Harness::exec("ALTER TABLE {$P}ip_pools DROP COLUMN gateway");
$r = Harness::callAddon('activate');
assertContains("every pool: legacy table {$P}ip_pools has no column for gateway (looked for gateway, gw)", $r['description']);
assertSame($was, $counts());

// No legacy data at all (a fresh install): no report line, no stored report.
foreach (['ip_pools', 'ip_pool_servers', 'ip_addresses', 'dns_zones', 'vm_info'] as $t) {
    Harness::exec("DROP TABLE {$P}$t");
}
Harness::exec('UPDATE tblhosting SET domainstatus = \'Terminated\'');
Harness::exec('UPDATE tblproducts SET ' . implode(', ', array_map(fn ($i) => "configoption$i = ''", range(1, 24))));
Harness::exec('DELETE FROM puqProxmoxKVM_settings WHERE name = \'legacy_import_report\'');
$r = Harness::callAddon('activate');
assertTrue(strpos($r['description'], 'Legacy import') === false, $r['description']);
assertSame(null, puq_admin_page('dashboard', [], $admin)['vars']['legacy_import'] ?? null);

echo "OK\n";
