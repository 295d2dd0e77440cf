<?php
// Client area benchmark (prints figures; nothing is asserted):
//  1. one Overview poll's data (puq_client_action 'live' with the shared cache expired, so Proxmox is read)
//     against one Proxmox round trip, the simulator answering every request after BENCH_LATENCY_MS (20 ms);
//     aim <= 1.3 x;
//  2. 200 concurrent polls through a real php-fpm (pm static, BENCH_FPM_CHILDREN workers) over BENCH_CLIENT_VMS
//     VMs: p50 / p99 latency and the Proxmox calls they caused; then 200 tabs polling every 7 s for 21 s:
//     p50 / p99 and Proxmox calls per second;
//  3. 50 tabs polling one VM every 7 s for 21 s through php-fpm: Proxmox status reads per second (aim: about one
//     per poll interval, not 50).
//   PUQ_TEST_DB_PORT=… php -d extension=target/release/libpuq_proxmox_kvm.so tests/bench_client.php
require __DIR__ . '/harness/bootstrap.php';
// Measured as a production WHMCS runs: Module Debug Logging off (the harness turns it on).
Harness::setConfig('ModuleDebugMode', '');
require __DIR__ . '/harness/Sim.php';
require __DIR__ . '/harness/Deploy.php';
require __DIR__ . '/harness/Fpm.php';

$latency = (int) (getenv('BENCH_LATENCY_MS') ?: 20);
$rounds = (int) (getenv('BENCH_ROUNDS') ?: 30);
$nvms = (int) (getenv('BENCH_CLIENT_VMS') ?: 40);
$children = (int) (getenv('BENCH_FPM_CHILDREN') ?: 16);

Deploy::setUp();
$pid = Deploy::product(['add_size_gb' => '5']);
$sids = [];
for ($i = 0; $i < $nvms; $i++) {
    $sids[] = Deploy::order($pid);
}
for ($i = 0; $i < 20; $i++) {
    Deploy::cron();
    $left = (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_vm_info WHERE vm_status <> 'ready'");
    if ($left === 0) {
        break;
    }
}
Harness::exec("UPDATE tblhosting SET domainstatus = 'Active'");
$client = Deploy::$client;
Sim::control('POST', 'latency', ['ms' => $latency]);

function median(array $xs): float
{
    sort($xs);
    $n = count($xs);
    return $n ? ($n % 2 ? $xs[intdiv($n, 2)] : ($xs[$n / 2 - 1] + $xs[$n / 2]) / 2) : 0.0;
}

function pct(array $xs, float $p): float
{
    sort($xs);
    return $xs ? $xs[min(count($xs) - 1, (int) ceil($p / 100 * count($xs)) - 1)] : 0.0;
}

function simCalls(string $endpoint = ''): int
{
    $c = Sim::control('GET', 'calls')['data'];
    return $endpoint === '' ? (int) $c['total'] : (int) ($c['by_endpoint'][$endpoint] ?? 0);
}

// ---- 1. One poll against one round trip ---------------------------------------------------------
$sid = $sids[0];
$req = ['client_id' => $client, 'post' => false, 'token_ok' => false, 'input' => []];
puq_client_action($sid, 'live', $req);
puq_service_chart($sid, 'hour');
$poll = $one = [];
for ($i = 0; $i < $rounds; $i++) {
    Harness::exec('UPDATE puqProxmoxKVM_live_cache SET fetched_at = 0, config_at = 0 WHERE service_id = ?', [$sid]);
    $t = microtime(true);
    $r = puq_client_action($sid, 'live', $req);
    $poll[] = (microtime(true) - $t) * 1000;
    if (!$r['ok']) {
        fwrite(STDERR, 'poll failed: ' . json_encode($r) . "\n");
        exit(1);
    }
    $t = microtime(true);
    puq_service_chart($sid, 'hour');
    $one[] = (microtime(true) - $t) * 1000;
}
$cached = [];
for ($i = 0; $i < $rounds; $i++) {
    $t = microtime(true);
    puq_client_action($sid, 'live', $req);
    $cached[] = (microtime(true) - $t) * 1000;
}
printf("client area: Overview poll, simulator latency %d ms, %d rounds (medians)\n", $latency, $rounds);
printf("  one Proxmox round trip (1 call):                     %7.1f ms\n", median($one));
printf("  poll reading Proxmox (status + config in parallel):  %7.1f ms   ratio %.2f x (aim <= 1.3)\n", median($poll), median($poll) / median($one));
printf("  poll served from the shared cache:                   %7.1f ms\n", median($cached));

// ---- php-fpm and a small FastCGI client ----------------------------------------------------------
[$port, $dir] = Fpm::start($children);
file_put_contents("$dir/poll.php", Fpm::prelude(true)
    . "parse_str(\$_SERVER['QUERY_STRING'] ?? '', \$q);\n"
    . "\$r = puq_client_action((int) \$q['sid'], 'live', ['client_id' => (int) \$q['uid'], 'post' => false, 'token_ok' => false, 'input' => []]);\n"
    . "echo \$r['ok'] ? 'ok' : 'err ' . json_encode(\$r);\n");

/** FastCGI record. */
function fcgi(int $type, string $content, int $id = 1): string
{
    $len = strlen($content);
    $pad = (8 - $len % 8) % 8;
    return pack('CCnnCC', 1, $type, $id, $len, $pad, 0) . $content . str_repeat("\0", $pad);
}

function fcgiParams(array $p): string
{
    $out = '';
    foreach ($p as $k => $v) {
        foreach ([strlen($k), strlen($v)] as $n) {
            $out .= $n < 128 ? chr($n) : pack('N', $n | 0x80000000);
        }
        $out .= $k . $v;
    }
    return $out;
}

/**
 * Sends the requests (each [start time offset in s, query string]) to php-fpm, every one on its own connection at
 * its start time; returns [latencies in ms, bodies].
 */
function fcgiRun(int $port, string $script, array $reqs): array
{
    $t0 = microtime(true);
    $pending = $reqs;
    usort($pending, fn ($a, $b) => $a[0] <=> $b[0]);
    $open = [];
    $lat = [];
    $bodies = [];
    while ($pending || $open) {
        $now = microtime(true) - $t0;
        while ($pending && $pending[0][0] <= $now) {
            [$at, $qs] = array_shift($pending);
            $c = @stream_socket_client("tcp://127.0.0.1:$port", $e, $es, 30);
            if ($c === false) {
                throw new RuntimeException("fpm connect: $es");
            }
            $params = fcgiParams(['SCRIPT_FILENAME' => $script, 'REQUEST_METHOD' => 'GET', 'QUERY_STRING' => $qs,
                'SERVER_PROTOCOL' => 'HTTP/1.1', 'GATEWAY_INTERFACE' => 'CGI/1.1']);
            fwrite($c, fcgi(1, pack('nCxxxxx', 1, 0)) . fcgi(4, $params) . fcgi(4, '') . fcgi(5, ''));
            stream_set_blocking($c, false);
            $open[(int) $c] = [$c, microtime(true), ''];
        }
        if (!$open) {
            usleep((int) max(1000, ($pending[0][0] - $now) * 1e6));
            continue;
        }
        $r = array_map(fn ($o) => $o[0], $open);
        $w = $x = null;
        if (stream_select($r, $w, $x, 0, 20000) > 0) {
            foreach ($r as $c) {
                $k = (int) $c;
                $chunk = fread($c, 65536);
                $open[$k][2] .= (string) $chunk;
                // php-fpm closes the connection after the request's END_REQUEST record (no FCGI_KEEP_CONN).
                if ($chunk === false || ($chunk === '' && feof($c))) {
                    $lat[] = (microtime(true) - $open[$k][1]) * 1000;
                    $bodies[] = $open[$k][2];
                    fclose($c);
                    unset($open[$k]);
                }
            }
        }
    }
    return [$lat, $bodies];
}

$script = "$dir/poll.php";
for ($i = 0; $i < 50; $i++) {
    try {
        [, $b] = fcgiRun($port, $script, [[0, "sid={$sids[0]}&uid=$client"]]);
        if (strpos($b[0], 'ok') !== false) {
            break;
        }
    } catch (Throwable $e) {
    }
    usleep(100000);
}
$okCount = fn (array $bodies) => count(array_filter($bodies, fn ($b) => strpos($b, "\r\n\r\nok") !== false || preg_match('/\nok/', $b)));

// ---- 2. 200 concurrent polls over the VMs --------------------------------------------------------
Harness::exec('UPDATE puqProxmoxKVM_live_cache SET fetched_at = 0');
$before = simCalls();
$burst = [];
for ($i = 0; $i < 200; $i++) {
    $burst[] = [0, 'sid=' . $sids[$i % count($sids)] . "&uid=$client"];
}
$t = microtime(true);
[$lat, $bodies] = fcgiRun($port, $script, $burst);
$wall = microtime(true) - $t;
printf("\n200 concurrent polls through php-fpm (%d workers, 2 cores) over %d VMs, every cache expired:\n", $children, count($sids));
printf("  answered ok: %d/200, wall %.2f s, p50 %.1f ms, p99 %.1f ms, Proxmox calls %d (%.1f per VM)\n",
    $okCount($bodies), $wall, pct($lat, 50), pct($lat, 99), simCalls() - $before, (simCalls() - $before) / count($sids));

$sustain = [];
for ($i = 0; $i < 200; $i++) {
    $phase = mt_rand(0, 6999) / 1000;
    for ($k = 0; $k < 3; $k++) {
        $sustain[] = [$phase + 7 * $k, 'sid=' . $sids[$i % count($sids)] . "&uid=$client"];
    }
}
$before = simCalls();
$t = microtime(true);
[$lat, $bodies] = fcgiRun($port, $script, $sustain);
$wall = microtime(true) - $t;
printf("200 tabs polling every 7 s for %.0f s (%d polls):\n", $wall, count($sustain));
printf("  answered ok: %d, p50 %.1f ms, p99 %.1f ms, Proxmox calls %.2f per second (%d VMs)\n",
    $okCount($bodies), pct($lat, 50), pct($lat, 99), (simCalls() - $before) / $wall, count($sids));

// ---- 3. 50 tabs on one VM -------------------------------------------------------------------------
$status = 'GET /nodes/{node}/qemu/{vmid}/status/current';
$tabs = [];
for ($i = 0; $i < 50; $i++) {
    $phase = mt_rand(0, 6999) / 1000;
    for ($k = 0; $k < 3; $k++) {
        $tabs[] = [$phase + 7 * $k, "sid={$sids[1]}&uid=$client"];
    }
}
$before = simCalls($status);
$t = microtime(true);
[$lat, $bodies] = fcgiRun($port, $script, $tabs);
$wall = microtime(true) - $t;
$reads = simCalls($status) - $before;
printf("50 tabs polling one VM every 7 s for %.0f s (%d polls):\n", $wall, count($tabs));
printf("  answered ok: %d, p50 %.1f ms, p99 %.1f ms; Proxmox status reads %d = %.2f per second = %.2f per 7 s poll interval (aim ~1, not 50)\n",
    $okCount($bodies), pct($lat, 50), pct($lat, 99), $reads, $reads / $wall, $reads / ($wall / 7));
echo "OK\n";
