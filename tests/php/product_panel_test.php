<?php
// The product Module Settings panel against the Proxmox simulator: live
// choices, actionable banners, per-field validation that saves nothing on
// error, CSRF, escaping, no secrets, and "Create configurable options".
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
$puqAdmin = Harness::createAdmin('puq-admin');
$_SESSION['adminid'] = $puqAdmin;

Harness::callAddon('activate');
Harness::loadServerModule();
Harness::createEmailTemplate('puqProxmoxKVM VM is ready');
Harness::createEmailTemplate('<script>alert("tpl")</script>');
Harness::createTicketDepartment('Network <b>Ops</b>');

$server = Sim::createServer();
$group = Harness::createServerGroup('KVM group', [$server]);
$pid = Harness::createProduct(['name' => 'KVM <img src=x onerror=alert(1)>', 'servergroup' => $group]);

// ---- panel data: live choices from the server group, in one cluster read plus bridges per node ----
$d = puq_product_panel($pid);
assertSame('pve-sim', $d['server']);
assertSame(['pve1', 'pve2'], array_column($d['choices']['nodes'], 'node'));
assertSame([9000, 9001, 9002], array_column($d['choices']['templates'], 'vmid'));
assertSame('pve2', $d['choices']['templates'][2]['node']);
$images = array_column($d['choices']['images'], 'storage');
sort($images);
assertSame(['ceph', 'local', 'local-lvm'], $images);
assertSame(['local'], array_column($d['choices']['backup'], 'storage'));
assertSame(['local'], array_column($d['choices']['iso'], 'storage'));
assertTrue($d['choices']['bridges_known']);
assertSame(['vmbr0', 'vmbr1'], array_column($d['choices']['bridges'], 'iface'));
// Defaults from the spec, and the one thing missing: the OS template.
assertSame(1, $d['settings']['cpu']);
assertSame('{client_id}-{service_id}', $d['settings']['vm_name_rule']);
assertContains('No OS template chosen', json_encode($d['banners']));
assertTrue(in_array('os_template', $d['highlight'], true));
assertSame(18, $d['config_options']['total']);
assertSame(0, $d['config_options']['existing']);
// Secrets never leave: not the token secret, not the noVNC key.
$json = json_encode($d);
assertNotContains(Sim::TOKEN_SECRET, $json);
assertSame('', $d['settings']['novnc_key']);
assertTrue($d['settings']['novnc_key_set']);
assertNotContains('puqcloud"', str_replace('vncproxy.puqcloud.com', '', $json));

// ---- the rendered panel (ConfigOptions on configproducts.php?action=module-settings&id=PID) ----
$_REQUEST = ['action' => 'module-settings', 'id' => (string) $pid];
$_SERVER['REQUEST_URI'] = "/admin/configproducts.php?action=module-settings&id=$pid&module=puqProxmoxKVM";
$opts = puqProxmoxKVM_ConfigOptions([]);
$html = $opts['PUQ Proxmox KVM']['Description'];
foreach (['VM Configuration', 'Network', 'Firewall', 'Storage', 'Integrations', 'Client Area Permissions', 'Metric Billing',
          'data-puq-field="node"', 'data-puq-field="os_template"', 'data-puq-field="perm_firewall"', 'data-puq-field="fw_antispoofing"',
          '9001 — ubuntu-2404-cloud (pve1)', 'value="vmbr1"', 'Create configurable options', '{random_digit_X}'] as $needle) {
    assertContains($needle, $html);
}
assertNotContains('<script>alert("tpl")', $html);
assertContains('&lt;script&gt;alert(&quot;tpl&quot;)&lt;/script&gt;', $html);
assertNotContains('<b>Ops</b>', $html);
assertNotContains(Sim::TOKEN_SECRET, $html);
assertNotContains('value="puqcloud"', $html);
// The JSON island cannot close its script tag.
preg_match('~<script type="application/json" id="puq-panel-data">(.*?)</script>~s', $html, $m);
assertNotContains('<', $m[1]);
assertSame($pid, json_decode($m[1], true)['product']['id']);

// While WHMCS saves the product form it calls ConfigOptions only for the field list: no panel then.
$_REQUEST = ['action' => 'save', 'id' => (string) $pid];
$saveCall = puqProxmoxKVM_ConfigOptions([]);
assertSame('', $saveCall['PUQ Proxmox KVM']['Description']);
assertSame('text', $saveCall['PUQ Proxmox KVM']['Type']);

// ---- save: every bad field reported, nothing stored ----
$stored = fn () => Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_product_settings WHERE product_id = ?', [$pid]);
$token = generate_token('plain');
$r = puqProxmoxKVM_productPanelAction($pid, 'save', ['token' => $token, 'values' => ['cpu' => '0', 'vlan' => 'x', 'ram_gb' => '4']], 'POST');
assertFalse($r['ok']);
assertSame(['cpu', 'vlan'], array_keys($r['errors']));
assertContains('between 1 and 512', $r['errors']['cpu']);
assertSame(0, (int) $stored());
// A value Proxmox does not have is an error on its field.
$r = puqProxmoxKVM_productPanelAction($pid, 'save', ['token' => $token, 'values' => ['os_template' => '4242', 'sys_storage' => 'nosuchstore', 'node' => 'pve1']], 'POST');
assertFalse($r['ok']);
assertContains('4242', $r['errors']['os_template']);
assertContains('disk images', $r['errors']['sys_storage']);
assertSame(0, (int) $stored());
// CSRF: no token, or GET, changes nothing.
$r = puqProxmoxKVM_productPanelAction($pid, 'save', ['values' => ['cpu' => '2']], 'POST');
assertSame(403, $r['http_status']);
$r = puqProxmoxKVM_productPanelAction($pid, 'save', ['token' => $token, 'values' => ['cpu' => '2']], 'GET');
assertSame(405, $r['http_status']);
assertSame(0, (int) $stored());
// A good save; the empty noVNC key keeps the stored one.
$r = puqProxmoxKVM_productPanelAction($pid, 'save', ['token' => $token, 'values' => [
    'os_template' => '9000', 'node' => 'pve1', 'sys_storage' => 'local-lvm', 'cpu' => '2', 'bridge' => 'vmbr1',
    'backup_storage' => 'local', 'iso_storage' => 'local', 'novnc_key' => '', 'dhcp_v6' => '', 'fw_radv' => 'on']], 'POST');
assertTrue($r['ok'], json_encode($r));
$s = puq_product_settings_get($pid);
assertSame([2, '9000', 'pve1', 'local-lvm', 'vmbr1', 'puqcloud', false, true],
    [$s['cpu'], $s['os_template'], $s['node'], $s['sys_storage'], $s['bridge'], $s['novnc_key'], $s['dhcp_v6'], $s['fw_radv']]);
$d = puq_product_panel($pid);
assertSame([], $d['field_errors']);
assertNotContains('No OS template', json_encode($d['banners']));

// ---- text settings validated by what they become; a moved noVNC domain needs its key again (issue 21, items 1, 4) ----
$dept = (int) Harness::value('SELECT id FROM tblticketdepartments ORDER BY id LIMIT 1');
$settingsRow = fn () => Harness::value('SELECT settings FROM puqProxmoxKVM_product_settings WHERE product_id = ?', [$pid]);
$before = $settingsRow();
$bad = ['main_domain' => 'exa mple..com', 'novnc_domain' => 'javascript:alert(1)', 'email_ready' => 'No Such Template',
    'email_reset_password' => 'x', 'revdns_department' => (string) ($dept + 999)];
foreach ($bad as $k => $v) {
    $r = puqProxmoxKVM_productPanelAction($pid, 'save', ['token' => $token, 'values' => [$k => $v]], 'POST');
    assertFalse($r['ok'], "$k=$v accepted");
    assertTrue(isset($r['errors'][$k]), "$k: " . json_encode($r));
    $e = assertThrows(Throwable::class, fn () => puq_product_settings_save($pid, [$k => $v]));
    assertContains("'$k'", $e->getMessage());
}
assertContains('is not a host name', puqProxmoxKVM_productPanelAction($pid, 'save', ['token' => $token, 'values' => ['novnc_domain' => 'javascript:alert(1)', 'novnc_key' => 'k']], 'POST')['errors']['novnc_domain']);
$r = puqProxmoxKVM_productPanelAction($pid, 'save', ['token' => $token, 'values' => ['novnc_domain' => 'vnc.attacker.example', 'novnc_key' => '']], 'POST');
assertContains('enter the noVNC key again', $r['errors']['novnc_key'] ?? '', json_encode($r));
$e = assertThrows(Throwable::class, fn () => puq_product_settings_save($pid, ['novnc_domain' => 'vnc.attacker.example']));
assertContains("'novnc_key'", $e->getMessage());
assertSame($before, $settingsRow(), 'nothing saved on refusal');
// Good values: a domain with its leading dot, a host with a port and a new key, templates that exist, None.
$r = puqProxmoxKVM_productPanelAction($pid, 'save', ['token' => $token, 'values' => ['main_domain' => '.vms.example.com',
    'novnc_domain' => 'vnc.example.com:8443', 'novnc_key' => 'new-key', 'email_ready' => 'puqProxmoxKVM VM is ready',
    'email_reset_password' => '', 'revdns_department' => (string) $dept]], 'POST');
assertTrue($r['ok'], json_encode($r));
$s = puq_product_settings_get($pid);
assertSame(['.vms.example.com', 'vnc.example.com:8443', '', $dept], [$s['main_domain'], $s['novnc_domain'], $s['email_reset_password'], (int) $s['revdns_department']]);

// ---- unreachable server: banner, highlighted fields, save refused ----
$dead = Harness::createServer(['name' => 'pve-down', 'hostname' => '127.0.0.1', 'ipaddress' => '127.0.0.1', 'port' => 1, 'password' => 'dead-secret']);
$pDead = Harness::createProduct(['servergroup' => Harness::createServerGroup('Down group', [$dead])]);
$d = puq_product_panel($pDead);
assertSame(null, $d['server']);
assertSame('Proxmox server unreachable', $d['banners'][0]['title']);
assertContains("'pve-down'", $d['banners'][0]['message']);
foreach (['node', 'os_template', 'sys_storage'] as $f) {
    assertTrue(in_array($f, $d['highlight'], true), $f);
}
assertNotContains('dead-secret', json_encode($d));
$r = puqProxmoxKVM_productPanelAction($pDead, 'save', ['token' => $token, 'values' => ['cpu' => '2']], 'POST');
assertFalse($r['ok']);
assertContains('Nothing was saved', $r['message']);
assertSame(0, (int) Harness::value('SELECT COUNT(*) FROM puqProxmoxKVM_product_settings WHERE product_id = ?', [$pDead]));
$_REQUEST = ['id' => (string) $pDead];
$html = puqProxmoxKVM_ConfigOptions([])['PUQ Proxmox KVM']['Description'];
assertContains('Proxmox server unreachable', $html);
assertContains('puq-highlight', $html);

// ---- no server group / empty group ----
$pNone = Harness::createProduct();
assertSame('No server group', puq_product_panel($pNone)['banners'][0]['title']);
$pEmpty = Harness::createProduct(['servergroup' => Harness::createServerGroup('Empty')]);
assertSame('No Proxmox server in the group', puq_product_panel($pEmpty)['banners'][0]['title']);
$e = assertThrows(Throwable::class, fn () => puq_product_panel(999999));
assertContains("'product_id'", $e->getMessage());

// ---- Create configurable options: 18 once, linked to the product ----
$r = puqProxmoxKVM_productPanelAction($pid, 'create_options', [], 'POST');
assertSame(403, $r['http_status']);
assertSame(0, (int) Harness::value('SELECT COUNT(*) FROM tblproductconfigoptions'));
$r = puqProxmoxKVM_productPanelAction($pid, 'create_options', ['token' => $token], 'POST');
assertTrue($r['ok'], json_encode($r));
assertSame(18, count($r['created']));
assertSame(18, $r['status']['existing']);
$gid = $r['group_id'];
assertSame($pid, (int) Harness::value('SELECT pid FROM tblproductconfiglinks WHERE gid = ?', [$gid]));
$names = array_column(Harness::query('SELECT optionname FROM tblproductconfigoptions WHERE gid = ? ORDER BY `order`', [$gid]), 'optionname');
assertSame('CPU Cores', $names[0]);
assertTrue(in_array('Additional Disk Write IOPS', $names, true));
$os = Harness::value("SELECT id FROM tblproductconfigoptions WHERE gid = ? AND optionname = 'Operating System'", [$gid]);
$osSubs = array_column(Harness::query('SELECT optionname FROM tblproductconfigoptionssub WHERE configid = ? ORDER BY sortorder', [$os]), 'optionname');
assertSame(['9000|debian-12-cloud', '9001|ubuntu-2404-cloud', '9002|almalinux-9-cloud'], $osSubs);
$subs = (int) Harness::value('SELECT COUNT(*) FROM tblproductconfigoptionssub s JOIN tblproductconfigoptions o ON o.id = s.configid WHERE o.gid = ?', [$gid]);
assertSame($subs, (int) Harness::value("SELECT COUNT(*) FROM tblpricing WHERE type = 'configoptions'"));
// The options work: a service choosing 4 cores gets them.
$client = Harness::createClient();
$sid = Harness::createService($client, $pid, $server);
$cpuOpt = (int) Harness::value("SELECT id FROM tblproductconfigoptions WHERE gid = ? AND optionname = 'CPU Cores'", [$gid]);
Harness::setServiceConfigOption($sid, $cpuOpt, '4');
assertSame(4, puq_effective_config(Harness::params($sid))['cpu']);
// Once: the second run creates nothing.
$r = puqProxmoxKVM_productPanelAction($pid, 'create_options', ['token' => $token], 'POST');
assertTrue($r['ok']);
assertSame([], $r['created']);
assertSame(null, $r['group_id']);
assertSame(18, (int) Harness::value('SELECT COUNT(*) FROM tblproductconfigoptions'));
// Legacy names count as existing: only the missing ones are created.
$pLegacy = Harness::createProduct(['servergroup' => $group]);
Harness::addConfigOption($pLegacy, 'CPU|Processor', ['1|1 Core']);
Harness::addConfigOption($pLegacy, 'RAM|Memory', ['1|1 GB']);
$r = puq_product_create_options($pLegacy, $puqAdmin);
assertSame(16, count($r['created']));
assertFalse(in_array('CPU Cores', $r['created'], true));

echo "OK\n";
