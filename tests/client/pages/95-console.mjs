// The noVNC console from the client area: the one-time link, our console proxy, the simulator's vncwebsocket and a
// real QEMU — and every refusal (replay, expiry, an altered byte, another VM, no permission, another client's
// service, a suspended service).
import fs from 'node:fs';
import { clearFlash, flashText, vmid } from './_lib.mjs';
import { alterOneByte, assertConsoleWorks, connect, refusal, sleep } from '../../admin/console.mjs';

export default async function (h) {
    const s = h.seed.services;

    await h.test('console: noVNC → CONNECT opens the VM screen; keys reach the VM; the link works once', async () => {
        const page = await h.page();
        const id = vmid(h, s.ready);
        await h.sim('POST', 'vm', { vmid: id, status: 'running' });
        await h.svc(page, s.ready);
        h.check(await page.$eval('#puq-novnc', (b) => !b.classList.contains('puq-dim')), 'noVNC not dimmed');
        await page.click('#puq-novnc');
        await page.waitForSelector('#puq-novnc-connect:not(.d-none)', { timeout: 10000 });
        h.check((await h.text(page, '#puq-novnc-note')).includes('10 seconds'), 'the one-time note');
        const url = await page.$eval('#puq-novnc-link', (a) => a.href);
        h.check(url.startsWith(`https://${process.env.PUQ_CONSOLE_DOMAIN}/vncproxy/${id}/`), `link ${url}`);
        await h.shot(page, 'client-console-connect.png');
        const tab = await connect(page, '#puq-novnc-link');
        await assertConsoleWorks(h, tab, id, 'client-console-bios.png');
        await h.shot(tab, 'client-console.png');
        h.check(await page.$eval('#puq-novnc-connect', (e) => e.classList.contains('d-none')), 'CONNECT is gone once used');
        // The same link again, while the first console still runs: refused.
        const again = await refusal(await page.ctx.newPage(), url);
        h.eq(again.status, 410, 'replay status');
        h.check(again.text.includes('already used'), `replay: ${again.text}`);
        await tab.close();
        await page.ctx.close();
    });

    await h.test('console: an expired, altered or re-targeted link is refused', async () => {
        const page = await h.page();
        const id = vmid(h, s.ready);
        await h.svc(page, s.ready);
        const link = async () => {
            const r = await h.act(page, s.ready, 'console');
            h.eq(r.status, 200, `console action: ${JSON.stringify(r.json)}`);
            return r.json.data.url;
        };
        const tab = await page.ctx.newPage();
        const bad = await refusal(tab, alterOneByte(await link()));
        h.eq(bad.status, 403, 'altered status');
        h.check(bad.text.includes('not made for this console'), `altered: ${bad.text}`);
        const other = vmid(h, s.other);
        const moved = await refusal(tab, (await link()).replace(`/vncproxy/${id}/`, `/vncproxy/${other}/`));
        h.check(moved.text.includes('not made for this console'), `VM A → B: ${moved.text}`);
        const late = await link();
        await sleep(11000);
        const expired = await refusal(tab, late);
        h.eq(expired.status, 410, 'expired status');
        h.check(expired.text.includes('expired'), `expired: ${expired.text}`);
        await h.shot(tab, 'client-console-expired.png');
        await page.ctx.close();
    });

    await h.test('console: refused without the permission, for another client, when suspended; the proxy logs', async () => {
        const page = await h.page();
        await h.svc(page, s.locked);
        h.check(await page.$eval('#puq-novnc', (b) => b.classList.contains('puq-dim')), 'noVNC shown dimmed');
        await clearFlash(page);
        await page.click('#puq-novnc');
        const f = await flashText(page);
        h.check(f.text.includes('does not include'), `permission flash: ${f.text}`);
        h.check(await page.$eval('#puq-novnc-connect', (e) => e.classList.contains('d-none')), 'no CONNECT');
        const perm = await h.act(page, s.locked, 'console');
        h.eq(perm.status, 403, 'permission status');
        h.eq(perm.json.code, 'permission', 'permission code');
        const theirs = await h.act(page, s.other, 'console');
        h.eq(theirs.json.code, 'not_yours', 'another client');
        const susp = await h.act(page, s.suspended, 'console');
        h.eq(susp.json.code, 'suspended', 'suspended');
        const get = await h.act(page, s.ready, 'console', {}, 'GET');
        h.eq(get.status, 405, 'a GET makes no link');
        const log = fs.readFileSync(process.env.PUQ_CONSOLE_LOG, 'utf8');
        h.check(/session vm=\d+ node=pve1 by="client \d+" client=127\.0\.0\.1 in=\d+ out=\d+/.test(log), `session line:\n${log}`);
        h.check(/refused page vm=\d+ client=127\.0\.0\.1 reason="this console link was already used/.test(log), `replay logged:\n${log}`);
        h.check(/refused page vm=\d+ .*reason="this console link has expired/.test(log), 'expiry logged');
        h.check(!log.includes(process.env.PUQ_CONSOLE_KEY), 'no key in the log');
        await page.ctx.close();
    });
}
