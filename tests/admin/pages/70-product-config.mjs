// Product Module Settings panel (server module ConfigOptions) in the product page's Module Settings tab.
async function openProduct(h, page, pid) {
    await page.goto(`${h.base}/admin/configproducts.php?action=edit&id=${pid}`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#puq-product-panel #puq-save');
    await h.noXss(page);
}

// A POST from inside the page to the panel's own URL; `token` false leaves the CSRF token out.
async function panelPost(page, action, values, token = true) {
    return page.evaluate(async (action, values, token) => {
        const root = document.getElementById('puq-product-panel');
        const body = new URLSearchParams();
        if (token) body.set('token', root.dataset.token);
        for (const [k, v] of Object.entries(values)) body.set(`values[${k}]`, v);
        const r = await fetch(`${root.dataset.ajaxUrl}&puq_action=${action}`, { method: 'POST', body });
        return { status: r.status, json: await r.json() };
    }, action, values, token);
}

export default async function (h) {
    await h.test('product config: live lists, bad value refused next to its field, good value saved', async () => {
        const page = await h.page();
        await openProduct(h, page, h.seed.product_id);
        h.check(!(await page.$('#puq-banners .alert-danger')), 'no error banner for a reachable server');
        const nodes = await page.$$eval('#puq-node option', (o) => o.map((x) => x.value));
        h.eq(nodes.join(','), ',pve1,pve2', 'nodes plus automatically');
        const tpl = await page.$$eval('#puq-os_template option', (o) => o.map((x) => x.textContent.trim()));
        h.check(tpl.some((t) => t.startsWith('9000') && t.includes('(pve1)')), `templates with their node: ${tpl}`);
        const bridges = await page.$$eval('#puq-bridge option', (o) => o.map((x) => x.value));
        h.eq(bridges.join(','), 'vmbr0,vmbr1', 'bridges of the nodes');
        const backup = await page.$$eval('#puq-backup_storage option', (o) => o.map((x) => x.value));
        h.eq(backup.join(','), ',local', 'backup storages only');
        h.check(!(await page.$eval('input[name="packageconfigoption[1]"]', (e) => e.offsetParent)), 'the stock field is hidden');
        await h.shot(page, 'product-config.png');
        // Refresh lists re-reads Proxmox and replaces the panel in place.
        await page.$eval('#puq-cpu', (e) => { e.value = '7'; });
        const reloaded = page.waitForResponse((r) => r.url().includes('puq_action=reload'));
        await page.click('#puq-refresh');
        await reloaded;
        await page.waitForFunction(() => document.getElementById('puq-cpu').value === '1');
        h.eq((await page.$$('#puq-product-panel')).length, 1, 'one panel after the refresh');
        await page.select('#puq-node', 'pve2');
        const hidden = await page.$$eval('#puq-sys_storage option', (o) => o.filter((x) => x.hidden).map((x) => x.value));
        h.eq(hidden.join(','), 'nvme-pve1', 'storages absent from the chosen node are hidden');
        await page.select('#puq-node', 'pve1');

        // CSRF: no token, nothing changes.
        const forged = await panelPost(page, 'save', { cpu: '8' }, false);
        h.eq(forged.status, 403, 'a POST without the token is refused');

        await page.$eval('#puq-cpu', (e) => { e.value = '0'; });
        await page.$eval('#puq-vlan', (e) => { e.value = '5000'; });
        await page.click('#puq-save');
        await page.waitForSelector('[data-puq-wrap="cpu"].has-error .puq-error:not(:empty)');
        h.check(/between 1 and 512/.test(await h.text(page, '[data-puq-wrap="cpu"] .puq-error')), 'cpu error next to cpu');
        h.check(/between 0 and 4094/.test(await h.text(page, '[data-puq-wrap="vlan"] .puq-error')), 'vlan error next to vlan');
        h.check(/Nothing was saved/.test(await h.text(page, '#puq-save-result')), 'says nothing was saved');

        await openProduct(h, page, h.seed.product_id);
        h.eq(await page.$eval('#puq-cpu', (e) => e.value), '1', 'the bad save stored nothing');
        await page.$eval('#puq-cpu', (e) => { e.value = '4'; });
        await page.select('#puq-sys_storage', 'local-lvm');
        await page.click('#puq-save');
        await page.waitForSelector('#puq-save-result .alert-success');
        h.check(!(await page.$('.puq-field.has-error')), 'no field error left');
        await openProduct(h, page, h.seed.product_id);
        h.eq(await page.$eval('#puq-cpu', (e) => e.value), '4', 'saved cpu shown after reload');
        h.eq(await page.$eval('#puq-sys_storage', (e) => e.value), 'local-lvm', 'saved storage shown');
        await page.ctx.close();
    });

    await h.test('product config: create the 18 configurable options once', async () => {
        const page = await h.page();
        await openProduct(h, page, h.seed.product_id);
        await page.click('#puq-create-options');
        await page.waitForSelector('#puq-save-result .alert-success');
        h.check(/Created 18 configurable options/.test(await h.text(page, '#puq-save-result')), 'created 18');
        h.check(/18 \/ 18/.test(await h.text(page, '#puq-options-status')), 'status 18 / 18');
        h.check(await page.$eval('#puq-create-options', (e) => e.disabled), 'the button is disabled afterwards');
        const again = await panelPost(page, 'create_options', {});
        h.eq(again.json.created.length, 0, 'a second run creates nothing');
        await page.ctx.close();
    });

    await h.test('product config: unreachable server gives a banner and highlighted fields, save refused', async () => {
        const page = await h.page();
        await openProduct(h, page, h.seed.product_down_id);
        const banner = await h.text(page, '#puq-banners .alert-danger');
        h.check(/Proxmox server unreachable/.test(banner) && /pve-down/.test(banner) && /Test Connection/.test(banner), `banner: ${banner}`);
        for (const f of ['node', 'os_template', 'sys_storage', 'bridge']) {
            h.check(await page.$(`[data-puq-wrap="${f}"].puq-highlight`), `${f} highlighted`);
        }
        await h.shot(page, 'product-config-error.png');
        await page.$eval('#puq-cpu', (e) => { e.value = '2'; });
        await page.click('#puq-save');
        await page.waitForSelector('#puq-save-result .alert-danger');
        h.check(/Nothing was saved/.test(await h.text(page, '#puq-save-result')), 'save refused with a message');
        await openProduct(h, page, h.seed.product_down_id);
        h.eq(await page.$eval('#puq-cpu', (e) => e.value), '1', 'nothing saved');
        await page.ctx.close();
    });
}
