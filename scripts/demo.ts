// `npm run demo`: plays the whole method S1→S5 against a running system (`npm start`) through the
// public HTTP APIs — two payment systems, an enterprise of one buying on credit from a merchant of
// the other: register, open a credit account, apply and grant credit, pay, refund, settle by tokens
// and by bank transfer, statement and clearing, then reconcile. Each step prints its transaction;
// the run exits non-zero if any step or the reconciliation fails. It can run again and again.
import { call, operatorToken, type Service } from './http-client.js';

const run = `${Date.now().toString(36)}`;
const key = (name: string) => `demo-${run}-${name}`;
const operator = operatorToken();
let stepNumber = 0;

function step(title: string): void {
  stepNumber += 1;
  process.stdout.write(`\n${String(stepNumber).padStart(2)}. ${title}\n`);
}

function show(label: string, value: unknown): void {
  process.stdout.write(`      ${label.padEnd(18)} ${String(value)}\n`);
}

function tx(body: { chain?: { txHash: string; blockNumber: string } | null; lastChange?: { txHash: string; blockNumber: string } }): void {
  const proof = body.lastChange ?? body.chain;
  if (proof) show('transaction', `${proof.txHash} (block ${proof.blockNumber})`);
}

const usd = (minor: string | bigint) => `${(Number(BigInt(minor)) / 100).toFixed(2)} USD`;

async function post<T = Record<string, any>>(service: Service, path: string, credential: string, body: unknown, name: string): Promise<T> {
  const { status, body: answer } = await call<T>(service, 'POST', path, { credential, body, idempotencyKey: key(name), expect: [200, 201, 202] });
  if (status === 202) throw new Error(`${path}: the chain did not record it within the request timeout (202); see ${(answer as { statusUrl?: string }).statusUrl}`);
  return answer;
}

async function get<T = Record<string, any>>(service: Service, path: string, credential: string): Promise<T> {
  return (await call<T>(service, 'GET', path, { credential })).body;
}

/** Waits (bounded) until a GET satisfies `ready`: another service's view follows the chain within a few polls. */
async function eventually<T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ready(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function organisation(code: string, name: string): Promise<string> {
  // Admitted before (by an earlier run, or under another name): use it as it is.
  await call('registration', 'POST', '/v1/organisations', { credential: operator, body: { code, name }, idempotencyKey: key(`admit-${code}`), expect: [200, 201, 409] });
  await get('registration', `/v1/organisations/${code}`, operator);
  const issued = await post('registration', `/v1/organisations/${code}/api-keys`, operator, undefined, `key-${code}`);
  const apiKey = issued.apiKey as string;
  // Every service learns the key from JetStream within seconds.
  for (const service of ['credit', 'payment', 'settlement'] as const) {
    await eventually(`${service} to accept ${code}'s key`, () => call(service, 'GET', `/v1/operations/0x${'0'.repeat(64)}`, { credential: apiKey, expect: [401, 404] }), (answer) => answer.status === 404);
  }
  return apiKey;
}

async function main(): Promise<void> {
  process.stdout.write(`Tally demo, run ${run}\n`);

  step('S1 — two payment systems join the chain (operator), each gets an API key');
  const acme = await organisation('acme-pay', 'Acme Payments (the enterprise side)');
  const beta = await organisation('beta-pay', 'Beta Pay (the merchant side)');
  show('organisations', 'acme-pay, beta-pay');

  step('S1 — each registers its user after reviewing its qualification; the chain verifies the attestor signature');
  const qualification = { certificateType: 'BUSINESS_LICENCE', certificateNumber: `DEMO-${run}`, expiresAt: '2035-12-31T00:00:00Z' };
  const enterprise = await post('registration', '/v1/accounts', acme, { kind: 'ENTERPRISE', externalRef: `demo-enterprise-${run}`, custody: 'CUSTODIAL', qualification }, 'enterprise');
  show('enterprise', `${enterprise.address} (acme-pay)`);
  tx(enterprise);
  const merchant = await post('registration', '/v1/accounts', beta, { kind: 'MERCHANT', externalRef: `demo-merchant-${run}`, custody: 'CUSTODIAL', qualification }, 'merchant');
  show('merchant', `${merchant.address} (beta-pay)`);
  tx(merchant);

  step("S3 — acme-pay opens the enterprise's credit account: a ceiling of 50,000.00 USD");
  const creditAccount = await post('credit', '/v1/credit-accounts', acme, { enterprise: enterprise.address, currency: 'USD', ceiling: '5000000' }, 'credit-account');
  show('credit account', `${creditAccount.id} ceiling ${usd(creditAccount.ceiling)}`);
  tx(creditAccount);

  step('S3 — the enterprise applies to the merchant for 20,000.00 USD on 30 days; the merchant grants 15,000.00');
  const application = await post('credit', '/v1/credit-applications', acme, {
    enterprise: enterprise.address, merchant: merchant.address, currency: 'USD', requestedLimit: '2000000', termDays: 30,
    expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(), reference: `DEMO-FRAME-${run}`,
  }, 'application');
  tx(application);
  const approved = await post('credit', `/v1/credit-applications/${application.id}/decision`, beta, { outcome: 'APPROVE', limit: '1500000' }, 'approval');
  tx(approved);
  const lineId = approved.lineId as string;
  show('credit line', `${lineId} limit ${usd(approved.approvedLimit)}`);

  step('S4 — the enterprise pays three invoices on credit; the chain checks identity, relationship and limits');
  const bills: string[] = [];
  for (const [index, amount] of ['400000', '250000', '100000'].entries()) {
    const payment = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId, amount }, `payment-${index}`);
    bills.push(payment.id);
    show(`payment ${index + 1}`, `${usd(amount)}, bill due ${payment.dueAt}`);
    tx(payment);
  }
  const overLimit = await call('payment', 'POST', '/v1/payments', { credential: acme, idempotencyKey: key('over-limit'), body: { kind: 'CREDIT', lineId, amount: '1000000' }, expect: [422] });
  show('over the limit', `refused on chain: ${(overLimit.body as { code: string }).code}`);

  step('S4 — the merchant refunds 500.00 USD of the third invoice; the credit comes back');
  const refund = await post('payment', '/v1/refunds', beta, { paymentId: bills[2], amount: '50000' }, 'refund');
  tx(refund);
  const line = await eventually('the credit view to follow', () => get('credit', `/v1/credit-lines/${lineId}`, beta), (value) => value.used === '700000');
  show('line used', `${usd(line.used)} of ${usd(line.limit)}`);

  step('S2 — acme-pay registers its USD token class and issues 4,000.00 to the enterprise (paid in money)');
  const tokenClass = await post('payment', '/v1/token-classes', acme, { symbol: 'ACME-USD', name: 'Acme US dollar', currency: 'USD' }, 'token-class').catch(async (error: Error) => {
    // A later run: acme-pay already has the class.
    if (!error.message.includes('TOKEN_CLASS_EXISTS')) throw error;
    const { items } = await get<{ items: Array<Record<string, any>> }>('payment', '/v1/token-classes?issuerOrgId=acme-pay', acme);
    return items.find((item) => item.symbol === 'ACME-USD')!;
  });
  show('token class', `${tokenClass.symbol} ${tokenClass.id}`);
  const issuance = await post('payment', '/v1/issuances', acme, { tokenClassId: tokenClass.id, to: enterprise.address, amount: '400000' }, 'issuance');
  tx(issuance);

  step('S5 — the enterprise settles the first bill with tokens (locked in escrow); the merchant confirms');
  await eventually('the bills to be projected', () => get('settlement', `/v1/bills?lineId=${lineId}`, acme), (page) => page.totals.count === 3);
  const byToken = await post('settlement', '/v1/settlements', acme, { lineId, billIds: [bills[0]], method: 'TOKEN', tokenClassId: tokenClass.id }, 'settle-token');
  show('settlement', `${byToken.id} ${usd(byToken.total)} by TOKEN, ${byToken.status}`);
  tx(byToken);
  const confirmedToken = await post('settlement', `/v1/settlements/${byToken.id}/confirm`, beta, {}, 'confirm-token');
  show('merchant', confirmedToken.status);
  tx(confirmedToken);

  step('S5 — the enterprise settles the second bill by bank transfer; the merchant confirms');
  const byBank = await post('settlement', '/v1/settlements', acme, { lineId, billIds: [bills[1]], method: 'OFFCHAIN', bankReference: `WIRE-${run}` }, 'settle-bank');
  show('settlement', `${byBank.id} ${usd(byBank.total)} by OFFCHAIN, ${byBank.status}`);
  tx(byBank);
  const confirmedBank = await post('settlement', `/v1/settlements/${byBank.id}/confirm`, beta, {}, 'confirm-bank');
  show('merchant', confirmedBank.status);
  tx(confirmedBank);

  step('Balances after the run');
  const after = await eventually('the credit view to follow', () => get('credit', `/v1/credit-lines/${lineId}`, beta), (value) => value.used === '50000');
  show('line used', `${usd(after.used)} of ${usd(after.limit)} (the refunded third bill remains)`);
  const bills_ = await get('settlement', `/v1/bills?lineId=${lineId}`, acme);
  for (const bill of bills_.items) show('bill', `${bill.id.slice(0, 10)}… ${usd(bill.amount)} ${bill.status} outstanding ${usd(bill.outstanding)}`);
  const balances = await eventually('the balances view to follow', () => get('payment', `/v1/balances?holder=${merchant.address}&tokenClassId=${tokenClass.id}`, beta), (page) => page.items.length > 0);
  show('merchant holds', `${usd(balances.items[0].amount)} ${balances.items[0].symbol}`);

  step("S5 — the line's statement for today");
  const from = new Date(Date.now() - 86_400_000).toISOString();
  const to = new Date(Date.now() + 86_400_000).toISOString();
  const statement = await get('settlement', `/v1/statements?lineId=${lineId}&from=${from}&to=${to}`, acme);
  show('opening', usd(statement.openingBalance));
  show('payments', usd(statement.payments));
  show('refunds', usd(statement.refunds));
  show('settlements', usd(statement.settlements));
  show('closing', usd(statement.closingBalance));

  step('S5 — clearing between the payment systems: tokens of acme-pay settled a bill of beta-pay');
  const clearing = await get('settlement', `/v1/clearing-positions?from=${from}&to=${to}`, operator);
  for (const position of clearing.positions) show('position', `${position.debtorOrgId} owes ${position.creditorOrgId} ${usd(position.amount)} (${position.settlementCount} settlements)`);
  const report = await post('settlement', '/v1/clearing-positions/reports', operator, { from, to }, 'clearing-report').catch((error: Error) => {
    if (!error.message.includes('DUPLICATE_OPERATION')) throw error;
    return null; // the same set of settlements was anchored by an earlier run within the period
  });
  if (report) {
    show('anchored root', `${report.root} (${report.settlementCount} settlements, matches chain: ${report.matchesChain})`);
    tx(report);
  } else {
    show('anchored root', `${clearing.root} (already anchored)`);
  }

  step('Reconciliation: every view of every service against the chain and the invariants');
  const reconciliation = await get('settlement', '/v1/reconciliation', operator);
  for (const drift of reconciliation.drifts) show('DRIFT', `${drift.check} ${drift.subject}: chain ${drift.expected}, ${drift.service} ${drift.actual}`);
  show('result', reconciliation.ok ? `no drift (${Object.entries(reconciliation.counts).map(([kind, count]) => `${count} ${kind}`).join(', ')})` : `${reconciliation.drifts.length} drift(s)`);
  if (!reconciliation.ok) throw new Error('reconciliation found drift');
  process.stdout.write('\ndemo finished: every step recorded on chain, zero drift\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`\ndemo failed at step ${stepNumber}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
