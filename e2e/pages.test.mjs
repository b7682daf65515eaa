// The municipality's own pages (issue 16): contacts and «Segnala disservizio», an office's
// page, the site's and a service's privacy notice, the cookie notice, the accessibility
// statement and the legal notes — reached from the footer, as a resident does; then the ente's
// administrator writes the contacts and an office's page, and the resident sees them.
// axe-core and the visual checks on every page, at three widths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, axe as axeCheck, staffSignIn, signInAs } from './support.mjs';

let demo, base, browser;
const visited = [];
const check = async (page, label) => visited.push(await axeCheck(page, `pages-${label}`));

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

test("a resident finds the municipality's own pages from the footer", async () => {
  // axe-core runs in the page, so this walk has JavaScript; the pages use none.
  const context = await browser.newContext({ locale: 'it-IT' });
  const page = await context.newPage();
  await page.goto(`${base}/livorno/`);
  const footer = page.locator('footer');
  await footer.getByRole('link', { name: 'Segnala disservizio' }).click();
  await page.waitForURL(`${base}/livorno/segnalazioni/nuova`);
  await page.locator('footer').getByRole('link', { name: 'Contatti' }).click();
  await page.waitForURL(`${base}/livorno/contatti`);
  await check(page, 'contacts');
  await page.locator('main').getByRole('link', { name: "Sportello Unico per l'Edilizia" }).click();
  await page.waitForURL(`${base}/livorno/uffici/SUE`);
  assert.match(await page.locator('main').innerText(), /Certificato di destinazione urbanistica|CILA/);
  await check(page, 'office');
  for (const [name, url, label] of [
    ['Informativa privacy', '/livorno/privacy', 'privacy'],
    ['Informativa sui cookie', '/livorno/cookie', 'cookies'],
    ['Dichiarazione di accessibilità', '/livorno/accessibilita', 'accessibility'],
    ['Note legali', '/livorno/note-legali', 'legal-notes'],
  ]) {
    await page.locator('footer').getByRole('link', { name }).click();
    await page.waitForURL(`${base}${url}`);
    await check(page, label);
  }
  assert.match(await page.locator('[data-element="legal-notes-body"]').innerText(), /CC-BY 4\.0/);
  await page.goto(`${base}/livorno/servizi/cambio-residenza`);
  await page.getByTestId('privacy-link').click();
  await page.waitForURL(`${base}/livorno/servizi/cambio-residenza/privacy`);
  assert.match(await page.locator('main').innerText(), /ANPR/);
  await check(page, 'service-privacy');
  await context.close();
});

test('the administrator writes the contacts and an office page', async () => {
  const admin = await staffSignIn(browser, base, 'livorno.admin', true);
  await admin.getByRole('navigation', { name: 'Menu degli operatori' }).getByRole('link', { name: 'Pagine del comune' }).first().click();
  await admin.waitForURL(`${base}/staff/ente`);
  await check(admin, 'staff-profile');
  await admin.getByLabel('Posta elettronica certificata (PEC)').fill('comune.livorno@');
  await admin.getByRole('button', { name: 'Salva', exact: true }).click();
  assert.match(await admin.getByRole('alert').innerText(), /scrivi un indirizzo di posta completo/);
  await check(admin, 'staff-profile-refused');
  await admin.getByLabel('Posta elettronica certificata (PEC)').fill('comune.livorno@postacert.example');
  await admin.getByLabel('Orari di apertura').fill('Lunedì–venerdì 8:30–13:00');
  await admin.getByRole('button', { name: 'Salva', exact: true }).click();
  await admin.waitForURL(`${base}/staff/ente?salvato=1`);
  // The creditor data for pagoPA: a wrong IBAN is refused and named, then saved.
  await admin.getByLabel('IBAN di accredito').fill('IT00X0542811101000000123456');
  await admin.getByRole('button', { name: 'Salva i dati per i pagamenti' }).click();
  assert.match(await admin.locator('#errore-pagamenti').innerText(), /IBAN di accredito/);
  await check(admin, 'staff-creditor-refused');
  await admin.getByLabel('IBAN di accredito').fill('IT60X0542811101000000123456');
  await admin.getByRole('button', { name: 'Salva i dati per i pagamenti' }).click();
  await admin.waitForURL(`${base}/staff/ente?pagamenti=1#pagamenti`);
  // The municipality's payments, as its office reads them.
  await admin.getByRole('navigation', { name: 'Menu degli operatori' }).getByRole('link', { name: 'Pagamenti' }).first().click();
  await admin.waitForURL(`${base}/staff/pagamenti`);
  assert.match(await admin.getByTestId('payments-table').innerText(), /Occupazione di suolo pubblico/);
  await check(admin, 'staff-payments');
  await admin.goto(`${base}/staff/ente`);
  await admin.locator('main').getByRole('link', { name: 'Polizia municipale' }).click();
  await admin.waitForURL(`${base}/staff/ente/uffici/PM`);
  await check(admin, 'staff-office');
  await admin.getByLabel('Di cosa si occupa').fill('Viabilità, permessi di sosta, occupazioni di suolo pubblico.');
  await admin.getByRole('button', { name: 'Salva', exact: true }).click();
  await admin.waitForURL(/\/staff\/ente\/uffici\/PM\?salvato=1$/);
  // Who works in the office: documents routed to it wait for them.
  await admin.locator('label', { hasText: 'Chiara Martini' }).click();
  await admin.getByRole('button', { name: "Salva le persone dell'ufficio" }).click();
  await admin.waitForURL(/\/staff\/ente\/uffici\/PM\?persone=1#persone$/);
  assert.equal(await admin.getByLabel('Chiara Martini').isChecked(), true);
  await check(admin, 'staff-office-people');
  const resident = await (await browser.newContext({ locale: 'it-IT' })).newPage();
  await resident.goto(`${base}/livorno/uffici/PM`);
  assert.match(await resident.getByTestId('office-description').innerText(), /Viabilità, permessi di sosta/);
  await check(resident, 'office-described');
  await resident.goto(`${base}/livorno/contatti`);
  assert.match(await resident.locator('main').innerText(), /Lunedì–venerdì 8:30–13:00/);
});

test('with JavaScript, a conditional field appears when its condition is met', async () => {
  const context = await browser.newContext({ locale: 'it-IT' });
  const page = await context.newPage();
  await page.goto(`${base}/accedi?torna=%2Flivorno%2Fservizi%2Fcambio-residenza`);
  await signInAs(page, 'chiara-conti', 'L2');
  await page.waitForURL(`${base}/livorno/servizi/cambio-residenza`);
  await page.getByRole('button', { name: /Compila la domanda|Inizia una nuova domanda/ }).click();
  await page.waitForURL(/\/passo\/1$/);
  const comune = page.getByLabel('Comune di provenienza');
  assert.equal(await comune.isVisible(), false, 'hidden until its condition holds');
  await page.locator('label[for="provenienza-altro_comune"]').click();
  assert.equal(await comune.isVisible(), true);
  assert.equal(await page.getByText('Solo se').first().isVisible().catch(() => false), false, 'the written condition goes');
  await page.locator('label[for="provenienza-stesso_comune"]').click();
  assert.equal(await comune.isVisible(), false);
  await check(page, 'conditional-revealed');
  await context.close();
});

test('family members are rows: added, checked and removed, and Enter still continues', async () => {
  for (const javaScriptEnabled of [true, false]) {
    const context = await browser.newContext({ locale: 'it-IT', javaScriptEnabled });
    const page = await context.newPage();
    await page.goto(`${base}/accedi?torna=%2Flivorno%2Fservizi%2Fcambio-residenza`);
    await signInAs(page, 'chiara-conti', 'L2');
    await page.waitForURL(`${base}/livorno/servizi/cambio-residenza`);
    await page.getByRole('button', { name: /Compila la domanda|Inizia una nuova domanda/ }).click();
    await page.waitForURL(/\/passo\/1$/);
    await page.locator('label[for="provenienza-stesso_comune"]').click();
    await page.getByLabel('Nuovo indirizzo').fill('Via Grande 10, Livorno');
    await page.getByLabel('Titolo di occupazione').selectOption('proprieta');
    await page.getByRole('button', { name: 'Salva e continua' }).click();
    await page.waitForURL(/\/passo\/2$/);
    const row = (n) => page.getByRole('group', { name: `Familiare ${n}`, exact: true });
    assert.equal(await row(1).count(), 1, 'one blank row to start');
    assert.equal(await row(2).count(), 0);
    if (javaScriptEnabled) await check(page, 'group-blank');
    await row(1).getByLabel('Nome', { exact: true }).fill('Anna');
    await row(1).getByLabel('Cognome').fill('Conti');
    await row(1).getByLabel('Codice fiscale').fill('RSSNNA10A41G702B');
    await row(1).getByLabel('Relazione con te').selectOption('figlio');
    await page.getByRole('button', { name: 'Aggiungi un familiare' }).click();
    // A wrong codice fiscale: named in the summary by its row, kept as typed.
    await page.getByRole('link', { name: /Familiare 1 — Codice fiscale/ }).waitFor();
    if (javaScriptEnabled) await check(page, 'group-refused');
    await row(1).getByLabel('Codice fiscale').fill('RSSNNA10A41G702A');
    await page.getByRole('button', { name: 'Aggiungi un familiare' }).click();
    await page.waitForURL(/\/passo\/2#familiari-riga-2$/);
    assert.equal(await row(2).count(), 1, 'a second row to fill');
    await row(2).getByLabel('Nome', { exact: true }).fill('Marco');
    await row(2).getByLabel('Cognome').fill('Conti');
    await row(2).getByLabel('Codice fiscale').fill('HDDYSF15P02E625L');
    await row(2).getByLabel('Relazione con te').selectOption('fratello');
    await page.getByRole('button', { name: 'Aggiungi un familiare' }).click();
    await page.waitForURL(/#familiari-riga-3$/);
    if (javaScriptEnabled) await check(page, 'group-two-rows');
    await page.getByRole('button', { name: 'Rimuovi: familiare 1' }).click();
    await page.waitForURL(/\/passo\/2\?rimossa=1#familiari$/);
    await page.getByTestId('row-removed').waitFor();
    assert.equal(await row(1).getByLabel('Nome', { exact: true }).inputValue(), 'Marco', 'the second moved up');
    // Enter in a field saves and continues (not «Rimuovi», the first button in the form).
    await row(2).getByLabel('Nome', { exact: true }).press('Enter');
    await page.waitForURL(/\/riepilogo$/);
    assert.match(await page.locator('main').innerText(), /Marco · Conti · HDDYSF15P02E625L · Fratello o sorella/);
    await context.close();
  }
});

test('a resident finds what to pay in «Pagamenti» and downloads the notice', async () => {
  const context = await browser.newContext({ locale: 'it-IT' });
  const page = await context.newPage();
  await page.goto(`${base}/accedi?torna=%2Flivorno%2F`);
  await signInAs(page, 'mario-rossi', 'L2');
  await page.waitForURL(`${base}/livorno/`);
  await page.getByTestId('go-personal-area').click();
  await page.getByTestId('payments-link').click();
  await page.waitForURL(/\/area-personale\/pagamenti\?comune=livorno$/);
  const debt = page.getByTestId('debt').first();
  assert.match(await debt.innerText(), /41,00 €/);
  assert.match(await debt.innerText(), /Comune di Firenze/);
  await check(page, 'debt-file');
  const href = await debt.getByRole('link', { name: /Scarica l'avviso di pagamento/ }).getAttribute('href');
  const pdf = await page.request.get(`${base}${href}`);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  await context.close();
});

test("with JavaScript, a professional's client fields appear only for a client", async () => {
  const context = await browser.newContext({ locale: 'it-IT' });
  const page = await context.newPage();
  await page.goto(`${base}/accedi?torna=%2Flivorno%2Fservizi%2Foccupazione-suolo-pubblico`);
  await signInAs(page, 'chiara-conti', 'L2');
  await page.waitForURL(`${base}/livorno/servizi/occupazione-suolo-pubblico`);
  await page.getByRole('button', { name: /Compila la domanda|Inizia una nuova domanda/ }).first().click();
  await page.waitForURL(/\/per-conto-di$/);
  const code = page.locator('#cliente_codice');
  assert.equal(await code.isVisible(), false, 'hidden while «per me» is chosen');
  await page.locator('label[for="per-cliente"]').click();
  assert.equal(await code.isVisible(), true);
  // Sent without a mandate: refused, and the client's fields stay in view with what was typed.
  await code.fill('RSSMRA80A01E625I');
  await page.locator('#cliente_nome').fill('Mario Rossi');
  await page.getByRole('button', { name: /Continua/ }).click();
  assert.equal(await page.locator('#cliente_codice').isVisible(), true);
  assert.equal(await page.locator('#cliente_codice').inputValue(), 'RSSMRA80A01E625I');
  await context.close();
});
