// Reinstall: typed confirmation, only offered operating systems, one reinstall per double click, progress on the
// Overview, and the cron takes the VM to ready on the chosen template.
import { flashText, cronUntil, vmStatus, dbValue, sleep } from './_lib.mjs';

export default async function (h) {
    const s = h.seed.services;
    await h.test('reinstall: confirmation, offered OS only, one at a time, progress, ready on the new template', async () => {
        const page = await h.page();
        await h.svc(page, s.ready, 'reinstall');
        const opts = await page.$$eval('#puq-os option', (os) => os.map((o) => `${o.value}:${o.textContent.trim()}`));
        h.eq(opts.join(','), '9000:Debian 12 (current),9001:Ubuntu 24.04', 'offered operating systems');
        await h.shot(page, 'client-reinstall.png');
        // Typed wrong: refused in the page, nothing sent.
        await page.type('#puq-confirm', 'reinstall');
        await page.click('#puq-reinstall');
        await page.waitForSelector('#puq-confirm.is-invalid');
        h.eq(vmStatus(h, s.ready), 'ready', 'nothing queued');
        // The same through the API: the server checks it too; an OS the product does not offer is refused.
        let r = await h.act(page, s.ready, 'reinstall', { os: '9001', confirm: 'REINSTAL' });
        h.eq(r.status, 400, 'wrong word');
        h.eq(r.json.field, 'confirm', 'field');
        r = await h.act(page, s.ready, 'reinstall', { os: '9002', confirm: 'REINSTALL' });
        h.eq(r.status, 400, 'an OS the product does not offer');
        h.eq(r.json.field, 'os', 'field');
        r = await h.act(page, s.ready, 'reinstall', { os: 'abc', confirm: 'REINSTALL' });
        h.eq(r.status, 400, 'not a number');
        h.eq(vmStatus(h, s.ready), 'ready', 'still nothing queued');
        // A double click: two requests at once queue exactly one reinstall.
        const both = await Promise.all([
            h.act(page, s.ready, 'reinstall', { os: '9001', confirm: 'REINSTALL' }),
            h.act(page, s.ready, 'reinstall', { os: '9001', confirm: 'REINSTALL' }),
        ]);
        const codes = both.map((x) => x.status).sort();
        h.eq(codes.join(','), '200,409', `one accepted, one refused: ${JSON.stringify(both.map((x) => x.json))}`);
        h.eq(vmStatus(h, s.ready), 'reinstall', 'queued');
        await h.svc(page, s.ready);
        const p = await h.text(page, '#puq-progress-text');
        h.check(p.startsWith('Reinstalling: step 1 of'), `progress: ${p}`);
        h.check(await page.$$eval('.puq-act', (bs) => bs.every((b) => b.disabled)), 'actions dimmed during the reinstall');
        const run = cronUntil(h, s.ready, 'ready', 80);
        h.eq(run.state, 'ready', 'the reinstall reaches ready');
        h.eq(dbValue(h, 'SELECT template_vmid FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [s.ready]), '9001', 'new template');
        h.check(run.emails.includes('puqProxmoxKVM VM is ready'), `VM is ready email: ${run.emails}`);
        await sleep(200);
        await h.svc(page, s.ready);
        await page.waitForFunction(() => document.querySelector('#puq-progress').classList.contains('d-none'));
        await page.ctx.close();
    });

    await h.test('reinstall: the page in the browser queues it and returns to the overview', async () => {
        const page = await h.page();
        await h.svc(page, s.ready, 'reinstall');
        await page.type('#puq-confirm', 'REINSTALL');
        await page.select('#puq-os', '9000');
        await page.click('#puq-reinstall');
        const f = await flashText(page);
        h.check(f.text.includes('The reinstall has started'), `flash: ${f.text}`);
        h.eq(vmStatus(h, s.ready), 'reinstall', 'queued from the form');
        await page.waitForFunction(() => location.search.indexOf('modop') < 0, { timeout: 8000 });
        h.eq(cronUntil(h, s.ready, 'ready', 80).state, 'ready', 'ready again');
        await page.ctx.close();
    });
}
