// The page framework: admin-only, the addon's access roles, CSRF on every state change, unknown names refused.
export default async function (h) {
    await h.test('no admin session: redirected to the login page', async () => {
        const page = await h.page(0);
        await page.goto(`${h.admin}&page=dashboard`, { waitUntil: 'load' });
        h.check(page.url().includes('/admin/login.php'), `expected the login page, got ${page.url()}`);
        const r = await page.goto(`${h.admin}&ajax=dashboard.health`, { waitUntil: 'load' });
        h.check(page.url().includes('/admin/login.php') || r.status() === 403, 'AJAX without a session must not answer');
        await page.ctx.close();
    });

    await h.test('an admin whose role lacks Access Control gets no page', async () => {
        const page = await h.page(h.seed.support_admin_id);
        const r = await page.goto(`${h.admin}&page=dashboard`, { waitUntil: 'load' });
        h.eq(r.status(), 403, 'HTTP status');
        h.check((await page.content()).includes('You do not have permission'), 'access denied message');
        h.check(!(await page.$('#puq-dashboard')), 'the dashboard must not render');
        await page.ctx.close();
    });

    await h.test('unknown page and action are refused by name', async () => {
        const page = await h.page();
        await h.open(page, 'no_such_page');
        h.check((await h.text(page, '#puq-error')).includes("no such page 'no_such_page'"), 'error names the page');
        await h.open(page, 'dashboard');
        const r = await h.ajax(page, 'GET', 'no.such');
        h.eq(r.status, 400, 'status of an unknown action');
        h.check(r.json.error.includes("no such action 'no.such'"), r.json.error);
        await page.ctx.close();
    });

    await h.test('CSRF: a state change without the token, or by GET, is refused', async () => {
        const page = await h.page();
        await h.open(page, 'dashboard');
        for (const [method, token] of [['POST', false], ['GET', false]]) {
            const r = await h.ajax(page, method, 'settings.save', { default_timeout: '42' }, token);
            h.eq(r.status, 403, `${method} without token`);
            h.check(/CSRF/.test(r.json.error), r.json.error);
        }
        const forged = await page.evaluate(async () => {
            const boot = JSON.parse(document.getElementById('puq-boot').textContent);
            const r = await fetch(boot.modulelink + '&ajax=settings.save', { method: 'POST', body: new URLSearchParams({ default_timeout: '42', token: 'forged' + boot.token.slice(6) }) });
            return r.status;
        });
        h.eq(forged, 403, 'POST with a forged token');
        const s = await h.ajax(page, 'GET', 'settings.get');
        h.check(s.json.ok && s.json.data.settings.default_timeout !== 42, 'nothing was saved');
        await page.ctx.close();
    });
}
