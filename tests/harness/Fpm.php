<?php
/**
 * A real php-fpm with the built extension for the tests and benchmarks that need forked workers (php-fpm forks
 * after module start-up): pm static, listening on a free loopback port, stopped when the test process exits.
 */
final class Fpm
{
    /** Starts php-fpm with $children workers; returns [port, directory for the pages]. */
    public static function start(int $children = 2): array
    {
        $fpm = '/usr/sbin/php-fpm8.2';
        $dir = sys_get_temp_dir() . '/puq-fpm-' . getmypid();
        @mkdir($dir, 0700, true);
        $s = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($s, false), ':'), 1);
        fclose($s);
        $ext = getenv('PUQ_EXT');
        file_put_contents("$dir/fpm.conf", "[global]\npid = $dir/fpm.pid\nerror_log = $dir/fpm.log\ndaemonize = no\n[www]\n"
            . "user = root\ngroup = root\nlisten = 127.0.0.1:$port\nlisten.backlog = 1024\npm = static\n"
            . "pm.max_children = $children\nclear_env = no\nphp_admin_value[extension] = $ext\n");
        $env = 'PUQ_TEST_DB_NAME=' . escapeshellarg(Harness::dbName()) . ' PUQ_TEST_CC_HASH=' . escapeshellarg($GLOBALS['cc_encryption_hash']);
        $proc = proc_open("exec env $env $fpm -R -y $dir/fpm.conf -F",
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', "$dir/out", 'w'], 2 => ['file', "$dir/err", 'w']], $pipes);
        register_shutdown_function(function () use ($proc, $dir) {
            proc_terminate($proc);
            proc_close($proc);
            exec('rm -rf ' . escapeshellarg($dir));
        });
        return [$port, $dir];
    }

    /**
     * The start of a page as WHMCS runs it: configuration.php's globals (the database, the encryption hash) and,
     * with $whmcsFunctions, WHMCS's own functions (decrypt() and the rest, from the harness).
     */
    public static function prelude(bool $whmcsFunctions = false): string
    {
        $php = "<?php\n";
        foreach (['db_host', 'db_port', 'db_username', 'db_password', 'db_name', 'cc_encryption_hash'] as $g) {
            $php .= '$' . $g . ' = ' . var_export((string) $GLOBALS[$g], true) . ";\n";
        }
        if ($whmcsFunctions) {
            $php .= 'require_once ' . var_export(__DIR__ . '/whmcs_functions.php', true) . ";\n";
        }
        return $php;
    }

    /** The worker's log and stderr (a panic or a crash shows there). */
    public static function logs(string $dir): string
    {
        return (string) @file_get_contents("$dir/fpm.log") . (string) @file_get_contents("$dir/err");
    }
}
