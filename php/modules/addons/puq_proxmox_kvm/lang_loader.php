<?php
/**
 * The addon's strings ($_ADDONLANG) in the admin's language. WHMCS hands the addon $vars['_lang'] from
 * lang/<admin language>.php (or the config's default language) without an English fallback per key; this
 * loader asks the extension for the admin's language (puq_lang_pick: the session's admin language, then
 * tbladmins.language; only names from its fixed list of WHMCS lang file names), loads lang/english.php and lays
 * that language's file over it: a missing file, one that does not parse, a missing or empty key show English.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/** ['language', 'locale', 'dir'] of the logged-in admin. */
function puqProxmoxKvmAddon_langInfo(): array
{
    static $cache = [];
    $user = (int) ($_SESSION['adminid'] ?? 0);
    $session = $_SESSION['adminlang'] ?? null;
    $session = is_string($session) ? $session : null;
    $id = $user . '|' . $session;
    if (isset($cache[$id])) {
        return $cache[$id];
    }
    $english = ['language' => 'english', 'locale' => 'en', 'dir' => 'ltr'];
    $info = function_exists('puq_lang_pick') ? puq_lang_pick('admin', $user, $session) : $english;
    if (!is_array($info) || !preg_match('/^[a-z][a-z-]{1,19}$/', (string) ($info['language'] ?? ''))) {
        $info = $english;
    }
    return $cache[$id] = $info;
}

/** The strings of one addon lang file (non-empty strings only); [] for a missing or broken file. */
function puqProxmoxKvmAddon_langFile(string $file): array
{
    if (!is_file($file)) {
        return [];
    }
    $read = static function (string $__file): array {
        $_ADDONLANG = [];
        try {
            include $__file;
        } catch (\Throwable $e) {
            return [];
        }
        return is_array($_ADDONLANG) ? $_ADDONLANG : [];
    };
    return array_filter($read($file), static function ($v) {
        return is_string($v) && $v !== '';
    });
}

/** Every addon string in the admin's language, English where that language lacks one. */
function puqProxmoxKvmAddon_lang(): array
{
    static $cache = [];
    $name = puqProxmoxKvmAddon_langInfo()['language'];
    if (!isset($cache[$name])) {
        $lang = puqProxmoxKvmAddon_langFile(__DIR__ . '/lang/english.php');
        if ($name !== 'english') {
            $lang = array_replace($lang, array_intersect_key(puqProxmoxKvmAddon_langFile(__DIR__ . '/lang/' . $name . '.php'), $lang));
        }
        $cache[$name] = $lang;
    }
    return $cache[$name];
}

/**
 * An English message of the extension in the admin's language: the lang key puq_message_key() finds for it
 * (behind an "Invalid value for '…': " or "Configuration error: " prefix too) with its parameters filled in,
 * else the text unchanged.
 */
function puqProxmoxKvmAddon_text(string $text): string
{
    if (!function_exists('puq_message_key')) {
        return $text;
    }
    $lang = puqProxmoxKvmAddon_lang();
    $found = puq_message_key('addon', $text);
    if (!is_array($found) && preg_match('/^(?:Configuration error|Invalid value for \'[^\']*\'): (.+)$/s', $text, $m)) {
        $found = puq_message_key('addon', $m[1]);
    }
    if (!is_array($found) || !isset($lang[$found['key'] ?? ''])) {
        return $text;
    }
    $swap = [];
    foreach ((array) ($found['params'] ?? []) as $k => $v) {
        $swap['{' . $k . '}'] = is_scalar($v) ? (string) $v : '';
    }
    return strtr($lang[$found['key']], $swap);
}
