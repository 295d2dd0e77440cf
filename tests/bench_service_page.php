<?php
// Admin service page benchmark: the page's data (puq_service_page: DB reads
// plus the Proxmox reads of the live panel) against one Proxmox round trip,
// with the simulator answering every request after 20 ms (BENCH_LATENCY_MS).
// One round trip is measured the same way: puq_service_chart makes exactly
// one Proxmox call. Prints figures; the aim is page <= 1.3 x one round trip.
//   PUQ_TEST_DB_PORT=… php -d extension=target/release/libpuq_proxmox_kvm.so tests/bench_service_page.php
require __DIR__ . '/harness/bootstrap.php';
// Measured as a production WHMCS runs: Module Debug Logging off (the harness turns it on).
Harness::setConfig('ModuleDebugMode', '');
require __DIR__ . '/harness/Sim.php';
require __DIR__ . '/harness/Deploy.php';

$latency = (int) (getenv('BENCH_LATENCY_MS') ?: 20);
$rounds = (int) (getenv('BENCH_ROUNDS') ?: 30);
Deploy::setUp();
$pid = Deploy::product(['add_size_gb' => '5']);
$sid = Deploy::order($pid);
for ($i = 0; $i < 5 && Deploy::status($sid) !== 'ready'; $i++) {
    Deploy::cron();
}
if (Deploy::status($sid) !== 'ready') {
    fwrite(STDERR, "the VM did not reach ready\n");
    exit(1);
}
Sim::control('POST', 'latency', ['ms' => $latency]);

function median(array $xs): float
{
    sort($xs);
    $n = count($xs);
    return $n % 2 ? $xs[intdiv($n, 2)] : ($xs[$n / 2 - 1] + $xs[$n / 2]) / 2;
}

// Warm both paths (TLS session, DB pool) before measuring.
puq_service_page($sid);
puq_service_chart($sid, 'hour');
$page = $live = $one = [];
$calls = 0;
for ($i = 0; $i < $rounds; $i++) {
    $t = microtime(true);
    $d = puq_service_page($sid);
    $page[] = (microtime(true) - $t) * 1000;
    $live[] = (float) $d['timing']['wall_ms'];
    $calls = (int) $d['timing']['calls'];
    $t = microtime(true);
    puq_service_chart($sid, 'hour');
    $one[] = (microtime(true) - $t) * 1000;
}
$mp = median($page);
$mo = median($one);
printf("service page data, simulator latency %d ms, %d rounds (medians)\n", $latency, $rounds);
printf("  one Proxmox round trip (puq_service_chart, 1 call): %7.1f ms\n", $mo);
printf("  service page data (puq_service_page, %d calls):     %7.1f ms   (live Proxmox part %.1f ms)\n", $calls, $mp, median($live));
printf("  ratio page / one round trip:                         %7.2f x  (aim <= 1.3)\n", $mp / $mo);
printf("  sequential calls would take about:                   %7.1f ms\n", $calls * $mo);
echo "OK\n";
