// The admin service page: the module's tab (AdminServicesTabFields).
async function openService(h, page, sid) {
    await page.goto(`${h.base}/admin/clientsservices.php?id=${sid}`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#puq-service');
    await h.noXss(page);
}

export default async function (h) {
    await h.test('service page: live VM panel, deploy log, charts', async () => {
        const page = await h.page();
        const sid = h.seed.services.ready[0];
        await openService(h, page, sid);
        h.check(/API answer OK/.test(await h.text(page, '#puq-api')), 'API status OK');
        h.eq(await h.text(page, '#puq-remote-status'), 'running', 'remote status');
        const live = await h.text(page, '#puq-live');
        for (const s of ['CPU & RAM', 'System Disk (scsi0)', 'Additional Disk (scsi1)', 'BC:24:11:00:01:01', 'R 200 / W 0 MB/s', 'vmbr0']) {
            h.check(live.includes(s), `live panel shows ${s}`);
        }
        await page.waitForSelector('#puq-chart-cpu canvas');
        await page.waitForSelector('#puq-chart-net canvas');
        const legend = await h.text(page, '#puq-chart-cpu .u-legend');
        h.check(legend.includes('CPU %') && legend.includes('RAM %'), `uPlot legend: ${legend}`);
        h.check(/points/.test(await h.text(page, '#puq-chart-msg')), 'chart data loaded');
        await page.click('#puq-toggle-log');
        await h.visible(page, '#puq-log table');
        h.check(/Last action/.test(await h.text(page, '#puq-log')) && /Set CPU and RAM/.test(await h.text(page, '#puq-log')), 'deploy log');
        await page.click('#puq-toggle-log');
        await page.click('#puq-timeframes button[data-timeframe="week"]');
        await page.waitForFunction(() => /points/.test(document.getElementById('puq-chart-msg').textContent));
        await page.click('#puq-timeframes button[data-timeframe="hour"]');
        await page.waitForFunction(() => /points/.test(document.getElementById('puq-chart-msg').textContent));
        await page.evaluate(() => window.scrollTo(0, document.getElementById('puq-service').getBoundingClientRect().top + window.scrollY - 60));
        await h.shot(page, 'service.png');
        await page.evaluate(() => window.scrollTo(0, document.getElementById('puq-timeframes').getBoundingClientRect().top + window.scrollY - 80));
        await h.shot(page, 'service-charts.png');
        // The 5-second refresh re-renders the panel without errors.
        await page.waitForResponse((r) => r.url().includes('puq_action=live'), { timeout: 8000 });
        await page.waitForSelector('#puq-remote-status');
        await page.ctx.close();
    });

    await h.test('service page: hostile names are text; Redeploy needs confirmation and the token', async () => {
        const page = await h.page();
        await openService(h, page, h.seed.services.ready[3]);
        h.check((await h.text(page, '#puq-service')).includes(h.seed.xss.slice(0, 20)), 'the hostile name is shown as text');
        const sid = h.seed.services.ready[1];
        await openService(h, page, sid);
        const forged = await page.evaluate(async () => {
            const root = document.getElementById('puq-service');
            const r = await fetch(`${root.dataset.ajaxUrl}&puq_action=redeploy`, { method: 'POST' });
            return { status: r.status, json: await r.json() };
        });
        h.eq(forged.status, 403, 'Redeploy without the token is refused');
        page.once('dialog', (d) => d.dismiss());
        await page.click('#puq-redeploy');
        await new Promise((r) => setTimeout(r, 300));
        h.eq(await h.text(page, '#puq-action-result'), '', 'dismissed: nothing sent');
        page.once('dialog', (d) => d.accept());
        await page.click('#puq-redeploy');
        await page.waitForSelector('#puq-action-result .label-success');
        await page.waitForFunction(() => /Deploy in progress/.test(document.getElementById('puq-live').textContent), { timeout: 8000 });
        await page.ctx.close();
    });
}
