<?php
// TestConnection against the Proxmox simulator over HTTPS with a pinned
// certificate, and each failure reported with its exact reason.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';

Harness::callAddon('activate');
$ok = Sim::createServer();
$r = Harness::testConnection($ok);
assertSame(true, $r['success'], json_encode($r));
assertContains('Connected to Proxmox VE', $r['message']);
assertContains('pve1', $r['message']);

// The same fingerprint in lower case without colons also pins.
$r = Harness::testConnection(Sim::createServer(['accesshash' => strtolower(str_replace(':', '', Sim::fingerprint()))]));
assertSame(true, $r['success'], json_encode($r));

// A wrong fingerprint is refused with both fingerprints named.
$wrong = implode(':', str_split(str_repeat('AB', 32), 2));
$r = Harness::testConnection(Sim::createServer(['accesshash' => $wrong]));
assertSame(false, $r['success']);
assertContains('fingerprint mismatch', $r['error']);
assertContains(Sim::fingerprint(), $r['error']);
assertContains($wrong, $r['error']);

// A self-signed certificate without a pin is not trusted, and the error says what to do.
$r = Harness::testConnection(Sim::createServer(['accesshash' => '']));
assertSame(false, $r['success']);
assertContains('Access Hash', $r['error']);

// A malformed fingerprint names the field.
$r = Harness::testConnection(Sim::createServer(['accesshash' => 'not-a-fingerprint']));
assertContains("'serveraccesshash'", $r['error']);

// Bad token → 401 explained; the secret never appears.
$r = Harness::testConnection(Sim::createServer(['password' => 'wrong-secret-value']));
assertSame(false, $r['success']);
assertContains('401', $r['error']);
assertNotContains('wrong-secret-value', $r['error']);
$r = Harness::testConnection(Sim::createServer(['username' => 'root@pam!other']));
assertContains('401', $r['error']);

// Connection refused and DNS failures.
$r = Harness::testConnection(Sim::createServer(['port' => 1]));
assertContains('refused', $r['error']);
$r = Harness::testConnection(Sim::createServer(['hostname' => 'no-such-host.invalid', 'ipaddress' => '']));
assertContains('not found (DNS)', $r['error']);

// Plain HTTP (operator unticked "Secure") reaches the HTTP listener.
$r = Harness::testConnection(Sim::createServer(['secure' => '', 'accesshash' => '', 'port' => Sim::httpPort()]));
assertSame(true, $r['success'], json_encode($r));

// A token without permissions is told which roles to grant.
Sim::control('POST', 'permissions', ['token' => Sim::TOKEN_ID, 'deny' => [['priv' => 'Sys.Audit', 'path' => '/nodes/pve1']]]);
$r = Harness::testConnection($ok);
assertSame(false, $r['success']);
assertContains('lacks permissions', $r['error']);
Sim::control('POST', 'permissions', ['token' => Sim::TOKEN_ID, 'deny' => []]);
assertSame(true, Harness::testConnection($ok)['success']);

echo "OK\n";
