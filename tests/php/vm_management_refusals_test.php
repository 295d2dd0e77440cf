<?php
/**
 * VM Management answers a refusal as 409 with the reason (Redeploy while another operation runs, Delete Record of
 * a live VM), never 500; the DB Record editor refuses impossible dates and duplicate keys with an error on the
 * field (400), never 500, and saves nothing then.
 */
require __DIR__ . '/../harness/bootstrap.php';

Harness::callAddon('activate');
$admin = Harness::createAdmin('admin');
$server = Harness::createServer(['name' => 'pve']);
$client = Harness::createClient();
$product = Harness::createProduct();

/** A service with a VM record in `$state`. */
function vm(int $client, int $product, int $server, string $state, int $vmid): int
{
    $sid = Harness::createService($client, $product, $server);
    Harness::insert('puqProxmoxKVM_vm_info', [
        'service_id' => $sid, 'server_id' => $server, 'vm_id' => $vmid, 'vm_name' => "vm-$sid",
        'hostname' => "vm-$sid.example.test", 'node' => 'pve1', 'vm_status' => $state, 'product_id' => $product,
        'client_id' => $client,
    ]);
    return $sid;
}

$busy = vm($client, $product, $server, 'cp_stop', 101);
$ready = vm($client, $product, $server, 'ready', 102);
$other = vm($client, $product, $server, 'ready', 103);
$ajax = fn (string $action, array $in) => puq_admin_ajax($action, $in, $admin, true);
$status = fn (int $sid) => Harness::value('SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);

// ---- lifecycle refusals: 409 with the reason ----
$r = $ajax('vms.redeploy', ['service_id' => $busy]);
assertSame(false, $r['ok']);
assertSame(409, $r['status'], json_encode($r));
assertContains("Redeploy is refused while the VM is in status 'cp_stop'", $r['error']);
assertSame('cp_stop', $status($busy));
$r = $ajax('vms.delete_record', ['service_id' => $ready]);
assertSame(409, $r['status'], json_encode($r));
assertContains("Delete Record is only for VMs in error_terminate or remove; this one is 'ready'", $r['error']);
assertSame('ready', $status($ready));
// VM Management does not offer Redeploy for a ready VM (the spec: shown when vm_status != ready): refused too.
$r = $ajax('vms.redeploy', ['service_id' => $ready]);
assertSame(409, $r['status'], json_encode($r));
assertContains('does not offer Redeploy for a ready VM', $r['error']);
assertSame('ready', $status($ready));
// What is allowed still works (a failed deploy), and bad input is still a 400 with its field.
$failed = vm($client, $product, $server, 'set_cpu_ram', 104);
assertSame(true, $ajax('vms.redeploy', ['service_id' => $failed])['ok']);
assertSame('redeploy', $status($failed));
$r = $ajax('vms.reset', ['service_id' => $failed, 'status' => 'clone']);
assertSame(400, $r['status']);
assertSame('status', $r['field']);

// ---- DB Record: impossible dates ----
$before = Harness::row('SELECT * FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$other]);
foreach ([
    '2026-13-45 10:00:00' => 'there is no month 13',
    '2026-02-30 10:00:00' => 'month 2 of 2026 has no day 30',
    '2026-06-01 25:00:00' => 'there is no time 25:00:00',
    '2099-01-01 00:00:00' => '1970-01-02 to 2038-01-18',
    '2026-13-45' => 'wrong format',
] as $bad => $why) {
    $r = $ajax('vms.record_save', ['service_id' => $other, 'values' => ['created_at' => $bad, 'node' => 'pve9']]);
    assertSame(400, $r['status'], "$bad: " . json_encode($r));
    assertSame('values[created_at]', $r['field']);
    assertContains($why, $r['error']);
}
assertSame($before, Harness::row('SELECT * FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$other]), 'nothing saved');
$r = $ajax('vms.record_save', ['service_id' => $other, 'values' => ['created_at' => '2028-02-29 12:00:00']]);
assertSame(true, $r['ok'], json_encode($r));
assertSame('2028-02-29 12:00:00', Harness::value('SELECT created_at FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$other]));

// ---- DB Record: duplicate keys (server_id + vm_id is unique) ----
$r = $ajax('vms.record_save', ['service_id' => $other, 'values' => ['vm_id' => '101', 'node' => 'pve9']]);
assertSame(400, $r['status'], json_encode($r));
assertSame('values[vm_id]', $r['field']);
assertContains("service #$busy already has this value", $r['error']);
assertContains('server_id + vm_id must be unique', $r['error']);
assertSame(103, (int) Harness::value('SELECT vm_id FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$other]));
assertSame('pve1', Harness::value('SELECT node FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$other]));
// Moving it to another server makes the same VMID fine.
$server2 = Harness::createServer(['name' => 'pve-b']);
$r = $ajax('vms.record_save', ['service_id' => $other, 'values' => ['vm_id' => '101', 'server_id' => (string) $server2]]);
assertSame(true, $r['ok'], json_encode($r));
// …and back onto the first server collides through server_id.
$r = $ajax('vms.record_save', ['service_id' => $other, 'values' => ['server_id' => (string) $server]]);
assertSame(400, $r['status'], json_encode($r));
assertSame('values[server_id]', $r['field']);
assertContains("service #$busy already has this value", $r['error']);

echo "OK\n";
