<?php
/**
 * Self-test of the WHMCS harness (no extension, no real module needed). Prints OK.
 *
 *   tests/services/mariadb.sh start /tmp/harness-db 33999
 *   PUQ_TEST_DB_PORT=33999 php -d zend.assertions=1 -d assert.exception=1 tests/harness/selftest.php
 *   tests/services/mariadb.sh stop /tmp/harness-db
 *
 * It points ROOTDIR at a throw-away module tree (a fake puqProxmoxKVM server module and puq_proxmox_kvm
 * addon written below) so callServer / moduleCommand / callAddon / runCronHook / renderClientArea are
 * exercised too.
 */

$fakeRoot = sys_get_temp_dir() . '/puq-harness-selftest-' . getmypid();
register_shutdown_function(static function () use ($fakeRoot) {
    exec('rm -rf ' . escapeshellarg($fakeRoot));
});
$files = [
    'modules/servers/puqProxmoxKVM/puqProxmoxKVM.php' => <<<'PHP'
<?php
if (!defined('WHMCS')) { die('This file cannot be accessed directly'); }
function puqProxmoxKVM_MetaData() { return ['DisplayName' => 'Fake', 'APIVersion' => '1.1', 'RequiresServer' => true, 'DefaultSSLPort' => '8006', 'DefaultNonSSLPort' => '8007']; }
function puqProxmoxKVM_CreateAccount(array $params) { $GLOBALS['fake_seen'][] = $params; return 'success'; }
function puqProxmoxKVM_SuspendAccount(array $params) { return 'Proxmox said no'; }
function puqProxmoxKVM_TerminateAccount(array $params) { return 'success'; }
function puqProxmoxKVM_TestConnection(array $params) { return ['success' => $params['serverpassword'] === 'pve-secret', 'error' => '']; }
function puqProxmoxKVM_ClientArea(array $params) { return ['templatefile' => 'templates/overview', 'vars' => ['ip' => '192.0.2.10']]; }
PHP,
    'modules/servers/puqProxmoxKVM/templates/overview.tpl' => 'VM {$moduleParams.domain} at {$ip}{if $missing} never{/if}',
    'modules/addons/puq_proxmox_kvm/puq_proxmox_kvm.php' => <<<'PHP'
<?php
if (!defined('WHMCS')) { die('This file cannot be accessed directly'); }
function puq_proxmox_kvm_config() { return ['name' => 'Fake', 'version' => '2.0', 'fields' => ['poll' => ['FriendlyName' => 'Poll', 'Type' => 'text', 'Default' => '30']]]; }
function puq_proxmox_kvm_activate() { return ['status' => 'success', 'description' => 'ok']; }
function puq_proxmox_kvm_deactivate() { return ['status' => 'success', 'description' => 'bye']; }
function puq_proxmox_kvm_upgrade($vars) { $GLOBALS['fake_upgraded_from'] = $vars['version']; }
function puq_proxmox_kvm_output($vars) { echo $vars['modulelink'] . '|' . $vars['_lang']['title'] . '|' . $vars['poll']; }
PHP,
    'modules/addons/puq_proxmox_kvm/lang/english.php' => "<?php\n\$_ADDONLANG['title'] = 'Proxmox KVM';\n",
    'modules/addons/puq_proxmox_kvm/hooks.php' => <<<'PHP'
<?php
add_hook('AfterCronJob', 5, function ($vars) { return 'second'; });
add_hook('AfterCronJob', 1, function ($vars) { return 'first'; });
add_hook('AfterModuleCreate', 1, function ($vars) { $GLOBALS['fake_after_create'] = $vars['params']['serviceid']; });
PHP,
];
foreach ($files as $rel => $content) {
    @mkdir(dirname("$fakeRoot/$rel"), 0700, true);
    file_put_contents("$fakeRoot/$rel", $content);
}
putenv("PUQ_TEST_ROOTDIR=$fakeRoot");

require __DIR__ . '/bootstrap.php';

// ---- globals, constants, database ----------------------------------------------------------------
assertTrue(defined('WHMCS'));
assertSame(realpath($fakeRoot), ROOTDIR);
assertMatches('/^whmcs_t\d+_[0-9a-f]{8}$/', $db_name);
assertSame($db_name, Harness::dbName());
assertTrue(is_string($db_port) && $db_port !== '');
foreach (['db_host', 'db_username', 'db_password', 'cc_encryption_hash'] as $g) {
    assertTrue(isset($GLOBALS[$g]) && is_string($GLOBALS[$g]), "global \$$g");
}
$pdo = Harness::pdo();
assertSame('InnoDB', Harness::value('SELECT ENGINE FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [$db_name, 'tblhosting']));
// Strict like WHMCS: a tblhosting row without its NOT NULL columns is refused.
assertThrows(PDOException::class, fn () => $pdo->exec("INSERT INTO tblhosting (userid, packageid) VALUES (1, 1)"));

// ---- fixtures and params() ---------------------------------------------------------------------------
$serverId = Harness::createServer(['password' => 'pve-secret', 'hostname' => 'pve1.example.test', 'ipaddress' => '192.0.2.1']);
$row = Harness::row('SELECT * FROM tblservers WHERE id = ?', [$serverId]);
assertNotSame('pve-secret', $row['password'], 'server password must be stored encrypted');
assertSame('pve-secret', decrypt($row['password']));
$groupId = Harness::createServerGroup('KVM', [$serverId]);
assertSame(1, (int) Harness::value('SELECT COUNT(*) FROM tblservergroupsrel WHERE groupid = ?', [$groupId]));

$pid = Harness::createProduct(['name' => 'KVM S', 'servergroup' => $groupId, 'configoption1' => 'node1', 'configoption24' => 'last']);
$otherPid = Harness::createProduct();
$clientId = Harness::createClient(['firstname' => 'Ada', 'lastname' => 'Lovelace', 'email' => 'ada@example.test']);
$sid = Harness::createService($clientId, $pid, $serverId, ['domain' => 'vm1.example.test', 'username' => 'ada', 'password' => 'svc-pass&1']);
assertSame('Pending', Harness::service($sid)['domainstatus']);

$cpu = Harness::addConfigOption($pid, 'cores|CPU Cores', ['1|1 Core', '2|2 Cores', '4|4 Cores'], $sid, '2');
Harness::addConfigOption($pid, 'Memory', [['2048|2 GB'], ['4096|4 GB']], $sid, '4096|4 GB');
Harness::addConfigOption($pid, 'disk|Disk Space (GB)', [], $sid, 40, ['type' => 'quantity', 'qtyminimum' => 10, 'qtymaximum' => 500]);
Harness::addConfigOption($pid, 'Backups', [], $sid, true, ['type' => 'yesno']);
Harness::addConfigOption($pid, 'Not selected', ['a', 'b']); // no value for this service: absent, as in WHMCS
Harness::addConfigOption($otherPid, 'Other product', ['x'], $sid, 'x'); // other product's option: absent
Harness::addCustomField($pid, 'vmid|VM ID', $sid, '101');
Harness::addCustomField($pid, 'OS', $sid, 'debian12|Debian 12');
Harness::addCustomField($otherPid, 'Elsewhere', $sid, 'no');

$p = Harness::params($sid);
foreach (['serviceid', 'userid', 'pid', 'serverid', 'domain', 'username', 'password', 'producttype', 'moduletype',
    'status', 'configoptions', 'customfields', 'clientsdetails', 'server', 'serverip', 'serverhostname',
    'serverusername', 'serverpassword', 'serveraccesshash', 'serversecure', 'serverport', 'serverhttpprefix', 'model'] as $k) {
    assertArrayHasKey($k, $p);
}
for ($i = 1; $i <= 24; $i++) {
    assertArrayHasKey("configoption$i", $p);
}
assertSame($sid, $p['serviceid']);
assertSame($clientId, $p['userid']);
assertSame($pid, $p['pid']);
assertSame($serverId, $p['serverid']);
assertSame('vm1.example.test', $p['domain']);
assertSame('ada', $p['username']);
assertSame('svc-pass&1', $p['password']);
assertSame('server', $p['producttype']);
assertSame('puqProxmoxKVM', $p['moduletype']);
assertSame('Pending', $p['status']);
assertSame('node1', $p['configoption1']);
assertSame('', $p['configoption2']);
assertSame('last', $p['configoption24']);
assertSame(['cores' => '2', 'Memory' => '4096', 'disk' => 40, 'Backups' => 1], $p['configoptions']);
assertSame(['vmid' => '101', 'OS' => 'debian12'], $p['customfields']);
assertSame(true, $p['server']);
assertSame('192.0.2.1', $p['serverip']);
assertSame('pve1.example.test', $p['serverhostname']);
assertSame('root@pam!whmcs', $p['serverusername']);
assertSame('pve-secret', $p['serverpassword']);
assertSame('', $p['serveraccesshash']);
assertSame(true, $p['serversecure']);
assertSame('https', $p['serverhttpprefix']);
assertSame(8006, $p['serverport']);
assertSame('ada@example.test', $p['clientsdetails']['email']);
assertSame('Ada', $p['clientsdetails']['firstname']);
assertSame('Ada Lovelace', $p['clientsdetails']['fullname']);
assertTrue($p['model'] instanceof stdClass && $p['model']->id === $sid);

Harness::setServiceConfigOption($sid, $cpu, '4|4 Cores');
assertSame('4', Harness::params($sid)['configoptions']['cores']);

// Plain-HTTP server without a port: the module's DefaultNonSSLPort, as WHMCS does.
$plain = Harness::createServer(['secure' => '', 'port' => null]);
$sp = Harness::serverParams($plain);
assertSame(false, $sp['serversecure']);
assertSame('http', $sp['serverhttpprefix']);
assertSame('8007', $sp['serverport']);
assertSame(false, Harness::serverParams(0)['server']);

// ---- encrypt / decrypt / localAPI ---------------------------------------------------------------
$enc = encrypt('hunter2');
assertNotSame('hunter2', $enc);
assertNotSame($enc, encrypt('hunter2'), 'random IV');
assertSame('hunter2', decrypt($enc));
assertSame('', decrypt('not-encrypted'));
$r = localAPI('EncryptPassword', ['password2' => 'p@ss']);
assertSame('success', $r['result']);
assertSame('p@ss', localAPI('DecryptPassword', ['password2' => $r['password']])['password']);
assertSame('error', localAPI('NoSuchCommand', [])['result']);

// SendEmail validates the template name and the related id.
$r = localAPI('SendEmail', ['messagename' => 'puqProxmoxKVM VM is ready', 'id' => $sid]);
assertSame(['result' => 'error', 'message' => 'Email Template not found'], $r);
Harness::createEmailTemplate('puqProxmoxKVM VM is ready', 'VM {$service_domain} ready', 'Hi {$client_first_name}, IP {$vm_ip}{$unknown}');
assertSame('error', localAPI('SendEmail', ['messagename' => 'puqProxmoxKVM VM is ready', 'id' => 999999])['result']);
assertSame('error', localAPI('SendEmail', ['messagename' => 'puqProxmoxKVM VM is ready'])['result']);
assertSame('error', localAPI('SendEmail', ['messagename' => 'puqProxmoxKVM VM is ready', 'id' => $sid, 'customvars' => 'garbage'])['result']);
$r = localAPI('SendEmail', ['messagename' => 'puqProxmoxKVM VM is ready', 'id' => $sid,
    'customvars' => base64_encode(serialize(['vm_ip' => '192.0.2.10']))]);
assertSame(['result' => 'success'], $r);
$mails = Harness::sentEmails();
assertCount(1, $mails);
assertSame('VM vm1.example.test ready', $mails[0]['subject']);
assertSame('Hi Ada, IP 192.0.2.10', $mails[0]['message']);
assertSame(['vm_ip' => '192.0.2.10'], $mails[0]['customvars']);
assertCount(5, Harness::apiCalls('SendEmail'));
assertSame($sid, Harness::apiCalls('SendEmail')[4][0]['id']);

Harness::mockApi('SendEmail', fn (array $v) => ['result' => 'error', 'message' => 'mail server down']);
assertSame('mail server down', localAPI('SendEmail', ['messagename' => 'x', 'id' => 1])['message']);
Harness::mockApi('SendEmail', null);

$dept = Harness::createTicketDepartment('Support');
assertSame('error', localAPI('OpenTicket', ['deptid' => 999, 'subject' => 's', 'message' => 'm', 'clientid' => $clientId])['result']);
assertSame('success', localAPI('OpenTicket', ['deptid' => $dept, 'subject' => 's', 'message' => 'm', 'clientid' => $clientId])['result']);
assertCount(1, Harness::tickets());
assertSame('Ada', localAPI('GetClientsDetails', ['clientid' => $clientId])['client']['firstname']);

// ---- logModuleCall masks the replace values ---------------------------------------------------------
logModuleCall('puqProxmoxKVM', 'CreateAccount', ['password' => 'topsecret', 'user' => 'root@pam'],
    '{"ticket":"tok-123-abc"}', ['data' => 'tok-123-abc'], ['topsecret', 'tok-123-abc', '']);
$log = Harness::row('SELECT * FROM tblmodulelog ORDER BY id DESC LIMIT 1');
assertSame('puqProxmoxKVM', $log['module']);
assertSame('CreateAccount', $log['action']);
foreach (['request', 'response', 'arrdata'] as $col) {
    assertNotContains('topsecret', $log[$col]);
    assertNotContains('tok-123-abc', $log[$col]);
}
assertContains('********', $log['request']);
assertContains('root@pam', $log['request']);
assertSame('{"ticket":"********"}', $log['response']);
Harness::setConfig('ModuleDebugMode', '');
logModuleCall('m', 'a', 'r', 's');
assertSame(1, (int) Harness::value('SELECT COUNT(*) FROM tblmodulelog'), 'no log when debug logging is off');
Harness::setConfig('ModuleDebugMode', 'on');

logActivity('Something happened', $clientId);
$act = Harness::row('SELECT * FROM tblactivitylog ORDER BY id DESC LIMIT 1');
assertSame('Something happened', $act['description']);
assertSame($clientId, $act['userid']);

// ---- hooks: priority order, ties in registration order ---------------------------------------------
$order = [];
add_hook('HarnessTest', 10, function ($v) use (&$order) { $order[] = 'p10'; return 10; });
add_hook('HarnessTest', 1, function ($v) use (&$order) { $order[] = 'p1a'; return 1; });
add_hook('HarnessTest', 5, function ($v) use (&$order) { $order[] = 'p5:' . $v['x']; return 5; });
add_hook('HarnessTest', 1, function ($v) use (&$order) { $order[] = 'p1b'; return 11; });
assertSame([1, 11, 5, 10], run_hook('HarnessTest', ['x' => 'y']));
assertSame(['p1a', 'p1b', 'p5:y', 'p10'], $order);
assertSame([], run_hook('NobodyListens', []));

// ---- CSRF tokens -------------------------------------------------------------------------------------
$tok = generate_token('plain');
assertContains('value="' . $tok . '"', generate_token());
assertSame('&token=' . $tok, generate_token('link'));
$_POST['token'] = $tok;
assertTrue(check_token());
$_POST['token'] = 'forged';
assertThrows(HarnessCsrfError::class, fn () => check_token(), 'Invalid CSRF');
unset($_POST['token']);

// ---- Smarty ------------------------------------------------------------------------------------------
assertSame('Hello World x3', Harness::renderSmarty('string:Hello {$name|escape} x{$items|count}', ['name' => 'World', 'items' => [1, 2, 3]]));
assertSame('<b>&lt;i&gt;</b>', Harness::renderSmarty('string:<b>{$v|escape:"html"}</b>', ['v' => '<i>']));

// ---- module entry points (fake module tree) ---------------------------------------------------------
assertThrows(RuntimeException::class, fn () => Harness::callServer('NoSuchFunction', $sid), 'not defined');
assertSame(['success' => true, 'error' => ''], Harness::testConnection($serverId));
assertSame('success', Harness::callServer('CreateAccount', $sid, ['extra' => 'yes']));
$seen = end($GLOBALS['fake_seen']);
assertSame('create', $seen['action']);
assertSame('yes', $seen['extra']);
assertSame('Pending', Harness::service($sid)['domainstatus'], 'callServer alone changes no status');

assertSame('success', Harness::moduleCommand('CreateAccount', $sid));
assertSame('Active', Harness::service($sid)['domainstatus']);
assertSame($sid, $GLOBALS['fake_after_create']);
assertSame("Module Create Successful - Service ID: $sid", Harness::value('SELECT description FROM tblactivitylog ORDER BY id DESC LIMIT 1'));
assertSame('Proxmox said no', Harness::moduleCommand('SuspendAccount', $sid, ['suspendreason' => 'Overdue']));
assertSame('Active', Harness::service($sid)['domainstatus']);
assertContains('Module Suspend Failed', Harness::value('SELECT description FROM tblactivitylog ORDER BY id DESC LIMIT 1'));
assertSame('VM vm1.example.test at 192.0.2.10', Harness::renderClientArea($sid));

assertSame('30', Harness::callAddon('config')['fields']['poll']['Default']);
assertSame('success', Harness::callAddon('activate')['status']);
assertSame(['version' => '2.0', 'access' => '1', 'poll' => '30'], Harness::addonSettings());
Harness::setAddonSetting('poll', '15');
assertSame('addonmodules.php?module=puq_proxmox_kvm|Proxmox KVM|15', Harness::callAddon('output'));
Harness::setAddonSetting('version', '1.5');
Harness::callAddon('upgrade');
assertSame('1.5', $GLOBALS['fake_upgraded_from']);
assertSame('2.0', Harness::addonSettings()['version']);
assertSame(['first', 'second'], Harness::runCronHook());
assertSame(['first', 'second'], Harness::runCronHook(), 'hooks registered once');
assertSame('success', Harness::callAddon('deactivate')['status']);
assertSame([], Harness::addonSettings());

// ---- recordings ----------------------------------------------------------------------------------------
assertTrue(count(Harness::calls()) > 10);
assertSame('Something happened', Harness::calls('logActivity')[0]['args'][0]);
assertSame('AfterCronJob', Harness::calls('run_hook')[count(Harness::calls('run_hook')) - 1]['args'][0]);
Harness::resetCalls();
assertSame([], Harness::calls());

// ---- assertion helpers report file:line ----------------------------------------------------------
$e = assertThrows(AssertionError::class, fn () => assertSame(1, 2));
assertContains(__FILE__ . ':', $e->getMessage());

echo "OK\n";
