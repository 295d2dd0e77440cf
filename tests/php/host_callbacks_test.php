<?php
// Calls back into WHMCS that fail — an exception, a PHP fatal error — become
// errors on the Rust side: the order is still accepted, the failure is
// logged, nothing leaks back into WHMCS's code and PHP goes on.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();
$pid = Deploy::product();

Harness::mockApi('SendEmail', function () {
    throw new RuntimeException('mail server down');
});
$sid = Harness::createService(Deploy::$client, $pid, Deploy::$server);
assertSame('success', Harness::callServer('CreateAccount', $sid));
$log = implode("\n", array_column(Harness::query('SELECT description FROM tblactivitylog'), 'description'));
assertContains("welcome email for service $sid", $log);
assertContains('RuntimeException: mail server down', $log);

// A PHP fatal error (a bailout) inside the callback.
Harness::mockApi('SendEmail', function () {
    trigger_error('fatal in the mail hook', E_USER_ERROR);
});
$sid2 = Harness::createService(Deploy::$client, $pid, Deploy::$server);
assertSame('success', Harness::callServer('CreateAccount', $sid2));
assertSame('creation', Deploy::status($sid2));
$log = implode("\n", array_column(Harness::query('SELECT description FROM tblactivitylog'), 'description'));
assertContains("welcome email for service $sid2", $log);

echo "OK\n";
