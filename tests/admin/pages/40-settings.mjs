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
}
