// Dashboard: the installation doctor's button, its grouped results and the fix of each failure.
export default async function (h) {
    await h.test('installation doctor', async () => {
        const page = await h.page();
        await h.open(page, 'dashboard');
        await page.click('#puq-doctor-run');
        await page.waitForSelector('#puq-doctor-results tbody tr[data-status]', {timeout: 40000});
        const summary = await h.text(page, '#puq-doctor-summary');
        h.check(/\d+ passed, \d+ warnings, \d+ failed/.test(summary), `summary: ${summary}`);
        const rows = await page.$$eval('#puq-doctor-results tbody tr[data-status]', (trs) => trs.map((tr) => ({
            status: tr.dataset.status, text: tr.textContent, fix: !!tr.querySelector('.puq-doctor-fix'),
        })));
        h.check(rows.some((r) => r.status === 'ok' && /Reachable/.test(r.text)), 'the simulator is reachable');
        h.check(rows.some((r) => r.status === 'fail' && /Reachable/.test(r.text)), 'the down server is reported');
        h.check(rows.filter((r) => r.status !== 'ok').every((r) => r.fix), 'every failure says what to do');
        await page.$eval('#puq-doctor', (e) => e.scrollIntoView());
        await h.shot(page, 'dashboard-doctor.png');
        await page.ctx.close();
    });
}
