// The "apply online" journey, shared by the browser suites: a persona finds «Occupazione di
// suolo pubblico» under /livorno/, fills it in across steps with an attachment, leaves and
// resumes the draft, submits, gets a registration number, downloads the receipt, and finds the
// application in the personal area. `check(page, label)` runs on every page (axe-core).
import assert from 'node:assert/strict';
import { signInAs } from './support.mjs';

// A small valid PDF (the server checks the content, not the name).
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

function isoDate(daysFromNow) {
  const d = new Date(Date.now() + daysFromNow * 86400000);
  return d.toISOString().slice(0, 10);
}

export async function journey(page, base, persona, check) {
  await page.goto(`${base}/livorno/`);
  await page.getByRole('link', { name: 'Tutti i servizi online del comune' }).click();
  await page.waitForURL(`${base}/livorno/servizi`);
  await check(page, 'services');
  await page.getByLabel('Cerca un servizio').fill('suolo pubblico');
  await page.getByRole('button', { name: 'Cerca' }).click();
  await page.getByRole('link', { name: 'Occupazione di suolo pubblico' }).click();
  await page.waitForURL(`${base}/livorno/servizi/occupazione-suolo-pubblico`);
  await check(page, 'service-page');

  // Not signed in: "Compila la domanda" asks to sign in at the service's level (L2).
  await page.getByRole('button', { name: 'Compila la domanda' }).click();
  await page.waitForURL(/\/accedi\?livello=L2/);
  await signInAs(page, persona, 'L2');
  await page.waitForURL(`${base}/livorno/servizi/occupazione-suolo-pubblico`);
  await page.getByRole('button', { name: 'Compila la domanda' }).click();
  // This service may also be filed by businesses and professionals: on whose behalf?
  await page.waitForURL(/\/per-conto-di$/);
  await check(page, 'acting-for');
  assert.ok(await page.locator('#per-me').isChecked());
  await page.getByRole('button', { name: 'Continua' }).click();
  await page.waitForURL(/\/livorno\/domande\/[^/]+\/passo\/1$/);
  const draftUrl = page.url();

  // Step 1: prefilled from the identity; a missing choice is reported, nothing is lost.
  // The name SPID asserted is shown, not offered for typing over.
  assert.match(await page.getByTestId('locked-nome').innerText(), persona === 'mario-rossi' ? /Mario/ : /Giulia/);
  assert.equal(await page.locator('input[name="nome"]').count(), 0);
  await page.getByLabel('Telefono').fill('0586 123456');
  await page.getByRole('button', { name: 'Salva e continua' }).click();
  assert.match(await page.locator('#error-summary').innerText(), /Presenta la domanda: Questo campo è obbligatorio/);
  // With the script, the summary has the focus: a screen reader reads it first.
  if (await page.evaluate(() => document.documentElement.classList.contains('js'))) {
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary');
  }
  assert.equal(await page.getByLabel('Telefono').inputValue(), '0586 123456');
  await check(page, 'step-1-errors');
  await page.locator('label[for="in_qualita_di-privato"]').click();
  await page.getByRole('button', { name: 'Salva e continua' }).click();
  await page.waitForURL(/\/passo\/2$/);

  // Step 2.
  await page.getByLabel("Motivo dell'occupazione").selectOption('trasloco');
  await page.getByLabel("Indirizzo dell'area (via e numero civico)").fill('Via Grande 10');
  await page.getByLabel('Superficie occupata (metri quadrati)').fill('12,5');
  await page.getByLabel('Dal giorno', { exact: true }).fill(isoDate(10));
  await page.getByLabel('Al giorno', { exact: true }).fill(isoDate(12));
  await check(page, 'step-2');
  await page.getByRole('button', { name: 'Salva e continua' }).click();
  await page.waitForURL(/\/passo\/3$/);

  // Step 3: the attachment, then leave and come back from the personal area.
  await page.getByLabel("Planimetria dell'area con le misure").setInputFiles({ name: 'planimetria.pdf', mimeType: 'application/pdf', buffer: PDF });
  await check(page, 'step-3');
  await page.getByRole('button', { name: 'Salva ed esci' }).click();
  await page.waitForURL(/\/area-personale\?salvata=1/);
  assert.match(await page.getByTestId('drafts').innerText(), /Occupazione di suolo pubblico/);
  await check(page, 'personal-area-draft');
  await page.getByTestId('drafts').getByRole('link', { name: /Riprendi/ }).click();
  await page.goto(draftUrl.replace(/passo\/1$/, 'passo/3'));
  assert.match(await page.locator('main').innerText(), /File caricato: planimetria\.pdf/);
  await page.getByRole('button', { name: 'Salva e continua' }).click();
  await page.waitForURL(/\/riepilogo$/);
  await check(page, 'review');

  // Without the declaration: refused, and said so.
  await page.getByRole('button', { name: 'Invia la domanda' }).click();
  assert.match(await page.locator('#error-summary').innerText(), /devi rendere la dichiarazione/);
  await page.locator('label[for="dichiarazione"]').click();
  await page.getByRole('button', { name: 'Invia la domanda' }).click();
  await page.waitForURL(/\/ricevuta$/);
  const number = await page.getByTestId('protocol-number').innerText();
  assert.match(number, /^\d{7}$/);
  await check(page, 'receipt');

  const download = await page.request.get(page.url() + '.pdf');
  assert.equal(download.status(), 200);
  assert.equal(download.headers()['content-type'], 'application/pdf');
  const pdf = await download.body();
  assert.ok(pdf.subarray(0, 5).toString() === '%PDF-' && pdf.includes(number), 'the PDF receipt carries the number');

  await page.goto(`${base}/area-personale`);
  assert.match(await page.getByTestId('filed').innerText(), new RegExp(`Occupazione di suolo pubblico[\\s\\S]*n\\. ${number}`));
  await check(page, 'personal-area-filed');
  return number;
}
