// Payments through pagoPA (issue 17), as people do them.
// 1. The demo is its own platform: a resident pays a notice from «Pagamenti» at the demo's
//    checkout and downloads the receipt; another, without JavaScript, tops up the school
//    canteen from the municipality's «Pagamenti online» and pays it; the office closes the
//    seeded anomaly and reads the reconciliation (a flow cashed, one waiting for its credit).
// 2. Against the pagoPA simulator (e2e/pagopa-sim.mjs, standing in for the real platform),
//    without JavaScript: a resident pays a CILA's fees before sending it, through the
//    simulator's checkout; the office reads the PSP's flow and imports the treasurer's
//    statement, and the payment is reported and cashed.
// axe-core and the visual checks on every page of ours, at three widths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemo, launch, axe as axeCheck, staffSignIn, signInAs, seen } from './support.mjs';
import { PDF } from './journey.mjs';

const here = dirname(fileURLToPath(import.meta.url));
let browser;
const visited = [];
const check = async (page, label) => visited.push(await axeCheck(page, `payments-${label}`));

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
  console.log(`pages checked by axe-core: ${visited.length}\n  ${visited.join('\n  ')}`);
});

test('the demo: a notice paid at the demo checkout, an anomaly closed, the reconciliation read', async () => {
  const demo = await startDemo();
  const base = demo.base;
  try {
    const context = await browser.newContext({ locale: 'it-IT' });
    const page = await context.newPage();
    await page.goto(`${base}/accedi?torna=%2Farea-personale%2Fpagamenti`);
    await signInAs(page, 'mario-rossi', 'L2');
    await page.waitForURL(`${base}/area-personale/pagamenti`);
    const debt = page.getByTestId('debt').first();
    const amount = (await debt.innerText()).match(/(\d+,\d\d €)/)[1];
    await debt.getByTestId('pay-now').click();
    await page.waitForURL(/\/demo-pagopa\/[a-z-]+\/\d{18}\?torna=/);
    assert.match(await page.locator('main').innerText(), /Ambiente dimostrativo/);
    assert.equal(await page.getByTestId('demo-amount').innerText(), amount);
    await check(page, 'demo-checkout');
    await page.getByTestId('demo-pay').click();
    await page.waitForURL(`${base}/area-personale/pagamenti?esito=ok`);
    assert.match(await page.getByTestId('checkout-outcome').innerText(), /Pagamento eseguito/);
    const paid = page.getByTestId('debt-closed').filter({ has: page.getByTestId('paid') }).first();
    const href = await paid.getByTestId('receipt-pdf').getAttribute('href');
    await check(page, 'debt-file-paid');
    const pdf = await page.request.get(`${base}${href}`);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    await context.close();

    // From the municipality's home, with and without JavaScript: a resident tops up the
    // canteen (axe-core where scripts run; what a person sees at three widths in both).
    for (const [js, pupil] of [[true, 'Marco Bianchi'], [false, 'Sara Bianchi']]) {
      const look = async (page, label) => (js ? check(page, label) : seen(page, `payments-nojs-${label}`));
      const own = await browser.newContext({ locale: 'it-IT', javaScriptEnabled: js });
      const resident = await own.newPage();
      resident.setDefaultTimeout(30000);
      await resident.goto(`${base}/livorno/`);
      await resident.getByRole('link', { name: 'Pagamenti online' }).click();
      await resident.waitForURL(`${base}/livorno/pagamenti`);
      assert.equal(await resident.getByTestId('payment-kind').count(), 3);
      await look(resident, 'spontaneous-list');
      await resident.getByRole('link', { name: /^Paga\W+Ricarica del credito mensa/ }).click();
      await resident.waitForURL(`${base}/livorno/pagamenti/nuovo/ricarica-mensa`);
      await look(resident, 'spontaneous-sign-in-first');
      await resident.getByTestId('sign-in-to-pay').click();
      await signInAs(resident, 'giulia-bianchi', 'L2');
      await resident.waitForURL(`${base}/livorno/pagamenti/nuovo/ricarica-mensa`);
      await resident.getByLabel("Codice fiscale dell'alunno o dell'alunna").fill('BNCMRC16C10D612A');
      await resident.getByLabel('Importo in euro').fill('2,50');
      await resident.getByTestId('start-payment').click();
      const problems = await resident.getByTestId('form-problems').innerText();
      assert.match(problems, /codice fiscale non è valido/);
      assert.match(problems, /Scrivi nome e cognome/);
      assert.match(problems, /importo minimo è 5,00 €/);
      assert.equal(await resident.getByLabel('Importo in euro').inputValue(), '2,50', 'what was typed stays');
      await look(resident, 'spontaneous-problems');
      await resident.getByLabel("Codice fiscale dell'alunno o dell'alunna").fill('BNCMRC16C10D612Z');
      await resident.getByLabel("Nome e cognome dell'alunno o dell'alunna").fill(pupil);
      await resident.getByLabel('Importo in euro').fill('30');
      await resident.getByTestId('start-payment').click();
      await resident.waitForURL(/\/area-personale\/pagamenti\?comune=livorno&avviso=\d{18}#avviso-\d{18}$/);
      assert.match(await resident.getByTestId('payment-created').innerText(), /Pagamento creato/);
      const topUp = resident.getByTestId('debt').filter({ hasText: pupil });
      assert.match(await topUp.innerText(), /30,00 €/);
      await look(resident, 'spontaneous-created');
      await topUp.getByTestId('pay-now').click();
      await resident.waitForURL(/\/demo-pagopa\/livorno\/\d{18}\?torna=/);
      await resident.getByTestId('demo-pay').click();
      await resident.waitForURL(/\/area-personale\/pagamenti\?esito=ok$/);
      assert.equal(
        await resident.getByTestId('debt-closed').filter({ hasText: pupil }).getByTestId('paid').count(), 1);
      // A certificate's fees: which certificate is chosen from a list, asked before anything
      // is written.
      await resident.goto(`${base}/livorno/pagamenti/nuovo/diritti-certificato`);
      await resident.getByTestId('start-payment').click();
      assert.match(await resident.getByTestId('form-problems').innerText(), /Scegli dall'elenco «Quale certificato»/);
      await look(resident, 'certificate-problem');
      await resident.getByLabel('Quale certificato').selectOption(js ? 'Certificato di residenza' : 'Certificato di stato libero');
      await resident.getByTestId('start-payment').click();
      await resident.waitForURL(/\/area-personale\/pagamenti\?comune=livorno&avviso=\d{18}#avviso-\d{18}$/);
      const certificate = resident.getByTestId('debt').filter({ hasText: js ? 'Certificato di residenza' : 'Certificato di stato libero' });
      assert.match(await certificate.innerText(), /16,52 €/);
      await own.close();
    }

    // The office: the open anomaly of the demo, closed with a note; the reconciliation.
    const office = await staffSignIn(browser, base, 'livorno.istruttore', false);
    await office.goto(`${base}/staff/pagamenti`);
    const anomaly = office.getByTestId('anomaly').filter({ hasText: 'Ricevuta per un avviso sconosciuto' }).first();
    await anomaly.getByRole('button', { name: "Chiudi l'anomalia" }).click();
    assert.match(await office.locator('main').innerText(), /Scrivi come è stata risolta/);
    await check(office, 'anomaly-refused');
    await office.getByTestId('anomaly').filter({ hasText: 'Ricevuta per un avviso sconosciuto' }).first()
      .getByLabel('Nota di chiusura').fill('Pagamento di un altro ente: segnalato al PSP per lo storno.');
    await office.getByTestId('anomaly').filter({ hasText: 'Ricevuta per un avviso sconosciuto' }).first()
      .getByRole('button', { name: "Chiudi l'anomalia" }).click();
    await office.waitForURL(`${base}/staff/pagamenti#anomalie`);
    assert.match(await office.getByTestId('anomalies').innerText(), /segnalato al PSP per lo storno/);
    await check(office, 'staff-payments');
    await office.getByTestId('reconciliation-link').click();
    await office.waitForURL(`${base}/staff/pagamenti/riconciliazione`);
    assert.equal(await office.getByTestId('flow-cashed').count(), 1, 'the older flow is cashed');
    assert.match(await office.getByTestId('flows').innerText(), /In attesa dell'accredito/);
    assert.match(await office.getByTestId('accounting').innerText(), /Diritti/);
    await check(office, 'reconciliation');
    // Withdrawing a notice is looked at first, and can be left.
    await office.goto(`${base}/staff/pagamenti`);
    await office.getByTestId('payments-table').getByRole('link', { name: /^Annulla/ }).first().click();
    await office.waitForURL(/\/staff\/pagamenti\/posizioni\/[^/]+\/annulla$/);
    assert.match(await office.locator('main').innerText(), /Non si può tornare indietro/);
    await check(office, 'withdraw-confirm');
    await office.getByRole('link', { name: 'No, torna ai pagamenti' }).click();
    await office.waitForURL(`${base}/staff/pagamenti`);
  } finally {
    demo.stop();
  }
});

/** Starts the pagoPA simulator; its address. */
async function startSimulator(key) {
  const sim = spawn('node', [join(here, 'pagopa-sim.mjs')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, SUBSCRIPTION_KEY: key },
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the simulator did not start')), 30000);
    createInterface({ input: sim.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve(`http://127.0.0.1:${line.replace('port ', '').trim()}`);
    });
  });
  return { url, stop: () => sim.kill('SIGTERM') };
}

test('against the simulator, without JavaScript: a CILA paid before sending, reported and cashed', async () => {
  const key = 'e2e-subscription-key';
  const token = 'e2e-node-token';
  const sim = await startSimulator(key);
  let demo;
  try {
  demo = await startDemo({
    SPORTELLO__PAGOPA__GPD_URL: `${sim.url}/gpd/debt-positions-service/v1`,
    SPORTELLO__PAGOPA__FDR_URL: `${sim.url}/fdr-org/service/v1`,
    SPORTELLO__PAGOPA__CHECKOUT_URL: `${sim.url}/checkout/ec/v1`,
    SPORTELLO__PAGOPA__SUBSCRIPTION_KEY: key,
    SPORTELLO__PAGOPA__BROKER_FISCAL_CODE: '80001234567',
    SPORTELLO__PAGOPA__STATION_ID: '80001234567_01',
    SPORTELLO__PAGOPA__NODE_TOKEN: token,
    SPORTELLO__JOBS__INTERVAL_SECONDS: '1',
  });
  const base = demo.base;
    await fetch(`${sim.url}/sim/config`, {
      method: 'POST',
      body: JSON.stringify({ receiptUrl: `${base}/pagopa/paForNode`, token, brokerFiscalCode: '80001234567', stationId: '80001234567_01' }),
    });
    const context = await browser.newContext({ locale: 'it-IT', javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${base}/accedi?torna=%2Flivorno%2Fservizi%2Fcila`);
    await signInAs(page, 'giulia-bianchi', 'L2');
    await page.waitForURL(`${base}/livorno/servizi/cila`);
    await page.getByRole('button', { name: /Compila la domanda|Inizia una nuova domanda/ }).first().click();
    if (/\/per-conto-di$/.test(page.url())) await page.getByRole('button', { name: 'Continua' }).click();
    await page.waitForURL(/\/passo\/1$/);
    await page.getByLabel("Indirizzo dell'immobile").fill('Via Grande 10, Livorno');
    await page.getByLabel('Foglio catastale').fill('12');
    await page.getByLabel('Particella', { exact: true }).fill('120');
    await page.getByRole('button', { name: 'Salva e continua' }).click();
    await page.waitForURL(/\/passo\/2$/);
    await page.getByLabel('Descrizione dei lavori').fill('Rifacimento del bagno');
    await page.getByLabel('Data di inizio lavori').fill(new Date(Date.now() + 20 * 86400000).toISOString().slice(0, 10));
    await page.getByLabel('Codice fiscale del tecnico asseverante').fill('HDDSMR85H60G999D');
    await page.getByLabel(/Relazione tecnica asseverata/).setInputFiles({ name: 'relazione.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByLabel('Elaborati grafici').setInputFiles({ name: 'elaborati.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByRole('button', { name: /Salva e continua|Vai al riepilogo/ }).first().click();
    await page.waitForURL(/\/riepilogo$/);
    const review = page.url();
    // Sent unpaid: refused, said.
    await page.locator('label[for="dichiarazione"]').click();
    await page.getByRole('button', { name: 'Invia la domanda' }).click();
    assert.match(await page.locator('#error-summary').innerText(), /Paga i costi con pagoPA prima di inviare/);
    await seen(page, 'payments-cila-unpaid');
    await page.getByTestId('make-notice').click();
    await page.waitForURL(/\/riepilogo#pagamento$/);
    // The jobs publish the position to the platform within a few seconds.
    let payable = false;
    for (let i = 0; i < 30 && !payable; i++) {
      await page.goto(review);
      payable = (await page.getByTestId('pay-now').count()) > 0;
      if (!payable) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(payable, 'published to pagoPA and payable');
    await seen(page, 'payments-cila-pay-now');
    await page.getByTestId('pay-now').click();
    await page.waitForURL(new RegExp(`^${sim.url}/checkout/`));
    assert.match(await page.locator('main').innerText(), /50,00 €/);
    await page.getByRole('button', { name: 'Paga' }).click();
    await page.waitForURL(`${review}?esito=ok`);
    assert.match(await page.getByTestId('checkout-outcome').innerText(), /Pagamento eseguito/);
    assert.equal(await page.getByTestId('paid').count(), 1);
    await seen(page, 'payments-cila-paid');
    await page.locator('label[for="dichiarazione"]').click();
    await page.getByRole('button', { name: 'Invia la domanda' }).click();
    await page.waitForURL(/\/ricevuta$/);
    assert.equal(await page.getByTestId('paid').count(), 1, 'the receipt shows the payment');
    await context.close();

    // The PSP reports the day in a flow; the treasurer's statement credits it.
    const flow = await (await fetch(`${sim.url}/sim/flow`, { method: 'POST', body: JSON.stringify({ fiscalCode: '00104330493' }) })).json();
    const camt = await (await fetch(`${sim.url}/sim/camt053`, { method: 'POST', body: JSON.stringify({ fdrs: [flow.fdr], truncate: 40 }) })).text();
    const office = await staffSignIn(browser, base, 'livorno.istruttore', false);
    let read = false;
    for (let i = 0; i < 30 && !read; i++) {
      await office.goto(`${base}/staff/pagamenti/riconciliazione`);
      read = (await office.locator('main').innerText()).includes(flow.fdr);
      if (!read) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(read, 'the flow read from the FdR API');
    await office.getByLabel('Estratto conto (camt.053, XML)').setInputFiles({ name: 'giornale.xml', mimeType: 'application/xml', buffer: Buffer.from(camt) });
    await office.getByRole('button', { name: 'Importa e riconcilia' }).click();
    await office.waitForURL(/riconciliazione\?importato=1$/);
    assert.equal(await office.getByTestId('flow-cashed').count(), 1);
    await check(office, 'reconciliation-cashed');
    const requests = await (await fetch(`${sim.url}/sim/requests`)).json();
    assert.ok(requests.length > 0 && requests.every((r) => r.valid), JSON.stringify(requests.filter((r) => !r.valid)));
  } finally {
    demo?.stop();
    sim.stop();
  }
});
