<?php
// Addon activation (and upgrade) creates the five email templates with the
// spec's names, subjects and bodies, once; an operator's edits, and a
// template the operator disabled, are never overwritten.
require __DIR__ . '/../harness/bootstrap.php';

$names = ['puqProxmoxVKM Welcome Email', 'puqProxmoxKVM VM is ready', 'puqProxmoxKVM Reset password',
    'puqProxmoxKVM Backup restored', 'puqProxmoxKVM Upgrade Email'];
// The operator already made one (custom text) before installing this version.
Harness::createEmailTemplate('puqProxmoxKVM VM is ready', 'My own subject', 'My own body');

$r = Harness::callAddon('activate');
assertSame('success', $r['status'], json_encode($r));
assertContains('Email templates created: puqProxmoxVKM Welcome Email, puqProxmoxKVM Reset password', $r['description']);
// The operator's English one is kept (its translations, which did not exist, are created).
assertFalse((bool) preg_match('/puqProxmoxKVM VM is ready(?! \()/', $r['description']), $r['description']);
$rows = Harness::query("SELECT name, subject, message, type, disabled FROM tblemailtemplates WHERE language = '' ORDER BY id");
$languages = count(glob(Harness::addonModuleDir() . '/lang/emails/*.json')) - 1;
assertSame(5 * (1 + $languages), (int) Harness::value('SELECT COUNT(*) FROM tblemailtemplates'), 'English and one row per translation');
assertSame(5, count($rows));
$got = array_column($rows, 'name');
sort($got);
$expected = $names;
sort($expected);
assertSame($expected, $got);
foreach ($rows as $row) {
    assertSame('product', $row['type']);
}
$by = array_column($rows, null, 'name');
assertSame('My own subject', $by['puqProxmoxKVM VM is ready']['subject']);
assertSame('Virtual Machine Order Information', $by['puqProxmoxVKM Welcome Email']['subject']);
assertSame('Reset password is ready', $by['puqProxmoxKVM Reset password']['subject']);
assertSame('Backup restored successful', $by['puqProxmoxKVM Backup restored']['subject']);
assertSame('Virtual Machine upgrade is ready', $by['puqProxmoxKVM Upgrade Email']['subject']);
assertContains('Username: {$service_username}<br />', $by['puqProxmoxKVM Reset password']['message']);

// Edited and disabled by the operator: activation and upgrade keep it so.
Harness::update('tblemailtemplates', ['message' => 'edited', 'disabled' => 1], ['name' => 'puqProxmoxKVM Upgrade Email']);
Harness::callAddon('activate');
$r = Harness::callAddon('upgrade', ['version' => '3.2.0']);
assertNotContains('Email templates created', $r['description']);
assertSame(5 * (1 + $languages), (int) Harness::value('SELECT COUNT(*) FROM tblemailtemplates'));
assertSame('edited', Harness::value("SELECT message FROM tblemailtemplates WHERE name = 'puqProxmoxKVM Upgrade Email' AND language = ''"));
assertSame(1, (int) Harness::value("SELECT disabled FROM tblemailtemplates WHERE name = 'puqProxmoxKVM Upgrade Email' AND language = ''"));

// One deleted is recreated on the next upgrade, alone.
Harness::exec("DELETE FROM tblemailtemplates WHERE name = 'puqProxmoxKVM Backup restored' AND language = ''");
$r = Harness::callAddon('upgrade', ['version' => '3.3.0']);
assertContains('Email templates created: puqProxmoxKVM Backup restored.', $r['description']);
assertSame(5 * (1 + $languages), (int) Harness::value('SELECT COUNT(*) FROM tblemailtemplates'));

// They render through WHMCS's SendEmail with the service's merge fields.
$server = Harness::createServer();
$pid = Harness::createProduct(['name' => 'KVM S']);
$client = Harness::createClient();
$sid = Harness::createService($client, $pid, $server);
$res = localAPI('SendEmail', ['messagename' => 'puqProxmoxKVM Backup restored', 'id' => $sid]);
assertSame('success', $res['result'], json_encode($res));
$sent = Harness::sentEmails();
$mail = end($sent);
assertSame('Backup restored successful', $mail['subject']);
$domain = Harness::value('SELECT domain FROM tblhosting WHERE id = ?', [$sid]);
assertContains("or $domain</p>", $mail['message']);
assertContains('<p>Backup restored successful.</p>', $mail['message']);

echo "OK\n";
