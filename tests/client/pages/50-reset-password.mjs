// Reset password: queued once, applied live through the guest agent (no restart), cloud-init updated, email sent.
import { clickConfirm, flashText, cronUntil, vmStatus, simRequests, simVm, vmid } from './_lib.mjs';

export default async function (h) {
    const s = h.seed.services;
    await h.test('reset password: live through the guest agent, stored in cloud-init and WHMCS, one per double click', async () => {
        const page = await h.page();
        await h.svc(page, s.ready, 'reset_password');
        h.check((await h.text(page, '#puq-client')).includes('Password reset requires cloud-init packages installed on the VM.'), 'cloud-init note');
        await h.shot(page, 'client-reset-password.png');
        const oldPw = h.php(`echo harness_decrypt((string) Harness::value('SELECT password FROM tblhosting WHERE id = ?', [${s.ready}]));`);
        await clickConfirm(page, '#puq-reset-password');
        const f = await flashText(page);
        h.check(f.text.includes('The password reset has started'), `flash: ${f.text}`);
        h.eq(vmStatus(h, s.ready), 'reset_password', 'queued');
        // A second request (another tab, a script) while it runs: refused, nothing queued twice.
        const again = await h.act(page, s.ready, 'reset_password');
        h.eq(again.status, 409, 'second reset refused');
        const newPw = h.php(`echo harness_decrypt((string) Harness::value('SELECT password FROM tblhosting WHERE id = ?', [${s.ready}]));`);
        h.check(newPw.length >= 12 && newPw !== oldPw, 'a new password is stored in WHMCS with the request');
        await h.sim('DELETE', 'requests');
        const id = vmid(h, s.ready);
        const run = cronUntil(h, s.ready, 'ready');
        h.eq(run.state, 'ready', 'the cron finishes the reset');
        h.check(run.emails.includes('puqProxmoxKVM Reset password'), `Reset password email sent: ${run.emails}`);
        const reqs = await simRequests(h);
        const keys = reqs.map((q) => q.key);
        const agent = reqs.find((q) => q.key === 'POST /nodes/{node}/qemu/{vmid}/agent/set-user-password');
        h.check(agent && agent.params.username === 'root', `agent set-user-password sent: ${keys.join(' | ')}`);
        h.eq(agent.params.password, newPw, 'the guest gets the password WHMCS stored');
        h.check(!keys.includes('POST /nodes/{node}/qemu/{vmid}/status/stop') && !keys.includes('POST /nodes/{node}/qemu/{vmid}/status/shutdown'), 'no restart');
        const cfg = reqs.find((q) => (q.key === 'PUT /nodes/{node}/qemu/{vmid}/config' || q.key === 'POST /nodes/{node}/qemu/{vmid}/config') && q.params.cipassword);
        h.check(cfg, 'cloud-init password written');
        h.eq((await simVm(h, id)).status, 'running', 'VM kept running');
        await page.ctx.close();
    });
}
