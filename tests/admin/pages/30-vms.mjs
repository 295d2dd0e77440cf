// VM Management: list (columns, IPs with rDNS, hostile values as text), search/filter/pagination, the Log,
// Reset, DB Record and Delete Record actions, Redeploy, and rows in progress refreshing themselves.
export default async function (h) {
    const svc = h.seed.services;
    const failed = svc.set_cpu_ram[0];
    const rowSel = (id) => `#puq-vms-table tbody tr[data-service="${id}"]`;
    const listed = (page) => page.$$eval('#puq-vms-table tbody tr[data-service]', (r) => r.map((x) => Number(x.dataset.service)));
    const waitList = (page) => page.waitForResponse((r) => r.url().includes('ajax=vms.list'));

    await h.test('list: 30 VMs over 2 pages, IPs with rDNS, hostile values shown as text', async () => {
        const page = await h.page();
        await page.evaluateOnNewDocument(() => localStorage.clear());
        await h.open(page, 'vms');
        await page.waitForSelector('#puq-vms-table tbody tr[data-service]');
        h.eq((await listed(page)).length, 25, 'rows on page 1');
        h.check((await h.text(page, '#puq-vms-count')).includes('30 VMs'), 'count');
        h.check(await page.$('#puq-vms-pager a[data-page="2"]') !== null, 'page 2 link');
        const ready = svc.ready[svc.ready.length - 1];
        const r = await h.text(page, rowSel(ready));
        h.check(/192\.0\.2\.\d+/.test(r) && /\.example\.test/.test(r), `IP with rDNS: ${r}`);
        h.check(/KVM Standard/.test(r) && /pve-sim/.test(r) && /Active/.test(r), r);
        h.check(await page.$(`${rowSel(ready)} button[data-action="redeploy"]`) === null, 'no Redeploy when ready');
        h.check(await page.$(`${rowSel(ready)} button[data-action="delete"]`) === null, 'no Delete Record when ready');
        h.check(await page.$(`${rowSel(svc.error_terminate[0])} button[data-action="delete"]`) !== null, 'Delete Record for error_terminate');
        h.check(await page.$(`${rowSel(failed)} button[data-action="redeploy"]`) !== null, 'Redeploy for a failed deploy');
        // Redeploy follows the lifecycle's own rule: never while another operation runs.
        for (const busy of [svc.terminate[0], svc.reinstall[0], svc.cp_stop[0], svc.set_dns_records[0]]) {
            h.check(await page.$(rowSel(busy)) !== null, `row ${busy} on page 1`);
            h.check(await page.$(`${rowSel(busy)} button[data-action="redeploy"]`) === null, `no Redeploy while busy (#${busy})`);
        }
        const hostile = await page.$$eval('#puq-vms-table tbody', (b) => b[0].textContent);
        h.check(hostile.includes('"><img src=x onerror="window.__xss=1">'), 'hostile text visible');
        const err = await h.text(page, `${rowSel(failed)} .puq-last-error`);
        h.check(err.startsWith('Proxmox VE: 500'), `last error shown: ${err}`);
        await h.shot(page, 'vm-management.png');
        await Promise.all([waitList(page), page.click('#puq-vms-pager a[data-page="2"]')]);
        await page.waitForFunction(() => document.querySelectorAll('#puq-vms-table tbody tr[data-service]').length === 5);
        await h.noXss(page);
        await page.ctx.close();
    });

    await h.test('search and filters; the state filters are remembered', async () => {
        const page = await h.page();
        await h.open(page, 'vms');
        await page.waitForSelector('#puq-vms-table tbody tr[data-service]');
        await Promise.all([waitList(page), page.type('#puq-vms-q', 'Kowalski')]);
        await page.waitForFunction(() => /10 VMs/.test(document.getElementById('puq-vms-count').textContent));
        await page.$eval('#puq-vms-q', (e) => { e.value = ''; });
        await Promise.all([waitList(page), page.select('#puq-vms-vm-state', 'error')]);
        await page.waitForFunction(() => /^2 VMs/.test(document.getElementById('puq-vms-count').textContent));
        const ids = (await listed(page)).sort((a, b) => a - b);
        h.eq(JSON.stringify(ids), JSON.stringify([failed, svc.error_terminate[0]].sort((a, b) => a - b)), 'error filter');
        await page.reload({ waitUntil: 'networkidle0' });
        h.eq(await page.$eval('#puq-vms-vm-state', (e) => e.value), 'error', 'VM state filter remembered');
        await Promise.all([waitList(page), page.select('#puq-vms-vm-state', '')]);
        await Promise.all([waitList(page), page.select('#puq-vms-service-status', 'Terminated')]);
        await page.waitForFunction(() => /^2 VMs/.test(document.getElementById('puq-vms-count').textContent));
        await Promise.all([waitList(page), page.select('#puq-vms-service-status', '')]);
        await Promise.all([waitList(page), page.type('#puq-vms-q', '192.0.2.1')]);
        // 192.0.2.1x addresses (and 192.0.2.1 itself is a gateway, not listed): ten-odd VMs, not 30.
        await page.waitForFunction(() => /^1\d VMs/.test(document.getElementById('puq-vms-count').textContent), { timeout: 8000 });
        await page.ctx.close();
    });

    await h.test('Log modal: every run, per-step rows, red banner for a failed last run', async () => {
        const page = await h.page();
        await h.open(page, 'vms', '&vm_state=error');
        await page.waitForSelector(`${rowSel(failed)} button[data-action="log"]`);
        await page.click(`${rowSel(failed)} button[data-action="log"]`);
        await h.visible(page, '#puq-log-modal');
        await page.waitForSelector('#puq-log-runs .puq-run');
        h.eq(await page.$$eval('#puq-log-runs .puq-run', (r) => r.length), 2, 'runs');
        const banner = await h.text(page, '#puq-log-failed');
        h.check(/Last deploy failed: Proxmox VE: 500/.test(banner), banner);
        const steps = await page.$$eval('#puq-log-runs .puq-run:last-child .puq-steps tbody tr', (r) => r.map((x) => x.textContent));
        h.eq(steps.length, 5, 'steps of the successful run');
        h.check(steps.some((s) => s.includes('skip (no DNS zones)')), 'skipped step shown');
        h.check(steps[0].includes('creation → set_ip') && steps[0].includes('1.25 s'), steps[0]);
        await h.shot(page, 'vm-log.png');
        await h.noXss(page);
        await page.ctx.close();
    });

    await h.test('Reset modal: the status reference table, then the reset applied to the row', async () => {
        const page = await h.page();
        await h.open(page, 'vms', '&vm_state=error');
        await page.waitForSelector(`${rowSel(svc.error_terminate[0])} button[data-action="reset"]`);
        await page.click(`${rowSel(svc.error_terminate[0])} button[data-action="reset"]`);
        await h.visible(page, '#puq-reset-modal');
        h.eq(await page.$$eval('#puq-reset-reference tbody tr', (r) => r.length), 7, 'reference rows');
        h.eq(await h.text(page, '#puq-reset-current'), 'error_terminate', 'current status');
        await page.select('#puq-reset-status', 'terminate');
        h.check((await h.text(page, '#puq-reset-reference tr.info')).includes('Retry termination'), 'the chosen status is highlighted');
        await h.shot(page, 'reset-status.png');
        await page.click('#puq-reset-save');
        await page.waitForSelector('#puq-flash .alert-success');
        await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.status === 'terminate', {}, rowSel(svc.error_terminate[0]));
        // A status that is not re-runnable is refused by name.
        const bad = await h.ajax(page, 'POST', 'vms.reset', { service_id: failed, status: 'clone' });
        h.eq(bad.status, 400, 'bad status refused');
        h.check(/'clone' is not a status you can reset to/.test(bad.json.error), bad.json.error);
        await page.ctx.close();
    });

    await h.test('DB Record: raw row, type-checked edit (string in an integer column refused), save', async () => {
        const page = await h.page();
        const sid = svc.ready[svc.ready.length - 2];
        await h.open(page, 'vms');
        await page.waitForSelector(`${rowSel(sid)} button[data-action="record"]`);
        await page.click(`${rowSel(sid)} button[data-action="record"]`);
        await h.visible(page, '#puq-record-modal');
        h.check((await h.text(page, '#puq-record-warning')).includes('bypasses every safeguard'), 'warning');
        h.check(await page.$eval('#puq-rec-service_id', (e) => e.readOnly), 'service_id is read-only');
        await h.shot(page, 'db-record.png');
        const before = await page.$eval('#puq-rec-vm_id', (e) => e.value);
        await page.$eval('#puq-rec-vm_id', (e) => { e.value = 'abc'; });
        await page.$eval('#puq-rec-node', (e) => { e.value = 'pve2'; });
        await page.click('#puq-record-save');
        await page.waitForSelector('#puq-record-form .has-error .puq-field-error');
        const msg = await h.text(page, '#puq-record-form .puq-field-error');
        h.check(/values\[vm_id\].*integer column/.test(msg), msg);
        let rec = (await h.ajax(page, 'GET', 'vms.record', { service_id: sid })).json.data;
        h.eq(rec.columns.find((c) => c.name === 'node').value, 'pve1', 'nothing saved');
        await page.$eval('#puq-rec-vm_id', (e, v) => { e.value = v; }, before);
        await page.click('#puq-record-save');
        await page.waitForSelector('#puq-flash .alert-success');
        rec = (await h.ajax(page, 'GET', 'vms.record', { service_id: sid })).json.data;
        h.eq(rec.columns.find((c) => c.name === 'node').value, 'pve2', 'node saved');
        await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('pve2'), {}, rowSel(sid));
        await page.ctx.close();
    });

    await h.test('Delete Record and Redeploy', async () => {
        const page = await h.page();
        const gone = svc.remove[0];
        await h.open(page, 'vms', '&vm_state=remove');
        await page.waitForSelector(`${rowSel(gone)} button[data-action="delete"]`);
        await page.click(`${rowSel(gone)} button[data-action="delete"]`);
        await h.visible(page, '#puq-confirm');
        await page.click('#puq-confirm .puq-confirm-ok');
        await page.waitForSelector(rowSel(gone), { hidden: true });
        const r = await h.ajax(page, 'GET', 'vms.log', { service_id: gone });
        h.eq(r.status, 400, 'the record is gone');
        await h.open(page, 'vms', '&vm_state=error');
        await page.waitForSelector(`${rowSel(failed)} button[data-action="redeploy"]`);
        await page.click(`${rowSel(failed)} button[data-action="redeploy"]`);
        await h.visible(page, '#puq-confirm');
        const [resp] = await Promise.all([
            page.waitForResponse((r) => r.url().includes('ajax=vms.redeploy')),
            page.click('#puq-confirm .puq-confirm-ok'),
        ]);
        const answer = await resp.json();
        await page.waitForSelector('#puq-flash .alert');
        const flash = await h.text(page, '#puq-flash');
        h.check(answer.ok && /queued for redeploy/.test(flash), `redeploy answered: ${JSON.stringify(answer)} / ${flash}`);
        await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.status === 'redeploy', {}, rowSel(failed));
        await page.ctx.close();
    });

    await h.test('rows in progress refresh themselves without a reload', async () => {
        const page = await h.page();
        const sid = svc.clone[0];
        await h.open(page, 'vms', '&vm_state=progress');
        await page.waitForSelector(rowSel(sid));
        await page.evaluate(() => { window.__marker = 1; });
        const other = await h.page();
        await h.open(other, 'dashboard');
        const saved = await h.ajax(other, 'POST', 'vms.record_save', { service_id: sid, 'values[vm_status]': 'set_dns' });
        h.check(saved.json.ok, JSON.stringify(saved.json));
        await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.status === 'set_dns', { timeout: 10000 }, rowSel(sid));
        h.eq(await page.evaluate(() => window.__marker), 1, 'same page, no reload');
        h.check((await h.text(page, `${rowSel(sid)} .puq-step`)).includes('set_dns'), 'current step shown');
        await other.ctx.close();
        await page.ctx.close();
    });

    await h.test('a failed restore reads as an error, not as work in progress', async () => {
        const page = await h.page();
        await h.open(page, 'dashboard');
        const sid = svc.set_network[0];
        const saved = await h.ajax(page, 'POST', 'vms.record_save', { service_id: sid, 'values[vm_status]': 'restore_failed' });
        h.check(saved.json.ok, JSON.stringify(saved.json));
        await h.open(page, 'vms', '&vm_state=error');
        await page.waitForSelector(rowSel(sid));
        h.eq(await page.$eval(rowSel(sid), (r) => r.dataset.progress), '0', 'not polled as in progress');
        h.check(await page.$(`${rowSel(sid)} .puq-vm-status.label-danger`) !== null, 'red label');
        await Promise.all([waitList(page), page.select('#puq-vms-vm-state', 'progress')]);
        await page.waitForSelector('#puq-vms-table tbody tr[data-service]');
        h.check(!(await listed(page)).includes(sid), 'not in the In progress list');
        await h.ajax(page, 'POST', 'vms.record_save', { service_id: sid, 'values[vm_status]': 'set_network' });
        await page.ctx.close();
    });
}
