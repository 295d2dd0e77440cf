// Backups: schedule saved, Backup now (a background vzdump finished by the Backup Status task), a hostile note made
// by an admin shown as text, restore through the restore machine with its progress on the Overview, restore_failed
// with its two ways out, and delete; bad input changes nothing.
import { clickConfirm, clearFlash, flashText, vmid, vmStatus, dbValue, sleep, simRequests } from './_lib.mjs';

function cron(h, sid, state, tasks = ['process_vms', 'restore_backup', 'backup_status'], max = 60) {
    return h.php(`for ($i = 0; $i < ${max}; $i++) { foreach (${JSON.stringify(tasks)} as $t) { ob_start(); puq_cron_tick(['argv' => ['--task=' . $t, '--force']]); ob_end_clean(); }
        $s = (string) Harness::value('SELECT vm_status FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [${sid}]);
        if ($s === ${JSON.stringify(state)}) { break; } usleep(150000); } echo $s;`).trim();
}

export default async function (h) {
    const sid = h.seed.services.protect;
    const id = vmid(h, sid);
    const volumes = async () => ((await h.sim('GET', 'state')).data.volumes || []).filter((v) => v.content === 'backup' && v.vmid === id);

    await h.test('backups: schedule, backup now, list, restore with progress, restore_failed, delete, bad input', async () => {
        const page = await h.page();
        await h.svc(page, sid, 'backups');
        h.check((await h.text(page, '#puq-client')).includes('If the schedule is configured, the system will automatically create backups and delete old backups.'), 'schedule note');
        h.check((await h.text(page, '#puq-client')).includes('In the case of a backup restore, all snapshots of Virtual Machine will be deleted.'), 'restore warning');
        // Schedule.
        await page.$eval('#puq-day-monday', (e) => e.click());
        await page.$eval('[data-time="monday"]', (e) => { e.value = '03:30'; });
        await page.click('#puq-schedule-save');
        h.check((await flashText(page)).text.includes('saved'), 'schedule saved');
        const saved = JSON.parse(dbValue(h, 'SELECT schedule FROM puqProxmoxKVM_backup_schedule WHERE service_id = ?', [sid]).replace(/\\"/g, '"'));
        h.eq(saved.days[1].enabled, true, 'Monday on');
        h.eq(saved.days[1].time, '03:30', 'Monday time');
        const before = dbValue(h, 'SELECT schedule FROM puqProxmoxKVM_backup_schedule WHERE service_id = ?', [sid]);
        const bad = await h.act(page, sid, 'schedule_save', { 'schedule[monday][enabled]': '1', 'schedule[monday][time]': '25:61' });
        h.eq(bad.status, 400, 'time 25:61 refused');
        h.eq(dbValue(h, 'SELECT schedule FROM puqProxmoxKVM_backup_schedule WHERE service_id = ?', [sid]), before, 'schedule unchanged');
        // Bad notes.
        for (const n of ['<b>bold</b>', 'x'.repeat(10240), 'a\nb']) {
            const r = await h.act(page, sid, 'backup_create', { note: n });
            h.eq(r.status, 400, `note refused: ${n.slice(0, 20)}`);
            h.eq(r.json.field, 'note', 'field note');
        }
        h.eq((await volumes()).length, 0, 'no backup made by bad input');
        // Backup now.
        await page.type('#puq-bk-note', 'before upgrade');
        await clearFlash(page);
        await page.click('#puq-bk-now');
        h.check((await flashText(page)).text.includes('The backup has started'), 'started');
        await page.waitForNavigation({ waitUntil: 'networkidle0', timeout: 15000 });
        cron(h, sid, 'never', ['backup_status'], 5);
        h.eq((await volumes()).length, 1, 'the backup exists in Proxmox');
        // An admin's backup with a hostile note.
        await h.sim('POST', 'seed', { merge: true, volumes: [{ volid: `local:backup/vzdump-qemu-${id}-2030_01_01-00_00_00.vma.zst`, node: 'pve1', vmid: id,
            content: 'backup', format: 'vma.zst', notes: `admin ${h.seed.xss}`, size: 734003200 }] });
        await h.svc(page, sid, 'backups');
        h.check((await h.text(page, '#puq-bk-table')).includes(`admin ${h.seed.xss}`), 'hostile note shown as text');
        h.check((await h.text(page, '#puq-bk-table')).includes('before upgrade'), 'note listed');
        h.check((await h.text(page, '#puq-bk-quota')).includes('2/3'), 'quota 2/3');
        await page.$eval('#puq-bk-form', (e) => e.scrollIntoView());
        await h.shot(page, 'client-backups.png');
        // A forged volume id is refused.
        const forged = await h.act(page, sid, 'backup_restore', { volid: 'local:backup/vzdump-qemu-99999-2020_01_01-00_00_00.vma.zst' });
        h.eq(forged.status, 400, 'a backup of another VM is refused');
        h.eq(vmStatus(h, sid), 'ready', 'nothing queued');
        // Restore that fails, then the retry.
        const mine = (await volumes()).find((v) => (v.notes || '') === 'before upgrade');
        await h.sim('POST', 'task-fault', { type: 'qmrestore', vmid: id, message: 'unable to restore: simulated', count: 1 });
        await clearFlash(page);
        await clickConfirm(page, `.puq-bk-restore[data-volid="${mine.volid}"]`);
        h.check((await flashText(page)).text.includes('The restore has started'), 'restore queued');
        await page.waitForNavigation({ waitUntil: 'networkidle0', timeout: 15000 });
        h.check(!(await page.$eval('#puq-progress', (e) => e.classList.contains('d-none'))), 'progress on the Overview');
        h.check((await h.text(page, '#puq-progress-text')).includes('Restoring a backup'), `progress text: ${await h.text(page, '#puq-progress-text')}`);
        h.eq(cron(h, sid, 'restore_failed'), 'restore_failed', 'the failed restore ends in restore_failed');
        await h.svc(page, sid);
        h.check((await h.text(page, '#puq-progress-text')).includes('Restoring the backup failed'), 'overview says the restore failed');
        await h.svc(page, sid, 'backups');
        h.check(await page.$('#puq-restore-failed'), 'restore failed banner');
        h.check(await page.$('#puq-restore-reinstall'), 'reinstall way out offered');
        h.check(!(await page.$eval(`.puq-bk-restore[data-volid="${mine.volid}"]`, (e) => e.disabled)), 'restore again enabled');
        await page.$eval('#puq-restore-failed', (e) => e.scrollIntoView());
        await h.shot(page, 'client-backups-restore-failed.png');
        await h.sim('DELETE', 'requests');
        await clickConfirm(page, `.puq-bk-restore[data-volid="${mine.volid}"]`);
        await page.waitForNavigation({ waitUntil: 'networkidle0', timeout: 15000 });
        h.eq(cron(h, sid, 'ready'), 'ready', 'the retried restore reaches ready');
        const reqs = await simRequests(h);
        h.check(reqs.some((q) => q.key === 'POST /nodes/{node}/qemu' && String(q.params.archive || '') === mine.volid),
            `qmrestore of the chosen backup: ${reqs.map((q) => q.key).join(' | ')}`);
        // Delete the admin's hostile one.
        await h.svc(page, sid, 'backups');
        const other = (await volumes()).find((v) => (v.notes || '').startsWith('admin'));
        await clickConfirm(page, `.puq-bk-delete[data-volid="${other.volid}"]`);
        await page.waitForNavigation({ waitUntil: 'networkidle0', timeout: 15000 });
        h.eq((await volumes()).length, 1, 'deleted in Proxmox');
        await page.ctx.close();
    });
}
