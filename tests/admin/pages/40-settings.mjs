// Settings > General: values validated within their documented ranges, errors next to the field.
export default async function (h) {
    await h.test('general settings: bad value refused, good value saved', async () => {
        const page = await h.page();
        await h.open(page, 'settings');
        await h.shot(page, 'settings.png');
        await page.$eval('#puq-default_timeout', (e) => { e.value = '-5'; });
        await page.click('#puq-settings-save');
        await page.waitForSelector('.has-error .puq-field-error');
        const err = await h.text(page, '.has-error .puq-field-error');
        h.check(/'default_timeout'.*between 1 and 300/.test(err), `field error: ${err}`);
        h.check(await page.$eval('.has-error input', (e) => e.name) === 'default_timeout', 'the bad field is highlighted');
        let s = await h.ajax(page, 'GET', 'settings.get');
        h.eq(s.json.data.settings.default_timeout, 10, 'nothing saved');
        await page.$eval('#puq-default_timeout', (e) => { e.value = '25'; });
        await page.$eval('#puq-heavy_timeout', (e) => { e.value = '120'; });
        await page.click('#puq-settings-save');
        await page.waitForSelector('#puq-flash .alert-success');
        h.check(!(await page.$('.has-error')), 'error cleared');
        s = await h.ajax(page, 'GET', 'settings.get');
        h.eq(s.json.data.settings.default_timeout, 25, 'saved default timeout');
        h.eq(s.json.data.settings.heavy_timeout, 120, 'saved heavy timeout');
        await page.reload({ waitUntil: 'networkidle0' });
        h.eq(await page.$eval('#puq-default_timeout', (e) => e.value), '25', 'the page shows the saved value');
        await page.ctx.close();
    });

    await h.test('general settings: the stop windows and the legacy DNS allowlist', async () => {
        const page = await h.page();
        await h.open(page, 'settings');
        h.eq(await page.$eval('#puq-stop_timeout', (e) => e.value), '120', 'graceful stop window shown');
        h.eq(await page.$eval('#puq-force_stop_timeout', (e) => e.value), '60', 'force stop window shown');
        h.eq(await page.$eval('#puq-lock_wait_minutes', (e) => e.value), '30', 'terminate wait window shown');
        await page.$eval('#puq-force_stop_timeout', (e) => { e.value = '4'; });
        await page.click('#puq-settings-save');
        await page.waitForSelector('.has-error .puq-field-error');
        h.check(/'force_stop_timeout'.*between 5 and 600/.test(await h.text(page, '.has-error .puq-field-error')), 'force stop window range');
        await page.$eval('#puq-force_stop_timeout', (e) => { e.value = '90'; });
        await page.$eval('#puq-stop_timeout', (e) => { e.value = '300'; });
        await page.$eval('#puq-dns_legacy_allowlist', (e) => { e.value = 'not-an-ip'; });
        await page.click('#puq-settings-save');
        await page.waitForSelector('.has-error .puq-field-error');
        h.check(/'dns_legacy_allowlist'.*not an IP address/.test(await h.text(page, '.has-error .puq-field-error')), 'allowlist checked');
        let s = (await h.ajax(page, 'GET', 'settings.get')).json.data;
        h.eq(s.settings.stop_timeout, 120, 'nothing saved with a bad allowlist');
        await page.$eval('#puq-dns_legacy_allowlist', (e) => { e.value = '203.0.113.5, 10.0.0.0/8'; });
        await page.click('#puq-settings-save');
        await page.waitForSelector('#puq-flash .alert-success');
        s = (await h.ajax(page, 'GET', 'settings.get')).json.data;
        h.eq(s.settings.stop_timeout, 300, 'graceful window saved');
        h.eq(s.settings.force_stop_timeout, 90, 'force window saved');
        h.eq(s.dns_legacy_allowlist, '203.0.113.5, 10.0.0.0/8', 'allowlist saved');
        h.check(await page.$eval('#puq-allowlist-open', (e) => e.classList.contains('hidden')), 'no open-allowlist warning');
        // An allowlist open to the whole Internet is saved (the operator's call) but warned about, now and on reload.
        await page.$eval('#puq-dns_legacy_allowlist', (e) => { e.value = '203.0.113.5, ::/0'; });
        await page.click('#puq-settings-save');
        await page.waitForFunction(() => !document.querySelector('#puq-allowlist-open').classList.contains('hidden'));
        h.check(/anyone on the Internet/.test(await h.text(page, '#puq-allowlist-open')), 'open-allowlist warning');
        await page.reload({ waitUntil: 'networkidle0' });
        h.check(!(await page.$eval('#puq-allowlist-open', (e) => e.classList.contains('hidden'))), 'warning on reload');
        await h.shot(page, 'settings-allowlist-open.png');
        // DNS providers on this host: on by default, a checkbox of the General form.
        h.check(await page.$eval('#puq-dns_allow_loopback', (e) => e.checked), 'loopback providers allowed by default');
        await page.$eval('#puq-dns_legacy_allowlist', (e) => { e.value = '203.0.113.5, 10.0.0.0/8'; });
        await page.$eval('#puq-dns_allow_loopback', (e) => { e.checked = false; });
        await Promise.all([page.waitForResponse((r) => r.url().includes('settings.save')), page.click('#puq-settings-save')]);
        h.check(await page.$eval('#puq-allowlist-open', (e) => e.classList.contains('hidden')), 'warning gone');
        s = (await h.ajax(page, 'GET', 'settings.get')).json.data;
        h.eq(s.settings.dns_allow_loopback, false, 'loopback switch saved');
        await page.$eval('#puq-dns_allow_loopback', (e) => { e.checked = true; });
        await Promise.all([page.waitForResponse((r) => r.url().includes('settings.save')), page.click('#puq-settings-save')]);
        s = (await h.ajax(page, 'GET', 'settings.get')).json.data;
        h.eq(s.settings.dns_allow_loopback, true, 'and back on');
        await page.ctx.close();
    });

    await h.test('cron settings: mode, crontab line, intervals validated, stale lock cleared', async () => {
        const page = await h.page();
        await h.open(page, 'settings');
        await page.click('#puq-tab-cron');
        await h.visible(page, '#puq-settings-cron');
        // The crontab line of this install: the addon directory the shell runs it from.
        const line = await h.text(page, '#puq-crontab-standalone');
        h.check(/^\* \* \* \* \* \S*php[0-9.]* -q \/\S+\/modules\/addons\/puq_proxmox_kvm\/cron\.php$/.test(line), `crontab line: ${line}`);
        h.check(!line.includes('/path/to/whmcs'), 'a real path, not the placeholder');
        h.check(await page.$eval('#puq-cron-line-standalone', (e) => e.classList.contains('hidden')), 'hook mode: the standalone line is hidden');
        // Every task with its interval, last run, next due, result and lock.
        h.eq((await page.$$('#puq-cron-tasks tbody tr[data-task]')).length, 6, 'six tasks');
        h.check(/Process Virtual Machines/.test(await h.text(page, 'tr[data-task="process_vms"]')), 'task name');
        h.check(/min ago|s ago/.test(await h.text(page, 'tr[data-task="process_vms"] .puq-last-run')), 'last run of Process VMs');
        h.check(/error/.test(await h.text(page, 'tr[data-task="collect_statistics"] .puq-last-result')), 'failed last result');
        h.check(/connection refused/.test(await h.text(page, 'tr[data-task="collect_statistics"] .puq-last-result')), 'its message');
        h.check(/due now|in \d+ min/.test(await h.text(page, 'tr[data-task="collect_statistics"] .puq-next-due')), 'next due');
        const lock = await h.text(page, 'tr[data-task="schedule_backup"] .puq-lock');
        h.check(/stale: old-node:4242/.test(lock), `stale lock shown: ${lock}`);
        await page.$eval('#puq-tab-cron', (e) => e.scrollIntoView());
        await h.shot(page, 'settings-cron.png');
        // Mode switch shows the line to add.
        await page.click('#puq-cron-mode-standalone');
        h.check(!(await page.$eval('#puq-cron-line-standalone', (e) => e.classList.contains('hidden'))), 'standalone line shown');
        // Intervals outside 1–1440 are refused next to their field, nothing saved.
        for (const bad of ['0', '99999']) {
            await page.$eval('#puq-interval_remove_snapshots', (e, v) => { e.value = v; }, bad);
            await page.click('#puq-cron-save');
            await page.waitForSelector('#puq-cron-form .has-error .puq-field-error');
            const err = await h.text(page, '#puq-cron-form .has-error .puq-field-error');
            h.check(/'interval_remove_snapshots'.*between 1 and 1440/.test(err), `field error for ${bad}: ${err}`);
            h.eq(await page.$eval('#puq-cron-form .has-error input', (e) => e.name), 'interval_remove_snapshots', 'the bad field is highlighted');
            const s = (await h.ajax(page, 'GET', 'settings.get')).json.data;
            h.eq(s.settings.interval_remove_snapshots, 5, `nothing saved for ${bad}`);
            h.eq(s.settings.cron_mode, 'hook', `mode not saved for ${bad}`);
        }
        await page.$eval('#puq-interval_remove_snapshots', (e) => { e.value = '15'; });
        await page.click('#puq-cron-save');
        await page.waitForSelector('#puq-flash .alert-success');
        h.check(!(await page.$('#puq-cron-form .has-error')), 'error cleared');
        let s = (await h.ajax(page, 'GET', 'settings.get')).json.data;
        h.eq(s.settings.interval_remove_snapshots, 15, 'interval saved');
        h.eq(s.settings.cron_mode, 'standalone', 'mode saved');
        h.eq(s.cron.tasks.find((t) => t.key === 'remove_snapshots').interval, 15, 'the tasks table has it');
        // Clear locks: POST with the token only.
        const forged = await h.ajax(page, 'POST', 'settings.clear_locks', {}, false);
        h.eq(forged.status, 403, 'Clear locks without the token is refused');
        h.check((await h.ajax(page, 'GET', 'settings.cron')).json.data.tasks.find((t) => t.key === 'schedule_backup').lock !== null, 'lock still there');
        await page.click('#puq-cron-clear-locks');
        await page.waitForSelector('#puq-cron-locks-result li');
        const said = await h.text(page, '#puq-cron-locks-result');
        h.check(/Schedule Backup: stale lock of old-node:4242 cleared/.test(said), `says what it cleared: ${said}`);
        h.check(/1 stale lock\(s\) cleared/.test(await h.text(page, '#puq-flash')), 'flash');
        h.check(/free/.test(await h.text(page, 'tr[data-task="schedule_backup"] .puq-lock')), 'lock shown free');
        await page.$eval('#puq-cron-tasks', (e) => e.scrollIntoView());
        await h.shot(page, 'settings-cron-cleared.png');
        // After a reload: the saved mode and interval, and the lock is gone.
        await page.goto(`${h.admin}&page=settings#cron`, { waitUntil: 'networkidle0' });
        await h.visible(page, '#puq-settings-cron');
        h.check(await page.$eval('#puq-cron-mode-standalone', (e) => e.checked), 'standalone checked after reload');
        h.eq(await page.$eval('#puq-interval_remove_snapshots', (e) => e.value), '15', 'interval after reload');
        s = (await h.ajax(page, 'GET', 'settings.cron')).json.data;
        h.eq(s.tasks.find((t) => t.key === 'schedule_backup').lock, null, 'lock cleared in the database');
        const again = await h.ajax(page, 'POST', 'settings.clear_locks');
        h.eq(again.json.data.locks.length, 0, 'nothing left to clear');
        await h.ajax(page, 'POST', 'settings.save', { cron_mode: 'hook' });
        await page.ctx.close();
    });
}
