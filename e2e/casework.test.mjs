// The back office journey (issue "Decide within the law"): a persona files «Occupazione di
// suolo pubblico» in /livorno/; a demo operator of Livorno takes the case and requests
// integration; the persona answers from the personal area with a document; the responsible
// officer accepts; the persona downloads the decision and sees the full timeline. Then the
// registry clerk's desk. axe-core on every page; the whole journey again without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, axe as axeCheck, signInAs } from './support.mjs';
import { journey, PDF } from './journey.mjs';

let demo, base, browser;
const visited = [];

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

async function staffSignIn(context, username) {
  const page = await context.newPage();
  await page.goto(`${base}/staff/accedi`);
  await page.getByLabel('Nome utente').fill(username);
  await page.getByLabel('Password').fill('demo-sportello-2026');
  await page.getByRole('button', { name: 'Accedi' }).click();
  await page.waitForURL(`${base}/staff/`);
  return page;
}

async function openCase(desk, number, check, label) {
  await desk.getByRole('link', { name: "Pratiche dell'ufficio" }).click();
  await desk.waitForURL(`${base}/staff/pratiche`);
  await check(desk, `${label}-queue`);
  await desk.getByRole('link', { name: new RegExp(`^${number}/`) }).click();
  await desk.waitForURL(/\/staff\/pratiche\/[^/?]+$/);
}

async function caseworkJourney(js, persona, check) {
  const options = { locale: 'it-IT', javaScriptEnabled: js };
  // The persona files the application.
  const citizen = await browser.newContext(options);
  const page = await citizen.newPage();
  const number = await journey(page, base, persona, js ? check : async () => {});

  // The operator takes the case: comunicazione di avvio, then asks for a document.
  const office = await browser.newContext(options);
  const desk = await staffSignIn(office, 'livorno.istruttore');
  await openCase(desk, number, check, 'operator');
  await check(desk, 'office-case-new');
  await desk.getByRole('button', { name: 'Avvia il procedimento (comunicazione di avvio)' }).click();
  await desk.waitForURL(/\?fatto=avvia$/);
  assert.equal(await desk.getByTestId('case-state').innerText(), 'in istruttoria');
  // What happened, in words: the document registered, its number, whom it went to.
  assert.match(await desk.getByTestId('done').innerText(),
    /Comunicazione di avvio del procedimento protocollata con il n\. \d{7}\/\d{4} e inviata a /);
  await check(desk, 'office-case-started');
  assert.match(await desk.locator('main').innerText(), /Nessuna nota interna\./);
  await desk.getByLabel('Documenti o chiarimenti richiesti').fill('Allegare la polizza assicurativa per responsabilità civile.');
  await desk.getByRole('button', { name: /Richiedi integrazione/ }).click();
  await desk.waitForURL(/\?fatto=\w+$/);
  assert.equal(await desk.getByTestId('case-state').innerText(), 'sospesa per integrazione');
  await check(desk, 'office-case-suspended');

  // The persona answers from the personal area, where the request waits under «Da fare».
  await page.goto(`${base}/area-personale`);
  assert.match(await page.getByTestId('todo').innerText(), /Allegare la polizza assicurativa/);
  await check(page, 'personal-area-todo');
  await page.getByTestId('todo').getByRole('link', { name: /Rispondi/ }).first().click();
  await page.waitForURL(/\/pratica#rispondi$/);
  assert.match(await page.locator('main').innerText(), /Allegare la polizza assicurativa/);
  await check(page, 'applicant-case-awaited');
  await page.getByLabel('Messaggio').fill('In allegato la polizza richiesta.');
  await page.getByLabel(/Documenti da allegare/).setInputFiles({ name: 'polizza.pdf', mimeType: 'application/pdf', buffer: PDF });
  await page.getByRole('button', { name: 'Invia la risposta' }).click();
  await page.waitForURL(/\/pratica\?inviata=1$/);
  assert.equal(await page.getByTestId('case-state').innerText(), 'in istruttoria');
  await check(page, 'applicant-case-answered');
  await office.close();

  // The responsible officer accepts.
  const officerContext = await browser.newContext(options);
  const officer = await staffSignIn(officerContext, 'livorno.responsabile');
  await openCase(officer, number, async () => {}, 'officer');
  assert.match(await officer.locator('main').innerText(), /polizza\.pdf/);
  await officer.getByLabel('Motivazione').first().fill("L'occupazione è compatibile con la viabilità e la polizza è adeguata.");
  await officer.getByRole('button', { name: 'Accogli' }).click();
  // The decision is shown as the document it will be; nothing is sent before confirming.
  await officer.waitForURL(/\/azioni$/);
  assert.match(await officer.getByTestId('decision-preview').innerText(), /compatibile con la viabilità/);
  await check(officer, 'office-decision-preview');
  await officer.getByRole('button', { name: /^Conferma: accogli/ }).click();
  await officer.waitForURL(/\?fatto=\w+$/);
  assert.equal(await officer.getByTestId('case-state').innerText(), 'accolta');
  await check(officer, 'office-case-accepted');
  await officerContext.close();

  // The persona sees the full timeline and downloads the decision.
  await page.goto(page.url().replace(/\?.*$/, ''));
  assert.equal(await page.getByTestId('case-state').innerText(), 'accolta');
  const timeline = await page.getByTestId('timeline').innerText();
  for (const step of ['Domanda protocollata', 'Procedimento avviato', 'Richiesta di integrazione', 'Integrazione ricevuta', 'Domanda accolta']) {
    assert.match(timeline, new RegExp(step), `${step} in the timeline`);
  }
  await check(page, 'applicant-case-decided');
  const decision = page.getByTestId('documents').getByRole('link', { name: /^decisione-/ });
  const response = await page.request.get(new URL(await decision.getAttribute('href'), base).href);
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['content-type'], 'application/pdf');
  assert.equal((await response.body()).subarray(0, 5).toString(), '%PDF-');
  await citizen.close();
  return number;
}

test('the back office decides and the applicant follows, with axe-core on every page', async () => {
  await caseworkJourney(true, 'mario-rossi', async (p, label) => visited.push(await axeCheck(p, label)));

  // The registry clerk's desk.
  const context = await browser.newContext({ locale: 'it-IT' });
  const desk = await staffSignIn(context, 'livorno.protocollo');
  await desk.getByRole('link', { name: 'Registro di protocollo' }).click();
  await desk.waitForURL(`${base}/staff/protocollo`);
  visited.push(await axeCheck(desk, 'registry-search'));
  await desk.getByRole('link', { name: 'Registra un documento' }).click();
  visited.push(await axeCheck(desk, 'registry-new'));
  await desk.getByLabel('Corrispondente (mittente o destinatario)').fill('ASL Toscana nord ovest');
  await desk.getByLabel('Oggetto').fill('Parere igienico-sanitario sul mercato di piazza Cavour');
  await desk.getByLabel('Mezzo di ricezione o invio').selectOption('pec');
  await desk.getByLabel('Documento principale (PDF, immagine o P7M)').setInputFiles({ name: 'parere.pdf', mimeType: 'application/pdf', buffer: PDF });
  await desk.getByRole('button', { name: 'Registra' }).click();
  await desk.waitForURL(/\/staff\/protocollo\/\d+$/);
  assert.match(await desk.locator('h1').innerText(), /Registrazione \d{7}\//);
  visited.push(await axeCheck(desk, 'registry-entry'));
  await context.close();
});

test('the back office journey without JavaScript', async () => {
  await caseworkJourney(false, 'giulia-bianchi', async () => {});
});
