// S3 end to end, both sides: HTTP → the parties' signatures (custodial through registration over
// NATS, self-custody by the caller) → CreditLedger's verification → views → JetStream events.
import '../../../test/support/isolation.js';
import type { INestApplication } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { SignTypedDataVersion, signTypedData } from '@metamask/eth-sig-util';
import { Contract, NonceManager, Wallet } from 'ethers';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ChainClient, PartySigner, Projector, payOnCreditArguments, readCreditAccount, readCreditLine, signTypedDataWith, waitForReceipt, type TypedData } from '#chain-adapter';
import { devPrivateKey } from '../../../test/support/anvil.js';
import { startStack, type Organisation, type Stack } from '../../../test/support/stack.js';
import { projectOneByOneAndInBulk } from '../../../test/support/bulk-projection.js';
import { CreditAccountProjector } from '../src/credit-accounts/credit-account.projector.js';
import { CreditLineProjector } from '../src/credit-lines/credit-line.projector.js';

let harness: Stack;
let creditApp: INestApplication;
let creditUrl: string;
let acme: Organisation;
let beta: Organisation;
let nats: NatsConnection;
let chain: ChainClient;
let payments: Contract;
let keySequence = 0;
const newKey = () => `key-${++keySequence}`;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

beforeAll(async () => {
  harness = await startStack('credit', ['credit']);
  creditApp = harness.apps.credit!;
  creditUrl = harness.urls.credit!;
  chain = creditApp.get(ChainClient);
  // Payments on credit belong to the payment service, which this stack does not run: its relayer
  // (registered with every organisation) pays straight on the ledger, with the custodial
  // enterprise's signature from registration, so that lines have `used` to protect.
  payments = chain.contract('CreditLedger').connect(new NonceManager(new Wallet(devPrivateKey(3), chain.provider))) as Contract;
  [acme, beta] = await Promise.all([harness.anOrganisation('acme-pay'), harness.anOrganisation('beta-pay')]);
  nats = await connect({ servers: 'nats://127.0.0.1:4222' });
});

afterAll(async () => {
  await nats?.close();
  await harness?.close();
});

function post(path: string, org: Organisation, body: Record<string, unknown>, idempotencyKey = newKey()) {
  return request(creditUrl).post(path).set('Authorization', org.auth).set('Idempotency-Key', idempotencyKey).send(body);
}

function get(path: string, org: Organisation) {
  return request(creditUrl).get(path).set('Authorization', org.auth);
}

async function anApplication(enterprise: string, merchant: string, overrides: Record<string, unknown> = {}) {
  return {
    enterprise,
    merchant,
    currency: 'USD',
    requestedLimit: '10000',
    termDays: 30,
    expiresAt: inDays(90),
    reference: `PO-${keySequence}`,
    ...overrides,
  };
}

/** An enterprise of acme-pay with a USD ceiling and a merchant of beta-pay, both custodial. */
async function parties(ceiling = '100000') {
  const enterprise = await harness.aCustodialAccount(acme, 'ENTERPRISE');
  const merchant = await harness.aCustodialAccount(beta, 'MERCHANT');
  const opened = await post('/v1/credit-accounts', acme, { enterprise, currency: 'USD', ceiling });
  expect(opened.status).toBe(201);
  return { enterprise, merchant, creditAccountId: opened.body.id as string };
}

async function anApprovedLine(limit = '1000', ceiling = '100000') {
  const { enterprise, merchant, creditAccountId } = await parties(ceiling);
  const applied = await post('/v1/credit-applications', acme, await anApplication(enterprise, merchant, { requestedLimit: limit }));
  expect(applied.status).toBe(201);
  const approved = await post(`/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'APPROVE', limit });
  expect(approved.status).toBe(200);
  return { enterprise, merchant, creditAccountId, lineId: applied.body.id as string };
}

let billSequence = 0;
/** A payment on credit on a line (custodial enterprise of acme-pay), as the payment service sends it. */
async function creditPayment(line: { lineId: string; enterprise: string; merchant: string }, amount: bigint) {
  const message = { operationId: `0x${(++billSequence).toString(16).padStart(64, 'c')}`, lineId: line.lineId, payee: line.merchant, amount, deadline: (await chain.latestTimestamp()) + 600n };
  const signature = await creditApp.get(PartySigner).sign({ kind: 'ACCOUNT', orgId: 'acme-pay', address: line.enterprise }, chain.typedData('CreditPayment', message), undefined);
  return { billId: message.operationId, args: payOnCreditArguments(message, signature) };
}

/** Pays on credit on a line and waits until the credit view shows it. */
async function draw(line: { lineId: string; enterprise: string; merchant: string }, amount: bigint): Promise<string> {
  const { billId, args } = await creditPayment(line, amount);
  const tx = await payments.getFunction('payOnCredit').send(...args);
  const receipt = await waitForReceipt(chain.provider, tx.hash, 10_000);
  await waitUntilProjected(BigInt(receipt.blockNumber));
  return billId;
}

async function waitUntilProjected(block: bigint): Promise<void> {
  const projector = creditApp.get(Projector);
  const deadline = Date.now() + 10_000;
  while ((projector.appliedBlock ?? 0n) < block) {
    if (Date.now() > deadline) throw new Error(`credit did not project block ${block}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function events(subject: string, match: (data: Record<string, unknown>) => boolean, count = 1): Promise<Array<{ id: string; type: string; data: Record<string, unknown> }>> {
  const manager = await jetstreamManager(nats);
  const consumer = await manager.consumers.add(harness.world.stream, {
    filter_subject: `${harness.world.namespace}.events.${subject}`,
    ack_policy: 'none' as never,
    deliver_policy: 'all' as never,
  });
  const found: Array<{ id: string; type: string; data: Record<string, unknown> }> = [];
  const deadline = Date.now() + 8_000;
  while (found.length < count && Date.now() < deadline) {
    const messages = await (await jetstream(nats).consumers.get(harness.world.stream, consumer.name)).fetch({ max_messages: 100, expires: 1000 });
    for await (const message of messages) {
      const envelope = message.json<{ id: string; type: string; data: Record<string, unknown> }>();
      if (match(envelope.data)) found.push(envelope);
    }
  }
  await manager.consumers.delete(harness.world.stream, consumer.name);
  return found;
}

async function viewRows(table: string): Promise<unknown[]> {
  return creditApp.get(DataSource).query(`SELECT * FROM ${table} ORDER BY 1`);
}

describe('credit accounts', () => {
  it('opens a credit account with the attestor of the enterprise organisation: on chain, in the view, on JetStream', async () => {
    const enterprise = await harness.aCustodialAccount(acme, 'ENTERPRISE');
    const response = await post('/v1/credit-accounts', acme, { enterprise, currency: 'USD', ceiling: '500000' });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ enterprise, orgId: 'acme-pay', currency: 'USD', ceiling: '500000', used: '0', available: '500000', status: 'ACTIVE', frozenBy: null });
    expect(response.body.chain).toMatchObject({ chainId: '31337', txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    expect(await readCreditAccount(chain, response.body.id)).toMatchObject({ status: 'ACTIVE', ceiling: 500000n });
    expect((await get(`/v1/credit-accounts/${response.body.id}`, acme)).body).toEqual(response.body);
    const [opened] = await events('credit-account.opened', (data) => data.creditAccountId === response.body.id);
    expect(opened.data).toMatchObject({ enterprise, currency: 'USD', ceiling: '500000' });

    const raised = await post(`/v1/credit-accounts/${response.body.id}/ceiling`, acme, { ceiling: '600000' });
    expect(raised.status).toBe(200);
    expect(raised.body.ceiling).toBe('600000');
  });

  it('refuses bad input and the wrong caller with a stable 4xx, changing nothing', async () => {
    const enterprise = await harness.aCustodialAccount(acme, 'ENTERPRISE');
    const merchant = await harness.aCustodialAccount(beta, 'MERCHANT');
    const before = await viewRows('credit_accounts');
    const cases: Array<[request.Test, number, string]> = [
      [post('/v1/credit-accounts', beta, { enterprise, currency: 'USD', ceiling: '1' }), 403, 'FORBIDDEN'],
      [post('/v1/credit-accounts', beta, { enterprise: merchant, currency: 'USD', ceiling: '1' }), 422, 'INVALID_ACCOUNT_KIND'],
      [post('/v1/credit-accounts', acme, { enterprise, currency: 'usd', ceiling: '1' }), 400, 'VALIDATION_FAILED'],
      [post('/v1/credit-accounts', acme, { enterprise, currency: 'USD', ceiling: '-1' }), 400, 'VALIDATION_FAILED'],
      [post('/v1/credit-accounts', acme, { enterprise, currency: 'USD', ceiling: 1 }), 400, 'VALIDATION_FAILED'],
      [post('/v1/credit-accounts', acme, { enterprise: Wallet.createRandom().address, currency: 'USD', ceiling: '1' }), 404, 'ACCOUNT_NOT_FOUND'],
      [request(creditUrl).post('/v1/credit-accounts').set('Authorization', acme.auth).send({ enterprise, currency: 'USD', ceiling: '1' }), 400, 'IDEMPOTENCY_KEY_REQUIRED'],
      [request(creditUrl).post('/v1/credit-accounts').set('Idempotency-Key', 'x').send({ enterprise, currency: 'USD', ceiling: '1' }), 401, 'UNAUTHENTICATED'],
      [get(`/v1/credit-accounts/0x${'12'.repeat(32)}`, acme), 404, 'CREDIT_ACCOUNT_NOT_FOUND'],
    ];
    for (const [pending, status, code] of cases) {
      const response = await pending;
      expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
    }
    expect(await viewRows('credit_accounts')).toEqual(before);
  });

  it('freezes: new applications are refused on chain; only the party that froze unfreezes', async () => {
    const { enterprise, merchant, creditAccountId } = await parties();
    const frozen = await post(`/v1/credit-accounts/${creditAccountId}/freeze`, acme, { actor: 'ENTERPRISE' });
    expect(frozen.status).toBe(200);
    expect(frozen.body).toMatchObject({ status: 'FROZEN', frozenBy: 'ENTERPRISE' });

    const applications = await viewRows('credit_applications');
    const refused = await post('/v1/credit-applications', acme, await anApplication(enterprise, merchant));
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('CREDIT_ACCOUNT_NOT_ACTIVE');
    expect(await viewRows('credit_applications')).toEqual(applications);

    const byOrganisation = await post(`/v1/credit-accounts/${creditAccountId}/unfreeze`, acme, { actor: 'ORGANISATION' });
    expect(byOrganisation.status).toBe(409);
    expect(byOrganisation.body.code).toBe('FROZEN_BY_OTHER_PARTY');
    const unfrozen = await post(`/v1/credit-accounts/${creditAccountId}/unfreeze`, acme, { actor: 'ENTERPRISE' });
    expect(unfrozen.body).toMatchObject({ status: 'ACTIVE', frozenBy: null });
    expect((await post('/v1/credit-applications', acme, await anApplication(enterprise, merchant))).status).toBe(201);
  });

  it('never lowers the ceiling below used', async () => {
    const line = await anApprovedLine('1000', '5000');
    const { creditAccountId } = line;
    await draw(line, 700n);
    const account = await get(`/v1/credit-accounts/${creditAccountId}`, acme);
    expect(account.body).toMatchObject({ used: '700', available: '4300' });
    const refused = await post(`/v1/credit-accounts/${creditAccountId}/ceiling`, acme, { ceiling: '699' });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('CEILING_BELOW_USED');
    expect(refused.body.details).toMatchObject({ ceiling: '699', used: '700' });
    expect((await readCreditAccount(chain, creditAccountId)).ceiling).toBe(5000n);
    expect((await get(`/v1/credit-accounts/${creditAccountId}`, acme)).body.ceiling).toBe('5000');
    const closing = await post(`/v1/credit-accounts/${creditAccountId}/close`, acme, { actor: 'ORGANISATION' });
    expect(closing.body.code).toBe('CREDIT_IN_USE');
  });
});

describe('credit applications and lines', () => {
  it('approves with a smaller limit: the line opens ACTIVE, both organisations see it, events go out', async () => {
    const { enterprise, merchant, creditAccountId } = await parties();
    const applied = await post('/v1/credit-applications', acme, await anApplication(enterprise, merchant, { requestedLimit: '10000', reference: 'PO-77' }));
    expect(applied.status).toBe(201);
    expect(applied.body).toMatchObject({ status: 'SUBMITTED', enterpriseOrgId: 'acme-pay', merchantOrgId: 'beta-pay', reference: 'PO-77', lineId: null });

    const approved = await post(`/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'APPROVE', limit: '6000' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'APPROVED', approvedLimit: '6000', lineId: applied.body.id });

    for (const org of [acme, beta]) {
      const line = await get(`/v1/credit-lines/${applied.body.id}`, org);
      expect(line.status).toBe(200);
      expect(line.body).toMatchObject({ creditAccountId, enterprise, merchant, limit: '6000', used: '0', available: '6000', status: 'ACTIVE', usable: true, termDays: 30, utilisationThresholds: [80, 100] });
    }
    // A third organisation is no party to either: it sees neither the line nor the application.
    const outsider = await harness.anOrganisation('delta-pay');
    for (const path of [`/v1/credit-lines/${applied.body.id}`, `/v1/credit-applications/${applied.body.id}`]) {
      const refused = await get(path, outsider);
      expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    }
    expect(await readCreditLine(chain, applied.body.id)).toMatchObject({ status: 'ACTIVE', limit: 6000n });
    const [event] = await events('credit-line.opened', (data) => data.lineId === applied.body.id);
    expect(event.data).toMatchObject({ enterpriseOrgId: 'acme-pay', merchantOrgId: 'beta-pay', limit: '6000' });
    expect(await events('credit-application.approved', (data) => data.applicationId === applied.body.id)).toHaveLength(1);

    const { NatsRequester, requestSubjects } = await import('#common');
    const view = await harness.registration.get(NatsRequester).request<{ id: string; limit: string; usable: boolean }>(requestSubjects.credit.creditLineGet, { lineId: applied.body.id });
    expect(view).toMatchObject({ id: applied.body.id, limit: '6000', usable: true });
  });

  it('lets only the merchant organisation decide, and rejects with a reason code', async () => {
    const { enterprise, merchant } = await parties();
    const applied = await post('/v1/credit-applications', acme, await anApplication(enterprise, merchant));
    const byEnterpriseOrg = await post(`/v1/credit-applications/${applied.body.id}/decision`, acme, { outcome: 'APPROVE', limit: '1' });
    expect(byEnterpriseOrg.status).toBe(403);
    const tooMuch = await post(`/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'APPROVE', limit: '10001' });
    expect(tooMuch.body.code).toBe('LIMIT_ABOVE_REQUESTED');
    const noReason = await post(`/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'REJECT' });
    expect(noReason.body.code).toBe('VALIDATION_FAILED');

    const rejected = await post(`/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'REJECT', reasonCode: 3 });
    expect(rejected.body).toMatchObject({ status: 'REJECTED', reasonCode: 3, lineId: null });
    expect((await get(`/v1/credit-lines/${applied.body.id}`, beta)).body.code).toBe('CREDIT_LINE_NOT_FOUND');
  });

  it('withdraws a pending application; a decision afterwards is refused', async () => {
    const { enterprise, merchant } = await parties();
    const applied = await post('/v1/credit-applications', acme, await anApplication(enterprise, merchant));
    expect((await post(`/v1/credit-applications/${applied.body.id}/withdraw`, beta, {})).status).toBe(403);
    const withdrawn = await post(`/v1/credit-applications/${applied.body.id}/withdraw`, acme, {});
    expect(withdrawn.body.status).toBe('WITHDRAWN');
    const late = await post(`/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'APPROVE', limit: '1' });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('INVALID_STATE_TRANSITION');
  });

  it('refuses on chain a decision signed by anyone but the merchant (BAD_SIGNATURE), then accepts the merchant', async () => {
    const enterprise = await harness.aCustodialAccount(acme, 'ENTERPRISE');
    const merchant = await harness.aSelfCustodyAccount(beta, 'MERCHANT');
    await post('/v1/credit-accounts', acme, { enterprise, currency: 'USD', ceiling: '100000' });
    const applied = await post('/v1/credit-applications', acme, await anApplication(enterprise, merchant.address));
    expect(applied.status).toBe(201);

    const decisionKey = newKey();
    const asked = await post(`/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'APPROVE', limit: '5000' }, decisionKey);
    expect(asked.status).toBe(422);
    expect(asked.body.code).toBe('SIGNATURE_REQUIRED');
    const typedData = asked.body.details.typedData as TypedData;
    expect(typedData.primaryType).toBe('CreditDecision');

    const impostor = Wallet.createRandom();
    const forged = await post(
      `/v1/credit-applications/${applied.body.id}/decision`,
      beta,
      { outcome: 'APPROVE', limit: '5000', signature: signTypedDataWith(impostor.privateKey, typedData), deadline: String(typedData.message.deadline) },
      decisionKey,
    );
    expect(forged.status).toBe(422);
    expect(forged.body.code).toBe('BAD_SIGNATURE');
    expect(forged.body.details).toMatchObject({ expectedSigner: merchant.address, recoveredSigner: impostor.address });
    expect((await get(`/v1/credit-applications/${applied.body.id}`, beta)).body.status).toBe('SUBMITTED');

    // The refusal is final for its key; the merchant signs again under a new one.
    const retryKey = newKey();
    const again = await post(`/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'APPROVE', limit: '5000' }, retryKey);
    const signed = await post(
      `/v1/credit-applications/${applied.body.id}/decision`,
      beta,
      { outcome: 'APPROVE', limit: '5000', signature: signTypedDataWith(merchant.privateKey, again.body.details.typedData), deadline: String(again.body.details.typedData.message.deadline) },
      retryKey,
    );
    expect(signed.status).toBe(200);
    expect(signed.body.status).toBe('APPROVED');
  });

  it('accepts a self-custody enterprise signing with @metamask/eth-sig-util', async () => {
    const enterprise = await harness.aSelfCustodyAccount(acme, 'ENTERPRISE');
    const merchant = await harness.aCustodialAccount(beta, 'MERCHANT');
    await post('/v1/credit-accounts', acme, { enterprise: enterprise.address, currency: 'EUR', ceiling: '100000' });
    const body = await anApplication(enterprise.address, merchant, { currency: 'EUR' });
    const key = newKey();
    const asked = await post('/v1/credit-applications', acme, body, key);
    expect(asked.body.code).toBe('SIGNATURE_REQUIRED');
    const typedData = asked.body.details.typedData;
    const signature = signTypedData({ privateKey: Buffer.from(enterprise.privateKey.slice(2), 'hex'), data: typedData, version: SignTypedDataVersion.V4 });
    const applied = await post('/v1/credit-applications', acme, { ...body, signature, deadline: typedData.message.deadline }, key);
    expect(applied.status).toBe(201);
    expect(applied.body).toMatchObject({ enterprise: enterprise.address, currency: 'EUR', status: 'SUBMITTED' });
  });

  it('records concurrent duplicates of one Idempotency-Key once, and refuses the key with another body', async () => {
    const { enterprise, merchant } = await parties();
    const body = await anApplication(enterprise, merchant);
    const key = newKey();
    const answers = await Promise.all(Array.from({ length: 6 }, () => post('/v1/credit-applications', acme, body, key)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(201));
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    const [row] = (await creditApp.get(DataSource).query('SELECT count(*)::int AS n FROM credit_applications WHERE id = $1', [answers[0].body.id])) as Array<{ n: number }>;
    expect(row.n).toBe(1);
    const reused = await post('/v1/credit-applications', acme, { ...body, requestedLimit: '1' }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('adjusts a line never below used, suspends and resumes, and warns as utilisation crosses 80% and 100%', async () => {
    const approved = await anApprovedLine('1000');
    const { lineId, enterprise } = approved;
    await draw(approved, 600n);
    const below = await post(`/v1/credit-lines/${lineId}/limit`, beta, { limit: '599' });
    expect(below.status).toBe(422);
    expect(below.body.code).toBe('LIMIT_BELOW_USED');
    expect((await get(`/v1/credit-lines/${lineId}`, beta)).body.limit).toBe('1000');

    await draw(approved, 250n); // 85 %
    const lowered = await post(`/v1/credit-lines/${lineId}/limit`, beta, { limit: '850' }); // 100 %
    expect(lowered.body).toMatchObject({ limit: '850', used: '850', available: '0' });
    const crossings = await events('credit-line.utilisation-crossed', (data) => data.lineId === lineId, 2);
    expect(crossings.map((event) => [event.data.thresholdPercent, event.data.used, event.data.limit])).toEqual([
      [80, '850', '1000'],
      [100, '850', '850'],
    ]);
    expect(crossings[0].data).toMatchObject({ enterprise, enterpriseOrgId: 'acme-pay', merchantOrgId: 'beta-pay' });

    expect((await post(`/v1/credit-lines/${lineId}/suspend`, acme, {})).status).toBe(403);
    const suspended = await post(`/v1/credit-lines/${lineId}/suspend`, beta, {});
    expect(suspended.body).toMatchObject({ status: 'SUSPENDED', usable: false });
    await expect(payments.getFunction('payOnCredit').staticCall(...(await creditPayment(approved, 1n)).args)).rejects.toMatchObject({ revert: { name: 'CreditLineNotActive' } });
    expect((await post(`/v1/credit-lines/${lineId}/resume`, beta, {})).body.status).toBe('ACTIVE');
    const enterpriseClose = await post(`/v1/credit-lines/${lineId}/close`, acme, { actor: 'ENTERPRISE' });
    expect(enterpriseClose.body.code).toBe('CREDIT_IN_USE');
    const merchantClose = await post(`/v1/credit-lines/${lineId}/close`, beta, { actor: 'MERCHANT' });
    expect(merchantClose.body.status).toBe('CLOSED');
  });

  it('lists with filters and cursor pagination', async () => {
    const { enterprise, merchant } = await parties();
    for (let i = 0; i < 3; i += 1) await post('/v1/credit-applications', acme, await anApplication(enterprise, merchant));
    const first = await get(`/v1/credit-applications?enterprise=${enterprise}&limit=2`, acme);
    expect(first.body.items).toHaveLength(2);
    const second = await get(`/v1/credit-applications?enterprise=${enterprise}&limit=2&cursor=${first.body.nextCursor}`, acme);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const ids = [...first.body.items, ...second.body.items].map((item: { id: string }) => item.id);
    expect(new Set(ids).size).toBe(3);
    const asMerchantOrg = await get(`/v1/credit-applications?merchant=${merchant}&status=SUBMITTED`, beta);
    expect(asMerchantOrg.body.items).toHaveLength(3);
    const stranger = await harness.anOrganisation('gamma-pay');
    expect((await get(`/v1/credit-applications?enterprise=${enterprise}`, stranger)).body.items).toHaveLength(0);
    expect((await get('/v1/credit-applications?cursor=garbage', acme)).body.code).toBe('INVALID_CURSOR');
    expect((await get(`/v1/credit-applications/${ids[0]}`, stranger)).status).toBe(403);
  });

  it('projects a batch of payments in bulk exactly as one by one: lines, accounts, utilisation alerts', async () => {
    // Two lines on one credit account; one transaction pays on both, crossing 80% on the first
    // (third payment) and 80% then 100% on the second: one run of BillRecorded for the projections.
    const first = await anApprovedLine('1000');
    const applied = await post('/v1/credit-applications', acme, await anApplication(first.enterprise, first.merchant, { requestedLimit: '1000' }));
    expect((await post(`/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'APPROVE', limit: '1000' })).status).toBe(200);
    const second = { ...first, lineId: applied.body.id as string };
    const paid = await Promise.all([
      creditPayment(first, 300n), creditPayment(second, 500n), creditPayment(first, 300n), creditPayment(first, 250n), creditPayment(second, 500n),
    ]);
    const tx = await payments.getFunction('payOnCreditBatch').send(
      paid.map(({ args }) => args[0]),
      paid.map(({ args }) => args[1]),
      paid.map(({ args }) => args[2]),
    );
    const receipt = await waitForReceipt(chain.provider, tx.hash, 10_000);
    await waitUntilProjected(BigInt(receipt.blockNumber));
    expect((await get(`/v1/credit-lines/${first.lineId}`, acme)).body.used).toBe('850');
    expect((await get(`/v1/credit-lines/${second.lineId}`, acme)).body.used).toBe('1000');
    expect((await get(`/v1/credit-accounts/${first.creditAccountId}`, acme)).body.used).toBe('1850');

    const tables = ['credit_accounts', 'credit_lines'];
    const { oneByOne, inBulk, runs } = await projectOneByOneAndInBulk(creditApp, tables, [creditApp.get(CreditLineProjector), creditApp.get(CreditAccountProjector)], 'BillRecorded');
    expect(runs).toContain(5);
    const crossed = (snapshot: { events: unknown[] }) =>
      (snapshot.events as Array<{ envelope: { type: string; data: { lineId: string; thresholdPercent: number; used: string } } }>)
        .filter(({ envelope }) => envelope.type === 'credit-line.utilisation-crossed' && [first.lineId, second.lineId].includes(envelope.data.lineId))
        .map(({ envelope }) => [envelope.data.lineId, envelope.data.thresholdPercent, envelope.data.used]);
    expect(crossed(oneByOne)).toEqual([
      [first.lineId, 80, '850'],
      [second.lineId, 80, '1000'],
      [second.lineId, 100, '1000'],
    ]);
    expect(inBulk).toEqual(oneByOne);
  });

  it('rebuilds identical views from the chain', async () => {
    const tables = ['credit_accounts', 'credit_applications', 'credit_lines', 'accounts'];
    const before = await Promise.all(tables.map(viewRows));
    const projector = creditApp.get(Projector);
    const head = await chain.blockNumber();
    await projector.rebuild({ reopenOutbox: false });
    await waitUntilProjected(head);
    expect(await Promise.all(tables.map(viewRows))).toEqual(before);
  });
});

describe('chain time', () => {
  it('honours expiry: an expired application cannot be approved, an expired line is not usable, a lapsed enterprise cannot apply', async () => {
    const { enterprise, merchant } = await parties();
    const short = await post('/v1/credit-applications', acme, await anApplication(enterprise, merchant, { expiresAt: inDays(2) }));
    const line = await anApprovedLine('1000');
    const lapsing = await harness.aCustodialAccount(acme, 'ENTERPRISE', 86_400_000);
    await post('/v1/credit-accounts', acme, { enterprise: lapsing, currency: 'USD', ceiling: '1000' });

    await chain.provider.send('evm_increaseTime', [3 * 86_400]);
    await chain.provider.send('evm_mine', []);
    const late = await post(`/v1/credit-applications/${short.body.id}/decision`, beta, { outcome: 'APPROVE', limit: '1' });
    expect(late.status).toBe(422);
    expect(late.body.code).toBe('CREDIT_APPLICATION_EXPIRED');
    expect((await get(`/v1/credit-applications/${short.body.id}`, beta)).body.status).toBe('SUBMITTED');

    const lapsed = await post('/v1/credit-applications', acme, await anApplication(lapsing, merchant));
    expect(lapsed.status).toBe(422);
    expect(lapsed.body.code).toBe('QUALIFICATION_LAPSED');

    await chain.provider.send('evm_increaseTime', [90 * 86_400]);
    await chain.provider.send('evm_mine', []);
    expect((await get(`/v1/credit-lines/${line.lineId}`, acme)).body).toMatchObject({ status: 'ACTIVE', usable: false });
    await expect(payments.getFunction('payOnCredit').staticCall(...(await creditPayment(line, 1n)).args)).rejects.toMatchObject({ revert: { name: 'CreditLineExpired' } });
  });
});
