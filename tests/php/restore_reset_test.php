<?php
/**
 * Backup restore and Reset password, end to end through the native functions and the cron on the Proxmox
 * simulator: the restore stops the VM, deletes its snapshots, runs qmrestore without holding up the cron,
 * re-applies the package over the backup's configuration (shrink protected), starts the VM and sends
 * "Backup restored"; a failed restore ends in restore_failed and can be retried. Reset password saves a
 * new password, rewrites cloud-init with the VM stopped, starts it and sends "Reset password".
 */
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';
$puqAdmin = Harness::createAdmin('puq-admin');

Deploy::setUp();
Harness::callAddon('activate');
$pid = Deploy::product(['cpu' => '2', 'ram_gb' => '2', 'sys_size_gb' => '10', 'snapshots' => '2', 'backups' => '2',
    'backup_storage' => 'local']);
$sid = Deploy::order($pid);

function until(int $sid, string $want, int $max = 8): string
{
    $all = '';
    for ($i = 0; $i < $max; $i++) {
        $all .= Deploy::cron();
        if (Deploy::status($sid) === $want) {
            return $all;
        }
        usleep(100000);
    }
    throw new RuntimeException("service $sid is at " . Deploy::status($sid) . ", not $want:\n$all");
}

function task(string $name): string
{
    ob_start();
    try {
        puq_cron_tick(['argv' => ["--task=$name", '--force']]);
    } finally {
        $out = (string) ob_get_clean();
    }
    return $out;
}

function restorePosts(): int
{
    $posts = Sim::control('GET', 'requests?method=POST')['data'];
    return count(array_filter($posts, fn ($q) => $q['template'] === '/nodes/{node}/qemu' && isset($q['params']['archive'])));
}

until($sid, 'ready');
$vmid = Deploy::vmid($sid);
$mails = fn (string $name) => count(array_filter(Harness::sentEmails(), fn ($m) => $m['messagename'] === $name));

// ---- A backup whose configuration differs from the package ---------------
// (someone changed the VM in Proxmox before the backup was taken).
Sim::vmEdit($vmid, ['config' => ['cores' => '1', 'memory' => '1024']]);
Sim::control('POST', 'tasks', ['durations' => ['vzdump' => 100]]);
assertSame('running', puq_backup_create($sid, 'before the upgrade')['status']);
usleep(300000);
assertContains('finished: 1', task('backup_status'));
$volid = puq_backup_list($sid)['backups'][0]['volid'];
Sim::vmEdit($vmid, ['config' => ['cores' => '2', 'memory' => '2048']]);
assertSame('success', puq_snapshot_create($sid, '', 'keep_me')['status']);
assertSame(1, puq_snapshot_list($sid)['used']);

// ---- Bad requests change nothing -----------------------------------------
$e = assertThrows(Throwable::class, fn () => puq_backup_restore($sid, "local:backup/vzdump-qemu-999-2026_01_01-00_00_00.vma.zst"));
assertContains("'volid'", $e->getMessage());
assertContains('not a backup of this service', $e->getMessage());
$e = assertThrows(Throwable::class, fn () => puq_backup_restore($sid, ''));
assertContains("'volid'", $e->getMessage());
$e = assertThrows(Throwable::class, fn () => puq_backup_restore($sid, "bad\xff"));
assertContains('volid', $e->getMessage());
$e = assertThrows(Throwable::class, fn () => puq_backup_restore(0, $volid));
assertContains("'service_id'", $e->getMessage());
assertSame('ready', Deploy::status($sid));
assertSame(0, (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_operations WHERE kind = 'restore'"));

// ---- The restore -----------------------------------------------------------
Sim::control('POST', 'tasks', ['durations' => ['qmrestore' => 1500]]);
$r = puq_backup_restore($sid, $volid);
assertSame(['status' => 'queued', 'volid' => $volid], $r);
assertSame('restore', Deploy::status($sid));
// One at a time, and nothing else destructive meanwhile.
$e = assertThrows(Throwable::class, fn () => puq_backup_restore($sid, $volid));
assertContains("status 'restore'", $e->getMessage());
$e = assertThrows(Throwable::class, fn () => puq_reset_password($sid));
assertContains("status 'restore'", $e->getMessage());

// The first tick stops the VM, deletes the snapshots and starts qmrestore; it does not wait for it.
$t0 = microtime(true);
$out = Deploy::cron();
$took = microtime(true) - $t0;
assertContains('--- RestoreBackup: service=' . $sid, $out);
assertContains('Stop VM', $out);
assertContains('Delete snapshots', $out);
assertContains('Restore backup', $out);
assertContains('waiting: restore task', $out);
assertSame('rs_restore_started', Deploy::status($sid));
assertTrue($took < 1.4, sprintf('the tick returned while qmrestore ran (%.2fs)', $took));
assertSame([], Sim::state()['vms'][(string) $vmid]['snapshots'] ?? []);
// A second tick while it runs: still waiting, and qmrestore is never posted twice.
assertContains('waiting: restore task', Deploy::cron());
assertSame(1, restorePosts());
// Restore Backup Status reports it running, then finished.
assertContains('running: 1', task('restore_backup'));
usleep(1600000);
assertContains('finished: 1', task('restoreBackupStatus'));
assertSame('success', Harness::value("SELECT status FROM puqProxmoxKVM_operations WHERE kind = 'restore' ORDER BY id DESC LIMIT 1"));

// The re-apply: the backup had 1 core / 1 GB; the package is 2 / 2 GB.
$out = until($sid, 'ready');
assertContains('Set CPU & RAM', $out);
assertContains('--- RestoreBackup complete: service=' . $sid . ' status=ready ---', $out);
$vm = Sim::vm($vmid);
assertSame('running', $vm['status']);
assertSame('2', (string) $vm['config']['cores']);
assertSame('2048', (string) $vm['config']['memory']);
assertSame(0, puq_snapshot_list($sid)['used']);
assertSame(1, $mails('puqProxmoxKVM Backup restored'));
assertSame(1, restorePosts());
$runs = puq_vm_runs($sid, 5);
assertSame('restore', $runs[0]['action']);

// ---- Shrink protection: a package disk smaller than the backup's is kept ----
puq_product_settings_save($pid, ['sys_size_gb' => '5']);
assertSame('queued', puq_backup_restore($sid, $volid)['status']);
Sim::control('POST', 'tasks', ['durations' => ['qmrestore' => 0]]);
$out = until($sid, 'ready');
assertContains('shrink not allowed', $out);
puq_product_settings_save($pid, ['sys_size_gb' => '10']);

// ---- A failed restore: restore_failed, reported; retry works -------------
Sim::control('POST', 'task-fault', ['type' => 'qmrestore', 'vmid' => $vmid, 'message' => 'restore failed: storage full', 'count' => 1]);
assertSame('queued', puq_backup_restore($sid, $volid)['status']);
until($sid, 'restore_failed');
assertContains('storage full', Deploy::lastError($sid));
assertSame('error', Harness::value("SELECT status FROM puqProxmoxKVM_operations WHERE kind = 'restore' ORDER BY id DESC LIMIT 1"));
// The cron leaves a failed restore alone.
assertNotContains("service=$sid", Deploy::cron());
$ref = array_column(puq_vm_status_reference()['statuses'], 'cron', 'status');
assertContains('restore again, reinstall', $ref['restore_failed']);
// Retry (the spec's offer) brings it back.
assertSame('queued', puq_backup_restore($sid, $volid)['status']);
until($sid, 'ready');
assertSame('running', Sim::vm($vmid)['status']);
assertSame(3, $mails('puqProxmoxKVM Backup restored'));
// The other way out of restore_failed (the spec's "or reinstall"): Reinstall is accepted and deploys afresh.
Sim::control('POST', 'task-fault', ['type' => 'qmrestore', 'vmid' => $vmid, 'message' => 'restore failed again', 'count' => 1]);
assertSame('queued', puq_backup_restore($sid, $volid)['status']);
until($sid, 'restore_failed');
assertSame(true, puq_reinstall($sid, 0));
until($sid, 'ready', 12);
assertSame('running', Sim::vm($vmid)['status']);

// ---- Crash safety -----------------------------------------------------------
// Proxmox accepts the qmrestore but the reply is lost: a transport error, not restore_failed; the next
// tick finds the task in the node's task list and adopts it. qmrestore is posted once.
Sim::control('POST', 'tasks', ['durations' => ['qmrestore' => 300]]);
$posts = restorePosts();
Sim::fault(['method' => 'POST', 'path' => '/nodes/[^/]+/qemu$', 'action' => 'drop', 'when' => 'after', 'count' => 1]);
assertSame('queued', puq_backup_restore($sid, $volid)['status']);
$out = Deploy::cron();
assertSame('restore', Deploy::status($sid), $out);
$out = until($sid, 'ready');
assertContains('adopting the restore task already started', $out);
assertSame($posts + 1, restorePosts());

// A runner killed after the UPID was saved but before the state moved on, while Restore Backup Status
// recorded the end meanwhile: the next run goes on from the recorded task, no second qmrestore.
$posts = restorePosts();
assertSame('queued', puq_backup_restore($sid, $volid)['status']);
Deploy::cron();
assertSame('rs_restore_started', Deploy::status($sid));
Harness::exec("UPDATE puqProxmoxKVM_vm_info SET vm_status = 'restore' WHERE service_id = ?", [$sid]);
usleep(400000);
assertContains('finished: 1', task('restore_backup'));
until($sid, 'ready');
assertSame($posts + 1, restorePosts());

// Two requests at once (a double click, two web nodes): exactly one is queued, one request row.
$code = 'try { echo json_encode(puq_backup_restore(' . $sid . ', ' . var_export($volid, true) . ')); } '
    . 'catch (Throwable $e) { echo "refused: ", $e->getMessage(); }';
$procs = [];
for ($i = 0; $i < 2; $i++) {
    $procs[] = proc_open(Deploy::childCommand($code), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes[$i]);
}
$answers = [];
foreach ($procs as $i => $p) {
    $answers[] = stream_get_contents($pipes[$i][1]) . stream_get_contents($pipes[$i][2]);
    proc_close($p);
}
assertSame(1, count(array_filter($answers, fn ($a) => str_contains($a, '"queued"'))), implode(' | ', $answers));
assertSame(1, (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_operations WHERE kind = 'restore' AND status IN ('starting', 'running')"));
// A queued restore whose VM is reset before it starts is recorded as abandoned, not queued forever.
assertSame(true, puq_vm_reset_status($sid, 'ready', $puqAdmin));
assertContains('queued: 0', task('restore_backup'));
assertContains('abandoned', (string) Harness::value("SELECT error FROM puqProxmoxKVM_operations WHERE kind = 'restore' ORDER BY id DESC LIMIT 1"));

// The restored VM gets WHMCS's current password, not the backup's (reset after the backup was taken).
puq_reset_password($sid);
until($sid, 'ready');
$current = decrypt(Harness::value('SELECT password FROM tblhosting WHERE id = ?', [$sid]));
assertSame('queued', puq_backup_restore($sid, $volid)['status']);
assertContains('Set cloud-init password', until($sid, 'ready'));
assertSame($current, (string) Sim::vm($vmid)['config']['cipassword']);

// Backups under this VMID from before the service held it (an earlier owner's) are not its own.
Harness::exec('UPDATE puqProxmoxKVM_vm_info SET vmid_since = UNIX_TIMESTAMP() + 3600 WHERE service_id = ?', [$sid]);
assertSame(0, puq_backup_list($sid)['used']);
$e = assertThrows(Throwable::class, fn () => puq_backup_restore($sid, $volid));
assertContains("'volid'", $e->getMessage());
Harness::exec('UPDATE puqProxmoxKVM_vm_info SET vmid_since = UNIX_TIMESTAMP() - 3600 WHERE service_id = ?', [$sid]);
assertSame(1, puq_backup_list($sid)['used']);
Harness::resetCalls();

// ---- Reset password -------------------------------------------------------
// The cloud-init path (stop, cloud-init, start): the guest agent does not answer. The live path through the
// agent is tests/php/client_area_test.php.
Sim::vmEdit($vmid, ['agent_running' => false]);
$old = Harness::row('SELECT password FROM tblhosting WHERE id = ?', [$sid])['password'];
assertSame(true, puq_reset_password($sid));
assertSame('reset_password', Deploy::status($sid));
$new = Harness::row('SELECT password FROM tblhosting WHERE id = ?', [$sid])['password'];
assertTrue($new !== $old, 'a new password is saved');
$plain = decrypt($new);
assertTrue(strlen($plain) >= 16 && preg_match('/[A-Z]/', $plain) && preg_match('/[0-9]/', $plain), 'a strong password');
$e = assertThrows(Throwable::class, fn () => puq_reset_password($sid));
assertContains("status 'reset_password'", $e->getMessage());
$out = until($sid, 'ready');
assertContains('--- ResetPassword: service=' . $sid, $out);
assertContains('Set cloud-init password', $out);
$vm = Sim::vm($vmid);
assertSame('running', $vm['status']);
assertSame($plain, (string) $vm['config']['cipassword']);
assertSame(1, $mails('puqProxmoxKVM Reset password'));
// The password never appears in the cron output or the run log.
assertNotContains($plain, $out);
assertNotContains($plain, json_encode(puq_vm_runs($sid, 5)));

// Suspended during a reset: the VM stays off, and the client still gets the new password by email.
puq_reset_password($sid);
assertSame('success', Harness::callServer('SuspendAccount', $sid));
until($sid, 'ready');
assertSame('stopped', Sim::vm($vmid)['status']);
assertSame(2, $mails('puqProxmoxKVM Reset password'));

// A suspended service is refused; so is one that is not ours to reset.
$e = assertThrows(Throwable::class, fn () => puq_reset_password($sid));
assertContains('suspended', $e->getMessage());
$e = assertThrows(Throwable::class, fn () => puq_reset_password(999999));
assertContains('999999', $e->getMessage());

// Every request the module sent was valid for the Proxmox schema.
$requests = Sim::control('GET', 'requests', null)['data'];
$bad = array_filter($requests, fn ($q) => (int) $q['status'] === 400);
assertSame([], array_values(array_map(fn ($q) => "{$q['method']} {$q['path']} " . ($q['message'] ?? ''), $bad)));

echo "OK\n";
