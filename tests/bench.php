<?php
// Deploy benchmark against the Proxmox simulator: N VMs at once with a set
// per-call latency and realistic task durations, with W workers, plus a
// single-worker run in the same process for the speed-up. Prints figures;
// asserts nothing about time.
require __DIR__ . '/harness/bootstrap.php';
// Measured as a production WHMCS runs: Module Debug Logging off (the harness turns it on).
Harness::setConfig('ModuleDebugMode', '');
require __DIR__ . '/harness/Sim.php';
require __DIR__ . '/harness/Deploy.php';

$n = (int) (getenv('BENCH_VMS') ?: 200);
$workers = (int) (getenv('BENCH_WORKERS') ?: 32);
$latency = (int) (getenv('BENCH_LATENCY_MS') ?: 20);
$single = min($n, (int) (getenv('BENCH_SINGLE_VMS') ?: 10));
$tasks = ['qmclone' => 2000, 'resize' => 400, 'qmconfig' => 300, 'qmstart' => 800, 'qmshutdown' => 600,
    'qmstop' => 200, 'qmdestroy' => 500];

Deploy::setUp();
puq_ip_pool_create(['server_id' => Deploy::$server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => '10.20.0.1', 'mask' => '16', 'dns1' => '9.9.9.9', 'dns2' => '',
    'address_start' => '10.20.0.10', 'address_stop' => '10.20.255.250']);
$pid = Deploy::product(['node' => 'pve1', 'sys_size_gb' => '20', 'sys_iops_rd' => '1000', 'add_size_gb' => '10',
    'ipv4_count' => '1', 'dhcp_v4' => '', 'dhcp_v6' => '', 'bandwidth_mbs' => '100']);
Sim::control('POST', 'latency', ['ms' => $latency]);
Sim::control('POST', 'tasks', ['durations' => $tasks]);

function run(int $count, int $workers, int $pid): array
{
    puq_settings_save(['cron_workers' => (string) $workers]);
    $sids = [];
    for ($i = 0; $i < $count; $i++) {
        $sids[] = Deploy::order($pid);
    }
    Sim::control('DELETE', 'calls');
    $t = microtime(true);
    Deploy::cron();
    $wall = microtime(true) - $t;
    $ready = (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_vm_info WHERE vm_status = 'ready' AND service_id IN (" . implode(',', $sids) . ')');
    $calls = Sim::control('GET', 'calls')['data'];
    return ['wall' => $wall, 'ready' => $ready, 'calls' => $calls];
}

/** The task type each task-starting endpoint runs. */
const TASK_ENDPOINTS = [
    'POST /nodes/{node}/qemu/{vmid}/clone' => 'qmclone',
    'PUT /nodes/{node}/qemu/{vmid}/resize' => 'resize',
    'POST /nodes/{node}/qemu/{vmid}/config' => 'qmconfig',
    'POST /nodes/{node}/qemu/{vmid}/status/start' => 'qmstart',
    'POST /nodes/{node}/qemu/{vmid}/status/shutdown' => 'qmshutdown',
    'POST /nodes/{node}/qemu/{vmid}/status/stop' => 'qmstop',
    'DELETE /nodes/{node}/qemu/{vmid}' => 'qmdestroy',
];

/**
 * Critical path of one VM: the API calls it must make × latency (each task
 * counted with one status poll; further polls are the module's overhead) +
 * the time of the tasks it waits for.
 */
function critical(array $calls, int $count, int $latency, array $tasks): array
{
    $by = $calls['by_endpoint'];
    $perVm = $calls['total'] / $count;
    $polls = $by['GET /nodes/{node}/tasks/{upid}/status'] ?? 0;
    $taskCount = 0;
    $taskMs = 0;
    foreach (TASK_ENDPOINTS as $ep => $type) {
        $taskCount += $by[$ep] ?? 0;
        $taskMs += ($by[$ep] ?? 0) * ($tasks[$type] ?? 0);
    }
    $needed = ($calls['total'] - $polls + $taskCount) / $count;
    return [$perVm, ($needed * $latency + $taskMs / $count) / 1000, $polls / $count];
}

/** Runs the cron until every service is in $want (at most $max ticks); returns wall time and calls. */
function phase(array $sids, string $want, int $max = 5): array
{
    Sim::control('DELETE', 'calls');
    $t = microtime(true);
    for ($i = 0; $i < $max; $i++) {
        Deploy::cron();
        $done = (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_vm_info WHERE vm_status = ? AND service_id IN (" . implode(',', $sids) . ')', [$want]);
        if ($done === count($sids)) {
            break;
        }
    }
    return ['wall' => microtime(true) - $t, 'done' => $done, 'ticks' => $i + 1, 'calls' => Sim::control('GET', 'calls')['data']];
}

function report(string $what, array $r, int $n, int $workers, int $latency, array $tasks): void
{
    [$perVm, $path, $polls] = critical($r['calls'], $n, $latency, $tasks);
    $ideal = ceil($n / $workers) * $path;
    printf("\n%s: %d VMs in %.2f s over %d cron run(s), %d/%d done\n", $what, $n, $r['wall'], $r['ticks'], $r['done'], $n);
    printf("  Proxmox calls per VM:   %.1f (%.1f task-status polls)\n", $perVm, $polls);
    printf("  critical path per VM:   %.2f s; ideal wall %.2f s (ceil(N/W) x path); wall / ideal = %.3f\n", $path, $ideal, $r['wall'] / max($ideal, 0.001));
}

printf("Deploy benchmark: %d VMs, %d workers, %d ms per API call, tasks %s\n", $n, $workers, $latency, json_encode($tasks));
$one = run($single, 1, $pid);
[$callsOne, $pathOne] = critical($one['calls'], $single, $latency, $tasks);
$many = run($n, $workers, $pid);
[$callsMany, $path, $pollsMany] = critical($many['calls'], $n, $latency, $tasks);
$ideal = ceil($n / $workers) * $path;
printf("\n1 worker:   %3d VMs in %7.2f s  (%.2f s per VM; critical path %.2f s; ready %d/%d)\n", $single, $one['wall'], $one['wall'] / $single, $pathOne, $one['ready'], $single);
printf("%d workers: %3d VMs in %7.2f s  (ready %d/%d)\n", $workers, $n, $many['wall'], $many['ready'], $n);
printf("Proxmox API calls per VM:        %.1f (%.1f task-status polls)\n", $callsMany, $pollsMany);
$by = $many['calls']['by_endpoint'];
arsort($by);
foreach ($by as $ep => $c) {
    printf("    %5.1f  %s\n", $c / $n, $ep);
}
printf("critical path per VM:            %.2f s (needed calls x latency + task time)\n", $path);
printf("ideal wall with %d workers:      %.2f s (ceil(N/W) x critical path); wall / ideal = %.3f\n", $workers, $ideal, $many['wall'] / $ideal);
printf("module overhead:                 %.2f s total, %.1f ms per VM (wall - ideal)\n", $many['wall'] - $ideal, ($many['wall'] - $ideal) * 1000 / $n);
printf("single-worker overhead per VM:   %.1f ms (wall/VM - critical path)\n", ($one['wall'] / $single - $pathOne) * 1000);
printf("speed-up over 1 worker:          %.1fx (per-VM throughput)\n", ($one['wall'] / $single) / ($many['wall'] / $n));
// Change package over the same VMs: more CPU, RAM and a larger system disk.
$sids = array_map('intval', array_column(Harness::query("SELECT service_id FROM puqProxmoxKVM_vm_info WHERE vm_status = 'ready' ORDER BY service_id"), 'service_id'));
puq_product_settings_save($pid, ['cpu' => '2', 'ram_gb' => '2', 'sys_size_gb' => '30']);
$t = microtime(true);
foreach ($sids as $sid) {
    Harness::callServer('ChangePackage', $sid) === 'success' || exit(1);
}
$req = (microtime(true) - $t) / count($sids);
$cp = phase($sids, 'ready');
report('Change package', $cp, count($sids), $workers, $latency, $tasks);
printf("  ChangePackage request:  %.1f ms each\n", $req * 1000);

// Terminate over the same VMs.
$t = microtime(true);
foreach ($sids as $sid) {
    Harness::callServer('TerminateAccount', $sid) === 'success' || exit(1);
}
$req = (microtime(true) - $t) / count($sids);
$term = phase($sids, 'remove');
report('Terminate', $term, count($sids), $workers, $latency, $tasks);
printf("  TerminateAccount request: %.1f ms each (one fire-and-forget shutdown at %d ms latency)\n", $req * 1000, $latency);

printf("\npeak memory of the PHP process:  %.1f MB\n", memory_get_peak_usage(true) / 1048576);
$rss = 0;
foreach (file('/proc/self/status') as $l) {
    if (str_starts_with($l, 'VmHWM:')) {
        $rss = (int) preg_replace('/\D/', '', $l);
    }
}
printf("peak RSS (PHP + extension):      %.1f MB\n", $rss / 1024);
exit($many['ready'] === $n && $one['ready'] === $single && $cp['done'] === count($sids) && $term['done'] === count($sids) ? 0 : 1);
