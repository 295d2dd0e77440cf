<?php
// Collect Statistics against the simulator's rrddata, then what WHMCS bills
// from it: the MetricProvider (Bandwidth Usage In / Out, GB, monthly, only
// with Metric Billing on) and UsageUpdate (tblhosting usage columns).
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';
require __DIR__ . '/../harness/whmcs_usage_billing.php';

Deploy::setUp();
$billed = Deploy::product(['metric_billing' => 'on']);
$unbilled = Deploy::product(['metric_billing' => 'off']);
$a = Deploy::order($billed);
$b = Deploy::order($unbilled);
for ($i = 0; $i < 5 && (Deploy::status($a) !== 'ready' || Deploy::status($b) !== 'ready'); $i++) {
    Deploy::cron();
}
assertSame('ready', Deploy::status($a));
$pending = Deploy::order($billed); // not deployed yet: skipped, no error
Harness::update('tblhosting', ['domain' => 'a.example.net'], ['id' => $a]);

// The admin moved VM a to pve2 behind the module's back.
Sim::control('POST', 'vm', ['vmid' => Deploy::vmid($a), 'node' => 'pve2']);

/** rrddata straight from the simulator's API, as Proxmox reports it. */
function rrd(int $vmid, string $node): array
{
    $ctx = stream_context_create(['http' => ['header' => 'Authorization: PVEAPIToken=' . Sim::TOKEN_ID . '=' . Sim::TOKEN_SECRET]]);
    $url = 'http://127.0.0.1:' . Sim::httpPort() . "/api2/json/nodes/$node/qemu/$vmid/rrddata?timeframe=day&cf=AVERAGE";
    return json_decode(file_get_contents($url, false, $ctx), true)['data'];
}

/** Expected bytes per hour: rate × step, into the hour each point starts in. */
function hours(array $points): array
{
    $out = [];
    $step = $points[1]['time'] - $points[0]['time'];
    foreach ($points as $p) {
        if (!isset($p['netin']) && !isset($p['netout'])) {
            continue;
        }
        $h = intdiv($p['time'], 3600) * 3600;
        $out[$h][0] = ($out[$h][0] ?? 0) + ($p['netin'] ?? 0) * $step;
        $out[$h][1] = ($out[$h][1] ?? 0) + ($p['netout'] ?? 0) * $step;
    }
    return array_map(fn ($v) => [(int) round($v[0]), (int) round($v[1])], $out);
}

Harness::insert('puqProxmoxKVM_statistics', ['service_id' => $a, 'hour' => time() - 401 * 86400, 'net_in' => 5, 'net_out' => 5]);
do {
    $before = rrd(Deploy::vmid($a), 'pve2');
    ob_start();
    puq_cron_tick(['argv' => ['--task=collectingStatistics']]);
    $out = ob_get_clean();
    $after = rrd(Deploy::vmid($a), 'pve2');
} while ($before !== $after); // a new RRD step began meanwhile: measure again
assertContains('VMs: 2, not deployed: 1, node unknown: 0', $out);
assertContains('errors: 0', $out);
// The current node was resolved (one cluster/resources call) and recorded.
assertSame('pve2', Harness::value('SELECT node FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$a]));
assertSame(0, (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_statistics WHERE service_id = ?', [$pending]));
// Retention: the 401-day-old row is gone.
assertSame(0, (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_statistics WHERE hour < ?', [time() - 400 * 86400]));

$want = hours($after);
$got = [];
foreach (Harness::query('SELECT hour, net_in, net_out FROM puqProxmoxKVM_statistics WHERE service_id = ? ORDER BY hour', [$a]) as $r) {
    $got[(int) $r['hour']] = [(int) $r['net_in'], (int) $r['net_out']];
}
ksort($want);
assertSame($want, $got);
assertTrue(array_sum(array_column($got, 0)) > 0, 'traffic was recorded');

// Metric values: this month's sums, in GB (1024^3), only for Metric Billing products.
$monthStart = mktime(0, 0, 0, (int) date('n'), 1, (int) date('Y'));
$in = 0;
$outB = 0;
foreach ($got as $h => [$i, $o]) {
    if ($h >= $monthStart) {
        $in += $i;
        $outB += $o;
    }
}
$params = Harness::serverParams(Deploy::$server);
$usage = puq_metric_usage($params);
assertSame([(string) $a, (string) $pending], array_map('strval', array_keys($usage)), 'only the billed product');
assertSame([0, 0], [$usage[$pending]['bytes_in'], $usage[$pending]['bytes_out']]);
assertSame($in, $usage[$a]['bytes_in']);
assertSame($outB, $usage[$a]['bytes_out']);
assertSame(round($in / 1073741824, 3), (float) $usage[$a]['bandwidth_in']);
assertSame('a.example.net', $usage[$a]['tenant']);

// The server module's MetricProvider wraps them for WHMCS.
Harness::loadServerModule();
$provider = puqProxmoxKVM_MetricProvider($params);
$names = array_map(fn ($m) => [$m->systemName(), $m->displayName(), $m->type(), $m->units()->name()], $provider->metrics());
assertSame([['bandwidth_in', 'Bandwidth Usage In', 'month', 'GB'], ['bandwidth_out', 'Bandwidth Usage Out', 'month', 'GB']], $names);
$t = $provider->tenantUsage('a.example.net');
assertSame((float) $usage[$a]['bandwidth_in'], (float) $t[0]->usage()->value());
assertSame((float) $usage[$a]['bandwidth_out'], (float) $t[1]->usage()->value());
assertSame([], $provider->tenantUsage('nobody.example.net'));

// UsageUpdate fills tblhosting.
assertSame('success', puqProxmoxKVM_UsageUpdate($params));
$h = Harness::row('SELECT bwusage, disklimit, lastupdate FROM tblhosting WHERE id = ?', [$a]);
assertSame(intdiv($in + $outB, 1048576), (int) $h['bwusage']);
assertTrue((int) $h['disklimit'] > 0, 'disk limit from Proxmox');
assertTrue($h['lastupdate'] !== '0000-00-00 00:00:00', 'lastupdate set');

// A second run within the hour keeps the rows (no double counting).
ob_start();
puq_cron_tick(['argv' => ['--task=collect_statistics']]);
ob_end_clean();
$sum = (int) Harness::value('SELECT SUM(net_in) FROM puqProxmoxKVM_statistics WHERE service_id = ?', [$a]);
assertTrue($sum >= array_sum(array_column($got, 0)) && $sum < 1.1 * array_sum(array_column($got, 0)) + 10000000, "no double count: $sum");

echo "OK\n";
