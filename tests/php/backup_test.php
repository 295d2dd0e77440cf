<?php
// Snapshots, backups, the weekly schedule and the status tasks, through the
// native functions and the cron, on the Proxmox simulator and a real MariaDB.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();
$pid = Deploy::product(['snapshots' => '2', 'backups' => '2', 'backup_storage' => 'local', 'snapshot_lifetime_days' => '1']);
$sid = Deploy::order($pid);
for ($i = 0; $i < 5 && Deploy::status($sid) !== 'ready'; $i++) {
    Deploy::cron();
}
assertSame('ready', Deploy::status($sid));
$vmid = Deploy::vmid($sid);

function task(string $name, array $extra = []): string
{
    ob_start();
    try {
        puq_cron_tick(array_merge(['argv' => ["--task=$name"]], $extra));
    } finally {
        $out = (string) ob_get_clean();
    }
    return $out;
}

// ---- Snapshots -----------------------------------------------------------
$l = puq_snapshot_list($sid);
assertSame([0, 2, 1], [$l['used'], $l['quota'], $l['lifetime_days']]);
$r = puq_snapshot_create($sid, 'before "upgrade" & co', 'before_upgrade');
assertSame('success', $r['status']);
// A name Proxmox would refuse: a clear error naming the field, nothing created.
foreach (['bad-name', '1st', 'current', str_repeat('a', 41), "x'; DROP"] as $bad) {
    $e = assertThrows(Throwable::class, fn () => puq_snapshot_create($sid, '', $bad));
    assertContains("'name'", $e->getMessage());
}
$e = assertThrows(Throwable::class, fn () => puq_snapshot_create($sid, str_repeat('d', 300)));
assertContains("'description'", $e->getMessage());
assertSame(1, puq_snapshot_list($sid)['used']);
$r = puq_snapshot_create($sid);
assertSame('success', $r['status']);
assertMatches('/^snap_\d{8}_\d{6}$/', $r['name']);
$e = assertThrows(Throwable::class, fn () => puq_snapshot_create($sid, 'third'));
assertContains('snapshot quota is full (2/2)', $e->getMessage());
$l = puq_snapshot_list($sid);
$snap = array_values(array_filter($l['snapshots'], fn ($s) => $s['name'] === 'before_upgrade'))[0];
assertSame('before "upgrade" & co', $snap['description']);
assertTrue($snap['remaining_seconds'] > 86000 && $snap['remaining_seconds'] <= 86400, 'about a day left');
assertSame('success', puq_snapshot_rollback($sid, 'before_upgrade')['status']);
$e = assertThrows(Throwable::class, fn () => puq_snapshot_rollback($sid, 'nosuch'));
assertContains("no snapshot named 'nosuch'", $e->getMessage());
assertSame('success', puq_snapshot_delete($sid, $r['name'])['status']);
assertSame(1, puq_snapshot_list($sid)['used']);
// A snapshot task that fails is reported, not swallowed.
Sim::control('POST', 'task-fault', ['type' => 'qmsnapshot', 'vmid' => $vmid, 'message' => 'snapshot failed: disk full', 'count' => 1]);
$e = assertThrows(Throwable::class, fn () => puq_snapshot_create($sid, '', 'will_fail'));
assertContains('snapshot failed', $e->getMessage());
assertSame('error', Harness::value("SELECT status FROM puqProxmoxKVM_operations WHERE kind = 'snapshot_create' AND volid = 'will_fail'"));

// Remove Old Snapshots, with the clock injected: within the lifetime the
// snapshot stays (its remaining lifetime is reported); past it, it goes.
$out = task('removeOldSnapshots', ['argv' => ['--task=removeOldSnapshots', '--verbose'], 'now' => time() + 3600]);
assertContains('removed: 0', $out);
assertMatches("/sid:$sid snapshot:before_upgrade remaining \\d+s/", $out);
assertSame(1, puq_snapshot_list($sid)['used']);
$out = task('remove_snapshots', ['now' => time() + 86400 + 60]);
assertContains('removed: 1', $out);
assertContains("sid:$sid snapshot:before_upgrade removed (lifetime over)", $out);
assertSame(0, puq_snapshot_list($sid)['used']);

// ---- Backups -------------------------------------------------------------
Sim::control('POST', 'tasks', ['durations' => ['vzdump' => 400]]);
$note = 'it\'s a "quoted" note; <b>not html</b> & more';
$r = puq_backup_create($sid, $note);
assertSame('running', $r['status']);
$l = puq_backup_list($sid);
assertSame([0, 2, 1], [$l['used'], $l['quota'], count($l['running'])]);
$e = assertThrows(Throwable::class, fn () => puq_backup_create($sid, 'again'));
assertContains('already running', $e->getMessage());
$e = assertThrows(Throwable::class, fn () => puq_backup_create($sid, str_repeat('n', 10240)));
assertContains("'note'", $e->getMessage());
usleep(600000);
$out = task('nowBackupStatus');
assertContains('finished: 1, failed: 0', $out);
$l = puq_backup_list($sid);
assertSame(1, $l['used']);
assertSame($note, $l['backups'][0]['note']);
assertTrue($l['backups'][0]['size'] > 0 && $l['backups'][0]['ctime'] > 0, 'size and date');
assertContains("vzdump-qemu-$vmid-", $l['backups'][0]['volid']);
$vzdump = array_values(array_filter(Sim::control('GET', 'requests?method=POST')['data'], fn ($q) => $q['template'] === '/nodes/{node}/vzdump'));
assertSame(1, count($vzdump));
assertSame('snapshot', $vzdump[0]['params']['mode']);
assertSame('zstd', $vzdump[0]['params']['compress']);
assertSame('local', $vzdump[0]['params']['storage']);

// A VM locked in Proxmox: the backup task fails; recorded and reported.
Sim::control('POST', 'lock', ['vmid' => $vmid, 'lock' => 'migrate']);
puq_backup_create($sid, 'locked');
usleep(600000);
$out = task('backup_status');
assertContains('failed: 1', $out);
assertContains('VM is locked', $out);
assertContains('VM is locked', puq_backup_list($sid)['last_error']);
Sim::control('POST', 'lock', ['vmid' => $vmid, 'lock' => null]);
assertSame(1, puq_backup_list($sid)['used']);

puq_backup_create($sid, 'second');
usleep(600000);
task('backup_status');
$e = assertThrows(Throwable::class, fn () => puq_backup_create($sid, 'third'));
assertContains('backup quota is full (2/2)', $e->getMessage());

// Delete: only this VM's own backups.
$other = Deploy::order($pid);
for ($i = 0; $i < 5 && Deploy::status($other) !== 'ready'; $i++) {
    Deploy::cron();
}
puq_backup_create($other, 'other VM');
usleep(600000);
task('backup_status');
$otherVol = puq_backup_list($other)['backups'][0]['volid'];
$e = assertThrows(Throwable::class, fn () => puq_backup_delete($sid, $otherVol));
assertContains("'volid'", $e->getMessage());
assertSame(1, puq_backup_list($other)['used']);
$oldest = puq_backup_list($sid)['backups'][0]['volid'];
assertSame('success', puq_backup_delete($sid, $oldest)['status']);
assertSame(1, puq_backup_list($sid)['used']);

// ---- Schedule ------------------------------------------------------------
assertSame(false, puq_backup_schedule_get($sid)['days'][1]['enabled']);
$wd = strtolower(date('l'));
$e = assertThrows(Throwable::class, fn () => puq_backup_schedule_save($sid, [$wd => ['enabled' => 'on', 'time' => '25:00']]));
assertContains("'schedule.$wd.time'", $e->getMessage());
assertSame(false, in_array(true, array_column(puq_backup_schedule_get($sid)['days'], 'enabled'), true));
$saved = puq_backup_schedule_save($sid, [$wd => ['enabled' => 'on', 'time' => '00:00']]);
assertSame(true, $saved['days'][(int) date('w')]['enabled']);
assertSame($saved, puq_backup_schedule_get($sid));

// Due (today, time passed, none today): started; the quota is full, so the
// oldest is deleted first.
puq_backup_create($sid, 'fill');
usleep(600000);
task('backup_status');
assertSame(2, puq_backup_list($sid)['used']);
$before = array_column(puq_backup_list($sid)['backups'], 'volid');
$out = task('scheduleBackup');
assertContains('due: 1, started: 1', $out);
assertContains("deleted oldest {$before[0]}", $out);
// Not twice a day.
$out = task('schedule_backup');
assertContains('due: 0, started: 0', $out);
usleep(600000);
task('backup_status');
$after = array_column(puq_backup_list($sid)['backups'], 'volid');
assertSame(2, count($after));
assertTrue(!in_array($before[0], $after, true) && in_array($before[1], $after, true), 'oldest replaced');

// ---- A slow backup never delays Process VMs ------------------------------
// vzdump now takes 10 minutes; one cron tick starts it (Schedule Backup)
// and deploys a new order (Process VMs) without waiting for it.
Sim::control('POST', 'tasks', ['durations' => ['vzdump' => 600000]]);
Harness::exec("DELETE FROM puqProxmoxKVM_operations WHERE origin = 'schedule'");
$new = Harness::createService(Deploy::$client, $pid, Deploy::$server);
assertSame('success', Harness::callServer('CreateAccount', $new));
ob_start();
puq_cron_tick(['argv' => ['--force']]);
$out = ob_get_clean();
assertContains('[scheduleBackup] Done', $out);
assertSame('running', Harness::value("SELECT status FROM puqProxmoxKVM_operations WHERE origin = 'schedule' ORDER BY id DESC LIMIT 1"));
assertSame('ready', Deploy::status($new));
assertTrue(strpos($out, '[processVirtualMachines] Done') < strpos($out, '[scheduleBackup] Running'), 'Process VMs ran first');

// Every request the module sent was valid for the Proxmox schema.
$requests = Sim::control('GET', 'requests', null)['data'];
$bad = array_filter($requests, fn ($q) => (int) $q['status'] === 400);
assertSame([], array_values(array_map(fn ($q) => "{$q['method']} {$q['path']} " . ($q['message'] ?? ''), $bad)));

echo "OK\n";
