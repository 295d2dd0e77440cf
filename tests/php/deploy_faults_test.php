<?php
// Faults during deploy: each leaves the VM at its last completed step with
// the error recorded and shown, and the next tick resumes it.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();

// 1. Proxmox answers 500 on the clone once.
$pid = Deploy::product();
$sid = Deploy::order($pid);
Sim::control('POST', 'fault', ['method' => 'POST', 'path' => '/clone$', 'status' => 500, 'message' => 'storage backend exploded', 'count' => 1]);
$out = Deploy::cron();
assertSame('set_ip', Deploy::status($sid));
assertContains('storage backend exploded', Deploy::lastError($sid));
assertContains('--- Deploy paused: waiting at (set_ip) ---', $out);
assertContains('errors: 1', $out);
$run = Harness::row('SELECT result, error FROM puqProxmoxKVM_vm_runs WHERE service_id = ? ORDER BY id DESC LIMIT 1', [$sid]);
assertSame('error', $run['result']);
Deploy::cron();
assertSame('ready', Deploy::status($sid));
assertSame('', Deploy::lastError($sid));
assertSame(2, (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_vm_runs WHERE service_id = ?', [$sid]));

// 2. "VM is locked" (a backup holds the lock) while setting CPU & RAM, then released.
$sid = Deploy::order($pid);
Sim::control('POST', 'fault', ['method' => 'PUT', 'path' => '/config$', 'status' => 500, 'message' => 'VM is locked (backup)', 'count' => 1]);
$out = Deploy::cron();
assertSame('migrated', Deploy::status($sid));
// A lock is a wait-and-retry, not an error: the run waits, the reason is in its log.
assertContains('waiting: the VM is locked in Proxmox (', $out);
assertContains('errors: 0', $out);
// …and the wait is on the record, never silent (issue 20): what Proxmox answered, since when.
assertTrue(preg_match('~^Waiting since .+ \(0 min\): the VM is locked in Proxmox \(.*VM is locked \(backup\)~', Deploy::lastError($sid)) === 1, Deploy::lastError($sid));
$run = Harness::row('SELECT result, error FROM puqProxmoxKVM_vm_runs WHERE service_id = ? ORDER BY id DESC LIMIT 1', [$sid]);
assertSame('waiting', $run['result']);
assertContains('VM is locked (backup)', $run['error']);
Deploy::cron();
assertSame('ready', Deploy::status($sid));

// 3. A real lock on the VM in the simulator (not an injected answer).
$sid = Deploy::order($pid);
Sim::control('POST', 'fault', ['method' => 'POST', 'path' => '/status/start$', 'status' => 500, 'message' => 'paused for the test', 'count' => 1]);
Deploy::cron();
assertSame('set_cloudinit', Deploy::status($sid));
Sim::control('POST', 'lock', ['vmid' => Deploy::vmid($sid), 'lock' => 'backup']);
$runsBefore = (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_vm_runs WHERE service_id = ?', [$sid]);
Deploy::cron();
Deploy::cron();
Deploy::cron();
assertSame('set_cloudinit', Deploy::status($sid));
// Logged once: three ticks waiting on the same lock are one run, repeated.
$run = Harness::row('SELECT result, error, repeats FROM puqProxmoxKVM_vm_runs WHERE service_id = ? ORDER BY id DESC LIMIT 1', [$sid]);
assertSame('waiting', $run['result']);
assertContains('VM is locked (backup)', $run['error']);
assertSame(3, (int) $run['repeats']);
assertSame($runsBefore + 1, (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_vm_runs WHERE service_id = ?', [$sid]));
Sim::control('POST', 'lock', ['vmid' => Deploy::vmid($sid), 'lock' => null]);
Deploy::cron();
assertSame('ready', Deploy::status($sid));

// 4. Proxmox rejects a parameter: a full clone to a storage that was removed
//    after the order was accepted.
$bad = Deploy::product(['clone_type' => 'full', 'sys_storage' => 'local-lvm']);
$sid = Deploy::order($bad);
puq_product_settings_save($bad, ['sys_storage' => 'nosuchstore']);
Deploy::cron();
assertSame('set_ip', Deploy::status($sid));
assertContains('nosuchstore', Deploy::lastError($sid));
// The operator fixes the product; the next tick goes on.
puq_product_settings_save($bad, ['sys_storage' => 'local-lvm']);
Deploy::cron();
assertSame('ready', Deploy::status($sid));

// 5. A timeout after the clone request was sent: the retry finds its own VM
//    and does not clone twice.
puq_settings_save(['heavy_timeout' => '1']);
$sid = Deploy::order($pid);
Sim::control('DELETE', 'calls');
Sim::control('POST', 'latency', ['rules' => [['method' => 'POST', 'path' => '/clone$', 'ms' => 1500]]]);
Deploy::cron();
assertSame('set_ip', Deploy::status($sid));
assertContains('timed out', Deploy::lastError($sid));
Sim::control('DELETE', 'latency');
// The simulator applies the clone when the delayed request is handled (1.5 s
// after it was sent); wait well past that.
usleep(1500000);
puq_settings_save(['heavy_timeout' => '60']);
Deploy::cron();
assertSame('ready', Deploy::status($sid));
assertSame(1, Deploy::calls('POST /nodes/{node}/qemu/{vmid}/clone'), 'cloned exactly once');

// 5b. A clone task longer than the Heavy Operations Timeout: the run waits
//     (no error), the next run resumes polling the same task.
puq_settings_save(['heavy_timeout' => '1']);
Sim::control('POST', 'tasks', ['durations' => ['qmclone' => 2500]]);
Sim::control('DELETE', 'calls');
$sid = Deploy::order($pid);
$out = Deploy::cron();
assertSame('set_ip', Deploy::status($sid));
assertContains('is still running; resuming next run', $out);
assertContains('errors: 0', $out);
usleep(2000000);
puq_settings_save(['heavy_timeout' => '60']);
Sim::control('POST', 'tasks', ['durations' => ['qmclone' => 300]]);
Deploy::cron();
assertSame('ready', Deploy::status($sid));
assertSame(1, Deploy::calls('POST /nodes/{node}/qemu/{vmid}/clone'), 'the long clone was not repeated');

// 6. No free IP: one address for two services.
$ipPid = Deploy::product(['ipv4_count' => '1', 'dhcp_v4' => '', 'dhcp_v6' => '', 'fw_policy_in' => 'DROP',
    'fw_log_in' => 'info', 'fw_radv' => 'on', 'fw_ipfilter' => 'on', 'fw_macfilter' => '']);
puq_ip_pool_create(['server_id' => Deploy::$server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => '198.51.100.1', 'mask' => '24', 'dns1' => '9.9.9.9', 'dns2' => '',
    'address_start' => '198.51.100.5', 'address_stop' => '198.51.100.5']);
$a = Deploy::order($ipPid);
$b = Deploy::order($ipPid);
$o6 = Deploy::cron();
// The two run in parallel: exactly one gets the address.
if (Deploy::status($b) === 'ready') {
    [$a, $b] = [$b, $a];
}
assertSame('ready', Deploy::status($a), $o6);
assertSame('creation', Deploy::status($b));
assertContains('no free IPv4 address', Deploy::lastError($b));
$vm = Sim::vm(Deploy::vmid($a));
assertSame('ip=198.51.100.5/24,gw=198.51.100.1', $vm['config']['ipconfig0']);
assertContains('firewall=1', $vm['config']['net0']);
// Firewall: the product's options and policies, and the anti-spoofing ipset
// holding exactly the allocated address.
$o = $vm['firewall']['options'];
assertSame(['dhcp' => 1, 'enable' => 1, 'ipfilter' => 1, 'log_level_in' => 'info', 'log_level_out' => 'nolog',
    'macfilter' => 0, 'ndp' => 1, 'policy_in' => 'DROP', 'policy_out' => 'ACCEPT', 'radv' => 1], $o);
assertSame(['198.51.100.5'], array_column($vm['firewall']['ipsets']['ipfilter-net0']['entries'], 'cidr'));

// 6b. Auto bridge/VLAN: the NIC follows the pool the address came from;
//     with it off, only pools on the product's bridge/VLAN are used.
$srv2 = Sim::createServer(['name' => 'pve-sim-2']);
puq_ip_pool_create(['server_id' => $srv2, 'type' => 'IPv4', 'bridge' => 'vmbr5', 'vlan' => '20',
    'gateway' => '10.55.0.1', 'mask' => '24', 'dns1' => '9.9.9.9', 'dns2' => '',
    'address_start' => '10.55.0.10', 'address_stop' => '10.55.0.20']);
$auto = Deploy::product(['ipv4_count' => '1', 'dhcp_v4' => '', 'dhcp_v6' => '', 'bridge' => 'vmbr0', 'vlan' => '0']);
$sid = Harness::createService(Deploy::$client, $auto, $srv2);
assertSame('success', Harness::callServer('CreateAccount', $sid));
Deploy::cron();
assertSame('ready', Deploy::status($sid));
$net = Sim::vm(Deploy::vmid($sid))['config']['net0'];
assertContains('bridge=vmbr5', $net);
assertContains('tag=20', $net);
$manual = Deploy::product(['ipv4_count' => '1', 'dhcp_v4' => '', 'dhcp_v6' => '', 'bridge' => 'vmbr0', 'vlan' => '0', 'auto_bridge_vlan' => '']);
$sid = Harness::createService(Deploy::$client, $manual, $srv2);
assertSame('success', Harness::callServer('CreateAccount', $sid));
Deploy::cron();
assertSame('creation', Deploy::status($sid));
assertContains('bridge vmbr0', Deploy::lastError($sid));

// 7. The template vanished between the order and the deploy: PVE's 500 is recorded.
$sid = Deploy::order($pid);
Sim::control('POST', 'fault', ['method' => 'POST', 'path' => '/qemu/9000/clone$', 'status' => 500,
    'message' => "Configuration file 'nodes/pve1/qemu-server/9000.conf' does not exist", 'count' => 1]);
Deploy::cron();
assertSame('set_ip', Deploy::status($sid));
assertContains('9000.conf', Deploy::lastError($sid));

// 8a. Someone created a VM with the reserved VMID after the order: the
//     service moves to the next free VMID; the other VM is left alone.
$sid = Deploy::order($pid);
$reserved = Deploy::vmid($sid);
Sim::control('POST', 'seed', ['merge' => true, 'vms' => [['vmid' => $reserved, 'node' => 'pve1', 'config' => ['name' => 'intruder', 'memory' => 512]]]]);
Deploy::cron();
assertSame('ready', Deploy::status($sid));
assertTrue(Deploy::vmid($sid) > $reserved);
assertSame('intruder', Sim::vm($reserved)['config']['name']);
assertSame('running', Sim::vm(Deploy::vmid($sid))['status']);

// 8. A migration longer than the Migration Timeout pauses and resumes on
//    the next run, polling the same task (one migration, not two).
puq_settings_save(['migration_timeout' => '1']);
Sim::control('POST', 'tasks', ['durations' => ['qmigrate' => 2500]]);
Sim::control('DELETE', 'calls');
$mig = Deploy::product(['node' => 'pve2']);
$sid = Deploy::order($mig);
$out = Deploy::cron();
assertSame('set_dns', Deploy::status($sid));
assertContains('migration still running', $out);
assertContains('--- Deploy paused: waiting at (set_dns) ---', $out);
usleep(2000000);
Deploy::cron();
assertSame('ready', Deploy::status($sid));
assertSame('pve2', Sim::vm(Deploy::vmid($sid))['node']);
assertSame(1, Deploy::calls('POST /nodes/{node}/qemu/{vmid}/migrate'));
puq_settings_save(['migration_timeout' => '300']);

// 8a'. Target node "automatically": the node with the most free RAM.
Sim::control('POST', 'seed', ['merge' => true, 'nodes' => [['name' => 'pve1', 'maxmem' => 68719476736, 'mem' => 64424509440]]]);
$sid = Deploy::order($pid);
Deploy::cron();
assertSame('ready', Deploy::status($sid));
assertSame('pve2', Sim::vm(Deploy::vmid($sid))['node']);
Sim::control('POST', 'seed', ['merge' => true, 'nodes' => [['name' => 'pve1', 'maxmem' => 68719476736, 'mem' => 8589934592]]]);

// 8b. Verify running waits up to 5 runs for the guest, then reports an error
//     (and keeps checking: there is no retry limit).
$sid = Deploy::order($pid);
Deploy::cron();
assertSame('ready', Deploy::status($sid));
Harness::exec("UPDATE puqProxmoxKVM_vm_info SET vm_status = 'starting' WHERE service_id = ?", [$sid]);
Sim::control('POST', 'vm', ['vmid' => Deploy::vmid($sid), 'status' => 'stopped']);
for ($i = 1; $i <= 4; $i++) {
    $out = Deploy::cron();
    assertContains("(check $i/5)", $out);
    assertSame('starting', Deploy::status($sid));
}
$out = Deploy::cron();
assertContains('not running, after 5 checks', Deploy::lastError($sid));
assertMatches("/sid:$sid action:deploy .*not running, after 5 checks \\(starting -> ready\\)/", $out);
Sim::control('POST', 'vm', ['vmid' => Deploy::vmid($sid), 'status' => 'running']);
Deploy::cron();
assertSame('ready', Deploy::status($sid));

// 9. The run log keeps the last 50 runs per VM.
$sid = Deploy::order($pid);
for ($i = 0; $i < 55; $i++) {
    Harness::exec("INSERT INTO puqProxmoxKVM_vm_runs (service_id, action, result, started_at, finished_at, steps) VALUES (?, 'deploy', 'error', 0, 0, '[]')", [$sid]);
}
Deploy::cron();
assertSame(50, (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_vm_runs WHERE service_id = ?', [$sid]));
$last = Harness::row('SELECT result, steps FROM puqProxmoxKVM_vm_runs WHERE service_id = ? ORDER BY id DESC LIMIT 1', [$sid]);
assertSame('success', $last['result']);
$steps = json_decode($last['steps'], true);
assertSame(15, count($steps));
$keys = array_keys($steps[1]);
sort($keys);
assertSame(['dur', 'from', 'n', 'result', 'skip', 'step', 'time', 'to'], $keys);
assertSame(false, $steps[1]['skip']);
assertSame('Clone VM', $steps[1]['step']);
assertSame('set_ip', $steps[1]['from']);
assertSame('clone', $steps[1]['to']);

echo "OK\n";
