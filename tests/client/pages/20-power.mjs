// Power actions reach Proxmox, with confirmations for the destructive ones and a rate limit per service.
import { clickConfirm, clearFlash, flashText, simVm, vmid, sleep } from './_lib.mjs';

export default async function (h) {
    const s = h.seed.services;

    await h.test('power: Stop (confirmed) powers the VM off in Proxmox; Start brings it back; rate limited', async () => {
        const page = await h.page();
        await h.svc(page, s.ready);
        const id = vmid(h, s.ready);
        await page.waitForFunction(() => document.querySelector('#puq-status-badge').textContent.trim() === 'Running');
        // Cancelled: nothing is sent.
        await clickConfirm(page, '.puq-act[data-act="stop"]', false);
        await sleep(300);
        h.eq((await simVm(h, id)).status, 'running', 'cancel sends nothing');
        await clickConfirm(page, '.puq-act[data-act="stop"]', true);
        const f = await flashText(page);
        h.check(f.text.includes('Stop requested'), `flash: ${f.text}`);
        for (let i = 0; i < 50 && (await simVm(h, id)).status !== 'stopped'; i++) await sleep(100);
        h.eq((await simVm(h, id)).status, 'stopped', 'the VM is stopped in Proxmox');
        await page.waitForFunction(() => document.querySelector('#puq-status-badge').textContent.trim() === 'Stopped', { timeout: 10000 });
        h.eq(await page.$eval('.puq-act[data-act="start"]', (b) => b.disabled), false, 'Start usable once stopped');
        // A second power action within 10 s is refused and changes nothing.
        const again = await h.act(page, s.ready, 'start');
        h.eq(again.status, 429, 'rate limit');
        h.eq(again.json.code, 'rate', 'rate code');
        h.eq((await simVm(h, id)).status, 'stopped', 'still stopped');
        await sleep(10200);
        await clearFlash(page);
        await page.click('.puq-act[data-act="start"]');
        const f2 = await flashText(page);
        h.check(f2.text.includes('Start requested'), `flash: ${f2.text}`);
        for (let i = 0; i < 50 && (await simVm(h, id)).status !== 'running'; i++) await sleep(100);
        h.eq((await simVm(h, id)).status, 'running', 'running again');
        await page.waitForFunction(() => document.querySelector('#puq-status-badge').textContent.trim() === 'Running', { timeout: 10000 });
        // Start of a running VM: a clear refusal (after the rate window).
        await sleep(10200);
        const noop = await h.act(page, s.ready, 'start');
        h.eq(noop.status, 409, 'start of a running VM');
        h.check(noop.json.message.includes('already running'), noop.json.message);
        await page.ctx.close();
    });
}
