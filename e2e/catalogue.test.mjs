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

test('a business opens a restaurant with one application and follows each procedure', async () => {
  const { signInAs } = await import('./support.mjs');
  const { PDF } = await import('./journey.mjs');
  const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
  const context = await browser.newContext({ locale: 'it-IT' });
  const page = await context.newPage();
  await page.goto(`${base}/livorno/servizi`);
  await page.getByLabel('Cerca un servizio').fill('aprire un ristorante');
  await page.getByRole('button', { name: 'Cerca' }).click();
  await page.getByRole('link', { name: /Aprire un ristorante o un bar/ }).first().click();
  await page.waitForURL(`${base}/livorno/servizi/apertura-ristorante-bar`);
  // The scheda names the procedures the one application starts.
  const parts = page.getByTestId('service-parts');
  assert.equal(await parts.locator('li').count(), 3);
  assert.match(await parts.innerText(), /Notifica sanitaria[\s\S]*insegne[\s\S]*suolo pubblico/i);
  await check(page, 'bundle-scheda');
  await page.getByRole('button', { name: 'Compila la domanda' }).click();
  await page.waitForURL(/\/accedi\?livello=L2/);
  await signInAs(page, 'francesco-esposito', 'L2');
  await page.waitForURL(`${base}/livorno/servizi/apertura-ristorante-bar`);
  await page.getByRole('button', { name: 'Compila la domanda' }).click();
  await page.waitForURL(/\/per-conto-di$/);
  await page.locator('label[for="per-impresa"]').click();
  await page.getByRole('button', { name: 'Continua' }).click();
  await page.waitForURL(/\/passo\/1$/);
  const fill = async (name, value) => {
    const input = page.locator(`[name="${name}"]`);
    if (await input.count()) await input.fill(value);
  };
  const tick = (id) => page.locator(`label[for="${id}"]`).click();
  const next = async (n, label) => {
    await check(page, label);
    await page.getByRole('button', { name: 'Salva e continua' }).click();
    const errors = page.locator('#error-summary');
    if (await errors.count()) assert.fail(`${label}: ${await errors.innerText()}`);
    await page.waitForURL(n ? new RegExp(`/passo/${n}$`) : /\/riepilogo$/);
  };
  // 1. The business: the company chosen is there already.
  assert.equal(await page.locator('[name="partita_iva"]').inputValue(), '02468135799');
  assert.ok(await page.locator('#ruolo-titolare').isChecked());
  await tick('ruolo-titolare');
  await fill('ragione_sociale', 'Esposito Costruzioni S.r.l.');
  await fill('partita_iva', '02468135799');
  await fill('pec', 'esposito@pec.example.invalid');
  await next(2, 'bundle-step-1');
  // 2. The premises, and what the health notification needs.
  await tick('zona_tutelata');
  await fill('insegna', 'Trattoria del Porto');
  await page.locator('[name="tipologia"]').selectOption('ristorante');
  await fill('indirizzo', 'Scali del Corso 4, Livorno');
  await fill('superficie_somministrazione', '60');
  await fill('data_inizio', day(20));
  await fill('descrizione', 'Ristorante con cucina propria, 40 coperti');
  await tick('dichiarazione_requisiti');
  await page.locator('[name="planimetria"]').setInputFiles({ name: 'planimetria.pdf', mimeType: 'application/pdf', buffer: PDF });
  await next(3, 'bundle-step-2');
  // 3. The sign: its fields show once the answer is yes.
  await tick('ha_insegna-si');
  await fill('testo_insegna', 'Trattoria del Porto');
  await tick('posizione-facciata');
  await tick('tipo_strada-comunale');
  await fill('dimensioni', '200 x 50 cm');
  await tick('luminoso-no');
  for (const f of ['bozzetto_insegna', 'fotoinserimento_insegna', 'planimetria_insegna']) {
    await page.locator(`[name="${f}"]`).setInputFiles({ name: `${f}.pdf`, mimeType: 'application/pdf', buffer: PDF });
  }
  await tick('dichiarazione_stabilita');
  await tick('dichiarazione_canone');
  await next(4, 'bundle-step-3');
  // 4. The outdoor seating on public land.
  await tick('dehors-si');
  await fill('superficie_esterna', '18');
  await fill('dehors_dal', day(30));
  await fill('dehors_al', day(120));
  await page.locator('[name="planimetria_dehors"]').setInputFiles({ name: 'dehors.pdf', mimeType: 'application/pdf', buffer: PDF });
  await next(5, 'bundle-step-4');
  // 5. The declarations.
  await tick('dichiarazione_onorabilita');
  await tick('chi_requisiti_professionali-titolare');
  await fill('titolo_professionale', 'Corso regionale per la somministrazione, 2019');
  await tick('dichiarazione_locali');
  await tick('dichiarazione_veridicita');
  await next(0, 'bundle-step-5');
  await check(page, 'bundle-review');
  // Before sending, it says what sending starts.
  assert.equal(await page.getByTestId('review-parts').locator('li').count(), 3);
  await page.locator('label[for="dichiarazione"]').click();
  await page.getByRole('button', { name: 'Invia la domanda' }).click();
  await page.waitForURL(/\/ricevuta$/);
  // One number, and the three procedures it started, each with its office.
  const number = await page.getByTestId('protocol-number').innerText();
  assert.match(number, /^\d{7}$/);
  const related = page.getByTestId('related-cases');
  assert.equal(await related.getByTestId('related-case').count(), 3);
  assert.match(await related.innerText(), /Polizia municipale/);
  await check(page, 'bundle-receipt');
  // The PDF receipt, what the business keeps, lists them too.
  const pdf = await (await page.request.get(page.url() + '.pdf')).body();
  // (Lines with accented letters are written as hex; these are plain.)
  for (const text of ['Procedimenti della pratica unica', 'Occupazione di suolo pubblico', 'Autorizzazione per insegne', 'Esposito Costruzioni S.r.l. (P.IVA']) {
    assert.ok(pdf.includes(text), `the PDF receipt says «${text}»`);
  }
  // The public land's case: its own page, with the whole filing beside it.
  await related.getByRole('link', { name: /suolo pubblico/i }).click();
  await page.waitForURL(/\/pratica$/);
  assert.match(await page.locator('h1').innerText(), new RegExp(number));
  assert.equal(await page.getByTestId('related-case').count(), 4);
  await check(page, 'bundle-part-case');
  // The personal area: one card, its procedures under it.
  await page.goto(`${base}/area-personale`);
  const card = page.getByTestId('filed').locator('.case-card', { hasText: `n. ${number}` });
  assert.match(await card.innerText(), /Aprire un ristorante/);
  assert.equal(await card.getByTestId('case-parts').locator('li').count(), 3);
  await check(page, 'bundle-personal-area');
  // The sign's office asked the seeded restaurant for a sketch: that part waits among what to
  // do, named with the filing it belongs to.
  assert.match(await page.getByTestId('todo').innerText(), /Fa parte della pratica unica «Aprire un ristorante/);
  await context.close();
  // The police see their part, with the filing around it.
  const police = await staffSignIn(browser, base, 'livorno.istruttore', false);
  await police.goto(`${base}/staff/pratiche?filtro=tutte&cerca=${Number(number)}`);
  // Searched by its one number, the filing and its three parts.
  assert.equal(await police.locator('tbody tr', { hasText: number }).count(), 4);
  // Their own office's part only.
  await police.locator('#ufficio').selectOption('PM');
  await police.locator('form[action="/staff/pratiche"] button[type="submit"]').click();
  await police.waitForURL(/ufficio=PM/);
  assert.equal(await police.locator('tbody tr', { hasText: number }).count(), 1);
  await check(police, 'bundle-office-queue');
  await police.locator('tbody tr', { hasText: /suolo pubblico/i }).getByRole('link').first().click();
  await police.waitForURL(/\/staff\/pratiche\/[^/?]+$/);
  assert.equal(await police.getByTestId('related-case').count(), 4);
  await check(police, 'bundle-office-case');
  await police.context().close();
});
