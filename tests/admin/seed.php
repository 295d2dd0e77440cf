<?php
/**
 * Sample data for the admin pages (tests/admin-pages.sh): activates the addon in the database named by
 * PUQ_TEST_DB_NAME, registers the Proxmox simulator (PUQ_SIM_HTTPS_PORT, PUQ_SIM_FINGERPRINT) and an
 * unreachable server, creates admins, a few pools, 30 services in mixed states (one failed deploy, one
 * error_terminate) and hostile names in every field that reaches a page.
 * Prints a JSON summary on stdout: ids, the hostile marker and every secret that must never reach the browser.
 */
require dirname(__DIR__) . '/harness/bootstrap.php';
require dirname(__DIR__) . '/harness/Sim.php';

$r = Harness::callAddon('activate');
if (($r['status'] ?? '') !== 'success') {
    fwrite(STDERR, 'seed: activate failed: ' . json_encode($r) . "\n");
    exit(1);
}

// Hostile text: executed, it sets window.__xss; shown as text, it is harmless.
$xss = '"><img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';

$admin = Harness::createAdmin('admin', ['firstname' => 'Site', 'lastname' => 'Admin']);
$support = Harness::createAdmin('support', ['roleid' => 2, 'firstname' => 'Support', 'lastname' => 'Staff']);
// Roles for the permission tests (87-permissions.mjs), both with addon access: a viewer (View Clients
// Products/Services, View Products/Services, Addon Modules) and an operator (View Clients Products/Services,
// Perform Server Operations, Addon Modules); neither may edit products.
$viewerRole = Harness::createRole('Viewer', [11, 71, 46]);
$operatorRole = Harness::createRole('Operator', [11, 14, 46]);
$viewer = Harness::createAdmin('viewer', ['roleid' => $viewerRole, 'firstname' => 'View', 'lastname' => 'Only']);
$operator = Harness::createAdmin('operator', ['roleid' => $operatorRole, 'firstname' => 'Server', 'lastname' => 'Operator']);
Harness::setAddonSetting('access', "1,$viewerRole,$operatorRole");

$unreachableSecret = 'unreachable-token-secret-' . bin2hex(random_bytes(6));
$sim = Harness::createServer([
    'name' => 'pve-sim', 'hostname' => '127.0.0.1', 'ipaddress' => '127.0.0.1', 'username' => Sim::TOKEN_ID,
    'password' => Sim::TOKEN_SECRET, 'accesshash' => (string) getenv('PUQ_SIM_FINGERPRINT'), 'secure' => 'on',
    'port' => (int) getenv('PUQ_SIM_HTTPS_PORT'),
]);
$down = Harness::createServer([
    'name' => 'pve-down', 'hostname' => '127.0.0.1', 'ipaddress' => '127.0.0.1', 'username' => 'root@pam!whmcs',
    'password' => $unreachableSecret, 'secure' => 'on', 'port' => (int) (getenv('PUQ_DOWN_PORT') ?: 1),
]);

$groupSim = Harness::createServerGroup('Proxmox sim', [$sim]);
$groupDown = Harness::createServerGroup('Proxmox down', [$down]);
$product = Harness::createProduct(['name' => 'KVM Standard', 'servergroup' => $groupSim]);
$productDown = Harness::createProduct(['name' => 'KVM Unreachable', 'servergroup' => $groupDown]);

// Pools: puq_ip_pool_create validates; the hostile bridge goes in by SQL, as a bad import could put it there.
$p4 = puq_ip_pool_create(['server_id' => $sim, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => '192.0.2.1', 'mask' => '24', 'dns1' => '8.8.8.8', 'dns2' => '1.1.1.1',
    'address_start' => '192.0.2.10', 'address_stop' => '192.0.2.250']);
$p6 = puq_ip_pool_create(['server_id' => $sim, 'type' => 'IPv6', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => '2001:db8::1', 'mask' => '120', 'dns1' => '2001:4860:4860::8888', 'dns2' => '',
    'address_start' => '2001:db8::2', 'address_stop' => '2001:db8::50']);
$p4b = puq_ip_pool_create(['server_id' => $sim, 'type' => 'IPv4', 'bridge' => 'vmbr1', 'vlan' => '20',
    'gateway' => '198.51.100.1', 'mask' => '26', 'dns1' => '9.9.9.9', 'dns2' => '',
    'address_start' => '198.51.100.2', 'address_stop' => '198.51.100.62']);
$pX = puq_ip_pool_create(['server_id' => $sim, 'type' => 'IPv4', 'bridge' => 'vmbr9', 'vlan' => '0',
    'gateway' => '203.0.113.1', 'mask' => '24', 'dns1' => '', 'dns2' => '',
    'address_start' => '203.0.113.10', 'address_stop' => '203.0.113.20']);
Harness::exec('UPDATE puqProxmoxKVM_ip_pools SET bridge = ? WHERE id = ?', [substr($xss, 0, 32), $pX]);

$clients = [
    Harness::createClient(['firstname' => 'Alice', 'lastname' => 'Nowak', 'companyname' => 'Nowak Hosting']),
    Harness::createClient(['firstname' => 'Bob', 'lastname' => 'Kowalski']),
    Harness::createClient(['firstname' => $xss, 'lastname' => 'Hostile']),
];

$states = [
    'ready', 'ready', 'ready', 'ready', 'ready', 'ready', 'ready', 'ready', 'ready', 'ready',
    'ready', 'ready', 'creation', 'set_ip', 'clone', 'set_cpu_ram', 'set_network', 'starting',
    'change_package', 'cp_stop', 'cp_network', 'set_dns_records', 'reinstall', 'terminate',
    'error_terminate', 'remove', 'remove', 'ready', 'ready', 'set_firewall',
];
$services = [];
$passwords = [];
$secondsAgo = 3600;
foreach ($states as $i => $state) {
    $client = $clients[$i % 3];
    $pw = 'vm-pass-' . $i . '-' . bin2hex(random_bytes(5));
    $passwords[] = $pw;
    $hostile = $i === 3;
    $domain = $hostile ? 'x' . $xss . '.example.test' : sprintf('vm%02d.example.test', $i + 1);
    $status = in_array($state, ['remove'], true) ? 'Terminated' : ($state === 'creation' ? 'Pending' : 'Active');
    if ($i === 27) {
        $status = 'Suspended';
    }
    $sid = Harness::createService($client, $product, $sim, ['domain' => $domain, 'password' => $pw,
        'domainstatus' => $status, 'username' => 'root']);
    $services[$state][] = $sid;
    $vmid = 100 + $i + 1;
    $name = $hostile ? $xss : sprintf('%d-%d', $sid, 1776530141 + $i);
    $lastError = null;
    if ($state === 'set_cpu_ram') {
        $lastError = 'Proxmox VE: 500 Internal Server Error: unable to set memory ' . $xss;
    } elseif ($state === 'error_terminate') {
        $lastError = 'Proxmox VE: VM 125 is locked (backup)';
    }
    Harness::insert('puqProxmoxKVM_vm_info', [
        'service_id' => $sid, 'server_id' => $sim, 'vm_id' => in_array($state, ['creation', 'set_ip'], true) ? null : $vmid,
        'vm_name' => $name, 'hostname' => $hostile ? $xss : $name . '.example.test', 'node' => 'pve1',
        'vm_status' => $state, 'last_error' => $lastError, 'product_id' => $product, 'client_id' => $client,
        'os_username' => 'root',
    ]);
    if (!in_array($state, ['creation', 'set_ip', 'remove'], true)) {
        $n4 = 10 + $i;
        Harness::exec('INSERT INTO puqProxmoxKVM_ip_addresses (pool_id, server_id, service_id, family, address, address_bin, prefix, gateway, dns, bridge, vlan, is_primary)
            VALUES (?, ?, ?, 4, ?, INET6_ATON(?), 24, ?, ?, ?, 0, 1)',
            [$p4, $sim, $sid, "192.0.2.$n4", "192.0.2.$n4", '192.0.2.1', '8.8.8.8,1.1.1.1', 'vmbr0']);
        if ($i % 2 === 0) {
            $a6 = sprintf('2001:db8::%x', 2 + $i);
            Harness::exec('INSERT INTO puqProxmoxKVM_ip_addresses (pool_id, server_id, service_id, family, address, address_bin, prefix, gateway, dns, bridge, vlan, is_primary)
                VALUES (?, ?, ?, 6, ?, INET6_ATON(?), 120, ?, ?, ?, 0, 0)',
                [$p6, $sim, $sid, $a6, $a6, '2001:db8::1', '', 'vmbr0']);
        }
    }
    // Run history: every deployed VM has a successful deploy; the failed one ends with an error.
    $t0 = time() - $secondsAgo - 60 * $i;
    $steps = [];
    $chain = ['creation', 'set_ip', 'clone', 'set_dns', 'migrated', 'set_cpu_ram'];
    $names = ['Allocate IP addresses', 'Clone template', 'DNS records', 'Migrate to target node', 'Set CPU and RAM'];
    foreach ($names as $k => $step) {
        $steps[] = ['n' => $k + 1, 'step' => $step, 'result' => $step === 'DNS records' ? 'skip (no DNS zones)' : 'success',
            'from' => $chain[$k], 'to' => $chain[$k + 1], 'time' => $t0 + $k * 3, 'dur' => 1.25 + $k];
    }
    if ($state !== 'creation') {
        Harness::insert('puqProxmoxKVM_vm_runs', ['service_id' => $sid, 'action' => 'deploy', 'result' => 'success',
            'started_at' => $t0, 'finished_at' => $t0 + 20, 'error' => null, 'steps' => json_encode($steps)]);
    }
    if ($state === 'set_cpu_ram') {
        $failed = [['n' => 1, 'step' => 'Set CPU and RAM', 'result' => 'error', 'from' => 'set_cpu_ram', 'to' => 'set_cpu_ram',
            'time' => $t0 + 100, 'dur' => 0.42, 'error' => $lastError]];
        Harness::insert('puqProxmoxKVM_vm_runs', ['service_id' => $sid, 'action' => 'deploy', 'result' => 'error',
            'started_at' => $t0 + 100, 'finished_at' => $t0 + 101, 'error' => $lastError, 'steps' => json_encode($failed)]);
    }
}
// The Process VMs task ran a minute ago.
puq_settings_save([]);
Harness::exec("INSERT INTO puqProxmoxKVM_cron_tasks (task, last_run, last_finished, last_result) VALUES ('process_vms', ?, ?, 'success') ON DUPLICATE KEY UPDATE last_run = VALUES(last_run), last_finished = VALUES(last_finished), last_result = 'success'", [time() - 60, time() - 59]);

// The admin service page and the product panel (h5): the KVM Standard product has its template, and the
// first ready service (and the one with the hostile hostname) have their VM in the simulator; a node-local
// storage shows the panel's storage list following the chosen node.
puq_product_settings_save($product, ['os_template' => '9000', 'node' => 'pve1', 'sys_mbps_rd' => '200', 'bandwidth_mbs' => '100']
    // The console (tests/admin-pages.sh runs puq-vncproxy with this key at this domain).
    + (getenv('PUQ_CONSOLE_DOMAIN') ? ['novnc_domain' => getenv('PUQ_CONSOLE_DOMAIN'), 'novnc_key' => getenv('PUQ_CONSOLE_KEY')] : []));
$simVms = [];
foreach ([$services['ready'][0], $services['ready'][3]] as $k => $liveSid) {
    $liveVmid = (int) Harness::value('SELECT vm_id FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$liveSid]);
    $simVms[] = ['vmid' => $liveVmid, 'node' => 'pve1', 'status' => 'running', 'config' => [
        'name' => sprintf('vm-%d', $liveVmid), 'cores' => '2', 'sockets' => '1', 'memory' => '2048',
        'boot' => 'order=scsi0;ide2;net0', 'scsihw' => 'virtio-scsi-single',
        'scsi0' => "local-lvm:vm-$liveVmid-disk-0,iothread=1,mbps_rd=200,size=20G",
        'scsi1' => "local-lvm:vm-$liveVmid-disk-1,size=10G",
        'ide2' => "local-lvm:vm-$liveVmid-cloudinit,media=cdrom",
        'net0' => sprintf('virtio=BC:24:11:00:01:%02X,bridge=vmbr0,firewall=1,rate=100', $k + 1),
    ]];
}
$ctx = stream_context_create(['http' => ['method' => 'POST', 'header' => "Content-Type: application/json\r\n",
    'content' => json_encode(['vms' => $simVms, 'merge' => true,
        'storages' => [['id' => 'nvme-pve1', 'type' => 'lvmthin', 'content' => ['images'], 'nodes' => ['pve1']]]]), 'ignore_errors' => true, 'timeout' => 10]]);
$seeded = file_get_contents('http://127.0.0.1:' . getenv('PUQ_SIM_HTTP_PORT') . '/_sim/seed', false, $ctx);
if ($seeded === false || !(json_decode($seeded, true)['ok'] ?? false)) {
    throw new RuntimeException('seed: simulator VMs not created: ' . $seeded);
}

// DNS zones of each provider, forward and reverse; nothing listens on their servers (loopback port 9).
$dnsSecrets = ['pdns-seed-key-' . bin2hex(random_bytes(6)), 'cf-seed-token-' . bin2hex(random_bytes(6)),
    'hestia-seed-pw-' . bin2hex(random_bytes(6))];
$dnsZones = [
    puq_dns_zone_create(['name' => 'puqcloud.example', 'type' => 'PowerDNS', 'server_url' => 'http://127.0.0.1:9', 'api_key' => $dnsSecrets[0]]),
    puq_dns_zone_create(['name' => 'puqcloud.example', 'type' => 'Cloudflare', 'account_id' => str_repeat('a1', 16),
        'zone_id' => str_repeat('b2', 16), 'api_token' => $dnsSecrets[1], 'server_url' => 'http://127.0.0.1:9/client/v4']),
    puq_dns_zone_create(['name' => 'legacy.example', 'type' => 'HestiaCP', 'server_url' => 'http://127.0.0.1:9',
        'admin_user' => 'admin', 'admin_password' => $dnsSecrets[2], 'user' => 'puq']),
    puq_dns_zone_create(['name' => '2.0.192.in-addr.arpa', 'type' => 'PowerDNS', 'server_url' => 'http://127.0.0.1:9', 'api_key' => $dnsSecrets[0]]),
    puq_dns_zone_create(['name' => '0/26.100.51.198.in-addr.arpa', 'type' => 'PowerDNS', 'server_url' => 'http://127.0.0.1:9', 'api_key' => $dnsSecrets[0]]),
    puq_dns_zone_create(['name' => '8.b.d.0.1.0.0.2.ip6.arpa', 'type' => 'Cloudflare', 'account_id' => str_repeat('a1', 16),
        'zone_id' => str_repeat('c3', 16), 'api_token' => $dnsSecrets[1], 'server_url' => 'http://127.0.0.1:9/client/v4']),
];

echo json_encode([
    'admin_id' => $admin,
    'support_admin_id' => $support,
    'viewer_admin_id' => $viewer,
    'operator_admin_id' => $operator,
    'server_id' => $sim,
    'down_server_id' => $down,
    'product_id' => $product,
    'product_down_id' => $productDown,
    'pools' => ['v4' => $p4, 'v6' => $p6, 'v4b' => $p4b, 'hostile' => $pX],
    'services' => $services,
    'xss' => $xss,
    'secrets' => array_merge([Sim::TOKEN_SECRET, $unreachableSecret], $passwords, $dnsSecrets),
    'dns_zones' => $dnsZones,
], JSON_PRETTY_PRINT) . "\n";

// Settings > Cron: a stale lock of a runner that died (its MySQL connection is gone, its lease ran out) and a
// task whose last run failed.
Harness::exec("INSERT INTO puqProxmoxKVM_cron_tasks (task, lock_holder, lock_conn, locked_at, lock_until) VALUES ('schedule_backup', 'old-node:4242', 4000000000, ?, ?)
    ON DUPLICATE KEY UPDATE lock_holder = VALUES(lock_holder), lock_conn = VALUES(lock_conn), locked_at = VALUES(locked_at), lock_until = VALUES(lock_until)", [time() - 7200, time() - 6000]);
Harness::exec("INSERT INTO puqProxmoxKVM_cron_tasks (task, last_run, last_finished, last_result, last_message, runs) VALUES ('collect_statistics', ?, ?, 'error', 'pve-down: connection refused', 3)
    ON DUPLICATE KEY UPDATE last_run = VALUES(last_run), last_finished = VALUES(last_finished), last_result = VALUES(last_result), last_message = VALUES(last_message), runs = VALUES(runs)", [time() - 1800, time() - 1790]);
