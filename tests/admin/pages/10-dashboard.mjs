// Dashboard: the spec's cards and the health strip.
export default async function (h) {
    await h.test('cards and health strip', async () => {
        const page = await h.page();
        await h.open(page, 'dashboard');
        await page.waitForSelector('#puq-health-cron tbody tr[data-task]');
        await page.waitForSelector('#puq-health-servers tbody tr[data-server]');
        h.eq(await h.text(page, '#puq-card-ip-pools .puq-card-value'), '4', 'IP pools card');
        h.eq(await h.text(page, '#puq-card-vms .puq-card-value'), '30', 'VM card');
        const active = Number(await h.text(page, '#puq-card-services .puq-card-value'));
        h.check(active > 20 && active < 30, `active KVM services: ${active}`);
        h.eq(await h.text(page, '#puq-health-errors .puq-n'), '2', 'VMs in error (failed deploy + error_terminate)');
        const process = await h.text(page, '#puq-health-cron tr[data-task="process_vms"]');
        h.check(/on schedule/.test(process), `Process VMs ran a minute ago: ${process}`);
        const up = await h.text(page, `#puq-health-servers tr[data-server="${h.seed.server_id}"]`);
        h.check(/reachable \(Proxmox VE/.test(up), `simulator reachable: ${up}`);
        const down = await h.text(page, `#puq-health-servers tr[data-server="${h.seed.down_server_id}"]`);
        h.check(/unreachable/.test(down), `down server: ${down}`);
        await h.shot(page, 'dashboard.png');
        await page.ctx.close();
    });
}
