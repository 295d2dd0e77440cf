// Shared by the client and admin console tests (not a test file): the console tab that CONNECT opens, checked
// the way a person would — noVNC says connected, QEMU's BIOS text is on the canvas, and keys reach the VM.
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Bright pixels on noVNC's canvas (QEMU's text is light grey on black) and a hash of the whole picture. */
export async function canvasInfo(tab) {
    return tab.evaluate(() => {
        const c = document.querySelector('#screen canvas');
        if (!c || !c.width) return { lit: 0, hash: 0, w: 0, h: 0 };
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let lit = 0; let hash = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (d[i] + d[i + 1] + d[i + 2] > 300) lit++;
            hash = (hash * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) | 0;
        }
        return { lit, hash, w: c.width, h: c.height };
    });
}

/** Clicks CONNECT (`linkSel`) on `page` and returns the console tab it opens. */
export async function connect(page, linkSel) {
    const opened = page.browserContext().waitForTarget((t) => t.opener() === page.target(), { timeout: 10000 });
    await page.click(linkSel);
    const tab = await (await opened).page();
    await tab.setViewport({ width: 1024, height: 700 });
    return tab;
}

/**
 * Waits until the console is connected and shows the BIOS screen, then checks that keyboard input reaches the VM:
 * Ctrl-Alt-2 switches QEMU to its monitor console and typed text appears there (the picture changes each time).
 */
export async function assertConsoleWorks(h, tab, vmid, biosShot = '') {
    await tab.waitForFunction(() => window.puqConsole && window.puqConsole.state !== 'connecting', { timeout: 20000 });
    const st = await tab.evaluate(() => window.puqConsole);
    h.eq(st.state, 'connected', `console state (${st.reason || ''})`);
    h.check((await h.text(tab, '#status')).includes(`Connected (QEMU VM ${vmid})`), 'status names the VM');
    h.check((await tab.title()).includes(`VM ${vmid}`), `title: ${await tab.title()}`);
    let bios = { lit: 0 };
    for (let i = 0; i < 60 && bios.lit < 300; i++) {
        await sleep(250);
        bios = await canvasInfo(tab);
    }
    h.check(bios.w >= 640 && bios.h >= 400, `canvas ${bios.w}x${bios.h}`);
    h.check(bios.lit >= 300, `QEMU's BIOS text is drawn on the canvas (${bios.lit} bright pixels)`);
    if (biosShot) await h.shot(tab, biosShot);
    await tab.click('#screen canvas');
    await tab.keyboard.down('Control');
    await tab.keyboard.down('Alt');
    await tab.keyboard.press('Digit2');
    await tab.keyboard.up('Alt');
    await tab.keyboard.up('Control');
    let monitor = bios;
    for (let i = 0; i < 40 && monitor.hash === bios.hash; i++) {
        await sleep(250);
        monitor = await canvasInfo(tab);
    }
    h.check(monitor.hash !== bios.hash, 'Ctrl-Alt-2 reached QEMU: the monitor console is shown');
    await sleep(500);
    monitor = await canvasInfo(tab);
    await tab.keyboard.type('info status');
    let typed = monitor;
    for (let i = 0; i < 40 && typed.hash === monitor.hash; i++) {
        await sleep(250);
        typed = await canvasInfo(tab);
    }
    h.check(typed.hash !== monitor.hash && typed.lit > monitor.lit, 'typed text appears in the QEMU monitor');
    await tab.keyboard.press('Enter');
    await sleep(600);
}

/** The console page's refusal text (no console on it). */
export async function refusal(page, url) {
    const r = await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => window.puqConsole && window.puqConsole.state === 'failed', { timeout: 10000 });
    return { status: r.status(), text: await page.$eval('#error', (e) => e.textContent.trim()) };
}

/** A link with one character of its sealed part changed. */
export function alterOneByte(url) {
    const i = url.length - 8;
    return url.slice(0, i) + (url[i] === 'A' ? 'B' : 'A') + url.slice(i + 1);
}
