// Snapshots: taken (with memory on a running VM), listed with description and lifetime, rolled back and deleted in the
// simulator; the quota is enforced; bad descriptions are refused and change nothing; hostile text is shown as text.
import { clickConfirm, flashText, simVm, vmid, sleep, simRequests } from './_lib.mjs';

export default async function (h) {
    const sid = h.seed.services.protect;
    const snaps = async () => Object.values((await simVm(h, vmid(h, sid))).snapshots || {});

    await h.test('snapshots: take (vmstate), list, rollback, delete, quota, bad input', async () => {
        const page = await h.page();
        await h.svc(page, sid, 'snapshots');
        h.check((await h.text(page, '#puq-snap-quota')).includes('0/3'), 'quota counter 0/3');
        h.check(await page.$('a[data-menu="snapshots"].active'), 'menu item active');
        const desc = `before upgrade ${h.seed.xss}`;
        await page.type('#puq-snap-description', desc);
        await page.click('#puq-snap-take');
        const f = await flashText(page);
        h.check(/Done|background/.test(f.text), `flash: ${f.text}`);
        await page.waitForNavigation({ waitUntil: 'networkidle0', timeout: 15000 });
        await h.noXss(page);
        let list = await snaps();
        h.eq(list.length, 1, 'one snapshot in Proxmox');
        h.eq(list[0].vmstate, true, 'a running VM\'s snapshot includes its memory');
        h.eq(list[0].description, desc, 'description as typed');
        h.check(/^snap_\d{8}_\d{6}$/.test(list[0].name), `generated name ${list[0].name}`);
        h.check((await h.text(page, '#puq-snap-table')).includes(desc), 'hostile description shown as text');
        h.check((await h.text(page, '#puq-snap-quota')).includes('1/3'), 'quota counter 1/3');
        h.check(/\d d \d+ h/.test(await h.text(page, '#puq-snap-table')), 'remaining lifetime shown');
        await sleep(1100);
        await page.type('#puq-snap-description', 'second');
        await page.click('#puq-snap-take');
        await page.waitForNavigation({ waitUntil: 'networkidle0', timeout: 15000 });
        h.eq((await snaps()).length, 2, 'two snapshots');
        await h.shot(page, 'client-snapshots.png');
        // Rollback to the first.
        const first = list[0].name;
        await h.sim('DELETE', 'requests');
        await clickConfirm(page, `.puq-snap-rollback[data-name="${first}"]`);
        await page.waitForNavigation({ waitUntil: 'networkidle0', timeout: 15000 });
        const reqs = await simRequests(h);
        h.check(reqs.some((q) => q.key === 'POST /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback' && q.path.includes(first)),
            `rollback reached Proxmox: ${reqs.map((q) => q.key).join(' | ')}`);
        // Bad input: nothing changes.
        for (const [d, why] of [['x'.repeat(10240), 'long'], ['a\u0001b\nc', 'control characters']]) {
            const r = await h.act(page, sid, 'snapshot_create', { description: d });
            h.eq(r.status, 400, `description ${why} refused`);
            h.eq(r.json.field, 'description', `field (${why})`);
        }
        h.eq((await snaps()).length, 2, 'bad input created nothing');
        // Quota: fill it, then one more is refused.
        await sleep(1100);
        h.eq((await h.act(page, sid, 'snapshot_create', { description: 'third' })).status, 200, 'third');
        await sleep(1100);
        const full = await h.act(page, sid, 'snapshot_create', { description: 'fourth' });
        h.eq(full.status, 409, 'quota full refused');
        h.eq(full.json.code, 'quota', 'quota code');
        h.eq((await snaps()).length, 3, 'quota kept');
        // Delete them all through the page.
        for (const s of await snaps()) {
            await h.svc(page, sid, 'snapshots');
            await clickConfirm(page, `.puq-snap-delete[data-name="${s.name}"]`);
            await page.waitForNavigation({ waitUntil: 'networkidle0', timeout: 15000 });
        }
        h.eq((await snaps()).length, 0, 'all deleted in Proxmox');
        h.check(await page.$('#puq-snap-none'), 'empty list message');
        const bad = await h.act(page, sid, 'snapshot_delete', { name: '../x' });
        h.eq(bad.status, 400, 'a bad snapshot name is refused');
        await page.ctx.close();
    });
}
