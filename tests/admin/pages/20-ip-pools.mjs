// IP Pools: the list (usage, rDNS hint, hostile bridge as text), add/edit with validation and the live hint,
// delete refused while addresses are allocated, the allocated-addresses view.
export default async function (h) {
    const { pools } = h.seed;
    const count = async (page) => (await h.ajax(page, 'GET', 'ip_pools.list')).json.data.pools.length;

    await h.test('list: columns, usage, rDNS hints, hostile bridge shown as text', async () => {
        const page = await h.page();
        await h.open(page, 'ip_pools');
        h.eq(await page.$$eval('#puq-pools-table tbody tr[data-pool]', (r) => r.length), 4, 'pool rows');
        const v4 = await h.text(page, `tr[data-pool="${pools.v4}"]`);
        h.check(v4.includes('192.0.2.10 - 192.0.2.250') && v4.includes('rDNS zone: 2.0.192.in-addr.arpa'), v4);
        h.check(/26 \/ 241/.test(v4), `v4 usage: ${v4}`);
        const v6 = await h.text(page, `tr[data-pool="${pools.v6}"] .puq-pool-rdns`);
        h.eq(v6, 'rDNS zone: 0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', 'v6 hint');
        const v4b = await h.text(page, `tr[data-pool="${pools.v4b}"] .puq-pool-rdns`);
        h.check(/classless delegation required/.test(v4b), `/26 hint: ${v4b}`);
        const bridge = await h.text(page, `tr[data-pool="${pools.hostile}"] .puq-pool-bridge`);
        h.check(bridge.startsWith('"><img src=x'), `hostile bridge shown as text: ${bridge}`);
        await h.shot(page, 'ip-pools.png');
        await page.ctx.close();
    });

    await h.test('add: range crossing its prefix refused next to the field, live zone hint, then created', async () => {
        const page = await h.page();
        await h.open(page, 'ip_pools');
        const before = await count(page);
        await page.click('#puq-pool-add');
        await h.visible(page, '#puq-pool-modal');
        await page.select('#puq-pool-server', String(h.seed.server_id));
        await page.type('#puq-pool-bridge', 'vmbr2');
        await page.type('#puq-pool-vlan', '0');
        await page.type('#puq-pool-gateway', '10.20.0.1');
        await page.type('#puq-pool-mask', '16');
        await page.type('#puq-pool-address_start', '10.20.0.2');
        await page.waitForFunction(() => document.getElementById('puq-pool-hint').textContent === 'rDNS zone: 20.10.in-addr.arpa');
        await page.type('#puq-pool-address_stop', '10.21.0.5');
        await page.click('#puq-pool-save');
        await page.waitForSelector('#puq-pool-form .has-error .puq-field-error');
        const field = await page.$eval('#puq-pool-form .has-error input', (e) => e.name);
        const msg = await h.text(page, '#puq-pool-form .puq-field-error');
        h.eq(field, 'address_stop', `the field in error (${msg})`);
        h.check(/address_stop/.test(msg), msg);
        h.eq(await count(page), before, 'nothing created');
        await page.$eval('#puq-pool-address_stop', (e) => { e.value = ''; });
        await page.type('#puq-pool-address_stop', '10.20.3.254');
        await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('#puq-pool-save')]);
        h.check((await h.text(page, '#puq-flash')).includes('created'), 'success message after reload');
        h.eq(await count(page), before + 1, 'one pool more');
        const made = (await h.ajax(page, 'GET', 'ip_pools.list')).json.data.pools.find((p) => p.address_start === '10.20.0.2');
        const row = await h.text(page, `tr[data-pool="${made.id}"]`);
        h.check(row.includes('10.20.0.2 - 10.20.3.254') && row.includes('rDNS zone: 20.10.in-addr.arpa'), row);
        await page.ctx.close();
    });

    await h.test('edit: the modal shows the pool, a bad VLAN is refused, a good one saved', async () => {
        const page = await h.page();
        await h.open(page, 'ip_pools');
        await page.click(`tr[data-pool="${pools.v4b}"] .puq-pool-edit`);
        await h.visible(page, '#puq-pool-modal');
        h.eq(await page.$eval('#puq-pool-gateway', (e) => e.value), '198.51.100.1', 'gateway loaded');
        h.eq(await h.text(page, '#puq-pool-hint'), await h.text(page, `tr[data-pool="${pools.v4b}"] .puq-pool-rdns`), 'hint loaded');
        await page.$eval('#puq-pool-vlan', (e) => { e.value = '5000'; });
        await page.click('#puq-pool-save');
        await page.waitForSelector('#puq-pool-form .has-error');
        h.eq(await page.$eval('#puq-pool-form .has-error input', (e) => e.name), 'vlan', 'vlan in error');
        await page.$eval('#puq-pool-vlan', (e) => { e.value = '30'; });
        await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('#puq-pool-save')]);
        const p = (await h.ajax(page, 'GET', 'ip_pools.list')).json.data.pools.find((x) => x.id === pools.v4b);
        h.eq(p.vlan, 30, 'vlan saved');
        await page.ctx.close();
    });

    await h.test('delete: refused with counts and services while allocated; an empty pool goes', async () => {
        const page = await h.page();
        await h.open(page, 'ip_pools');
        await page.click(`tr[data-pool="${pools.v4}"] .puq-pool-delete`);
        await h.visible(page, '#puq-confirm');
        await page.click('#puq-confirm .puq-confirm-ok');
        await page.waitForSelector('#puq-flash .alert-danger');
        const msg = await h.text(page, '#puq-flash');
        h.check(/26 address\(es\) are allocated to 26 service\(s\): #\d+ \(Alice Nowak, 1\)/.test(msg), msg);
        h.check(/and 16 more/.test(msg), msg);
        h.check((await page.$(`tr[data-pool="${pools.v4}"]`)) !== null, 'the pool stays');
        const last = (await h.ajax(page, 'GET', 'ip_pools.list')).json.data.pools.find((p) => p.address_start === '10.20.0.2').id;
        await page.waitForFunction(() => !document.body.classList.contains('modal-open') && !document.querySelector('.modal-backdrop'));
        await page.click(`tr[data-pool="${last}"] .puq-pool-delete`);
        await h.visible(page, '#puq-confirm');
        await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('#puq-confirm .puq-confirm-ok')]);
        h.check((await page.$(`tr[data-pool="${last}"]`)) === null, 'the empty pool is gone');
        await page.ctx.close();
    });

    await h.test('allocated addresses of a pool: service, client, rDNS', async () => {
        const page = await h.page();
        await h.open(page, 'ip_pools');
        await page.click(`tr[data-pool="${pools.v6}"] .puq-pool-ips`);
        await h.visible(page, '#puq-pool-ips-modal');
        await page.waitForSelector('#puq-pool-ips-table tbody tr td a');
        const rows = await page.$$eval('#puq-pool-ips-table tbody tr', (r) => r.map((x) => x.textContent));
        h.eq(rows.length, 13, 'IPv6 allocations');
        h.check(rows[0].includes('2001:db8::2') && /example\.test/.test(rows[0]), rows[0]);
        h.check(rows.some((r) => r.includes('<img src=x')), 'hostile client name shown as text');
        h.check((await h.text(page, '#puq-pool-ips-info')).includes('13 in total'), 'count');
        await h.noXss(page);
        await page.ctx.close();
    });
}
