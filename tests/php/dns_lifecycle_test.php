<?php
// DNS through the state machines, with the real cron entry point, the Proxmox simulator, the real
// PowerDNS and the Cloudflare simulator: deploy (set_dns) creates, change package with an IP count
// change deletes the old records and creates the new, Set DNS records resyncs (and repairs records
// removed by hand), reinstall deletes + recreates, terminate deletes everything. A dead provider beside
// the live ones never blocks any of it; its failure is in the cron output and the run log.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';
require __DIR__ . '/../harness/Dns.php';

Deploy::setUp();
Harness::createEmailTemplate('puqProxmoxKVM Upgrade Email');
puq_settings_save(['stop_timeout' => '5', 'force_stop_timeout' => '5', 'default_timeout' => '3']);
$o = getmypid() % 250 + 1;
$fwd = "l$o-" . bin2hex(random_bytes(2)) . '.example.net';
$rev = "3.$o.10.in-addr.arpa";
Pdns::createZone($fwd);
Pdns::createZone($rev);
$cfZone = str_repeat('7d', 16);
$token = 'cf-' . bin2hex(random_bytes(8));
DnsSim::control('cloudflare', 'POST', 'zone', ['id' => $cfZone, 'name' => $fwd, 'account_id' => $cfZone]);
DnsSim::control('cloudflare', 'POST', 'token', ['token' => $token, 'zones' => [$cfZone]]);
puq_dns_zone_create(['name' => $fwd, 'type' => 'PowerDNS', 'server_url' => Pdns::url(), 'api_key' => Pdns::key()]);
puq_dns_zone_create(['name' => $fwd, 'type' => 'Cloudflare', 'account_id' => $cfZone, 'zone_id' => $cfZone,
    'api_token' => $token, 'server_url' => DnsSim::cloudflareUrl()]);
puq_dns_zone_create(['name' => $rev, 'type' => 'PowerDNS', 'server_url' => Pdns::url(), 'api_key' => Pdns::key()]);
$dead = puq_dns_zone_create(['name' => $fwd, 'type' => 'PowerDNS', 'server_url' => 'http://127.0.0.1:9', 'api_key' => 'dead-key']);

puq_ip_pool_create(['server_id' => Deploy::$server, 'type' => 'IPv4', 'bridge' => 'vmbr0', 'vlan' => '0',
    'gateway' => "10.$o.3.1", 'mask' => '24', 'dns1' => '1.1.1.1', 'dns2' => '', 'address_start' => "10.$o.3.10",
    'address_stop' => "10.$o.3.50"]);
$pid = Deploy::product(['ipv4_count' => '1', 'dhcp_v4' => '', 'main_domain' => ".$fwd"]);
$optIp = Harness::addConfigOption($pid, 'IPv4 Addresses', ['1|1', '2|2', '3|3']);
$sid = Harness::createService(Deploy::$client, $pid, Deploy::$server);
Harness::setServiceConfigOption($sid, $optIp, '1');

function cronUntil(int $sid, string $want, int $max = 8): string
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

function ips(int $sid): array
{
    return array_column(Harness::query('SELECT address FROM puqProxmoxKVM_ip_addresses WHERE service_id = ? ORDER BY id', [$sid]), 'address');
}

/** [forward A contents on PowerDNS, on Cloudflare, PTR owners on PowerDNS] for the service. */
function dnsState(string $fqdn, string $fwd, string $rev): array
{
    $a = Pdns::records($fwd)["$fqdn. A"] ?? [];
    $cf = DnsSim::records('cloudflare')["$fqdn A"] ?? [];
    sort($cf);
    $ptr = Pdns::records($rev);
    return [$a, $cf, $ptr];
}

function expected(string $fqdn, array $ips): array
{
    sort($ips);
    $ptr = [];
    foreach ($ips as $ip) {
        $ptr[implode('.', array_reverse(explode('.', $ip))) . '.in-addr.arpa. PTR'] = ["$fqdn."];
    }
    ksort($ptr);
    return [$ips, $ips, $ptr];
}

$outputs = [];
// --- deploy: set_dns creates; the dead provider does not stop the deploy ------------------
assertSame('success', Harness::callServer('CreateAccount', $sid));
$out = cronUntil($sid, 'ready');
$outputs[] = $out;
$fqdn = (string) Harness::value('SELECT hostname FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$sid]);
assertContains(".$fwd", $fqdn);
assertContains('Configure DNS records', $out);
assertContains("fwd OK $fwd (PowerDNS", $out);
assertContains("fwd OK $fwd (Cloudflare", $out);
assertContains("rev OK $rev (PowerDNS", $out);
assertContains("fwd ERR $fwd (PowerDNS #$dead)", $out);
assertContains('not blocking', $out);
assertSame(expected($fqdn, ips($sid)), dnsState($fqdn, $fwd, $rev));
// The run log has the failure too.
$steps = (string) Harness::value("SELECT steps FROM puqProxmoxKVM_vm_runs WHERE service_id = ? AND action = 'deploy' ORDER BY id DESC LIMIT 1", [$sid]);
assertContains("PowerDNS #$dead", $steps);
puq_dns_zone_delete($dead);

// --- change package: one more IP; old records deleted, the new set created ----------------
Harness::setServiceConfigOption($sid, $optIp, '2');
assertSame('success', Harness::callServer('ChangePackage', $sid));
$out = cronUntil($sid, 'ready');
$outputs[] = $out;
assertContains('fwd-del OK', $out);
assertCount(2, ips($sid));
assertSame(expected($fqdn, ips($sid)), dnsState($fqdn, $fwd, $rev));
// …and back to one: the released address's PTR goes.
Harness::setServiceConfigOption($sid, $optIp, '1');
assertSame('success', Harness::callServer('ChangePackage', $sid));
$outputs[] = cronUntil($sid, 'ready');
assertCount(1, ips($sid));
assertSame(expected($fqdn, ips($sid)), dnsState($fqdn, $fwd, $rev));

// --- Set DNS records: queued, resyncs, and repairs what was removed by hand -----------------
httpJson('PATCH', Pdns::url() . '/api/v1/servers/localhost/zones/' . Pdns::zoneId($fwd), ['X-API-Key: ' . Pdns::key()],
    ['rrsets' => [['name' => "$fqdn.", 'type' => 'A', 'changetype' => 'DELETE']]]);
assertSame([], Pdns::records($fwd));
assertSame('success', Harness::callServer('SetDNSRecords', $sid));
assertSame('set_dns_records', Deploy::status($sid));
$out = cronUntil($sid, 'ready');
$outputs[] = $out;
assertContains('--- SetDNSRecords: service=' . $sid, $out);
assertContains('rev-del OK', $out);
assertSame(expected($fqdn, ips($sid)), dnsState($fqdn, $fwd, $rev));

// --- reinstall: delete + create, exactly one record each afterwards ----------------------------
puq_dns_set_reverse($sid, ips($sid)[0], 'mail.example.org');
assertTrue(puq_reinstall($sid, 9000));
$out = cronUntil($sid, 'ready', 10);
$outputs[] = $out;
assertContains('--- Reinstall: service=' . $sid, $out);
$want = expected($fqdn, ips($sid));
$want[2] = array_map(fn () => ['mail.example.org.'], $want[2]);
assertSame($want, dnsState($fqdn, $fwd, $rev), 'the custom reverse name survives a reinstall');

// --- terminate: forward records and every PTR gone ------------------------------------------
assertSame('success', Harness::callServer('TerminateAccount', $sid));
$out = cronUntil($sid, 'remove');
$outputs[] = $out;
assertContains('fwd-del OK', $out);
assertSame([[], [], []], dnsState($fqdn, $fwd, $rev));
assertSame([], Pdns::records($fwd));

// No credential in any cron output, run log or module log.
$all = implode("\n", $outputs) . json_encode(Harness::query('SELECT * FROM puqProxmoxKVM_vm_runs'))
    . json_encode(Harness::query('SELECT * FROM tblmodulelog'));
foreach ([Pdns::key(), $token, 'dead-key'] as $secret) {
    assertNotContains($secret, $all);
}
echo "OK\n";
