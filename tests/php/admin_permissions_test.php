<?php
/**
 * Every admin write endpoint checks the admin's WHMCS role permissions in the extension, from the database
 * (tbladmins.roleid -> tbladminperms), as WHMCS would for the same change: the service tab's Redeploy and the
 * natives behind VM Management need "Perform Server Operations"; the product panel's save and "Create
 * configurable options" need "Edit Products/Services"; the addon needs its Access Control role and "Addon
 * Modules", VM Management's writes "Perform Server Operations", Settings "Configure Addon Modules". A refusal is
 * 403 naming the permission and changes nothing. Each change an admin makes writes exactly one activity-log
 * entry naming the admin; a refused change writes none. VM Management does not accept a Redeploy of a ready VM
 * (its list hides the button); the service tab disables Redeploy where the action would refuse it.
 */
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();
Harness::loadServerModule();
$server = Deploy::$server;
$client = Deploy::$client;

// Roles: exactly the permissions each test needs (WHMCS ids: 11 View Clients Products/Services, 14 Perform
// Server Operations, 46 Addon Modules, 71 View Products/Services, 100 Configure Addon Modules, 117 Edit
// Products/Services).
$viewer = Harness::createRole('Viewer', [11, 46, 71]);
$ops = Harness::createRole('Server operator', [11, 14, 46]);
$editor = Harness::createRole('Product editor', [71, 117]);
$configurer = Harness::createRole('Addon configurer', [46, 100]);
$noAddonPerm = Harness::createRole('No Addon Modules', [11, 14, 71, 100, 117]);
Harness::setAddonSetting('access', implode(',', [1, $viewer, $ops, $configurer, $noAddonPerm]));
$full = Harness::createAdmin('full');
$aViewer = Harness::createAdmin('viewer', ['roleid' => $viewer]);
$aOps = Harness::createAdmin('operator', ['roleid' => $ops]);
$aEditor = Harness::createAdmin('editor', ['roleid' => $editor]);
$aConf = Harness::createAdmin('configurer', ['roleid' => $configurer]);
$aNoAddon = Harness::createAdmin('noaddon', ['roleid' => $noAddonPerm]);
$aGone = Harness::createAdmin('gone', ['disabled' => 1]);

/** Activity-log entries written since $since (an id), oldest first. */
function entriesSince(int $since): array
{
    return Harness::query('SELECT description, user, userid FROM tblactivitylog WHERE id > ? ORDER BY id', [$since]);
}

function lastLogId(): int
{
    return (int) Harness::value('SELECT COALESCE(MAX(id), 0) FROM tblactivitylog');
}

/** Runs $f and asserts it wrote exactly one activity-log entry containing every $needle; returns its row. */
function logsOne(callable $f, array $needles, string $what): array
{
    $since = lastLogId();
    $f();
    $rows = entriesSince($since);
    assertSame(1, count($rows), "$what: one activity-log entry, got " . json_encode($rows));
    foreach ($needles as $n) {
        assertContains($n, $rows[0]['description'], $what);
    }
    return $rows[0];
}

/** Runs $f and asserts it wrote no activity-log entry. */
function logsNone(callable $f, string $what)
{
    $since = lastLogId();
    $r = $f();
    assertSame([], entriesSince($since), "$what: a refused change logs nothing");
    return $r;
}

function vmRow(int $client, int $product, int $server, string $state, int $vmid): int
{
    $sid = Harness::createService($client, $product, $server);
    Harness::insert('puqProxmoxKVM_vm_info', [
        'service_id' => $sid, 'server_id' => $server, 'vm_id' => $vmid, 'vm_name' => "vm-$sid",
        'hostname' => "vm-$sid.example.test", 'node' => 'pve1', 'vm_status' => $state, 'product_id' => $product,
        'client_id' => $client,
    ]);
    return $sid;
}

$status = fn (int $sid) => Harness::value('SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);
$pid = Harness::createProduct(['servergroup' => Harness::createServerGroup('KVM group', [$server])]);
puq_product_settings_save($pid, ['os_template' => '9000', 'ipv4_count' => '0', 'ipv6_count' => '0']);
$token = generate_token('plain');

// =============================================================================================
// Server module: the service tab's Redeploy (clientsservices.php?...&puq_action=redeploy)
// =============================================================================================
$failed = vmRow($client, $pid, $server, 'set_cpu_ram', 201);
$tab = function (int $sid, ?int $admin) use ($token) {
    if ($admin === null) {
        unset($_SESSION['adminid']);
    } else {
        $_SESSION['adminid'] = $admin;
    }
    return puqProxmoxKVM_serviceAction($sid, 'redeploy', ['token' => $token], 'POST');
};
foreach ([[null, 'not logged in'], [$aGone, 'is disabled'], [$aViewer, '"Perform Server Operations"'],
          [$aEditor, '"View Clients Products/Services", "Perform Server Operations"']] as [$who, $why]) {
    $r = logsNone(fn () => $tab($failed, $who), "service tab redeploy as " . json_encode($who));
    assertSame(403, $r['http_status'], json_encode($r));
    assertContains($why, $r['message']);
    assertSame('set_cpu_ram', $status($failed));
}
// The native itself refuses: the admin is checked in the extension, not in the page's PHP.
$e = assertThrows(Throwable::class, fn () => puq_vm_redeploy($failed, $aViewer));
assertSame(403, $e->getCode());
assertContains('Access denied', $e->getMessage());
$e = assertThrows(Throwable::class, fn () => puq_vm_redeploy($failed, 0));
assertSame(403, $e->getCode());
assertSame('set_cpu_ram', $status($failed));
// With the permission: queued, one entry naming the admin and linked to the client.
$row = logsOne(function () use ($tab, $failed, $aOps) {
    $r = $tab($failed, $aOps);
    assertTrue($r['ok'], json_encode($r));
}, ["Redeploy of service #$failed queued", "admin 'operator' (#$aOps)"], 'tab redeploy');
assertSame($client, (int) $row['userid']);
assertSame('operator', $row['user'], 'WHMCS records the admin of the session');
assertSame('redeploy', $status($failed));
// A double click changes nothing and logs nothing.
logsNone(fn () => assertTrue($tab($failed, $aOps)['ok']), 'second redeploy');
// A VM another operation holds: the button is disabled with the reason and the action answers 409.
$busy = vmRow($client, $pid, $server, 'cp_stop', 202);
$r = logsNone(fn () => $tab($busy, $aOps), 'busy redeploy');
assertSame(409, $r['http_status'], json_encode($r));
assertContains("status 'cp_stop'", $r['message']);
$_SESSION['adminid'] = $aOps;
$html = puqProxmoxKVM_AdminServicesTabFields(Harness::params($busy))['PUQ Proxmox KVM'];
assertTrue((bool) preg_match('/id="puq-redeploy"[^>]* disabled title="Redeploy is refused while the VM is in status &#039;cp_stop&#039;/', $html), 'disabled with the reason');
// The service page offers Redeploy for a ready VM (the spec's module button); VM Management does not.
$ready = vmRow($client, $pid, $server, 'ready', 203);
assertSame(null, puq_service_page($ready)['vm']['redeploy_refusal']);

// =============================================================================================
// Server module: the product panel (configproducts.php?action=module-settings&puq_action=save|create_options)
// =============================================================================================
$settingsOf = fn () => Harness::value('SELECT settings FROM puqProxmoxKVM_product_settings WHERE product_id = ?', [$pid]);
$optionCount = fn () => (int) Harness::value('SELECT COUNT(*) FROM tblproductconfiglinks WHERE pid = ?', [$pid]);
$panel = function (string $action, ?int $admin, array $values = []) use ($pid, $token) {
    $_SESSION['adminid'] = $admin;
    return puqProxmoxKVM_productPanelAction($pid, $action, ['token' => $token, 'values' => $values], 'POST');
};
$before = $settingsOf();
foreach ([$aViewer, $aOps, $aGone] as $who) {
    $r = logsNone(fn () => $panel('save', $who, ['cpu' => '3']), "panel save as #$who");
    assertSame(403, $r['http_status'], json_encode($r));
    assertSame($before, $settingsOf(), 'nothing saved');
    $r = logsNone(fn () => $panel('create_options', $who), "create options as #$who");
    assertSame(403, $r['http_status'], json_encode($r));
    assertSame(0, $optionCount(), 'no option group created');
}
assertContains('"Edit Products/Services"', $panel('save', $aViewer, ['cpu' => '3'])['message']);
$e = assertThrows(Throwable::class, fn () => puq_product_panel_save($pid, ['cpu' => '3'], $aViewer));
assertSame(403, $e->getCode());
$e = assertThrows(Throwable::class, fn () => puq_product_create_options($pid, $aOps));
assertSame(403, $e->getCode());
// A refused value saves nothing and logs nothing, even for an editor.
$r = logsNone(fn () => $panel('save', $aEditor, ['cpu' => '0']), 'invalid save');
assertFalse($r['ok']);
assertSame($before, $settingsOf());
// Saved: one entry naming the product, the changed setting and the admin.
logsOne(function () use ($panel, $aEditor) {
    $r = $panel('save', $aEditor, ['cpu' => '3']);
    assertTrue($r['ok'], json_encode($r));
}, ["module settings of product #$pid", 'saved: cpu', "admin 'editor' (#$aEditor)"], 'panel save');
assertSame(3, puq_product_settings_get($pid)['cpu']);
logsOne(function () use ($panel, $aEditor) {
    $r = $panel('create_options', $aEditor);
    assertTrue($r['ok'], json_encode($r));
}, ["configurable options of product #$pid", 'created: ', 'CPU Cores', "admin 'editor'"], 'create options');
assertSame(1, $optionCount());
// Again: everything is there already, nothing created, nothing logged.
logsNone(fn () => assertTrue($panel('create_options', $aEditor)['ok']), 'create options again');

// =============================================================================================
// Addon (addonmodules.php?module=puq_proxmox_kvm&ajax=...)
// =============================================================================================
$ajax = fn (string $action, array $in, int $admin) => puq_admin_ajax($action, $in, $admin, true);
$denied = function (string $action, array $in, int $admin, string $why) use ($ajax) {
    $r = logsNone(fn () => $ajax($action, $in, $admin), "$action as #$admin");
    assertSame(403, $r['status'], "$action as #$admin: " . json_encode($r));
    assertContains($why, $r['error'], $action);
};
// Pages and reads: the Access Control role and "Addon Modules".
$e = assertThrows(Throwable::class, fn () => puq_admin_page('dashboard', [], $aNoAddon));
assertContains('"Addon Modules"', $e->getMessage());
$e = assertThrows(Throwable::class, fn () => puq_admin_page('dashboard', [], $aEditor));
assertContains('has no access to PUQ Proxmox KVM', $e->getMessage());
assertSame('dashboard', puq_admin_page('dashboard', [], $aViewer)['page']);
$denied('vms.list', [], $aNoAddon, '"Addon Modules"');

// VM Management: "Perform Server Operations".
$vmA = vmRow($client, $pid, $server, 'error_terminate', 211);
$vmB = vmRow($client, $pid, $server, 'set_ip', 212);
foreach ([['vms.redeploy', ['service_id' => $vmB]], ['vms.reset', ['service_id' => $vmB, 'status' => 'creation']],
          ['vms.delete_record', ['service_id' => $vmA]], ['vms.record_save', ['service_id' => $vmB, 'values' => ['node' => 'pve9']]]] as [$action, $in]) {
    $denied($action, $in, $aViewer, '"Perform Server Operations"');
    $denied($action, $in, $aConf, '"Perform Server Operations"');
    $denied($action, $in, $aEditor, 'has no access to PUQ Proxmox KVM');
}
assertSame('set_ip', $status($vmB));
assertSame('pve1', Harness::value('SELECT node FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$vmB]));
assertSame('error_terminate', $status($vmA));
// VM Management never redeploys a ready VM (its list hides the button), whoever asks.
$r = logsNone(fn () => $ajax('vms.redeploy', ['service_id' => $ready], $full), 'redeploy ready');
assertSame(409, $r['status']);
assertContains('does not offer Redeploy for a ready VM', $r['error']);
assertSame('ready', $status($ready));
$list = $ajax('vms.list', ['q' => "#$ready"], $full)['data']['rows'][0];
assertFalse($list['can_redeploy']);
// With the permission, each change writes one entry naming the admin.
logsOne(fn () => assertTrue($ajax('vms.record_save', ['service_id' => $vmB, 'values' => ['node' => 'pve9']], $aOps)['ok']),
    ["DB Record of service #$vmB saved: node", "admin 'operator'"], 'record save');
// A DB Record edit that is refused logs nothing.
$r = logsNone(fn () => $ajax('vms.record_save', ['service_id' => $vmB, 'values' => ['created_at' => '2026-13-45 10:00:00']], $aOps), 'bad record');
assertSame(400, $r['status']);
logsOne(fn () => assertTrue($ajax('vms.reset', ['service_id' => $vmB, 'status' => 'creation'], $aOps)['ok']),
    ["VM status of service #$vmB reset from 'set_ip' to 'creation'", "admin 'operator'"], 'reset');
logsOne(fn () => assertTrue($ajax('vms.redeploy', ['service_id' => $vmB], $aOps)['ok']),
    ["Redeploy of service #$vmB queued", "admin 'operator'"], 'redeploy');
logsOne(fn () => assertTrue($ajax('vms.delete_record', ['service_id' => $vmA], $aOps)['ok']),
    ["VM record of service #$vmA deleted", "admin 'operator'"], 'delete record');
assertSame(null, $status($vmA));
$r = logsNone(fn () => $ajax('vms.delete_record', ['service_id' => $vmB], $aOps), 'delete live record');
assertSame(409, $r['status']);
// The natives behind VM Management check the same.
$vmC = vmRow($client, $pid, $server, 'remove', 213);
$e = assertThrows(Throwable::class, fn () => puq_vm_reset_status($vmC, 'ready', $aViewer));
assertSame(403, $e->getCode());
$e = assertThrows(Throwable::class, fn () => puq_vm_delete_record($vmC, $aConf));
assertSame(403, $e->getCode());
assertSame('remove', $status($vmC));
logsOne(fn () => assertTrue(puq_vm_delete_record($vmC, $aOps)), ["VM record of service #$vmC deleted"], 'native delete');

// Settings: "Configure Addon Modules".
$timeout = fn () => Harness::value("SELECT value FROM puqProxmoxKVM_settings WHERE name = 'default_timeout'");
$was = $timeout();
$denied('settings.save', ['default_timeout' => '17'], $aOps, '"Configure Addon Modules"');
$denied('settings.save', ['default_timeout' => '17'], $aViewer, '"Configure Addon Modules"');
$denied('settings.clear_locks', [], $aViewer, '"Configure Addon Modules"');
assertSame($was, $timeout());
$r = logsNone(fn () => $ajax('settings.save', ['default_timeout' => '0'], $aConf), 'bad setting');
assertSame(400, $r['status']);
logsOne(fn () => assertTrue($ajax('settings.save', ['default_timeout' => '17'], $aConf)['ok']),
    ['settings saved: default_timeout = 17', "admin 'configurer'"], 'settings save');
assertSame('17', $timeout());
// Clear locks: a dead runner's stale lock is freed, with one entry naming the task and the admin.
Harness::exec("INSERT INTO puqProxmoxKVM_cron_tasks (task, lock_holder, lock_conn, locked_at, lock_until)
    VALUES ('backup_status', 'web9:4242', 987654321, UNIX_TIMESTAMP() - 600, UNIX_TIMESTAMP() - 480)
    ON DUPLICATE KEY UPDATE lock_holder = VALUES(lock_holder), lock_conn = VALUES(lock_conn),
    locked_at = VALUES(locked_at), lock_until = VALUES(lock_until)");
logsOne(fn () => assertTrue($ajax('settings.clear_locks', [], $aConf)['ok']),
    ['cron locks cleared', 'backup_status', "admin 'configurer'"], 'clear locks');
assertSame('', (string) Harness::value("SELECT COALESCE(lock_holder, '') FROM puqProxmoxKVM_cron_tasks WHERE task = 'backup_status'"));
logsNone(fn () => assertTrue($ajax('settings.clear_locks', [], $aConf)['ok']), 'nothing left to clear');

// IP pools and DNS zones: the addon's access; each change one entry.
$pool = ['server_id' => $server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0', 'gateway' => '198.51.100.1',
    'mask' => '24', 'dns1' => '1.1.1.1', 'dns2' => '', 'address_start' => '198.51.100.10', 'address_stop' => '198.51.100.20'];
$denied('ip_pools.create', $pool, $aEditor, 'has no access');
$denied('ip_pools.create', $pool, $aNoAddon, '"Addon Modules"');
$poolId = 0;
logsOne(function () use ($ajax, $pool, $aViewer, &$poolId) {
    $r = $ajax('ip_pools.create', $pool, $aViewer);
    assertTrue($r['ok'], json_encode($r));
    $poolId = (int) $r['data']['id'];
}, ['IP pool #', 'created: 198.51.100.10-198.51.100.20/24', "admin 'viewer'"], 'pool create');
$r = logsNone(fn () => $ajax('ip_pools.update', ['id' => $poolId] + array_merge($pool, ['mask' => '1']), $aViewer), 'bad pool');
assertSame(400, $r['status']);
logsOne(fn () => assertTrue($ajax('ip_pools.update', ['id' => $poolId] + array_merge($pool, ['address_stop' => '198.51.100.30']), $aViewer)['ok']),
    ["IP pool #$poolId updated: 198.51.100.10-198.51.100.30/24"], 'pool update');
logsOne(fn () => assertTrue($ajax('ip_pools.delete', ['id' => $poolId], $aViewer)['ok']), ["IP pool #$poolId deleted"], 'pool delete');

$zone = ['name' => 'perm.example', 'type' => 'PowerDNS', 'server_url' => 'http://127.0.0.1:9', 'api_key' => 'zone-secret-key'];
$denied('dns_zones.create', $zone, $aEditor, 'has no access');
$zoneId = 0;
$row = logsOne(function () use ($ajax, $zone, $aViewer, &$zoneId) {
    $r = $ajax('dns_zones.create', $zone, $aViewer);
    assertTrue($r['ok'], json_encode($r));
    $zoneId = (int) $r['data']['id'];
}, ["DNS zone #", "'perm.example' (PowerDNS, http://127.0.0.1:9) created", "admin 'viewer'"], 'zone create');
assertNotContains('zone-secret-key', $row['description']);
logsOne(fn () => assertTrue($ajax('dns_zones.update', ['id' => $zoneId] + array_merge($zone, ['name' => 'perm2.example']), $aViewer)['ok']),
    ["DNS zone #$zoneId 'perm2.example'", 'updated'], 'zone update');
$r = logsNone(fn () => $ajax('dns_zones.update', ['id' => $zoneId, 'name' => 'perm2.example', 'type' => 'PowerDNS',
    'server_url' => 'http://203.0.113.9:8081', 'api_key' => '__KEEP__'], $aViewer), 'zone update without the secret');
assertSame(400, $r['status']);
logsOne(fn () => assertTrue($ajax('dns_zones.delete', ['id' => $zoneId], $aViewer)['ok']), ["DNS zone #$zoneId 'perm2.example'", 'deleted'], 'zone delete');

// No entry anywhere carries a secret.
assertNotContains('zone-secret-key', json_encode(Harness::query('SELECT description FROM tblactivitylog')));

echo "OK\n";
