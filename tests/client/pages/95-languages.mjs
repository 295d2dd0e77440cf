// The client area in the client's language: right to left for Arabic, and no English sentence left on any page
// in a language whose lang file exists (the English values of the lang file, where the translation differs, are
// the list searched for). Screenshots client-overview-de.png and client-overview-ar.png.
import { englishLeft, languagesPresent } from '../../admin/pages/_lang.mjs';

export default async function (h) {
    const s = h.seed.services;
    const dir = 'servers/puqProxmoxKVM';

    await h.test('languages: German and Arabic overview, right to left, bad language names', async () => {
        const page = await h.page();
        await h.svc(page, s.ready, '', '&language=german');
        await page.waitForSelector('#puq-status-badge');
        h.eq(await page.$eval('#puq-client', (e) => [e.dir, e.lang].join(' ')), 'ltr de', 'German: ltr, lang de');
        await h.shot(page, 'client-overview-de.png');
        await h.svc(page, s.ready, '', '&language=arabic');
        h.eq(await page.$eval('#puq-client', (e) => [e.dir, e.lang].join(' ')), 'rtl ar', 'Arabic: dir rtl, lang ar');
        // The mirrored layout: the power buttons sit left of the host name; addresses stay left to right.
        const [head, power] = await page.$$eval(['#puq-hostname', '.puq-power'].join(','), (els) => els.map((e) => e.getBoundingClientRect().left));
        h.check(power < head, `power buttons (${power}) left of the host name (${head}) in RTL`);
        h.eq(await page.$eval('#puq-ips code', (e) => getComputedStyle(e).direction), 'ltr', 'an IP address is written left to right');
        await page.waitForFunction(() => document.querySelector('#puq-status-badge').textContent.trim() !== '');
        await h.shot(page, 'client-overview-ar.png');
        // A language name that is not a file: English, no PHP warning (the shell fails the page on one).
        for (const bad of ['../../etc/passwd', 'english.php%00', 'x'.repeat(2048)]) {
            const r = await h.svc(page, s.ready, '', `&language=${encodeURIComponent(bad)}`);
            h.eq(r.status(), 200, `language ${bad.slice(0, 20)}: page shown`);
            h.eq(await page.$eval('#puq-client', (e) => [e.dir, e.lang].join(' ')), 'ltr en', `language ${bad.slice(0, 20)}: English`);
        }
        await h.svc(page, s.ready, '', '&language=english');
        await page.ctx.close();
    });

    await h.test('languages: no English sentence on any client page', async () => {
        const langs = languagesPresent(h, dir);
        h.eq(langs.length, 24, 'server module lang files besides english.php (the spec\'s languages)');
        const pages = [[s.ready, ''], [s.ready, 'charts'], [s.ready, 'reinstall'], [s.ready, 'reset_password'], [s.ready, 'rdns'],
            [s.protect, 'snapshots'], [s.protect, 'backups'], [s.protect, 'iso'], [s.protect, 'firewall']];
        const page = await h.page();
        for (const lang of langs) {
            for (const [sid, name] of pages) {
                await h.svc(page, sid, name, `&language=${lang}`);
                await page.waitForSelector('#puq-client');
                const left = await englishLeft(h, page, dir, lang, '#puq-client');
                h.check(left.length === 0, `${lang} ${name || 'overview'}: English left: ${JSON.stringify(left.slice(0, 5))}`);
            }
        }
        await h.svc(page, s.ready, '', '&language=english');
        await page.ctx.close();
    });
}
