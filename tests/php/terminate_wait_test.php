<?php
// A terminate that meets a VM Proxmox keeps locked: the wait is on the
// record (what Proxmox answered and since when), bounded by the lock-wait
// window (setting lock_wait_minutes, default 30, from the first refusal),
// then error_terminate with that error; Reset to terminate retries with a
// fresh window. A deploy's wait is on the record too.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();
$pid = Deploy::product();

$since = fn (int $sid) => (int) Harness::value('SELECT wait_since FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);
/** Moves the first refusal `$minutes` into the past. */
$backdate = fn (int $sid, int $minutes) => Harness::exec('UPDATE puqProxmoxKVM_vm_info SET wait_since = UNIX_TIMESTAMP() - ? WHERE service_id = ?', [$minutes * 60, $sid]);

assertSame(30, puq_settings_get()['lock_wait_minutes']);

$sid = Deploy::order($pid);
Deploy::until($sid, 'ready', 6);
$vmid = Deploy::vmid($sid);

// ---- the wait is visible: what Proxmox answered, since when ----
Sim::control('POST', 'lock', ['vmid' => $vmid, 'lock' => 'backup']);
assertSame('success', Harness::callServer('TerminateAccount', $sid));
$t0 = time();
Deploy::cron();
assertSame('terminate', Deploy::status($sid));
$err = Deploy::lastError($sid);
assertTrue(preg_match('~^Waiting since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(0 min; gives up after 30 min\): .*VM is locked \(backup\)~', $err) === 1, $err);
$first = $since($sid);
assertTrue(abs($first - $t0) <= 5, "wait_since $first vs $t0");
// Later refusals keep the first one's time.
sleep(1);
Deploy::cron();
assertSame($first, $since($sid));
assertSame('terminate', Deploy::status($sid));
// VM Management shows it as a warning, not as silent progress.
$admin = Harness::createAdmin('admin');
$rows = puq_admin_ajax('vms.list', ['q' => (string) $sid], $admin, false)['data']['rows'];
$row = array_values(array_filter($rows, fn ($r) => (int) $r['service_id'] === $sid))[0];
assertContains('Waiting since', $row['last_error']);

// ---- bounded: 29 min still waits, 31 min gives up to error_terminate with that error ----
$backdate($sid, 29);
Deploy::cron();
assertSame('terminate', Deploy::status($sid));
assertContains('(29 min; gives up after 30 min)', Deploy::lastError($sid));
$backdate($sid, 31);
$out = Deploy::cron();
assertSame('error_terminate', Deploy::status($sid));
$err = Deploy::lastError($sid);
assertContains('gave up after waiting 31 min', $err);
assertContains('lock-wait window 30 min', $err);
assertContains('VM is locked (backup)', $err);
assertContains('error_terminate', $out);
assertSame(0, $since($sid));
assertTrue(Sim::vm($vmid) !== null, 'the VM is kept');
$run = Harness::row('SELECT result, error FROM puqProxmoxKVM_vm_runs WHERE service_id = ? ORDER BY id DESC LIMIT 1', [$sid]);
assertSame('error', $run['result']);
// The cron skips it now.
assertNotContains("service=$sid", Deploy::cron());

// ---- Reset to terminate retries with a fresh window; once the lock is gone it completes ----
$r = puq_admin_ajax('vms.reset', ['service_id' => $sid, 'status' => 'terminate'], $admin, true);
assertSame(true, $r['ok'], json_encode($r));
Deploy::cron();
assertSame('terminate', Deploy::status($sid));
assertContains('(0 min; gives up after 30 min)', Deploy::lastError($sid));
Sim::control('POST', 'lock', ['vmid' => $vmid, 'lock' => null]);
Deploy::until($sid, 'remove', 6);
assertSame('', Deploy::lastError($sid));
assertSame(0, $since($sid));
assertSame(null, Sim::vm($vmid));

// ---- the window is a setting (1–1440 min) ----
$r = puq_admin_ajax('settings.save', ['lock_wait_minutes' => '0'], $admin, true);
assertSame(400, $r['status']);
assertSame('lock_wait_minutes', $r['field']);
assertSame(true, puq_admin_ajax('settings.save', ['lock_wait_minutes' => '5'], $admin, true)['ok']);
$s2 = Deploy::order($pid);
Deploy::until($s2, 'ready', 6);
Sim::control('POST', 'lock', ['vmid' => Deploy::vmid($s2), 'lock' => 'migrate']);
assertSame('success', Harness::callServer('TerminateAccount', $s2));
Deploy::cron();
assertContains('gives up after 5 min', Deploy::lastError($s2));
$backdate($s2, 6);
Deploy::cron();
assertSame('error_terminate', Deploy::status($s2));
assertContains('VM is locked (migrate)', Deploy::lastError($s2));

// ---- other machines: a deploy waiting on a lock says so too (and never gives up) ----
$s3 = Deploy::order($pid);
Sim::control('POST', 'fault', ['method' => 'POST', 'path' => '/status/start$', 'status' => 500, 'message' => 'paused for the test', 'count' => 1]);
Deploy::cron();
assertSame('set_cloudinit', Deploy::status($s3));
Sim::control('POST', 'lock', ['vmid' => Deploy::vmid($s3), 'lock' => 'backup']);
Deploy::cron();
assertSame('set_cloudinit', Deploy::status($s3));
$err = Deploy::lastError($s3);
assertTrue(preg_match('~^Waiting since .+ \(0 min\): .*VM is locked \(backup\)~', $err) === 1, $err);
$backdate($s3, 120);
Deploy::cron();
assertSame('set_cloudinit', Deploy::status($s3));
assertContains('(120 min)', Deploy::lastError($s3));
Sim::control('POST', 'lock', ['vmid' => Deploy::vmid($s3), 'lock' => null]);
Deploy::until($s3, 'ready', 6);
assertSame('', Deploy::lastError($s3));
assertSame(0, $since($s3));

echo "OK\n";
