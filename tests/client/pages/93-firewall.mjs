// Firewall: policies saved, rules added through the modal (checked as Proxmox checks them), reordered by a real mouse
// drag and by keyboard up/down, deleted; a stale digest reloads instead of overwriting; the product's options and the
// anti-spoofing IP set stay; hostile comments are text.
import { flashText, clickConfirm, clearFlash, simVm, vmid, sleep } from './_lib.mjs';

export default async function (h) {
    const sid = h.seed.services.protect;
    const id = vmid(h, sid);
    const fw = async () => (await simVm(h, id)).firewall;

    async function addRule(page, r) {
        await clearFlash(page);
        await page.click('#puq-fw-add');
        await page.waitForSelector('#puq-fw-modal.show', { visible: true });
        await sleep(350);
        for (const [k, v] of Object.entries(r)) {
            if (['dir', 'rule_action', 'proto'].includes(k)) await page.select(`#puq-fw-${k}`, v);
            else await page.type(`#puq-fw-${k}`, v);
        }
        await page.click('#puq-fw-submit');
    }

    await h.test('firewall: policies, add, drag, keyboard, delete, stale digest, bad rules', async () => {
        const optsBefore = (await fw()).options;
        const ipsets = Object.keys((await fw()).ipsets);
        const page = await h.page();
        await h.svc(page, sid, 'firewall');
        await page.select('#puq-policy-in', 'DROP');
        await page.click('#puq-policy-save');
        h.check((await flashText(page)).text.includes('saved'), 'policies saved');
        let f = await fw();
        h.eq(f.options.policy_in, 'DROP', 'policy_in in Proxmox');
        for (const k of ['enable', 'ipfilter', 'macfilter', 'dhcp']) h.eq(JSON.stringify(f.options[k]), JSON.stringify(optsBefore[k]), `option ${k} untouched`);
        // Three rules through the modal (each goes on top).
        const rules = [
            { dir: 'in', rule_action: 'DROP', proto: 'tcp', dport: '25', comment: 'no smtp' },
            { dir: 'in', rule_action: 'ACCEPT', proto: 'tcp', source: '203.0.113.0/24', dport: '80,443', comment: `web ${h.seed.xss}` },
            { dir: 'in', rule_action: 'ACCEPT', proto: 'tcp', dport: '22', comment: 'ssh' },
        ];
        for (const r of rules) {
            await addRule(page, r);
            const fa = await flashText(page);
            h.check(fa.text.includes('added'), `added: ${fa.text}`);
            await page.waitForSelector('#puq-fw-modal', { hidden: true });
            await sleep(300);
        }
        f = await fw();
        h.eq(f.rules.map((r) => r.comment).join('|'), `ssh|web ${h.seed.xss}|no smtp`, 'three rules, newest first');
        h.eq(f.rules[0].enable, 1, 'enabled');
        h.eq(await h.text(page, '#puq-fw-count'), '3', 'count badge');
        h.check((await h.text(page, '#puq-fw-rules')).includes(`web ${h.seed.xss}`), 'hostile comment as text');
        await h.noXss(page);
        h.check(!(await page.$('#puq-fw-off')), 'the product\'s firewall is on');
        await page.$eval('#puq-fw-count', (e) => e.closest('.card').scrollIntoView());
        await h.shot(page, 'client-firewall.png');
        // Bad rules in the modal: a field error, nothing sent.
        for (const [r, field] of [[{ proto: 'tcp', dport: '70000' }, 'dport'], [{ proto: 'tcp', dport: '1:2:3' }, 'dport'],
            [{ source: '10.0.0.0/33' }, 'source']]) {
            await addRule(page, r);
            await page.waitForSelector(`#puq-fw-${field}.is-invalid`, { timeout: 5000 });
            if (field === 'dport' && r.dport === '70000') await h.shot(page, 'client-firewall-add.png');
            await page.click('#puq-fw-modal [data-dismiss="modal"]');
            await page.waitForSelector('#puq-fw-modal', { hidden: true });
            await sleep(300);
        }
        h.eq((await fw()).rules.length, 3, 'bad rules added nothing');
        // A real mouse drag: the last rule (no smtp, #2) to the top.
        await page.$eval('#puq-fw-count', (e) => e.closest('.card').scrollIntoView());
        await sleep(200);
        const from = await (await page.$('#puq-fw-rules tr[data-pos="2"] .puq-fw-handle')).boundingBox();
        const to = await (await page.$('#puq-fw-rules tr[data-pos="0"]')).boundingBox();
        await clearFlash(page);
        await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
        await page.mouse.down();
        for (let i = 1; i <= 12; i++) {
            await page.mouse.move(from.x + from.width / 2, from.y + (to.y + 2 - from.y) * (i / 12));
            await sleep(40);
        }
        await page.mouse.up();
        h.check((await flashText(page)).text.includes('moved'), 'moved by drag');
        f = await fw();
        h.eq(f.rules.map((r) => r.comment).join('|'), `no smtp|ssh|web ${h.seed.xss}`, 'the drag reached Proxmox');
        // Keyboard: focus the down arrow of #0 and press Enter.
        await page.focus('#puq-fw-rules tr[data-pos="0"] .puq-fw-down');
        await page.keyboard.press('Enter');
        await sleep(800);
        f = await fw();
        h.eq(f.rules.map((r) => r.comment).join('|'), `ssh|no smtp|web ${h.seed.xss}`, 'keyboard move down');
        // A stale digest: an admin changes the rules meanwhile; the page's delete is refused and it reloads.
        // (Another tab moves a rule with the digest it read: the page's copy is now stale.)
        const staleDigest = (await h.act(page, sid, 'fw_rules', {}, 'GET')).json.data.digest;
        h.eq((await h.act(page, sid, 'fw_rule_move', { pos: 2, to: 0, digest: staleDigest })).status, 200, 'the other tab\'s move');
        const stale = await h.act(page, sid, 'fw_rule_delete', { pos: 0, digest: staleDigest });
        h.eq(stale.status, 409, 'stale digest refused');
        h.eq(stale.json.code, 'stale', 'stale code');
        h.eq((await fw()).rules.length, 3, 'nothing deleted with a stale digest');
        await clearFlash(page);
        await clickConfirm(page, '#puq-fw-rules tr[data-pos="0"] .puq-fw-delete');
        const fl = await flashText(page);
        h.check(fl.text.includes('changed meanwhile'), `stale message: ${fl.text}`);
        await sleep(800);
        h.eq((await fw()).rules.length, 3, 'the page reloaded the rules instead');
        // Now delete with the fresh digest.
        await clearFlash(page);
        await clickConfirm(page, '#puq-fw-rules tr[data-pos="0"] .puq-fw-delete');
        h.check((await flashText(page)).text.includes('deleted'), 'deleted');
        await sleep(500);
        h.eq((await fw()).rules.length, 2, 'deleted in Proxmox');
        // Bad moves.
        const d = (await h.act(page, sid, 'fw_rules', {}, 'GET')).json.data.digest;
        for (const [pos, toPos] of [[-1, 0], [0, 5], [9, 0]]) {
            const r = await h.act(page, sid, 'fw_rule_move', { pos, to: toPos, digest: d });
            h.eq(r.status, 400, `move ${pos}->${toPos} refused`);
        }
        h.eq((await h.act(page, sid, 'fw_rule_move', { pos: 0, to: 1 })).status, 400, 'move without digest refused');
        h.eq(JSON.stringify(Object.keys((await fw()).ipsets)), JSON.stringify(ipsets), 'anti-spoofing IP set untouched');
        await page.ctx.close();
    });
}
