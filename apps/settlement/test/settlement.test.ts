// S5 end to end: bills from credit payments, settlements by tokens and by bank transfer confirmed,
// rejected and cancelled (also after the response deadline, by the merchant's side), refusals on
// chain, statements, clearing between organisations — and after every scenario, reconciliation of
// every service with the chain finds no drift.
import '../../../test/support/isolation.js';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Wallet } from 'ethers';
import { ChainClient, Projector, readBalance, readBill, readCreditLine, signTypedDataWith, type TypedData } from '#chain-adapter';
import { startStack, type Organisation, type Stack } from '../../../test/support/stack.js';
import { projectOneByOneAndInBulk } from '../../../test/support/bulk-projection.js';
import { BillProjector } from '../src/bills/bill.projector.js';

let stack: Stack;
let settlementApp: INestApplication;
let chain: ChainClient;
let acme: Organisation; // enterprises
let beta: Organisation; // merchants
let gamma: Organisation; // token issuer
let gammaUsd: string;
let sequence = 0;
const newKey = () => `settle-key-${++sequence}`;
type Service = 'credit' | 'payment' | 'settlement';

beforeAll(async () => {
  stack = await startStack('settlement', ['credit', 'payment', 'settlement']);
  settlementApp = stack.apps.settlement!;
  chain = settlementApp.get(ChainClient);
  acme = await stack.anOrganisation('acme-pay');
  beta = await stack.anOrganisation('beta-pay');
  gamma = await stack.anOrganisation('gamma-pay');
  const registered = await post('payment', '/v1/token-classes', gamma, { symbol: 'GAMMA-USD', name: 'Gamma dollar', currency: 'USD' });
  gammaUsd = registered.body.id;
});

afterAll(async () => {
  await stack?.close();
});

afterEach(async () => {
  // Every scenario leaves the system reconciled: views equal the chain, invariants hold.
  await caughtUp();
  const report = await request(stack.urls.settlement!).get('/v1/reconciliation').set('Authorization', `Bearer ${stack.world.operatorToken}`);
  expect(report.status).toBe(200);
  expect(report.body.drifts).toEqual([]);
  expect(report.body.ok).toBe(true);
});

function post(service: Service, path: string, org: Organisation, body: Record<string, unknown>, key = newKey()) {
  return request(stack.urls[service]!).post(path).set('Authorization', org.auth).set('Idempotency-Key', key).send(body);
}

function get(service: Service, path: string, org: Organisation) {
  return request(stack.urls[service]!).get(path).set('Authorization', org.auth);
}

/** Waits until every service has projected the chain's head. */
async function caughtUp(): Promise<void> {
  const head = await chain.blockNumber();
  for (const app of [stack.registration, ...Object.values(stack.apps)]) {
    const projector = app.get(Projector);
    const deadline = Date.now() + 10_000;
    while ((projector.appliedBlock ?? 0n) < head && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function aLineWithBills(amounts: string[], enterprise?: string) {
  const payer = enterprise ?? (await stack.aCustodialAccount(acme, 'ENTERPRISE'));
  const merchant = await stack.aCustodialAccount(beta, 'MERCHANT');
  expect((await post('credit', '/v1/credit-accounts', acme, { enterprise: payer, currency: 'USD', ceiling: '1000000' })).status).toBe(201);
  const applied = await post('credit', '/v1/credit-applications', acme, {
    enterprise: payer, merchant, currency: 'USD', requestedLimit: '100000', termDays: 30, expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(), reference: 'frame',
  });
  expect(applied.status).toBe(201);
  expect((await post('credit', `/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'APPROVE', limit: '100000' })).status).toBe(200);
  const billIds: string[] = [];
  for (const amount of amounts) {
    const paid = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: applied.body.id, amount });
    expect(paid.status).toBe(201);
    billIds.push(paid.body.id);
  }
  await caughtUp();
  return { enterprise: payer, merchant, lineId: applied.body.id as string, billIds };
}

async function issueTo(holder: string, amount: string) {
  expect((await post('payment', '/v1/issuances', gamma, { tokenClassId: gammaUsd, to: holder, amount })).status).toBe(201);
}

describe('bills', () => {
  it('projects one bill per credit payment, with totals, overdue and filters', async () => {
    const line = await aLineWithBills(['1000', '2500']);
    const listed = await get('settlement', `/v1/bills?lineId=${line.lineId}`, beta);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((bill: { id: string }) => bill.id)).toEqual(line.billIds);
    expect(listed.body.totals).toEqual({ count: 2, amount: '3500', outstanding: '3500' });
    expect(listed.body.items[0]).toMatchObject({ status: 'UNSETTLED', outstanding: '1000', overdue: false, enterpriseOrgId: 'acme-pay', merchantOrgId: 'beta-pay' });
    const paged = await get('settlement', `/v1/bills?lineId=${line.lineId}&limit=1`, acme);
    expect(paged.body.items).toHaveLength(1);
    expect(paged.body.totals.count).toBe(2);
    expect((await get('settlement', `/v1/bills?lineId=${line.lineId}&overdue=true`, acme)).body.totals.count).toBe(0);
    expect((await get('settlement', `/v1/bills?counterparty=${line.merchant}`, acme)).body.totals.count).toBe(2);
    expect((await get('settlement', `/v1/bills?lineId=${line.lineId}`, gamma)).body.items).toEqual([]);
    const refused = await get('settlement', `/v1/bills/${line.billIds[0]}`, gamma);
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
  });

  it('projects a batch of payments in bulk exactly as one by one: bills, line entries, bill.recorded events', async () => {
    const line = await aLineWithBills([]);
    const paid = await Promise.all(['100', '200', '300', '400', '500', '600'].map((amount) => post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount })));
    expect(paid.map((answer) => answer.status)).toEqual(Array(6).fill(201));
    await caughtUp();
    expect((await get('settlement', `/v1/bills?lineId=${line.lineId}`, beta)).body.totals).toEqual({ count: 6, amount: '2100', outstanding: '2100' });
    const { oneByOne, inBulk, runs } = await projectOneByOneAndInBulk(settlementApp, ['bills', 'line_entries', 'credit_lines'], [settlementApp.get(BillProjector)], 'BillRecorded');
    // Concurrent payments go out in one batch: their bills come as one run.
    expect(runs.some((length) => length > 1)).toBe(true);
    expect(inBulk).toEqual(oneByOne);
  });
});

describe('settlements', () => {
  it('settles by tokens: escrow locked at once; confirmed, the bills are SETTLED, credit restored, the merchant paid', async () => {
    const line = await aLineWithBills(['1000', '500']);
    await issueTo(line.enterprise, '5000');
    const started = await post('settlement', '/v1/settlements', acme, { lineId: line.lineId, billIds: line.billIds, method: 'TOKEN', tokenClassId: gammaUsd });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ status: 'INITIATED', method: 'TOKEN', total: '1500', billIds: line.billIds, tokenClassId: gammaUsd });
    expect(await readBalance(chain, line.enterprise, BigInt(gammaUsd))).toBe(3500n);
    await caughtUp();
    expect((await get('settlement', `/v1/bills/${line.billIds[0]}`, acme)).body).toMatchObject({ status: 'IN_SETTLEMENT', settlementId: started.body.id });

    expect((await post('settlement', `/v1/settlements/${started.body.id}/confirm`, acme, {})).status).toBe(403);
    const confirmed = await post('settlement', `/v1/settlements/${started.body.id}/confirm`, beta, {});
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('CONFIRMED');
    const hidden = await get('settlement', `/v1/settlements/${started.body.id}`, gamma);
    expect({ status: hidden.status, code: hidden.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect((await readBill(chain, line.billIds[1])).status).toBe('SETTLED');
    expect((await readCreditLine(chain, line.lineId)).used).toBe(0n);
    expect(await readBalance(chain, line.merchant, BigInt(gammaUsd))).toBe(1500n);
    await caughtUp();
    expect((await get('payment', `/v1/payments/${line.billIds[0]}`, acme)).body.status).toBe('SETTLED');
  });

  it('rejects a bank-transfer settlement: the bills are open again', async () => {
    const line = await aLineWithBills(['450']);
    const started = await post('settlement', '/v1/settlements', acme, { lineId: line.lineId, billIds: line.billIds, method: 'OFFCHAIN', bankReference: 'WIRE-R' });
    const rejected = await post('settlement', `/v1/settlements/${started.body.id}/reject`, beta, { reasonCode: 9 });
    expect(rejected.body).toMatchObject({ status: 'REJECTED', reasonCode: 9 });
    expect((await readBill(chain, line.billIds[0])).status).toBe('UNSETTLED');
    expect((await readCreditLine(chain, line.lineId)).used).toBe(450n);
  });

  it('settles by bank transfer, all bills due up to a cut-off', async () => {
    const line = await aLineWithBills(['300', '700']);
    const started = await post('settlement', '/v1/settlements', acme, {
      lineId: line.lineId, cutOff: new Date(Date.now() + 40 * 86_400_000).toISOString(), method: 'OFFCHAIN', bankReference: 'WIRE-2026-11-27-001',
    });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ method: 'OFFCHAIN', total: '1000', bankReference: 'WIRE-2026-11-27-001' });
    expect([...started.body.billIds].sort()).toEqual([...line.billIds].sort());
    const confirmed = await post('settlement', `/v1/settlements/${started.body.id}/confirm`, beta, {});
    expect(confirmed.body.status).toBe('CONFIRMED');
    expect((await readCreditLine(chain, line.lineId)).used).toBe(0n);
  });

  it('rejects: bills back UNSETTLED, escrow returned; a bill cannot be in two open settlements', async () => {
    const line = await aLineWithBills(['800']);
    await issueTo(line.enterprise, '800');
    const started = await post('settlement', '/v1/settlements', acme, { lineId: line.lineId, billIds: line.billIds, method: 'TOKEN', tokenClassId: gammaUsd });
    await caughtUp();
    const unknownClass = await post('settlement', '/v1/settlements', acme, { lineId: line.lineId, billIds: line.billIds, method: 'TOKEN', tokenClassId: '9'.repeat(78) });
    expect({ status: unknownClass.status, code: unknownClass.body.code }).toEqual({ status: 404, code: 'TOKEN_CLASS_NOT_FOUND' });
    const twice = await post('settlement', '/v1/settlements', acme, { lineId: line.lineId, billIds: line.billIds, method: 'OFFCHAIN', bankReference: 'again' });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('BILL_NOT_SETTLEABLE');
    const rejected = await post('settlement', `/v1/settlements/${started.body.id}/reject`, beta, { reasonCode: 2 });
    expect(rejected.body).toMatchObject({ status: 'REJECTED', reasonCode: 2 });
    expect((await readBill(chain, line.billIds[0])).status).toBe('UNSETTLED');
    expect(await readBalance(chain, line.enterprise, BigInt(gammaUsd))).toBe(800n);
    expect((await readCreditLine(chain, line.lineId)).used).toBe(800n);
  });

  it('cancels: the enterprise before a decision; after the response deadline the merchant side, and the escrow returns', async () => {
    const line = await aLineWithBills(['100', '200']);
    await issueTo(line.enterprise, '300');
    const first = await post('settlement', '/v1/settlements', acme, { lineId: line.lineId, billIds: [line.billIds[0]], method: 'TOKEN', tokenClassId: gammaUsd });
    expect((await post('settlement', `/v1/settlements/${first.body.id}/cancel`, beta, {})).status).toBe(403);
    const cancelled = await post('settlement', `/v1/settlements/${first.body.id}/cancel`, acme, {});
    expect(cancelled.body.status).toBe('CANCELLED');
    expect(await readBalance(chain, line.enterprise, BigInt(gammaUsd))).toBe(300n);

    const chainNow = Number(await chain.latestTimestamp());
    const second = await post('settlement', '/v1/settlements', acme, {
      lineId: line.lineId, billIds: line.billIds, method: 'TOKEN', tokenClassId: gammaUsd, responseDeadline: new Date((chainNow + 3600) * 1000).toISOString(),
    });
    expect(second.status).toBe(201);
    expect(await readBalance(chain, line.enterprise, BigInt(gammaUsd))).toBe(0n);
    await chain.provider.send('evm_increaseTime', [3_700]);
    await chain.provider.send('evm_mine', []);
    const late = await post('settlement', `/v1/settlements/${second.body.id}/confirm`, beta, {});
    expect(late.body.code).toBe('RESPONSE_WINDOW_CLOSED');
    const byMerchantSide = await post('settlement', `/v1/settlements/${second.body.id}/cancel`, beta, {});
    expect(byMerchantSide.body.status).toBe('CANCELLED');
    expect(await readBalance(chain, line.enterprise, BigInt(gammaUsd))).toBe(300n);
    expect((await readBill(chain, line.billIds[1])).status).toBe('UNSETTLED');
  });

  it('refuses on chain a settlement signed by anyone but the enterprise, and lets a frozen enterprise settle', async () => {
    const enterprise = await stack.aSelfCustodyAccount(acme, 'ENTERPRISE');
    const merchant = await stack.aCustodialAccount(beta, 'MERCHANT');
    await post('credit', '/v1/credit-accounts', acme, { enterprise: enterprise.address, currency: 'USD', ceiling: '10000' });
    const sign = async (service: Service, path: string, org: Organisation, body: Record<string, unknown>, key = newKey(), signer: Wallet = enterprise) => {
      const asked = await post(service, path, org, body, key);
      expect(asked.body.code).toBe('SIGNATURE_REQUIRED');
      const typed = asked.body.details.typedData as TypedData;
      return post(service, path, org, { ...body, signature: signTypedDataWith(signer.privateKey, typed), deadline: String(typed.message.deadline) }, key);
    };
    const applied = await sign('credit', '/v1/credit-applications', acme, {
      enterprise: enterprise.address, merchant, currency: 'USD', requestedLimit: '10000', termDays: 30, expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString(), reference: 'sc',
    });
    await post('credit', `/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'APPROVE', limit: '10000' });
    const paid = await sign('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: applied.body.id, amount: '400' });
    expect(paid.status).toBe(201);
    await caughtUp();

    const body = { lineId: applied.body.id, billIds: [paid.body.id], method: 'OFFCHAIN', bankReference: 'WIRE-9' };
    const forged = await sign('settlement', '/v1/settlements', acme, body, newKey(), Wallet.createRandom() as unknown as Wallet);
    expect(forged.status).toBe(422);
    expect(forged.body.code).toBe('BAD_SIGNATURE');
    expect(forged.body.details.expectedSigner).toBe(enterprise.address);
    expect((await readBill(chain, paid.body.id)).status).toBe('UNSETTLED');

    const frozen = await request(stack.registrationUrl).post(`/v1/accounts/${enterprise.address}/freeze`).set('Authorization', acme.auth).set('Idempotency-Key', newKey()).send({});
    expect(frozen.body.status).toBe('FROZEN');
    const settled = await sign('settlement', '/v1/settlements', acme, body);
    expect(settled.status).toBe(201);
    expect((await post('settlement', `/v1/settlements/${settled.body.id}/confirm`, beta, {})).body.status).toBe('CONFIRMED');
  });
});

describe('statements and clearing', () => {
  it('states a line for a period in JSON and CSV: opening, payments, refunds, settlements, closing', async () => {
    const start = new Date((Number(await chain.latestTimestamp()) - 5) * 1000).toISOString();
    const line = await aLineWithBills(['1000', '2000']);
    await post('payment', '/v1/refunds', beta, { paymentId: line.billIds[0], amount: '250' });
    const started = await post('settlement', '/v1/settlements', acme, { lineId: line.lineId, billIds: [line.billIds[1]], method: 'OFFCHAIN', bankReference: 'W-1' });
    await post('settlement', `/v1/settlements/${started.body.id}/confirm`, beta, {});
    await caughtUp();
    const end = new Date((Number(await chain.latestTimestamp()) + 5) * 1000).toISOString();
    const statement = await get('settlement', `/v1/statements?lineId=${line.lineId}&from=${start}&to=${end}`, acme);
    expect(statement.status).toBe(200);
    expect(statement.body).toMatchObject({ openingBalance: '0', payments: '3000', refunds: '250', settlements: '2000', closingBalance: '750', currency: 'USD' });
    expect(statement.body.entries.map((entry: { kind: string }) => entry.kind)).toEqual(['PAYMENT', 'PAYMENT', 'REFUND', 'SETTLEMENT']);
    expect(BigInt(statement.body.closingBalance)).toBe((await readCreditLine(chain, line.lineId)).used);

    const csv = await get('settlement', `/v1/statements?lineId=${line.lineId}&from=${start}&to=${end}&format=csv`, beta);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = csv.text.trim().split('\n');
    expect(rows[1]).toBe('occurred_at,kind,reference_id,amount,tx_hash,block_number');
    expect(rows[2]).toContain('OPENING_BALANCE,,0');
    expect(rows.at(-1)).toContain('CLOSING_BALANCE,,750');
    expect((await get('settlement', `/v1/statements?lineId=${line.lineId}&from=${start}&to=${end}`, gamma)).status).toBe(403);
  });

  it('nets clearing positions between organisations and anchors a report each can verify on chain', async () => {
    const from = new Date((Number(await chain.latestTimestamp()) - 1) * 1000).toISOString();
    const line = await aLineWithBills(['600', '400']);
    await issueTo(line.enterprise, '1000');
    for (const billId of line.billIds) {
      const started = await post('settlement', '/v1/settlements', acme, { lineId: line.lineId, billIds: [billId], method: 'TOKEN', tokenClassId: gammaUsd });
      expect((await post('settlement', `/v1/settlements/${started.body.id}/confirm`, beta, {})).status).toBe(200);
    }
    await caughtUp();
    const to = new Date((Number(await chain.latestTimestamp()) + 1) * 1000).toISOString();

    const positions = await get('settlement', `/v1/clearing-positions?from=${from}&to=${to}`, beta);
    expect(positions.status).toBe(200);
    expect(positions.body.positions).toEqual([{ debtorOrgId: 'gamma-pay', creditorOrgId: 'beta-pay', currency: 'USD', amount: '1000', settlementCount: 2 }]);
    expect((await get('settlement', `/v1/clearing-positions?from=${from}&to=${to}`, acme)).body.positions).toEqual([]);

    const operator = `Bearer ${stack.world.operatorToken}`;
    expect((await post('settlement', '/v1/clearing-positions/reports', beta, { from, to })).status).toBe(403);
    const anchored = await request(stack.urls.settlement!).post('/v1/clearing-positions/reports').set('Authorization', operator).set('Idempotency-Key', newKey()).send({ from, to });
    expect(anchored.status).toBe(201);
    expect(anchored.body).toMatchObject({ settlementCount: 2, matchesChain: true, root: positions.body.root });

    const asGamma = await get('settlement', `/v1/clearing-positions/reports/${anchored.body.id}`, gamma);
    expect(asGamma.body.entries).toHaveLength(2);
    const settlements = chain.contract('Settlements');
    for (const entry of asGamma.body.entries) {
      expect(await settlements.getFunction('verifyClearingEntry')(anchored.body.root, entry.proof, entry.leaf)).toBe(true);
    }
  });
});
