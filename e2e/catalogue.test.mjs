// The whole catalogue (issue 22): the «Servizi» page by subject matter, then every service's
// page — axe-core and the visual checks at three widths on each — in Italian, and a resident
// who reads English on the list and on a service of each kind (online, at the office, paid).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, axe as axeCheck, staffSignIn } from './support.mjs';

let demo, base, browser;
const visited = [];
const check = async (page, label) => visited.push(await axeCheck(page, `catalogue-${label}`));

before(async () => {
  demo = await startDemo();
  base = demo.base;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  demo?.stop();
  console.log(`catalogue pages checked by axe-core: ${visited.length}`);
});

test('every service of the catalogue has a page a resident can read', async () => {
  const context = await browser.newContext({ locale: 'it-IT' });
  const page = await context.newPage();
  await page.goto(`${base}/livorno/servizi`);
  await check(page, 'list');
  const index = page.getByTestId('service-categories');
  for (const label of ['Educazione e formazione', 'Tributi, finanze e contravvenzioni', 'Agricoltura e pesca']) {
    assert.match(await index.innerText(), new RegExp(label));
  }
  // One subject matter, from its link.
  await index.getByRole('link', { name: 'Tributi, finanze e contravvenzioni' }).click();
  await page.waitForURL(`${base}/livorno/servizi?categoria=tributi-finanze-e-contravvenzioni`);
  await check(page, 'list-taxes');
  await page.goto(`${base}/livorno/servizi`);
  const links = await page.locator('[data-element="service-link"]').evaluateAll(
    (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(links.length >= 100, `${links.length} services listed`);
  assert.equal(new Set(links).size, links.length, 'each service listed once');
  for (const href of links) {
    const response = await page.goto(`${base}${href}`);
    assert.equal(response.status(), 200, href);
    const title = (await page.locator('h1').innerText()).trim();
    assert.ok(title.length > 0, `${href} has a title`);
    // Each page says how the service is obtained: online, or at the office, or paid.
    const online = await page.locator('[data-element="service-online-access"]').count();
    const elsewhere = await page.getByTestId('service-not-online').count();
    assert.ok(online + elsewhere > 0, `${href} says how to obtain it`);
    await check(page, href.split('/').pop());
  }
  await context.close();
});

test('a resident who reads English reads the catalogue in English', async () => {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${base}/lingua?l=en&torna=%2Flivorno%2Fservizi`);
  await page.waitForURL(`${base}/livorno/servizi`);
  assert.match(await page.getByTestId('service-categories').innerText(), /Taxes, finance and fines/);
  await check(page, 'en-list');
  for (const [id, title] of [
    ['passo-carrabile', /driveway/i],
    ['carta-identita-elettronica', /identity card/i],
    ['pagamento-imu', /IMU/],
  ]) {
    await page.goto(`${base}/livorno/servizi/${id}`);
    assert.match(await page.locator('h1').innerText(), title);
    await check(page, `en-${id}`);
  }
  await context.close();
});

test("a call's ranking: the officer's page and the published one, without names", async () => {
  const context = await browser.newContext({ locale: 'it-IT' });
  const page = await context.newPage();
  await page.goto(`${base}/livorno/servizi/iscrizione-asilo-nido`);
  await page.getByTestId('ranking-link').click();
  await page.waitForURL(`${base}/livorno/graduatorie/iscrizione-asilo-nido`);
  const published = page.getByTestId('public-ranking');
  assert.equal(await published.locator('tbody tr').count(), 3);
  assert.doesNotMatch(await page.locator('main').innerText(), /Fontana|Greco|Bruni/);
  await check(page, 'ranking-public');
  await context.close();
  const officer = await staffSignIn(browser, base, 'livorno.responsabile', false);
  await officer.goto(`${base}/staff/graduatoria/iscrizione-asilo-nido`);
  assert.equal(await officer.getByTestId('scored-ranking').locator('tbody tr').count(), 3);
  await check(officer, 'ranking-office');
  await officer.getByTestId('approve-ranking').click();
  await officer.waitForURL(`${base}/staff/graduatoria/iscrizione-asilo-nido?approvata=1`);
  assert.equal(await officer.getByTestId('approved-rankings').locator('li').count(), 2);
  await check(officer, 'ranking-approved');
  await officer.context().close();
});
