<?php
// The standalone cron, exactly as an operator runs it from the system
// crontab: `php modules/addons/puq_proxmox_kvm/cron.php`, inside a WHMCS
// root whose init.php boots WHMCS (here: the harness on this test's DB).
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();
$sid = Deploy::order(Deploy::product());

// A WHMCS root: the module files as shipped, plus an init.php.
$root = sys_get_temp_dir() . '/whmcs-root-' . getmypid();
exec('rm -rf ' . escapeshellarg($root) . ' && mkdir -p ' . escapeshellarg($root) . ' && cp -r '
    . escapeshellarg(dirname(__DIR__, 2) . '/php/modules') . ' ' . escapeshellarg($root . '/modules'));
file_put_contents($root . '/init.php', '<?php require ' . var_export(realpath(__DIR__ . '/../harness/bootstrap.php'), true) . ";\n");
register_shutdown_function(fn () => exec('rm -rf ' . escapeshellarg($root)));

function cron(string $root, string $args): array
{
    $cmd = 'cd / && env PUQ_TEST_DB_NAME=' . escapeshellarg(Harness::dbName())
        . ' PUQ_TEST_CC_HASH=' . escapeshellarg($GLOBALS['cc_encryption_hash'])
        . ' PUQ_TEST_ROOTDIR=' . escapeshellarg($root) . ' ' . escapeshellarg(PHP_BINARY)
        . ' -d extension=' . escapeshellarg(getenv('PUQ_EXT'))
        . ' ' . escapeshellarg($root . '/modules/addons/puq_proxmox_kvm/cron.php') . ' ' . $args . ' 2>&1';
    exec($cmd, $out, $code);
    return [implode("\n", $out), $code];
}

[$out, $code] = cron($root, '--help');
assertSame(0, $code, $out);
assertContains('--task=NAME', $out);

[$out, $code] = cron($root, '--bogus');
assertSame(1, $code, $out);
assertContains("unknown option '--bogus'", $out);

// In the default WHMCS hook mode, cron.php leaves the tasks to WHMCS's cron.
[$out, $code] = cron($root, '');
assertSame(0, $code, $out);
assertContains("Cron mode is 'hook'", $out);
assertNotContains('Cron Start', $out);
assertSame('creation', Deploy::status($sid));
// Nor does the hook act in standalone mode: only one of them ever runs the tasks.
puq_settings_save(['cron_mode' => 'standalone']);
ob_start();
Harness::runCronHook();
assertSame('', ob_get_clean());
assertSame('creation', Deploy::status($sid));

[$out, $code] = cron($root, '');
assertSame(0, $code, $out);
assertContains('PUQ Proxmox KVM Cron Start', $out);
assertContains("--- Deploy: service=$sid", $out);
assertContains("--- Deploy complete: service=$sid status=ready ---", $out);
assertMatches('/\[processVirtualMachines\] Done \([0-9.]+s\) — processed: 1, errors: 0/', $out);
assertSame('ready', Deploy::status($sid));

// Within the interval, a second run does nothing; --list shows the last run.
[$out, $code] = cron($root, '');
assertNotContains('[processVirtualMachines] Running', $out);
[$out, $code] = cron($root, '--list');
assertMatches('/process_vms\s+processVirtualMachines\s+every\s+1 min\s+last run: \d+s ago\s+next: in \d+s\s+result: success\s+lock: free/', $out);
assertMatches('/collect_statistics\s+collectingStatistics\s+every\s+60 min/', $out);

echo "OK\n";
