<?php
// CreateAccount → cron → ready against the Proxmox simulator, through the
// real server module, the real cron entry point and a real MariaDB.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';

Harness::callAddon('activate');
Harness::createEmailTemplate('puqProxmoxVKM Welcome Email');
Harness::createEmailTemplate('puqProxmoxKVM VM is ready');
$server = Sim::createServer();
$pid = Harness::createProduct(['name' => 'KVM S']);
$client = Harness::createClient();

// Incomplete product: CreateAccount names the missing setting, creates nothing.
$sid0 = Harness::createService($client, $pid, $server);
$r = Harness::callServer('CreateAccount', $sid0);
assertContains('OS template', $r);
assertSame(0, (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_vm_info'));

// A v2.x product keeps its default OS template from the stock field
// configoption4 until its settings are first saved, and after.
$legacyPid = Harness::createProduct(['configoption4' => '9001']);
assertSame('9001', puq_product_settings_get($legacyPid)['os_template']);
assertSame('9001', puq_product_settings_save($legacyPid, ['cpu' => '2'])['os_template']);

// Bad product settings are refused, naming the field.
$e = assertThrows(Throwable::class, fn () => puq_product_settings_save($pid, ['cpu' => '0']));
assertContains("'cpu'", $e->getMessage());
puq_product_settings_save($pid, ['os_template' => '9000', 'cpu' => '2', 'ram_gb' => '2', 'sys_size_gb' => '10',
    'add_size_gb' => '5', 'sys_mbps_rd' => '100', 'ipv4_count' => '0', 'ipv6_count' => '0', 'first_vmid' => '200',
    'vm_name_rule' => 'vm-{service_id}', 'main_domain' => '.example.net']);

// A storage that the node does not have is refused, naming the setting.
$pBad = Harness::createProduct();
puq_product_settings_save($pBad, ['os_template' => '9000', 'sys_storage' => 'nosuchstore']);
$r = Harness::callServer('CreateAccount', Harness::createService($client, $pBad, $server));
assertContains("'sys_storage'", $r);
assertContains('nosuchstore', $r);

// A missing template is refused.
$cpu = Harness::addConfigOption($pid, 'Operating System', ['4242|Nothing'], null);
$sidBad = Harness::createService($client, $pid, $server);
Harness::setServiceConfigOption($sidBad, $cpu, '4242');
assertContains('4242 does not exist', Harness::callServer('CreateAccount', $sidBad));

$sid = Harness::createService($client, $pid, $server);
$r = Harness::callServer('CreateAccount', $sid);
assertSame('success', $r);
$vm = Harness::row('SELECT * FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);
assertSame('creation', $vm['vm_status']);
assertSame('200', (string) $vm['vm_id']);
assertSame("vm-$sid", $vm['vm_name']);
assertSame("vm-$sid.example.net", $vm['hostname']);
// The OS user and password are settled before the welcome email goes out.
$h = Harness::row('SELECT username, password FROM tblhosting WHERE id = ?', [$sid]);
assertMatches('/^[a-z0-9_-]{2,}$/', $h['username']);
assertTrue(strlen(decrypt($h['password'])) >= 12);
$mails = Harness::sentEmails();
assertSame('puqProxmoxVKM Welcome Email', end($mails)['messagename'] ?? null, json_encode($mails));

// A second service gets the next free VMID; it has no password in WHMCS,
// so a strong one is generated and stored encrypted.
$sid2 = Harness::createService($client, $pid, $server, ['password' => '']);
assertSame('', decrypt(Harness::value('SELECT password FROM tblhosting WHERE id = ?', [$sid2])));
assertSame('success', Harness::callServer('CreateAccount', $sid2));
assertSame('201', (string) Harness::value('SELECT vm_id FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid2]));

// Cron: run until both are ready.
for ($i = 0; $i < 5; $i++) {
    ob_start();
    if ($i === 0) {
        // WHMCS hook mode: WHMCS's own cron fires AfterCronJob.
        Harness::runCronHook();
    } else {
        puq_cron_tick(['argv' => ['--task=process_vms']]);
    }
    $out = ob_get_clean();
    echo $out;
    $left = (int) Harness::value("SELECT COUNT(*) FROM puqProxmoxKVM_vm_info WHERE vm_status <> 'ready'");
    if ($left === 0) {
        break;
    }
}
assertSame(0, $left, 'all VMs ready');
assertSame(0, $i, 'the AfterCronJob hook alone deployed both');
assertContains('Clone VM', $out . '');
// What Proxmox now has, as the simulator saw it (every request schema-checked).
$vm = Sim::vm(200);
assertSame("vm-$sid", $vm['config']['name']);
assertSame('running', $vm['status']);
assertSame(2, (int) $vm['config']['cores']);
assertSame(2048, (int) $vm['config']['memory']);
assertContains('size=10G', $vm['config']['scsi0']);
assertContains('mbps_rd=100', $vm['config']['scsi0']);
assertContains('size=5G', $vm['config']['scsi1']);
assertSame('ip=dhcp,ip6=dhcp', $vm['config']['ipconfig0']);
assertSame(Harness::value('SELECT username FROM tblhosting WHERE id = ?', [$sid]), $vm['config']['ciuser']);
assertTrue(!empty($vm['config']['cipassword']), 'cloud-init password set');
assertSame('running', Sim::vm(201)['status']);
// The password was generated, stored encrypted, and reached cloud-init; it never appears in cron output.
$pw = decrypt(Harness::value('SELECT password FROM tblhosting WHERE id = ?', [$sid]));
assertTrue(strlen($pw) >= 12);
assertNotContains($pw, $out);
$pw2 = decrypt(Harness::value('SELECT password FROM tblhosting WHERE id = ?', [$sid2]));
assertTrue(strlen($pw2) === 16 && preg_match('/[A-Z]/', $pw2) && preg_match('/[0-9]/', $pw2), 'generated password');
$ready = array_filter(Harness::sentEmails(), fn ($m) => $m['messagename'] === 'puqProxmoxKVM VM is ready');
assertSame(2, count($ready));
// The run log has the steps.
$run = Harness::row('SELECT * FROM puqProxmoxKVM_vm_runs WHERE service_id = ? ORDER BY id DESC LIMIT 1', [$sid]);
assertSame('success', $run['result']);

// Every request of the deploy passed the simulator's schema validation:
// nothing answered with an error status.
$requests = Sim::control('GET', 'requests')['data'];
assertTrue(count($requests) > 30, 'requests were logged');
$bad = array_filter($requests, fn ($r) => (int) $r['status'] >= 400);
assertSame([], array_values(array_map(fn ($r) => "{$r['method']} {$r['path']} {$r['status']} " . ($r['message'] ?? ''), $bad)));

echo "OK\n";
