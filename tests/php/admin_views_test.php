<?php
/**
 * The admin page framework at the PHP boundary: access roles checked by the extension itself, writes only
 * when POSTed with a checked CSRF token, unknown names refused, field-named validation errors.
 */
require __DIR__ . '/../harness/bootstrap.php';

Harness::callAddon('activate');
$admin = Harness::createAdmin('admin');
$support = Harness::createAdmin('support', ['roleid' => 2]);
$disabled = Harness::createAdmin('gone', ['disabled' => 1]);

// Access: nobody, an unknown admin, a disabled admin, a role not ticked in Access Control.
foreach ([0 => 'not logged in', 9999 => 'does not exist', $disabled => 'is disabled', $support => 'has no access'] as $id => $why) {
    $r = puq_admin_ajax('settings.get', [], $id, false);
    assertSame(false, $r['ok']);
    assertSame(403, $r['status']);
    assertContains($why, $r['error']);
    $e = assertThrows(Throwable::class, fn () => puq_admin_page('dashboard', [], $id));
    assertContains($why, $e->getMessage());
}
Harness::setAddonSetting('access', '1,2');
assertSame(true, puq_admin_ajax('settings.get', [], $support, false)['ok']);
Harness::setAddonSetting('access', '1');

// Pages and actions are whitelisted.
$p = puq_admin_page('', [], $admin);
assertSame('dashboard', $p['page']);
assertSame('dashboard', $p['template']);
assertContains('settings', $p['nav']);
$e = assertThrows(Throwable::class, fn () => puq_admin_page('../../etc/passwd', [], $admin));
assertContains("no such page", $e->getMessage());
$r = puq_admin_ajax('nope', [], $admin, true);
assertSame(400, $r['status']);
assertContains("no such action 'nope'", $r['error']);

// A write without a checked token changes nothing.
$r = puq_admin_ajax('settings.save', ['default_timeout' => '42'], $admin, false);
assertSame(403, $r['status']);
assertContains('CSRF', $r['error']);
assertSame(10, puq_settings_get()['default_timeout']);

// Validation names the field; one bad value saves nothing.
$r = puq_admin_ajax('settings.save', ['heavy_timeout' => '90', 'default_timeout' => '-1'], $admin, true);
assertSame(400, $r['status']);
assertSame('default_timeout', $r['field']);
assertContains('between 1 and 300, got -1', $r['error']);
assertSame(60, puq_settings_get()['heavy_timeout']);
$r = puq_admin_ajax('settings.save', ['heavy_timeout' => '90'], $admin, true);
assertSame(true, $r['ok']);
assertSame(90, $r['data']['settings']['heavy_timeout']);

echo "OK\n";
