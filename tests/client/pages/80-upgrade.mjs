// The configurable options upgrade page: smaller disks disabled with a banner, the submit guarded, Additional
// Disk 0 labelled destructive with a confirmation, and the server-side refusal when the page is bypassed.
export default async function (h) {
    const s = h.seed.services;
    const o = h.seed.options;
    await h.test('upgrade: shrink protection on the configurable options page', async () => {
        const page = await h.page();
        const r = await page.goto(`${h.base}/upgrade.php?type=configoptions&id=${s.ready}`, { waitUntil: 'networkidle0' });
        h.eq(r.status(), 200, 'HTTP status');
        await page.waitForSelector('#puq-upgrade-banner');
        h.check((await h.text(page, '#puq-upgrade-banner')).includes('Disks cannot be made smaller'), 'banner');
        const sys = await page.$$eval(`select[name="configoption[${o.system}]"] option`, (os) => os.map((x) => [x.textContent.trim(), x.disabled]));
        h.eq(JSON.stringify(sys), JSON.stringify([['10 GB (downgrade not allowed)', true], ['20 GB (No Change)', false], ['40 GB', false], ['80 GB', false]]), 'system disk options');
        const add = await page.$$eval(`select[name="configoption[${o.additional}]"] option`, (os) => os.map((x) => [x.textContent.trim(), x.disabled]));
        h.eq(add[0][0], 'None (removes the existing disk — data will be lost)', 'Additional Disk 0 labelled');
        h.eq(add[0][1], false, 'Additional Disk 0 stays selectable');
        await h.shot(page, 'client-upgrade-shrink.png');
        // Additional Disk 0: confirm() first; cancelled, nothing is submitted.
        const addSel = `select[name="configoption[${o.additional}]"]`;
        await page.select(addSel, await page.$eval(`${addSel} option`, (x) => x.value));
        let asked = '';
        page.once('dialog', async (d) => { asked = d.message(); await d.dismiss(); });
        await page.click('#shell-upgrade-submit');
        await new Promise((res) => setTimeout(res, 500));
        h.check(asked.includes('removes the existing additional disk'), `confirmation asked: ${asked}`);
        h.check(!(await page.$('#shell-upgrade-ok')), 'cancelled: not submitted');
        // A smaller system disk forced into the form is stopped by the guard.
        await page.$eval(`select[name="configoption[${o.system}]"]`, (sel) => { sel.options[0].disabled = false; sel.selectedIndex = 0; });
        await page.click('#shell-upgrade-submit');
        await new Promise((res) => setTimeout(res, 300));
        h.check((await page.$eval('#puq-upgrade-banner', (b) => b.className)).includes('alert-danger'), 'the guard refuses the submit');
        // The page bypassed: WHMCS 9's ShoppingCartValidateUpgrade refuses it on the server.
        const body = await page.evaluate(async (sid, sysId, smaller) => {
            const token = document.querySelector('input[name="token"]').value;
            const f = new URLSearchParams({ token, step: '2', type: 'configoptions', id: String(sid) });
            f.set(`configoption[${sysId}]`, smaller);
            const x = await fetch('/upgrade.php', { method: 'POST', body: f });
            return x.text();
        }, s.ready, o.system, sys && (await page.$eval(`select[name="configoption[${o.system}]"] option`, (x) => x.value)));
        h.check(body.includes('shell-upgrade-errors') && body.includes('cannot be made smaller than its current 20 GB'), 'server-side refusal');
        // A larger disk is accepted.
        const ok = await page.evaluate(async (sid, sysId) => {
            const sel = document.querySelector(`select[name="configoption[${sysId}]"]`);
            const token = document.querySelector('input[name="token"]').value;
            const f = new URLSearchParams({ token, step: '2', type: 'configoptions', id: String(sid) });
            f.set(`configoption[${sysId}]`, sel.options[2].value);
            const x = await fetch('/upgrade.php', { method: 'POST', body: f });
            return x.text();
        }, s.ready, o.system);
        h.check(ok.includes('shell-upgrade-ok'), 'a larger disk passes');
        // Another client's service gives no guard data.
        const g = JSON.parse(h.php(`echo json_encode(puq_client_upgrade_guard(${s.ready}, ${h.seed.dave}));`));
        h.eq(g.options.length, 0, 'no guard data for another client');
        await page.ctx.close();
    });
}
