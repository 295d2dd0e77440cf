<?php
// The main job, driven through the WHMCS harness against a real MariaDB and
// the Proxmox VE simulator: activate the addon, register the simulator as a
// WHMCS server over HTTPS with a pinned certificate, test the connection,
// create an IP pool, a product and a client, accept an order with
// CreateAccount, run the module's cron until the VM is ready, then change
// its package and terminate it.
require __DIR__ . '/harness/bootstrap.php';
require __DIR__ . '/harness/Sim.php';

function step(string $s): void
{
    echo "\n=== $s ===\n";
}

function fail(string $why): void
{
    echo "FAILED: $why\n";
    exit(1);
}

step('Activate addon puq_proxmox_kvm');
$r = Harness::callAddon('activate');
echo "{$r['status']}: {$r['description']}\n";
$r['status'] === 'success' || fail('activation');

step('Start the Proxmox VE simulator');
$info = Sim::start();
echo "HTTPS on 127.0.0.1:{$info['https_port']}, certificate SHA-256 {$info['fingerprint']}\n";

step('TestConnection (HTTPS, pinned fingerprint in Access Hash)');
$serverId = Sim::createServer();
$r = Harness::testConnection($serverId);
echo ($r['success'] ? 'success: ' . $r['message'] : 'FAILED: ' . $r['error']) . "\n";
$r['success'] || exit(1);

step('IP pools (IPv4 + IPv6)');
foreach ([
    ['IPv4', '192.0.2.1', '24', '1.1.1.1', '192.0.2.10', '192.0.2.200'],
    ['IPv6', '2001:db8:1::1', '64', '2606:4700:4700::1111', '2001:db8:1::100', '2001:db8:1::ffff'],
] as [$type, $gw, $mask, $dns, $start, $stop]) {
    $id = puq_ip_pool_create(['server_id' => $serverId, 'type' => $type, 'bridge' => 'vmbr0', 'vlan' => '0',
        'gateway' => $gw, 'mask' => $mask, 'dns1' => $dns, 'dns2' => '', 'address_start' => $start, 'address_stop' => $stop]);
    echo "pool #$id $type $start - $stop\n";
}
foreach (puq_ip_pool_list($serverId) as $p) {
    echo '  rDNS zone: ' . ($p['rdns']['zone'] ?? $p['rdns']['message']) . "\n";
}

step('Product, email templates, client, order');
Harness::createEmailTemplate('puqProxmoxVKM Welcome Email');
Harness::createEmailTemplate('puqProxmoxKVM VM is ready');
$pid = Harness::createProduct(['name' => 'KVM Demo']);
puq_product_settings_save($pid, ['os_template' => '9000', 'clone_type' => 'linked', 'cpu' => '2', 'ram_gb' => '2',
    'sys_size_gb' => '20', 'sys_mbps_rd' => '200', 'sys_mbps_wr' => '100', 'add_size_gb' => '10',
    'ipv4_count' => '1', 'ipv6_count' => '1', 'dhcp_v4' => '', 'dhcp_v6' => '', 'bandwidth_mbs' => '100',
    'node' => 'pve2', 'sys_storage' => 'ceph', 'vm_name_rule' => 'vm{service_id}', 'main_domain' => '.demo.example']);
$opt = Harness::addConfigOption($pid, 'RAM', ['2|2 GB', '4|4 GB', '8|8 GB']);
$client = Harness::createClient(['firstname' => 'Ada', 'lastname' => 'Lovelace']);
$sid = Harness::createService($client, $pid, $serverId);
Harness::setServiceConfigOption($sid, $opt, '4');
echo "service #$sid (RAM option: 4 GB)\n";

step('CreateAccount');
$r = Harness::callServer('CreateAccount', $sid);
echo "$r\n";
$r === 'success' || exit(1);
$vm = Harness::row('SELECT vm_id, vm_name, hostname, vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);
echo "VM {$vm['vm_id']} {$vm['hostname']} status={$vm['vm_status']}\n";

step('Cron: the Process VMs task (what cron.php --task=process_vms runs), until ready');
for ($i = 1; $i <= 5; $i++) {
    puq_cron_tick(['mode' => 'standalone', 'argv' => ['--task=process_vms']]);
    $status = Harness::value('SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);
    if ($status === 'ready') {
        break;
    }
}
$status === 'ready' || fail("VM is at $status");

step('Result');
$h = Harness::row('SELECT username, dedicatedip, assignedips FROM tblhosting WHERE id = ?', [$sid]);
$vmState = Sim::vm((int) $vm['vm_id']);
echo "hostname:     {$vm['hostname']}\n";
echo "OS user:      {$h['username']} (password stored encrypted in tblhosting)\n";
echo "dedicated IP: {$h['dedicatedip']}\n";
echo "assigned IPs: " . str_replace("\n", ', ', $h['assignedips']) . "\n";
$vmState || fail('the VM is not in Proxmox');
$c = $vmState['config'];
echo "Proxmox:      VM {$vm['vm_id']} on {$vmState['node']}, {$vmState['status']}, cores={$c['cores']} memory={$c['memory']} MiB\n";
foreach (['scsi0', 'scsi1', 'net0', 'ipconfig0', 'ciuser'] as $k) {
    if (isset($c[$k])) {
        echo str_pad('', 14) . "$k: {$c[$k]}\n";
    }
}
$requests = Sim::control('GET', 'requests')['data'];
$rejected = array_filter($requests, fn ($r) => (int) $r['status'] >= 400);
echo 'Proxmox API:  ' . count($requests) . ' requests, all checked against the PVE schema; '
    . (count($rejected) === 0 ? 'none rejected' : count($rejected) . ' rejected') . "\n";

step('ChangePackage: the client upgrades RAM to 8 GB (configurable option)');
Harness::createEmailTemplate('puqProxmoxKVM Upgrade Email');
Harness::setServiceConfigOption($sid, $opt, '8');
$r = Harness::moduleCommand('ChangePackage', $sid);
echo "ChangePackage: $r\n";
$r === 'success' || fail('ChangePackage');
for ($i = 1; $i <= 5; $i++) {
    puq_cron_tick(['mode' => 'standalone', 'argv' => ['--task=process_vms']]);
    $status = Harness::value('SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);
    if ($status === 'ready') {
        break;
    }
}
$status === 'ready' || fail("change package stopped at $status");
$c = Sim::vm((int) $vm['vm_id'])['config'];
echo "Proxmox:      cores={$c['cores']} memory={$c['memory']} MiB\n";
(string) $c['memory'] === '8192' || fail('memory was not changed');

step('TerminateAccount: returns at once; the cron stops and deletes the VM, then frees the IPs');
$t = microtime(true);
$r = Harness::moduleCommand('TerminateAccount', $sid);
printf("TerminateAccount: %s (%.0f ms)\n", $r, (microtime(true) - $t) * 1000);
$r === 'success' || fail('TerminateAccount');
for ($i = 1; $i <= 5; $i++) {
    puq_cron_tick(['mode' => 'standalone', 'argv' => ['--task=process_vms']]);
    $status = Harness::value('SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);
    if ($status === 'remove') {
        break;
    }
}
$status === 'remove' || fail("terminate stopped at $status");
Sim::vm((int) $vm['vm_id']) === null || fail('the VM is still in Proxmox');
$held = (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_ip_addresses WHERE service_id = ?', [$sid]);
echo "Proxmox:      VM {$vm['vm_id']} deleted; IP addresses still held: $held\n";
$held === 0 || fail('IPs are still allocated');

$requests = Sim::control('GET', 'requests')['data'];
$rejected = array_filter($requests, fn ($r) => (int) $r['status'] >= 400);
echo 'Proxmox API:  ' . count($requests) . ' requests in all, '
    . (count($rejected) === 0 ? 'none rejected' : count($rejected) . ' rejected') . "\n";
$emails = array_column(Harness::sentEmails(), 'messagename');
echo 'emails sent:  ' . implode(', ', $emails) . "\n";
echo "\nDemo complete: service #$sid was deployed, upgraded and terminated.\n";
exit(count($rejected) === 0 ? 0 : 1);
