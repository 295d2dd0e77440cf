<?php
/**
 * The PHP → Rust boundary: what the strict conversion (every key and string checked as UTF-8, objects
 * refused but `model`, depth bounded) costs per call on a WHMCS-sized $params, and on a large array.
 * Prints figures; asserts nothing about time.
 */
require __DIR__ . '/harness/bootstrap.php';

// A $params as WHMCS builds it for a server-module call: ~70 keys, nested client details,
// custom fields and configurable options, the model object.
$params = ['serviceid' => 'x', 'userid' => '3', 'pid' => '4', 'domain' => 'vm12.example.com', 'username' => 'u12',
    'password' => 'S3cret-Passw0rd', 'status' => 'Active', 'serverhostname' => 'pve.example.com',
    'serverip' => '10.0.0.5', 'serverusername' => 'root@pam!whmcs', 'serverpassword' => str_repeat('a', 36),
    'serveraccesshash' => str_repeat('AB:', 31) . 'AB', 'serversecure' => 'on', 'serverport' => '8006',
    'model' => new stdClass(),
    'customfields' => ['Hostname' => 'vm12', 'SSH key' => str_repeat('k', 400)],
    'configoptions' => ['CPU Cores' => '2', 'RAM' => '4', 'System Disk' => '40', 'IPv4 Addresses' => '1',
        'Operating System' => '9000|Debian 12'],
    'clientsdetails' => array_fill_keys(['firstname', 'lastname', 'email', 'companyname', 'address1', 'address2',
        'city', 'state', 'postcode', 'country', 'phonenumber', 'language', 'currency_code'], 'Some text ü'),
];
for ($i = 1; $i <= 24; $i++) {
    $params["configoption$i"] = $i === 1 ? 'pve1' : '';
}
foreach (['accountid', 'addonId', 'packageid', 'serverid', 'type', 'producttype', 'moduletype', 'server',
    'serverhttpprefix', 'serversecure', 'templatevars', 'dedicatedip', 'assignedips'] as $k) {
    $params[$k] = $params[$k] ?? 'value';
}

function perCall(callable $f, int $n): float
{
    $f();
    $t = hrtime(true);
    for ($i = 0; $i < $n; $i++) {
        $f();
    }
    return (hrtime(true) - $t) / $n / 1000.0;
}

$n = 20000;
// puq_effective_config converts the whole array, then fails on serviceid before any database work.
$us = perCall(function () use ($params) {
    try {
        puq_effective_config($params);
    } catch (Throwable $e) {
    }
}, $n);
printf("params (%d keys, %d bytes as JSON): %.1f µs per call (conversion + typed parse + error), %d calls\n",
    count($params, COUNT_RECURSIVE), strlen(json_encode($params)), $us, $n);
$bad = $params;
$bad['customfields']["Host\xffname"] = 'x';
$us = perCall(function () use ($bad) {
    try {
        puq_effective_config($bad);
    } catch (Throwable $e) {
    }
}, $n);
printf("params with a non-UTF-8 key: %.1f µs per call (refused, named)\n", $us);
$big = [];
for ($i = 0; $i < 100000; $i++) {
    $big["key$i"] = "value $i";
}
$us = perCall(function () use ($big) {
    try {
        puq_effective_config($big);
    } catch (Throwable $e) {
    }
}, 5);
printf("100,000-key array: %.1f ms per call\n", $us / 1000);
preg_match('/VmHWM:\s+(\d+) kB/', (string) file_get_contents('/proc/self/status'), $m);
printf("peak RSS: %.1f MB\n", ((int) ($m[1] ?? 0)) / 1024);
