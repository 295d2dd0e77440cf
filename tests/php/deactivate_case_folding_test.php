<?php
/**
 * Deactivate with "Delete all database tables" on a MariaDB that folds table names to lower case
 * (lower_case_table_names = 1, as on Windows or when an operator sets it): the module's own tables are
 * still dropped (by name, compared as the server compares), and a foreign table is still left alone.
 * Runs its own MariaDB with that option (tests/services/mariadb.sh).
 */
$dir = sys_get_temp_dir() . '/puq-lctn-' . getmypid();
$port = (function (): int {
    $s = stream_socket_server('tcp://127.0.0.1:0');
    $n = stream_socket_get_name($s, false);
    fclose($s);
    return (int) substr($n, strrpos($n, ':') + 1);
})();
$script = escapeshellarg(__DIR__ . '/../services/mariadb.sh');
$out = [];
exec("PUQ_MARIADB_EXTRA_ARGS=--lower-case-table-names=1 $script start " . escapeshellarg($dir) . " $port 2>&1", $out, $rc);
$stop = function () use ($script, $dir) {
    exec("$script stop " . escapeshellarg($dir) . ' >/dev/null 2>&1');
    exec('rm -rf ' . escapeshellarg($dir));
};
if ($rc !== 0) {
    fwrite(STDERR, implode("\n", $out) . "\n");
    $stop();
    exit(1);
}
putenv("PUQ_TEST_DB_PORT=$port");
require __DIR__ . '/../harness/bootstrap.php';
// After the harness's own teardown (registered by the bootstrap) has dropped its database.
register_shutdown_function($stop);

assertSame('1', (string) Harness::value('SELECT @@lower_case_table_names'));
Harness::callAddon('activate');
$ours = array_column(Harness::query("SELECT TABLE_NAME t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'puqproxmoxkvm%'"), 't');
assertTrue(count($ours) >= 12, 'the module tables exist: ' . implode(', ', $ours));
Harness::exec('CREATE TABLE `PUQPROXMOXKVM_unrelated` (id INT PRIMARY KEY)');
Harness::exec('CREATE TABLE `puqProxmoxKVM_custom_report` (id INT PRIMARY KEY)');
puq_settings_save(['delete_tables_on_deactivate' => 'on']);
$r = Harness::callAddon('deactivate');
assertSame('success', $r['status'], json_encode($r));
assertContains('the module\'s ' . count($ours) . ' tables were deleted', $r['description']);
$left = array_column(Harness::query("SELECT TABLE_NAME t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'puqproxmoxkvm%' ORDER BY t"), 't');
assertSame(['puqproxmoxkvm_custom_report', 'puqproxmoxkvm_unrelated'], $left);
echo "OK\n";
