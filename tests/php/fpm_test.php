<?php
// One smoke test under a real php-fpm: it forks its workers after module
// start-up, so nothing (pool, thread, socket) may be created at MINIT. Two
// workers each open their own database pool on first use and answer.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Fpm.php';

Harness::callAddon('activate');
[$port, $dir] = Fpm::start(2);
// The page a WHMCS admin request would run: configuration.php's globals, then the module's own calls.
file_put_contents("$dir/page.php", Fpm::prelude()
    . "echo json_encode(['pid' => getmypid(), 'version' => puq_version(), 'settings' => puq_settings_get()['default_timeout']]);\n");

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
assertSame(2, count($pids), 'both forked workers answered: ' . Fpm::logs($dir));
assertNotContains('SIGSEGV', Fpm::logs($dir));
// Workers' stderr (catch_workers_output is off: it lands in $dir/err) holds no Rust panic.
assertNotContains('panicked', Fpm::logs($dir));
echo "OK\n";
