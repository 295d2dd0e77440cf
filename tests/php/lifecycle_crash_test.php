<?php
// Cron runners killed (SIGKILL) at random points of change package,
// terminate and reinstall, and two runners at once: every service still
// reaches its final state, with no duplicate clone, no orphan VM and no IP
// held twice. Also: a terminate during each phase of a deploy, including
// while the clone task is still running, leaves no VM and no IP behind.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();
puq_settings_save(['stop_timeout' => '5', 'force_stop_timeout' => '5', 'heavy_timeout' => '3']);
$pid = Deploy::product(['sys_size_gb' => '8', 'add_size_gb' => '4', 'ipv4_count' => '1', 'dhcp_v4' => '', 'dhcp_v6' => '']);
puq_ip_pool_create(['server_id' => Deploy::$server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => '203.0.113.1', 'mask' => '24', 'dns1' => '9.9.9.9', 'dns2' => '',
    'address_start' => '203.0.113.10', 'address_stop' => '203.0.113.250']);
Sim::control('POST', 'latency', ['ms' => 20]);
Sim::control('POST', 'tasks', ['durations' => ['qmclone' => 900, 'qmstart' => 300, 'resize' => 200, 'qmshutdown' => 400, 'qmdestroy' => 300]]);

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

function settle(array $want, int $max = 10): void
{
    for ($i = 0; $i < $max; $i++) {
        $bad = [];
        foreach ($want as $sid => $status) {
            if (Deploy::status($sid) !== $status) {
                $bad[] = "$sid:" . Deploy::status($sid);
            }
        }
        if ($bad === []) {
            return;
        }
        runChild(0);
    }
    throw new RuntimeException("not settled: " . implode(", ", $bad) . " " . json_encode(Harness::query("SELECT service_id, vm_status, last_error FROM puqProxmoxKVM_vm_info WHERE last_error IS NOT NULL")));
}

/** Every VM in Proxmox belongs to a live service; no address is held twice or by a removed service. */
function checkInvariants(): void
{
    $live = array_map('intval', array_column(Harness::query("SELECT vm_id FROM puqProxmoxKVM_vm_info WHERE vm_id IS NOT NULL AND vm_status <> 'remove'"), 'vm_id'));
    $inSim = array_map('intval', array_keys(Sim::state()['vms']));
    $inSim = array_values(array_diff($inSim, [9000, 9001, 9002]));
    sort($inSim);
    sort($live);
    assertSame($live, $inSim, 'no orphan VM in Proxmox, none missing');
    assertSame(0, (int) Harness::value('SELECT COUNT(*) FROM (SELECT address FROM puqProxmoxKVM_ip_addresses GROUP BY server_id, address HAVING COUNT(*) > 1) d'));
    assertSame(0, (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_ip_addresses a JOIN puqProxmoxKVM_vm_info v ON v.service_id = a.service_id WHERE v.vm_status = 'remove'"), 'removed services hold no IP');
}

// Six VMs to ready.
$sids = [];
for ($i = 0; $i < 6; $i++) {
    $sids[] = Deploy::order($pid);
}
settle(array_fill_keys($sids, 'ready'));
$clonesBefore = Deploy::calls('POST /nodes/{node}/qemu/{vmid}/clone');

// Change package on two, terminate two, reinstall two — all at once, with kills.
puq_product_settings_save($pid, ['cpu' => '2', 'ram_gb' => '2', 'sys_size_gb' => '12']);
[$c1, $c2, $t1, $t2, $r1, $r2] = $sids;
foreach ([$c1, $c2] as $s) {
    assertSame('success', Harness::callServer('ChangePackage', $s));
}
foreach ([$t1, $t2] as $s) {
    assertSame('success', Harness::moduleCommand('TerminateAccount', $s));
}
$vmidsReinstall = [$r1 => Deploy::vmid($r1), $r2 => Deploy::vmid($r2)];
$ipsReinstall = [];
foreach ([$r1, $r2] as $s) {
    $ipsReinstall[$s] = Harness::value('SELECT address FROM puqProxmoxKVM_ip_addresses WHERE service_id = ?', [$s]);
    assertTrue(puq_reinstall($s, 0));
}
$seen = [];
foreach ([120, 350, 600, 900, 250, 1300, 500, 800] as $ms) {
    runChild($ms);
    foreach (Harness::query('SELECT vm_status FROM puqProxmoxKVM_vm_info') as $r) {
        $seen[$r['vm_status']] = true;
    }
}
settle([$c1 => 'ready', $c2 => 'ready', $t1 => 'remove', $t2 => 'remove', $r1 => 'ready', $r2 => 'ready']);
checkInvariants();
foreach ([$c1, $c2] as $s) {
    $c = Sim::vm(Deploy::vmid($s))['config'];
    assertSame('2', (string) $c['cores']);
    assertSame('2048', (string) $c['memory']);
}
foreach ([$r1, $r2] as $s) {
    assertSame($vmidsReinstall[$s], Deploy::vmid($s), 'reinstall keeps the VMID');
    assertSame($ipsReinstall[$s], Harness::value('SELECT address FROM puqProxmoxKVM_ip_addresses WHERE service_id = ?', [$s]), 'and the IP');
    assertSame('running', Sim::vm(Deploy::vmid($s))['status']);
}
// Exactly one fresh clone per reinstall, none for the others.
assertSame($clonesBefore + 2, Deploy::calls('POST /nodes/{node}/qemu/{vmid}/clone'), 'one clone per reinstall');

// Terminate during each deploy phase: after CreateAccount, mid-clone (task
// still running in Proxmox), after the clone, and while a kill interrupts it.
Sim::control('POST', 'tasks', ['durations' => ['qmclone' => 4000]]);
$a = Deploy::order($pid);                       // never processed: still `creation`
$b = Deploy::order($pid);                       // clone task running when terminated
$out = Deploy::cron();                          // heavy timeout 3 s < clone 4 s: waits
assertSame('set_ip', Deploy::status($b));
assertTrue((string) Harness::value('SELECT task_upid FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$b]) !== '', 'the clone task is recorded');
assertSame('success', Harness::moduleCommand('TerminateAccount', $a));
assertSame('success', Harness::moduleCommand('TerminateAccount', $b));
$out = Deploy::cron();
assertContains('task UPID:', $out);          // the terminate waits for the clone to end
assertSame('terminate', Deploy::status($b));
Sim::control('POST', 'tasks', ['durations' => ['qmclone' => 900]]);
settle([$a => 'remove', $b => 'remove']);
checkInvariants();
$c = Deploy::order($pid);
for ($i = 0; $i < 15 && !in_array(Deploy::status($c), ['set_cpu_ram', 'set_system_disk_size', 'set_network', 'set_cloudinit', 'starting', 'ready'], true); $i++) {
    runChild(400);
}
assertSame('success', Harness::moduleCommand('TerminateAccount', $c));
runChild(300);
settle([$c => 'remove']);
checkInvariants();

// Two runners at once over a mixed queue: each service processed once per state.
$d = [];
for ($i = 0; $i < 4; $i++) {
    $d[] = Deploy::order($pid);
}
settle(array_fill_keys($d, 'ready'));
assertSame('success', Harness::callServer('ChangePackage', $d[0]));
assertSame('success', Harness::moduleCommand('TerminateAccount', $d[1]));
assertTrue(puq_reinstall($d[2], 0));
$procs = [];
$pipesOut = [];
for ($i = 0; $i < 2; $i++) {
    $procs[] = proc_open(Deploy::cronCommand(), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    $pipesOut[] = $pipes[1];
}
$all = '';
foreach ($procs as $i => $p) {
    $all .= stream_get_contents($pipesOut[$i]);
    proc_close($p);
}
settle([$d[0] => 'ready', $d[1] => 'remove', $d[2] => 'ready', $d[3] => 'ready']);
assertTrue(substr_count($all, "--- Terminate complete: service={$d[1]}") <= 1, 'terminated once');
checkInvariants();

echo "OK\n";
