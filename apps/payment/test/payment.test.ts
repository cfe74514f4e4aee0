// S2/S4 end to end: token classes, issuance, balances, payments on credit and in tokens across
// organisations, refunds, idempotency and concurrency — every rule decided by the contracts.
import '../../../test/support/isolation.js';
import type { INestApplication } from '@nestjs/common';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import request from 'supertest';
import { Wallet } from 'ethers';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { AccountDirectoryProjector, ChainClient, OutboxService, Projector, operationIdOf, interfaceOf, readBalance, readCreditLine, signTypedDataWith, type TypedData } from '#chain-adapter';
import { startStack, type Organisation, type Stack } from '../../../test/support/stack.js';
import { PaymentProjector } from '../src/payments/payment.projector.js';
import { projectOneByOneAndInBulk } from '../../../test/support/bulk-projection.js';

let stack: Stack;
let payment: INestApplication;
let chain: ChainClient;
let acme: Organisation; // the enterprises' payment system
let beta: Organisation; // the merchants' payment system
let gamma: Organisation; // a third payment system that issues tokens
let sequence = 0;
const newKey = () => `pay-key-${++sequence}`;

beforeAll(async () => {
  stack = await startStack('payment', ['credit', 'payment']);
  payment = stack.apps.payment!;
  chain = payment.get(ChainClient);
  acme = await stack.anOrganisation('acme-pay');
  beta = await stack.anOrganisation('beta-pay');
  gamma = await stack.anOrganisation('gamma-pay');
});

afterAll(async () => {
  await stack?.close();
});

function post(service: 'credit' | 'payment', path: string, org: Organisation, body: Record<string, unknown>, key = newKey()) {
  return request(stack.urls[service]!).post(path).set('Authorization', org.auth).set('Idempotency-Key', key).send(body);
}

function get(service: 'credit' | 'payment', path: string, org: Organisation) {
  return request(stack.urls[service]!).get(path).set('Authorization', org.auth);
}

async function anApprovedLine(limit: string, ceiling = '1000000') {
  const enterprise = await stack.aCustodialAccount(acme, 'ENTERPRISE');
  const merchant = await stack.aCustodialAccount(beta, 'MERCHANT');
  expect((await post('credit', '/v1/credit-accounts', acme, { enterprise, currency: 'USD', ceiling })).status).toBe(201);
  const applied = await post('credit', '/v1/credit-applications', acme, {
    enterprise, merchant, currency: 'USD', requestedLimit: limit, termDays: 30, expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString(), reference: 'frame',
  });
  expect(applied.status).toBe(201);
  expect((await post('credit', `/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'APPROVE', limit })).status).toBe(200);
  return { enterprise, merchant, lineId: applied.body.id as string };
}

/** An approved line of 5,000 whose enterprise holds its own key (it signs its payments itself). */
async function aSelfCustodyLine() {
  const enterprise = await stack.aSelfCustodyAccount(acme, 'ENTERPRISE');
  const merchant = await stack.aCustodialAccount(beta, 'MERCHANT');
  await post('credit', '/v1/credit-accounts', acme, { enterprise: enterprise.address, currency: 'USD', ceiling: '5000' });
  const applyKey = newKey();
  const body = { enterprise: enterprise.address, merchant, currency: 'USD', requestedLimit: '5000', termDays: 10, expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(), reference: 'sc' };
  const asked = await post('credit', '/v1/credit-applications', acme, body, applyKey);
  const typed = asked.body.details.typedData as TypedData;
  const applied = await post('credit', '/v1/credit-applications', acme, { ...body, signature: signTypedDataWith(enterprise.privateKey, typed), deadline: String(typed.message.deadline) }, applyKey);
  expect((await post('credit', `/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'APPROVE', limit: '5000' })).status).toBe(200);
  return { enterprise, lineId: applied.body.id as string };
}

async function paymentRows(): Promise<number> {
  const [row] = (await payment.get(DataSource).query('SELECT count(*)::int AS n FROM payments')) as Array<{ n: number }>;
  return row.n;
}

describe('payments on credit', () => {
  it('pays a merchant of another organisation on credit: bill UNSETTLED on chain, in the views, on JetStream', async () => {
    const line = await anApprovedLine('100000');
    const response = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '12500' });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      kind: 'CREDIT', payer: line.enterprise, payerOrgId: 'acme-pay', payee: line.merchant, payeeOrgId: 'beta-pay',
      lineId: line.lineId, amount: '12500', refunded: '0', status: 'UNSETTLED',
    });
    expect(Date.parse(response.body.dueAt) - Date.parse(response.body.recordedAt)).toBe(30 * 86_400_000);
    expect(response.body.chain.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await readCreditLine(chain, line.lineId)).used).toBe(12500n);
    // The merchant's organisation sees it too; a stranger does not.
    expect((await get('payment', `/v1/payments/${response.body.id}`, beta)).body.id).toBe(response.body.id);
    expect((await get('payment', `/v1/payments/${response.body.id}`, gamma)).status).toBe(403);
    const listed = await get('payment', `/v1/payments?lineId=${line.lineId}&status=UNSETTLED`, beta);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([response.body.id]);

    const nats = await connect({ servers: 'nats://127.0.0.1:4222' });
    try {
      const consumer = await (await jetstreamManager(nats)).consumers.add(stack.world.stream, {
        filter_subject: `${stack.world.namespace}.events.payment.recorded`,
        ack_policy: 'none' as never,
        deliver_policy: 'all' as never,
      });
      const messages = await (await jetstream(nats).consumers.get(stack.world.stream, consumer.name)).fetch({ max_messages: 50, expires: 3000 });
      let announced: { id: string; chain: { txHash: string }; data: Record<string, unknown> } | undefined;
      for await (const message of messages) {
        const envelope = message.json<{ id: string; chain: { txHash: string }; data: Record<string, unknown> }>();
        if (envelope.data.paymentId === response.body.id) {
          announced = envelope;
          break;
        }
      }
      expect(announced?.data).toMatchObject({ kind: 'CREDIT', payerOrgId: 'acme-pay', payeeOrgId: 'beta-pay', amount: '12500', lineId: line.lineId });
      expect(announced?.chain.txHash).toBe(response.body.chain.txHash);
    } finally {
      await nats.close();
    }
  });

  it('refuses on chain what the line, the limits and the parties do not allow, changing nothing', async () => {
    const line = await anApprovedLine('1000', '1500');
    await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '900' });
    const before = await paymentRows();
    const overLimit = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '101' });
    expect({ status: overLimit.status, code: overLimit.body.code }).toEqual({ status: 422, code: 'CREDIT_LIMIT_EXCEEDED' });
    expect(overLimit.body.details).toMatchObject({ limit: '1000', used: '900', amount: '101' });
    const wrongPayee = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, payee: line.enterprise, amount: '1' });
    expect(wrongPayee.body.code).toBe('PAYEE_NOT_ON_LINE');
    const notMine = await post('payment', '/v1/payments', beta, { kind: 'CREDIT', lineId: line.lineId, amount: '1' });
    expect(notMine.status).toBe(403);
    const noLine = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: `0x${'77'.repeat(32)}`, amount: '1' });
    expect(noLine.body.code).toBe('CREDIT_LINE_NOT_FOUND');
    const badAmount = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '1.5' });
    expect(badAmount.body.code).toBe('VALIDATION_FAILED');
    const badChecksum = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, payee: '0xaBaBaBaBaBaBaBaBaBaBaBaBaBaBaBaBaBaBaBaB', amount: '1' });
    expect({ status: badChecksum.status, code: badChecksum.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const deadlineAlone = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '1', deadline: '99999999999' });
    expect({ status: deadlineAlone.status, code: deadlineAlone.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });

    expect((await post('credit', `/v1/credit-lines/${line.lineId}/suspend`, beta, {})).status).toBe(200);
    const suspended = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '1' });
    expect(suspended.body.code).toBe('LINE_NOT_ACTIVE');
    expect((await post('credit', `/v1/credit-lines/${line.lineId}/resume`, beta, {})).status).toBe(200);

    const frozen = await request(stack.registrationUrl).post(`/v1/accounts/${line.enterprise}/freeze`).set('Authorization', acme.auth).set('Idempotency-Key', newKey()).send({});
    expect(frozen.body.status).toBe('FROZEN');
    const refused = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '1' });
    expect(refused.body.code).toBe('ACCOUNT_NOT_ACTIVE');

    expect(await paymentRows()).toBe(before);
    expect((await readCreditLine(chain, line.lineId)).used).toBe(900n);
  });

  it('refuses a self-custody payer\'s payment signed by another key (BAD_SIGNATURE) and accepts its own', async () => {
    const { enterprise, lineId } = await aSelfCustodyLine();
    const key = newKey();
    const first = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId, amount: '300' }, key);
    expect(first.body.code).toBe('SIGNATURE_REQUIRED');
    const typedData = first.body.details.typedData as TypedData;
    expect(typedData.primaryType).toBe('CreditPayment');
    const forged = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId, amount: '300', signature: signTypedDataWith(Wallet.createRandom().privateKey, typedData), deadline: String(typedData.message.deadline) }, key);
    expect(forged.body.code).toBe('BAD_SIGNATURE');
    // Not a signature at all (v = 5): refused before the outbox, nothing accepted under the key.
    const malformedKey = newKey();
    const malformed = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId, amount: '300', signature: `0x${'11'.repeat(64)}05`, deadline: String(typedData.message.deadline) }, malformedKey);
    expect({ status: malformed.status, code: malformed.body.code }).toEqual({ status: 422, code: 'BAD_SIGNATURE' });
    const [accepted] = (await payment.get(DataSource).query('SELECT count(*)::int AS n FROM outbox WHERE operation_id = $1', [operationIdOf('acme-pay', malformedKey)])) as Array<{ n: number }>;
    expect(accepted.n).toBe(0);
    const retryKey = newKey();
    const again = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId, amount: '300' }, retryKey);
    const signed = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId, amount: '300', signature: signTypedDataWith(enterprise.privateKey, again.body.details.typedData), deadline: String(again.body.details.typedData.message.deadline) }, retryKey);
    expect(signed.status).toBe(201);
  });

  it('refunds part, then the rest: credit restored, the payment REFUNDED', async () => {
    const line = await anApprovedLine('10000');
    const paid = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '4000' });
    expect((await post('payment', '/v1/refunds', acme, { paymentId: paid.body.id, amount: '1000' })).status).toBe(403);
    const partial = await post('payment', '/v1/refunds', beta, { paymentId: paid.body.id, amount: '1000' });
    expect(partial.status).toBe(201);
    expect(partial.body.payment).toMatchObject({ refunded: '1000', status: 'UNSETTLED' });
    expect((await readCreditLine(chain, line.lineId)).used).toBe(3000n);
    const tooMuch = await post('payment', '/v1/refunds', beta, { paymentId: paid.body.id, amount: '3001' });
    expect(tooMuch.body.code).toBe('REFUND_EXCEEDS_OUTSTANDING');
    const rest = await post('payment', '/v1/refunds', beta, { paymentId: paid.body.id, amount: '3000' });
    expect(rest.body.payment).toMatchObject({ refunded: '4000', status: 'REFUNDED' });
    expect((await readCreditLine(chain, line.lineId)).used).toBe(0n);
    // The credit service projects the same chain on its own; it follows within a few polls.
    const creditProjector = stack.apps.credit!.get(Projector);
    const head = await chain.blockNumber();
    while ((creditProjector.appliedBlock ?? 0n) < head) await new Promise((resolve) => setTimeout(resolve, 25));
    expect((await get('credit', `/v1/credit-lines/${line.lineId}`, acme)).body.used).toBe('0');
  });

  it('records a retried payment once; the key with another body is refused', async () => {
    const line = await anApprovedLine('10000');
    const key = newKey();
    // Concurrent duplicates land in one group insert (group commit): one inserts, the others wait on it.
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () => post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '100' }, key)),
    );
    const third = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '100' }, key);
    expect([...concurrent, third].map((answer) => answer.status)).toEqual(Array(6).fill(201));
    expect(new Set([...concurrent, third].map((answer) => answer.body.id)).size).toBe(1);
    expect((await readCreditLine(chain, line.lineId)).used).toBe(100n);
    const reused = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '101' }, key);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});

describe('payments in a batch', () => {
  function postBatch(org: Organisation, payments: Array<Record<string, unknown>>) {
    return request(stack.urls.payment!).post('/v1/payments/batch').set('Authorization', org.auth).send({ payments });
  }

  it('answers each payment as POST /v1/payments would: recorded, refused by the chain, signature required; a retry records nothing twice', async () => {
    const line = await anApprovedLine('1000');
    const { enterprise: selfCustody, lineId: selfCustodyLine } = await aSelfCustodyLine();

    const keys = [newKey(), newKey(), newKey(), newKey()];
    const payments: Array<Record<string, unknown>> = [
      { idempotencyKey: keys[0], kind: 'CREDIT', lineId: line.lineId, amount: '600' },
      { idempotencyKey: keys[1], kind: 'CREDIT', lineId: line.lineId, amount: '300' },
      // 600 + 300 + 200 > 1,000: whichever the chain takes last is refused, the others recorded.
      { idempotencyKey: keys[2], kind: 'CREDIT', lineId: line.lineId, amount: '200' },
      { idempotencyKey: keys[3], kind: 'CREDIT', lineId: selfCustodyLine, amount: '50' },
    ];
    const first = await postBatch(acme, payments);
    expect(first.status).toBe(200);
    expect(first.body.results.map((result: { idempotencyKey: string }) => result.idempotencyKey)).toEqual(keys);
    const credit = first.body.results.slice(0, 3);
    expect(credit.filter((result: { status: number }) => result.status === 201)).toHaveLength(2);
    const refused = credit.find((result: { status: number }) => result.status !== 201);
    expect(refused).toMatchObject({ status: 422, error: { code: 'CREDIT_LIMIT_EXCEEDED' } });
    for (const recorded of credit.filter((result: { status: number }) => result.status === 201)) {
      expect(recorded.payment).toMatchObject({ kind: 'CREDIT', lineId: line.lineId, status: 'UNSETTLED' });
      expect(recorded.payment.id).toBe(operationIdOf('acme-pay', recorded.idempotencyKey));
    }
    const used = (await readCreditLine(chain, line.lineId)).used;
    expect(used).toBe(credit.filter((result: { status: number }) => result.status === 201).reduce((sum: bigint, result: { payment: { amount: string } }) => sum + BigInt(result.payment.amount), 0n));
    const signatureRequired = first.body.results[3];
    expect(signatureRequired).toMatchObject({ status: 422, error: { code: 'SIGNATURE_REQUIRED' } });
    const typedData = signatureRequired.error.details.typedData as TypedData;

    // The same batch again, the self-custody payment now signed: the recorded ones answer as before
    // (nothing paid twice), the refused one is refused again, the signed one is recorded.
    const rowsBefore = await paymentRows();
    payments[3] = { ...payments[3], signature: signTypedDataWith(selfCustody.privateKey, typedData), deadline: String(typedData.message.deadline) };
    const again = await postBatch(acme, payments);
    expect(again.body.results.slice(0, 3).map((result: { status: number }) => result.status)).toEqual(credit.map((result: { status: number }) => result.status));
    expect(again.body.results.slice(0, 3).map((result: { payment?: { id: string } }) => result.payment?.id)).toEqual(credit.map((result: { payment?: { id: string } }) => result.payment?.id));
    expect(again.body.results[3]).toMatchObject({ status: 201, payment: { lineId: selfCustodyLine, amount: '50' } });
    expect((await readCreditLine(chain, line.lineId)).used).toBe(used);
    expect(await paymentRows()).toBe(rowsBefore + 1);
    // A payment of a batch is the payment its key names on POST /v1/payments too.
    const single = await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '600' }, keys[0]);
    expect(single.status === 201 ? single.body.id : single.body.code).toBe(credit[0].status === 201 ? credit[0].payment.id : 'CREDIT_LIMIT_EXCEEDED');
    const reused = await postBatch(acme, [{ idempotencyKey: keys[1], kind: 'CREDIT', lineId: line.lineId, amount: '301' }]);
    expect(reused.body.results[0]).toMatchObject({ status: 422, error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('refuses a malformed batch whole with 400, changing nothing', async () => {
    const line = await anApprovedLine('1000');
    const rowsBefore = await paymentRows();
    const [outboxBefore] = (await payment.get(DataSource).query('SELECT count(*)::int AS n FROM outbox')) as Array<{ n: number }>;
    const good = (amount: string) => ({ idempotencyKey: newKey(), kind: 'CREDIT', lineId: line.lineId, amount });
    const duplicate = good('1');
    const answers = [
      await postBatch(acme, [good('1'), { ...good('1'), amount: '1.5' }]),
      await postBatch(acme, [duplicate, { ...duplicate, amount: '2' }]),
      await postBatch(acme, [good('1'), { kind: 'CREDIT', lineId: line.lineId, amount: '1' }]),
      await postBatch(acme, []),
      await postBatch(acme, Array.from({ length: 101 }, () => good('1'))),
      await postBatch(acme, [{ ...good('1'), unknownField: true }]),
      // Arrays where payments belong.
      await postBatch(acme, [[]] as unknown as Array<Record<string, unknown>>),
      await postBatch(acme, [[good('1')]] as unknown as Array<Record<string, unknown>>),
    ];
    for (const answer of answers) expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(Object.keys(answers[0].body.details.fields)).toEqual(['payments.1.amount']);
    expect(Object.keys(answers[1].body.details.fields)).toEqual(['payments.1.idempotencyKey']);
    expect(Object.keys(answers[2].body.details.fields)).toEqual(['payments.1.idempotencyKey']);
    // The operator pays for no organisation.
    const operator = await request(stack.urls.payment!).post('/v1/payments/batch').set('Authorization', `Bearer ${stack.world.operatorToken}`).send({ payments: [good('1')] });
    expect(operator.status).toBe(403);
    expect(await paymentRows()).toBe(rowsBefore);
    const [outboxAfter] = (await payment.get(DataSource).query('SELECT count(*)::int AS n FROM outbox')) as Array<{ n: number }>;
    expect(outboxAfter.n).toBe(outboxBefore.n);
    expect((await readCreditLine(chain, line.lineId)).used).toBe(0n);
  });
});

describe('several instances of a service', () => {
  it("announces each projection step that finalises operations; another instance's waiters read theirs when it arrives", async () => {
    const dataSource = payment.get(DataSource);
    // A second instance's outbox (its own instance id), without the fallback read: only the
    // announcement can wake its waiter.
    const other = new OutboxService(dataSource);
    (other as unknown as { schedulePoll: () => void }).schedulePoll = () => undefined;
    await other.listen();
    const listener = new pg.Client({ connectionString: stack.world.database.url });
    await listener.connect();
    try {
      const announced: string[] = [];
      listener.on('notification', (message) => announced.push(message.channel));
      await listener.query('LISTEN "tally_outbox_final.payment"');
      const line = await anApprovedLine('1000');
      expect((await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '10' })).status).toBe(201);
      // The notification reaches this connection about when it reaches the instance that answered.
      const deadline = Date.now() + 5_000;
      while (!announced.includes('tally_outbox_final.payment') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(announced).toContain('tally_outbox_final.payment');

      const operationId = `0x${'ab'.repeat(32)}`;
      const waited = other.waitForFinal(operationId, 60_000, true);
      await dataSource.query(
        `INSERT INTO outbox (operation_id, kind, contract, calldata, org_id, request_hash, resource_id, status) VALUES ($1, 'test', 'CreditLedger', '0x', 'acme-pay', '0x', $1, 'RECORDED')`,
        [operationId],
      );
      await dataSource.query('SELECT pg_notify($1, $2)', ['tally_outbox_final.payment', 'another-instance']);
      expect(await waited).toMatchObject({ operationId, status: 'RECORDED' });
    } finally {
      await other.unlisten();
      await listener.end();
    }
  });
});

describe('concurrency', () => {
  it('records exactly 20 of 50 concurrent payments when the limit allows 20', async () => {
    const line = await anApprovedLine('2000');
    const answers = await Promise.all(Array.from({ length: 50 }, () => post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '100' })));
    const recorded = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(recorded).toHaveLength(20);
    expect(refused).toHaveLength(30);
    expect(new Set(refused.map((answer) => `${answer.status} ${answer.body.code}`))).toEqual(new Set(['422 CREDIT_LIMIT_EXCEEDED']));
    expect((await readCreditLine(chain, line.lineId)).used).toBe(2000n);
    const listed = await get('payment', `/v1/payments?lineId=${line.lineId}&limit=200`, acme);
    expect(listed.body.items.reduce((sum: bigint, item: { amount: string }) => sum + BigInt(item.amount), 0n)).toBe(2000n);
  });

  it('never lets used pass the limit in force while the merchant lowers it mid-stream', async () => {
    const line = await anApprovedLine('5000');
    const payments = Array.from({ length: 50 }, (_, index) =>
      new Promise((resolve) => setTimeout(resolve, index * 5)).then(() => post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '100' })),
    );
    const lowering = new Promise((resolve) => setTimeout(resolve, 60)).then(() => post('credit', `/v1/credit-lines/${line.lineId}/limit`, beta, { limit: '1500' }));
    const [answers, lowered] = await Promise.all([Promise.all(payments), lowering]);
    for (const answer of answers) expect([201, 422]).toContain(answer.status);
    const final = await readCreditLine(chain, line.lineId);
    expect(final.used).toBeLessThanOrEqual(final.limit);
    if (lowered.status === 200) expect(final.limit).toBe(1500n);
    else expect(lowered.body.code).toBe('LIMIT_BELOW_USED');

    // Replay the line's history from the chain: after every event, used ≤ the limit then in force.
    const ledger = interfaceOf('CreditLedger');
    const logs = await chain.provider.getLogs({ address: chain.address('CreditLedger'), fromBlock: 0, toBlock: 'latest', topics: [null, null, line.lineId] });
    const opened = await chain.provider.getLogs({ address: chain.address('CreditLedger'), fromBlock: 0, toBlock: 'latest', topics: [ledger.getEvent('CreditLineOpened')!.topicHash, line.lineId] });
    let limit = ledger.parseLog(opened[0])!.args.limit as bigint;
    let checked = 0;
    let used = 0n; // only payments on this line: its use is the sum of their amounts
    for (const log of logs) {
      const event = ledger.parseLog(log)!;
      if (event.name === 'CreditLineLimitChanged') limit = event.args.limit as bigint;
      if (event.name === 'BillRecorded') {
        used += event.args.amount as bigint;
        expect(used).toBeLessThanOrEqual(limit);
        checked += 1;
      }
    }
    expect(used).toBe((await readCreditLine(chain, line.lineId)).used);
    expect(checked).toBe(answers.filter((answer) => answer.status === 201).length);
  });
});

describe('tokens', () => {
  it('registers a class, issues it, and pays a merchant of another organisation with tokens of a third', async () => {
    const registered = await post('payment', '/v1/token-classes', gamma, { symbol: 'GAMMA-USD', name: 'Gamma dollar', currency: 'USD' });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ issuerOrgId: 'gamma-pay', symbol: 'GAMMA-USD', currency: 'USD', decimals: 2, name: 'Gamma dollar' });
    const tokenClassId = registered.body.id as string;
    expect((await post('payment', '/v1/token-classes', gamma, { symbol: 'GAMMA-JPY', name: 'x', currency: 'XXX' })).body.code).toBe('CURRENCY_NOT_SUPPORTED');

    const payer = await stack.aCustodialAccount(acme, 'ENTERPRISE');
    const merchant = await stack.aCustodialAccount(beta, 'MERCHANT');
    expect((await post('payment', '/v1/issuances', acme, { tokenClassId, to: payer, amount: '10000' })).status).toBe(403);
    const issued = await post('payment', '/v1/issuances', gamma, { tokenClassId, to: payer, amount: '10000' });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ kind: 'ISSUANCE', to: payer, amount: '10000' });

    const paid = await post('payment', '/v1/payments', acme, { kind: 'TOKEN', payer, payee: merchant, tokenClassId, amount: '2500' });
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ kind: 'TOKEN', status: 'COMPLETED', tokenClassId, payerOrgId: 'acme-pay', payeeOrgId: 'beta-pay' });
    expect(await readBalance(chain, merchant, BigInt(tokenClassId))).toBe(2500n);
    const balances = await get('payment', `/v1/balances?holder=${merchant}`, beta);
    expect(balances.body.items).toEqual([expect.objectContaining({ holder: merchant, tokenClassId, amount: '2500', symbol: 'GAMMA-USD' })]);
    expect((await get('payment', `/v1/balances?holder=${merchant}`, acme)).body.items).toEqual([]);

    const short = await post('payment', '/v1/payments', acme, { kind: 'TOKEN', payer, payee: merchant, tokenClassId, amount: '999999' });
    expect(short.body.code).toBe('INSUFFICIENT_BALANCE');

    // The merchant narrows what it accepts to another class: this one is refused from then on.
    const other = await post('payment', '/v1/token-classes', gamma, { symbol: 'GAMMA-USD2', name: 'Gamma dollar 2', currency: 'USD' });
    const accepted = await post('payment', `/v1/token-classes/${other.body.id}/acceptances`, beta, { merchant, accepted: true });
    expect(accepted.body).toMatchObject({ merchant, tokenClassId: other.body.id, accepted: true });
    const refused = await post('payment', '/v1/payments', acme, { kind: 'TOKEN', payer, payee: merchant, tokenClassId, amount: '1' });
    expect(refused.body.code).toBe('TOKEN_CLASS_NOT_ACCEPTED');

    const transfer = await post('payment', '/v1/transfers', acme, { tokenClassId, from: payer, to: merchant, amount: '500' });
    expect(transfer.status).toBe(201);
    expect((await get('payment', `/v1/transfers/${transfer.body.id}`, beta)).status).toBe(200);
    expect((await get('payment', `/v1/issuances/${issued.body.id}`, gamma)).status).toBe(200);
    const stranger = await stack.anOrganisation('delta-pay');
    expect((await get('payment', `/v1/transfers/${transfer.body.id}`, stranger)).status).toBe(403);
    const redeemed = await post('payment', '/v1/redemptions', gamma, { tokenClassId, from: payer, amount: '1000' });
    // The holder is a custodial account of acme-pay: gamma-pay cannot sign for it.
    expect(redeemed.status).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await readBalance(chain, payer, BigInt(tokenClassId))).toBe(7000n);
  });

  // Before the rebuild below: until a rebuild or a rollback this process expects every block it
  // applies to be new, and writes it without conflict handling.
  it('applies blocks whose rows it did not expect again with conflict handling: the same views, no event twice', async () => {
    const line = await anApprovedLine('1000');
    expect((await post('payment', '/v1/payments', acme, { kind: 'CREDIT', lineId: line.lineId, amount: '10' })).status).toBe(201);
    const dataSource = payment.get(DataSource);
    const tables = ['accounts', 'payment_lines', 'payments', 'refunds', 'balances', 'token_classes', 'token_movements', 'token_acceptances'];
    const snapshot = async () => ({
      views: await Promise.all(tables.map((table) => dataSource.query(`SELECT * FROM ${table} ORDER BY 1, 2`))),
      events: await dataSource.query('SELECT seq, id, envelope, block_number FROM event_outbox ORDER BY seq'),
    });
    const before = await snapshot();
    const projector = payment.get(Projector);
    const head = await chain.blockNumber();
    const appliedAgain = projector.stepsAppliedAgain;
    // As a process starting in the middle of a rebuild that another one began, which kept the
    // outbox — and, as if the views had not been emptied, the payments too — with nothing of it in
    // its memory: the cursor at the deployment block, the other views empty.
    await projector.stop();
    await dataSource.query(`TRUNCATE ${tables.filter((table) => table !== 'payments').join(', ')}, projection_steps, projection_undo`);
    await dataSource.query('UPDATE projection_cursor SET block_number = $1, block_hash = NULL', [chain.deploymentBlock.toString()]);
    await projector.start();
    const cursor = async () => BigInt(((await dataSource.query('SELECT block_number FROM projection_cursor')) as Array<{ block_number: string }>)[0].block_number);
    const deadline = Date.now() + 15_000;
    while ((await cursor()) < head && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await cursor()).toBeGreaterThanOrEqual(head);
    // One step met rows (a payment's or an event's) and was applied again with conflict handling, as were the rest up to the head.
    expect(projector.stepsAppliedAgain).toBe(appliedAgain + 1);
    expect(await snapshot()).toEqual(before);
  });

  it('rebuilds identical views from the chain', async () => {
    const tables = ['payments', 'refunds', 'balances', 'token_classes', 'token_movements', 'token_acceptances'];
    const rows = (table: string) => payment.get(DataSource).query(`SELECT * FROM ${table} ORDER BY 1, 2`);
    const before = await Promise.all(tables.map(rows));
    const projector = payment.get(Projector);
    const head = await chain.blockNumber();
    await projector.rebuild({ reopenOutbox: false });
    const deadline = Date.now() + 15_000;
    while ((projector.appliedBlock ?? 0n) < head && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await Promise.all(tables.map(rows))).toEqual(before);
  });

  it('projects runs of events in bulk exactly as one event at a time: the same views, the same events in the same order', async () => {
    const tables = ['accounts', 'payment_lines', 'payments', 'refunds', 'balances', 'token_classes', 'token_movements', 'token_acceptances'];
    const { oneByOne, inBulk, runs } = await projectOneByOneAndInBulk(payment, tables, [payment.get(PaymentProjector), payment.get(AccountDirectoryProjector)], 'BillRecorded');
    expect(oneByOne.events.length).toBeGreaterThan(20);
    // The concurrent payments above recorded their bills in runs, which went to applyMany.
    expect(runs.some((length) => length > 1)).toBe(true);
    expect(inBulk).toEqual(oneByOne);
  });
});
