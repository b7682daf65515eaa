// A pagoPA simulator for Sportello's tests. It STANDS IN FOR THE REAL PLATFORM, which these
// machines cannot reach, and implements only the parts of the official contracts Sportello uses:
//
// - the Debt Position service (GPD external API v1, `openapi_external_v1.json`, copied from
//   pagopa/pagopa-debt-position under MIT into crates/sportello/tests/schemas/pagopa/):
//   create (and publish) a position, read it, invalidate it. EVERY REQUEST BODY SPORTELLO SENDS
//   IS VALIDATED against the official OpenAPI schema (Ajv, JSON Schema 2020-12, as OpenAPI 3.1
//   defines); a body that fails is answered 400 and recorded, and the tests read the record.
// - the checkout's cart API (`POST /carts`, answered with a 302 to the checkout page) and a
//   checkout page a browser test clicks through («Paga» / «Annulla»);
// - the node sending the receipt to the creditor's station: `paSendRT` in SOAP, as
//   paForNode.xsd (v1) defines it, retried until the station answers OK.
//
// What differs from the real platform: no PSP choice, fee, card or wallet; the checkout's cart
// schema is checked by hand (its OpenAPI has no licence we could copy); paSendRT v1 has no way
// to carry a revenue stamp (V2 carries it as an MBD attachment), so a stamp transfer's receipt
// line names the creditor without an IBAN; no reporting flows yet. Amounts are integer cents
// on the wire, euro with two decimals in the receipt, as in the real contracts.
//
// Started by the tests (crates/testkit/src/pagopa_sim.rs and e2e/support.mjs): prints
// `port N` on its first line. Control: /sim/* (JSON).

import http from 'node:http';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
const spec = JSON.parse(
  readFileSync(join(here, '../crates/sportello/tests/schemas/pagopa/openapi_external_v1.json'), 'utf8'),
);
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat('int64', true);
ajv.addFormat('int32', true);
ajv.addSchema({ $id: 'gpd', components: spec.components });
const validatePosition = ajv.getSchema('gpd#/components/schemas/PaymentPositionModel');

const SUBSCRIPTION_KEY = process.env.SUBSCRIPTION_KEY || 'sim-subscription-key';
const GPD = '/gpd/debt-positions-service/v1';
const FDR = '/fdr-org/service/v1';
const CHECKOUT = '/checkout/ec/v1';

const config = { receiptUrl: '', token: '', brokerFiscalCode: '', stationId: '' };
let down = false;
const requests = []; // { method, path, valid, errors }
const positions = new Map(); // `${fc}/${iupd}` -> { fc, body, status }
const byNav = new Map(); // nav -> key
const carts = new Map(); // id -> { notices, returnUrls }
const receipts = new Map(); // receiptId -> { xml, acked, attempts }
const paid = []; // { fc, iuv, receiptId, transfers: [{ idTransfer, amount, fc }], date, reported }
const flows = new Map(); // fdr -> { fc, pspId, revision, date, regulation, payments }
let flowSeq = 0;
let origin = '';

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json';
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(text);
}

function problem(res, status, detail) {
  send(res, status, { title: http.STATUS_CODES[status], status, detail });
}

async function bodyOf(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

function euros(cents) {
  return (cents / 100).toFixed(2);
}

function romeNow() {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Rome', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
    }).formatToParts(new Date()).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

// The paSendRT request for a paid option of a position (paForNode.xsd, ctReceipt's order).
function receiptXml(receiptId, fc, position, option, amountCents) {
  const now = romeNow();
  const day = now.slice(0, 10);
  const debtorType = position.type === 'G' ? 'G' : 'F';
  const transfers = (option.transfer || []).map((t) => `
          <transfer>
            <idTransfer>${esc(t.idTransfer)}</idTransfer>
            <transferAmount>${euros(t.amount)}</transferAmount>
            <fiscalCodePA>${esc(t.organizationFiscalCode || fc)}</fiscalCodePA>${t.iban ? `
            <IBAN>${esc(t.iban)}</IBAN>` : ''}
            <remittanceInformation>${esc(t.remittanceInformation)}</remittanceInformation>
            <transferCategory>${esc(t.category || '9/0101108TS/')}</transferCategory>
          </transfer>`).join('');
  return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:pafn="http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd">
  <soapenv:Body>
    <pafn:paSendRTReq>
      <idPA>${esc(fc)}</idPA>
      <idBrokerPA>${esc(config.brokerFiscalCode)}</idBrokerPA>
      <idStation>${esc(config.stationId)}</idStation>
      <receipt>
        <receiptId>${receiptId}</receiptId>
        <noticeNumber>${esc(option.nav || `3${option.iuv}`)}</noticeNumber>
        <fiscalCode>${esc(fc)}</fiscalCode>
        <outcome>OK</outcome>
        <creditorReferenceId>${esc(option.iuv)}</creditorReferenceId>
        <paymentAmount>${euros(amountCents)}</paymentAmount>
        <description>${esc(option.description)}</description>
        <companyName>${esc(position.companyName)}</companyName>
        <debtor>
          <uniqueIdentifier>
            <entityUniqueIdentifierType>${debtorType}</entityUniqueIdentifierType>
            <entityUniqueIdentifierValue>${esc(position.fiscalCode)}</entityUniqueIdentifierValue>
          </uniqueIdentifier>
          <fullName>${esc(position.fullName)}</fullName>
        </debtor>
        <transferList>${transfers}
        </transferList>
        <idPSP>SIMPSP01</idPSP>
        <pspFiscalCode>00000000000</pspFiscalCode>
        <PSPCompanyName>PSP del simulatore</PSPCompanyName>
        <idChannel>SIMPSP01_01</idChannel>
        <channelDescription>app</channelDescription>
        <paymentMethod>creditCard</paymentMethod>
        <fee>0.00</fee>
        <paymentDateTime>${now}</paymentDateTime>
        <applicationDate>${day}</applicationDate>
        <transferDate>${day}</transferDate>
      </receipt>
    </pafn:paSendRTReq>
  </soapenv:Body>
</soapenv:Envelope>`;
}

// Sends a receipt to the station; true when the station answered OK.
async function deliver(receiptId) {
  const r = receipts.get(receiptId);
  if (!r || !config.receiptUrl) return false;
  r.attempts += 1;
  try {
    const answer = await fetch(config.receiptUrl, {
      method: 'POST',
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        soapaction: 'paSendRT',
        authorization: `Bearer ${config.token}`,
      },
      body: r.xml,
    });
    const text = await answer.text();
    r.lastAnswer = text;
    if (answer.ok && /<outcome>OK<\/outcome>/.test(text)) {
      r.acked = true;
      return true;
    }
  } catch (e) {
    r.lastAnswer = String(e);
  }
  return false;
}

// Like the node: sends until the station says OK (every half second, for a minute).
function deliverUntilAcked(receiptId) {
  let tries = 0;
  const again = async () => {
    if (await deliver(receiptId)) return;
    tries += 1;
    if (tries < 120) setTimeout(again, 500);
  };
  return again();
}

// Pays a notice as the platform would: the position must be payable and the amount its own
// (unless `amountCents` is forced, to make an anomaly). Returns the receipt id.
async function pay(nav, amountCents, lose = false) {
  const key = byNav.get(nav);
  if (!key) return { error: 'PPT_PAGAMENTO_SCONOSCIUTO' };
  const p = positions.get(key);
  if (!['VALID', 'PARTIALLY_PAID'].includes(p.status)) return { error: 'PPT_PAGAMENTO_NON_PAGABILE' };
  const option = p.body.paymentOption.find((o) => (o.nav || `3${o.iuv}`) === nav);
  if (option.paid) return { error: 'PPT_PAGAMENTO_DUPLICATO' };
  option.paid = true;
  const instalments = p.body.paymentOption.filter((o) => o.isPartialPayment);
  p.status = !option.isPartialPayment || instalments.every((o) => o.paid) ? 'PAID' : 'PARTIALLY_PAID';
  const receiptId = crypto.randomBytes(16).toString('hex');
  // What GPD shows of a paid option (its PaymentOptionModelResponse fields).
  option.idReceipt = receiptId;
  option.paymentDate = romeNow();
  option.pspCompany = 'PSP del simulatore';
  option.paymentMethod = 'CP';
  paid.push({
    fc: p.fc, iuv: option.iuv, receiptId, date: romeNow(), reported: false,
    // What the creditor's flow reports: its own transfers (stamps go to the revenue agency).
    transfers: (option.transfer || []).filter((t) => t.iban && (t.organizationFiscalCode || p.fc) === p.fc)
      .map((t) => ({ idTransfer: Number(t.idTransfer), amount: t.amount })),
  });
  receipts.set(receiptId, {
    xml: receiptXml(receiptId, p.fc, p.body, option, amountCents ?? option.amount),
    acked: false,
    attempts: 0,
  });
  // The first delivery is awaited, so a browser coming back finds the receipt recorded. A
  // receipt `lose`t is never sent: the station learns of the payment from the flow only.
  if (lose) return { receiptId };
  if (!(await deliver(receiptId))) deliverUntilAcked(receiptId);
  return { receiptId };
}

function checkoutPage(id, cart) {
  const rows = cart.notices.map((n) => `<li><strong>${esc(n.companyName)}</strong> — ${esc(n.description)}<br>
    Codice avviso <span data-testid="sim-notice">${esc(n.noticeNumber)}</span>: <strong>${euros(n.amount).replace('.', ',')} €</strong></li>`).join('');
  const total = cart.notices.reduce((s, n) => s + n.amount, 0);
  return `<!doctype html><html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Checkout pagoPA (simulatore)</title>
<style>body{font-family:sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem}button{font-size:1.1rem;padding:.6rem 1.2rem;margin:.3rem .3rem 0 0}</style></head>
<body><main><p>Simulatore della piattaforma pagoPA — solo per i test</p><h1>Paga con pagoPA</h1><ul>${rows}</ul>
<p>Totale: <strong data-testid="sim-total">${euros(total).replace('.', ',')} €</strong></p>
<form method="post" action="/checkout/${id}/pay"><button type="submit">Paga</button></form>
<form method="post" action="/checkout/${id}/cancel"><button type="submit">Annulla</button></form></main></body></html>`;
}

function record(req, path, valid, errors) {
  requests.push({ method: req.method, path, valid, errors });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, origin);
  const path = url.pathname;
  try {
    // --- control ---
    if (path === '/sim/config' && req.method === 'POST') {
      Object.assign(config, JSON.parse(await bodyOf(req)));
      return send(res, 200, config);
    }
    if (path === '/sim/down' && req.method === 'POST') {
      down = JSON.parse(await bodyOf(req)).down === true;
      return send(res, 200, { down });
    }
    if (path === '/sim/requests') return send(res, 200, requests);
    if (path === '/sim/positions') return send(res, 200, [...positions.values()]);
    if (path === '/sim/receipts') {
      return send(res, 200, [...receipts.entries()].map(([id, r]) => ({ receiptId: id, ...r })));
    }
    if (path === '/sim/pay' && req.method === 'POST') {
      const { nav, amount, lose } = JSON.parse(await bodyOf(req));
      return send(res, 200, await pay(nav, amount, lose === true));
    }
    if (path === '/sim/resend' && req.method === 'POST') {
      const { receiptId } = JSON.parse(await bodyOf(req));
      return send(res, 200, { acked: await deliver(receiptId), answer: receipts.get(receiptId)?.lastAnswer });
    }
    if (path === '/sim/receipt' && req.method === 'POST') {
      // A receipt for a notice Sportello never issued (another system's, or a platform error).
      const { fiscalCode, iuv, amount, iban } = JSON.parse(await bodyOf(req));
      const receiptId = crypto.randomBytes(16).toString('hex');
      const position = { type: 'F', fiscalCode: 'RSSMRA80A01H501U', fullName: 'Mario Rossi', companyName: 'Ente' };
      const option = {
        iuv, nav: `3${iuv}`, description: 'Pagamento',
        transfer: [{ idTransfer: '1', amount, organizationFiscalCode: fiscalCode, iban, remittanceInformation: 'Pagamento', category: '9/0101108TS/' }],
      };
      receipts.set(receiptId, { xml: receiptXml(receiptId, fiscalCode, position, option, amount), acked: false, attempts: 0 });
      return send(res, 200, { receiptId, acked: await deliver(receiptId) });
    }

    if (path === '/sim/flow' && req.method === 'POST') {
      // The PSP reports, in one flow, every payment of a creditor not reported yet.
      const { fiscalCode, extraIuv } = JSON.parse(await bodyOf(req));
      const mine = paid.filter((p) => p.fc === fiscalCode && !p.reported);
      const day = romeNow().slice(0, 10);
      flowSeq += 1;
      const fdr = `${day}SIMPSP01-S${String(flowSeq).padStart(4, '0')}`;
      const payments = [];
      for (const p of mine) {
        p.reported = true;
        for (const t of p.transfers) {
          payments.push({ index: payments.length + 1, iuv: p.iuv, iur: p.receiptId, idTransfer: t.idTransfer, pay: t.amount / 100, payStatus: 'EXECUTED', payDate: `${p.date}Z` });
        }
      }
      if (extraIuv) {
        payments.push({ index: payments.length + 1, iuv: extraIuv, iur: 'sconosciuta', idTransfer: 1, pay: 5, payStatus: 'EXECUTED', payDate: `${day}T09:00:00Z` });
      }
      const total = payments.reduce((s, p) => s + Math.round(p.pay * 100), 0);
      flows.set(fdr, { fc: fiscalCode, pspId: 'SIMPSP01', revision: 1, date: `${day}T12:00:00Z`, regulation: `SCT-${fdr}`, payments, total });
      return send(res, 200, { fdr, total, payments: payments.length });
    }
    if (path === '/sim/camt053' && req.method === 'POST') {
      // The treasurer's statement: the credit of each flow named (remittance truncated to
      // `truncate` characters if asked), and any other credit given.
      const { fdrs = [], truncate, others = [], id = 'EC-SIM-1' } = JSON.parse(await bodyOf(req));
      const entry = (n, cents, remittance) => `
      <Ntry><NtryRef>${n}</NtryRef><Amt Ccy="EUR">${euros(cents)}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>${romeNow().slice(0, 10)}</Dt></BookgDt><ValDt><Dt>${romeNow().slice(0, 10)}</Dt></ValDt>
        <BkTxCd><Prtry><Cd>48</Cd></Prtry></BkTxCd>
        <NtryDtls><TxDtls><RmtInf><Ustrd>${esc(remittance)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`;
      let n = 0;
      const entries = fdrs.map((f) => {
        n += 1;
        const r = `/PUR/LGPE-RIVERSAMENTO/URI/${f}`;
        return entry(n, flows.get(f).total, truncate ? r.slice(0, truncate) : r);
      }).concat(others.map((o) => { n += 1; return entry(n, o.amount, o.remittance); })).join('');
      const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>${id}</MsgId><CreDtTm>${romeNow()}</CreDtTm></GrpHdr>
    <Stmt>
      <Id>${id}</Id><CreDtTm>${romeNow()}</CreDtTm>
      <Acct><Id><IBAN>IT60X0542811101000000123456</IBAN></Id><Ccy>EUR</Ccy></Acct>${entries}
    </Stmt>
  </BkToCstmrStmt>
</Document>`;
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(xml);
    }

    // --- the reporting flows (FdR, organizations' side) ---
    if (path.startsWith(`${FDR}/`)) {
      if (down) return problem(res, 503, 'simulated outage');
      if (req.headers['ocp-apim-subscription-key'] !== SUBSCRIPTION_KEY) {
        record(req, path, false, ['missing or wrong Ocp-Apim-Subscription-Key']);
        return send(res, 401, { statusCode: 401, message: 'Access denied due to invalid subscription key.' });
      }
      const page = Number(url.searchParams.get('page') || 1);
      const size = Number(url.searchParams.get('size') || 50);
      const paged = (all) => ({
        metadata: { pageSize: size, pageNumber: page, totPage: Math.max(1, Math.ceil(all.length / size)) },
        count: all.length,
        data: all.slice((page - 1) * size, page * size),
      });
      record(req, path, true, []);
      const m = path.slice(FDR.length).match(/^\/organizations\/([0-9]{11})\/fdrs(?:\/([^/]+)\/revisions\/([0-9]+)\/psps\/([^/]+)(\/payments)?)?$/);
      if (!m) return problem(res, 404, 'no such operation');
      const [, org, fdr, , , list] = m;
      if (!fdr) {
        const mine = [...flows.entries()].filter(([, f]) => f.fc === org)
          .map(([id, f]) => ({ fdr: id, pspId: f.pspId, revision: f.revision, published: f.date }));
        return send(res, 200, paged(mine));
      }
      const f = flows.get(fdr);
      if (!f || f.fc !== org) return problem(res, 404, 'flow not found');
      if (list) return send(res, 200, paged(f.payments));
      return send(res, 200, {
        fdr, revision: f.revision, status: 'PUBLISHED', fdrDate: f.date,
        sender: { pspId: f.pspId, pspName: 'PSP del simulatore' }, receiver: { organizationId: org },
        regulation: f.regulation, regulationDate: f.date.slice(0, 10), bicCodePouringBank: 'SIMPITM1',
        totPayments: f.payments.length, sumPayments: f.total / 100,
        computedTotPayments: f.payments.length, computedSumPayments: f.total / 100,
      });
    }

    // --- the Debt Position service ---
    if (path.startsWith(`${GPD}/`)) {
      if (down) return problem(res, 503, 'simulated outage');
      if (req.headers['ocp-apim-subscription-key'] !== SUBSCRIPTION_KEY) {
        record(req, path, false, ['missing or wrong Ocp-Apim-Subscription-Key']);
        return send(res, 401, { statusCode: 401, message: 'Access denied due to invalid subscription key.' });
      }
      const m = path.slice(GPD.length).match(/^\/organizations\/([^/]+)\/debtpositions(?:\/([^/]+)(\/invalidate)?)?$/);
      if (!m) return problem(res, 404, 'no such operation');
      const [, fc, iupd, invalidate] = m;
      if (req.method === 'POST' && !iupd) {
        let body;
        try {
          body = JSON.parse(await bodyOf(req));
        } catch {
          record(req, path, false, ['body is not JSON']);
          return problem(res, 400, 'body is not JSON');
        }
        const valid = validatePosition(body);
        const errors = valid ? [] : validatePosition.errors.map((e) => `${e.instancePath} ${e.message}`);
        record(req, path, valid, errors);
        if (!valid) return problem(res, 400, errors.join('; '));
        if (!/^[0-9]{11}$/.test(fc)) return problem(res, 400, 'organization fiscal code');
        const key = `${fc}/${body.iupd}`;
        if (positions.has(key)) return problem(res, 409, 'duplicate debt position');
        for (const o of body.paymentOption || []) {
          if (byNav.has(o.nav || `3${o.iuv}`)) return problem(res, 409, 'duplicate IUV');
        }
        const status = url.searchParams.get('toPublish') === 'true' ? 'VALID' : 'DRAFT';
        positions.set(key, { fc, body, status });
        for (const o of body.paymentOption || []) byNav.set(o.nav || `3${o.iuv}`, key);
        return send(res, 201, { ...body, status });
      }
      const key = `${fc}/${iupd}`;
      const p = positions.get(key);
      if (req.method === 'GET' && iupd && !invalidate) {
        record(req, path, true, []);
        if (!p) return problem(res, 404, 'not found');
        const paymentOption = p.body.paymentOption.map(({ paid: done, ...o }) => ({
          ...o, status: done ? (p.reportedIuvs?.has(o.iuv) ? 'PO_REPORTED' : 'PO_PAID') : 'PO_UNPAID',
        }));
        return send(res, 200, { ...p.body, paymentOption, status: p.status });
      }
      if (req.method === 'POST' && invalidate) {
        record(req, path, true, []);
        if (!p) return problem(res, 404, 'not found');
        if (!['DRAFT', 'VALID'].includes(p.status)) return problem(res, 409, `position is ${p.status}`);
        p.status = 'INVALID';
        return send(res, 200, { ...p.body, status: p.status });
      }
      return problem(res, 405, 'method not allowed');
    }

    // --- the checkout ---
    if (path === `${CHECKOUT}/carts` && req.method === 'POST') {
      if (down) return problem(res, 503, 'simulated outage');
      let cart;
      try {
        cart = JSON.parse(await bodyOf(req));
      } catch {
        record(req, path, false, ['body is not JSON']);
        return problem(res, 400, 'body is not JSON');
      }
      const errors = [];
      const notices = Array.isArray(cart.paymentNotices) ? cart.paymentNotices : [];
      if (notices.length < 1 || notices.length > 5) errors.push('paymentNotices: 1 to 5');
      for (const n of notices) {
        if (!/^[0-9]{18}$/.test(n.noticeNumber || '')) errors.push('noticeNumber');
        if (!/^[0-9]{11}$/.test(n.fiscalCode || '')) errors.push('fiscalCode');
        if (!Number.isInteger(n.amount) || n.amount < 1) errors.push('amount');
        if (typeof n.companyName !== 'string' || n.companyName.length > 140) errors.push('companyName');
        if (typeof n.description !== 'string' || n.description.length > 140) errors.push('description');
      }
      const r = cart.returnUrls || {};
      for (const k of ['returnOkUrl', 'returnCancelUrl', 'returnErrorUrl']) {
        if (!/^https?:\/\//.test(r[k] || '')) errors.push(`returnUrls.${k}`);
      }
      record(req, path, errors.length === 0, errors);
      if (errors.length) return problem(res, 400, errors.join('; '));
      const id = crypto.randomBytes(8).toString('hex');
      carts.set(id, { notices, returnUrls: r });
      res.writeHead(302, { location: `${origin}/checkout/${id}` });
      return res.end();
    }
    const c = path.match(/^\/checkout\/([0-9a-f]+)(\/pay|\/cancel)?$/);
    if (c) {
      const cart = carts.get(c[1]);
      if (!cart) return send(res, 404, '<!doctype html><title>Carrello non trovato</title><p>Carrello non trovato</p>');
      if (!c[2] && req.method === 'GET') return send(res, 200, checkoutPage(c[1], cart));
      if (c[2] === '/cancel' && req.method === 'POST') {
        carts.delete(c[1]);
        res.writeHead(303, { location: cart.returnUrls.returnCancelUrl });
        return res.end();
      }
      if (c[2] === '/pay' && req.method === 'POST') {
        carts.delete(c[1]);
        let to = cart.returnUrls.returnOkUrl;
        for (const n of cart.notices) {
          const key = byNav.get(n.noticeNumber);
          const option = key && positions.get(key).body.paymentOption.find((o) => (o.nav || `3${o.iuv}`) === n.noticeNumber);
          if (!option || option.amount !== n.amount) { to = cart.returnUrls.returnErrorUrl; break; }
          const paid = await pay(n.noticeNumber);
          if (paid.error) { to = cart.returnUrls.returnErrorUrl; break; }
        }
        res.writeHead(303, { location: to });
        return res.end();
      }
    }
    return problem(res, 404, 'not found');
  } catch (e) {
    return problem(res, 500, String(e));
  }
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  origin = `http://127.0.0.1:${port}`;
  console.log(`port ${port}`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
