<?php
// A cron runner killed (SIGKILL) at arbitrary points, and several runners at
// once: nothing is cloned twice, no VMID leaks, every VM reaches ready.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();
$pid = Deploy::product(['sys_size_gb' => '8', 'add_size_gb' => '4', 'ipv4_count' => '1', 'dhcp_v4' => '', 'dhcp_v6' => '']);
puq_ip_pool_create(['server_id' => Deploy::$server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => '203.0.113.1', 'mask' => '24', 'dns1' => '9.9.9.9', 'dns2' => '',
    'address_start' => '203.0.113.10', 'address_stop' => '203.0.113.250']);
Sim::control('POST', 'latency', ['ms' => 30]);
Sim::control('POST', 'tasks', ['durations' => ['qmclone' => 1200, 'qmstart' => 300, 'resize' => 200]]);
Sim::control('DELETE', 'calls');

/** Runs a child cron and kills it with SIGKILL after $ms milliseconds (0 = let it finish). */
function runChild(int $ms): string
{
    $p = proc_open(Deploy::cronCommand(), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    if ($ms > 0) {
        usleep($ms * 1000);
        proc_terminate($p, 9);
    }
    $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
    proc_close($p);
    return $out;
}

// Parallel CreateAccount calls (two web nodes accepting orders) reserve
// distinct VMIDs.
$sids = [];
$procs = [];
for ($i = 0; $i < 4; $i++) {
    $sid = Harness::createService(Deploy::$client, $pid, Deploy::$server);
    $sids[] = $sid;
    $procs[] = proc_open(Deploy::childCommand("echo Harness::callServer('CreateAccount', $sid);"), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    $outs[] = $pipes[1];
}
foreach ($procs as $i => $p) {
    assertSame('success', trim(stream_get_contents($outs[$i])));
    proc_close($p);
}
$reserved = array_column(Harness::query('SELECT vm_id FROM puqProxmoxKVM_vm_info'), 'vm_id');
assertSame(4, count(array_unique($reserved)), 'distinct VMIDs: ' . implode(',', $reserved));
$outs = [];

// Kill-at-random-points rounds.
$seen = [];
foreach ([150, 400, 700, 1000, 1400, 250, 900, 1800] as $ms) {
    runChild($ms);
    foreach (Harness::query('SELECT vm_status FROM puqProxmoxKVM_vm_info') as $r) {
        $seen[$r['vm_status']] = true;
    }
}
// The kills landed mid-pipeline (not only before or after the work).
assertTrue(count(array_diff(array_keys($seen), ['creation', 'ready'])) >= 1, 'intermediate states seen: ' . implode(',', array_keys($seen)));
for ($i = 0; $i < 6; $i++) {
    runChild(0);
    $left = (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_vm_info WHERE vm_status <> 'ready'");
    if ($left === 0) {
        break;
    }
}
assertSame(0, $left, 'every VM reached ready after the kills');

// Several runners at once on fresh orders.
for ($i = 0; $i < 6; $i++) {
    $sids[] = Deploy::order($pid);
}
$procs = [];
for ($i = 0; $i < 3; $i++) {
    $procs[] = proc_open(Deploy::cronCommand(), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    $outs[] = $pipes[1];
}
$all = '';
foreach ($procs as $i => $p) {
    $all .= stream_get_contents($outs[$i]);
    proc_close($p);
}
for ($i = 0; $i < 5 && (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_vm_info WHERE vm_status <> 'ready'") > 0; $i++) {
    $all .= runChild(0);
}
foreach (array_slice($sids, 4) as $sid) {
    assertSame('ready', Deploy::status($sid));
    assertSame(1, substr_count($all, "--- Deploy complete: service=$sid status=ready"), "service $sid completed once");
}

// Exactly one clone per VM, every VM in Proxmox belongs to a service, VMIDs and IPs are unique.
assertSame(count($sids), Deploy::calls('POST /nodes/{node}/qemu/{vmid}/clone'), 'one clone per VM');
$vmids = array_map('intval', array_column(Harness::query('SELECT vm_id FROM puqProxmoxKVM_vm_info'), 'vm_id'));
assertSame(count($sids), count(array_unique($vmids)));
$inSim = array_map('intval', array_keys(Sim::state()['vms']));
sort($inSim);
$expected = array_merge([9000, 9001, 9002], $vmids);
sort($expected);
assertSame($expected, $inSim, 'no leaked or missing VMs');
foreach ($vmids as $v) {
    assertSame('running', Sim::vm($v)['status']);
}
$ips = array_column(Harness::query('SELECT dedicatedip FROM tblhosting WHERE id IN (' . implode(',', $sids) . ')'), 'dedicatedip');
assertSame(count($sids), count(array_unique(array_filter($ips))));

echo "OK\n";
