// Reverse DNS: a PTR lands on the real PowerDNS; an address no zone covers opens a ticket; bad names are refused.
import { flashText, dbValue } from './_lib.mjs';

export default async function (h) {
    const s = h.seed.services;
    const pdnsRecords = () => JSON.parse(h.php(`require ${JSON.stringify(process.env.PUQ_ROOT + '/tests/harness/Dns.php')};
        echo json_encode(Pdns::records(${JSON.stringify(h.seed.pdns_zone)}));`));

    await h.test('rdns: save writes the PTR to PowerDNS and opens one ticket for the uncovered address', async () => {
        const page = await h.page();
        await h.svc(page, s.ready, 'rdns');
        h.check((await h.text(page, '#puq-client')).includes('DNS changes take 1-8 hours to propagate across servers.'), 'propagation note');
        await h.shot(page, 'client-rdns.png');
        const v4 = await page.$eval('input[data-address^="198.18.10."]', (i) => i.dataset.address);
        const v6 = await page.$eval('input[data-address^="fd00:77::"]', (i) => i.dataset.address);
        const set = async (addr, val) => page.$eval(`input[data-address="${addr}"]`, (i, v) => { i.value = v; }, val);
        await set(v4, 'mail.carol.example');
        await set(v6, 'v6.carol.example');
        await page.click('#puq-rdns-save');
        const f = await flashText(page);
        h.check(f.text.includes('Saved 2 change(s).') && /Support ticket #\d+ was opened/.test(f.text), `flash: ${f.text}`);
        const last = v4.split('.')[3];
        const recs = pdnsRecords();
        h.eq(JSON.stringify(recs[`${last}.10.18.198.in-addr.arpa. PTR`]), JSON.stringify(['mail.carol.example.']), 'PTR in PowerDNS');
        const t = JSON.parse(h.php(`echo json_encode(Harness::row('SELECT did, userid, service, title, message FROM tbltickets ORDER BY id DESC LIMIT 1'));`));
        h.eq(Number(t.did), h.seed.dept, 'ticket department');
        h.eq(Number(t.userid), h.seed.carol, 'ticket client');
        h.check(t.message.includes(`${v6} -> v6.carol.example`) && !t.message.includes(v4), `ticket lists only the uncovered address: ${t.message}`);
        h.eq(dbValue(h, 'SELECT ptr_name FROM puqProxmoxKVM_ip_addresses WHERE address = ?', [v6]), 'v6.carol.example', 'stored name');
        // Saving again without a change opens no second ticket.
        const before = dbValue(h, 'SELECT COUNT(*) FROM tbltickets');
        await page.reload({ waitUntil: 'networkidle0' });
        await page.click('#puq-rdns-save');
        const f2 = await flashText(page);
        h.check(f2.text.includes('Nothing changed'), `flash: ${f2.text}`);
        h.eq(dbValue(h, 'SELECT COUNT(*) FROM tbltickets'), before, 'no new ticket');
        await page.ctx.close();
    });

    await h.test('rdns: bad names are refused next to their field and change nothing', async () => {
        const page = await h.page();
        await h.svc(page, s.ready, 'rdns');
        const v4 = await page.$eval('input[data-address^="198.18.10."]', (i) => i.dataset.address);
        const tickets = dbValue(h, 'SELECT COUNT(*) FROM tbltickets');
        for (const bad of ['bad name.example', 'a'.repeat(300), '.', 'x' + h.seed.xss, 'nodots']) {
            const r = await h.act(page, s.ready, 'rdns_save', { [`ptr[${v4}]`]: bad });
            h.eq(r.status, 400, `refused: ${bad.slice(0, 20)}`);
            h.eq(r.json.field, `ptr[${v4}]`, 'field');
        }
        const foreign = await h.act(page, s.ready, 'rdns_save', { 'ptr[203.0.113.5]': 'x.example.com' });
        h.eq(foreign.status, 400, 'an address that is not the service\'s');
        h.eq(dbValue(h, 'SELECT ptr_name FROM puqProxmoxKVM_ip_addresses WHERE address = ?', [v4]), 'mail.carol.example', 'name unchanged');
        h.eq(dbValue(h, 'SELECT COUNT(*) FROM tbltickets'), tickets, 'no ticket');
        // In the browser: the field is marked and the message shown as text.
        await page.$eval(`input[data-address="${v4}"]`, (i) => { i.value = 'has space.example'; });
        await page.click('#puq-rdns-save');
        await page.waitForSelector(`input[data-address="${v4}"].is-invalid`);
        h.check((await flashText(page)).cls.includes('alert-danger'), 'error flash');
        await page.ctx.close();
    });
}
