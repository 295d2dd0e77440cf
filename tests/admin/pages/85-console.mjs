// The admin service page's noVNC button: the same one-time link and console as the client's, and an entry in
// WHMCS's activity log.
import { assertConsoleWorks, connect } from '../console.mjs';

export default async function (h) {
    await h.test('service page: noVNC → CONNECT opens the console; the opening is in the activity log', async () => {
        const page = await h.page();
        const sid = h.seed.services.ready[0];
        const id = Number(h.php(`echo Harness::value('SELECT vm_id FROM puqProxmoxKVM_vm_info WHERE service_id = ?', [${sid}]);`).trim());
        await h.sim('POST', 'vm', { vmid: id, status: 'running' });
        await page.goto(`${h.base}/admin/clientsservices.php?id=${sid}`, { waitUntil: 'networkidle0' });
        await page.waitForSelector('#puq-novnc');
        await page.click('#puq-novnc');
        await page.waitForSelector('#puq-novnc-connect', { visible: true, timeout: 10000 });
        const url = await page.$eval('#puq-novnc-link', (a) => a.href);
        h.check(url.startsWith(`https://${process.env.PUQ_CONSOLE_DOMAIN}/vncproxy/${id}/`), `link ${url}`);
        const tab = await connect(page, '#puq-novnc-link');
        await assertConsoleWorks(h, tab, id, 'admin-console-bios.png');
        await h.shot(tab, 'admin-console.png');
        await tab.close();
        const logged = h.php(`echo Harness::value("SELECT description FROM tblactivitylog WHERE description LIKE '%noVNC console of service #${sid}%' ORDER BY id DESC LIMIT 1");`);
        h.check(logged.includes(`VM ${id}`) && logged.includes('admin'), `activity log: ${logged}`);
        // A GET makes no link.
        const r = await page.evaluate(async () => (await fetch(location.href + '&puq_action=console')).status);
        h.check(r >= 400, `GET answered ${r}`);
        await page.ctx.close();
    });
}
