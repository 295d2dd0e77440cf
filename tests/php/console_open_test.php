<?php
/**
 * puq_console_open() — the admin service page's noVNC button — through real PHP against the simulator: the
 * one-time link points at the product's noVNC domain and this VM, carries no Proxmox secret in clear, and the
 * opening is in the activity log (the client's button makes one for the owner only); an admin lacking "Perform Server Operations" gets 403 and no link; the
 * product still on the public default key or domain gets no link; a VM migrated to another node behind WHMCS's
 * back gets its console on the new node (and the record follows it); a VMID the cluster no longer lists as
 * this service's VM is refused with a clear message, never someone else's console.
 */
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();
Harness::loadServerModule();

$key = 'console-key-' . bin2hex(random_bytes(8));
$pid = Deploy::product(['novnc_domain' => 'console.example.test', 'novnc_key' => $key]);
$sid = Deploy::order($pid);
Deploy::until($sid, 'ready', 12);
$vmid = Deploy::vmid($sid);
Sim::vmEdit($vmid, ['status' => 'running']);

Harness::exec("UPDATE tblhosting SET domainstatus = 'Active' WHERE id = ?", [$sid]);
$full = Harness::createAdmin('full');
// The client area's noVNC button: the owner's POST with its CSRF token.
$clientConsole = fn (int $who) => puq_client_action($sid, 'console', ['client_id' => $who, 'post' => true, 'token_ok' => true, 'input' => []]);
$viewer = Harness::createAdmin('viewer', ['roleid' => Harness::createRole('Viewer', [11, 46, 71])]);

/** The exception puq_console_open throws for ($sid, $admin), or null when it made a link. */
function refusal(int $sid, int $admin): ?Throwable
{
    try {
        puq_console_open($sid, $admin);
        return null;
    } catch (Throwable $e) {
        return $e;
    }
}

function consoleLogged(int $sid): int
{
    return (int) Harness::value("SELECT COUNT(*) FROM tblactivitylog WHERE description LIKE ?", ["%noVNC console of service #$sid%"]);
}

// --- A link, as the page's button gets it.
$link = puq_console_open($sid, $full);
assertSame($vmid, $link['vmid']);
assertSame(10, $link['expires_in']);
assertTrue(str_starts_with($link['url'], "https://console.example.test/vncproxy/$vmid/"), $link['url']);
$sealed = substr($link['url'], strlen("https://console.example.test/vncproxy/$vmid/"));
assertTrue(strlen($sealed) > 40 && preg_match('/^[A-Za-z0-9_-]+$/', $sealed) === 1, 'sealed part is opaque URL-safe text');
foreach ([Sim::TOKEN_SECRET, Sim::TOKEN_ID, 'PVEVNC', $key, 'pve1'] as $secret) {
    assertTrue(strpos($link['url'], $secret) === false, "the link carries no '$secret' in clear");
    assertTrue(strpos(base64_decode(strtr($sealed, '-_', '+/')) ?: '', $secret) === false, "nor in its decoded bytes");
}
assertTrue(puq_console_open($sid, $full)['url'] !== $link['url'], 'each click makes a new link');
assertSame(2, consoleLogged($sid), 'each opening is in the activity log');
$row = Harness::row("SELECT description, user FROM tblactivitylog WHERE description LIKE ? ORDER BY id DESC LIMIT 1", ["%noVNC console of service #$sid%"]);
assertContains("VM $vmid on pve1", $row['description']);

// --- The client's button: a link for the owner, nothing for another client.
$c = $clientConsole(Deploy::$client);
assertTrue($c['ok'], json_encode($c));
assertTrue(str_starts_with($c['data']['url'], "https://console.example.test/vncproxy/$vmid/"), json_encode($c));
assertSame('not_yours', $clientConsole(Harness::createClient())['code']);

// --- Role without Perform Server Operations: 403, no link, nothing logged.
$e = refusal($sid, $viewer);
assertTrue($e !== null, 'the viewer gets no link');
assertSame(403, $e->getCode(), $e->getMessage());
assertContains('Perform Server Operations', $e->getMessage());
assertSame(2, consoleLogged($sid), 'a refused opening is not logged as opened');
$e = refusal($sid, 0);
assertTrue($e !== null && $e->getCode() === 403, 'no admin: refused');

// --- The public default key or domain makes no link.
puq_product_settings_save($pid, ['novnc_domain' => 'console.example.test', 'novnc_key' => 'puqcloud']);
$e = refusal($sid, $full);
assertTrue($e !== null, 'public default key refused');
assertContains('public default', $e->getMessage());
puq_product_settings_save($pid, ['novnc_domain' => 'vncproxy.puqcloud.com', 'novnc_key' => $key]);
$e = refusal($sid, $full);
assertTrue($e !== null, 'public default domain refused');
assertContains('public default', $e->getMessage());
puq_product_settings_save($pid, ['novnc_domain' => 'console.example.test', 'novnc_key' => $key]);

// --- Migrated to pve2 outside WHMCS: the console opens there and the record follows.
Sim::vmEdit($vmid, ['node' => 'pve2']);
$link = puq_console_open($sid, $full);
assertSame($vmid, $link['vmid']);
assertSame('pve2', (string) Harness::value('SELECT node FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]));
$row = Harness::row("SELECT description FROM tblactivitylog WHERE description LIKE ? ORDER BY id DESC LIMIT 1", ["%noVNC console of service #$sid%"]);
assertContains("VM $vmid on pve2", $row['description']);

// --- Stopped: Proxmox refuses on the right node; the refusal is passed on, the node kept.
Sim::vmEdit($vmid, ['status' => 'stopped']);
$e = refusal($sid, $full);
assertTrue($e !== null, 'a stopped VM has no console');
assertContains('not running', $e->getMessage());
assertSame('pve2', (string) Harness::value('SELECT node FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]));
Sim::vmEdit($vmid, ['status' => 'running']);

// --- The VMID now belongs to a VM of another name: not this service's console.
$name = (string) Harness::value('SELECT vm_name FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);
Sim::vmEdit($vmid, ['node' => 'pve1', 'config' => ['name' => 'someone-else']]);
$before = consoleLogged($sid);
$e = refusal($sid, $full);
assertTrue($e !== null, 'a VMID held by another VM gives no console');
assertContains('does not exist on the Proxmox cluster', $e->getMessage());
assertSame('pve2', (string) Harness::value('SELECT node FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]), 'the record is not moved to the other VM');
assertSame($before, consoleLogged($sid));
// The client hears that its VM is gone (in its language: msg key), not that the console is unconfigured.
$c = $clientConsole(Deploy::$client);
assertSame(409, $c['status'], json_encode($c));
assertSame('client_v_vm_gone', $c['msg']['key'] ?? null, json_encode($c));
Sim::vmEdit($vmid, ['config' => ['name' => $name]]);

// --- Garbage service ids: a clear error, no crash.
foreach ([0, -1, 999999] as $bad) {
    $e = refusal($bad, $full);
    assertTrue($e !== null, "service $bad refused");
}

echo "OK\n";
