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

// "Secure" unticked changes nothing: HTTPS with the pin still connects.
$r = Harness::testConnection(Sim::createServer(['secure' => '']));
assertSame(true, $r['success'], json_encode($r));

// A plain-HTTP listener (Secure unticked, Access Hash empty, as the old
// module allowed) receives a TLS handshake and never the token secret.
$listener = <<<'PHP'
$s = stream_socket_server('tcp://127.0.0.1:0', $no, $str);
$name = stream_socket_get_name($s, false);
echo substr($name, strrpos($name, ':') + 1), "\n";
fflush(STDOUT);
$got = '';
if ($c = @stream_socket_accept($s, 20)) {
    stream_set_timeout($c, 1);
    $got = (string) fread($c, 65536);
    fwrite($c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    fclose($c);
}
echo bin2hex($got), "\n";
PHP;
$proc = proc_open([PHP_BINARY, '-n', '-r', $listener], [1 => ['pipe', 'w']], $pipes);
$port = (int) trim((string) fgets($pipes[1]));
assert($port > 0);
$r = Harness::testConnection(Sim::createServer(['secure' => '', 'accesshash' => '', 'port' => $port]));
$received = hex2bin(trim((string) stream_get_contents($pipes[1])));
proc_close($proc);
assertSame(false, $r['success'], json_encode($r));
assertContains('HTTPS only', $r['error']);
assert($received !== '' && ord($received[0]) === 0x16, 'a TLS ClientHello arrived, not an HTTP request');
assertNotContains(Sim::TOKEN_SECRET, $received);
assertNotContains('PVEAPIToken', $received);
assertNotContains('/api2/json', $received);

// Unpinned and not trusted by the system store: refused with the
// certificate's fingerprint and where to paste it.
$r = Harness::testConnection(Sim::createServer(['secure' => '', 'accesshash' => '']));
assertSame(false, $r['success']);
assertContains(Sim::fingerprint(), $r['error']);
assertContains('paste it into Access Hash to pin it', $r['error']);

// Control characters in the host name are refused up front and never echoed raw.
$r = Harness::testConnection(Sim::createServer(['hostname' => "127.0.0.1\0evil"]));
assertSame(false, $r['success']);
assertContains('serverhostname', $r['error']);
assertContains('\\x00', $r['error']);
assertNotContains("\0", $r['error']);

// A token without permissions is told which roles to grant.
Sim::control('POST', 'permissions', ['token' => Sim::TOKEN_ID, 'deny' => [['priv' => 'Sys.Audit', 'path' => '/nodes/pve1']]]);
$r = Harness::testConnection($ok);
assertSame(false, $r['success']);
assertContains('lacks permissions', $r['error']);
Sim::control('POST', 'permissions', ['token' => Sim::TOKEN_ID, 'deny' => []]);
assertSame(true, Harness::testConnection($ok)['success']);

echo "OK\n";
