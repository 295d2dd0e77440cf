// Attacks, each refused and changing nothing: another client's service through every page and action, every
// action with its permission off, suspended and terminated services, missing or wrong CSRF tokens, GET for a
// write, unknown names, bad ids.
import { vmStatus, simVm, vmid, sleep, dbValue } from './_lib.mjs';

const WRITES = {
    start: {}, shutdown: {}, stop: {}, reboot: {},
    reinstall: { os: '9000', confirm: 'REINSTALL' },
    reset_password: {},
    rdns_save: { 'ptr[198.18.10.10]': 'evil.example.com' },
};
const READS = { live: {}, chart: { timeframe: 'hour' } };
const PAGES = ['', 'charts', 'reinstall', 'reset_password', 'rdns'];

export default async function (h) {
    const s = h.seed.services;

    await h.test('attack: Carol on Dave\'s service, every page and action refused, nothing changed', async () => {
        const page = await h.page();
        await h.svc(page, s.ready);
        const dave = s.other;
        const id = vmid(h, dave);
        const pw = dbValue(h, 'SELECT password FROM tblhosting WHERE id = ?', [dave]);
        await h.sim('DELETE', 'requests');
        for (const p of PAGES) {
            const r = await page.goto(`${h.base}/clientarea.php?action=productdetails&id=${dave}${p ? `&modop=custom&a=client&page=${p}` : ''}`, { waitUntil: 'load' });
            h.eq(r.status(), 403, `page '${p}'`);
            h.eq(await page.$eval('#puq-error', (e) => e.dataset.code), 'not_yours', `page '${p}' code`);
            h.check(!(await h.text(page, '#puq-client')).includes('dave'), 'no detail of the other service in the module\'s part');
        }
        await h.svc(page, s.ready);
        for (const [act, data] of Object.entries({ ...WRITES, ...READS })) {
            const method = act in READS ? 'GET' : 'POST';
            const r = await h.act(page, dave, act, data, method);
            h.eq(r.status, 403, `${act} on another client's service`);
            h.eq(r.json.code, 'not_yours', `${act} code`);
        }
        h.eq(vmStatus(h, dave), 'ready', 'Dave\'s VM record unchanged');
        h.eq(dbValue(h, 'SELECT password FROM tblhosting WHERE id = ?', [dave]), pw, 'Dave\'s password unchanged');
        h.eq((await simVm(h, id)).status, 'running', 'Dave\'s VM still running');
        const reqs = await h.sim('GET', 'requests?limit=100');
        h.eq((reqs.data || []).length, 0, `no Proxmox request at all: ${JSON.stringify((reqs.data || []).map((q) => q.path))}`);
        await page.ctx.close();
    });

    await h.test('attack: every action with its permission off is refused', async () => {
        const page = await h.page();
        await h.svc(page, s.locked);
        const id = vmid(h, s.locked);
        for (const [act, data] of Object.entries({ ...WRITES, chart: READS.chart })) {
            const r = await h.act(page, s.locked, act, act === 'rdns_save' ? { 'ptr[198.18.10.13]': 'x.example.com' } : data, act === 'chart' ? 'GET' : 'POST');
            h.eq(r.status, 403, `${act} with its permission off`);
            h.eq(r.json.code, 'permission', `${act} code`);
        }
        h.eq(vmStatus(h, s.locked), 'ready', 'unchanged');
        h.eq((await simVm(h, id)).status, 'running', 'still running');
        const live = await h.act(page, s.locked, 'live', {}, 'GET');
        h.eq(live.status, 200, 'the Overview is always allowed');
        await page.ctx.close();
    });

    await h.test('attack: suspended and terminated services', async () => {
        const page = await h.page();
        await h.svc(page, s.suspended);
        for (const [act, data] of Object.entries(WRITES)) {
            const r = await h.act(page, s.suspended, act, data);
            h.eq(r.status, 403, `${act} on a suspended service`);
        }
        h.eq((await simVm(h, vmid(h, s.suspended))).status, 'stopped', 'the suspended VM stays off');
        for (const [act, data] of Object.entries({ ...WRITES, ...READS })) {
            const r = await h.act(page, s.terminated, act, data, act in READS ? 'GET' : 'POST');
            h.eq(r.status, 403, `${act} on a terminated service`);
            h.eq(r.json.code, 'inactive', `${act} code`);
        }
        await page.ctx.close();
    });

    await h.test('attack: CSRF (no token, wrong token), GET for a write, unknown names, bad ids', async () => {
        const page = await h.page();
        await h.svc(page, s.ready);
        await sleep(10200); // the power rate window of the earlier tests
        for (const act of Object.keys(WRITES)) {
            let r = await h.act(page, s.ready, act, WRITES[act], 'POST', false);
            h.eq(r.status, 403, `${act} without a token`);
            h.eq(r.json.code, 'csrf', `${act} code`);
            r = await h.act(page, s.ready, act, WRITES[act], 'POST', 'f'.repeat(40));
            h.eq(r.status, 403, `${act} with a wrong token`);
            r = await h.act(page, s.ready, act, WRITES[act], 'GET');
            h.eq(r.status, 405, `${act} as GET`);
        }
        h.eq(vmStatus(h, s.ready), 'ready', 'nothing queued');
        h.eq((await simVm(h, vmid(h, s.ready))).status, 'running', 'VM untouched');
        let r = await h.act(page, s.ready, 'terminate_account', {}, 'POST');
        h.eq(r.status, 400, 'an action not in the whitelist');
        r = await h.act(page, s.ready, 'TerminateAccount', {}, 'POST');
        h.eq(r.status, 400, 'a module function name');
        r = await h.act(page, 'abc', 'live', {}, 'GET');
        h.check(r.json.ok !== true, 'a non-numeric service id never reaches a service');
        // The module itself, asked for a service that does not exist or with a bad id, refuses the same way.
        const direct = JSON.parse(h.php(`echo json_encode([
            puq_client_action(999999, 'live', ['client_id' => ${h.seed.carol}, 'post' => false, 'token_ok' => false, 'input' => []]),
            puq_client_action(-5, 'live', ['client_id' => ${h.seed.carol}, 'post' => false, 'token_ok' => false, 'input' => []]),
            puq_client_action(${s.ready}, 'live', ['client_id' => 0, 'post' => false, 'token_ok' => false, 'input' => []]),
            puq_client_action(${s.ready}, ['x'], ['client_id' => ${h.seed.carol}]),
            puq_client_page(${s.ready}, 'overview', ['client_id' => ${h.seed.dave}, 'post' => '1', 'token_ok' => 'yes'])['status'],
        ]);`));
        h.eq(direct[0].status, 403, 'no such service');
        h.eq(direct[0].code, 'not_yours', 'same answer as another client\'s');
        h.eq(direct[1].status, 403, 'a negative id');
        h.eq(direct[2].code, 'logged_out', 'nobody logged in');
        h.eq(direct[3].status, 400, 'an array as the action');
        h.eq(direct[4], 403, 'Dave on Carol\'s overview');
        const pg = await page.goto(`${h.base}/clientarea.php?action=productdetails&id=${s.ready}&modop=custom&a=client&page=..%2F..%2Fetc`, { waitUntil: 'load' });
        h.eq(pg.status(), 400, 'an unknown page');
        const arr = await page.evaluate(async (sid) => {
            const x = await fetch(`/clientarea.php?action=productdetails&id=${sid}&modop=custom&a=client&act[]=live`);
            return x.status;
        }, s.ready);
        h.eq(arr, 400, 'an array as the action name');
        // A module function that is not the routed entry is never called from the request.
        const notAllowed = await page.goto(`${h.base}/clientarea.php?action=productdetails&id=${s.ready}&modop=custom&a=TerminateAccount`, { waitUntil: 'load' });
        h.eq(notAllowed.status(), 200, 'WHMCS ignores a function that is not allowed');
        h.eq(vmStatus(h, s.ready), 'ready', 'still ready');
        await page.ctx.close();
    });

    await h.test('attack: logged out', async () => {
        const page = await h.page(0);
        const r = await page.goto(`${h.base}/clientarea.php?action=productdetails&id=${s.ready}&modop=custom&a=client&act=live`, { waitUntil: 'load' });
        h.check(r.url().includes('/login.php'), 'sent to the login page');
        await page.ctx.close();
    });
}
