<?php
/**
 * The module's strings in the reader's language. The extension names the language (puq_lang_pick: the WHMCS
 * session language, then the client's or admin's profile, then the system default; only names from its fixed
 * list of WHMCS lang file names); this file loads lang/english.php and lays that language's file over it, so a
 * missing file, a file that does not parse or a missing or empty key shows English. No other path is read.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

/** ['language' => file name, 'locale' => BCP 47 tag, 'dir' => 'ltr'|'rtl'] of the reader ('client' or 'admin'). */
function puqProxmoxKVM_langInfo(string $area): array
{
    static $cache = [];
    $admin = $area === 'admin';
    $user = (int) ($admin ? ($_SESSION['adminid'] ?? 0) : ($_SESSION['uid'] ?? 0));
    $session = $admin ? ($_SESSION['adminlang'] ?? null) : ($_SESSION['Language'] ?? null);
    $session = is_string($session) ? $session : null;
    $id = ($admin ? 'a' : 'c') . $user . '|' . $session;
    if (isset($cache[$id])) {
        return $cache[$id];
    }
    $english = ['language' => 'english', 'locale' => 'en', 'dir' => 'ltr'];
    $info = function_exists('puq_lang_pick') ? puq_lang_pick($admin ? 'admin' : 'client', $user, $session) : $english;
    // The extension only returns names of its list; checked again because a path is built from it.
    if (!is_array($info) || !preg_match('/^[a-z][a-z-]{1,19}$/', (string) ($info['language'] ?? ''))) {
        $info = $english;
    }
    return $cache[$id] = $info;
}

/** The strings of one lang file (only non-empty strings count); [] for a missing or broken file. */
function puqProxmoxKVM_langFile(string $file): array
{
    if (!is_file($file)) {
        return [];
    }
    $read = static function (string $__file): array {
        $_LANG = [];
        try {
            include $__file;
        } catch (\Throwable $e) {
            return [];
        }
        return is_array($_LANG) ? $_LANG : [];
    };
    return array_filter($read($file), static function ($v) {
        return is_string($v) && $v !== '';
    });
}

/** Every string of the module in the reader's language, English where the language lacks one. */
function puqProxmoxKVM_langFor(string $area): array
{
    static $cache = [];
    $info = puqProxmoxKVM_langInfo($area);
    $name = $info['language'];
    if (!isset($cache[$name])) {
        $dir = __DIR__ . '/../lang/';
        $lang = puqProxmoxKVM_langFile($dir . 'english.php');
        if ($name !== 'english') {
            $lang = array_replace($lang, array_intersect_key(puqProxmoxKVM_langFile($dir . $name . '.php'), $lang));
        }
        $cache[$name] = $lang;
    }
    return $cache[$name];
}

/**
 * A message from the extension in the reader's language: its key's text with the {name} parameters filled in,
 * or the extension's English text when the lang file has no such key.
 */
function puqProxmoxKVM_langMessage(array $lang, string $key, array $params, string $fallback): string
{
    $text = ($key !== '' && isset($lang[$key])) ? $lang[$key] : $fallback;
    $swap = [];
    foreach ($params as $k => $v) {
        if (is_scalar($v)) {
            $swap['{' . $k . '}'] = (string) $v;
        }
    }
    return strtr($text, $swap);
}

/**
 * An English message of the extension in the reader's language: the lang key the extension finds for it
 * (puq_message_key, $area 'client' / 'server_admin' / 'addon') with its parameters, else the text unchanged. A
 * message behind a "Configuration error: " or "Invalid value for '…': " prefix is looked up without it.
 */
function puqProxmoxKVM_langText(array $lang, string $area, string $text): string
{
    if (!function_exists('puq_message_key') || $text === '') {
        return $text;
    }
    $found = puq_message_key($area, $text);
    if (!is_array($found) && preg_match('/^(?:Configuration error|Invalid value for \'[^\']*\'): (.+)$/s', $text, $m)) {
        $found = puq_message_key($area, $m[1]);
    }
    if (!is_array($found) || !isset($lang[$found['key'] ?? ''])) {
        return $text;
    }
    return puqProxmoxKVM_langMessage($lang, $found['key'], (array) ($found['params'] ?? []), $text);
}
