<?php
// Terminate's "Remove backups" (issue 21, item 9) removes only this service's
// backups: not the VMID's earlier owner's (older than vmid_since), and nothing
// at all once the VMID belongs to another VM — here another VM took the freed
// VMID and was backed up between a DELETE and the retried terminate.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';

Deploy::setUp();
$pid = Deploy::product(['backups' => '3', 'backup_storage' => 'local']);
Sim::control('POST', 'tasks', ['durations' => ['vzdump' => 50, 'qmclone' => 50, 'qmdestroy' => 50]]);

function pveApi(string $method, string $path, array $form = [])
{
    $http = ['method' => $method, 'ignore_errors' => true,
        'header' => 'Authorization: PVEAPIToken=' . Sim::TOKEN_ID . '=' . Sim::TOKEN_SECRET . "\r\n"];
    if ($form !== [] && $method !== 'DELETE') {
        $http['header'] .= "Content-Type: application/x-www-form-urlencoded\r\n";
        $http['content'] = http_build_query($form);
    } elseif ($form !== []) {
        $path .= '?' . http_build_query($form);
    }
    $body = (string) file_get_contents('http://127.0.0.1:' . Sim::httpPort() . '/api2/json' . $path, false, stream_context_create(['http' => $http]));
    $r = json_decode($body, true);
    if (!is_array($r) || !array_key_exists('data', $r)) {
        throw new RuntimeException("$method $path: $body");
    }
    return $r['data'];
}


/** Notes of the backups of $vmid on the simulator. */
function backupNotes(int $vmid): array
{
    $n = [];
    foreach (Sim::state()['volumes'] as $v) {
        if (($v['content'] ?? '') === 'backup' && (int) ($v['vmid'] ?? 0) === $vmid) {
            $n[] = (string) ($v['notes'] ?? '');
        }
    }
    sort($n);
    return $n;
}

function settleBackups(): void
{
    usleep(300000);
    ob_start();
    puq_cron_tick(['argv' => ['--task=backup_status', '--force']]);
    ob_end_clean();
}

// ---- The vmid_since rule ------------------------------------------------------
$a = Deploy::order($pid);
Deploy::until($a, 'ready', 12);
$va = Deploy::vmid($a);
$node = (string) Harness::value('SELECT node FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$a]);
// A backup the VMID's earlier owner left (made before this service held it).
pveApi('POST', "/nodes/$node/vzdump", ['vmid' => $va, 'storage' => 'local', 'mode' => 'snapshot', 'notes-template' => 'earlier owner']);
usleep(300000);
Harness::exec('UPDATE puqProxmoxKVM_vm_info SET vmid_since = UNIX_TIMESTAMP() + 62 WHERE service_id = ?', [$a]);
sleep(3);
assertSame('running', puq_backup_create($a, 'mine')['status']);
settleBackups();
assertSame(['earlier owner', 'mine'], backupNotes($va));
assertSame('success', Harness::moduleCommand('TerminateAccount', $a));
$out = Deploy::until($a, 'remove', 12);
assertSame(['earlier owner'], backupNotes($va), "only this service's backup removed:\n$out");
assertContains('not this service', $out);

// ---- Another VM took the VMID between the DELETE and the retried terminate ------
$b = Deploy::order($pid);
Deploy::until($b, 'ready', 12);
$vb = Deploy::vmid($b);
$node = (string) Harness::value('SELECT node FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [$b]);
assertSame('success', Harness::moduleCommand('TerminateAccount', $b));
// The cron deleted the VM and died before recording it; then another VM took
// the VMID (an operator, another module) and was backed up.
pveApi('POST', "/nodes/$node/qemu/$vb/status/stop");
Sim::control('POST', 'tasks/complete');
$upid = pveApi('DELETE', "/nodes/$node/qemu/$vb", ['purge' => 1]);
Sim::control('POST', 'tasks/complete');
$task = pveApi('GET', '/nodes/' . $node . '/tasks/' . rawurlencode($upid) . '/status');
assertSame(null, Sim::vm($vb), 'the VM is gone: ' . json_encode($task));
pveApi('POST', "/nodes/$node/qemu/9000/clone", ['newid' => $vb, 'name' => 'other-owner', 'full' => 1]);
Sim::control('POST', 'tasks/complete');
pveApi('POST', "/nodes/$node/vzdump", ['vmid' => $vb, 'storage' => 'local', 'mode' => 'snapshot', 'notes-template' => '{{guestname}}']);
Sim::control('POST', 'tasks/complete');
$before = backupNotes($vb);
assertTrue(in_array('other-owner', $before, true), json_encode($before));
$deletes = Deploy::calls('DELETE /nodes/{node}/storage/{storage}/content/{volume}');
$out = Deploy::until($b, 'remove', 12);
assertSame($deletes, Deploy::calls('DELETE /nodes/{node}/storage/{storage}/content/{volume}'),
    "no backup volume is even asked to be deleted on a VMID that is no longer ours:\n$out");
assertSame($before, backupNotes($vb), "the VMID's new owner keeps its backup, nothing of the VMID is removed:\n$out");
assertTrue(Sim::vm($vb) !== null, 'and its VM');
assertContains('no longer this service', $out);

echo "OK\n";
