// Browser tests of the addon's admin pages: Debian's chromium, headless, driven by puppeteer-core.
//
// Environment (set by tests/admin-pages.sh): PUQ_SHELL_URL (http://127.0.0.1:PORT), PUQ_SEED (JSON file the
// seed printed), PUQ_SCREENSHOTS (directory), PUQ_CHROMIUM (default /usr/bin/chromium), PUQ_PAGES_DIR (the test
// files; default tests/admin/pages), PUQ_LOGIN (admin|client: whom h.page(id) logs in), PUQ_EXT and PUQ_ROOT
// (h.php runs PHP with the extension on the shell's database), PUQ_SIM_HTTP_PORT (h.sim: the simulator's control API).
// Every file tests/admin/pages/*.mjs exports `default async function (h)` and is run in name order; see
// README.md. The run fails on a failed check, a JavaScript console error or page error on any page, and any
// secret of the seed found in any response body (HTML or JSON) of the whole run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import puppeteer from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const base = process.env.PUQ_SHELL_URL;
const seed = JSON.parse(fs.readFileSync(process.env.PUQ_SEED, 'utf8'));
const shots = process.env.PUQ_SCREENSHOTS || path.join(here, '../../target/screenshots');
const only = process.env.PUQ_ONLY || '';
const pagesDir = process.env.PUQ_PAGES_DIR || path.join(here, 'pages');
const clientArea = process.env.PUQ_LOGIN === 'client';
fs.mkdirSync(shots, { recursive: true });

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'puq-chromium-'));
const browser = await puppeteer.launch({
    executablePath: process.env.PUQ_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    userDataDir,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--window-size=1366,768',
        // The console proxy's own certificate (tests/admin-pages.sh), and no other.
        ...(process.env.PUQ_CHROMIUM_SPKI ? [`--ignore-certificate-errors-spki-list=${process.env.PUQ_CHROMIUM_SPKI}`] : [])],
    defaultViewport: { width: 1366, height: 768 },
});

let passed = 0;
let failed = 0;
const consoleErrors = [];
const bodies = []; // [url, body] of every response, for the secret check

class CheckError extends Error {}

function makeHelpers(file) {
    const h = {
        seed,
        base,
        admin: `${base}/admin/addonmodules.php?module=puq_proxmox_kvm`,
        /** A new tab with console/page-error and response recording, logged in as `adminId` (default admin). */
        async page(adminId = clientArea ? seed.carol : seed.admin_id) {
            const ctx = await browser.createBrowserContext();
            const page = await ctx.newPage();
            await page.setViewport({ width: 1366, height: 768 });
            page.on('console', (m) => {
                if (m.type() === 'error') {
                    const loc = m.location();
                    // A 4xx/5xx answer to our own AJAX call is logged by chromium as a resource error; the
                    // tests that provoke one check the answer itself.
                    if (/Failed to load resource: the server responded with a status of (400|403|404|405|409|429|502)/.test(m.text())) return;
                    consoleErrors.push(`${file}: ${m.text()} (${loc && loc.url})`);
                }
            });
            page.on('pageerror', (e) => consoleErrors.push(`${file}: page error: ${e.message}`));
            page.on('response', async (r) => {
                try {
                    const ct = r.headers()['content-type'] || '';
                    if (/html|json|javascript|text/.test(ct)) bodies.push([r.url(), await r.text()]);
                } catch { /* redirects and aborted requests have no body */ }
            });
            if (adminId) {
                await page.goto(clientArea ? `${base}/login.php?uid=${adminId}` : `${base}/admin/login.php?id=${adminId}`, { waitUntil: 'load' });
            }
            page.ctx = ctx;
            return page;
        },
        /** Opens an addon page and waits for its AJAX to settle. */
        async open(page, name, query = '') {
            const resp = await page.goto(`${h.admin}&page=${name}${query}`, { waitUntil: 'networkidle0' });
            await h.noXss(page);
            return resp;
        },
        async shot(page, file) {
            await page.screenshot({ path: path.join(shots, file) });
        },
        check(cond, msg) {
            if (!cond) throw new CheckError(msg);
        },
        eq(actual, expected, msg) {
            if (actual !== expected) throw new CheckError(`${msg}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
        },
        /** Fails when any hostile payload ran (it sets window.__xss). */
        async noXss(page) {
            const x = await page.evaluate(() => window.__xss);
            h.check(x === undefined, `XSS: a hostile value was executed on ${page.url()}`);
        },
        /** Calls an AJAX action from inside the page (same session), returning {status, json}. */
        async ajax(page, method, action, data = {}, withToken = true) {
            return page.evaluate(async (method, action, data, withToken) => {
                const boot = JSON.parse(document.getElementById('puq-boot').textContent);
                const body = new URLSearchParams(data);
                if (withToken && method === 'POST') body.set('token', boot.token);
                const url = boot.modulelink + '&ajax=' + encodeURIComponent(action) + (method === 'GET' ? '&' + body : '');
                const r = await fetch(url, method === 'GET' ? {} : { method, body });
                return { status: r.status, json: await r.json() };
            }, method, action, data, withToken);
        },
        /** Client area: opens a service's page (sub-page `name`, '' for the Overview) and waits for it to settle. */
        async svc(page, sid, name = '', query = '') {
            const sub = name ? `&modop=custom&a=client&page=${encodeURIComponent(name)}` : '';
            const resp = await page.goto(`${base}/clientarea.php?action=productdetails&id=${sid}${sub}${query}`, { waitUntil: 'networkidle0' });
            await h.noXss(page);
            return resp;
        },
        /**
         * Client area: calls an action of service `sid` from inside the page (same session). The token is the page's
         * own (`token`: true), none (false) or the given string. Returns {status, json}.
         */
        async act(page, sid, act, data = {}, method = 'POST', token = true) {
            return page.evaluate(async (sid, act, data, method, token) => {
                const el = document.getElementById('puq-boot');
                const boot = el ? JSON.parse(el.textContent) : {};
                const body = new URLSearchParams(data);
                if (method === 'POST' && token !== false) body.set('token', token === true ? boot.token : token);
                const url = `/clientarea.php?action=productdetails&id=${sid}&modop=custom&a=client&act=${encodeURIComponent(act)}`
                    + (method === 'GET' ? '&' + body : '');
                const r = await fetch(url, method === 'GET' ? {} : { method, body });
                const text = await r.text();
                let json = null;
                try { json = JSON.parse(text); } catch { json = { raw: text.slice(0, 300) }; }
                return { status: r.status, json };
            }, sid, act, data, method, token);
        },
        /** Runs PHP code with the extension, after the harness bootstrap, on the shell's database; returns stdout. */
        php(code) {
            const root = process.env.PUQ_ROOT || path.join(here, '../..');
            const r = spawnSync('php', ['-d', `extension=${process.env.PUQ_EXT}`, '-d', 'zend.assertions=1', '-d', 'assert.exception=1',
                '-r', `require ${JSON.stringify(path.join(root, 'tests/harness/bootstrap.php'))}; ${code}`],
            { env: process.env, encoding: 'utf8', timeout: 120000 });
            if (r.status !== 0) throw new CheckError(`php failed (${r.status}): ${r.stderr || r.stdout}`);
            return r.stdout;
        },
        /** The Proxmox simulator's control API: GET/POST/DELETE /_sim/<path>. */
        async sim(method, p, body) {
            const r = await fetch(`http://127.0.0.1:${process.env.PUQ_SIM_HTTP_PORT}/_sim/${p}`, {
                method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
            });
            return r.json();
        },
        async text(page, selector) {
            return page.$eval(selector, (e) => e.textContent.replace(/\s+/g, ' ').trim());
        },
        /** Waits until `selector` is visible; for a Bootstrap modal, until its fade-in has finished. */
        async visible(page, selector) {
            await page.waitForSelector(selector, { visible: true, timeout: 5000 });
            await page.waitForFunction((s) => {
                const e = document.querySelector(s);
                return !e.classList.contains('fade') || e.classList.contains('in');
            }, { timeout: 5000 }, selector);
            await new Promise((r) => setTimeout(r, 350));
        },
        async test(name, fn) {
            const t0 = Date.now();
            try {
                await fn();
                passed++;
                console.log(`ok   ${file} › ${name} (${Date.now() - t0} ms)`);
            } catch (e) {
                failed++;
                console.log(`FAIL ${file} › ${name}: ${e instanceof CheckError ? e.message : e.stack}`);
            }
        },
    };
    return h;
}

// Test files are NN-name.mjs; other modules there (helpers) are imported by them.
const files = fs.readdirSync(pagesDir).filter((f) => /^\d+-.*\.mjs$/.test(f) && f.includes(only)).sort();
for (const f of files) {
    const mod = await import(path.join(pagesDir, f));
    const h = makeHelpers(f);
    try {
        await mod.default(h);
    } catch (e) {
        failed++;
        console.log(`FAIL ${f}: ${e.stack}`);
    }
}

// Whole-run checks.
{
    const leaks = [];
    for (const [url, body] of bodies) {
        for (const s of seed.secrets) {
            if (s && body.includes(s)) leaks.push(`${url} contains secret ${s.slice(0, 6)}…`);
        }
    }
    if (leaks.length) {
        failed++;
        console.log(`FAIL secrets: ${leaks.length} response(s) leak a secret:\n  ${leaks.join('\n  ')}`);
    } else {
        passed++;
        console.log(`ok   secrets: none of ${seed.secrets.length} secrets in ${bodies.length} responses`);
    }
    if (consoleErrors.length) {
        failed++;
        console.log(`FAIL console: ${consoleErrors.length} JavaScript error(s):\n  ${consoleErrors.join('\n  ')}`);
    } else {
        passed++;
        console.log('ok   console: no JavaScript error on any page');
    }
    const phpErrors = bodies.filter(([, b]) => /id="shell-error"|<b>(Warning|Notice|Deprecated|Fatal error)<\/b>:|PHP (Warning|Notice|Deprecated|Fatal error):/.test(b));
    if (phpErrors.length) {
        failed++;
        console.log(`FAIL php: PHP errors in ${phpErrors.map(([u]) => u).join(', ')}`);
    } else {
        passed++;
        console.log('ok   php: no PHP warning or error in any response');
    }
}

await browser.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
console.log(`screenshots: ${shots}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
