// ISO mount: the images of the ISO storage in folders, mounted on the CD/DVD drive (not the cloud-init drive) with the
// boot order changed, unmounted with the boot order restored; forged volume ids refused; hostile file names as text.
import { clickConfirm, flashText, simVm, vmid } from './_lib.mjs';

export default async function (h) {
    const sid = h.seed.services.protect;
    const id = vmid(h, sid);

    await h.test('iso: folders, mount on the CD drive with boot order, unmount restores it, forged ids refused', async () => {
        const files = ['alpine-standard-3.21.3-x86_64.iso', 'alpine-virt-3.21.3-x86_64.iso', 'ubuntu-24.04.1-live-server-amd64.iso',
            'systemrescue-11.02-amd64.iso', `evil-"><img src=x onerror=window.__xss=1>.iso`];
        await h.sim('POST', 'seed', { merge: true, volumes: files.map((f) => ({ volid: `local:iso/${f}`, node: 'pve1', content: 'iso', format: 'iso', size: 734003200 })) });
        const before = (await simVm(h, id)).config;
        const page = await h.page();
        await h.svc(page, sid, 'iso');
        const folders = await page.$$eval('.puq-iso-folder', (els) => els.map((e) => e.dataset.folder));
        h.check(['alpine', 'debian', 'evil', 'systemrescue', 'ubuntu'].every((f) => folders.includes(f)), `folders: ${folders}`);
        h.check((await h.text(page, '.puq-iso-folder[data-folder="alpine"] .badge')).includes('2'), 'alpine folder has 2 images');
        await page.click('.puq-iso-folder[data-folder="evil"] .puq-iso-toggle');
        h.check((await h.text(page, '.puq-iso-folder[data-folder="evil"]')).includes('onerror'), 'hostile file name shown as text');
        await page.click('.puq-iso-folder[data-folder="alpine"] .puq-iso-toggle');
        await page.click('.puq-iso-mount[data-file="alpine-virt-3.21.3-x86_64.iso"]');
        h.check((await flashText(page)).text.includes('is mounted'), 'mounted flash');
        await page.waitForNavigation({ waitUntil: 'networkidle0', timeout: 15000 });
        let cfg = (await simVm(h, id)).config;
        h.eq(cfg.ide0, 'local:iso/alpine-virt-3.21.3-x86_64.iso,media=cdrom', 'image on the CD drive ide0');
        h.eq(cfg.ide2, before.ide2, 'cloud-init drive untouched');
        // A running VM takes the new boot order at its next start (Proxmox keeps it pending).
        const boot = async () => { const v = await simVm(h, id); return (v.pending || {}).boot || v.config.boot; };
        h.eq(await boot(), `order=ide0;${before.boot.replace('order=', '')}`, 'CD drive boots first');
        h.check((await h.text(page, '#puq-iso-mounted')).includes('Mounted: alpine-virt-3.21.3-x86_64.iso'), 'mounted shown on top');
        await page.click('.puq-iso-folder[data-folder="alpine"] .puq-iso-toggle');
        await h.shot(page, 'client-iso.png');
        // Another image replaces it; the boot order from before the first mount is kept.
        const r2 = await h.act(page, sid, 'iso_mount', { volid: 'local:iso/ubuntu-24.04.1-live-server-amd64.iso' });
        h.eq(r2.status, 200, 'remount');
        cfg = (await simVm(h, id)).config;
        h.eq(cfg.ide0, 'local:iso/ubuntu-24.04.1-live-server-amd64.iso,media=cdrom', 'replaced');
        // Forged ids: nothing changes.
        for (const v of ['local:iso/../../etc/passwd', 'ceph:iso/alpine-virt-3.21.3-x86_64.iso', '/var/lib/vz/template/iso/a.iso',
            'local:iso/not-there.iso', 'local:images/vm-100-disk-0.raw', 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst']) {
            const r = await h.act(page, sid, 'iso_mount', { volid: v });
            h.eq(r.status, 400, `forged ${v}`);
            h.eq(r.json.field, 'volid', 'field');
        }
        h.eq((await simVm(h, id)).config.ide0, cfg.ide0, 'nothing changed by forged ids');
        await h.svc(page, sid, 'iso');
        await clickConfirm(page, '#puq-iso-unmount');
        await page.waitForNavigation({ waitUntil: 'networkidle0', timeout: 15000 });
        cfg = (await simVm(h, id)).config;
        h.eq(cfg.ide0, 'none,media=cdrom', 'drive emptied');
        h.eq(await boot(), before.boot, 'boot order restored');
        h.check(!(await page.$('#puq-iso-mounted')), 'nothing mounted');
        await page.ctx.close();
    });
}
