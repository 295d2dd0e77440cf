<?php
/**
 * DNS test fixtures: the Cloudflare/HestiaCP simulators (tests/dns-sim, binary in $PUQ_DNS_SIM_BIN),
 * started for one test process and stopped at exit, with their /_sim/ control API; and the real
 * PowerDNS server that tests/lib/bench-env.sh starts ($PUQ_PDNS_URL, $PUQ_PDNS_KEY).
 */
final class DnsSim
{
    /** @var resource|null */
    private static $proc = null;
    private static array $info = [];

    public static function start(): array
    {
        if (self::$proc !== null) {
            return self::$info;
        }
        $bin = getenv('PUQ_DNS_SIM_BIN') ?: dirname(__DIR__, 2) . '/target/release/dns-sim';
        if (!is_executable($bin)) {
            throw new RuntimeException("dns-sim binary not found at $bin (build it: cargo build --release -p dns-sim)");
        }
        $ready = tempnam(sys_get_temp_dir(), 'dnssim');
        @unlink($ready);
        $log = sys_get_temp_dir() . '/dnssim-' . getmypid() . '.log';
        self::$proc = proc_open([$bin, '--ready-file', $ready],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', $log, 'a'], 2 => ['file', $log, 'a']], $pipes);
        if (!is_resource(self::$proc)) {
            throw new RuntimeException('cannot start dns-sim');
        }
        register_shutdown_function([self::class, 'stop']);
        $deadline = microtime(true) + 20;
        while (!is_file($ready) || json_decode((string) file_get_contents($ready), true) === null) {
            if (microtime(true) > $deadline) {
                throw new RuntimeException('dns-sim did not become ready: ' . @file_get_contents($log));
            }
            usleep(20000);
        }
        self::$info = json_decode((string) file_get_contents($ready), true);
        @unlink($ready);
        return self::$info;
    }

    public static function stop(): void
    {
        if (self::$proc !== null) {
            proc_terminate(self::$proc);
            proc_close(self::$proc);
            self::$proc = null;
        }
    }

    public static function cloudflareUrl(): string
    {
        return 'http://127.0.0.1:' . self::start()['cloudflare_port'] . '/client/v4';
    }

    public static function hestiaUrl(): string
    {
        return 'http://127.0.0.1:' . self::start()['hestia_port'] . '/';
    }

    /** A /_sim/ control call on 'cloudflare' or 'hestia'. */
    public static function control(string $which, string $method, string $path, array $body = [])
    {
        $port = self::start()[$which . '_port'];
        return httpJson($method, "http://127.0.0.1:$port/_sim/$path", [], $body ?: null)['json'];
    }

    /** Records of a simulator as [name/type => [contents]] for Cloudflare, [record/type => [values]] for Hestia. */
    public static function records(string $which): array
    {
        $out = [];
        foreach (self::control($which, 'GET', 'records') as $r) {
            $key = $which === 'cloudflare' ? $r['name'] . ' ' . $r['type'] : $r['domain'] . ' ' . $r['record'] . ' ' . $r['type'];
            $out[$key][] = $which === 'cloudflare' ? $r['content'] : $r['value'];
        }
        ksort($out);
        return $out;
    }

    public static function fault(string $which, array $fault): void
    {
        self::control($which, 'POST', 'fault', $fault);
    }
}

final class Pdns
{
    public static function url(): string
    {
        $u = getenv('PUQ_PDNS_URL');
        if (!$u) {
            throw new RuntimeException('PUQ_PDNS_URL is not set: start PowerDNS with tests/services/pdns.sh (tests/run.sh does)');
        }
        return $u;
    }

    public static function key(): string
    {
        return (string) getenv('PUQ_PDNS_KEY');
    }

    public static function zoneId(string $zone): string
    {
        return str_replace('/', '=2F', rtrim($zone, '.') . '.');
    }

    /** Creates a zone (deleting an older one of the same name first). */
    public static function createZone(string $zone): void
    {
        $base = self::url() . '/api/v1/servers/localhost/zones';
        httpJson('DELETE', "$base/" . self::zoneId($zone), ['X-API-Key: ' . self::key()]);
        $r = httpJson('POST', $base, ['X-API-Key: ' . self::key()],
            ['name' => rtrim($zone, '.') . '.', 'kind' => 'Native', 'nameservers' => ['ns1.example.net.']]);
        if ($r['status'] !== 201) {
            throw new RuntimeException("PowerDNS zone $zone: HTTP {$r['status']} {$r['body']}");
        }
    }

    /** The zone's records other than SOA/NS, as ["name type" => [contents]]. */
    public static function records(string $zone): array
    {
        $r = httpJson('GET', self::url() . '/api/v1/servers/localhost/zones/' . self::zoneId($zone), ['X-API-Key: ' . self::key()]);
        if ($r['status'] !== 200) {
            throw new RuntimeException("PowerDNS zone $zone: HTTP {$r['status']} {$r['body']}");
        }
        $out = [];
        foreach ($r['json']['rrsets'] as $set) {
            if (in_array($set['type'], ['SOA', 'NS'], true)) {
                continue;
            }
            $contents = array_map(fn ($x) => $x['content'], $set['records']);
            sort($contents);
            $out[$set['name'] . ' ' . $set['type']] = $contents;
        }
        ksort($out);
        return $out;
    }
}

/** A small HTTP client for the fixtures: ['status' => int, 'body' => string, 'json' => mixed]. */
function httpJson(string $method, string $url, array $headers = [], $body = null): array
{
    $opts = ['http' => ['method' => $method, 'ignore_errors' => true, 'timeout' => 10,
        'header' => implode("\r\n", array_merge($headers, ['Content-Type: application/json', 'Accept: application/json']))]];
    if ($body !== null) {
        $opts['http']['content'] = json_encode($body);
    }
    $text = @file_get_contents($url, false, stream_context_create($opts));
    $status = 0;
    foreach ($http_response_header ?? [] as $h) {
        if (preg_match('#^HTTP/\S+ (\d+)#', $h, $m)) {
            $status = (int) $m[1];
        }
    }
    return ['status' => $status, 'body' => (string) $text, 'json' => json_decode((string) $text, true)];
}
