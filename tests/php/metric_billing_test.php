<?php
// Metric Billing configured only through the product panel: the toggle is
// rendered on by default, the panel's save path (puq_product_panel_save with
// the values the panel's script sends) stores it, and WHMCS's
// MetricProvider then reports Bandwidth Usage In / Out for the product's
// services; off through the panel reports nothing; settings stored before
// the toggle existed (format 1, metric_billing false that nobody chose)
// follow the default.
require __DIR__ . '/../harness/bootstrap.php';
require __DIR__ . '/../harness/Sim.php';
require __DIR__ . '/../harness/Deploy.php';
require __DIR__ . '/../harness/whmcs_usage_billing.php';
$puqAdmin = Harness::createAdmin('puq-admin');

Deploy::setUp();
Harness::loadServerModule();
$group = Harness::createServerGroup('KVM group', [Deploy::$server]);
$pid = Harness::createProduct(['name' => 'KVM metered', 'servergroup' => $group]);

/** The panel's HTML, as WHMCS shows it on configproducts.php?action=module-settings. */
function panelHtml(int $pid): string
{
    $_REQUEST = ['action' => 'module-settings', 'id' => (string) $pid];
    $_SERVER['REQUEST_URI'] = "/admin/configproducts.php?action=module-settings&id=$pid&module=puqProxmoxKVM";
    return puqProxmoxKVM_ConfigOptions([])['PUQ Proxmox KVM']['Description'];
}

/** What the panel's script (product_panel.js) posts: every [data-puq-field], a checkbox as 'on' or ''. */
function panelValues(string $html): array
{
    $attr = function (string $tag, string $name): ?string {
        return preg_match('~\s' . $name . '="([^"]*)"~', $tag, $m) ? html_entity_decode($m[1], ENT_QUOTES | ENT_HTML5) : null;
    };
    $out = [];
    preg_match_all('~<(input|select|textarea)\b([^>]*\bdata-puq-field="[^"]*"[^>]*)>(?:(.*?)</\1>)?~s', $html, $tags, PREG_SET_ORDER);
    foreach ($tags as $t) {
        $key = $attr($t[2], 'data-puq-field');
        if ($t[1] === 'select') {
            preg_match_all('~<option\b([^>]*)>~', $t[3] ?? '', $opts);
            $value = null;
            foreach ($opts[1] as $o) {
                $value ??= $attr($o, 'value');
                if (preg_match('~\sselected\b~', $o)) {
                    $value = $attr($o, 'value');
                    break;
                }
            }
            $out[$key] = (string) $value;
        } elseif ($t[1] === 'textarea') {
            $out[$key] = html_entity_decode($t[3] ?? '', ENT_QUOTES | ENT_HTML5);
        } elseif ($attr($t[2], 'type') === 'checkbox') {
            $out[$key] = preg_match('~\schecked\b~', $t[2]) ? 'on' : '';
        } else {
            $out[$key] = (string) $attr($t[2], 'value');
        }
    }
    return $out;
}

// ---- the toggle: rendered, on by default ----
$html = panelHtml($pid);
assertContains('data-puq-field="metric_billing"', $html);
assertContains('Metric billing', $html);
$values = panelValues($html);
// The whole form, as the script sends it: every setting of the panel has its field.
$settingKeys = array_diff(array_keys(puq_product_panel($pid)['settings']), ['novnc_key_set']);
assertSame([], array_values(array_diff($settingKeys, array_keys($values))), 'fields missing from the parsed panel');
assertSame('on', $values['metric_billing'], 'the Metric billing toggle is on by default');
assertTrue(puq_product_panel($pid)['settings']['metric_billing']);

// ---- the admin picks the template, no addresses, and clicks "Save Module Settings" ----
$values['os_template'] = '9000';
$values['ipv4_count'] = '0';
$values['ipv6_count'] = '0';
$saved = puq_product_panel_save($pid, $values, $puqAdmin);
assertTrue($saved['ok'], json_encode($saved));
assertSame(2, json_decode(Harness::value('SELECT settings FROM puqProxmoxKVM_product_settings WHERE product_id = ?', [$pid]), true)['_format']);

// ---- a service of that product, deployed, with traffic this month and last month ----
$sid = Deploy::order($pid);
for ($i = 0; $i < 6 && Deploy::status($sid) !== 'ready'; $i++) {
    Deploy::cron();
}
assertSame('ready', Deploy::status($sid));
Harness::update('tblhosting', ['domain' => 'metered.example.net'], ['id' => $sid]);
$hour = intdiv(time(), 3600) * 3600;
$gib = 1073741824;
Harness::insert('puqProxmoxKVM_statistics', ['service_id' => $sid, 'hour' => $hour, 'net_in' => 3 * $gib, 'net_out' => $gib / 2]);
Harness::insert('puqProxmoxKVM_statistics', ['service_id' => $sid, 'hour' => $hour - 40 * 86400, 'net_in' => 7 * $gib, 'net_out' => 7 * $gib]);

// ---- what WHMCS does: the module's MetricProvider with the server's params ----
$params = Harness::serverParams(Deploy::$server);
$provider = puqProxmoxKVM_MetricProvider($params);
assertTrue($provider instanceof \WHMCS\UsageBilling\Contracts\Metrics\ProviderInterface);
$names = array_map(fn ($m) => [$m->systemName(), $m->displayName(), $m->type(), $m->units()->name()], $provider->metrics());
assertSame([['bandwidth_in', 'Bandwidth Usage In', 'month', 'GB'], ['bandwidth_out', 'Bandwidth Usage Out', 'month', 'GB']], $names);
$usage = $provider->usage();
assertSame(['metered.example.net'], array_keys($usage));
$byName = fn (array $metrics) => array_combine(array_map(fn ($m) => $m->systemName(), $metrics), array_map(fn ($m) => $m->usage()->value(), $metrics));
assertSame(['bandwidth_in' => 3.0, 'bandwidth_out' => 0.5], $byName($usage['metered.example.net']), 'this month only, in GB');
assertSame(['bandwidth_in' => 3.0, 'bandwidth_out' => 0.5], $byName($provider->tenantUsage('metered.example.net')));

// ---- off through the panel: nothing reported; on again: reported ----
$values = panelValues(panelHtml($pid));
assertSame('on', $values['metric_billing'], 'the saved state is shown');
$values['metric_billing'] = '';
assertTrue(puq_product_panel_save($pid, $values, $puqAdmin)['ok']);
assertSame('', panelValues(panelHtml($pid))['metric_billing'], 'shown off after saving off');
assertSame([], puqProxmoxKVM_MetricProvider($params)->usage());
assertSame([], puqProxmoxKVM_MetricProvider($params)->tenantUsage('metered.example.net'));
$values['metric_billing'] = 'on';
assertTrue(puq_product_panel_save($pid, $values, $puqAdmin)['ok']);
assertSame(['metered.example.net'], array_keys(puqProxmoxKVM_MetricProvider($params)->usage()));

// ---- settings stored before the toggle existed: format 1, metric_billing false (no page could set it) ----
$stored = json_decode(Harness::value('SELECT settings FROM puqProxmoxKVM_product_settings WHERE product_id = ?', [$pid]), true);
unset($stored['_format']);
$stored['metric_billing'] = false;
Harness::exec('UPDATE puqProxmoxKVM_product_settings SET settings = ? WHERE product_id = ?', [json_encode($stored), $pid]);
assertTrue(puq_product_panel($pid)['settings']['metric_billing'], 'an older row follows the default');
assertSame('on', panelValues(panelHtml($pid))['metric_billing']);
assertSame(['metered.example.net'], array_keys(puqProxmoxKVM_MetricProvider($params)->usage()));
// …and the other settings of that row are kept.
assertSame('9000', puq_product_panel($pid)['settings']['os_template']);

echo "OK\n";
