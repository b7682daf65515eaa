// Accountability (issue 19), as people use it. A resident on a phone, without JavaScript, rates
// a service's page (two stars: the follow-up for a negative rating appears by CSS alone, then a
// comment) and, after his case was decided, the service itself; the times dashboard and the
// open-data catalogue are read; the office reads the comment without its telephone number and
// answers it in «avete detto, abbiamo fatto». axe-core where scripts run, and the visual
// checks at three widths on every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, axe as axeCheck, staffSignIn, seen, signInAs } from './support.mjs';

let browser;
const visited = [];
const check = async (page, label) => visited.push(await axeCheck(page, `acc-${label}`));

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
  console.log(`pages checked by axe-core: ${visited.length}\n  ${visited.join('\n  ')}`);
});

test('ratings without JavaScript, the dashboards and the catalogue, the office answers', async () => {
  const demo = await startDemo();
  const base = demo.base;
  try {
    // A resident on a phone, without JavaScript, rates a service's page.
    const phone = await browser.newContext({ locale: 'it-IT', javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
    const resident = await phone.newPage();
    resident.setDefaultTimeout(30000);
    await resident.goto(`${base}/livorno/servizi/permesso-ztl`);
    const box = resident.locator('[data-element="feedback"]');
    assert.equal(await box.locator('[data-element="feedback-title"]').innerText(), 'Quanto sono chiare le informazioni su questa pagina?');
    assert.equal(await box.locator('[data-element="feedback-rating-negative"]').isVisible(), false);
    await seen(resident, 'acc-nojs-service');
    await box.locator('[data-element="feedback-rate-2"]').click();
    assert.equal(await box.locator('[data-element="feedback-rating-negative"]').isVisible(), true);
    assert.equal(await box.locator('[data-element="feedback-rating-positive"]').isVisible(), false);
    await box.getByText('Ho avuto problemi tecnici', { exact: true }).click();
    await box.getByLabel(/Vuoi aggiungere altri dettagli/).fill('Il modulo non salvava la targa. Richiamatemi al 333 1234567.');
    await seen(resident, 'acc-nojs-rating');
    await box.getByRole('button', { name: 'Invia la valutazione' }).click();
    await resident.waitForURL(/\/livorno\/servizi\/permesso-ztl\?valutazione=grazie/);
    assert.match(await resident.getByTestId('feedback-done').innerText(), /Grazie/);
    await seen(resident, 'acc-nojs-thanks');

    // Sent without stars: a page of its own says so, and takes the rating there.
    await resident.goto(`${base}/livorno/contatti`);
    await resident.getByRole('button', { name: 'Invia la valutazione' }).click();
    assert.match(await resident.locator('#feedback-error').innerText(), /Scegli da 1 a 5 stelle/);
    await seen(resident, 'acc-nojs-refused');
    await resident.locator('[data-element="feedback-rate-4"]').click();
    await resident.getByRole('button', { name: 'Invia la valutazione' }).click();
    await resident.waitForURL(/\/livorno\/contatti\?valutazione=grazie/);

    // Omar's change of residence was concluded (silent consent): he rates the service.
    await resident.goto(`${base}/livorno/`);
    await resident.getByRole('link', { name: /Accedi/ }).first().click();
    await signInAs(resident, 'omar-haddad', 'L2');
    await resident.goto(`${base}/area-personale?comune=livorno`);
    await resident.locator('a[href$="/pratica"]').first().click();
    await resident.waitForURL(/\/livorno\/domande\/[^/]+\/pratica$/);
    const service = resident.locator('[data-element="feedback"]');
    assert.equal(await service.locator('[data-element="feedback-title"]').innerText(), 'Quanto è stato facile usare questo servizio?');
    await service.locator('[data-element="feedback-rate-5"]').click();
    assert.equal(await service.locator('[data-element="feedback-rating-positive"]').isVisible(), true);
    await service.getByText('Capivo sempre che stavo procedendo correttamente', { exact: true }).click();
    await seen(resident, 'acc-nojs-service-rating');
    await service.getByRole('button', { name: 'Invia la valutazione' }).click();
    await resident.waitForURL(/\/pratica\?valutazione=grazie/);
    assert.match(await resident.getByTestId('feedback-done').innerText(), /Grazie/);

    // The times: the municipality's and the region's, from the footer; the service's page.
    const page = await (await browser.newContext({ locale: 'it-IT' })).newPage();
    page.setDefaultTimeout(30000);
    await page.goto(`${base}/livorno/`);
    await page.locator('footer').getByRole('link', { name: 'Tempi dei procedimenti', exact: true }).click();
    await page.waitForURL(`${base}/livorno/trasparenza/tempi`);
    assert.ok(await page.getByTestId('times-chart').isVisible());
    assert.match(await page.getByTestId('times-table').innerText(), /Cambio di residenza/);
    await check(page, 'times');
    // The first month after the last: refused, the months shown as typed.
    await page.getByLabel('Dal mese', { exact: true }).fill('2026-12');
    await page.getByLabel('Al mese', { exact: true }).fill('2026-01');
    await page.getByRole('button', { name: 'Mostra' }).click();
    assert.match(await page.locator('#period-error').innerText(), /Il periodo non è valido/);
    assert.equal(await page.getByLabel('Dal mese', { exact: true }).inputValue(), '2026-12');
    await check(page, 'times-refused');
    await page.goto(`${base}/trasparenza/tempi`);
    assert.match(await page.locator('main').innerText(), /Dati della regione aggiornati al/);
    await check(page, 'region-times');
    await page.goto(`${base}/livorno/servizi/occupazione-suolo-pubblico`);
    assert.match(await page.getByTestId('service-times').innerText(), /(si è conclusa in|ha richiesto) \d+ giorni/);

    // The open data: the catalogue, a dataset, its CSV.
    await page.goto(`${base}/livorno/`);
    await page.locator('footer').getByRole('link', { name: 'Dati aperti', exact: true }).click();
    await page.waitForURL(`${base}/livorno/dati`);
    assert.equal(await page.getByTestId('datasets').locator('li').count(), 7); // services, times, ratings, albo, budgets, reports, bookings
    await check(page, 'catalogue');
    await page.getByRole('link', { name: 'Tempi dei procedimenti — Comune di Livorno', exact: true }).click();
    await page.waitForURL(`${base}/livorno/dati/tempi-procedimenti`);
    assert.ok(await page.getByTestId('preview').isVisible());
    await check(page, 'dataset');
    const csv = await page.request.get(`${base}/livorno/dati/tempi-procedimenti.csv`);
    assert.match(await csv.text(), /^mese,servizio,titolo,termine_giorni/);
    await page.goto(`${base}/dati`);
    await check(page, 'region-catalogue');

    // The office reads the comment, filtered, and answers it for the public.
    const officer = await staffSignIn(browser, base, 'livorno.responsabile', false);
    officer.setDefaultTimeout(30000);
    await officer.getByRole('link', { name: 'Valutazioni' }).first().click();
    await officer.waitForURL(`${base}/staff/valutazioni`);
    const comments = await officer.getByTestId('comments').innerText();
    assert.match(comments, /Il modulo non salvava la targa/);
    assert.doesNotMatch(comments, /1234567/);
    await check(officer, 'office');
    const card = officer.locator('li', { hasText: 'Il modulo non salvava la targa' });
    await card.getByLabel('Risposta del comune').fill('Abbiamo corretto il campo della targa.');
    // Publishing is the office's choice, never the default.
    assert.equal(await card.getByRole('checkbox').isChecked(), false);
    // By the keyboard, as an officer without a mouse would.
    await card.getByRole('checkbox').press('Space');
    assert.equal(await card.getByRole('checkbox').isChecked(), true);
    await card.getByRole('button', { name: 'Invia la risposta' }).click();
    await officer.waitForURL(`${base}/staff/valutazioni?fatto=risposta`);
    await check(officer, 'office-answered');
    await resident.goto(`${base}/livorno/trasparenza/avete-detto`);
    assert.match(await resident.getByTestId('answers').innerText(), /Abbiamo corretto il campo della targa/);
    await seen(resident, 'acc-nojs-answers');
  } finally {
    demo.stop();
  }
});
