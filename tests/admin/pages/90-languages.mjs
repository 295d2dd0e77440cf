// The admin pages in the admin's language (the session's admin language, as the shell's ?language= sets it):
// right to left for Hebrew, and no English sentence left on any addon page, the product's Module Settings panel
// or the service tab in a language whose lang file exists. Screenshots dashboard-pl.png, product-config-tr.png.
import { englishLeft, languagesPresent } from './_lang.mjs';

const ADDON = 'addons/puq_proxmox_kvm';
const SERVER = 'servers/puqProxmoxKVM';

async function product(h, page, lang) {
    await page.goto(`${h.base}/admin/configproducts.php?action=edit&id=${h.seed.product_id}&language=${lang}`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#puq-product-panel #puq-save');
}

async function service(h, page, lang) {
    await page.goto(`${h.base}/admin/clientsservices.php?id=${h.seed.services.ready[0]}&language=${lang}`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#puq-service');
}

export default async function (h) {
    await h.test('languages: Polish dashboard, Turkish product panel, Hebrew right to left, bad names', async () => {
        const page = await h.page();
        await h.open(page, 'dashboard', '&language=polish');
        await page.waitForSelector('#puq-health-cron tbody tr[data-task]');
        h.eq(await page.$eval('.puq-admin', (e) => [e.dir, e.lang].join(' ')), 'ltr pl', 'Polish: lang pl');
        await h.shot(page, 'dashboard-pl.png');
        await product(h, page, 'turkish');
        h.eq(await page.$eval('#puq-product-panel', (e) => [e.dir, e.lang].join(' ')), 'ltr tr', 'Turkish panel: lang tr');
        await h.shot(page, 'product-config-tr.png');
        await h.open(page, 'dashboard', '&language=hebrew');
        h.eq(await page.$eval('.puq-admin', (e) => e.dir), 'rtl', 'Hebrew: right to left');
        for (const bad of ['../../etc/passwd', 'english.php%00', 'x'.repeat(2048)]) {
            const r = await h.open(page, 'dashboard', `&language=${encodeURIComponent(bad)}`);
            h.eq(r.status(), 200, `language ${bad.slice(0, 20)}: page shown`);
            h.eq(await page.$eval('.puq-admin', (e) => [e.dir, e.lang].join(' ')), 'ltr en', `language ${bad.slice(0, 20)}: English`);
        }
        await page.ctx.close();
    });

    await h.test('languages: no English sentence on any admin page', async () => {
        const addonLangs = languagesPresent(h, ADDON);
        const serverLangs = languagesPresent(h, SERVER);
        // The spec's 24 languages besides English ship in both modules.
        h.eq(addonLangs.length, 24, 'addon lang files besides english.php');
        h.eq(serverLangs.length, 24, 'server module lang files besides english.php');
        const page = await h.page();
        for (const lang of addonLangs) {
            for (const name of ['dashboard', 'ip_pools', 'vms', 'settings', 'dns_zones']) {
                await h.open(page, name, `&language=${lang}`);
                const left = await englishLeft(h, page, ADDON, lang, '.puq-admin');
                h.check(left.length === 0, `${lang} ${name}: English left: ${JSON.stringify(left.slice(0, 5))}`);
            }
        }
        for (const lang of serverLangs) {
            await product(h, page, lang);
            let left = await englishLeft(h, page, SERVER, lang, '#puq-product-panel');
            h.check(left.length === 0, `${lang} product panel: English left: ${JSON.stringify(left.slice(0, 5))}`);
            await service(h, page, lang);
            left = await englishLeft(h, page, SERVER, lang, '#puq-service');
            h.check(left.length === 0, `${lang} service tab: English left: ${JSON.stringify(left.slice(0, 5))}`);
        }
        await h.open(page, 'dashboard', '&language=english');
        await page.ctx.close();
    });
}
