// The Overview in every state a customer meets: ready (every permission), busy (a backup task runs), every
// permission off, suspended, deploying, server down, terminated; plus the live poll.
import { sleep } from './_lib.mjs';

export default async function (h) {
    const s = h.seed.services;

    await h.test('overview: live status, power buttons by state, network configuration', async () => {
        const page = await h.page();
        const r = await h.svc(page, s.ready);
        h.eq(r.status(), 200, 'HTTP status');
        await page.waitForFunction(() => document.querySelector('#puq-status-badge').textContent.trim() === 'Running');
        h.check((await h.text(page, '[data-puq="cpu"]')).includes('% of 1 cores'), 'CPU line');
        h.check(/GB used of 1 GB/.test(await h.text(page, '[data-puq="ram"]')), 'RAM line');
        h.check((await h.text(page, '[data-puq="system_disk"]')).includes('20 GB'), 'system disk size');
        h.check((await h.text(page, '[data-puq="system_disk"]')).includes('200 / 100 MB/s'), 'system disk limits');
        h.check((await h.text(page, '[data-puq="additional_disk"]')).includes('10 GB'), 'additional disk');
        h.check(/virtio · MAC BC:24:11/.test(await h.text(page, '[data-puq="nic"]')), 'NIC model and MAC');
        const dim = await page.$$eval('.puq-act', (bs) => Object.fromEntries(bs.map((b) => [b.dataset.act, b.disabled])));
        h.eq(JSON.stringify(dim), JSON.stringify({ start: true, shutdown: false, stop: false, reboot: false }), 'running VM: Start dimmed, the rest usable');
        const ips = await h.text(page, '#puq-ips');
        h.check(/198\.18\.10\.\d+ main/.test(ips) && ips.includes('255.255.255.0') && ips.includes('198.18.10.1'), `IPv4 with mask and gateway: ${ips}`);
        h.check(ips.includes('fd00:77::') && ips.includes('/64'), 'IPv6 address');
        h.check(ips.includes('9.9.9.9'), 'DNS servers');
        h.check((await h.text(page, '#puq-client')).includes('Only the main IP address is configured automatically'), 'the main-address note');
        const menu = await page.$$eval('.puq-menu [data-menu]', (els) => els.map((e) => `${e.dataset.menu}:${e.tagName}`));
        h.eq(menu.join(','), 'overview:A,charts:A,reinstall:A,snapshots:SPAN,backups:SPAN,reset_password:A,rdns:A,iso:A,firewall:A', 'menu: every feature open (snapshots and backups: quota 0)');
        await h.shot(page, 'client-overview.png');
        // The poll: one GET answers the same panel.
        const live = await h.act(page, s.ready, 'live', {}, 'GET');
        h.eq(live.status, 200, 'live poll');
        h.eq(live.json.data.live.running, true, 'live poll says running');
        h.check(live.json.data.buttons.start.enabled === false && live.json.data.buttons.stop.enabled === true, 'poll buttons');
        await page.ctx.close();
    });

    await h.test('overview: a running backup dims every action and says why', async () => {
        const page = await h.page();
        await h.svc(page, s.busy);
        await page.waitForSelector('#puq-progress:not(.d-none)');
        h.check((await h.text(page, '#puq-progress-text')).includes('A backup task is running'), 'progress says a backup runs');
        const dim = await page.$$eval('.puq-act', (bs) => bs.every((b) => b.disabled && b.classList.contains('puq-dim')));
        h.check(dim, 'all power buttons dimmed');
        const title = await page.$eval('.puq-act[data-act="stop"]', (b) => b.title);
        h.eq(title, 'Temporarily unavailable while an operation runs', 'dimmed button says why');
        await h.shot(page, 'client-overview-busy.png');
        const r = await h.act(page, s.busy, 'stop');
        h.eq(r.status, 409, 'stop during a backup');
        h.eq(r.json.code, 'busy', 'refusal code');
        await page.ctx.close();
    });

    await h.test('overview: every permission off: actions and menu dimmed, hostile hostname is text', async () => {
        const page = await h.page();
        await h.svc(page, s.locked);
        await page.waitForFunction(() => document.querySelector('#puq-status-badge').textContent.trim() === 'Running');
        const dim = await page.$$eval('.puq-act', (bs) => bs.map((b) => [b.disabled, b.title]));
        h.check(dim.every(([d, t]) => d && t === 'Not included in your package'), `buttons dimmed for the package: ${JSON.stringify(dim)}`);
        const menu = await page.$$eval('.puq-menu [data-menu]', (els) => els.map((e) => `${e.dataset.menu}:${e.tagName}`));
        h.eq(menu.join(','), 'overview:A,charts:SPAN,reinstall:SPAN,snapshots:SPAN,backups:SPAN,reset_password:SPAN,rdns:SPAN,iso:SPAN,firewall:SPAN', 'menu: only the Overview opens');
        h.check((await h.text(page, '#puq-hostname')).includes('<img src=x'), 'hostile hostname shown as text');
        await h.shot(page, 'client-overview-denied.png');
        await page.ctx.close();
    });

    await h.test('access denied: direct navigation to a feature the package does not include', async () => {
        const page = await h.page();
        const r = await h.svc(page, s.locked, 'charts');
        h.eq(r.status(), 403, 'HTTP status');
        h.eq(await h.text(page, '#puq-error h3'), 'Access Denied', 'title');
        h.eq(await page.$eval('#puq-error', (e) => e.dataset.code), 'permission', 'refusal code');
        h.check(!(await page.$('.puq-chart')), 'no chart is drawn');
        await h.shot(page, 'client-access-denied.png');
        for (const p of ['reinstall', 'reset_password', 'rdns']) {
            const rr = await h.svc(page, s.locked, p);
            h.eq(rr.status(), 403, `${p} of the locked product`);
        }
        await page.ctx.close();
    });

    await h.test('something went wrong: the server is down (with a retry), never a PHP error', async () => {
        const page = await h.page();
        const r = await h.svc(page, s.down);
        h.eq(r.status(), 502, 'HTTP status');
        h.eq(await h.text(page, '#puq-error h3'), 'Something went wrong', 'title');
        h.check(await page.$('#puq-error-retry'), 'retry button');
        h.check(!(await h.text(page, '#puq-client')).includes('127.0.0.1'), 'no server address shown');
        await h.shot(page, 'client-error.png');
        await page.ctx.close();
    });

    await h.test('deploying: the progress from the step table, no live panel, no error', async () => {
        const page = await h.page();
        const r = await h.svc(page, s.deploying);
        h.eq(r.status(), 200, 'HTTP status');
        const p = await h.text(page, '#puq-progress-text');
        h.check(/^Installing: step 2 of \d+ — Clone VM$/.test(p), `progress line: ${p}`);
        h.eq(await h.text(page, '#puq-status-badge'), 'Not deployed yet', 'badge');
        h.check(await page.$$eval('.puq-act', (bs) => bs.every((b) => b.disabled)), 'actions dimmed while deploying');
        await page.ctx.close();
    });

    await h.test('suspended: overview read-only with a notice; sub-pages and actions refused', async () => {
        const page = await h.page();
        await h.svc(page, s.suspended);
        h.check((await h.text(page, '#puq-suspended')).includes('suspended'), 'notice');
        const menu = await page.$$eval('.puq-menu [data-menu]', (els) => els.map((e) => e.tagName));
        h.eq(menu.join(','), 'A,SPAN,SPAN,SPAN,SPAN,SPAN,SPAN,SPAN,SPAN', 'menu: only the Overview');
        h.check(await page.$$eval('.puq-act', (bs) => bs.every((b) => b.disabled)), 'actions dimmed');
        const r = await h.act(page, s.suspended, 'start');
        h.eq(r.status, 403, 'start on a suspended service');
        h.eq(r.json.code, 'suspended', 'code');
        const pg = await h.svc(page, s.suspended, 'charts');
        h.eq(pg.status(), 403, 'charts of a suspended service');
        await page.ctx.close();
    });

    await h.test('terminated: no access at all', async () => {
        const page = await h.page();
        const r = await h.svc(page, s.terminated);
        h.eq(r.status(), 403, 'HTTP status');
        h.eq(await page.$eval('#puq-error', (e) => e.dataset.code), 'inactive', 'refusal code');
        const a = await h.act(page, s.terminated, 'live', {}, 'GET');
        h.eq(a.status, 403, 'live of a terminated service');
        await page.ctx.close();
    });

    await h.test('live poll: the page refreshes itself from the shared cache', async () => {
        const page = await h.page();
        await h.svc(page, s.ready);
        const polls = [];
        page.on('request', (q) => { if (q.url().includes('act=live')) polls.push(Date.now()); });
        await sleep(7600);
        h.check(polls.length >= 1, `the page polled (${polls.length})`);
        await page.ctx.close();
    });
}
