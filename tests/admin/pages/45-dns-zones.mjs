// DNS Zones: list with type badges, the add/edit modal whose fields follow the type, kept-secret
// placeholders (no secret in any page or JSON: the run checks seed.secrets), errors next to the field,
// Test with the provider's error, Delete with confirmation.
/** The modal is gone, backdrop included (Bootstrap fades both out). */
async function closed(page) {
    await page.waitForSelector('#puq-dns-modal', { hidden: true });
    await page.waitForFunction(() => !document.querySelector('.modal-backdrop'));
}

export default async function (h) {
    await h.test('dns zones: list, typed modal, kept secrets, test, delete', async () => {
        const page = await h.page();
        await h.open(page, 'dns_zones');
        await h.shot(page, 'dns-zones.png');
        const rows = await page.$$eval('#puq-dns-table tbody tr[data-id]', (trs) => trs.map((t) => t.textContent.replace(/\s+/g, ' ').trim()));
        h.eq(rows.length, h.seed.dns_zones.length, 'one row per zone');
        const badges = await page.$$eval('#puq-dns-table .puq-dns-badge', (b) => b.map((e) => e.textContent));
        h.eq(badges.join(','), 'PowerDNS,Cloudflare,HestiaCP,PowerDNS,PowerDNS,Cloudflare', 'type badges');
        h.check(rows.some((r) => r.includes('0/26.100.51.198.in-addr.arpa')), 'classless reverse zone listed');

        // Add: the fields follow the type; a bad field is named and highlighted; nothing is saved.
        await page.click('#puq-dns-add');
        await h.visible(page, '#puq-dns-modal');
        await page.select('#puq-dns-type', 'Cloudflare');
        await h.visible(page, '#puq-dns-Cloudflare-zone_id');
        h.check(!(await page.$eval('#puq-dns-PowerDNS-api_key', (e) => e.offsetParent !== null)), 'PowerDNS fields hidden for Cloudflare');
        await page.select('#puq-dns-type', 'PowerDNS');
        await h.visible(page, '#puq-dns-PowerDNS-server_url');
        await page.type('#puq-dns-name', 'not a domain');
        await page.type('#puq-dns-PowerDNS-server_url', 'pdns.example.net:8081');
        await page.type('#puq-dns-PowerDNS-api_key', 'new-zone-key');
        await h.shot(page, 'dns-zones-modal.png');
        await page.click('#puq-dns-save');
        await page.waitForSelector('#puq-dns-form .has-error .puq-field-error');
        h.eq(await page.$eval('#puq-dns-form .has-error input', (e) => e.name), 'name', 'the zone name is the bad field');
        await page.$eval('#puq-dns-name', (e) => { e.value = 'New.Example.NET.'; });
        await page.click('#puq-dns-save');
        await page.waitForSelector('#puq-dns-form .has-error .puq-field-error');
        const err = await h.text(page, '#puq-dns-form .has-error .puq-field-error');
        h.check(/'server_url'.*scheme/.test(err), `server URL without a scheme: ${err}`);
        let list = await h.ajax(page, 'GET', 'dns_zones.list');
        h.eq(list.json.data.zones.length, h.seed.dns_zones.length, 'nothing saved');
        await page.$eval('#puq-dns-PowerDNS-server_url', (e) => { e.value = 'http://127.0.0.1:9'; });
        await page.click('#puq-dns-save');
        await page.waitForSelector('#puq-flash .alert-success');
        await closed(page);
        list = await h.ajax(page, 'GET', 'dns_zones.list');
        const added = list.json.data.zones.find((z) => z.name === 'new.example.net');
        h.check(added, 'normalised name saved');
        h.eq(added.api_key, '__KEEP__', 'secret masked in JSON');

        // Edit: the secret input is empty with the "unchanged" placeholder; saving keeps it.
        await page.click(`#puq-dns-table tr[data-id="${added.id}"] .puq-dns-edit`);
        await h.visible(page, '#puq-dns-modal');
        h.eq(await page.$eval('#puq-dns-PowerDNS-api_key', (e) => e.value), '', 'secret not in the form');
        h.check(/unchanged/.test(await page.$eval('#puq-dns-PowerDNS-api_key', (e) => e.placeholder)), 'kept-secret placeholder');
        h.eq(await page.$eval('#puq-dns-PowerDNS-server_url', (e) => e.value), 'http://127.0.0.1:9', 'other fields filled');
        await page.click('#puq-dns-save');
        await closed(page);
        list = await h.ajax(page, 'GET', 'dns_zones.list');
        h.eq(list.json.data.zones.find((z) => z.id === added.id).api_key, '__KEEP__', 'still has its key');

        // Test: the provider's error in a red message.
        await page.click(`#puq-dns-table tr[data-id="${added.id}"] .puq-dns-test`);
        await page.waitForSelector('#puq-flash .alert-danger');
        const msg = await h.text(page, '#puq-flash .alert-danger .puq-flash-text');
        h.check(/new\.example\.net \(PowerDNS\): PowerDNS at http:\/\/127\.0\.0\.1:9: connection/.test(msg), `test message: ${msg}`);
        // GET cannot test (it makes the server call out) nor delete.
        const g = await h.ajax(page, 'GET', 'dns_zones.delete', { id: added.id });
        h.eq(g.status, 403, 'delete needs a POST with the CSRF token');

        // Delete with confirmation.
        await page.click(`#puq-dns-table tr[data-id="${added.id}"] .puq-dns-delete`);
        await h.visible(page, '#puq-confirm .puq-confirm-ok');
        await page.click('#puq-confirm .puq-confirm-ok');
        await page.waitForFunction((id) => !document.querySelector(`#puq-dns-table tr[data-id="${id}"]`), {}, added.id);
        list = await h.ajax(page, 'GET', 'dns_zones.list');
        h.eq(list.json.data.zones.length, h.seed.dns_zones.length, 'deleted');
        await page.ctx.close();
    });
}
