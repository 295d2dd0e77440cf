// Shared helpers of the client area's browser tests (not a test file: run.mjs runs only NN-*.mjs).
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Clicks a button that asks for confirmation in the module's Bootstrap 4 modal, and confirms (or cancels). */
export async function clickConfirm(page, selector, yes = true) {
    await page.click(selector);
    await page.waitForSelector('#puq-confirm-modal.show', { visible: true, timeout: 5000 });
    await sleep(400);
    await page.click(yes ? '#puq-confirm-yes' : '#puq-confirm-modal .btn-secondary');
    await page.waitForSelector('#puq-confirm-modal', { hidden: true, timeout: 5000 });
}

/** Removes the flash message (before an action whose message is awaited). */
export async function clearFlash(page) {
    await page.$eval('#puq-flash', (e) => { e.textContent = ''; });
}

/** The text of the flash message after an action. */
export async function flashText(page) {
    await page.waitForSelector('#puq-flash .alert', { visible: true, timeout: 10000 });
    return page.$eval('#puq-flash .alert', (e) => ({ text: e.querySelector('.puq-flash-text').textContent.trim(), cls: e.className }));
}

/** A value of the shell's database (first column of the first row). */
export function dbValue(h, sql, args = []) {
    return h.php(`echo json_encode(Harness::value(${JSON.stringify(sql)}, json_decode(${JSON.stringify(JSON.stringify(args))}, true)));`).trim()
        .replace(/^"|"$/g, '');
}

export function vmStatus(h, sid) {
    return dbValue(h, 'SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [sid]);
}

/**
 * Runs the module's Process VMs task until the service's VM is in `state` (or `max` runs); returns
 * {state, emails: [template names sent through localAPI SendEmail]}.
 */
export function cronUntil(h, sid, state, max = 60) {
    return JSON.parse(h.php(`for ($i = 0; $i < ${max}; $i++) { ob_start(); puq_cron_tick(['argv' => ['--task=process_vms', '--force']]); ob_end_clean();
        $s = (string) Harness::value('SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [${sid}]);
        if ($s === ${JSON.stringify(state)}) { break; } usleep(150000); }
        echo json_encode(['state' => $s, 'emails' => array_map(static fn ($e) => $e['messagename'] ?? '', Harness::sentEmails())]);`));
}

/** The simulator's VM (config, status) by VMID. */
export async function simVm(h, vmid) {
    const st = await h.sim('GET', 'state');
    return st.data.vms[String(vmid)] || null;
}

export function vmid(h, sid) {
    return Number(dbValue(h, 'SELECT vm_id FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [sid]));
}

/** Requests the simulator saw since its log was cleared, as "METHOD /template". */
export async function simRequests(h) {
    const r = await h.sim('GET', 'requests?limit=1000');
    return (r.data || []).map((q) => ({ ...q, key: `${q.method} ${q.template || q.path}` }));
}
