<?php
/**
 * Sample data for the client area (tests/client-pages.sh): activates the addon in the database named by
 * PUQ_TEST_DB_NAME, registers the Proxmox simulator (PUQ_SIM_HTTPS_PORT, PUQ_SIM_FINGERPRINT) and an unreachable
 * server, IPv4/IPv6 pools, a reverse zone on the real PowerDNS (PUQ_PDNS_URL, PUQ_PDNS_KEY) for the IPv4 range
 * (the IPv6 range has none: its PTR goes by ticket), and two clients. Carol's services are deployed for real
 * (CreateAccount, then the module's cron until `ready`) and then put in the states the pages show:
 *   ready (every permission), busy (a backup task running), deploying, suspended, server down, every permission
 *   off, terminated. Dave has one ready service: the target of Carol's attacks.
 * Prints a JSON summary on stdout: ids, the hostile marker and every secret that must never reach the browser.
 */
require dirname(__DIR__) . '/harness/bootstrap.php';

$r = Harness::callAddon('activate');
if (($r['status'] ?? '') !== 'success') {
    fwrite(STDERR, 'seed: activate failed: ' . json_encode($r) . "\n");
    exit(1);
}
$xss = '"><img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';
foreach (['puqProxmoxVKM Welcome Email', 'puqProxmoxKVM VM is ready', 'puqProxmoxKVM Reset password'] as $t) {
    Harness::createEmailTemplate($t);
}
Harness::exec('CREATE TABLE IF NOT EXISTS tbltickets (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, tid VARCHAR(16) NOT NULL DEFAULT \'\',
    did INT NOT NULL, userid INT NOT NULL, service INT NOT NULL DEFAULT 0, title TEXT NOT NULL, message TEXT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4');

$tokenSecret = '5f1a7c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b';
$downSecret = 'down-token-secret-' . bin2hex(random_bytes(6));
$sim = Harness::createServer([
    'name' => 'pve-sim', 'hostname' => '127.0.0.1', 'ipaddress' => '127.0.0.1', 'username' => 'root@pam!whmcs',
    'password' => $tokenSecret, 'accesshash' => (string) getenv('PUQ_SIM_FINGERPRINT'), 'secure' => 'on',
    'port' => (int) getenv('PUQ_SIM_HTTPS_PORT'),
]);
$down = Harness::createServer([
    'name' => 'pve-down', 'hostname' => '127.0.0.1', 'ipaddress' => '127.0.0.1', 'username' => 'root@pam!whmcs',
    'password' => $downSecret, 'secure' => 'on', 'port' => (int) (getenv('PUQ_DOWN_PORT') ?: 1),
]);
$groupSim = Harness::createServerGroup('Proxmox', [$sim]);
$groupDown = Harness::createServerGroup('Proxmox down', [$down]);

puq_ip_pool_create(['server_id' => $sim, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => '198.18.10.1', 'mask' => '24', 'dns1' => '9.9.9.9', 'dns2' => '1.1.1.1',
    'address_start' => '198.18.10.10', 'address_stop' => '198.18.10.200']);
puq_ip_pool_create(['server_id' => $sim, 'type' => 'IPv6', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => 'fd00:77::1', 'mask' => '64', 'dns1' => '2620:fe::fe', 'dns2' => '',
    'address_start' => 'fd00:77::10', 'address_stop' => 'fd00:77::ff']);

// The reverse zone of the IPv4 range on the real PowerDNS.
$pdnsUrl = (string) getenv('PUQ_PDNS_URL');
$pdnsKey = (string) getenv('PUQ_PDNS_KEY');
$zone = '10.18.198.in-addr.arpa';
$ctx = static function (string $method, ?array $body) use ($pdnsKey) {
    return stream_context_create(['http' => ['method' => $method, 'ignore_errors' => true, 'timeout' => 10,
        'header' => "X-API-Key: $pdnsKey\r\nContent-Type: application/json\r\n",
        'content' => $body === null ? '' : json_encode($body)]]);
};
@file_get_contents("$pdnsUrl/api/v1/servers/localhost/zones/$zone.", false, $ctx('DELETE', null));
file_get_contents("$pdnsUrl/api/v1/servers/localhost/zones", false,
    $ctx('POST', ['name' => "$zone.", 'kind' => 'Native', 'nameservers' => ['ns1.example.net.']]));
puq_dns_zone_create(['name' => $zone, 'type' => 'PowerDNS', 'server_url' => $pdnsUrl, 'api_key' => $pdnsKey]);

$dept = Harness::createTicketDepartment('Network Operations');
$settings = ['os_template' => '9000', 'node' => 'pve1', 'ipv4_count' => '1', 'ipv6_count' => '1', 'sys_size_gb' => '20',
    'sys_mbps_rd' => '200', 'sys_mbps_wr' => '100', 'sys_iops_rd' => '5000', 'sys_iops_wr' => '2500', 'bandwidth_mbs' => '125',
    'revdns_ticket' => '1', 'revdns_department' => (string) $dept, 'main_domain' => '.client.example']
    // The console (tests/admin-pages.sh runs puq-vncproxy with this key at this domain).
    + (getenv('PUQ_CONSOLE_DOMAIN') ? ['novnc_domain' => getenv('PUQ_CONSOLE_DOMAIN'), 'novnc_key' => getenv('PUQ_CONSOLE_KEY')] : []);
$product = Harness::createProduct(['name' => 'KVM Cloud S', 'servergroup' => $groupSim]);
puq_product_settings_save($product, $settings);
$locked = Harness::createProduct(['name' => 'KVM Locked', 'servergroup' => $groupSim]);
$off = [];
foreach (['start', 'stop', 'novnc', 'charts', 'reinstall', 'reset_password', 'revdns', 'iso', 'firewall'] as $p) {
    $off["perm_$p"] = '0';
}
puq_product_settings_save($locked, $off + $settings);
$productDown = Harness::createProduct(['name' => 'KVM Far Away', 'servergroup' => $groupDown]);
puq_product_settings_save($productDown, ['os_template' => '9000']);

$carol = Harness::createClient(['firstname' => 'Carol', 'lastname' => 'Client', 'email' => 'carol@example.test']);
$dave = Harness::createClient(['firstname' => 'Dave', 'lastname' => 'Other', 'email' => 'dave@example.test']);

$passwords = [];
$order = static function (int $client, int $pid, int $server, string $domain) use (&$passwords): int {
    $pw = 'vm-pass-' . bin2hex(random_bytes(6));
    $passwords[] = $pw;
    $sid = Harness::createService($client, $pid, $server, ['domain' => $domain, 'password' => $pw,
        'domainstatus' => 'Active', 'username' => 'root']);
    $r = Harness::callServer('CreateAccount', $sid);
    if ($r !== 'success') {
        throw new RuntimeException("seed: CreateAccount $domain: $r");
    }
    return $sid;
};

// The full product offers two operating systems and disk options (the upgrade page's shrink guard).
$osOpt = Harness::addConfigOption($product, 'Operating System|Operating system', ['9000|Debian 12', '9001|Ubuntu 24.04']);
$sysOpt = Harness::addConfigOption($product, 'System Disk|System disk', ['10|10 GB', '20|20 GB', '40|40 GB', '80|80 GB']);
$addOpt = Harness::addConfigOption($product, 'Additional Disk|Additional disk', ['0|None', '10|10 GB', '20|20 GB', '50|50 GB']);

$ready = $order($carol, $product, $sim, 'web1.client.example');
foreach ([[$osOpt, '9000'], [$sysOpt, '20'], [$addOpt, '10']] as [$cid, $v]) {
    Harness::setServiceConfigOption($ready, $cid, $v);
}
$busy = $order($carol, $product, $sim, 'db1.client.example');
$susp = $order($carol, $product, $sim, 'old1.client.example');
$lockedSid = $order($carol, $locked, $sim, 'locked1.client.example');
$other = $order($dave, $product, $sim, 'dave1.client.example');

// Deploy them with the module's own cron.
for ($i = 0; $i < 40; $i++) {
    ob_start();
    puq_cron_tick(['argv' => ['--task=process_vms', '--force']]);
    $log = (string) ob_get_clean();
    $states = array_map(static fn ($s) => (string) Harness::value('SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$s]),
        [$ready, $busy, $susp, $lockedSid, $other]);
    if (count(array_unique($states)) === 1 && $states[0] === 'ready') {
        break;
    }
    usleep(200000);
}
if (!(count(array_unique($states)) === 1 && $states[0] === 'ready')) {
    fwrite(STDERR, "seed: deploy did not reach ready: " . json_encode($states) . "\n$log\n");
    exit(1);
}

// Busy: a backup task of the client runs on the VM.
Harness::insert('puqProxmoxKVM_operations', ['service_id' => $busy, 'kind' => 'backup', 'origin' => 'manual', 'node' => 'pve1',
    'vmid' => (int) Harness::value('SELECT vm_id FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$busy]),
    'upid' => 'UPID:pve1:0000AAAA:0000BBBB:6700C0DE:vzdump:999:root@pam!whmcs:', 'storage' => 'local', 'status' => 'running',
    'started_at' => time() - 30, 'day' => date('Y-m-d')]);
// Suspended: as WHMCS does it (status first, then the module).
Harness::exec("UPDATE tblhosting SET domainstatus = 'Suspended' WHERE id = ?", [$susp]);
if (Harness::callServer('SuspendAccount', $susp) !== 'success') {
    throw new RuntimeException('seed: SuspendAccount failed');
}
// Deploying: accepted, its addresses allocated, the clone not done yet (state set_ip, no VMID).
$deploying = $order($carol, $product, $sim, 'new1.client.example');
Harness::exec("UPDATE puqProxmoxKVM_vm_info SET vm_status = 'set_ip', vm_id = NULL WHERE service_id = ?", [$deploying]);
// Server down: a VM record on the unreachable server.
$downSid = Harness::createService($carol, $productDown, $down, ['domain' => 'far1.client.example', 'domainstatus' => 'Active', 'username' => 'root']);
Harness::insert('puqProxmoxKVM_vm_info', ['service_id' => $downSid, 'server_id' => $down, 'vm_id' => 4242, 'vm_name' => "$downSid-far",
    'hostname' => 'far1.client.example', 'node' => 'pve1', 'vm_status' => 'ready', 'product_id' => $productDown, 'client_id' => $carol,
    'os_username' => 'root']);
// Terminated.
$term = Harness::createService($carol, $product, $sim, ['domain' => 'gone1.client.example', 'domainstatus' => 'Terminated', 'username' => 'root']);
Harness::insert('puqProxmoxKVM_vm_info', ['service_id' => $term, 'server_id' => $sim, 'vm_id' => null, 'vm_name' => "$term-gone",
    'hostname' => 'gone1.client.example', 'node' => 'pve1', 'vm_status' => 'remove', 'product_id' => $product, 'client_id' => $carol]);
// A hostile reverse name on Dave's service (shown as text on his own page) and hostile text in a hostname.
Harness::exec('UPDATE puqProxmoxKVM_vm_info SET hostname = ? WHERE service_id = ?', ['x' . $xss, $lockedSid]);

// Client area part 2 (Snapshots, Backups, ISO, Firewall): a product with quotas, a backup storage and an ISO storage,
// and one service of Carol's on it, deployed with the module's cron. The ISO images (some hostile names) and a backup
// with a hostile note made by an admin are put into the simulator by the page tests.
$protect = Harness::createProduct(['name' => 'KVM Protect', 'servergroup' => $groupSim]);
puq_product_settings_save($protect, ['snapshots' => '3', 'backups' => '3', 'snapshot_lifetime_days' => '3',
    'backup_storage' => 'local', 'iso_storage' => 'local', 'ipv6_count' => '0', 'revdns_ticket' => '0',
    'dhcp_v4' => '0', 'dhcp_v6' => '0'] + $settings);
$prot = $order($carol, $protect, $sim, 'safe1.client.example');
for ($i = 0; $i < 40; $i++) {
    ob_start();
    puq_cron_tick(['argv' => ['--task=process_vms', '--force']]);
    ob_end_clean();
    if ((string) Harness::value('SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$prot]) === 'ready') {
        break;
    }
    usleep(200000);
}

// The services' passwords as they are now (CreateAccount and the deploy may set new ones).
foreach (Harness::query('SELECT password FROM tblhosting') as $row) {
    $passwords[] = harness_decrypt((string) $row['password']);
}

echo json_encode([
    'carol' => $carol,
    'dave' => $dave,
    'server_id' => $sim,
    'dept' => $dept,
    'product_id' => $product,
    'pdns_zone' => $zone,
    'services' => ['ready' => $ready, 'busy' => $busy, 'suspended' => $susp, 'locked' => $lockedSid, 'other' => $other,
        'deploying' => $deploying, 'down' => $downSid, 'terminated' => $term, 'protect' => $prot],
    'protect_product' => $protect,
    'options' => ['os' => $osOpt, 'system' => $sysOpt, 'additional' => $addOpt],
    'xss' => $xss,
    'secrets' => array_values(array_unique(array_filter(array_merge([$tokenSecret, $downSecret, $pdnsKey, (string) getenv('PUQ_CONSOLE_KEY')], $passwords)))),
], JSON_PRETTY_PRINT) . "\n";
