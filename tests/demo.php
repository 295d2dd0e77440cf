<?php
// The main job, driven through the WHMCS harness: activate the addon, register
// the Proxmox simulator as a WHMCS server over HTTPS with a pinned certificate,
// and run TestConnection.
require __DIR__ . '/harness/bootstrap.php';
require __DIR__ . '/harness/Sim.php';

function step(string $s): void
{
    echo "\n--- $s ---\n";
}

step('Activate addon puq_proxmox_kvm');
$r = Harness::callAddon('activate');
echo "{$r['status']}: {$r['description']}\n";
if ($r['status'] !== 'success') {
    exit(1);
}

step('Start the Proxmox VE simulator');
$info = Sim::start();
echo "HTTPS on 127.0.0.1:{$info['https_port']}, certificate SHA-256 {$info['fingerprint']}\n";

step('TestConnection (HTTPS, pinned fingerprint in Access Hash)');
$serverId = Sim::createServer();
$r = Harness::testConnection($serverId);
echo ($r['success'] ? 'success: ' . $r['message'] : 'FAILED: ' . $r['error']) . "\n";
exit($r['success'] ? 0 : 1);
