<?php
// The committed stub file is exactly what the built extension generates.
$ext = getenv('PUQ_EXT');
$gen = shell_exec(escapeshellarg(PHP_BINARY) . ' -n -d extension=' . escapeshellarg($ext) . ' ' . escapeshellarg(__DIR__ . '/../gen-stubs.php'));
$committed = file_get_contents(__DIR__ . '/../../stubs/puq_proxmox_kvm.php');
if ($gen !== $committed) {
    fwrite(STDERR, "stubs/puq_proxmox_kvm.php is out of date; regenerate it:\n  php -d extension=$ext tests/gen-stubs.php > stubs/puq_proxmox_kvm.php\n");
    exit(1);
}
// Every function the PHP skin calls exists in the extension.
$skin = '';
foreach (new RecursiveIteratorIterator(new RecursiveDirectoryIterator(__DIR__ . '/../../php')) as $f) {
    if (substr((string) $f, -4) === '.php') {
        $skin .= file_get_contents((string) $f);
    }
}
preg_match_all('/\b(puq_[a-z0-9_]+)\s*\(/', $skin, $m);
$missing = array_diff(array_unique($m[1]), get_extension_funcs('puq_proxmox_kvm'), ['puq_proxmox_kvm_config', 'puq_proxmox_kvm_activate', 'puq_proxmox_kvm_deactivate', 'puq_proxmox_kvm_upgrade', 'puq_proxmox_kvm_output']);
if ($missing) {
    fwrite(STDERR, 'the PHP skin calls functions the extension lacks: ' . implode(', ', $missing) . "\n");
    exit(1);
}
echo "OK\n";
