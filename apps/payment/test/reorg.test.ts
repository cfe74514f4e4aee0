// Reorgs under a running projector (interval mining, a confirmation depth of 3): one inside the
// depth (the views had not applied the replaced blocks) and one beyond it (they had: the projector
// rolls them back to the newest journaled block the chain still has, without a rebuild). In both,
// the payment the reorg dropped is submitted again and recorded once, and the views equal a fresh
// rebuild from the chain. A reorg deeper than the journal, and one met by a projector whose journal
// does not reach its cursor (steps applied by a process that kept none), rebuild instead.
import '../../../test/support/isolation.js';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { TALLY_CONFIG, type TallyConfig } from '#common';
import { ChainClient, OutboxService, PROJECTIONS, Projector, Submitter, operationIdOf, readCreditLine, type Projection } from '#chain-adapter';
import { startStack, type Organisation, type Stack } from '../../../test/support/stack.js';
import { until as untilWith } from '../../../test/support/until.js';

let stack: Stack;
let payment: INestApplication;
let chain: ChainClient;
let acme: Organisation;
let beta: Organisation;
let lineId: string;

beforeAll(async () => {
  stack = await startStack('reorg', ['credit', 'payment'], { CONFIRMATIONS: '3', PROJECTOR_JOURNAL_DEPTH: '8', SUBMIT_RECEIPT_TIMEOUT_MS: '3000', REQUEST_TIMEOUT_MS: '30000' }, ['--block-time', '0.5']);
  payment = stack.apps.payment!;
  chain = payment.get(ChainClient);
  acme = await stack.anOrganisation('acme-pay');
  beta = await stack.anOrganisation('beta-pay');
  lineId = await stack.aCreditLine(acme, beta);
});

afterAll(async () => {
  await stack?.close();
});

const pay = (key: string, amount = '10') =>
  request(stack.urls.payment!).post('/v1/payments').set('Authorization', acme.auth).set('Idempotency-Key', key).send({ kind: 'CREDIT', lineId, amount });

/** Waits as this file's steps need (see test/support/until.ts). */
const until = <T>(what: string, probe: () => Promise<T | undefined>) => untilWith(what, probe, { timeoutMs: 60_000, pollMs: 200 });

/** Every view table of the two services (their projections' viewTables). */
const viewTables = {
  payment: ['payments', 'payment_lines', 'refunds', 'balances', 'token_movements', 'token_classes', 'token_acceptances', 'accounts'],
  credit: ['credit_lines', 'credit_accounts', 'credit_applications', 'accounts'],
};
const viewsOf = (service: keyof typeof viewTables) =>
  Promise.all(viewTables[service].map((table) => stack.apps[service]!.get(DataSource).query(`SELECT * FROM ${table} ORDER BY 1, 2`)));

/** A service's views as they are, then as a rebuild from the chain makes them, at the same head. */
async function expectViewsEqualARebuild(service: keyof typeof viewTables = 'payment'): Promise<void> {
  const projector = stack.apps[service]!.get(Projector);
  const caughtUp = async () => {
    const head = (await chain.blockNumber()) - 2n;
    await until('the projector to reach the confirmed head', async () => ((projector.appliedBlock ?? 0n) >= head ? true : undefined));
  };
  await caughtUp();
  const before = await viewsOf(service);
  await projector.rebuild({ reopenOutbox: false });
  await caughtUp();
  expect(await viewsOf(service)).toEqual(before);
}


async function recordedOnce(key: string, amountBefore: bigint, amount: bigint): Promise<void> {
  const operationId = operationIdOf('acme-pay', key);
  // The service notices the dropped transaction (the projector's parent-hash check, or its check of
  // operations submitted too long ago) and submits the operation again.
  await until('the payment to be recorded on chain again', async () =>
    (await chain.contract('CreditLedger').getFunction('operationRecorded')(operationId)) ? true : undefined,
  );
  const answer = await until('the payment view to have it', async () => {
    const response = await pay(key);
    return response.status === 201 && response.body.chain.blockNumber !== undefined ? response : undefined;
  });
  expect(answer.body.id).toBe(operationId);
  expect((await readCreditLine(chain, lineId)).used).toBe(amountBefore + amount);
  const [row] = (await payment.get(DataSource).query('SELECT count(*)::int AS n FROM payments WHERE id = $1', [operationId])) as Array<{ n: number }>;
  expect(row.n).toBe(1);
}

it('drops a payment in a reorg beyond the confirmation depth: the views roll back, the payment is recorded again, once', async () => {
  const projector = payment.get(Projector);
  const submitter = payment.get(Submitter);
  const reorgsBefore = { ...projector.reorgs };
  const usedBefore = (await readCreditLine(chain, lineId)).used;
  const operationId = operationIdOf('acme-pay', 'beyond-1');
  const recorded = await pay('beyond-1');
  expect(recorded.status).toBe(201);
  const { blockNumber } = recorded.body.chain;
  // The credit service projects on its own: its views have the payment too before the reorg.
  const creditProjector = stack.apps.credit!.get(Projector);
  const creditReorgsBefore = { ...creditProjector.reorgs };
  await until('the credit views to have the payment', async () => ((creditProjector.appliedBlock ?? 0n) >= BigInt(blockNumber) ? true : undefined));
  // Held back, so the views can be seen without the payment before it is sent again.
  await submitter.stop();
  const head = await chain.blockNumber();
  // Replace every block from the payment's on: the views had already applied it.
  await chain.provider.send('anvil_reorg', [Number(head - BigInt(blockNumber) + 1n), []]);
  expect(await chain.contract('CreditLedger').getFunction('operationRecorded')(operationId)).toBe(false);
  await until('the projector to roll back', async () => (projector.reorgs.rolledBack > reorgsBefore.rolledBack ? true : undefined));
  // Rolled back to a journaled block, not rebuilt from the deployment block.
  expect(projector.reorgs).toEqual({ rolledBack: reorgsBefore.rolledBack + 1, rebuilt: reorgsBefore.rebuilt });
  const metrics = await request(stack.urls.payment!).get('/metrics');
  expect(metrics.text).toMatch(new RegExp(`^tally_projector_reorgs_rolled_back_total ${reorgsBefore.rolledBack + 1}$`, 'm'));
  // The views no longer show the dropped payment (a rebuild from this chain would not), and its
  // outbox entry is open again.
  expect(await payment.get(DataSource).query('SELECT id FROM payments WHERE id = $1', [operationId])).toEqual([]);
  await expectViewsEqualARebuild();
  const [entry] = (await payment.get(DataSource).query('SELECT status FROM outbox WHERE operation_id = $1', [operationId])) as Array<{ status: string }>;
  expect(entry.status).toBe('PENDING');
  await submitter.start();
  await recordedOnce('beyond-1', usedBefore, 10n);
  await expectViewsEqualARebuild();
  // The credit service's projector rolled its views (the line's use among them) back too.
  await until('the credit projector to roll back', async () => (creditProjector.reorgs.rolledBack > creditReorgsBefore.rolledBack ? true : undefined));
  expect(creditProjector.reorgs.rebuilt).toBe(creditReorgsBefore.rebuilt);
  await expectViewsEqualARebuild('credit');
});

it('drops a payment in a reorg inside the confirmation depth: it is submitted again and recorded once', async () => {
  const usedBefore = (await readCreditLine(chain, lineId)).used;
  // supertest sends a request when it is awaited or then-ed: start it now.
  const inFlight = pay('inside-1').then((response) => response);
  const txHash = await until('the payment to be mined', async () => {
    const [entry] = (await payment.get(DataSource).query(`SELECT tx_hash FROM outbox WHERE operation_id = $1`, [operationIdOf('acme-pay', 'inside-1')])) as Array<{ tx_hash: string | null }>;
    return entry?.tx_hash && (await chain.provider.getTransactionReceipt(entry.tx_hash)) ? entry.tx_hash : undefined;
  });
  const receipt = (await chain.provider.getTransactionReceipt(txHash))!;
  const head = await chain.blockNumber();
  // Mined but not yet 3 blocks deep: the views have not applied it.
  await chain.provider.send('anvil_reorg', [Number(head - BigInt(receipt.blockNumber) + 1n), []]);
  expect(await chain.provider.getTransactionReceipt(txHash)).toBeNull();
  expect([201, 202]).toContain((await inFlight).status);
  await recordedOnce('inside-1', usedBefore, 10n);
  await expectViewsEqualARebuild();
});

it('rebuilds the views when a reorg reaches behind the journal', async () => {
  const projector = payment.get(Projector);
  const reorgsBefore = { ...projector.reorgs };
  // Only empty blocks are replaced: the earlier tests' writes are 13 blocks deep first.
  const quiet = (await chain.blockNumber()) + 13n;
  await until('13 more blocks', async () => ((await chain.blockNumber()) >= quiet ? true : undefined));
  const head = await chain.blockNumber();
  // 12 blocks: deeper than the journal (PROJECTOR_JOURNAL_DEPTH 8 below the confirmed head).
  await chain.provider.send('anvil_reorg', [12, []]);
  await until('the projector to recover', async () => (projector.reorgs.rebuilt > reorgsBefore.rebuilt ? true : undefined));
  expect(projector.reorgs.rolledBack).toBe(reorgsBefore.rolledBack);
  expect(await chain.blockNumber()).toBeGreaterThanOrEqual(head);
  await expectViewsEqualARebuild();
});

/**
 * Records a payment, then stops the submitter and the projector and leaves the journal as a process
 * keeping none (an older build, or PROJECTOR_JOURNAL_DEPTH=0) would have: the views have the blocks
 * from the payment's on, the journal ends before them.
 */
async function payWithAGapInTheJournal(key: string): Promise<{ operationId: string; usedBefore: bigint; paidIn: bigint }> {
  const projector = payment.get(Projector);
  const dataSource = payment.get(DataSource);
  const usedBefore = (await readCreditLine(chain, lineId)).used;
  const recorded = await pay(key);
  expect(recorded.status).toBe(201);
  const paidIn = BigInt(recorded.body.chain.blockNumber);
  await until('the views to be a block past the payment', async () => ((projector.appliedBlock ?? 0n) > paidIn ? true : undefined));
  await payment.get(Submitter).stop();
  await projector.stop();
  await dataSource.query('DELETE FROM projection_steps WHERE block_number >= $1', [paidIn.toString()]);
  await dataSource.query('DELETE FROM projection_undo WHERE block_number >= $1', [paidIn.toString()]);
  expect(await dataSource.query('SELECT id FROM payments WHERE id = $1', [operationIdOf('acme-pay', key)])).toHaveLength(1);
  return { operationId: operationIdOf('acme-pay', key), usedBefore, paidIn };
}

it('does not trust a journal that does not reach the cursor: a projector starting over one rebuilds', async () => {
  const running = payment.get(Projector);
  const submitter = payment.get(Submitter);
  const dataSource = payment.get(DataSource);
  const { operationId, usedBefore, paidIn } = await payWithAGapInTheJournal('stale-1');
  // The payment's block and the rest are replaced while no projector runs; a new one starts.
  await chain.provider.send('anvil_reorg', [Number((await chain.blockNumber()) - paidIn + 1n), []]);
  const config = payment.get<symbol, TallyConfig>(TALLY_CONFIG);
  const starting = new Projector(chain, dataSource, payment.get(OutboxService), payment.get<symbol, Projection[]>(PROJECTIONS), {
    name: config.serviceName,
    schema: config.database.schema,
    pollMs: config.projector.pollMs,
    maxBlockRange: config.projector.maxBlockRange,
    confirmations: config.chain.confirmations,
    journalDepth: config.projector.journalDepth,
  });
  starting.onRebuilt = () => submitter.recover();
  await starting.start();
  try {
    await until('the starting projector to recover', async () => (starting.reorgs.rebuilt + starting.reorgs.rolledBack > 0 ? true : undefined));
    // Rolling back to the journal's newest step would have kept the payment, whose rows it never journaled.
    expect(starting.reorgs).toEqual({ rolledBack: 0, rebuilt: 1 });
    await until('the views to reach the head', async () => ((starting.appliedBlock ?? 0n) >= (await chain.blockNumber()) - 2n ? true : undefined));
    expect(await dataSource.query('SELECT id FROM payments WHERE id = $1', [operationId])).toEqual([]);
  } finally {
    await starting.stop();
    await running.start();
    await submitter.start();
  }
  await recordedOnce('stale-1', usedBefore, 10n);
  await expectViewsEqualARebuild();
});

it('reads the journal afresh when it takes the lock again: it does not append to a journal another process left with a gap', async () => {
  const projector = payment.get(Projector);
  const submitter = payment.get(Submitter);
  const dataSource = payment.get(DataSource);
  const reorgsBefore = { ...projector.reorgs };
  const { operationId, usedBefore, paidIn } = await payWithAGapInTheJournal('gap-1');
  // The same projector takes the lock again and applies another step before the reorg comes.
  await projector.start();
  const resumedAt = projector.appliedBlock ?? 0n;
  await until('another step', async () => ((projector.appliedBlock ?? 0n) > resumedAt ? true : undefined));
  await chain.provider.send('anvil_reorg', [Number((await chain.blockNumber()) - paidIn + 1n), []]);
  await until('the projector to recover', async () =>
    projector.reorgs.rebuilt + projector.reorgs.rolledBack > reorgsBefore.rebuilt + reorgsBefore.rolledBack ? true : undefined,
  );
  // Appending to the old journal would have let it roll back to a step before the payment and keep it.
  expect(projector.reorgs).toEqual({ rolledBack: reorgsBefore.rolledBack, rebuilt: reorgsBefore.rebuilt + 1 });
  await until('the views to reach the head', async () => ((projector.appliedBlock ?? 0n) >= (await chain.blockNumber()) - 2n ? true : undefined));
  expect(await dataSource.query('SELECT id FROM payments WHERE id = $1', [operationId])).toEqual([]);
  await submitter.start();
  await recordedOnce('gap-1', usedBefore, 10n);
  await expectViewsEqualARebuild();
});
