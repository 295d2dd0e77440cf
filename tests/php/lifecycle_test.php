<?php
// The service lifecycle after ready, through the real server module, the
// real cron entry point and a real MariaDB, against the Proxmox simulator:
// suspend/unsuspend, change package (grow, shrink refused, IP count change,
// additional disk 0), module commands, reinstall, redeploy, reset status,
// terminate (and its failure path), delete record.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';
$puqAdmin = Harness::createAdmin('puq-admin');

Deploy::setUp();
Harness::createEmailTemplate('puqProxmoxKVM Upgrade Email');
puq_settings_save(['stop_timeout' => '5', 'force_stop_timeout' => '5']);
puq_ip_pool_create(['server_id' => Deploy::$server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => '198.51.100.1', 'mask' => '24', 'dns1' => '1.1.1.1', 'dns2' => '', 'address_start' => '198.51.100.10',
    'address_stop' => '198.51.100.50']);

function cronUntil(int $sid, string $want, int $max = 6): string
{
    $all = '';
    for ($i = 0; $i < $max; $i++) {
        $all .= Deploy::cron();
        if (Deploy::status($sid) === $want) {
            return $all;
        }
    }
    throw new RuntimeException("service $sid is at " . Deploy::status($sid) . ", not $want:\n$all");
}

/** A raw Proxmox API call, as an operator working in the Proxmox GUI would make. */
function pveApi(string $method, string $path)
{
    $ctx = stream_context_create(['http' => ['method' => $method, 'ignore_errors' => true,
        'header' => 'Authorization: PVEAPIToken=' . Sim::TOKEN_ID . '=' . Sim::TOKEN_SECRET . "\r\n"]]);
    return json_decode((string) file_get_contents('http://127.0.0.1:' . Sim::httpPort() . '/api2/json' . $path, false, $ctx), true)['data'] ?? null;
}

function ips(int $sid): array
{
    return array_column(Harness::query('SELECT address FROM puqProxmoxKVM_ip_addresses WHERE service_id = ? ORDER BY id', [$sid]), 'address');
}

function vmConfig(int $sid): array
{
    return Sim::vm(Deploy::vmid($sid))['config'] ?? [];
}

$pid = Deploy::product(['ipv4_count' => '1', 'dhcp_v4' => '', 'cpu' => '1', 'ram_gb' => '1', 'sys_size_gb' => '10',
    'add_size_gb' => '5', 'main_domain' => '.example.net']);
$optCpu = Harness::addConfigOption($pid, 'CPU Cores', ['1|1 Core', '2|2 Cores', '4|4 Cores']);
$optRam = Harness::addConfigOption($pid, 'RAM', ['1|1 GB', '2|2 GB', '4|4 GB']);
$optDisk = Harness::addConfigOption($pid, 'System Disk', ['10|10 GB', '20|20 GB', '5|5 GB']);
$optAdd = Harness::addConfigOption($pid, 'Additional Disk', ['0|None', '5|5 GB', '8|8 GB']);
$optIp = Harness::addConfigOption($pid, 'IPv4 Addresses', ['1|1', '2|2', '3|3']);

$sid = Harness::createService(Deploy::$client, $pid, Deploy::$server);
foreach ([[$optCpu, '1'], [$optRam, '1'], [$optDisk, '10'], [$optAdd, '5'], [$optIp, '1']] as [$o, $v]) {
    Harness::setServiceConfigOption($sid, $o, $v);
}
assertSame('success', Harness::callServer('CreateAccount', $sid));
cronUntil($sid, 'ready');
$vmid = Deploy::vmid($sid);
assertSame('running', Sim::vm($vmid)['status']);
$mac = preg_replace('/^[a-z0-9]+=([0-9A-F:]+),.*$/i', '$1', vmConfig($sid)['net0']);
assertMatches('/^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/i', $mac);
assertSame($mac, (string) Harness::value('SELECT mac FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]));

// --- Suspend: graceful shutdown sent at once, 'success' without waiting; the cron confirms.
$t = microtime(true);
assertSame('success', Harness::callServer('SuspendAccount', $sid));
assertTrue(microtime(true) - $t < 2.0, 'suspend returns at once');
$row = Harness::row('SELECT suspended, power_done, stop_upid FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);
assertSame(1, (int) $row['suspended']);
assertContains(':qmshutdown:', $row['stop_upid']);
assertSame('success', Harness::callServer('SuspendAccount', $sid), 'suspending twice is success');
$out = Deploy::cron();
assertContains('--- Power: service=', $out);
assertSame('stopped', Sim::vm($vmid)['status']);
assertSame(1, (int) Harness::value('SELECT power_done FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]));
// A suspended VM stays off: the cron leaves it alone now.
assertNotContains("service=$sid", Deploy::cron());
// The Start command is refused while suspended.
assertContains('suspended', Harness::callServer('Start', $sid));

// --- Unsuspend starts it; unsuspending a running VM is success.
assertSame('success', Harness::callServer('UnsuspendAccount', $sid));
assertSame('running', Sim::vm($vmid)['status']);
assertSame(0, (int) Harness::value('SELECT suspended FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]));
assertSame('success', Harness::callServer('UnsuspendAccount', $sid));

// --- Change package: more CPU, RAM, disk and one more IP.
Harness::setServiceConfigOption($sid, $optCpu, '2');
Harness::setServiceConfigOption($sid, $optRam, '4');
Harness::setServiceConfigOption($sid, $optDisk, '20');
Harness::setServiceConfigOption($sid, $optIp, '2');
assertSame('success', Harness::callServer('ChangePackage', $sid));
assertSame('change_package', Deploy::status($sid));
$out = cronUntil($sid, 'ready');
assertContains('--- ChangePackage: service=' . $sid, $out);
assertContains('Update IP + DNS + Firewall', $out);
assertContains('(cp_update_ip -> cp_stop)', $out);
assertContains('--- ChangePackage complete: service=' . $sid . ' status=ready ---', $out);
assertContains('action:change_package result:success', $out);
$c = vmConfig($sid);
assertSame('2', (string) $c['cores']);
assertSame('4096', (string) $c['memory']);
assertContains('size=20G', $c['scsi0']);
assertSame(2, count(ips($sid)));
assertContains(ips($sid)[1], (string) Harness::value('SELECT assignedips FROM tblhosting WHERE id = ?', [$sid]));
assertSame('running', Sim::vm($vmid)['status']);
$mails = array_column(Harness::sentEmails(), 'messagename');
assertSame('puqProxmoxKVM Upgrade Email', end($mails));

// --- A downgrade of the system disk is refused at the backend; RAM only → the disk is untouched.
Harness::setServiceConfigOption($sid, $optDisk, '5');
Harness::setServiceConfigOption($sid, $optIp, '1');
assertSame('success', Harness::callServer('ChangePackage', $sid));
$out = cronUntil($sid, 'ready');
assertContains('Resize system disk (skip — shrink not allowed by Proxmox', $out);
assertContains('size=20G', vmConfig($sid)['scsi0']);
assertSame(1, count(ips($sid)), 'the extra address is freed');
// Nothing but a shrink: the VM is not stopped for it.
assertContains('Stop VM (skip — no change needs the VM stopped)', $out);
$stops = Deploy::calls('POST /nodes/{node}/qemu/{vmid}/status/shutdown');

// --- Additional Disk = 0 detaches and purges the disk.
assertTrue(isset(vmConfig($sid)['scsi1']));
Harness::setServiceConfigOption($sid, $optAdd, '0');
assertSame('success', Harness::callServer('ChangePackage', $sid));
cronUntil($sid, 'ready');
$c = vmConfig($sid);
assertFalse(isset($c['scsi1']), json_encode($c));
assertSame([], array_filter(array_keys($c), fn ($k) => str_starts_with($k, 'unused')), 'the volume is purged, not left unused');

// --- A bad configurable option value is refused, nothing queued.
$bad = Harness::addConfigOption($pid, 'Network Bandwidth', ['abc|Fast']);
Harness::setServiceConfigOption($sid, $bad, 'abc');
assertNotSame('success', Harness::callServer('ChangePackage', $sid));
assertSame('ready', Deploy::status($sid));
Harness::exec('DELETE FROM tblhostingconfigoptions WHERE configid = ?', [$bad]);

// --- Module commands.
$buttons = Harness::callServer('AdminCustomButtonArray', $sid);
foreach (['Start', 'Stop', 'Reboot', 'Reinstall', 'VMSetDedicatedIp', 'VMClone', 'Set CPU RAM', 'Set System Disk Size',
    'Set System Disk Bandwidth', 'Set Created Additional Disk', 'Set Additional Disk Size',
    'Set Additional Disk Bandwidth', 'Set Network', 'Set Firewall', 'SetCloudinit', 'VMRemove', 'Set DNS records', 'Redeploy'] as $label) {
    assertTrue(isset($buttons[$label]), "button $label");
    assertTrue(function_exists('puqProxmoxKVM_' . $buttons[$label]), "function for $label");
}
assertSame('success', Harness::callServer('Stop', $sid));
assertSame('stopped', Sim::vm($vmid)['status']);
assertContains('only a running VM can be rebooted', Harness::callServer('Reboot', $sid));
assertSame('success', Harness::callServer('Start', $sid));
assertSame('running', Sim::vm($vmid)['status']);
assertSame('success', Harness::callServer('Reboot', $sid));
Sim::control('POST', 'vm', ['vmid' => $vmid, 'config' => ['cores' => 1]]);
assertSame('success', Harness::callServer('SetCpuRam', $sid));
// On a running VM without CPU hotplug, Proxmox keeps the new value pending until a restart.
$pending = array_column(pveApi('GET', '/nodes/' . Sim::vm($vmid)['node'] . "/qemu/$vmid/pending"), null, 'key');
assertSame('2', (string) ($pending['cores']['pending'] ?? $pending['cores']['value']));
foreach (['SetSystemDiskSize', 'SetSystemDiskBandwidth', 'SetNetwork', 'SetFirewall', 'SetCloudinit', 'VMSetDedicatedIp'] as $cmd) {
    assertSame('success', Harness::callServer($cmd, $sid), $cmd);
}
assertContains('already exists', Harness::callServer('VMClone', $sid));
// Set DNS records is queued to the cron.
assertSame('success', Harness::callServer('SetDNSRecords', $sid));
assertSame('set_dns_records', Deploy::status($sid));
assertContains('Reinstall is refused', Harness::callServer('Reinstall', $sid));
$out = cronUntil($sid, 'ready');
assertContains('--- SetDNSRecords: service=' . $sid, $out);

// --- Reinstall: same VMID, MAC and IPs, a new password, the ready email.
$oldPass = decrypt((string) Harness::value('SELECT password FROM tblhosting WHERE id = ?', [$sid]));
$oldIps = ips($sid);
assertThrows(Throwable::class, fn () => puq_reinstall($sid, 4242));
assertSame('ready', Deploy::status($sid));
assertTrue(puq_reinstall($sid, 9000));
assertSame('reinstall', Deploy::status($sid));
$newPass = decrypt((string) Harness::value('SELECT password FROM tblhosting WHERE id = ?', [$sid]));
assertNotSame($oldPass, $newPass);
$clones = Deploy::calls('POST /nodes/{node}/qemu/{vmid}/clone');
$out = cronUntil($sid, 'ready');
assertContains('--- Reinstall: service=' . $sid, $out);
assertContains('--- Deploy: service=' . $sid, $out);
assertSame($clones + 1, Deploy::calls('POST /nodes/{node}/qemu/{vmid}/clone'));
assertSame($vmid, Deploy::vmid($sid));
assertSame($oldIps, ips($sid));
assertContains($mac, vmConfig($sid)['net0']);
assertSame($newPass, vmConfig($sid)['cipassword'] ?? $newPass);
$mails = array_column(Harness::sentEmails(), 'messagename');
assertSame('puqProxmoxKVM VM is ready', end($mails));

// --- Unknown service, another module's service: clear errors, nothing changes.
assertContains('no VM record', Harness::callServerWith('SuspendAccount', ['serviceid' => 999999] + Harness::params($sid)));
assertContains('unknown module command', puq_module_command('Explode', Harness::params($sid)));
assertThrows(Throwable::class, fn () => puq_vm_reset_status($sid, 'set_cpu_ram', $puqAdmin));
assertThrows(Throwable::class, fn () => puq_vm_delete_record($sid, $puqAdmin));
assertSame('ready', Deploy::status($sid));

// --- A command on a VM gone from Proxmox is a clear error.
$ghost = Deploy::order($pid);
cronUntil($ghost, 'ready');
pveApi('POST', '/nodes/' . Sim::vm(Deploy::vmid($ghost))['node'] . '/qemu/' . Deploy::vmid($ghost) . '/status/stop');
usleep(300000);
pveApi('DELETE', '/nodes/' . Sim::vm(Deploy::vmid($ghost))['node'] . '/qemu/' . Deploy::vmid($ghost));
usleep(300000);
assertSame(null, Sim::vm(Deploy::vmid($ghost)));
assertContains('does not exist on Proxmox', Harness::callServer('SetCpuRam', $ghost));

// --- Terminate: 'success' at once, the cron deletes the VM and frees everything.
$t = microtime(true);
assertSame('success', Harness::callServer('TerminateAccount', $sid));
assertTrue(microtime(true) - $t < 1.0, 'terminate returns in well under a second');
assertSame('terminate', Deploy::status($sid));
$out = cronUntil($sid, 'remove');
assertContains('--- Terminate: service=' . $sid, $out);
assertContains('Delete VM', $out);
assertSame(null, Sim::vm($vmid));
assertSame([], ips($sid));
$h = Harness::row('SELECT dedicatedip, assignedips FROM tblhosting WHERE id = ?', [$sid]);
assertSame('', $h['dedicatedip']);
assertSame('', $h['assignedips']);
assertSame(0, (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_vm_info WHERE service_id = ? AND vm_id IS NOT NULL', [$sid]));
assertSame('success', Harness::callServer('TerminateAccount', $sid), 'terminating twice is success');
// The VM that vanished from Proxmox on its own counts as deleted.
assertSame('success', Harness::callServer('TerminateAccount', $ghost));
cronUntil($ghost, 'remove');

// --- A DELETE failure → error_terminate; the DB and IPs stay; reset to terminate retries.
$s2 = Deploy::order($pid);
cronUntil($s2, 'ready');
$ips2 = ips($s2);
Sim::control('POST', 'fault', ['method' => 'DELETE', 'path' => '/qemu/[0-9]+$', 'status' => 500, 'message' => 'node pve1 unreachable', 'count' => 1]);
assertSame('success', Harness::callServer('TerminateAccount', $s2));
$out = cronUntil($s2, 'error_terminate');
assertContains('node pve1 unreachable', Deploy::lastError($s2));
assertSame($ips2, ips($s2));
assertTrue(Sim::vm(Deploy::vmid($s2)) !== null);
// The cron skips error_terminate.
assertNotContains("service=$s2", Deploy::cron());
assertTrue(puq_vm_reset_status($s2, 'terminate', $puqAdmin));
cronUntil($s2, 'remove');
assertSame([], ips($s2));
assertTrue(puq_vm_delete_record($s2, $puqAdmin));
assertSame(0, (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$s2]));

// --- Redeploy: the VM and its IPs go, a fresh deploy follows.
$s3 = Deploy::order($pid);
cronUntil($s3, 'ready');
$v3 = Deploy::vmid($s3);
assertTrue(puq_vm_redeploy($s3, $puqAdmin));
assertSame('redeploy', Deploy::status($s3));
$out = cronUntil($s3, 'ready');
assertContains('--- Redeploy: service=' . $s3, $out);
assertContains('Free IPs and reset', $out);
assertSame($v3, Deploy::vmid($s3));
assertSame('running', Sim::vm($v3)['status']);

// --- Change package while deploying waits, then applies.
$s4 = Deploy::order($pid);
Harness::setServiceConfigOption($s4, $optCpu, '4');
assertSame('success', Harness::callServer('ChangePackage', $s4));
assertSame('creation', Deploy::status($s4));
assertSame(1, (int) Harness::value('SELECT pending_change FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$s4]));
$out = cronUntil($s4, 'ready');
assertContains('--- ChangePackage: service=' . $s4, $out);
assertSame('4', (string) vmConfig($s4)['cores']);

// --- Deploy and change package of a suspended service end with the VM off.
$s5 = Deploy::order($pid);
assertSame('success', Harness::callServer('SuspendAccount', $s5));
$out = cronUntil($s5, 'ready');
assertContains('Start VM (skip — service is suspended', $out);
assertSame('stopped', Sim::vm(Deploy::vmid($s5))['status']);

// --- Terminate while suspended.
$v5 = Deploy::vmid($s5);
assertSame('success', Harness::callServer('TerminateAccount', $s5));
cronUntil($s5, 'remove');
assertSame(null, Sim::vm($v5));

// --- A guest that ignores ACPI: the stop window passes, then a force stop (suspend).
$s6 = Deploy::order($pid);
cronUntil($s6, 'ready');
Sim::ignoreAcpi(Deploy::vmid($s6));
assertSame('success', Harness::moduleCommand('SuspendAccount', $s6));
$out = Deploy::cron();
assertContains('still running after 5s: force stop', $out);
assertSame('stopped', Sim::vm(Deploy::vmid($s6))['status']);
assertSame(1, (int) Harness::value('SELECT power_done FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$s6]));

// --- An HA-managed VM is terminated too (the DELETE purges it from HA).
$s7 = Deploy::order($pid);
cronUntil($s7, 'ready');
$v7 = Deploy::vmid($s7);
Sim::setHa($v7, 'started');
assertSame('success', Harness::moduleCommand('TerminateAccount', $s7));
cronUntil($s7, 'remove');
assertSame(null, Sim::vm($v7));

// --- Reset VM Status reference and Delete Record rules.
$ref = puq_vm_status_reference();
assertSame(['ready', 'creation', 'set_ip', 'change_package', 'set_dns_records', 'terminate', 'remove'], array_column($ref['reset'], 'status'));
assertTrue(in_array('cp_firewall', array_column($ref['statuses'], 'status'), true));

// Every request Proxmox received was valid against its schema, except the injected fault.
$rejected = array_filter(Sim::control('GET', 'requests')['data'], fn ($r) => (int) $r['status'] >= 400 && (int) $r['status'] !== 500);
assertSame([], array_values($rejected), json_encode(array_slice(array_values($rejected), 0, 3)));

echo "OK\n";
