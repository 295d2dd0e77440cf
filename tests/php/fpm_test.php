<?php
// One smoke test under a real php-fpm: it forks its workers after module
// start-up, so nothing (pool, thread, socket) may be created at MINIT. Two
// workers each open their own database pool on first use and answer.
require __DIR__ . '/../harness/bootstrap.php';

Harness::callAddon('activate');
$fpm = '/usr/sbin/php-fpm8.2';
$dir = sys_get_temp_dir() . '/puq-fpm-' . getmypid();
@mkdir($dir, 0700, true);
$sock = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr(strrchr(stream_socket_get_name($sock, false), ':'), 1);
fclose($sock);
$ext = getenv('PUQ_EXT');
file_put_contents("$dir/fpm.conf", <<<CONF
[global]
pid = $dir/fpm.pid
error_log = $dir/fpm.log
daemonize = no
[www]
user = root
group = root
listen = 127.0.0.1:$port
pm = static
pm.max_children = 2
clear_env = no
php_admin_value[extension] = $ext
CONF);
// The page a WHMCS admin request would run: configuration.php's globals,
// then the module's own calls.
$globals = '';
foreach (['db_host', 'db_port', 'db_username', 'db_password', 'db_name'] as $g) {
    $globals .= '$' . $g . ' = ' . var_export((string) $GLOBALS[$g], true) . ";\n";
}
file_put_contents("$dir/page.php", "<?php\n$globals"
    . "echo json_encode(['pid' => getmypid(), 'version' => puq_version(), 'settings' => puq_settings_get()['default_timeout']]);\n");
$env = 'PUQ_TEST_DB_NAME=' . escapeshellarg(Harness::dbName()) . ' PUQ_TEST_CC_HASH=' . escapeshellarg($GLOBALS['cc_encryption_hash']);
$proc = proc_open("exec env $env $fpm -R -y $dir/fpm.conf -F", [0 => ['file', '/dev/null', 'r'], 1 => ['file', "$dir/out", 'w'], 2 => ['file', "$dir/err", 'w']], $pipes);
register_shutdown_function(function () use ($proc, $dir) {
    proc_terminate($proc);
    proc_close($proc);
    exec('rm -rf ' . escapeshellarg($dir));
});

$pids = [];
for ($i = 0; $i < 40 && count($pids) < 2; $i++) {
    $raw = shell_exec("SCRIPT_FILENAME=$dir/page.php REQUEST_METHOD=GET cgi-fcgi -bind -connect 127.0.0.1:$port 2>/dev/null");
    if ($raw === null || !preg_match('/\{.*\}/s', $raw, $m)) {
        usleep(100000);
        continue;
    }
    $j = json_decode($m[0], true);
    assertTrue(is_array($j), "not JSON: $raw");
    assertSame(puq_version(), $j['version'], $raw);
    assertSame(10, $j['settings'], $raw);
    $pids[$j['pid']] = true;
}
assertSame(2, count($pids), 'both forked workers answered: ' . @file_get_contents("$dir/fpm.log") . @file_get_contents("$dir/err"));
assertNotContains('SIGSEGV', (string) @file_get_contents("$dir/fpm.log"));
// Workers' stderr (catch_workers_output is off: it lands in $dir/err) holds no Rust panic.
assertNotContains('panicked', (string) @file_get_contents("$dir/fpm.log") . @file_get_contents("$dir/err"));
echo "OK\n";
