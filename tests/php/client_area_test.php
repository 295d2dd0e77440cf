<?php
/**
 * The client area's natives (puq_client_page / puq_client_action) on a VM deployed on the simulator: the checks
 * run before anything (owner, status, permission, state, POST + CSRF), the shared live cache keeps Proxmox at one
 * status read per VM per interval however many viewers poll at once (child processes, as php-fpm workers), the
 * power rate limit, and Reset password both ways: live through the guest agent (no restart) and, with the agent
 * down, stop → cloud-init → start. The browser-level tests are tests/client/pages (tests/client-pages.sh).
 */
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();
Harness::createEmailTemplate('puqProxmoxKVM Reset password');
$pid = Deploy::product(['cpu' => '2', 'ram_gb' => '2', 'sys_size_gb' => '10']);
$sid = Deploy::order($pid);
Harness::exec("UPDATE tblhosting SET domainstatus = 'Active' WHERE id = ?", [$sid]);
Deploy::until($sid, 'ready', 10);
$vmid = Deploy::vmid($sid);
$client = Deploy::$client;
$other = Harness::createClient();

$req = fn (int $who, bool $post = false, bool $token = false, array $input = []) =>
    ['client_id' => $who, 'post' => $post, 'token_ok' => $token, 'input' => $input];
$statusReads = function () use ($vmid): int {
    $n = 0;
    foreach (Sim::control('GET', 'requests?limit=5000')['data'] as $q) {
        if ($q['template'] === '/nodes/{node}/qemu/{vmid}/status/current' && strpos($q['path'], "/qemu/$vmid/") !== false) {
            $n++;
        }
    }
    return $n;
};

// ---- The Overview -----------------------------------------------------------------------------
$p = puq_client_page($sid, 'overview', $req($client));
assertSame(200, $p['status']);
assertSame('overview', $p['template']);
$d = $p['vars']['data'];
assertSame(true, $d['live']['running']);
assertSame(2, $d['live']['cores']);
assertSame(false, $d['buttons']['start']['enabled']);
assertSame(true, $d['buttons']['stop']['enabled']);
assertSame(['overview', 'charts', 'reinstall', 'snapshots', 'backups', 'reset_password', 'rdns', 'iso', 'firewall'], array_column($p['vars']['menu'], 'name'));
// Snapshots and Backups: quota 0 (the product's default) dims them with the reason 'quota'.
assertSame(['quota', 'quota'], array_column(array_slice($p['vars']['menu'], 3, 2), 'why'));
// No secret and nothing of the node reaches the page's data.
$json = json_encode($p);
assertNotContains(Sim::TOKEN_SECRET, $json);
assertNotContains('pve1', $json);
assertNotContains(decrypt(Harness::value('SELECT password FROM tblhosting WHERE id = ?', [$sid])), $json);

// ---- Refusals come before anything else --------------------------------------------------------
assertSame('not_yours', puq_client_action($sid, 'live', $req($other))['code']);
assertSame('logged_out', puq_client_action($sid, 'live', $req(0))['code']);
assertSame(405, puq_client_action($sid, 'stop', $req($client, false, true))['status']);
assertSame('csrf', puq_client_action($sid, 'stop', $req($client, true, false))['code']);
assertSame(400, puq_client_action($sid, 'destroy', $req($client, true, true))['status']);
assertSame(400, puq_client_page($sid, 'nope', $req($client))['status']);
puq_product_settings_save($pid, ['perm_stop' => '0']);
assertSame('permission', puq_client_action($sid, 'stop', $req($client, true, true))['code']);
assertSame('running', Sim::vm($vmid)['status']);
puq_product_settings_save($pid, ['perm_stop' => '1']);

// ---- One Proxmox status read per VM per interval, however many viewers ------------------------
sleep(7); // the cache of the page load above has expired
Sim::control('DELETE', 'requests');
$code = sprintf('$r = puq_client_action(%d, "live", ["client_id" => %d]); echo $r["ok"] ? "ok" : json_encode($r);', $sid, $client);
$procs = [];
for ($i = 0; $i < 24; $i++) {
    $procs[] = proc_open(Deploy::childCommand($code), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes[$i]);
}
foreach ($procs as $i => $proc) {
    $out = stream_get_contents($pipes[$i][1]);
    $err = stream_get_contents($pipes[$i][2]);
    proc_close($proc);
    assertSame('ok', $out, "viewer $i: $err");
}
assertSame(1, $statusReads(), '24 viewers at once: one status read');
assertSame(true, puq_client_action($sid, 'live', $req($client))['data']['live']['running']);
assertSame(1, $statusReads(), 'a poll within the interval is served from the cache');
sleep(7);
puq_client_action($sid, 'live', $req($client));
assertSame(2, $statusReads(), 'after the interval: read again');

// ---- Power, rate limited ------------------------------------------------------------------------
$r = puq_client_action($sid, 'stop', $req($client, true, true));
assertSame(true, $r['ok'], json_encode($r));
for ($i = 0; $i < 50 && Sim::vm($vmid)['status'] !== 'stopped'; $i++) {
    usleep(100000);
}
assertSame('stopped', Sim::vm($vmid)['status']);
$r = puq_client_action($sid, 'start', $req($client, true, true));
assertSame(429, $r['status']);
assertSame('stopped', Sim::vm($vmid)['status']);
Harness::exec('UPDATE puqProxmoxKVM_live_cache SET power_at = power_at - 11 WHERE service_id = ?', [$sid]);
// A refused request (already stopped) does not use up the allowance.
assertSame(409, puq_client_action($sid, 'reboot', $req($client, true, true))['status']);
assertSame(true, puq_client_action($sid, 'start', $req($client, true, true))['ok']);
for ($i = 0; $i < 50 && Sim::vm($vmid)['status'] !== 'running'; $i++) {
    usleep(100000);
}
assertSame('running', Sim::vm($vmid)['status']);
// The cache was invalidated by the action: the next poll shows the new state.
assertSame(true, puq_client_action($sid, 'live', $req($client))['data']['live']['running']);

// ---- Reset password: live through the guest agent -------------------------------------------
$mails = fn () => count(array_filter(Harness::sentEmails(), fn ($m) => $m['messagename'] === 'puqProxmoxKVM Reset password'));
Sim::control('DELETE', 'requests');
$r = puq_client_action($sid, 'reset_password', $req($client, true, true));
assertSame(true, $r['ok'], json_encode($r));
assertSame(409, puq_client_action($sid, 'reset_password', $req($client, true, true))['status'], 'one at a time');
$plain = decrypt(Harness::value('SELECT password FROM tblhosting WHERE id = ?', [$sid]));
$out = Deploy::until($sid, 'ready', 10);
assertContains('password set live by the QEMU guest agent', $out);
$posts = array_column(Sim::control('GET', 'requests?method=POST')['data'], 'template');
assertContains('/nodes/{node}/qemu/{vmid}/agent/set-user-password', implode(' ', $posts));
assertNotContains('/status/stop', implode(' ', $posts));
assertNotContains('/status/shutdown', implode(' ', $posts));
// Cloud-init keeps it for the next boot (pending on a running VM, as Proxmox does).
assertSame($plain, (string) (Sim::vm($vmid)['pending']['cipassword'] ?? ''));
assertSame('running', Sim::vm($vmid)['status']);
assertSame(1, $mails());
assertNotContains($plain, $out);

// ---- Reset password: the agent does not answer → stop, cloud-init, start --------------------
Sim::vmEdit($vmid, ['agent_running' => false]);
Sim::control('DELETE', 'requests');
assertSame(true, puq_client_action($sid, 'reset_password', $req($client, true, true))['ok']);
$plain2 = decrypt(Harness::value('SELECT password FROM tblhosting WHERE id = ?', [$sid]));
assertTrue($plain2 !== $plain, 'another new password');
$out = Deploy::until($sid, 'ready', 15, 100);
assertContains('guest agent unavailable', $out);
$posts = implode(' ', array_column(Sim::control('GET', 'requests?method=POST')['data'], 'template'));
assertTrue(strpos($posts, '/status/shutdown') !== false || strpos($posts, '/status/stop') !== false, 'stopped for cloud-init');
assertContains('/status/start', $posts);
assertSame($plain2, (string) Sim::vm($vmid)['config']['cipassword']);
assertSame('running', Sim::vm($vmid)['status']);
assertSame(2, $mails());
Sim::vmEdit($vmid, ['agent_running' => true]);

// ---- Suspended: the Overview only ------------------------------------------------------------
Harness::exec("UPDATE tblhosting SET domainstatus = 'Suspended' WHERE id = ?", [$sid]);
assertSame(200, puq_client_page($sid, 'overview', $req($client))['status']);
assertSame('suspended', puq_client_page($sid, 'charts', $req($client))['vars']['error']['code']);
assertSame('suspended', puq_client_action($sid, 'reboot', $req($client, true, true))['code']);
Harness::exec("UPDATE tblhosting SET domainstatus = 'Cancelled' WHERE id = ?", [$sid]);
assertSame('inactive', puq_client_page($sid, 'overview', $req($client))['vars']['error']['code']);

// Every request the module sent was valid for the Proxmox schema.
$bad = array_filter(Sim::control('GET', 'requests?limit=5000')['data'], fn ($q) => $q['status'] === 400);
assertSame([], array_values($bad));

echo "OK\n";
