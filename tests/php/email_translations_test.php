<?php
// The five email templates in every language of the addon's lang/emails/: activation and upgrade create the
// translation rows WHMCS uses (same name and type, `language` = the WHMCS language name) only where missing;
// an operator's edited translation is kept; a file that fails the checks (merge fields lost, not JSON) is
// skipped and the rest is created; no name outside the module's language list is ever read. WHMCS sends the
// client's language.
require __DIR__ . '/../harness/bootstrap.php';

$names = ['puqProxmoxVKM Welcome Email', 'puqProxmoxKVM VM is ready', 'puqProxmoxKVM Reset password',
    'puqProxmoxKVM Backup restored', 'puqProxmoxKVM Upgrade Email'];
$english = json_decode((string) file_get_contents(Harness::addonModuleDir() . '/lang/emails/english.json'), true);

// A folder of translations for this test: a good German file, a Polish one that lost a merge field, a
// French one that is not JSON, and a file whose name is not a WHMCS language.
$dir = sys_get_temp_dir() . '/puq-emails-' . getmypid();
@mkdir($dir);
$de = $english;
foreach ($de as $n => $t) {
    $de[$n]['subject'] = 'DE: ' . $t['subject'];
    $de[$n]['body'] = array_map(static function ($l) { return $l === '' ? '' : 'DE ' . $l; }, $t['body']);
}
file_put_contents("$dir/german.json", json_encode($de, JSON_UNESCAPED_UNICODE));
$pl = $de;
$pl['puqProxmoxKVM VM is ready']['body'] = ['Witaj {$client_name}', 'Hasło: ***'];
file_put_contents("$dir/polish.json", json_encode($pl));
file_put_contents("$dir/french.json", '{"not json');
file_put_contents("$dir/klingon.json", json_encode($de));

try {
    // The operator already translated one template into German by hand.
    Harness::createEmailTemplate('puqProxmoxKVM Upgrade Email', 'Mein Betreff', 'Mein Text', 'product', ['language' => 'german']);
    $r = puq_addon_activate($dir);
    assertSame('success', $r['status'], json_encode($r));
    assertContains('puqProxmoxVKM Welcome Email (german)', $r['description']);
    assertNotContains('(polish)', $r['description']);
    assertNotContains('(french)', $r['description']);
    assertNotContains('klingon', $r['description']);
    $rows = Harness::query("SELECT name, language, subject, message FROM tblemailtemplates WHERE type = 'product' ORDER BY language, name");
    $by = [];
    foreach ($rows as $row) {
        $by[$row['language']][$row['name']] = $row;
    }
    assertSame(['', 'german'], array_keys($by));
    assertCount(5, $by['']);
    assertCount(5, $by['german']);
    assertSame('Mein Betreff', $by['german']['puqProxmoxKVM Upgrade Email']['subject'], 'the operator\'s translation is kept');
    assertSame('DE: Virtual Machine is ready', $by['german']['puqProxmoxKVM VM is ready']['subject']);
    assertContains('DE Password: {$service_password}', $by['german']['puqProxmoxKVM VM is ready']['message']);
    assertSame('Virtual Machine is ready', $by['']['puqProxmoxKVM VM is ready']['subject']);

    // Again (upgrade): nothing new; a deleted German row comes back alone.
    $r = puq_addon_upgrade(['version' => '3.2.0'], $dir);
    assertNotContains('Email templates created', $r['description']);
    Harness::exec("DELETE FROM tblemailtemplates WHERE name = 'puqProxmoxKVM Backup restored' AND language = 'german'");
    $r = puq_addon_upgrade(['version' => '3.2.0'], $dir);
    assertContains('Email templates created: puqProxmoxKVM Backup restored (german).', $r['description']);
    assertSame(10, (int) Harness::value('SELECT COUNT(*) FROM tblemailtemplates'));

    // WHMCS sends a German client the German text, an English one the master.
    $server = Harness::createServer();
    $pid = Harness::createProduct(['name' => 'KVM mail']);
    $deClient = Harness::createClient(['language' => 'german']);
    $enClient = Harness::createClient();
    $sidDe = Harness::createService($deClient, $pid, $server);
    $sidEn = Harness::createService($enClient, $pid, $server);
    assertSame('success', localAPI('SendEmail', ['messagename' => 'puqProxmoxKVM VM is ready', 'id' => $sidDe])['result']);
    assertSame('success', localAPI('SendEmail', ['messagename' => 'puqProxmoxKVM VM is ready', 'id' => $sidEn])['result']);
    $sent = Harness::sentEmails();
    assertSame('DE: Virtual Machine is ready', $sent[count($sent) - 2]['subject']);
    assertSame('Virtual Machine is ready', $sent[count($sent) - 1]['subject']);

    // Bad folder values: nothing but the masters, no warning.
    foreach ([null, 42, [], "/nonexistent\0x", '/nonexistent'] as $bad) {
        $r = puq_addon_activate($bad);
        assertSame('success', $r['status']);
    }
} finally {
    foreach (glob("$dir/*") as $f) {
        unlink($f);
    }
    @rmdir($dir);
}

// The module's own folder: every translation shipped there is created by the addon's activation.
Harness::exec('DELETE FROM tblemailtemplates');
$r = Harness::callAddon('activate');
assertSame('success', $r['status'], json_encode($r));
$shipped = array_map(static function ($f) { return basename($f, '.json'); }, glob(Harness::addonModuleDir() . '/lang/emails/*.json'));
$langs = array_column(Harness::query("SELECT DISTINCT language FROM tblemailtemplates ORDER BY language"), 'language');
$expected = array_values(array_diff($shipped, ['english']));
sort($expected);
assertSame(array_merge([''], $expected), $langs);
assertSame(5 * (1 + count($expected)), (int) Harness::value('SELECT COUNT(*) FROM tblemailtemplates'));
echo 'languages with email translations: ' . (count($expected) ? implode(', ', $expected) : 'none yet (English masters only)') . "\n";
echo "OK\n";
