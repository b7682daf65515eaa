// The albo pretorio (issue 18), as people use it.
// An operator asks to publish an act (the form names every problem first); the publication
// officer opens the demo's waiting request, sees what the privacy check found, cannot publish
// without confirming, confirms and publishes; a resident on a phone, without JavaScript, finds
// it on the municipality's board by its words and opens it. A period that ended (the demo's,
// ended by the jobs when the server starts) shows its relata to the officer and no documents to
// the resident; the end of a period on a moving clock is proven by the HTTP suite
// (crates/sportello/tests/it/albo.rs), which can drive the clock.
// axe-core where scripts run, and the visual checks at three widths on every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, axe as axeCheck, staffSignIn, seen } from './support.mjs';
import { PDF } from './journey.mjs';

let browser;
const visited = [];
const check = async (page, label) => visited.push(await axeCheck(page, `albo-${label}`));

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
  console.log(`pages checked by axe-core: ${visited.length}\n  ${visited.join('\n  ')}`);
});

test('an act asked for, checked, published, and found on a phone without JavaScript', async () => {
  const demo = await startDemo();
  const base = demo.base;
  try {
    // The office asks.
    const office = await staffSignIn(browser, base, 'livorno.istruttore', false);
    office.setDefaultTimeout(30000);
    await office.getByRole('link', { name: 'Albo pretorio' }).first().click();
    await office.waitForURL(`${base}/staff/albo`);
    await check(office, 'desk');
    await office.getByTestId('albo-new').click();
    await office.waitForURL(`${base}/staff/albo/nuova`);
    await check(office, 'new');
    await office.getByTestId('albo-request').click();
    const problems = await office.getByTestId('form-problems').innerText();
    assert.match(problems, /Scegli il tipo di atto/);
    assert.match(problems, /Allega il documento principale: un PDF, o il file firmato digitalmente/);
    await check(office, 'new-problems');
    await office.getByLabel('Tipo di atto').selectOption('avviso');
    await office.getByLabel('Oggetto').fill('Avviso di chiusura degli uffici comunali il 24 dicembre');
    await office.getByLabel('Richiedente').fill('Segreteria generale');
    await office.getByLabel("Responsabile dell'atto").fill('Dott. Luigi Mancini');
    await office.getByLabel(/Giorni di pubblicazione/).fill('10');
    await office.getByLabel('Documento principale (PDF)').setInputFiles({ name: 'avviso.pdf', mimeType: 'application/pdf', buffer: PDF });
    await office.getByTestId('albo-request').click();
    await office.waitForURL(/\/staff\/albo\/\d+\?inviata=1$/);
    assert.match(await office.getByTestId('albo-state').innerText(), /da pubblicare/);
    assert.match(await office.getByTestId('albo-sent').innerText(), /Richiesta inviata/);
    await check(office, 'requested');

    // The publication officer publishes the demo's waiting request, after the privacy check.
    const officer = await staffSignIn(browser, base, 'livorno.albo', false);
    officer.setDefaultTimeout(30000);
    await officer.goto(`${base}/staff/albo`);
    await officer.getByRole('link', { name: /barriere architettoniche/ }).click();
    await officer.waitForURL(/\/staff\/albo\/\d+$/);
    const findings = await officer.getByTestId('albo-findings').innerText();
    assert.match(findings, /Codice fiscale/);
    assert.match(findings, /Dato sulla salute/);
    await check(officer, 'findings');
    await officer.locator('label[for=confermo]').click();
    await officer.getByRole('button', { name: 'Pubblica ora' }).click();
    assert.match(await officer.getByTestId('albo-error').innerText(), /dati sulla salute, che non si pubblicano mai/);
    await check(officer, 'health-data');
    // An extract without them (this one has no text at all).
    await officer.getByLabel(/Estratto da pubblicare/).setInputFiles({ name: 'estratto.pdf', mimeType: 'application/pdf', buffer: PDF });
    await officer.getByRole('button', { name: 'Pubblica ora' }).click();
    await officer.waitForURL(/\/staff\/albo\/\d+\?fatto=pubblicata$/);
    assert.match(await officer.getByTestId('albo-sent').innerText(), /Pubblicato/);
    const number = (await officer.getByTestId('albo-number').innerText()).trim();
    assert.match(number, /^\d{4}\/\d{4}$/);
    await check(officer, 'published');

    // A period that ended (the demo's deliberation, ended by the jobs): off the board, its
    // relata sealed, registered in the protocol, downloadable.
    await officer.goto(`${base}/staff/albo`);
    await officer.getByRole('link', { name: /piazza Cavour/ }).click();
    await officer.waitForURL(/\/staff\/albo\/\d+$/);
    assert.match(await officer.locator('main').innerText(), /registrata al protocollo n\. \S+/);
    const relata = await officer.getByRole('link', { name: 'Scarica la relata (PDF)' }).getAttribute('href');
    const pdf = await officer.request.get(`${base}${relata}`);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    await check(officer, 'ended');

    // The ente's default periods, within the law: refused beyond it, saved within it.
    await officer.goto(`${base}/staff/albo`);
    await officer.getByTestId('albo-periods').click();
    await officer.waitForURL(`${base}/staff/albo/periodi`);
    await officer.getByLabel('Determinazione dirigenziale', { exact: true }).fill('40');
    await officer.getByRole('button', { name: 'Salva tipi e durate' }).click();
    assert.match(await officer.getByTestId('albo-periods-refused').innerText(), /Nulla è stato salvato/);
    await check(officer, 'periods-refused');
    await officer.getByLabel('Determinazione dirigenziale', { exact: true }).fill('30');
    await officer.getByRole('button', { name: 'Salva tipi e durate' }).click();
    await officer.waitForURL(`${base}/staff/albo/periodi?salvato=1`);
    await check(officer, 'periods');
    // A type of the ente's own, beside the region's.
    await officer.getByLabel('Nome del tipo').fill('Verbale di gara');
    await officer.getByLabel('Giorni di pubblicazione').fill('20');
    await officer.getByRole('button', { name: 'Aggiungi il tipo' }).click();
    await officer.waitForURL(`${base}/staff/albo/periodi?aggiunto=1`);
    assert.match(await officer.getByTestId('albo-type-added').innerText(), /Tipo aggiunto/);
    assert.equal(await officer.getByLabel('Verbale di gara', { exact: true }).inputValue(), '20');
    await check(officer, 'type-added');

    // A resident, on a phone, without JavaScript.
    const phone = await browser.newContext({ locale: 'it-IT', javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
    const resident = await phone.newPage();
    resident.setDefaultTimeout(30000);
    await resident.goto(`${base}/livorno/`);
    await resident.locator('main').getByRole('link', { name: 'Albo pretorio online' }).click();
    await resident.waitForURL(`${base}/livorno/albo`);
    await seen(resident, 'albo-nojs-board');
    await resident.getByLabel(/Cerca nell'oggetto/).fill('barriere');
    await resident.getByRole('button', { name: 'Cerca' }).click();
    await resident.waitForURL(/\/livorno\/albo\?q=barriere/);
    assert.equal(await resident.getByTestId('albo-entry').count(), 1);
    await seen(resident, 'albo-nojs-search');
    await resident.getByRole('link', { name: /barriere architettoniche/ }).click();
    await resident.waitForURL(/\/livorno\/albo\/\d{4}\/\d{4}$/);
    assert.match(await resident.getByTestId('albo-documents').innerText(), /estratto\.pdf/);
    await seen(resident, 'albo-nojs-entry');
    await resident.goto(`${base}/livorno/albo/storico`);
    assert.match(await resident.locator('main').innerText(), /piazza Cavour/);
    await seen(resident, 'albo-nojs-history');
    // The ended act: its numbers and dates stay, its documents are gone, access is explained.
    await resident.getByRole('link', { name: /piazza Cavour/ }).click();
    await resident.waitForURL(/\/livorno\/albo\/\d{4}\/\d{4}$/);
    assert.match(await resident.getByTestId('albo-expired').innerText(), /accesso/i);
    assert.equal(await resident.getByTestId('albo-documents').count(), 0);
    await seen(resident, 'albo-nojs-ended');
    await resident.goto(`${base}/livorno/albo/storico`);
    await resident.getByRole('link', { name: 'Verifica di una pubblicazione' }).click();
    await resident.getByLabel('Impronta SHA-256 del documento').fill('0'.repeat(64));
    await resident.getByRole('button', { name: 'Verifica' }).click();
    await resident.waitForURL(/\/livorno\/albo\/verifica\?impronta=0{64}$/);
    assert.match(await resident.getByTestId('albo-chain').innerText(), /integra/);
    await seen(resident, 'albo-nojs-verify');
    await phone.close();
  } finally {
    demo.stop();
  }
});
