// Reports (segnalazioni, issue 20), as people use them.
// A resident on a phone, without JavaScript, reports a pothole from the municipality's home:
// the form names every problem first and keeps what was typed, a street the municipality does
// not have is refused with the one it may be; sent, it says its number, district and term. A
// second resident, with JavaScript, is offered the open report nearby and supports it. The
// office takes it in charge and resolves it with an answer; the first resident says it is
// solved. The public list, the districts' view, the office's setup. axe-core where scripts
// run, and the visual checks at three widths on every page.
// Then someone who never signs in reports by e-mail: the real SMTP server of the tests
// (e2e/smtp-server.py) receives the link to confirm and, once the office resolves it, the
// link to answer «è stato risolto?» — they say no, and the office's queue shows it reopened.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
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

/** A free loopback port. */
const freePort = () => new Promise((resolve) => {
  const srv = createServer();
  srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
});

/** The tests' SMTP server (the Rust suite's virtual environment has aiosmtpd). Messages by
 * recipient, as they arrive. */
async function startSmtp() {
  const python = new URL('../target/testkit-python/bin/python3', import.meta.url).pathname;
  assert.ok(existsSync(python), 'run the Rust tests first: they make target/testkit-python');
  const port = await freePort();
  const child = spawn(python, [new URL('./smtp-server.py', import.meta.url).pathname, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const messages = [];
  const waiting = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the SMTP server did not start')), 60000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.trim() === 'READY') { clearTimeout(timer); resolve(); return; }
      messages.push(JSON.parse(line));
      if (process.env.SMTP_DEBUG) console.log('mail:', messages.at(-1).to, messages.at(-1).subject);
      waiting.splice(0).forEach((w) => w());
    });
  });
  /** The first message to `to` whose subject matches, waiting up to a minute for it. */
  const next = async (to, subject) => {
    const deadline = Date.now() + 60000;
    for (;;) {
      const m = messages.find((x) => x.to.includes(to) && subject.test(x.subject));
      if (m) return m;
      assert.ok(Date.now() < deadline, `no message to ${to} matching ${subject}`);
      await new Promise((resolve) => { waiting.push(resolve); setTimeout(resolve, 1000); });
    }
  };
  return { url: `smtp://127.0.0.1:${port}`, next, stop: () => child.stdin.end() };
}

test('reported without signing in: confirmed by e-mail, resolved, answered «no» from the e-mail, reopened', async () => {
  const smtp = await startSmtp();
  const demo = await startDemo({ SPORTELLO__MAIL__SMTP_URL: smtp.url, SPORTELLO__JOBS__INTERVAL_SECONDS: '1' });
  const base = demo.base;
  try {
    const context = await browser.newContext({ locale: 'it-IT', javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
    const visitor = await context.newPage();
    visitor.setDefaultTimeout(30000);
    await visitor.goto(`${base}/livorno/segnalazioni/nuova`);
    await visitor.locator('label[for=categoria]').click();
    await visitor.getByLabel('In poche parole, qual è il problema?').fill('Panchina rotta ai giardini');
    await visitor.getByLabel('Descrizione').fill('La panchina accanto alla fontana ha due assi spezzate.');
    await visitor.getByLabel('Via o piazza').fill('Viale Carducci');
    // A point far outside Livorno is refused, with the address kept.
    await visitor.locator('details:has(#lat) > summary').click();
    await visitor.getByLabel('Latitudine').fill('43.40');
    await visitor.getByLabel('Longitudine').fill('10.45');
    await visitor.getByLabel('La tua e-mail').fill('lucia@example.org');
    await visitor.getByLabel('Il tuo nome (facoltativo)').fill('Lucia Verdi');
    await visitor.getByTestId('send-report').click();
    assert.match(await visitor.getByTestId('form-problems').innerText(), /fuori dal territorio del comune/);
    assert.equal(await visitor.getByLabel('Via o piazza').inputValue(), 'Viale Carducci');
    await seen(visitor, 'reports-nojs-outside');
    await visitor.getByLabel('Latitudine').fill('');
    await visitor.getByLabel('Longitudine').fill('');
    await visitor.getByTestId('send-report').click();
    assert.match(await visitor.getByTestId('check-email').innerText(), /lucia@example\.org/);
    await seen(visitor, 'reports-nojs-check-email');

    const link = (mail, path) => mail.body.split(/\s+/).find((w) => w.includes(path));
    const confirm = link(await smtp.next('lucia@example.org', /^Conferma la tua segnalazione/), '/segnalazioni/conferma/');
    await visitor.goto(confirm);
    await seen(visitor, 'reports-nojs-confirm');
    await visitor.getByTestId('confirm-report').click();
    await visitor.waitForURL(/\/livorno\/segnalazioni\/\d{4}\/\d+\?inviata=1$/);
    const reportPath = new URL(visitor.url()).pathname;

    const office = await staffSignIn(browser, base, 'livorno.istruttore', false);
    office.setDefaultTimeout(30000);
    await office.goto(`${base}/staff${reportPath.replace('/livorno', '')}`);
    await office.getByTestId('report-act').click(); // «Prendi in carico»
    await office.waitForURL(/\?fatto=1$/);
    await office.locator('label[for=azione-resolve]').click();
    await office.getByLabel('Risposta per chi ha segnalato').fill('Assi sostituite.');
    await office.getByTestId('report-act').click();
    await office.waitForURL(/\?fatto=1$/);

    const answer = link(await smtp.next('lucia@example.org', /Risolta$/), '/segnalazioni/risposta/');
    // axe-core needs scripts: the page is checked in a browser that runs them, then answered
    // in the one that does not.
    const withScripts = await browser.newContext({ locale: 'it-IT' });
    const reader = await withScripts.newPage();
    await reader.goto(answer);
    await check(reader, 'answer');
    await withScripts.close();
    await visitor.goto(answer);
    await seen(visitor, 'reports-nojs-answer');
    await visitor.getByTestId('send-outcome').click();
    assert.match(await visitor.getByTestId('outcome-problem').innerText(), /Scegli se il problema/);
    await visitor.locator('label[for=risolta-no]').click();
    await visitor.getByLabel('Cosa non va ancora? (facoltativo)').fill('Ne hanno sostituita una sola.');
    await visitor.getByTestId('send-outcome').click();
    await visitor.waitForURL(/\?esito=riaperta$/);
    assert.match(await visitor.getByTestId('report-timeline').innerText(), /Ne hanno sostituita una sola/);
    await seen(visitor, 'reports-nojs-reopened');
    // The link is spent.
    const again = await visitor.goto(answer);
    assert.equal(again.status(), 404);

    // The office's queue, nearest term first: the report is marked reopened.
    await office.goto(`${base}/staff/segnalazioni`);
    await office.getByLabel('Ordina per').selectOption('scadenza');
    await office.getByRole('button', { name: 'Filtra' }).click();
    await office.waitForURL(/ordina=scadenza/);
    const card = office.getByTestId('report').filter({ hasText: 'Panchina rotta ai giardini' });
    assert.match(await card.getByTestId('report-reopened').innerText(), /Riaperta/);
    await check(office, 'desk-by-term');
    await context.close();
  } finally {
    demo.stop();
    smtp.stop();
  }
});
