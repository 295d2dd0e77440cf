<?php
// cron.php and the AfterCronJob hook reach the native cron.
require __DIR__ . '/../harness/bootstrap.php';
Harness::callAddon('activate');

ob_start();
$code = puq_cron_tick(['mode' => 'standalone', 'argv' => ['--help']]);
$out = ob_get_clean();
assertSame(0, $code);
assertContains('--task=NAME', $out);

ob_start();
$code = puq_cron_tick(['argv' => ['--list']]);
$out = ob_get_clean();
assertSame(0, $code);
foreach (['process_vms', 'remove_snapshots', 'restore_backup', 'backup_status', 'schedule_backup', 'collect_statistics'] as $t) {
    assertContains($t, $out);
}
assertContains('never', $out);

$e = assertThrows(Throwable::class, fn () => puq_cron_tick(['argv' => ['--task=bogus']]));
assertContains("unknown task 'bogus'", $e->getMessage());

// The hook runs without throwing into WHMCS's cron.
Harness::runCronHook();

echo "OK\n";
