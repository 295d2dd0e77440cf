// Shared helpers of the language tests (not a test file: run.mjs runs only NN-*.mjs).

/** The non-English lang files of a module (`servers/puqProxmoxKVM` or `addons/puq_proxmox_kvm`). */
export function languagesPresent(h, dir) {
    return JSON.parse(h.php(`echo json_encode(array_values(array_diff(array_map(static fn ($f) => basename($f, '.php'),
        glob(ROOTDIR . '/modules/${dir}/lang/*.php')), ['english'])));`));
}

/**
 * The English values of a module's lang file that must not appear on a page in `lang`: sentences (two words
 * or more, at least 12 characters, no placeholder) whose translation differs from English.
 */
const cache = new Map();
export function sentences(h, dir, lang) {
    const k = `${dir}/${lang}`;
    if (!cache.has(k)) {
        const v = dir.startsWith('servers') ? '_LANG' : '_ADDONLANG';
        cache.set(k, JSON.parse(h.php(`$read = static function ($f) { $_LANG = []; $_ADDONLANG = []; include $f; return $${v}; };
            $d = ROOTDIR . '/modules/${dir}/lang/'; $en = $read($d . 'english.php'); $tr = $read($d . ${JSON.stringify(lang)} . '.php');
            $out = [];
            foreach ($en as $key => $val) {
                if (isset($tr[$key]) && $tr[$key] !== $val && str_word_count($val) >= 2 && strlen($val) >= 12
                    && !preg_match('/\\{[^}]*\\}|%[sd]/', $val)) { $out[] = $val; }
            }
            echo json_encode($out);`)));
    }
    return cache.get(k);
}

/** The English sentences of the list found in `selector`'s text and its title/placeholder/aria-label/confirm texts. */
export async function englishLeft(h, page, dir, lang, selector) {
    const text = await page.$eval(selector, (el) => {
        // An option whose text is its value is data (a node, a storage, an email template's name), not a string.
        const root = el.cloneNode(true);
        root.querySelectorAll('option').forEach((o) => { if (o.textContent.trim() === o.value) o.remove(); });
        root.querySelectorAll('script, style, template').forEach((e) => e.remove());
        const parts = [root.textContent];
        root.querySelectorAll('[title],[placeholder],[aria-label],[data-confirm]').forEach((e) => {
            ['title', 'placeholder', 'aria-label', 'data-confirm'].forEach((a) => { if (e.hasAttribute(a)) parts.push(e.getAttribute(a)); });
        });
        return parts.join('\n').replace(/\s+/g, ' ');
    });
    return sentences(h, dir, lang).filter((s) => text.includes(s.replace(/\s+/g, ' ')));
}
