// Attacks on the part 2 pages and actions: another client's service, quota or permission off, suspended service,
// missing or wrong token, GET for a write. Each refused, nothing sent to Proxmox.
import { vmid } from './_lib.mjs';

const WRITES = {
    snapshot_create: { description: 'x' }, snapshot_rollback: { name: 'snap_x' }, snapshot_delete: { name: 'snap_x' },
    backup_create: { note: 'x' }, backup_delete: { volid: 'local:backup/x.vma.zst' }, backup_restore: { volid: 'local:backup/x.vma.zst' },
    schedule_save: { 'schedule[monday][enabled]': '1', 'schedule[monday][time]': '03:00' },
    iso_mount: { volid: 'local:iso/debian-12.7.0-amd64-netinst.iso' }, iso_unmount: {},
    fw_policy_save: { policy_in: 'ACCEPT', policy_out: 'ACCEPT' }, fw_rule_add: { dir: 'in', rule_action: 'ACCEPT' },
    fw_rule_move: { pos: 0, to: 1, digest: 'ab' }, fw_rule_delete: { pos: 0, digest: 'ab' },
};
const PAGES = ['snapshots', 'backups', 'iso', 'firewall'];
const PERM = { snapshot: 'snapshots', backup: 'backups', schedule: 'backups', iso: 'iso', fw: 'firewall' };

export default async function (h) {
    const s = h.seed.services;

    async function noProxmox(what) {
        const reqs = await h.sim('GET', 'requests?limit=200');
        const writes = (reqs.data || []).filter((q) => q.method !== 'GET');
        h.eq(writes.length, 0, `${what}: no Proxmox write: ${JSON.stringify(writes.map((q) => q.path))}`);
    }

    await h.test('attack part 2: another client\'s service, suspended, quota/permission off, token, method', async () => {
        const page = await h.page();
        await h.svc(page, s.protect);
        await h.sim('DELETE', 'requests');
        for (const p of PAGES) {
            const r = await page.goto(`${h.base}/clientarea.php?action=productdetails&id=${s.other}&modop=custom&a=client&page=${p}`, { waitUntil: 'load' });
            h.eq(r.status(), 403, `Dave's ${p} page`);
        }
        await h.svc(page, s.protect);
        for (const [act, data] of Object.entries(WRITES)) {
            let r = await h.act(page, s.other, act, data);
            h.eq(r.json.code, 'not_yours', `${act} on Dave's service`);
            r = await h.act(page, s.suspended, act, data);
            h.eq(r.json.code, 'suspended', `${act} on a suspended service`);
            r = await h.act(page, s.protect, act, data, 'POST', false);
            h.eq(r.json.code, 'csrf', `${act} without a token`);
            r = await h.act(page, s.protect, act, data, 'POST', 'forged-token');
            h.eq(r.json.code, 'csrf', `${act} with a wrong token`);
            r = await h.act(page, s.protect, act, data, 'GET');
            h.eq(r.json.code, 'method', `${act} by GET`);
            h.eq(r.status, 405, `${act} by GET status`);
            const off = act.split('_')[0];
            r = await h.act(page, PERM[off] === 'snapshots' || PERM[off] === 'backups' ? s.ready : s.locked, act, data);
            h.eq(r.json.code, 'permission', `${act} with the feature off`);
        }
        await noProxmox('refused writes');
        // Menu: quota 0 dims Snapshots/Backups with a reason; permissions off dim ISO/Firewall.
        await h.svc(page, s.ready);
        for (const m of ['snapshots', 'backups']) {
            h.check(await page.$(`span.puq-dim[data-menu="${m}"]`), `${m} dimmed for quota 0`);
        }
        const r = await page.goto(`${h.base}/clientarea.php?action=productdetails&id=${s.ready}&modop=custom&a=client&page=snapshots`, { waitUntil: 'load' });
        h.eq(r.status(), 403, 'snapshots page with quota 0: Access Denied');
        await h.svc(page, s.locked);
        for (const m of ['iso', 'firewall']) h.check(await page.$(`span.puq-dim[data-menu="${m}"]`), `${m} dimmed for permission off`);
        await h.svc(page, s.protect);
        const order = await page.$$eval('[data-menu]', (els) => els.map((e) => e.dataset.menu));
        h.eq(order.join(','), 'overview,charts,reinstall,snapshots,backups,reset_password,rdns,iso,firewall', 'menu order');
        await page.ctx.close();
    });
}
