<?php
/**
 * Starts the Proxmox VE simulator (tests/pve-sim, binary in $PUQ_SIM_BIN) for
 * one test process and stops it at exit. Also talks to its /_sim/ control API.
 */
final class Sim
{
    public const TOKEN_ID = 'root@pam!whmcs';
    public const TOKEN_SECRET = '5f1a7c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b';

    /** @var resource|null */
    private static $proc = null;
    private static array $info = [];

    public static function start(array $extraArgs = []): array
    {
        if (self::$proc !== null) {
            return self::$info;
        }
        $bin = getenv('PUQ_SIM_BIN') ?: dirname(__DIR__, 2) . '/target/release/pve-sim';
        if (!is_executable($bin)) {
            throw new RuntimeException("pve-sim binary not found at $bin (build it: cargo build --release -p pve-sim)");
        }
        $ready = tempnam(sys_get_temp_dir(), 'pvesim');
        @unlink($ready);
        $cmd = array_merge([$bin, '--http', '127.0.0.1:0', '--https', '127.0.0.1:0',
            '--token', self::TOKEN_ID . '=' . self::TOKEN_SECRET, '--ready-file', $ready], $extraArgs);
        $log = sys_get_temp_dir() . '/pvesim-' . getmypid() . '.log';
        self::$proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', $log, 'a'], 2 => ['file', $log, 'a']], $pipes);
        if (!is_resource(self::$proc)) {
            throw new RuntimeException('cannot start pve-sim');
        }
        register_shutdown_function([self::class, 'stop']);
        $deadline = microtime(true) + 20;
        while (!is_file($ready) || filesize($ready) === 0 || json_decode((string) file_get_contents($ready), true) === null) {
            if (microtime(true) > $deadline) {
                throw new RuntimeException('pve-sim did not become ready: ' . @file_get_contents($log));
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

    public static function httpsPort(): int
    {
        return (int) self::start()['https_port'];
    }

    public static function httpPort(): int
    {
        return (int) self::start()['http_port'];
    }

    public static function fingerprint(): string
    {
        return (string) self::start()['fingerprint'];
    }

    /** A WHMCS server entry pointing at the simulator over HTTPS with the certificate pinned. */
    public static function createServer(array $overrides = []): int
    {
        self::start();
        return Harness::createServer(array_merge([
            'name' => 'pve-sim',
            'hostname' => '127.0.0.1',
            'ipaddress' => '127.0.0.1',
            'username' => self::TOKEN_ID,
            'password' => self::TOKEN_SECRET,
            'accesshash' => self::fingerprint(),
            'secure' => 'on',
            'port' => self::httpsPort(),
        ], $overrides));
    }

    /** Calls the simulator's control API (no auth) and returns the decoded JSON. */
    public static function control(string $method, string $path, ?array $body = null)
    {
        $url = 'http://127.0.0.1:' . self::httpPort() . '/_sim/' . ltrim($path, '/');
        $opts = ['http' => ['method' => $method, 'ignore_errors' => true, 'timeout' => 10,
            'header' => "Content-Type: application/json\r\n"]];
        if ($body !== null) {
            $opts['http']['content'] = json_encode($body);
        }
        $raw = file_get_contents($url, false, stream_context_create($opts));
        if ($raw === false) {
            throw new RuntimeException("sim control $method $path failed");
        }
        return json_decode($raw, true);
    }

    /** The simulator's full state (cluster_name, nodes, storages, vms keyed by vmid, tasks, volumes). */
    public static function state(): array
    {
        return (array) (self::control('GET', 'state')['data'] ?? []);
    }

    /** One VM of the simulator's state, or null. */
    public static function vm(int $vmid): ?array
    {
        return self::state()['vms'][(string) $vmid] ?? null;
    }

    /** Edits a VM's simulation knobs (see POST /_sim/vm in tests/pve-sim/README.md). */
    public static function vmEdit(int $vmid, array $fields): void
    {
        $r = self::control('POST', 'vm', ['vmid' => $vmid] + $fields);
        if (empty($r['ok'])) {
            throw new RuntimeException('sim vm edit failed: ' . ($r['error'] ?? json_encode($r)));
        }
    }

    /** The guest of $vmid ignores ACPI shutdown (a shutdown then times out as on PVE). */
    public static function ignoreAcpi(int $vmid, bool $on = true): void
    {
        self::vmEdit($vmid, ['ignore_acpi' => $on]);
    }

    /** Makes $vmid HA-managed ('started', 'stopped', ...) or not (null). */
    public static function setHa(int $vmid, ?string $state): void
    {
        self::vmEdit($vmid, ['ha' => $state]);
    }

    /**
     * Adds a fault rule: ['method'=>'POST','path'=>'/clone$','action'=>'error|drop|timeout|task',
     * 'status'=>500,'message'=>'...','count'=>1,'probability'=>0.1,'when'=>'before|after',
     * 'delay_ms'=>30000,'exitstatus'=>'...'].
     */
    public static function fault(array $rule): void
    {
        $r = self::control('POST', 'fault', $rule);
        if (empty($r['ok'])) {
            throw new RuntimeException('sim fault failed: ' . ($r['error'] ?? json_encode($r)));
        }
    }

    /** Makes tasks of $type (optionally of one VM) end with $exitstatus. */
    public static function taskFault(string $type, string $exitstatus, ?int $vmid = null, ?int $count = 1): void
    {
        $body = ['type' => $type, 'exitstatus' => $exitstatus, 'count' => $count];
        if ($vmid !== null) {
            $body['vmid'] = $vmid;
        }
        self::control('POST', 'task-fault', $body);
    }

    /** Removes every fault (random, named, task). */
    public static function clearFaults(): void
    {
        self::control('DELETE', 'faults');
    }

    /** Storage knobs: ['full' => true] (writes fail with ENOSPC), ['total' => bytes], ['enabled' => false]. */
    public static function storage(string $storage, array $fields): void
    {
        $r = self::control('POST', 'storage', ['storage' => $storage] + $fields);
        if (empty($r['ok'])) {
            throw new RuntimeException('sim storage failed: ' . ($r['error'] ?? json_encode($r)));
        }
    }
}
