// Shared by the browser suites: start a demo server from the built binary, launch Debian's
// Chromium through playwright-core, and check a page with axe-core (WCAG 2.1 A and AA).
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

/** Starts `sportello serve --demo` on a free port with a fresh data directory. */
export async function startDemo() {
  const dataDir = mkdtempSync(join(tmpdir(), 'sportello-e2e-'));
  const server = spawn(bin, ['serve', '--demo', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SPORTELLO__LOG__LEVEL: 'warn' },
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
  return `${label}: ${new URL(page.url()).pathname} — ${result.passes.length} rules passed`;
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
