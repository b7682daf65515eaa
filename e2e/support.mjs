// Shared by the browser suites: start a demo server from the built binary, launch Debian's
// Chromium through playwright-core, and check a page with axe-core (WCAG 2.1 A and AA).
import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.SPORTELLO_BIN ?? join(here, '..', 'target', 'debug', 'sportello');
const axeSource = readFileSync(join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
export const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });
/** Screenshots of every checked page at each width, for a person to look at. */
export const screenshots = join(here, '..', 'target', 'screenshots');
mkdirSync(screenshots, { recursive: true });

/** Phone, tablet, desktop. */
export const WIDTHS = [375, 768, 1280];

/** Starts `sportello serve --demo` on a free port with a fresh data directory. */
export async function startDemo(env = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sportello-e2e-'));
  const server = spawn(bin, ['serve', '--demo', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SPORTELLO__LOG__LEVEL: 'warn', ...env },
  });
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the demo did not start within 60 s')), 60000);
    createInterface({ input: server.stdout }).on('line', (line) => {
      const m = line.match(/Apri (http:\/\/\S+?)\/? nel browser/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on('exit', (code) => reject(new Error(`sportello exited with ${code}`)));
  });
  const stop = () => { server.kill('SIGTERM'); rmSync(dataDir, { recursive: true, force: true }); };
  return { base, stop };
}

export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Runs axe-core on the page; fails on any WCAG 2.1 A/AA violation. Returns a report line. */
export async function axe(page, label) {
  // Runtime evaluation, not a <script> tag: the page's strict CSP stays on.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const summary = result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`);
  await page.screenshot({ path: join(artifacts, `${label}.png`), fullPage: true });
  assert.equal(result.violations.length, 0, `axe-core on ${label} (${page.url()}):\n  ${summary.join('\n  ')}`);
  await seen(page, label);
  return `${label}: ${new URL(page.url()).pathname} — ${result.passes.length} rules passed`;
}

/**
 * What axe-core cannot see, at phone, tablet and desktop widths: no horizontal scroll; no two
 * parts of the header drawn over each other; every form control with a visible boundary (a
 * border or outline of contrast 3:1 or more against what is around it, WCAG 1.4.11). A
 * screenshot of each width goes to target/screenshots/. The page's own width is restored after.
 */
export async function seen(page, label) {
  const original = page.viewportSize();
  const problems = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    const found = await page.evaluate(visualProblems);
    for (const p of found) problems.push(`${width} px: ${p}`);
    await page.screenshot({ path: join(screenshots, `${label}-${width}.png`), fullPage: true });
  }
  // Focus visible: the first stops of the keyboard, each marked where it is.
  const stops = await page.evaluate(() => document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary').length);
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  for (let i = 0; i < Math.min(stops, 8); i++) {
    await page.keyboard.press('Tab');
    const unmarked = await page.evaluate(focusUnmarked);
    if (unmarked) problems.push(`focus not visible: ${unmarked}`);
  }
  if (original) await page.setViewportSize(original);
  assert.deepEqual(problems, [], `what a person would see on ${label} (${page.url()})`);
}

/** Runs in the page: the focused element, if nothing shows it has the focus. */
function focusUnmarked() {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // A date's focus is drawn by Chromium on the inner part it edits (day, month, year).
  if (el.tagName === 'INPUT' && el.type === 'date') return null;
  const st = getComputedStyle(el);
  const outlined = st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) > 0;
  const ringed = st.boxShadow && st.boxShadow !== 'none';
  if (outlined || ringed) return null;
  return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}«${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30)}»`;
}

/** Runs in the page: the problems a person would see at the current width. */
function visualProblems() {
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) {
    out.push(`scrolls sideways (${doc.scrollWidth} px wide)`);
  }
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none';
  };
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}«${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30)}»`;
  // The header's own parts: links, buttons and the brand, none over another.
  const header = document.querySelector('header');
  if (header) {
    const parts = [...header.querySelectorAll('a, button, summary, .it-brand-text')]
      .filter(visible)
      .filter((el) => !el.closest('.visually-hidden, .visually-hidden-focusable'))
      // A link that holds another counted part is counted by its parts.
      .filter((el, _, all) => !all.some((o) => o !== el && el.contains(o)));
    for (let i = 0; i < parts.length; i++) {
      for (let j = i + 1; j < parts.length; j++) {
        const a = parts[i].getBoundingClientRect();
        const b = parts[j].getBoundingClientRect();
        const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
          && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
        if (overlap) out.push(`header: ${name(parts[i])} over ${name(parts[j])}`);
      }
    }
  }
  // Form controls: a visible boundary.
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const contrast = (x, y) => { const [a, b] = [lum(x), lum(y)].sort((p, q) => q - p); return (a + 0.05) / (b + 0.05); };
  const backgroundOf = (el) => {
    for (let e = el.parentElement; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const controls = [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !['hidden', 'checkbox', 'radio', 'submit', 'button', 'file'].includes(el.type))
    .filter(visible);
  for (const el of controls) {
    const st = getComputedStyle(el);
    const around = backgroundOf(el);
    const sides = ['Top', 'Right', 'Bottom', 'Left'];
    const bordered = sides.some((s) => parseFloat(st[`border${s}Width`]) >= 1
      && st[`border${s}Style`] !== 'none'
      && contrast(rgb(st[`border${s}Color`]).slice(0, 3), around) >= 3);
    const filled = contrast(rgb(st.backgroundColor).slice(0, 3), around) >= 3
      && rgb(st.backgroundColor)[3] !== 0;
    if (!bordered && !filled) out.push(`no visible boundary: ${name(el)}${el.name ? ' name=' + el.name : ''}`);
  }
  return out;
}

/** Signs in through the demo identity provider from the current page's sign-in link. */
export async function signInAs(page, personaKey, level, check = async () => {}) {
  await page.getByRole('link', { name: /Entra con SPID \/ CIE \(demo\)/ }).click();
  await page.waitForURL(/\/demo-idp\/authorize\?/);
  await check(page, 'demo-identity-provider');
  await page.locator(`label[for="persona-${personaKey}"]`).click();
  await page.locator(`label[for="level-${level}"]`).click();
  await page.getByRole('button', { name: 'Accedi con questa persona' }).click();
}

// RFC 6238 code of the demo administrators' secret (DEMO_TOTP_SECRET in crates/app/src/demo.rs).
export function totp(secret = 'KRUGS4ZANFZSAYJAMRSW23ZAONSWG4TF') {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}


// A staff member signed in, in a context of their own; administrators give the TOTP code.
export async function staffSignIn(browser, base, username, withCode) {
  const context = await browser.newContext({ locale: 'it-IT' });
  const page = await context.newPage();
  await page.goto(`${base}/staff/accedi`);
  await page.getByLabel('Nome utente').fill(username);
  await page.getByLabel('Password').fill('demo-sportello-2026');
  if (withCode) await page.getByLabel('Codice di verifica (app di autenticazione)').fill(totp());
  await page.getByRole('button', { name: 'Accedi' }).click();
  await page.waitForURL(`${base}/staff/`);
  return page;
}
