<?php
// Task locks in the database: two schedulers at once run each task once; a
// lock whose holder died (SIGKILL) or stopped renewing is taken over;
// --clear-locks frees stale locks and keeps live ones; a runner killed while
// starting a backup leaves no double backup.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();
puq_settings_save(['cron_mode' => 'standalone']);
$pid = Deploy::product(['backups' => '3', 'backup_storage' => 'local']);
$sid = Deploy::order($pid);
for ($i = 0; $i < 5 && Deploy::status($sid) !== 'ready'; $i++) {
    Deploy::cron();
}
assertSame('ready', Deploy::status($sid));

function tick(array $argv, array $extra = []): string
{
    ob_start();
    try {
        puq_cron_tick(array_merge(['argv' => $argv], $extra));
    } finally {
        $out = (string) ob_get_clean();
    }
    return $out;
}

function child(string $code)
{
    $p = proc_open(Deploy::childCommand($code), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    return [$p, $pipes];
}

function runs(string $task): int
{
    return (int) Harness::value('SELECT runs FROM puqProxmoxKVM_cron_tasks WHERE task = ?', [$task]);
}

// ---- Two schedulers at once: every task runs exactly once. ----------------
Harness::exec('UPDATE puqProxmoxKVM_cron_tasks SET last_run = NULL, runs = 0');
Sim::control('POST', 'latency', ['ms' => 150]);
$new = Deploy::order($pid);
$kids = [child('exit(puq_cron_tick(["argv" => []]));'), child('exit(puq_cron_tick(["argv" => []]));')];
$outs = '';
foreach ($kids as [$p, $pipes]) {
    $outs .= stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
    proc_close($p);
}
Sim::control('DELETE', 'latency');
foreach (['process_vms', 'backup_status', 'restore_backup', 'schedule_backup', 'remove_snapshots', 'collect_statistics'] as $t) {
    assertSame(1, runs($t), "$t ran once:\n$outs");
}
assertSame(1, substr_count($outs, "--- Deploy: service=$new"), $outs);
assertContains('[processVirtualMachines] Running', $outs);

// ---- A holder that died: its connection is gone, so the lock is stale. -----
Harness::exec("UPDATE puqProxmoxKVM_cron_tasks SET lock_holder = 'deadnode:4242', lock_conn = 4000000000,
    locked_at = UNIX_TIMESTAMP() - 30, lock_until = UNIX_TIMESTAMP() + 90 WHERE task = 'backup_status'");
$out = tick(['--list']);
assertMatches('/backup_status\s+nowBackupStatus.*lock: stale \(deadnode:4242/', $out);
$out = tick(['--task=nowBackupStatus']);
assertContains('[nowBackupStatus] Stale lock of deadnode:4242', $out);
assertContains('taken over', $out);
assertContains('[nowBackupStatus] Done', $out);
assertSame(null, Harness::value("SELECT lock_holder FROM puqProxmoxKVM_cron_tasks WHERE task = 'backup_status'"));

// ---- A live holder is respected; one that stopped renewing is not. ---------
// Another node's runner: a live MySQL connection of its own.
$other = new PDO('mysql:host=' . (getenv('PUQ_TEST_DB_HOST') ?: '127.0.0.1') . ';port=' . getenv('PUQ_TEST_DB_PORT') . ';dbname=' . Harness::dbName(),
    getenv('PUQ_TEST_DB_USER') ?: 'whmcs', getenv('PUQ_TEST_DB_PASS') ?: 'whmcs-test-pw');
$cid = (int) $other->query('SELECT CONNECTION_ID()')->fetchColumn();
Harness::exec("UPDATE puqProxmoxKVM_cron_tasks SET lock_holder = 'busynode:1', lock_conn = ?,
    locked_at = UNIX_TIMESTAMP(), lock_until = UNIX_TIMESTAMP() + 90 WHERE task = 'schedule_backup'", [$cid]);
$out = tick(['--task=schedule_backup']);
assertContains('[scheduleBackup] Skipped: locked by busynode:1', $out);
$out = tick(['--clear-locks']);
assertContains('schedule_backup: held by busynode:1 (alive), kept', $out);
Harness::exec("UPDATE puqProxmoxKVM_cron_tasks SET lock_until = UNIX_TIMESTAMP() - 1 WHERE task = 'schedule_backup'");
$out = tick(['--clear-locks']);
assertContains('schedule_backup: stale lock of busynode:1 cleared', $out);
assertSame(null, Harness::value("SELECT lock_conn FROM puqProxmoxKVM_cron_tasks WHERE task = 'schedule_backup'"));
$other = null;

// ---- SIGKILL mid-task: the next runner takes the lock over at once. ---------
Sim::control('POST', 'latency', ['rules' => [['method' => 'GET', 'path' => '/rrddata$', 'ms' => 5000]]]);
[$p, $pipes] = child('exit(puq_cron_tick(["argv" => ["--task=collect_statistics"]]));');
$deadline = microtime(true) + 10;
do {
    usleep(100000);
    $holder = Harness::value("SELECT lock_holder FROM puqProxmoxKVM_cron_tasks WHERE task = 'collect_statistics'");
} while ($holder === null && microtime(true) < $deadline);
assertTrue($holder !== null, 'the child holds the statistics lock');
$out = tick(['--task=collect_statistics']);
assertContains('[collectingStatistics] Skipped: locked by ' . $holder, $out);
proc_terminate($p, 9);
proc_close($p);
Sim::control('DELETE', 'latency');
usleep(300000);
$out = tick(['--task=collect_statistics']);
assertContains("Stale lock of $holder", $out);
assertContains('[collectingStatistics] Done', $out);

// ---- SIGKILL while "Backup now" is being sent: no double backup. -----------
Sim::control('POST', 'latency', ['rules' => [['method' => 'POST', 'path' => '/vzdump$', 'ms' => 1500]]]);
Sim::control('POST', 'tasks', ['durations' => ['vzdump' => 300]]);
[$p, $pipes] = child("puq_backup_create($sid, 'killed');");
usleep(800000);
proc_terminate($p, 9);
proc_close($p);
assertSame('starting', Harness::value("SELECT status FROM puqProxmoxKVM_operations WHERE kind = 'backup' ORDER BY id DESC LIMIT 1"));
// Until it is resolved, no second backup starts.
$e = assertThrows(Throwable::class, fn () => puq_backup_create($sid, 'again'));
assertContains('already running', $e->getMessage());
sleep(2);
Sim::control('DELETE', 'latency');
$out = tick(['--task=backup_status']);
assertContains('finished: 1', $out);
$l = puq_backup_list($sid);
assertSame(1, $l['used']);
assertSame(0, count($l['running']));
assertSame('success', Harness::value("SELECT status FROM puqProxmoxKVM_operations WHERE kind = 'backup' ORDER BY id DESC LIMIT 1"));

echo "OK\n";
