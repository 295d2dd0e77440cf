<?php
// DNS benchmark (prints figures; asserts nothing). BENCH_DNS_VMS services (200), each with one IPv4 and
// one IPv6 address, and three zones per VM as the issue sets them: forward on the real PowerDNS and on the
// Cloudflare simulator, reverse on PowerDNS. Cloudflare answers after BENCH_LATENCY_MS (20 ms), as the
// Proxmox simulator does in tests/bench.php. Runs the DNS create of every VM one by one (per-VM latency,
// the time the set_dns step adds to a VM's critical path), then from BENCH_WORKERS (32) parallel PHP
// processes (wall time, as the cron's workers would), then the terminate delete likewise.
require __DIR__ . '/harness/bootstrap.php';
// Measured as a production WHMCS runs: Module Debug Logging off (the harness turns it on).
Harness::setConfig('ModuleDebugMode', '');
require __DIR__ . '/harness/Dns.php';

$n = (int) (getenv('BENCH_DNS_VMS') ?: 200);
$workers = (int) (getenv('BENCH_WORKERS') ?: 32);
$latency = (int) (getenv('BENCH_LATENCY_MS') ?: 20);
$single = min($n, 20);

Harness::callAddon('activate');
$fwd = 'bench' . getmypid() . '.example.com';
$rev = '77.10.in-addr.arpa';
Pdns::createZone($fwd);
Pdns::createZone($rev);
$cfZone = str_repeat('5e', 16);
$token = 'bench-' . bin2hex(random_bytes(8));
DnsSim::control('cloudflare', 'POST', 'zone', ['id' => $cfZone, 'name' => $fwd, 'account_id' => $cfZone]);
DnsSim::control('cloudflare', 'POST', 'token', ['token' => $token, 'zones' => [$cfZone]]);
DnsSim::control('cloudflare', 'POST', 'latency', ['ms' => $latency]);
puq_dns_zone_create(['name' => $fwd, 'type' => 'PowerDNS', 'server_url' => Pdns::url(), 'api_key' => Pdns::key()]);
puq_dns_zone_create(['name' => $fwd, 'type' => 'Cloudflare', 'account_id' => $cfZone, 'zone_id' => $cfZone,
    'api_token' => $token, 'server_url' => DnsSim::cloudflareUrl()]);
puq_dns_zone_create(['name' => $rev, 'type' => 'PowerDNS', 'server_url' => Pdns::url(), 'api_key' => Pdns::key()]);

$server = Harness::createServer();
puq_ip_pool_create(['server_id' => $server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0', 'gateway' => '10.77.0.1',
    'mask' => '16', 'dns1' => '', 'dns2' => '', 'address_start' => '10.77.0.10', 'address_stop' => '10.77.250.250']);
puq_ip_pool_create(['server_id' => $server, 'type' => 'IPv6', 'bridge' => 'vmbr0', 'vlan' => '0', 'gateway' => '2001:db8:77::1',
    'mask' => '64', 'dns1' => '', 'dns2' => '', 'address_start' => '2001:db8:77::10', 'address_stop' => '2001:db8:77::ffff']);
$pid = Harness::createProduct();
puq_product_settings_save($pid, ['ipv4_count' => '1', 'ipv6_count' => '1', 'os_template' => '9000']);
$client = Harness::createClient();
$sids = [];
for ($i = 0; $i < $n; $i++) {
    $sid = Harness::createService($client, $pid, $server, ['domainstatus' => 'Active']);
    puq_ip_pool_allocate(Harness::params($sid));
    Harness::insert('puqProxmoxKVM_vm_info', ['service_id' => $sid, 'server_id' => $server, 'vm_id' => 1000 + $i,
        'vm_name' => "vm$sid", 'hostname' => "vm$sid.$fwd", 'vm_status' => 'ready']);
    $sids[] = $sid;
}

function requests(array $r): int
{
    return preg_match('/; (\d+) requests$/', (string) end($r['lines']), $m) ? (int) $m[1] : 0;
}

// One by one: what one VM's DNS step costs.
$times = [];
$reqs = 0;
foreach (array_slice($sids, 0, $single) as $sid) {
    $t = hrtime(true);
    $r = puq_dns_create_service($sid);
    $times[] = (hrtime(true) - $t) / 1e6;
    $reqs += requests($r);
    if (!$r['success']) {
        fwrite(STDERR, implode("\n", $r['errors']) . "\n");
    }
}
sort($times);

/** Runs $fn for every service from $workers parallel PHP processes; returns [wall s, errors, requests]. */
function parallel(array $sids, int $workers, string $fn): array
{
    $t = hrtime(true);
    $procs = [];
    foreach (array_chunk($sids, (int) ceil(count($sids) / $workers)) as $chunk) {
        $code = 'require ' . var_export(__DIR__ . '/harness/bootstrap.php', true) . ';'
            . '$e = 0; $q = 0; foreach (' . var_export($chunk, true) . ' as $s) { $r = ' . $fn . '($s);'
            . ' $e += count($r["errors"]); preg_match("/; (\\\\d+) requests$/", end($r["lines"]), $m); $q += (int) ($m[1] ?? 0); }'
            . ' echo "$e $q\n";';
        $procs[] = popen('PUQ_TEST_DB_NAME=' . escapeshellarg(Harness::dbName())
            . ' PUQ_TEST_CC_HASH=' . escapeshellarg($GLOBALS['cc_encryption_hash']) . ' ' . escapeshellarg(PHP_BINARY)
            . ' -d zend.assertions=1 -d assert.exception=1 -d extension=' . escapeshellarg(getenv('PUQ_EXT')) . ' -r ' . escapeshellarg($code) . ' 2>&1', 'r');
    }
    $errors = 0;
    $requests = 0;
    foreach ($procs as $p) {
        $out = trim(stream_get_contents($p));
        if (!preg_match("/^\\d+ \\d+$/", $out)) {
            fwrite(STDERR, "worker: $out\n");
        }
        pclose($p);
        [$e, $q] = array_map('intval', explode(' ', $out) + [1 => 0]);
        $errors += $e;
        $requests += $q;
    }
    return [(hrtime(true) - $t) / 1e9, $errors, $requests];
}

[$wallCreate, $errCreate, $reqCreate] = parallel($sids, $workers, 'puq_dns_create_service');
[$wallDelete, $errDelete, $reqDelete] = parallel($sids, $workers, 'puq_dns_delete_service');

$median = $times[intdiv(count($times), 2)];
printf("DNS benchmark: %d VMs, 3 zones per VM (forward PowerDNS + Cloudflare, reverse PowerDNS), Cloudflare latency %d ms\n", $n, $latency);
printf("| measure | value |\n|---|---|\n");
printf("| DNS create per VM, one at a time (median of %d) | %.1f ms (min %.1f, max %.1f) |\n", $single, $median, $times[0], end($times));
printf("| DNS requests per VM, create | %.1f |\n", $reqs / max(1, $single));
printf("| create, %d VMs from %d workers: wall | %.2f s (%d errors, %.1f requests per VM) |\n", $n, $workers, $wallCreate, $errCreate, $reqCreate / $n);
printf("| terminate delete, %d VMs from %d workers: wall | %.2f s (%d errors, %.1f requests per VM) |\n", $n, $workers, $wallDelete, $errDelete, $reqDelete / $n);
printf("| records now on PowerDNS (forward rrsets, reverse rrsets) | %d, %d |\n", count(Pdns::records($fwd)), count(Pdns::records($rev)));
