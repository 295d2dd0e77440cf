// WHMCS's administrator role permissions on the module's admin actions, used as an admin of that role would:
// the buttons are clicked in the page, the refusal is read where the page shows it, and the database is checked
// for what did not change. Roles (tests/admin/seed.php): a viewer (View Clients Products/Services, View
// Products/Services, Addon Modules) and an operator (the same without View Products, with Perform Server
// Operations); neither has Edit Products/Services. The full admin's side is 70-product-config, 80-service and
// 85-console. Screenshots service-denied.png, product-denied.png.

async function service(h, page, sid) {
    await page.goto(`${h.base}/admin/clientsservices.php?id=${sid}`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#puq-service #puq-redeploy');
}

/** Clicks `selector` and answers the HTTP status of the service tab's request `action` it sends. */
async function clickFor(page, selector, action) {
    const [resp] = await Promise.all([
        page.waitForResponse((r) => r.url().includes(`puq_action=${action}`) && r.request().method() === 'POST'),
        page.click(selector),
    ]);
    return resp.status();
}

function vmRow(h, sid) {
    return h.php(`echo json_encode(Harness::row('SELECT vm_status, vm_id, node, task_upid FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [${sid}]));`);
}

export default async function (h) {
    await h.test('roles: without Perform Server Operations, Redeploy, noVNC and Reset Status are refused and change nothing', async () => {
        const sid = h.seed.services.ready[0];
        const before = vmRow(h, sid);
        const consoleLog = () => h.php(`echo Harness::value("SELECT COUNT(*) FROM tblactivitylog WHERE description LIKE '%noVNC console of service #${sid}%'");`).trim();
        const opened = consoleLog();
        const page = await h.page(h.seed.viewer_admin_id);
        await service(h, page, sid);

        page.once('dialog', (d) => d.accept());
        h.eq(await clickFor(page, '#puq-redeploy', 'redeploy'), 403, 'Redeploy: HTTP status');
        await page.waitForFunction(() => document.getElementById('puq-action-result').textContent.trim() !== '');
        const said = await h.text(page, '#puq-action-result');
        h.check(said.includes('Perform Server Operations'), `Redeploy refusal names the permission: ${said}`);

        await page.$eval('#puq-action-result', (e) => { e.textContent = ''; });
        h.eq(await clickFor(page, '#puq-novnc', 'console'), 403, 'noVNC: HTTP status');
        await page.waitForFunction(() => document.getElementById('puq-action-result').textContent.trim() !== '');
        h.check(!(await page.$eval('#puq-novnc-connect', (e) => e.offsetParent)), 'no CONNECT link is shown');
        h.check((await h.text(page, '#puq-action-result')).includes('Perform Server Operations'), 'noVNC refusal names the permission');
        await h.shot(page, 'service-denied.png');

        // VM Management (the addon, which this role may open): Reset Status and Delete Record.
        await h.open(page, 'vms');
        for (const [action, data] of [['vms.reset', { service_id: sid, status: 'clone' }], ['vms.delete_record', { service_id: sid }]]) {
            const r = await h.ajax(page, 'POST', action, data);
            h.eq(r.status, 403, `${action}: HTTP status`);
            h.check(String(r.json.error || r.json.message || '').includes('Perform Server Operations'), `${action}: ${JSON.stringify(r.json)}`);
        }
        h.eq(vmRow(h, sid), before, 'the VM record is unchanged');
        h.eq(consoleLog(), opened, 'no console opening is logged');
        await page.ctx.close();
    });

    await h.test('roles: with Perform Server Operations the console opens; product settings need Edit Products/Services', async () => {
        const sid = h.seed.services.ready[0];
        const op = await h.page(h.seed.operator_admin_id);
        await service(h, op, sid);
        h.eq(await clickFor(op, '#puq-novnc', 'console'), 200, 'operator: noVNC answered');
        await op.waitForSelector('#puq-novnc-connect', { visible: true, timeout: 10000 });
        h.check((await op.$eval('#puq-novnc-link', (a) => a.href)).includes('/vncproxy/'), 'operator: a one-time link');
        // The operator lacks View Products/Services: WHMCS shows no product page at all.
        const denied = await op.goto(`${h.base}/admin/configproducts.php?action=edit&id=${h.seed.product_id}`, { waitUntil: 'load' });
        h.eq(denied.status(), 403, 'operator: product page refused by WHMCS');
        await op.ctx.close();

        // The viewer sees the product's Module Settings but cannot save them.
        const page = await h.page(h.seed.viewer_admin_id);
        await page.goto(`${h.base}/admin/configproducts.php?action=edit&id=${h.seed.product_id}`, { waitUntil: 'networkidle0' });
        await page.waitForSelector('#puq-product-panel #puq-save');
        const cpu = await page.$eval('#puq-cpu', (e) => e.value);
        await page.$eval('#puq-cpu', (e) => { e.value = String(Number(e.value) + 3); });
        const [resp] = await Promise.all([
            page.waitForResponse((r) => r.url().includes('puq_action=save')),
            page.click('#puq-save'),
        ]);
        h.eq(resp.status(), 403, 'viewer: product save HTTP status');
        await page.waitForSelector('#puq-save-result .alert-danger');
        const said = await h.text(page, '#puq-save-result');
        h.check(said.includes('Edit Products/Services'), `product save refusal names the permission: ${said}`);
        await h.shot(page, 'product-denied.png');
        await page.goto(`${h.base}/admin/configproducts.php?action=edit&id=${h.seed.product_id}`, { waitUntil: 'networkidle0' });
        await page.waitForSelector('#puq-cpu');
        h.eq(await page.$eval('#puq-cpu', (e) => e.value), cpu, 'viewer: nothing was saved');
        const created = await page.evaluate(async () => {
            const root = document.getElementById('puq-product-panel');
            const body = new URLSearchParams({ token: root.dataset.token });
            const r = await fetch(`${root.dataset.ajaxUrl}&puq_action=create_options`, { method: 'POST', body });
            const text = await r.text();
            try { return { status: r.status, text: JSON.parse(text).message || text }; } catch (e) { return { status: r.status, text }; }
        });
        h.eq(created.status, 403, 'viewer: create configurable options refused');
        h.check(created.text.includes('Edit Products/Services'), `create options refusal: ${created.text.slice(0, 200)}`);
        await page.ctx.close();
    });
}
