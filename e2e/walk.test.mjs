// Sportello's browser suite: Debian's Chromium driven by playwright-core (never a downloaded
// browser), axe-core checking WCAG 2.1 A and AA on every page visited. It starts its own demo
// server from the binary named by SPORTELLO_BIN (default: ../target/debug/sportello).
//
// The journey (issue "Foundation"): region home → search "Livorno" → municipality home →
// sign in through the demo provider as a persona at L2 → personal area shows that persona
// and level → sign out. Walked three times: with JavaScript, without JavaScript, and with
// the keyboard alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, axe as axeCheck } from './support.mjs';

let demo, base, browser;
const visited = [];

before(async () => {
  demo = await startDemo();
  base = demo.base;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  demo?.stop();
  console.log(`pages checked by axe-core: ${visited.length}\n  ${visited.join('\n  ')}`);
});

async function axe(page, label) {
  visited.push(await axeCheck(page, label));
}

function watchConsole(page, problems) {
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  page.on('pageerror', (err) => problems.push(String(err)));
}

async function journey(page, { check }) {
  await page.goto(`${base}/`);
  assert.match(await page.title(), /Sportello digitale/);
  await check(page, 'region-home');

  await page.getByLabel('Nome del comune').fill('Livorno');
  await page.getByRole('button', { name: 'Cerca' }).click();
  await page.waitForURL(/\?q=Livorno/);
  assert.match(await page.locator('#results-title').innerText(), /Comuni trovati: 1/);
  await check(page, 'search-livorno');

  await page.getByRole('link', { name: 'Livorno', exact: true }).click();
  await page.waitForURL(`${base}/livorno/`);
  assert.equal(await page.locator('h1').innerText(), 'Comune di Livorno');
  await check(page, 'livorno-home');

  await page.locator('main').getByRole('link', { name: "Accedi all'area personale" }).click();
  await page.waitForURL(/\/accedi\?/);
  await check(page, 'sign-in-choice');

  await page.getByRole('link', { name: /Entra con SPID \/ CIE \(demo\)/ }).click();
  await page.waitForURL(/\/demo-idp\/authorize\?/);
  await check(page, 'demo-identity-provider');
  // Bootstrap Italia draws the radio on the label: click the label, as a person does.
  await page.locator('label[for="persona-giulia-bianchi"]').click();
  await page.locator('label[for="level-L2"]').click();
  assert.ok(await page.locator('#persona-giulia-bianchi').isChecked());
  assert.ok(await page.locator('#level-L2').isChecked());
  await page.getByRole('button', { name: 'Accedi con questa persona' }).click();
  await page.waitForURL(`${base}/livorno/`);

  await page.getByRole('link', { name: 'Area personale', exact: true }).click();
  await page.waitForURL(`${base}/area-personale?comune=livorno`);
  // The personal area keeps the municipality the person came from.
  assert.match(await page.locator('.it-brand-title').innerText(), /Comune di Livorno/);
  assert.match(await page.locator('main').innerText(), /Giulia Bianchi/);
  assert.match(await page.getByTestId('spid-level').innerText(), /^SPID livello 2 /);
  assert.match(await page.getByTestId('fiscal-code').innerText(), /^BNCGLI92E54D612/);
  await check(page, 'personal-area');

  await page.getByRole('button', { name: 'Esci', exact: true }).click();
  // Signed out where the person was: Livorno's home says so.
  await page.waitForURL(`${base}/livorno/?uscito=1`);
  assert.match(await page.locator('main').innerText(), /Sei uscito/);
  await check(page, 'signed-out');

  await page.goto(`${base}/area-personale`);
  await page.waitForURL(/\/accedi\?torna=/);
}

test('the foundation journey, with axe-core on every page', async () => {
  const context = await browser.newContext({ locale: 'it-IT' });
  const page = await context.newPage();
  const problems = [];
  watchConsole(page, problems);
  await journey(page, { check: axe });
  // The staff sign-in page and the 404 page are part of the shell too.
  await page.goto(`${base}/staff/accedi`);
  await axe(page, 'staff-sign-in');
  assert.deepEqual(problems, [], 'no console errors, no CSP violations');
  await page.goto(`${base}/questa-pagina-non-esiste/`);
  await axe(page, 'not-found');
  // The page's own 404 status is reported by the console; nothing else may be.
  assert.deepEqual(problems.filter((p) => !p.includes('status of 404')), []);
  problems.length = 0;
  await page.goto(`${base}/lingua?l=en&torna=%2Flivorno%2F`);
  assert.equal(await page.locator('h1').innerText(), 'Municipality of Livorno');
  await axe(page, 'livorno-home-english');
  assert.deepEqual(problems, [], 'no console errors, no CSP violations');
  await context.close();
});

test('the same journey without JavaScript', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'it-IT' });
  const page = await context.newPage();
  await journey(page, { check: async () => {} });
  await context.close();
});

test('the keyboard alone reaches search, results and sign-in', async () => {
  const context = await browser.newContext({ locale: 'it-IT' });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  // The first Tab lands on the skip link, which moves focus past the header.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Vai al contenuto principale');
  await page.keyboard.press('Enter');
  assert.match(page.url(), /#main$/);
  const tabUntil = async (predicate, limit = 40) => {
    for (let i = 0; i < limit; i++) {
      if (await page.evaluate(predicate)) return;
      await page.keyboard.press('Tab');
    }
    assert.fail(`focus never reached the target: ${predicate}`);
  };
  await tabUntil(() => document.activeElement.id === 'q');
  await page.keyboard.type('Livorno');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\?q=Livorno/);
  await tabUntil(() => document.activeElement.getAttribute('href') === '/livorno/');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/livorno/`);
  await tabUntil(() => document.activeElement.tagName === 'A' && document.activeElement.textContent.includes("Accedi all'area personale") && document.activeElement.closest('main') !== null);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/accedi\?/);
  await tabUntil(() => document.activeElement.tagName === 'A' && document.activeElement.textContent.includes('Entra con SPID'));
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/demo-idp\/authorize/);
  // The first persona is preselected; Tab to the submit button and press it.
  await tabUntil(() => document.activeElement.tagName === 'BUTTON' && document.activeElement.textContent.trim() === 'Accedi con questa persona');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/livorno/`);
  await page.goto(`${base}/area-personale`);
  assert.match(await page.locator('main').innerText(), /Mario Rossi/);
  await context.close();
});

test("a person's personal area shows what an assisted-access desk did for her", async () => {
  const context = await browser.newContext({ locale: 'it-IT' });
  const page = await context.newPage();
  const problems = [];
  watchConsole(page, problems);
  await page.goto(`${base}/accedi/demo?torna=/area-personale`);
  await page.locator('label[for="persona-anna-neri"]').click();
  await page.locator('label[for="level-L2"]').click();
  await page.getByRole('button', { name: 'Accedi con questa persona' }).click();
  await page.waitForURL(`${base}/area-personale`);
  const uses = page.getByTestId('assisted-uses');
  assert.match(await uses.innerText(), /Accesso assistito aperto/);
  assert.match(await uses.innerText(), /Pagina consultata/);
  assert.match(await uses.innerText(), /livorno\.paas/);
  await axe(page, 'personal-area-assisted-uses');
  assert.deepEqual(problems, []);
  await context.close();
});
