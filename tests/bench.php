<?php
// Deploy benchmark against the Proxmox simulator: N VMs at once with a set
// per-call latency and realistic task durations, with W workers, plus a
// single-worker run in the same process for the speed-up. Prints figures;
// asserts nothing about time.
require __DIR__ . '/harness/bootstrap.php';
require __DIR__ . '/harness/Sim.php';
require __DIR__ . '/harness/Deploy.php';

$n = (int) (getenv('BENCH_VMS') ?: 200);
$workers = (int) (getenv('BENCH_WORKERS') ?: 32);
$latency = (int) (getenv('BENCH_LATENCY_MS') ?: 20);
$single = min($n, (int) (getenv('BENCH_SINGLE_VMS') ?: 10));
$tasks = ['qmclone' => 2000, 'resize' => 400, 'qmconfig' => 300, 'qmstart' => 800];

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
    $taskCount = ($by['POST /nodes/{node}/qemu/{vmid}/clone'] ?? 0) + ($by['PUT /nodes/{node}/qemu/{vmid}/resize'] ?? 0)
        + ($by['POST /nodes/{node}/qemu/{vmid}/config'] ?? 0) + ($by['POST /nodes/{node}/qemu/{vmid}/status/start'] ?? 0);
    $needed = ($calls['total'] - $polls + $taskCount) / $count;
    $taskMs = (($by['POST /nodes/{node}/qemu/{vmid}/clone'] ?? 0) * $tasks['qmclone']
        + ($by['PUT /nodes/{node}/qemu/{vmid}/resize'] ?? 0) * $tasks['resize']
        + ($by['POST /nodes/{node}/qemu/{vmid}/config'] ?? 0) * $tasks['qmconfig']
        + ($by['POST /nodes/{node}/qemu/{vmid}/status/start'] ?? 0) * $tasks['qmstart']) / $count;
    return [$perVm, ($needed * $latency + $taskMs) / 1000];
}

printf("Deploy benchmark: %d VMs, %d workers, %d ms per API call, tasks %s\n", $n, $workers, $latency, json_encode($tasks));
$one = run($single, 1, $pid);
[$callsOne, $pathOne] = critical($one['calls'], $single, $latency, $tasks);
$many = run($n, $workers, $pid);
[$callsMany, $path] = critical($many['calls'], $n, $latency, $tasks);
$ideal = ceil($n / $workers) * $path;
printf("\n1 worker:   %3d VMs in %7.2f s  (%.2f s per VM; critical path %.2f s; ready %d/%d)\n", $single, $one['wall'], $one['wall'] / $single, $pathOne, $one['ready'], $single);
printf("%d workers: %3d VMs in %7.2f s  (ready %d/%d)\n", $workers, $n, $many['wall'], $many['ready'], $n);
printf("Proxmox API calls per VM:        %.1f\n", $callsMany);
$by = $many['calls']['by_endpoint'];
arsort($by);
foreach ($by as $ep => $c) {
    printf("    %5.1f  %s\n", $c / $n, $ep);
}
printf("critical path per VM:            %.2f s (needed calls x latency + task time)\n", $path);
printf("ideal wall with %d workers:      %.2f s (ceil(N/W) x critical path)\n", $workers, $ideal);
printf("module overhead:                 %.2f s total, %.1f ms per VM (wall - ideal)\n", $many['wall'] - $ideal, ($many['wall'] - $ideal) * 1000 / $n);
printf("single-worker overhead per VM:   %.1f ms (wall/VM - critical path)\n", ($one['wall'] / $single - $pathOne) * 1000);
printf("speed-up over 1 worker:          %.1fx (per-VM throughput)\n", ($one['wall'] / $single) / ($many['wall'] / $n));
printf("peak memory of the PHP process:  %.1f MB\n", memory_get_peak_usage(true) / 1048576);
$rss = 0;
foreach (file('/proc/self/status') as $l) {
    if (str_starts_with($l, 'VmHWM:')) {
        $rss = (int) preg_replace('/\D/', '', $l);
    }
}
printf("peak RSS (PHP + extension):      %.1f MB\n", $rss / 1024);
exit($many['ready'] === $n && $one['ready'] === $single ? 0 : 1);
