// The submitter's batch window: after a batch that was not full it waits BATCH_WINDOW_MS, and the
// payments that arrive meanwhile go out together in the next batch (their arrival does not end the
// wait early, which under a steady load made every batch take what a few milliseconds brought).
import '../../../test/support/isolation.js';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { operationIdOf } from '#chain-adapter';
import { startStack, type Organisation, type Stack } from '../../../test/support/stack.js';
import { until } from '../../../test/support/until.js';

const BATCH_WINDOW_MS = 1_000;

let stack: Stack;
let acme: Organisation;
let lineId: string;

beforeAll(async () => {
  stack = await startStack('batch-window', ['credit', 'payment'], { BATCH_WINDOW_MS: String(BATCH_WINDOW_MS), REQUEST_TIMEOUT_MS: '10000' });
  acme = await stack.anOrganisation('acme-pay');
  lineId = await stack.aCreditLine(acme, await stack.anOrganisation('beta-pay'));
});

afterAll(async () => {
  await stack?.close();
});

it('gathers the payments that arrive during the window into one batch', async () => {
  const pay = (key: string) =>
    request(stack.urls.payment!).post('/v1/payments').set('Authorization', acme.auth).set('Idempotency-Key', key).send({ kind: 'CREDIT', lineId, amount: '10' }).then((response) => response);
  const dataSource = stack.apps.payment!.get(DataSource);
  const txHashOf = async (key: string) =>
    ((await dataSource.query('SELECT tx_hash FROM outbox WHERE operation_id = $1', [operationIdOf('acme-pay', key)])) as Array<{ tx_hash: string | null }>)[0]?.tx_hash ?? undefined;
  // The first wakes the idle submitter and goes out alone; the window starts once it is signed.
  const first = pay('window-0');
  await until('the first batch to be signed', () => txHashOf('window-0'), { timeoutMs: 10_000, pollMs: 5 });
  const later: Array<Promise<{ status: number }>> = [];
  for (let index = 1; index <= 4; index += 1) {
    later.push(pay(`window-${index}`));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const answers = await Promise.all([first, ...later]);
  expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201]);

  const hashes = (await dataSource.query('SELECT operation_id, tx_hash FROM outbox WHERE operation_id = ANY($1::varchar[])', [
    [0, 1, 2, 3, 4].map((index) => operationIdOf('acme-pay', `window-${index}`)),
  ])) as Array<{ operation_id: string; tx_hash: string }>;
  const hashOf = new Map(hashes.map((row) => [row.operation_id, row.tx_hash]));
  const laterHashes = new Set([1, 2, 3, 4].map((index) => hashOf.get(operationIdOf('acme-pay', `window-${index}`))));
  expect(laterHashes.size).toBe(1);
  expect(laterHashes.has(hashOf.get(operationIdOf('acme-pay', 'window-0')))).toBe(false);
});
