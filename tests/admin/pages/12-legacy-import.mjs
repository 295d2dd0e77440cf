// Dashboard: the panel reporting the import from PUQ Customization / v2 — what was imported, what was skipped
// and why — after an activation that met legacy tables with bad rows (nothing of them is imported, so the
// other pages' sample data stays as it is). The legacy tables and the report are removed afterwards.
export default async function (h) {
    const P = 'puq_customization_module_puq_proxmox_kvm_';
    await h.test('legacy import report on the dashboard', async () => {
        try {
            const out = h.php(`
                Harness::exec("CREATE TABLE ${P}ip_pools (id INT AUTO_INCREMENT PRIMARY KEY, server_id INT, bridge VARCHAR(32),
                    gateway VARCHAR(45), mask VARCHAR(8), address_start VARCHAR(45), address_stop VARCHAR(45))");
                Harness::insert('${P}ip_pools', ['server_id' => ${h.seed.server_id}, 'bridge' => 'vmbr0', 'gateway' => '192.0.2.1',
                    'mask' => '99', 'address_start' => '192.0.2.10', 'address_stop' => '192.0.2.20']);
                Harness::exec("CREATE TABLE ${P}dns_zones (id INT AUTO_INCREMENT PRIMARY KEY, name VARBINARY(255), type VARCHAR(32))");
                Harness::insert('${P}dns_zones', ['name' => "bad\\xFFzone.com <b id=\\"puq-xss\\">x</b>", 'type' => 'cloudflare']);
                echo json_encode(Harness::callAddon('activate'));
            `);
            const r = JSON.parse(out);
            h.eq(r.status, 'success', `activation: ${out}`);
            h.check(/Legacy import \(PUQ Customization \/ v2\): IP pools: 0 imported, 1 skipped; DNS zones: 0 imported, 1 skipped/.test(r.description),
                `activation message: ${r.description}`);
            const page = await h.page();
            await h.open(page, 'dashboard');
            await page.waitForSelector('#puq-legacy-import');
            const text = await h.text(page, '#puq-legacy-import');
            h.check(/Import from PUQ Customization \/ v2/.test(text), `panel title: ${text}`);
            h.check(/Skipped: legacy pool #1: mask must be 8-32 for IPv4, got 99/.test(text), `pool reason: ${text}`);
            h.check(/Skipped: legacy zone #1: name 'bad\\xFFzone\.com <b id="puq-xss">x<\/b>' is not UTF-8 text/.test(text), `zone reason: ${text}`);
            h.eq(await page.$$eval('#puq-xss', (e) => e.length), 0, 'the legacy name is shown as text');
            await page.$eval('#puq-legacy-import', (e) => e.scrollIntoView());
            await h.shot(page, 'dashboard-legacy-import.png');
            await page.ctx.close();
        } finally {
            h.php(`
                Harness::exec('DROP TABLE IF EXISTS ${P}ip_pools, ${P}dns_zones');
                Harness::exec("DELETE FROM puqProxmoxKVM_settings WHERE name = 'legacy_import_report'");
            `);
        }
    });
}
