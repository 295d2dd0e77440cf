<?php
// Cron benchmark (prints figures; asserts nothing about speed):
// Collect Statistics over BENCH_STATS_VMS (2000) VMs on 10 nodes, and a
// Schedule Backup pass over BENCH_BACKUP_VMS (500) due VMs, with
// BENCH_LATENCY_MS (20) per Proxmox call.
require __DIR__ . '/harness/bootstrap.php';
// Measured as a production WHMCS runs: Module Debug Logging off (the harness turns it on).
Harness::setConfig('ModuleDebugMode', '');
require __DIR__ . '/harness/Sim.php';

$nStats = (int) (getenv('BENCH_STATS_VMS') ?: 2000);
$nBackup = (int) (getenv('BENCH_BACKUP_VMS') ?: 500);
$latency = (int) (getenv('BENCH_LATENCY_MS') ?: 20);

Harness::callAddon('activate');
puq_settings_save(['cron_workers' => '16']);
$server = Sim::createServer();
$client = Harness::createClient();
$pid = Harness::createProduct(['name' => 'KVM bench']);
puq_product_settings_save($pid, ['os_template' => '9000', 'backups' => '2', 'backup_storage' => 'local']);

// Ten nodes, $nStats running VMs spread over them.
$nodes = [];
for ($i = 1; $i <= 10; $i++) {
    $nodes[] = ['name' => "pve$i"];
}
$vms = [];
for ($i = 0; $i < $nStats; $i++) {
    $vms[] = ['vmid' => 1000 + $i, 'node' => 'pve' . (1 + $i % 10), 'status' => 'running',
        'config' => ['name' => "bench-$i", 'memory' => '1024', 'cores' => '1', 'scsi0' => "local-lvm:vm-" . (1000 + $i) . "-disk-0,size=10G"]];
}
Sim::control('POST', 'seed', ['nodes' => $nodes, 'merge' => true]);
Sim::control('POST', 'seed', ['vms' => $vms, 'merge' => true]);
Sim::control('POST', 'seed', ['storages' => [['id' => 'local', 'type' => 'dir', 'content' => ['backup', 'iso', 'images'], 'total' => 1 << 50]], 'merge' => true]);

$pdo = Harness::pdo();
$pdo->beginTransaction();
$sids = [];
for ($i = 0; $i < $nStats; $i++) {
    $sid = Harness::createService($client, $pid, $server, ['domain' => "bench-$i.example.net"]);
    $sids[] = $sid;
    // Recorded node is pve1 for all: Collect Statistics must resolve the real one.
    Harness::exec('INSERT INTO puqProxmoxKVM_vm_info (service_id, server_id, vm_id, vm_name, node, vm_status, product_id, client_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [$sid, $server, 1000 + $i, "bench-$i", 'pve1', 'ready', $pid, $client]);
}
$pdo->commit();

function questions(): int
{
    return (int) Harness::row("SHOW GLOBAL STATUS LIKE 'Questions'")['Value'];
}

function measure(string $label, array $argv, int $n): void
{
    Sim::control('DELETE', 'calls');
    $q0 = questions();
    $t0 = microtime(true);
    ob_start();
    puq_cron_tick(['argv' => $argv]);
    $out = ob_get_clean();
    $wall = microtime(true) - $t0;
    $q = questions() - $q0;
    $calls = Sim::control('GET', 'calls')['data']['total'];
    preg_match('/Done \([0-9.]+s\) — (.*)/', $out, $m);
    printf("%-34s %d VMs  wall %.2f s  (%.1f ms/VM)\n", $label, $n, $wall, 1000 * $wall / max(1, $n));
    printf("%-34s Proxmox calls %d (%.2f/VM)  SQL queries %d (%.2f/VM)\n", '', $calls, $calls / max(1, $n), $q, $q / max(1, $n));
    printf("%-34s %s\n", '', $m[1] ?? trim($out));
}

Sim::control('POST', 'latency', ['ms' => $latency]);
echo "Cron benchmark: {$latency} ms per Proxmox call, 16 workers\n";
measure('Collect Statistics', ['--task=collect_statistics'], $nStats);
printf("%-34s rows stored %d; nodes re-resolved %d\n", '', (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_statistics'),
    (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_vm_info WHERE node <> 'pve1'"));

// Schedule Backup: $nBackup VMs due today; vzdump runs in the background.
Sim::control('POST', 'tasks', ['durations' => ['vzdump' => 600000]]);
$all = [];
foreach (['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as $d) {
    $all[$d] = ['enabled' => 'on', 'time' => '00:00'];
}
$pdo->beginTransaction();
foreach (array_slice($sids, 0, $nBackup) as $sid) {
    Harness::exec('INSERT INTO puqProxmoxKVM_backup_schedule (service_id, schedule) VALUES (?, ?)',
        [$sid, json_encode(['days' => array_values(array_map(fn ($d) => ['enabled' => true, 'time' => '00:00'], $all))])]);
}
$pdo->commit();
measure('Schedule Backup', ['--task=schedule_backup'], $nBackup);
printf("%-34s backups started %d\n", '', (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_operations WHERE status = 'running'"));

$ru = getrusage();
printf("Peak RSS (this PHP process with the extension): %.0f MB\n", $ru['ru_maxrss'] / 1024);
