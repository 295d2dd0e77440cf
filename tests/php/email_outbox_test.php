<?php
// Durable emails (issue 21, item 8): the email a state change makes due is in
// the outbox with that change, so a cron killed (SIGKILL) right before WHMCS
// sends it, right after, or right after the email step's line still yields
// the email — once, or twice only when the kill fell between WHMCS's send and
// our "sent" mark — for every machine's email: VM is ready, Upgrade Email,
// Reset password, Backup restored. A refused email is kept and retried.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();
$pid = Deploy::product(['cpu' => '1', 'ram_gb' => '1', 'sys_size_gb' => '8', 'backups' => '2', 'backup_storage' => 'local']);
$log = tempnam(sys_get_temp_dir(), 'puq-mails');
putenv("PUQ_HARNESS_MAIL_LOG=$log");

function mails(int $sid, string $name): int
{
    $n = 0;
    foreach (file($GLOBALS['log'], FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $l) {
        $m = json_decode($l, true);
        $n += ($m['id'] === $sid && $m['messagename'] === $name) ? 1 : 0;
    }
    return $n;
}

/** A child cron run; with $kill set, WHMCS's SendEmail kills it (before|after accepting). */
function child(string $kill = ''): string
{
    putenv('PUQ_HARNESS_KILL_SENDEMAIL' . ($kill === '' ? '' : "=$kill"));
    $p = proc_open(Deploy::cronCommand(), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
    proc_close($p);
    putenv('PUQ_HARNESS_KILL_SENDEMAIL');
    return $out;
}

/** A child cron killed as soon as it prints a line holding $needle. */
function killAtLine(string $needle): bool
{
    $p = proc_open(Deploy::cronCommand(), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    $hit = false;
    while (($l = fgets($pipes[1])) !== false) {
        if (str_contains($l, $needle)) {
            proc_terminate($p, 9);
            $hit = true;
            break;
        }
    }
    stream_get_contents($pipes[1]);
    proc_close($p);
    return $hit;
}

function untilStatus(int $sid, string $want, string $kill = '', int $max = 12): void
{
    for ($i = 0; $i < $max && Deploy::status($sid) !== $want; $i++) {
        child($kill);
    }
    assertSame($want, Deploy::status($sid), "service $sid: " . Deploy::lastError($sid));
}

function unsent(int $sid): int
{
    return (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_email_outbox WHERE service_id = ? AND sent_at IS NULL', [$sid]);
}

// ---- VM is ready: killed right before WHMCS sends it ------------------------
$a = Deploy::order($pid);
untilStatus($a, 'ready', 'before');
assertSame(0, mails($a, 'puqProxmoxKVM VM is ready'), 'the kill came before the send');
assertSame(1, unsent($a), 'the email is in the outbox with the ready state');
child();
assertSame(1, mails($a, 'puqProxmoxKVM VM is ready'), 'sent by the next run after the crash');
assertSame(0, unsent($a));
child();
assertSame(1, mails($a, 'puqProxmoxKVM VM is ready'), 'and only once');

// ---- VM is ready: killed right after the email step's line ------------------
$b = Deploy::order($pid);
for ($i = 0; $i < 12 && Deploy::status($b) !== 'ready'; $i++) {
    if (killAtLine('Verify running + Email')) {
        break;
    }
}
assertSame('ready', Deploy::status($b));
child();
assertSame(1, mails($b, 'puqProxmoxKVM VM is ready'), 'killed after the email step: sent exactly once');

// ---- VM is ready: killed right after WHMCS accepted it (the rare twice) -----
$c = Deploy::order($pid);
untilStatus($c, 'ready', 'after');
child();
$n = mails($c, 'puqProxmoxKVM VM is ready');
assertTrue($n >= 1 && $n <= 2, "killed between send and mark: once or twice, got $n");
assertSame(0, unsent($c));

// ---- Upgrade Email ------------------------------------------------------------
puq_product_settings_save($pid, ['cpu' => '2']);
assertSame('success', Harness::callServer('ChangePackage', $a));
untilStatus($a, 'ready', 'before');
assertSame(0, mails($a, 'puqProxmoxKVM Upgrade Email'));
child();
assertSame(1, mails($a, 'puqProxmoxKVM Upgrade Email'), 'upgrade email after the crash');
assertSame('success', Harness::callServer('ChangePackage', $b));
for ($i = 0; $i < 12 && Deploy::status($b) !== 'ready'; $i++) {
    if (killAtLine('Verify VM')) {
        break;
    }
}
assertSame('ready', Deploy::status($b));
child();
assertSame(1, mails($b, 'puqProxmoxKVM Upgrade Email'), 'upgrade email once after a kill at its step');

// ---- Reset password -------------------------------------------------------------
assertTrue(puq_reset_password($a));
untilStatus($a, 'ready', 'before');
assertSame(0, mails($a, 'puqProxmoxKVM Reset password'));
child();
assertSame(1, mails($a, 'puqProxmoxKVM Reset password'), 'reset password email after the crash');

// ---- Backup restored --------------------------------------------------------------
Sim::control('POST', 'tasks', ['durations' => ['vzdump' => 50, 'qmrestore' => 50]]);
assertSame('running', puq_backup_create($b, 'x')['status']);
usleep(300000);
ob_start();
puq_cron_tick(['argv' => ['--task=backup_status', '--force']]);
ob_end_clean();
$volid = puq_backup_list($b)['backups'][0]['volid'];
assertSame('queued', puq_backup_restore($b, $volid)['status']);
untilStatus($b, 'ready', 'before');
assertSame(0, mails($b, 'puqProxmoxKVM Backup restored'));
child();
assertSame(1, mails($b, 'puqProxmoxKVM Backup restored'), 'backup restored email after the crash');

// ---- A refused email is kept and retried --------------------------------------------
Harness::query("UPDATE tblemailtemplates SET disabled = 1 WHERE name = 'puqProxmoxKVM VM is ready'");
$d = Deploy::order($pid);
untilStatus($d, 'ready');
assertSame(0, mails($d, 'puqProxmoxKVM VM is ready'));
assertSame(1, unsent($d), 'kept while WHMCS refuses it');
assertContains('disabled', (string) Harness::value('SELECT last_error FROM puqProxmoxKVM_email_outbox WHERE service_id = ?', [$d]));
Harness::query("UPDATE tblemailtemplates SET disabled = 0 WHERE name = 'puqProxmoxKVM VM is ready'");
Harness::query('UPDATE puqProxmoxKVM_email_outbox SET next_try_at = 0 WHERE service_id = ?', [$d]);
child();
assertSame(1, mails($d, 'puqProxmoxKVM VM is ready'), 'sent once WHMCS accepts it');

@unlink($log);
echo "OK\n";
