// Bookings (prenotazioni, issue 20), as people use them.
// A resident on a phone, without JavaScript, books an appointment at the registry office in the
// Designers Italia flow — place, date and time, details, who, summary —, is told what is
// missing, confirms, then moves and cancels it, and finds it in the personal area. A second
// resident, with JavaScript, books a study room at the library. The office runs its day:
// checks a person in and adds a walk-in. The administrator's calendars. axe-core where scripts
// run, and the visual checks at three widths on every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, axe as axeCheck, staffSignIn, seen, signInAs } from './support.mjs';

let browser;
const visited = [];
const check = async (page, label) => visited.push(await axeCheck(page, `bookings-${label}`));

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
  console.log(`pages checked by axe-core: ${visited.length}\n  ${visited.join('\n  ')}`);
});

/** Chooses the first time with a place left on the date-and-time page. */
async function chooseFirstFree(page) {
  const id = await page.locator('input[name=inizio]:not([disabled])').first().getAttribute('id');
  await page.locator(`label[for="${id}"]`).click();
}

test('an appointment booked on a phone without JavaScript, moved and cancelled; the office runs its day', async () => {
  const demo = await startDemo();
  const base = demo.base;
  try {
    const phone = await browser.newContext({ locale: 'it-IT', javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
    const resident = await phone.newPage();
    resident.setDefaultTimeout(30000);
    // From the services' page, as the municipal model has it.
    await resident.goto(`${base}/livorno/servizi`);
    await resident.locator('[data-element="appointment-booking"]').click();
    await resident.waitForURL(`${base}/livorno/prenotazioni`);
    await seen(resident, 'bookings-nojs-places');
    await resident.getByTestId('place-anagrafe').click();
    await resident.waitForURL(/\/livorno\/prenotazioni\/luogo\/anagrafe/);
    await seen(resident, 'bookings-nojs-when-signed-out');
    await resident.getByTestId('sign-in-to-book').click();
    await signInAs(resident, 'mario-rossi', 'L2');
    await resident.waitForURL(/\/livorno\/prenotazioni\/luogo\/anagrafe/);
    await seen(resident, 'bookings-nojs-when');
    // A day far enough ahead to be moved or cancelled online (24 hours before).
    await resident.getByTestId('days').getByRole('link').nth(2).click();
    // «Continua» without a time: said at the top, with a link to the times, and next to them.
    await resident.getByTestId('hold').click();
    await resident.getByTestId('form-problems').getByRole('link').click();
    assert.match(resident.url(), /#orari$/);
    assert.match(await resident.locator('fieldset').getByTestId('slot-problem').innerText(), /\S/);
    await seen(resident, 'bookings-nojs-no-time');
    await chooseFirstFree(resident);
    await resident.getByTestId('hold').click();
    await resident.waitForURL(/\/bozza\/\d+\/dettagli$/);
    assert.match(await resident.getByTestId('held').innerText(), /Posto riservato/);
    await resident.getByTestId('next').click();
    assert.match(await resident.getByTestId('form-problems').innerText(), /Scrivi il motivo/);
    await seen(resident, 'bookings-nojs-details-problems');
    await resident.getByLabel("Motivo dell'appuntamento").fill("Rinnovo carta d'identità");
    await resident.getByTestId('next').click();
    await resident.waitForURL(/\/richiedente$/);
    assert.equal(await resident.getByLabel('Nome e cognome').inputValue(), 'Mario Rossi');
    await seen(resident, 'bookings-nojs-who');
    await resident.getByTestId('next').click();
    await resident.waitForURL(/\/riepilogo$/);
    assert.match(await resident.getByTestId('summary').innerText(), /Rinnovo carta d'identità/);
    await seen(resident, 'bookings-nojs-summary');
    await resident.getByTestId('next').click();
    await resident.waitForURL(/\/appuntamento\/\d+\?esito=inviata$/);
    assert.match(await resident.getByTestId('notice').innerText(), /Appuntamento confermato/);
    assert.match(await resident.getByTestId('booking-state').innerText(), /Confermata/);
    await seen(resident, 'bookings-nojs-confirmed');
    const before = await resident.getByTestId('booking-when').innerText();

    // Moved to another day.
    await resident.getByTestId('move').click();
    await resident.waitForURL(/\/sposta$/);
    await seen(resident, 'bookings-nojs-move');
    await resident.getByTestId('days').getByRole('link').nth(3).click();
    await chooseFirstFree(resident);
    await resident.getByTestId('hold').click();
    await resident.waitForURL(/\?esito=spostata$/);
    assert.notEqual(await resident.getByTestId('booking-when').innerText(), before);
    await seen(resident, 'bookings-nojs-moved');
    await resident.goto(`${base}/area-personale`);
    assert.match(await resident.getByTestId('my-bookings').innerText(), /Ufficio anagrafe/);
    await seen(resident, 'bookings-nojs-personal-area');
    await resident.getByTestId('my-bookings').getByRole('link').first().click();

    // Cancelled.
    await resident.getByTestId('cancel').click();
    await resident.waitForURL(/\/annulla$/);
    await seen(resident, 'bookings-nojs-cancel-confirm');
    await resident.getByTestId('confirm-cancel').click();
    await resident.waitForURL(/\?esito=annullata$/);
    assert.match(await resident.getByTestId('booking-state').innerText(), /Annullata/);
    await seen(resident, 'bookings-nojs-cancelled');
    await phone.close();

    // Anna waits for a full day at the registry office (the demo put her there): her personal
    // area lists it, and she leaves the list from there.
    const annaPhone = await browser.newContext({ locale: 'it-IT', javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
    const anna = await annaPhone.newPage();
    anna.setDefaultTimeout(30000);
    await anna.goto(`${base}/accedi?torna=/area-personale`);
    await signInAs(anna, 'anna-neri', 'L2');
    await anna.waitForURL(`${base}/area-personale`);
    assert.match(await anna.getByTestId('my-waits').innerText(), /Museo civico/);
    await seen(anna, 'bookings-nojs-waits');
    await anna.getByTestId('leave-wait').first().click();
    await anna.waitForURL(/\/area-personale\?attesa_lasciata=1$/);
    assert.match(await anna.getByTestId('wait-left').innerText(), /Non sei più in lista/);
    assert.equal(await anna.getByTestId('my-waits').count(), 0);
    await seen(anna, 'bookings-nojs-wait-left');
    await annaPhone.close();

    // A second resident, with JavaScript, books a study room at the library.
    const other = await (await browser.newContext({ locale: 'it-IT' })).newPage();
    other.setDefaultTimeout(30000);
    await other.goto(`${base}/livorno/prenotazioni`);
    await check(other, 'places');
    await other.getByTestId('place-biblioteca-labronica').click();
    await other.getByTestId('sign-in-to-book').click();
    await signInAs(other, 'giulia-bianchi', 'L2');
    await other.waitForURL(/\/luogo\/biblioteca-labronica/);
    await check(other, 'when');
    await other.getByTestId('days').getByRole('link').nth(2).click();
    await chooseFirstFree(other);
    await other.getByTestId('hold').click();
    await other.waitForURL(/\/dettagli$/);
    await check(other, 'details');
    await other.getByLabel("Motivo dell'appuntamento").fill('Sala studio');
    await other.getByTestId('next').click();
    await other.waitForURL(/\/richiedente$/);
    await check(other, 'who');
    await other.getByTestId('next').click();
    await other.waitForURL(/\/riepilogo$/);
    await check(other, 'summary');
    await other.getByTestId('next').click();
    await other.waitForURL(/\?esito=inviata$/);
    await check(other, 'confirmed');
    await other.getByTestId('move').click();
    await check(other, 'move');

    // The office's day: check a person in, add a walk-in.
    const office = await staffSignIn(browser, base, 'livorno.istruttore', false);
    office.setDefaultTimeout(30000);
    await office.getByRole('link', { name: 'Prenotazioni' }).first().click();
    await office.waitForURL(`${base}/staff/prenotazioni`);
    await check(office, 'office-day');
    const checkIn = office.locator('[data-testid^="check-in-"]').first();
    if (await checkIn.count()) {
      await checkIn.click();
      await office.waitForURL(/esito=fatto/);
      assert.match(await office.getByTestId('notice').innerText(), /Fatto/);
    }
    await office.getByLabel('Nome e cognome').fill('Roberto Guidi');
    await office.getByLabel("Motivo dell'appuntamento").fill('Autentica di firma');
    await office.getByTestId('walk-in').click();
    await office.waitForURL(/esito=accesso/);
    assert.match(await office.getByTestId('day-plan').innerText(), /Roberto Guidi/);
    await check(office, 'office-walk-in');

    // The administrator's calendars.
    const admin = await staffSignIn(browser, base, 'livorno.admin', true);
    admin.setDefaultTimeout(30000);
    await admin.goto(`${base}/staff/prenotazioni/calendari`);
    await check(admin, 'setup');
  } finally {
    demo.stop();
  }
});
