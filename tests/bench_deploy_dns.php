<?php
// Deploy benchmark with and without DNS (prints figures; asserts nothing about time). The same deploy as
// tests/bench.php — BENCH_VMS VMs (200), BENCH_WORKERS workers (32), BENCH_LATENCY_MS per Proxmox call (20),
// the same task durations — first with no DNS zone, then with three zones per VM: forward on the real
// PowerDNS and on the Cloudflare simulator (answering after the same latency), reverse on PowerDNS.
require __DIR__ . '/harness/bootstrap.php';
// Measured as a production WHMCS runs: Module Debug Logging off (the harness turns it on).
Harness::setConfig('ModuleDebugMode', '');
require __DIR__ . '/harness/Sim.php';
require __DIR__ . '/harness/Deploy.php';
require __DIR__ . '/harness/Dns.php';

$n = (int) (getenv('BENCH_VMS') ?: 200);
$workers = (int) (getenv('BENCH_WORKERS') ?: 32);
$latency = (int) (getenv('BENCH_LATENCY_MS') ?: 20);
$tasks = ['qmclone' => 2000, 'resize' => 400, 'qmconfig' => 300, 'qmstart' => 800];

Deploy::setUp();
$fwd = 'deploy' . getmypid() . '.example.com';
$rev = '21.10.in-addr.arpa';
puq_ip_pool_create(['server_id' => Deploy::$server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => '10.21.0.1', 'mask' => '16', 'dns1' => '9.9.9.9', 'dns2' => '',
    'address_start' => '10.21.0.10', 'address_stop' => '10.21.255.250']);
$pid = Deploy::product(['node' => 'pve1', 'sys_size_gb' => '20', 'sys_iops_rd' => '1000', 'add_size_gb' => '10',
    'ipv4_count' => '1', 'dhcp_v4' => '', 'dhcp_v6' => '', 'bandwidth_mbs' => '100', 'main_domain' => ".$fwd"]);
Sim::control('POST', 'latency', ['ms' => $latency]);
Sim::control('POST', 'tasks', ['durations' => $tasks]);
puq_settings_save(['cron_workers' => (string) $workers]);

function deployAll(int $count, int $pid): array
{
    $sids = [];
    for ($i = 0; $i < $count; $i++) {
        $sids[] = Deploy::order($pid);
    }
    $t = microtime(true);
    $out = Deploy::cron();
    $wall = microtime(true) - $t;
    $ready = (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_vm_info WHERE vm_status = 'ready' AND service_id IN (" . implode(',', $sids) . ')');
    preg_match_all('/DNS: forward (\d+) OK, (\d+) failed; reverse (\d+) OK, (\d+) failed; (\d+) requests/', $out, $m);
    return ['wall' => $wall, 'ready' => $ready, 'dns_requests' => array_sum($m[5]), 'dns_runs' => count($m[5]),
        'dns_failed' => array_sum($m[2]) + array_sum($m[4]), 'dns_ok' => array_sum($m[1]) + array_sum($m[3])];
}

printf("Deploy benchmark with DNS: %d VMs, %d workers, %d ms per Proxmox and Cloudflare call\n", $n, $workers, $latency);
$without = deployAll($n, $pid);

Pdns::createZone($fwd);
Pdns::createZone($rev);
$cfZone = str_repeat('4f', 16);
$token = 'bench-' . bin2hex(random_bytes(8));
DnsSim::control('cloudflare', 'POST', 'zone', ['id' => $cfZone, 'name' => $fwd, 'account_id' => $cfZone]);
DnsSim::control('cloudflare', 'POST', 'token', ['token' => $token, 'zones' => [$cfZone]]);
DnsSim::control('cloudflare', 'POST', 'latency', ['ms' => $latency]);
puq_dns_zone_create(['name' => $fwd, 'type' => 'PowerDNS', 'server_url' => Pdns::url(), 'api_key' => Pdns::key()]);
puq_dns_zone_create(['name' => $fwd, 'type' => 'Cloudflare', 'account_id' => $cfZone, 'zone_id' => $cfZone,
    'api_token' => $token, 'server_url' => DnsSim::cloudflareUrl()]);
puq_dns_zone_create(['name' => $rev, 'type' => 'PowerDNS', 'server_url' => Pdns::url(), 'api_key' => Pdns::key()]);
$with = deployAll($n, $pid);

$records = Pdns::records($fwd);
printf("| measure | without DNS | with DNS (3 zones per VM) |\n|---|---|---|\n");
printf("| wall, %d VMs | %.2f s | %.2f s (%+.1f%%) |\n", $n, $without['wall'], $with['wall'], ($with['wall'] / $without['wall'] - 1) * 100);
printf("| VMs ready | %d/%d | %d/%d |\n", $without['ready'], $n, $with['ready'], $n);
printf("| DNS requests per VM | — | %.1f (%d DNS steps) |\n", $with['dns_requests'] / $n, $with['dns_runs']);
printf("| DNS records OK / failed | — | %d / %d |\n", $with['dns_ok'], $with['dns_failed']);
printf("| A rrsets on PowerDNS, PTRs | — | %d, %d |\n", count($records), count(Pdns::records($rev)));
printf("| Cloudflare records | — | %d |\n", count(DnsSim::control('cloudflare', 'GET', 'records')));
