// Charts: four uPlot charts from rrddata, one time frame at a time.
export default async function (h) {
    const s = h.seed.services;
    await h.test('charts: CPU, RAM, disk and network for each time frame', async () => {
        const page = await h.page();
        const frames = [];
        page.on('request', (q) => { const m = q.url().match(/act=chart.*timeframe=(\w+)/); if (m) frames.push(m[1]); });
        const r = await h.svc(page, s.ready, 'charts');
        h.eq(r.status(), 200, 'HTTP status');
        await page.waitForFunction(() => document.querySelectorAll('.puq-chart canvas').length === 4, { timeout: 10000 });
        const legends = await page.$$eval('.puq-chart .u-legend', (ls) => ls.map((l) => l.textContent.replace(/\s+/g, ' ')));
        h.check(legends[0].includes('CPU %') && legends[1].includes('RAM %'), `legends: ${legends}`);
        h.check(legends[2].includes('Read MB/s') && legends[2].includes('Write MB/s'), 'disk legend');
        h.check(legends[3].includes('In MB/s') && legends[3].includes('Out MB/s'), 'network legend');
        await h.shot(page, 'client-charts.png');
        for (const tf of ['day', 'week', 'month', 'year']) {
            // Listen before the click: a fast answer must not be missed.
            const answered = page.waitForResponse((x) => x.url().includes(`timeframe=${tf}`));
            await page.click(`#puq-timeframes [data-timeframe="${tf}"]`);
            await answered;
            await page.waitForFunction(() => document.querySelectorAll('.puq-chart canvas').length === 4);
        }
        h.eq(frames.join(','), 'hour,day,week,month,year', 'one request per time frame');
        const bad = await h.act(page, s.ready, 'chart', { timeframe: 'decade' }, 'GET');
        h.eq(bad.status, 400, 'unknown time frame');
        h.eq(bad.json.field, 'timeframe', 'field');
        await page.ctx.close();
    });
}
