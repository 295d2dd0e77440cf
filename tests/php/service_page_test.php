<?php
// The admin service tab against the Proxmox simulator: live panel read in
// parallel, hardware vs package, deploy log, progress, charts, escaping,
// CSRF on Redeploy, no secrets, and an unreachable server.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();
Harness::loadServerModule();
$pid = Deploy::product(['sys_mbps_rd' => '100', 'sys_iops_wr' => '500', 'bandwidth_mbs' => '50', 'add_size_gb' => '5']);
$sid = Deploy::order($pid);
for ($i = 0; $i < 5 && Deploy::status($sid) !== 'ready'; $i++) {
    Deploy::cron();
}
assertSame('ready', Deploy::status($sid));
$vmid = Deploy::vmid($sid);

// ---- page data ----
Sim::control('DELETE', 'calls');
$d = puq_service_page($sid);
assertTrue($d['api']['ok'], json_encode($d['api']));
assertSame($vmid, $d['vm']['vm_id']);
assertSame('running', $d['live']['status']);
assertSame('ready', $d['vm']['vm_status']);
assertSame(null, $d['progress']);
assertTrue($d['live']['cpu_percent'] >= 0 && $d['live']['mem_percent'] > 0, json_encode($d['live']));
assertSame('pve1', $d['live']['node']);
assertFalse($d['live']['moved']);
// Hardware as Proxmox has it, next to the package.
assertSame(100, $d['hardware']['system_disk']['limits']['mbps_rd']);
assertSame(500, $d['hardware']['system_disk']['limits']['iops_wr']);
assertSame(100, $d['hardware']['system_disk']['package']['mbps_rd']);
assertSame(5, $d['hardware']['additional_disk']['package']['size_gb']);
assertTrue($d['hardware']['additional_disk']['size_gb'] >= 5);
assertMatches('/^([0-9A-F]{2}:){5}[0-9A-F]{2}$/i', $d['hardware']['nic']['mac']);
assertSame(50.0, (float) $d['hardware']['nic']['rate_mbs']);
assertSame(50, $d['package']['bandwidth_mbs']);
assertTrue($d['measured']['netin_mbs'] !== null);
// Deploy log: the run with its steps.
assertSame('deploy', $d['runs'][0]['action']);
assertSame('ready', end($d['runs'][0]['steps'])['to']);
assertTrue(count($d['runs'][0]['steps']) >= 10);
// One wave of four parallel reads: status, config, cluster resources, rrddata.
assertSame(1, $d['timing']['waves']);
assertSame(4, $d['timing']['calls']);
$calls = Sim::control('GET', 'calls')['data']['by_endpoint'];
assertSame(1, $calls['GET /nodes/{node}/qemu/{vmid}/status/current'] ?? 0, json_encode($calls));
assertSame(1, $calls['GET /cluster/resources'] ?? 0);
assertNotContains(Sim::TOKEN_SECRET, json_encode($d));
$hostPw = decrypt(Harness::value('SELECT password FROM tblhosting WHERE id = ?', [$sid]));
assertNotContains($hostPw, json_encode($d));

// ---- addresses with their reverse names (custom PTR, else the FQDN) ----
$pidIp = Deploy::product(['ipv4_count' => '1']);
puq_ip_pool_create(['server_id' => Deploy::$server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0', 'gateway' => '192.0.2.1',
    'mask' => '24', 'dns1' => '9.9.9.9', 'dns2' => '', 'address_start' => '192.0.2.10', 'address_stop' => '192.0.2.20']);
$sidIp = Deploy::order($pidIp);
puq_ip_pool_allocate(Harness::params($sidIp));
$ip = puq_service_page($sidIp)['ips'][0];
assertSame('192.0.2.10', $ip['address']);
assertSame(Harness::value('SELECT hostname FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sidIp]), $ip['ptr']);
Harness::exec("UPDATE puqProxmoxKVM_ip_addresses SET ptr_name = 'mail.example.org' WHERE service_id = ?", [$sidIp]);
assertSame('mail.example.org', puq_service_page($sidIp)['ips'][0]['ptr']);

// ---- configurable options the service has, by plain-English name with the chosen display text ----
$ramOpt = Harness::addConfigOption($pid, 'RAM|Memory', ['1|1 GB', '4|4 GB <b>fast</b>'], $sid, '4');
Harness::addConfigOption($pid, 'Colour', ['red|Red'], $sid, 'red');
$co = puq_service_page($sid)['config_options'];
assertSame(1, count($co));
assertSame(['RAM', 'RAM|Memory', '4', '4 GB <b>fast</b>'], [$co[0]['name'], $co[0]['option'], $co[0]['value'], $co[0]['display']]);

// ---- the VM moved (HA / migration): the page follows it ----
Sim::control('POST', 'vm', ['vmid' => $vmid, 'node' => 'pve2']);
$d2 = puq_service_page($sid);
assertSame('pve2', $d2['live']['node']);
assertTrue($d2['live']['moved']);
assertSame(2, $d2['timing']['waves']);
Sim::control('POST', 'vm', ['vmid' => $vmid, 'node' => 'pve1']);

// ---- charts ----
foreach (['hour', 'day', 'week', 'month', 'year'] as $tf) {
    $c = puq_service_chart($sid, $tf);
    assertTrue($c['ok'], json_encode($c));
    assertTrue(count($c['series']['time']) > 10, $tf);
    assertSame(count($c['series']['time']), count($c['series']['diskwrite']));
}
assertTrue($c['series']['cpu'][0] > 0 && $c['series']['cpu'][0] <= 100);
$e = assertThrows(Throwable::class, fn () => puq_service_chart($sid, 'decade'));
assertContains("'timeframe'", $e->getMessage());
// An RRD error fails soft.
Sim::control('POST', 'fault', ['method' => 'GET', 'path' => '/rrddata$', 'status' => 500,
    'message' => "RRD error: No DS called 'AVERAGE' in '/var/lib/rrdcached/db/pve-vm-9.0/$vmid'", 'count' => 1]);
$c = puq_service_chart($sid, 'hour');
assertFalse($c['ok']);
assertContains('No DS called', $c['message']);

// ---- the rendered tab, escaping hostile values ----
Harness::exec("UPDATE puqProxmoxKVM_vm_info SET vm_name = ?, last_error = ? WHERE service_id = ?",
    ['<img src=x onerror=alert(1)>', '<script>alert("err")</script>', $sid]);
$_REQUEST = [];
$_SERVER['REQUEST_URI'] = "/admin/clientsservices.php?userid=1&id=$sid";
$tab = puqProxmoxKVM_AdminServicesTabFields(Harness::params($sid));
$html = $tab['PUQ Proxmox KVM'];
assertContains('4 GB &lt;b&gt;fast&lt;/b&gt;', puqProxmoxKVM_AdminServicesTabFields(Harness::params($sid))['PUQ Proxmox KVM']);
foreach (['API answer OK', (string) $vmid, 'Deploy Log', 'Configurable Options', 'Redeploy', 'Usage Charts', 'id="puq-chart-cpu"', 'Set CPU', 'running'] as $needle) {
    assertContains($needle, $html);
}
assertNotContains('<script>alert("err")', $html);
assertContains('&lt;script&gt;alert(&quot;err&quot;)&lt;/script&gt;', $html);
assertNotContains('<img src=x', $html);
assertNotContains(Sim::TOKEN_SECRET, $html);
assertNotContains($hostPw, $html);
// Live refresh answers the re-rendered panel.
$r = puqProxmoxKVM_serviceAction($sid, 'live', [], 'GET');
assertTrue($r['ok']);
assertContains('puq-live', $r['html']);
// Redeploy: POST with the token only.
$r = puqProxmoxKVM_serviceAction($sid, 'redeploy', [], 'POST');
assertSame(403, $r['http_status']);
$r = puqProxmoxKVM_serviceAction($sid, 'redeploy', ['token' => generate_token('plain')], 'GET');
assertSame(405, $r['http_status']);
assertSame('ready', Deploy::status($sid));

// ---- change package progress ----
Harness::exec("UPDATE puqProxmoxKVM_vm_info SET vm_status = 'cp_network' WHERE service_id = ?", [$sid]);
$p = puq_service_page($sid)['progress'];
assertSame(['change_package', 'cp_network', 'cp_firewall'], [$p['kind'], $p['state'], $p['next']]);
assertContains('Change package in progress', puqProxmoxKVM_serviceAction($sid, 'live', [], 'GET')['html']);
// Every machine's progress comes from its step table: a restore, a password reset.
Harness::exec("UPDATE puqProxmoxKVM_vm_info SET vm_status = 'rs_restore_started' WHERE service_id = ?", [$sid]);
$p = puq_service_page($sid)['progress'];
assertSame(['restore', 'rs_restore_started', 'rs_restored'], [$p['kind'], $p['state'], $p['next']]);
assertContains('Backup restore in progress', puqProxmoxKVM_serviceAction($sid, 'live', [], 'GET')['html']);
Harness::exec("UPDATE puqProxmoxKVM_vm_info SET vm_status = 'rp_cloudinit' WHERE service_id = ?", [$sid]);
$p = puq_service_page($sid)['progress'];
assertSame(['reset_password', 'rp_start', 2, 4], [$p['kind'], $p['next'], $p['done'], $p['total']]);
Harness::exec("UPDATE puqProxmoxKVM_vm_info SET vm_status = 'set_dns' WHERE service_id = ?", [$sid]);
assertSame(['deploy', 'migrated'], [puq_service_page($sid)['progress']['kind'], puq_service_page($sid)['progress']['next']]);
Harness::exec("UPDATE puqProxmoxKVM_vm_info SET vm_status = 'ready' WHERE service_id = ?", [$sid]);

// ---- unreachable server: a red box, the page still renders ----
Harness::exec('UPDATE tblservers SET port = 1 WHERE id = ?', [Deploy::$server]);
$d = puq_service_page($sid);
assertFalse($d['api']['ok']);
assertTrue($d['api']['checked']);
assertContains('did not answer', $d['api']['message']);
$html = puqProxmoxKVM_AdminServicesTabFields(Harness::params($sid))['PUQ Proxmox KVM'];
assertContains('Proxmox API error', $html);
assertNotContains('Usage Charts', $html);
assertFalse(puq_service_chart($sid, 'hour')['ok']);
Harness::exec('UPDATE tblservers SET port = ? WHERE id = ?', [Sim::httpsPort(), Deploy::$server]);

// ---- a service without a VM record ----
$bare = Harness::createService(Deploy::$client, $pid, Deploy::$server);
$d = puq_service_page($bare);
assertSame(null, $d['vm']);
assertContains('no VM record', $d['api']['message']);
assertContains('No VM', puqProxmoxKVM_AdminServicesTabFields(Harness::params($bare))['PUQ Proxmox KVM']);
$e = assertThrows(Throwable::class, fn () => puq_service_page(0));
assertContains("'service_id'", $e->getMessage());

// ---- Redeploy with the token queues a fresh deploy (last: it deletes the VM) ----
$_SESSION['adminid'] = Harness::createAdmin('puq-admin');
$r = puqProxmoxKVM_serviceAction($sid, 'redeploy', ['token' => generate_token('plain')], 'POST');
assertTrue($r['ok'], json_encode($r));
assertTrue(Deploy::status($sid) !== 'ready', Deploy::status($sid));
$p = puq_service_page($sid)['progress'];
assertTrue($p !== null && $p['kind'] === 'deploy', json_encode($p));

echo "OK\n";
