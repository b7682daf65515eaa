// The participatory budget in the browser (issue 6): the office starts a process; residents
// propose; the office reviews; residents vote in the first (uninformed) vote, the debate
// follows, they vote again; the results page shows the outcome of both rules and the shift
// between the votes. The office moves the phases' dates to step through the calendar in one
// day. axe-core on every page; one resident votes with JavaScript disabled throughout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, axe as axeCheck, signInAs, staffSignIn as staffSignInAt } from './support.mjs';

let demo, base, browser;
const visited = [];
const check = async (page, label) => visited.push(await axeCheck(page, `pb-${label}`));

before(async () => {
  // A handful of residents vote here: publish their counts (a real deployment waits for 20).
  demo = await startDemo({ SPORTELLO__PARTICIPATION__MIN_VOTERS_TO_PUBLISH: '1' });
  base = demo.base;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  demo?.stop();
  console.log(`pages checked by axe-core: ${visited.length}\n  ${visited.join('\n  ')}`);
});

// Dates in Italy, `days` from today.
function day(days) {
  return new Date(Date.now() + days * 86400000).toLocaleDateString('sv-SE', { timeZone: 'Europe/Rome' });
}

const staffSignIn = (username, withCode) => staffSignInAt(browser, base, username, withCode);

async function setDates(admin, dates) {
  await admin.goto(`${base}/staff/bilancio-partecipativo/bp-e2e`);
  await admin.locator('main summary').click();
  for (const [kind, [opens, closes]] of Object.entries(dates)) {
    await admin.locator(`#apre-${kind}`).fill(opens);
    await admin.locator(`#chiude-${kind}`).fill(closes);
  }
  await admin.getByRole('button', { name: 'Salva le date' }).click();
  await admin.getByText('Date delle fasi salvate.').waitFor();
}

async function resident(persona, js = true) {
  const context = await browser.newContext({ locale: 'it-IT', javaScriptEnabled: js });
  const page = await context.newPage();
  await page.goto(`${base}/accedi?torna=/livorno/bilancio-partecipativo/bp-e2e`);
  await signInAs(page, persona, 'L2');
  await page.waitForURL(`${base}/livorno/bilancio-partecipativo/bp-e2e`);
  return page;
}

async function vote(page, numbers, label) {
  await page.goto(`${base}/livorno/bilancio-partecipativo/bp-e2e`);
  await page.getByRole('link', { name: 'Vota' }).click();
  await page.waitForURL(/\/vota$/);
  if (label) await check(page, label);
  // Bootstrap Italia draws its own boxes: people (and we) click the labels.
  for (const box of await page.locator('input[name="progetto"]').all()) {
    const id = await box.getAttribute('id');
    const want = numbers.includes(Number(id.slice(1)));
    if ((await box.isChecked()) !== want) await page.locator(`label[for="${id}"]`).click();
  }
  await page.getByRole('button', { name: 'Registra il voto' }).click();
  await page.locator('[data-testid="pb-voted"]').waitFor();
}

test('a participatory budget from proposals to the results of two votes', async () => {
  const admin = await staffSignIn('livorno.admin', true);
  // The same administrator's page for the click-day grant: window (Italian time) and quota.
  await admin.goto(`${base}/staff/servizi/contributo-click-day?ente=049009`);
  await admin.getByLabel('Domande finanziate (quota)').fill('150');
  await check(admin, 'catalogue-click-day');
  await admin.getByRole('button', { name: 'Salva', exact: true }).click();
  await admin.getByText('Modifiche salvate.').waitFor();
  // The texts of the acts: Livorno's own decision of acceptance, and the law's checks on it.
  await admin.goto(`${base}/staff/`);
  await admin.locator('main').getByRole('link', { name: 'Testi degli atti' }).click();
  await admin.waitForURL(`${base}/staff/atti`);
  await check(admin, 'acts');
  await admin.getByRole('link', { name: 'Provvedimento di accoglimento' }).click();
  await admin.waitForURL(/\/staff\/atti\/accoglimento/);
  await check(admin, 'act');
  const body = admin.getByLabel("Testo dell'atto");
  await body.fill((await body.inputValue()).replace('{tar}', 'TAR'));
  await admin.getByRole('button', { name: 'Salva', exact: true }).click();
  await admin.getByText('deve contenere {tar}').waitFor();
  await check(admin, 'act-refused');
  await admin.goto(`${base}/staff/`);
  await admin.getByRole('link', { name: 'Bilanci partecipativi' }).click();
  await admin.waitForURL(`${base}/staff/bilancio-partecipativo`);
  await check(admin, 'staff-new');
  await admin.getByLabel('Titolo', { exact: true }).fill('Bilancio partecipativo dei quartieri');
  await admin.getByLabel('Indirizzo breve').fill('bp-e2e');
  await admin.getByLabel('Budget in euro').fill('100000');
  const calendar = { proposals: [day(0), day(0)], review: [day(0), day(0)], vote1: [day(1), day(1)],
    debate: [day(2), day(2)], vote2: [day(3), day(3)], results: [day(4), day(60)] };
  for (const [kind, [opens, closes]] of Object.entries(calendar)) {
    await admin.locator(`#apre-${kind}`).fill(opens);
    await admin.locator(`#chiude-${kind}`).fill(closes);
  }
  await admin.getByRole('button', { name: 'Crea il bilancio partecipativo' }).click();
  await admin.waitForURL(`${base}/staff/bilancio-partecipativo/bp-e2e`);
  await check(admin, 'staff-process');

  // Residents find it from the municipality's home page.
  const mario = await resident('mario-rossi');
  await mario.goto(`${base}/livorno/`);
  await mario.locator('main').getByRole('link', { name: 'Bilancio partecipativo' }).click();
  await mario.waitForURL(`${base}/livorno/bilancio-partecipativo`);
  await check(mario, 'list');
  await mario.getByRole('link', { name: 'Bilancio partecipativo dei quartieri' }).click();
  await mario.waitForURL(`${base}/livorno/bilancio-partecipativo/bp-e2e`);
  await check(mario, 'process');
  const propose = async (page, title, cost, label) => {
    await page.goto(`${base}/livorno/bilancio-partecipativo/bp-e2e`);
    await page.getByRole('link', { name: 'Fai una proposta' }).click();
    await page.waitForURL(/\/proponi$/);
    if (label) await check(page, label);
    await page.getByLabel('Titolo della proposta').fill(title);
    await page.getByLabel('Descrizione: che cosa, dove, per chi').fill(`${title}: descrizione.`);
    await page.getByLabel('Costo stimato in euro').fill(String(cost));
    await page.getByRole('button', { name: 'Invia la proposta' }).click();
    await page.locator('[data-testid="pb-proposed"]').waitFor();
  };
  await propose(mario, 'Parco giochi', 40000, 'propose');
  await check(mario, 'proposed');
  await propose(mario, 'Pista ciclabile', 30000);
  const giulia = await resident('giulia-bianchi');
  await propose(giulia, 'Orti urbani', 20000);
  await propose(giulia, 'Fontana luminosa', 90000);
  // Over the budget: refused with the reason, nothing lost.
  await giulia.goto(`${base}/livorno/bilancio-partecipativo/bp-e2e/proponi`);
  await giulia.getByLabel('Titolo della proposta').fill('Stadio');
  await giulia.getByLabel('Descrizione: che cosa, dove, per chi').fill('Grande.');
  await giulia.getByLabel('Costo stimato in euro').fill('5000000');
  await giulia.getByRole('button', { name: 'Invia la proposta' }).click();
  await giulia.getByText('Il costo stimato supera il budget').waitFor();
  assert.equal(await giulia.getByLabel('Titolo della proposta').inputValue(), 'Stadio');
  await check(giulia, 'propose-refused');

  // The office reviews: three feasible, one not.
  const office = await staffSignIn('livorno.istruttore', false);
  await office.goto(`${base}/staff/bilancio-partecipativo/bp-e2e`);
  await check(office, 'review');
  for (const n of [1, 2, 3]) {
    const card = office.locator(`[data-testid="pb-review-${n}"]`);
    await office.locator(`label[for="ok-${n}"]`).click();
    await card.getByRole('button', { name: 'Salva la verifica' }).click();
    await office.waitForURL(`${base}/staff/bilancio-partecipativo/bp-e2e`);
  }
  const fourth = office.locator('[data-testid="pb-review-4"]');
  await office.locator('label[for="no-4"]').click();
  await fourth.getByLabel('Motivazione').fill('Costo di manutenzione non sostenibile.');
  await fourth.getByRole('button', { name: 'Salva la verifica' }).click();
  await office.waitForURL(`${base}/staff/bilancio-partecipativo/bp-e2e`);

  // The first vote opens today.
  await setDates(admin, { proposals: [day(-2), day(-2)], review: [day(-1), day(-1)], vote1: [day(0), day(0)] });
  await vote(mario, [1, 2], 'vote');
  await check(mario, 'voted');
  await vote(giulia, [3], null);
  const chiara = await resident('chiara-conti', false);
  await vote(chiara, [1, 3], null);
  // Over the budget? 1 + 2 + 3 cost 90,000: within. A ballot naming a withdrawn project is
  // impossible from the form; the server test covers it.

  // The debate: comments and replies on a project.
  await setDates(admin, { proposals: [day(-5), day(-5)], review: [day(-4), day(-4)], vote1: [day(-3), day(-3)], debate: [day(0), day(0)], vote2: [day(1), day(1)] });
  await giulia.goto(`${base}/livorno/bilancio-partecipativo/bp-e2e`);
  await giulia.getByRole('link', { name: 'Orti urbani' }).click();
  await giulia.waitForURL(/\/progetti\/3$/);
  await check(giulia, 'project');
  await giulia.getByLabel('Il tuo commento').fill('Gli orti uniscono il quartiere e costano poco.');
  await giulia.getByRole('button', { name: 'Pubblica il commento' }).click();
  await giulia.locator('[data-testid="pb-notice"]').waitFor();
  await check(giulia, 'commented');
  await chiara.goto(`${base}/livorno/bilancio-partecipativo/bp-e2e/progetti/3`);
  await chiara.getByLabel('Rispondi a Giulia B.').fill('Sono d\'accordo: ci sto.');
  await chiara.getByRole('button', { name: 'Rispondi', exact: true }).click();
  await chiara.locator('[data-testid="pb-notice"]').waitFor();
  assert.match(await chiara.locator('[data-testid="pb-comments"]').innerText(), /ci sto/);

  // The second vote: the gardens gain support.
  await setDates(admin, { debate: [day(-2), day(-1)], vote2: [day(0), day(0)] });
  await vote(mario, [3], null);
  await vote(giulia, [3], null);
  await vote(chiara, [1, 3], null);

  // Results.
  await setDates(admin, { vote2: [day(-1), day(-1)], results: [day(0), day(60)] });
  const reader = await (await browser.newContext({ locale: 'it-IT' })).newPage();
  await reader.goto(`${base}/livorno/bilancio-partecipativo/bp-e2e`);
  await reader.getByRole('link', { name: 'Risultati' }).click();
  await reader.waitForURL(/\/risultati$/);
  await check(reader, 'results');
  const funded = await reader.locator('[data-testid="pb-funded"]').innerText();
  assert.match(funded, /Orti urbani/);
  await reader.locator('[data-testid="pb-vote-vote1"]').waitFor();
  await reader.locator('[data-testid="pb-vote-vote2"]').waitFor();
  const shift = await reader.locator('[data-testid="pb-shift"] tbody tr').first().innerText();
  assert.match(shift, /Orti urbani/);
  assert.match(shift, /guadagnato/);
  const file = await (await fetch(`${base}/livorno/bilancio-partecipativo/bp-e2e/dati/vote2.pb`)).text();
  assert.match(file, /^META\nkey;value\n/);
  assert.match(file, /num_votes;3\n/);

  // Without JavaScript the results read the same.
  const plain = await (await browser.newContext({ locale: 'it-IT', javaScriptEnabled: false })).newPage();
  await plain.goto(`${base}/livorno/bilancio-partecipativo/bp-e2e/risultati`);
  assert.match(await plain.locator('[data-testid="pb-funded"]').innerText(), /Orti urbani/);
});
