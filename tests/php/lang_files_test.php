<?php
// Every language file present in either module (lang/*.php) and every email translation (lang/emails/*.json):
// a name WHMCS uses (the module's fixed list), valid PHP (php -l), exactly English's keys, the same placeholders
// in each value as English (%s %d %1$s, {name} / {0}, {$merge_field}, HTML tags and entities), no empty value,
// and at least 95 % of the values different from English (a copy is not a translation); and every one of the
// spec's 25 languages ships, in both modules and as emails.
require __DIR__ . '/../harness/bootstrap.php';

$root = dirname(__DIR__, 2) . '/php/modules';
$modules = [
    'servers' => [$root . '/servers/puqProxmoxKVM/lang', '_LANG'],
    'addons' => [$root . '/addons/puq_proxmox_kvm/lang', '_ADDONLANG'],
];

function langRead(string $file, string $var): array
{
    return (static function (string $__file, string $__var) {
        $_LANG = [];
        $_ADDONLANG = [];
        include $__file;
        return $__var === '_LANG' ? $_LANG : $_ADDONLANG;
    })($file, $var);
}

/** The placeholders of a value as a sorted list (a multiset). */
function langPlaceholders(string $s): array
{
    preg_match_all('/%(?:\d+\$)?[sd]|\{\$?[A-Za-z0-9_]+\}|<\/?[a-zA-Z][a-zA-Z0-9]*\b[^>]*>|&[a-z]+;|&#\d+;/', $s, $m);
    $p = $m[0];
    sort($p);
    return $p;
}

/** What is wrong with a translation `$file` of `$english` (a list of problems; [] when it is right). */
function langProblems(array $english, string $file, string $var, bool $isEnglish): array
{
    $problems = [];
    exec(escapeshellarg(PHP_BINARY) . ' -l ' . escapeshellarg($file) . ' 2>&1', $out, $rc);
    if ($rc !== 0) {
        return ['not valid PHP: ' . implode(' ', $out)];
    }
    $lang = langRead($file, $var);
    foreach (array_keys(array_diff_key($english, $lang)) as $k) {
        $problems[] = "lacks $k";
    }
    foreach (array_keys(array_diff_key($lang, $english)) as $k) {
        $problems[] = "has $k, which English does not have";
    }
    $same = 0;
    foreach ($english as $k => $v) {
        if (!array_key_exists($k, $lang)) {
            continue;
        }
        $t = $lang[$k];
        if (!is_string($t) || trim($t) === '') {
            $problems[] = "$k is empty";
            continue;
        }
        if (langPlaceholders($v) !== langPlaceholders($t)) {
            $problems[] = "$k: placeholders " . json_encode(langPlaceholders($t)) . ' instead of ' . json_encode(langPlaceholders($v));
        }
        if ($t === $v) {
            $same++;
        }
    }
    if (!$isEnglish && $same > 0.05 * count($english)) {
        $problems[] = sprintf('%d of %d values (%.1f %%) equal English (at most 5 %%)', $same, count($english), 100 * $same / count($english));
    }
    return $problems;
}

// The checker itself fails on what it must catch: a pseudo-translation of English passes; a copy, a missing
// key, an extra key, an empty value, a lost placeholder and a parse error each fail.
$tmp = sys_get_temp_dir() . '/puq-lang-' . getmypid();
@mkdir($tmp);
$en = langRead($modules['servers'][0] . '/english.php', '_LANG');
$write = static function (array $values, string $name, string $extra = '') use ($tmp): string {
    $f = "$tmp/$name.php";
    $src = "<?php\n";
    foreach ($values as $k => $v) {
        $src .= '$_LANG[' . var_export($k, true) . '] = ' . var_export($v, true) . ";\n";
    }
    file_put_contents($f, $src . $extra);
    return $f;
};
$pseudo = array_map(static function ($v) {
    // Letters outside placeholders and tags become upper case with a mark: different from English, same placeholders.
    return preg_replace_callback('/(\{\$?[A-Za-z0-9_]+\}|%(?:\d+\$)?[sd]|<[^>]*>|&[a-z]+;|&#\d+;)|([^{%<&]+|[{%<&])/', static function ($m) {
        return $m[1] !== '' ? $m[1] : '«' . mb_strtoupper($m[2]) . '»';
    }, $v);
}, $en);
try {
    assertSame([], langProblems($en, $write($pseudo, 'pseudo'), '_LANG', false), 'a full pseudo-translation passes');
    assertTrue(langProblems($en, $write($en, 'copy'), '_LANG', false) !== [], 'a copy of English fails');
    $k0 = array_key_first($en);
    $missing = $pseudo;
    unset($missing[$k0]);
    assertContains("lacks $k0", implode("\n", langProblems($en, $write($missing, 'missing'), '_LANG', false)));
    assertContains('has extra_key', implode("\n", langProblems($en, $write($pseudo + ['extra_key' => 'x'], 'extra'), '_LANG', false)));
    assertContains("$k0 is empty", implode("\n", langProblems($en, $write([$k0 => ''] + $pseudo, 'empty'), '_LANG', false)));
    $ph = $pseudo;
    $ph['client_v_fw_port_range'] = 'Port liegt außerhalb';
    assertContains('client_v_fw_port_range: placeholders', implode("\n", langProblems($en, $write($ph, 'placeholder'), '_LANG', false)));
    assertContains('not valid PHP', implode("\n", langProblems($en, $write($pseudo, 'broken', '$x = ;'), '_LANG', false)));
} finally {
    array_map('unlink', glob("$tmp/*"));
    @rmdir($tmp);
}

$checked = [];
foreach ($modules as $module => [$dir, $var]) {
    $english = langRead($dir . '/english.php', $var);
    assertTrue(count($english) > 100, "$module: English has its keys");
    foreach ($english as $k => $v) {
        assertTrue(is_string($v) && $v !== '', "$module english: $k is a non-empty string");
    }
    foreach (glob($dir . '/*.php') as $file) {
        $name = basename($file, '.php');
        // Only names the extension would ever load.
        $info = puq_lang_pick('client', 0, $name);
        assertSame($name, $info['language'], "$module/$name.php is a WHMCS lang file name of the module's list");
        $problems = langProblems($english, $file, $var, $name === 'english');
        assertSame([], array_slice($problems, 0, 20), "$module/$name.php (" . count($problems) . ' problems)');
        $checked[] = "$module/$name";
    }
}

// The spec's 25 languages ship in both modules (portuguese-br / portuguese-pt are optional extras).
$spec = ['arabic', 'azerbaijani', 'catalan', 'chinese', 'croatian', 'czech', 'danish', 'dutch', 'english', 'estonian',
    'farsi', 'french', 'german', 'hebrew', 'hungarian', 'italian', 'macedonian', 'norwegian', 'polish', 'romanian',
    'russian', 'spanish', 'swedish', 'turkish', 'ukranian'];
foreach (array_keys($modules) as $module) {
    $missing = array_values(array_filter($spec, static function ($l) use ($checked, $module) {
        return !in_array("$module/$l", $checked, true);
    }));
    assertSame([], $missing, "$module: a lang file for every language of the spec");
}

// Email templates: one JSON per language, the five names, subject + body lines, the same merge fields.
$edir = $root . '/addons/puq_proxmox_kvm/lang/emails';
$eng = json_decode((string) file_get_contents($edir . '/english.json'), true);
assertSame(['puqProxmoxVKM Welcome Email', 'puqProxmoxKVM VM is ready', 'puqProxmoxKVM Reset password',
    'puqProxmoxKVM Backup restored', 'puqProxmoxKVM Upgrade Email'], array_keys($eng));
foreach (glob($edir . '/*.json') as $file) {
    $name = basename($file, '.json');
    assertSame($name, puq_lang_pick('client', 0, $name)['language'], "emails/$name.json is a WHMCS language name");
    $t = json_decode((string) file_get_contents($file), true);
    assertTrue(is_array($t), "emails/$name.json is valid JSON");
    assertSame(array_keys($eng), array_keys($t), "emails/$name.json has exactly the five templates");
    foreach ($eng as $tpl => $e) {
        assertSame(['subject', 'body'], array_keys($t[$tpl]), "emails/$name.json: $tpl has subject and body");
        assertTrue(is_string($t[$tpl]['subject']) && trim($t[$tpl]['subject']) !== '', "emails/$name.json: $tpl subject");
        assertTrue(is_array($t[$tpl]['body']) && count($t[$tpl]['body']) > 3, "emails/$name.json: $tpl body lines");
        foreach ($t[$tpl]['body'] as $line) {
            assertTrue(is_string($line) && strpos($line, '<') === false, "emails/$name.json: $tpl plain text lines");
        }
        $ph = static function (array $x): array {
            return langPlaceholders($x['subject'] . "\n" . implode("\n", $x['body']));
        };
        assertSame($ph($e), $ph($t[$tpl]), "emails/$name.json: $tpl keeps the merge fields");
        if ($name !== 'english') {
            assertTrue($t[$tpl]['subject'] !== $e['subject'] && $t[$tpl]['body'] !== $e['body'], "emails/$name.json: $tpl is translated");
        }
    }
    $checked[] = "emails/$name";
}
foreach ($spec as $l) {
    assertTrue(in_array("emails/$l", $checked, true), "emails/$l.json ships");
}

echo 'checked ' . count($checked) . ' files: ' . implode(', ', $checked) . "\n";
echo "OK\n";
