<?php
/**
 * Deploy fixtures shared by the deploy tests, the demo and the benchmark:
 * a product on the simulator, orders through CreateAccount, cron ticks in
 * this process or in child PHP processes.
 */
final class Deploy
{
    public static int $server = 0;
    public static int $client = 0;

    /** Activates the addon, registers the simulator, creates the email templates and a client. */
    public static function setUp(): void
    {
        Harness::callAddon('activate');
        Harness::createEmailTemplate('puqProxmoxVKM Welcome Email');
        Harness::createEmailTemplate('puqProxmoxKVM VM is ready');
        self::$server = Sim::createServer();
        self::$client = Harness::createClient();
    }

    /** A product with Module Settings (defaults: template 9000, DHCP, no IPs). */
    public static function product(array $settings = []): int
    {
        $pid = Harness::createProduct();
        puq_product_settings_save($pid, array_merge(['os_template' => '9000', 'ipv4_count' => '0', 'ipv6_count' => '0'], $settings));
        return $pid;
    }

    /** Orders a service and accepts it with CreateAccount; returns the service id. */
    public static function order(int $pid): int
    {
        $sid = Harness::createService(self::$client, $pid, self::$server);
        $r = Harness::callServer('CreateAccount', $sid);
        if ($r !== 'success') {
            throw new RuntimeException("CreateAccount: $r");
        }
        return $sid;
    }

    /** One Process VMs run in this process; returns its output. */
    public static function cron(): string
    {
        ob_start();
        try {
            puq_cron_tick(['argv' => ['--task=process_vms']]);
        } finally {
            $out = (string) ob_get_clean();
        }
        return $out;
    }

    /**
     * Process VMs runs (at most $max) until the service's VM is in $want; returns their output, or throws with it
     * naming where the VM stopped.
     */
    public static function until(int $sid, string $want, int $max = 8, int $pauseMs = 0): string
    {
        $all = '';
        for ($i = 0; $i < $max; $i++) {
            $all .= self::cron();
            if (self::status($sid) === $want) {
                return $all;
            }
            usleep($pauseMs * 1000);
        }
        throw new RuntimeException("service $sid is at " . self::status($sid) . ", not $want:\n$all");
    }

    /** The command line of a cron run in a child PHP process on this test's database. */
    public static function cronCommand(): string
    {
        return self::childCommand('exit(puq_cron_tick(["argv" => ["--task=process_vms"]]));');
    }

    /** A child PHP process running $code after the harness, on this test's database. */
    public static function childCommand(string $code): string
    {
        $code = 'require ' . var_export(__DIR__ . '/bootstrap.php', true) . '; ' . $code;
        // Same database and the same encryption key as this process (like one WHMCS install).
        return 'exec env PUQ_TEST_DB_NAME=' . escapeshellarg(Harness::dbName())
            . ' PUQ_TEST_CC_HASH=' . escapeshellarg($GLOBALS['cc_encryption_hash']) . ' ' . escapeshellarg(PHP_BINARY)
            . ' -d zend.assertions=1 -d assert.exception=1 -d extension=' . escapeshellarg(getenv('PUQ_EXT'))
            . ' -r ' . escapeshellarg($code);
    }

    public static function status(int $sid): string
    {
        return (string) Harness::value('SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);
    }

    public static function lastError(int $sid): string
    {
        return (string) Harness::value('SELECT last_error FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);
    }

    public static function vmid(int $sid): int
    {
        return (int) Harness::value('SELECT vm_id FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);
    }

    /** Calls counted by the simulator for "METHOD /path/template". */
    public static function calls(string $endpoint): int
    {
        $c = Sim::control('GET', 'calls')['data']['by_endpoint'] ?? [];
        return (int) ($c[$endpoint] ?? 0);
    }
}
