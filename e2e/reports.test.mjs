// Reports (segnalazioni, issue 20), as people use them.
// A resident on a phone, without JavaScript, reports a pothole from the municipality's home:
// the form names every problem first and keeps what was typed, a street the municipality does
// not have is refused with the one it may be; sent, it says its number, district and term. A
// second resident, with JavaScript, is offered the open report nearby and supports it. The
// office takes it in charge and resolves it with an answer; the first resident says it is
// solved. The public list, the districts' view, the office's setup. axe-core where scripts
// run, and the visual checks at three widths on every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, axe as axeCheck, staffSignIn, seen, signInAs, totp } from './support.mjs';

let browser;
const visited = [];
const check = async (page, label) => visited.push(await axeCheck(page, `reports-${label}`));

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
  console.log(`pages checked by axe-core: ${visited.length}\n  ${visited.join('\n  ')}`);
});

test('a pothole reported on a phone without JavaScript, supported, resolved and confirmed', async () => {
  const demo = await startDemo();
  const base = demo.base;
  try {
    // A resident, on a phone, without JavaScript.
    const phone = await browser.newContext({ locale: 'it-IT', javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
    const resident = await phone.newPage();
    resident.setDefaultTimeout(30000);
    await resident.goto(`${base}/livorno/`);
    await resident.locator('main').getByRole('link', { name: 'Segnala un problema in città' }).click();
    await resident.waitForURL(`${base}/livorno/segnalazioni/nuova`);
    await seen(resident, 'reports-nojs-sign-in-first');
    await resident.getByTestId('sign-in-to-report').click();
    await signInAs(resident, 'mario-rossi', 'L2');
    await resident.waitForURL(`${base}/livorno/segnalazioni/nuova`);
    await seen(resident, 'reports-nojs-form');
    // Nothing chosen: every problem, at once.
    await resident.getByLabel('In poche parole, qual è il problema?').fill('Buca sulle strisce pedonali');
    await resident.getByTestId('send-report').click();
    const problems = await resident.getByTestId('form-problems').innerText();
    assert.match(problems, /Scegli la categoria/);
    assert.match(problems, /Descrivi il problema/);
    assert.match(problems, /Indica dove si trova il problema/);
    assert.equal(await resident.getByLabel('In poche parole, qual è il problema?').inputValue(), 'Buca sulle strisce pedonali');
    await seen(resident, 'reports-nojs-problems');
    await resident.locator('label[for=categoria]').click(); // the first category: «Strade e marciapiedi»
    await resident.getByLabel('Descrizione').fill('Una buca profonda sulle strisce pedonali davanti alla scuola.');
    await resident.getByLabel('Via o piazza').fill('Via Carducci');
    await resident.getByLabel('Numero civico (facoltativo)').fill('3');
    await resident.getByTestId('send-report').click();
    assert.match(await resident.getByTestId('form-problems').innerText(), /Forse: Viale Carducci\?/);
    await seen(resident, 'reports-nojs-unknown-street');
    await resident.getByLabel('Via o piazza').fill('Viale Carducci');
    await resident.getByTestId('send-report').click();
    await resident.waitForURL(/\/livorno\/segnalazioni\/\d{4}\/\d+\?inviata=1$/);
    assert.match(await resident.getByTestId('report-sent').innerText(), /Segnalazione inviata con il numero \d{4}-\d{4}/);
    assert.match(await resident.getByTestId('report-district').innerText(), /Sud/);
    assert.match(await resident.getByTestId('report-state').innerText(), /Ricevuta/);
    await seen(resident, 'reports-nojs-sent');
    const reportPath = new URL(resident.url()).pathname;

    // A second resident, with JavaScript, near the same pothole: offered the open report.
    const other = await (await browser.newContext({ locale: 'it-IT' })).newPage();
    other.setDefaultTimeout(30000);
    await other.goto(`${base}/livorno/segnalazioni/nuova`);
    await other.getByTestId('sign-in-to-report').click();
    await signInAs(other, 'giulia-bianchi', 'L2');
    await other.waitForURL(`${base}/livorno/segnalazioni/nuova`);
    await check(other, 'form');
    await other.locator('label[for=categoria]').click();
    await other.getByLabel('In poche parole, qual è il problema?').fill('Buca');
    await other.getByLabel('Descrizione').fill('Pericolosa per le biciclette.');
    await other.getByLabel('Via o piazza').fill('Viale Carducci');
    await other.getByLabel('Numero civico (facoltativo)').fill('9');
    await other.getByTestId('send-report').click();
    assert.match(await other.getByTestId('nearby').innerText(), /Buca sulle strisce pedonali/);
    await check(other, 'nearby');
    await other.getByTestId('support-nearby').first().click();
    await other.waitForURL(/\?esito=sostegno$/);
    assert.match(await other.getByTestId('report-notice').innerText(), /sostegno è stato registrato/);
    assert.equal((await other.getByTestId('report-supports').innerText()).trim(), '1');
    await check(other, 'supported');

    // The office: the queue, the report, taken in charge, resolved with an answer.
    const office = await staffSignIn(browser, base, 'livorno.istruttore', false);
    office.setDefaultTimeout(30000);
    await office.getByRole('link', { name: 'Segnalazioni' }).first().click();
    await office.waitForURL(`${base}/staff/segnalazioni`);
    await check(office, 'desk');
    await office.getByRole('link', { name: 'Buca sulle strisce pedonali' }).click();
    await office.waitForURL(/\/staff\/segnalazioni\/\d{4}\/\d+$/);
    await check(office, 'office-report');
    await office.getByTestId('report-act').click(); // «Prendi in carico», chosen first
    await office.waitForURL(/\?fatto=1$/);
    assert.match(await office.getByTestId('report-state').innerText(), /Presa in carico/);
    await office.locator('label[for=azione-resolve]').click();
    await office.getByTestId('report-act').click();
    assert.match(await office.getByTestId('form-problems').innerText(), /Scrivi la risposta/);
    await check(office, 'office-refused');
    await office.locator('label[for=azione-resolve]').click();
    await office.getByLabel('Risposta per chi ha segnalato').fill('Buca chiusa con asfalto a caldo.');
    await office.getByTestId('report-act').click();
    await office.waitForURL(/\?fatto=1$/);
    assert.match(await office.getByTestId('report-state').innerText(), /Risolta/);
    await check(office, 'office-resolved');

    // The first resident, still without JavaScript: it is solved.
    await resident.goto(`${base}${reportPath}`);
    assert.match(await resident.getByTestId('report-timeline').innerText(), /Buca chiusa con asfalto a caldo/);
    await resident.locator('label[for=risolta-si]').click();
    await resident.getByTestId('send-outcome').click();
    await resident.waitForURL(/\?esito=confermata$/);
    assert.match(await resident.getByTestId('report-timeline').innerText(), /conferma che è risolta/);
    await seen(resident, 'reports-nojs-confirmed');
    await resident.goto(`${base}/area-personale`);
    assert.match(await resident.getByTestId('my-reports').innerText(), /Buca sulle strisce pedonali/);
    await seen(resident, 'reports-nojs-personal-area');

    // The public list, filtered; the districts' view.
    await resident.goto(`${base}/livorno/segnalazioni`);
    await seen(resident, 'reports-nojs-list');
    await resident.getByLabel('Stato').selectOption('resolved');
    await resident.getByRole('button', { name: 'Filtra' }).click();
    await resident.waitForURL(/stato=resolved/);
    assert.match(await resident.getByTestId('reports').innerText(), /Buca sulle strisce pedonali/);
    await resident.getByRole('link', { name: 'Segnalazioni per quartiere' }).click();
    await resident.waitForURL(`${base}/livorno/segnalazioni/quartieri`);
    assert.match(await resident.getByTestId('district-counts').innerText(), /Sud/);
    await seen(resident, 'reports-nojs-districts');
    await other.goto(`${base}/livorno/segnalazioni`);
    await check(other, 'list');
    await other.goto(`${base}/livorno/segnalazioni/quartieri`);
    await check(other, 'districts');
    await phone.close();

    // The administrator's setup: categories, districts, an Open311 key shown once.
    const admin = await staffSignIn(browser, base, 'livorno.admin', true);
    admin.setDefaultTimeout(30000);
    await admin.goto(`${base}/staff/segnalazioni/impostazioni`);
    await check(admin, 'setup');
    await admin.getByLabel('Nome dell\'app').fill('FixMyStreet Livorno');
    await admin.getByRole('button', { name: 'Crea una chiave' }).click();
    assert.match(await admin.getByTestId('new-key').innerText(), /o311_/);
    await check(admin, 'setup-key');
  } finally {
    demo.stop();
  }
});
