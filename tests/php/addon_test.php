<?php
// Addon activate / upgrade / deactivate against a real MariaDB, idempotent
// migrations, settings validation, and the admin page.
require __DIR__ . '/../harness/bootstrap.php';

function tables(): array
{
    return array_column(Harness::query("SELECT TABLE_NAME t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'puqProxmoxKVM%' ORDER BY t"), 't');
}

// Nothing is created before activation (no side effects at load).
Harness::loadServerModule();
Harness::loadAddonModule();
assertSame([], tables());

$r = Harness::callAddon('activate');
assertSame('success', $r['status'], json_encode($r));
assertContains('migrated from version 0 to', $r['description']);
$all = ['puqProxmoxKVM_backup_schedule', 'puqProxmoxKVM_cron_tasks', 'puqProxmoxKVM_dns_zones', 'puqProxmoxKVM_email_outbox', 'puqProxmoxKVM_ip_addresses',
    'puqProxmoxKVM_ip_pools', 'puqProxmoxKVM_iso_mounts', 'puqProxmoxKVM_live_cache', 'puqProxmoxKVM_operations', 'puqProxmoxKVM_product_settings',
    'puqProxmoxKVM_schema', 'puqProxmoxKVM_settings', 'puqProxmoxKVM_statistics', 'puqProxmoxKVM_vm_info',
    'puqProxmoxKVM_vm_runs'];
assertSame($all, tables());

// vm_info has a unique key on the service.
Harness::exec("INSERT INTO puqProxmoxKVM_vm_info (service_id) VALUES (7)");
assertThrows(Throwable::class, fn () => Harness::exec("INSERT INTO puqProxmoxKVM_vm_info (service_id) VALUES (7)"));

// Idempotent: activating again and upgrading change nothing.
$r = Harness::callAddon('activate');
assertSame('success', $r['status']);
assertContains('already at version', $r['description']);
$r = Harness::callAddon('upgrade', ['version' => '3.2.0']);
assertSame('success', $r['status']);
assertContains('Upgraded from 3.2.0', $r['description']);
assertSame(1, (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_vm_info'));

// Two activations at once (two web nodes) both succeed, schema applied once.
$nMigrations = (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_schema');
assertTrue($nMigrations >= 5);
Harness::exec('DROP TABLE ' . implode(', ', $all));
$procs = [];
for ($i = 0; $i < 3; $i++) {
    $code = 'require ' . var_export(__DIR__ . '/../harness/bootstrap.php', true) . '; echo json_encode(puq_addon_activate());';
    $procs[] = popen('PUQ_TEST_DB_NAME=' . escapeshellarg(Harness::dbName()) . ' ' . escapeshellarg(PHP_BINARY) . ' -d zend.assertions=1 -d assert.exception=1 -d extension=' . escapeshellarg(getenv('PUQ_EXT')) . ' -r ' . escapeshellarg($code) . ' 2>&1', 'r');
}
foreach ($procs as $p) {
    $out = stream_get_contents($p);
    pclose($p);
    $j = json_decode(trim($out), true);
    assertSame('success', $j['status'] ?? null, $out);
}
assertSame($nMigrations, (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_schema'), 'each migration applied once');

// Settings: defaults, validation naming the field, nothing saved on error.
$s = puq_settings_get();
assertSame(10, $s['default_timeout']);
assertSame(60, $s['heavy_timeout']);
assertSame(300, $s['migration_timeout']);
assertSame(false, $s['delete_tables_on_deactivate']);
$e = assertThrows(Throwable::class, fn () => puq_settings_save(['default_timeout' => '0']));
assertContains("'default_timeout'", $e->getMessage());
$e = assertThrows(Throwable::class, fn () => puq_settings_save(['heavy_timeout' => 'abc']));
assertContains("'heavy_timeout'", $e->getMessage());
assertSame(10, puq_settings_get()['default_timeout']);
$s = puq_settings_save(['default_timeout' => '15', 'heavy_timeout' => '90']);
assertSame(15, $s['default_timeout']);
assertSame(90, puq_settings_get()['heavy_timeout']);

// The admin pages render through Smarty, for a logged-in admin whose role has access.
$html = Harness::callAddon('output');
assertContains('id="puq-error"', $html);
assertContains('not logged in', $html);
$_SESSION['adminid'] = Harness::createAdmin('admin');
$html = Harness::callAddon('output');
assertContains('id="puq-dashboard"', $html);
$_GET['page'] = 'settings';
$html = Harness::callAddon('output');
assertContains('id="puq-default_timeout" name="default_timeout" value="15"', $html);
unset($_GET['page'], $_SESSION['adminid']);

// Deactivate keeps the tables by default...
$r = Harness::callAddon('deactivate');
assertSame('success', $r['status']);
assertContains('kept', $r['description']);
assertSame($all, tables());
// ...and drops them when "Delete all database tables" is on: the module's
// own tables by exact name, never a table that only shares the prefix in
// another case or an unknown puqProxmoxKVM_* table someone else made.
Harness::callAddon('activate');
$foreign = ['PUQPROXMOXKVM_unrelated', 'puqproxmoxkvm_other_module', 'puqProxmoxKVM_custom_report', 'puqProxmoxKVMbackup'];
foreach ($foreign as $t) {
    Harness::exec("CREATE TABLE `$t` (id INT PRIMARY KEY, note VARCHAR(20))");
    Harness::exec("INSERT INTO `$t` VALUES (1, 'keep me')");
}
puq_settings_save(['delete_tables_on_deactivate' => 'on']);
$r = Harness::callAddon('deactivate');
assertSame('success', $r['status'], json_encode($r));
assertContains('deleted', $r['description']);
$left = tables();
sort($foreign);
$expect = $foreign;
sort($left);
assertSame(array_map('strtolower', $expect), array_map('strtolower', $left), 'only foreign tables are left');
foreach ($foreign as $t) {
    assertSame('keep me', Harness::value("SELECT note FROM `$t` WHERE id = 1"), "$t and its rows survive");
    Harness::exec("DROP TABLE `$t`");
}
assertSame([], tables());

echo "OK\n";
