<?php
// The reader's language: the client area follows the WHMCS session language, then the client's profile
// (tblclients.language), then the system default (tblconfiguration Language); the admin pages the admin's
// session language, then tbladmins.language. Only names of the module's fixed list are loaded; a name that is
// not a file, a missing file, a broken file, a missing or empty key: English, no PHP warning (the harness turns
// every warning into an exception), no path outside the lang folder read.
require __DIR__ . '/../harness/bootstrap.php';

Harness::loadServerModule();

// Bad session values never name a file.
foreach (['../../etc/passwd', 'english.php%00', "english.php\0", "german\0.php", str_repeat('x', 2048),
    '/etc/passwd', 'German/../../x', '', ' '] as $bad) {
    $i = puq_lang_pick('client', 0, $bad);
    assertSame('english', $i['language'], 'bad session value ' . json_encode(substr($bad, 0, 40)));
    assertSame('ltr', $i['dir']);
}
foreach ([[1, 2], 3.5, true, null, new stdClass()] as $odd) {
    assertSame('english', puq_lang_pick('client', 0, $odd)['language']);
}
$i = puq_lang_pick('client', 0, 'german');
assertSame(['german', 'de', 'ltr'], [$i['language'], $i['locale'], $i['dir']]);
$i = puq_lang_pick('client', 0, 'Arabic');
assertSame(['arabic', 'ar', 'rtl'], [$i['language'], $i['locale'], $i['dir']]);
assertSame('rtl', puq_lang_pick('admin', 0, 'hebrew')['dir']);
assertSame('rtl', puq_lang_pick('admin', 0, 'farsi')['dir']);
assertSame('uk', puq_lang_pick('client', 0, 'ukranian')['locale']);
assertSame('english', puq_lang_pick('client', 0, 'ukrainian')['language'], 'WHMCS spells it ukranian');

// Profile, then system default (clients); profile (admins).
$pl = Harness::createClient(['language' => 'polish']);
$none = Harness::createClient(['language' => '']);
$bogus = Harness::createClient(['language' => '../../../etc/passwd']);
Harness::setConfig('Language', 'turkish');
assertSame('polish', puq_lang_pick('client', $pl, null)['language']);
assertSame('german', puq_lang_pick('client', $pl, 'german')['language'], 'the session language wins');
assertSame('turkish', puq_lang_pick('client', $none, null)['language'], 'no profile language: the system default');
assertSame('turkish', puq_lang_pick('client', $bogus, null)['language'], 'a bad profile value is skipped');
assertSame('turkish', puq_lang_pick('client', 0, '../x')['language']);
Harness::setConfig('Language', 'klingon');
assertSame('english', puq_lang_pick('client', $none, null)['language']);
$admin = Harness::createAdmin('lang-admin', ['language' => 'dutch']);
assertSame('dutch', puq_lang_pick('admin', $admin, null)['language']);
assertSame('french', puq_lang_pick('admin', $admin, 'french')['language']);
assertSame('english', puq_lang_pick('admin', 999999, null)['language']);

// The loader: English under a language whose file is missing, broken, or lacks a key.
$dir = dirname(Harness::serverModuleFile()) . '/lang';
$english = puqProxmoxKVM_langFile($dir . '/english.php');
assertTrue(isset($english['client_menu_overview']));
// A file this test writes (portuguese-pt is on the list; the translators do not write it) and removes.
$tmp = $dir . '/portuguese-pt.php';
assertFalse(is_file($tmp), 'portuguese-pt.php must not exist before this test');
try {
    file_put_contents($tmp, "<?php\nif (!defined('WHMCS')) { die('x'); }\n\$_LANG['client_menu_overview'] = 'Visão geral';\n\$_LANG['client_menu_charts'] = '';\n\$_LANG['not_a_key_of_english'] = 'x';\n");
    $_SESSION = ['uid' => 0, 'Language' => 'portuguese-pt'];
    $l = puqProxmoxKVM_langFor('client');
    assertSame('Visão geral', $l['client_menu_overview']);
    assertSame($english['client_menu_charts'], $l['client_menu_charts'], 'an empty value shows English');
    assertSame($english['client_menu_reinstall'], $l['client_menu_reinstall'], 'a missing key shows English');
    assertFalse(isset($l['not_a_key_of_english']));
    assertSame(count($english), count($l));
    // A file that does not parse: English, no warning.
    file_put_contents($tmp, "<?php\n\$_LANG['client_menu_overview'] = 'x'\n\$broken = ;\n");
    assertSame([], puqProxmoxKVM_langFile($tmp));
} finally {
    @unlink($tmp);
}
// A listed language whose file is not on disk.
assertSame($english, array_intersect_key(puqProxmoxKVM_langFile($dir . '/portuguese-pt.php') + $english, $english));

// Messages from the extension: the key's text with {name} filled in, else the English fallback.
assertSame('Pool A is full', puqProxmoxKVM_langMessage(['k' => 'Pool {name} is full'], 'k', ['name' => 'A'], 'fallback'));
assertSame('fallback 1', puqProxmoxKVM_langMessage([], 'nope', ['x' => 1], 'fallback {x}'));

// English messages of the extension by their key: per reader, behind the Display prefixes too.
$k = puq_message_key('client', 'port 70000 is out of range (0-65535)');
assertSame('client_v_fw_port_range', $k['key']);
assertSame('70000', $k['params']['n']);
assertSame(null, puq_message_key('addon', 'port 70000 is out of range (0-65535)'), 'not an addon message');
assertSame(null, puq_message_key('nobody', 'nothing to save'));
assertSame('m_redeploy_refused', puq_message_key('addon', "Redeploy is refused while the VM is in status 'terminate': that operation must finish (or be reset) first")['key']);
$de = ['client_v_fw_port_range' => 'Port {n} liegt außerhalb (0-65535)', 'puq_m_between' => 'muss zwischen {min} und {max} liegen'];
assertSame('Port 70000 liegt außerhalb (0-65535)', puqProxmoxKVM_langText($de, 'client', 'port 70000 is out of range (0-65535)'));
assertSame('muss zwischen 1 und 64 liegen', puqProxmoxKVM_langText($de, 'server_admin', "Invalid value for 'cpu': must be between 1 and 64"));
assertSame('an unknown message', puqProxmoxKVM_langText($de, 'client', 'an unknown message'));
assertSame('is not an address of this service', puqProxmoxKVM_langText($de, 'client', 'is not an address of this service'), 'a key the language lacks: English');

// A client page shows dir and lang of the client's language (ltr/en here: no Arabic file needed for the
// attributes, which come from the language's name).
$server = Harness::createServer();
$pid = Harness::createProduct(['name' => 'KVM lang']);
$cl = Harness::createClient(['language' => 'arabic']);
$sid = Harness::createService($cl, $pid, $server);
$_SESSION = ['uid' => $cl];
$html = Harness::renderClientArea($sid);
assertContains('dir="rtl"', $html);
assertContains('lang="ar"', $html);
echo "OK\n";
