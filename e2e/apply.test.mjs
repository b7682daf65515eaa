// The "apply online" journey (issue "Apply online"): a persona finds «Occupazione di suolo
// pubblico» under /livorno/, fills it in across steps with an attachment, leaves and resumes
// the draft, submits, gets a registration number, downloads the receipt, and finds the
// application in the personal area. axe-core on every page; again without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, axe as axeCheck } from './support.mjs';
import { journey } from './journey.mjs';

let demo, base, browser;
let firstNumber;
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

test('apply online, with axe-core on every page', async () => {
  const context = await browser.newContext({ locale: 'it-IT' });
  const page = await context.newPage();
  const number = await journey(page, base, 'mario-rossi', async (p, label) => visited.push(await axeCheck(p, label)));
  firstNumber = number;
  assert.match(number, /^\d{7}$/, 'a registration number');
  await context.close();

  // The office finds the case in its queue.
  const office = await browser.newContext({ locale: 'it-IT' });
  const desk = await office.newPage();
  await desk.goto(`${base}/staff/accedi`);
  await desk.getByLabel('Nome utente').fill('livorno.istruttore');
  await desk.getByLabel('Password').fill('demo-sportello-2026');
  await desk.getByRole('button', { name: 'Accedi' }).click();
  await desk.waitForURL(`${base}/staff/`);
  await desk.getByRole('link', { name: "Pratiche dell'ufficio" }).click();
  await desk.waitForURL(`${base}/staff/pratiche`);
  visited.push(await axeCheck(desk, 'office-queue'));
  await desk.getByRole('link', { name: `${number}/` , exact: false }).first().click();
  await desk.waitForURL(/\/staff\/pratiche\/[^/]+$/);
  assert.match(await desk.locator('main').innerText(), /Mario Rossi/);
  visited.push(await axeCheck(desk, 'office-case'));
  await office.close();
});

test('apply online without JavaScript', async () => {
  const context = await browser.newContext({ locale: 'it-IT', javaScriptEnabled: false });
  const page = await context.newPage();
  const number = await journey(page, base, 'giulia-bianchi', async () => {});
  // The demo's month has filled Livorno's register before: the numbers go on without a gap.
  assert.equal(Number(number), Number(firstNumber) + 1, 'gapless numbering continues');
  await context.close();
});
