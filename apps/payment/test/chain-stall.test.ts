// A chain node that stops answering (anvil paused with SIGSTOP for 20 s) while payments arrive:
// every request is answered within its bounds — 201, 202 (accepted, still to be recorded) or 503
// CHAIN_UNAVAILABLE (nothing accepted) — and once the node answers again every accepted payment is
// recorded exactly once. /health reports the chain down while it is, and healthy again once the
// node answers, also when nothing is left to send.
import '../../../test/support/isolation.js';
import { execFileSync } from 'node:child_process';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ChainClient, operationIdOf, readCreditLine } from '#chain-adapter';
import { startStack, type Organisation, type Stack } from '../../../test/support/stack.js';
import { until } from '../../../test/support/until.js';

const RPC_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 4_000;
const STALL_MS = 20_000;

let stack: Stack;
let acme: Organisation;
let beta: Organisation;

beforeAll(async () => {
  stack = await startStack('chain-stall', ['credit', 'payment'], { CHAIN_RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS), REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  acme = await stack.anOrganisation('acme-pay');
  beta = await stack.anOrganisation('beta-pay');
});

afterAll(async () => {
  await stack?.close();
});

/** The anvil process: the platform binary itself, or the binary under the package's Node wrapper. */
function anvilPid(): number {
  const pid = stack.world.anvil.process.pid!;
  try {
    const children = execFileSync('pgrep', ['-P', String(pid)]).toString().trim().split('\n').filter(Boolean).map(Number);
    return children[0] ?? pid;
  } catch {
    return pid; // no children: it is the binary
  }
}

it('answers 201, 202 or 503 while the chain is paused, and records every accepted payment once', async () => {
  const lineId = await stack.aCreditLine(acme, beta);
  const pay = (key: string) =>
    request(stack.urls.payment!).post('/v1/payments').set('Authorization', acme.auth).set('Idempotency-Key', key).send({ kind: 'CREDIT', lineId, amount: '10' });

  const pid = anvilPid();
  const keys = Array.from({ length: 24 }, (_, index) => `stall-${index}`);
  const answers: Array<{ key: string; status: number; code?: string; ms: number }> = [];
  const load = Promise.all(
    keys.map(async (key, index) => {
      await new Promise((resolve) => setTimeout(resolve, index * 1_000));
      const started = Date.now();
      const response = await pay(key);
      answers.push({ key, status: response.status, code: response.body.code, ms: Date.now() - started });
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  process.kill(pid, 'SIGSTOP');
  try {
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const health = await request(stack.urls.payment!).get('/health');
    expect(health.status).toBe(503);
    expect(health.body.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(Object.keys(health.body.details.error)).toEqual(['chain']);
    await new Promise((resolve) => setTimeout(resolve, STALL_MS - 3_000));
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await load;
  // Healthy again once a step and a send after the pause have gone through (under a busy test run the
  // last failed attempt may still be the latest right when the load ends).
  await until('/health to answer 200', async () => ((await request(stack.urls.payment!).get('/health')).status === 200 ? true : undefined), { timeoutMs: 15_000, pollMs: 250 });

  // Bounded answers, no 500: a request waits at most for the chain's RPC timeout (its pre-checks)
  // plus the request timeout (the wait for the chain's verdict).
  for (const answer of answers) {
    expect([201, 202, 503]).toContain(answer.status);
    if (answer.status === 503) expect(answer.code).toBe('CHAIN_UNAVAILABLE');
    expect(answer.ms).toBeLessThan(RPC_TIMEOUT_MS * 3 + REQUEST_TIMEOUT_MS + 2_000);
  }
  const statuses = new Set(answers.map((answer) => answer.status));
  expect(statuses.has(503) || statuses.has(202)).toBe(true);

  // Retrying every request with its key records each payment exactly once.
  const deadline = Date.now() + 60_000;
  const recorded = new Set<string>();
  while (recorded.size < keys.length && Date.now() < deadline) {
    for (const key of keys.filter((candidate) => !recorded.has(candidate))) {
      const response = await pay(key);
      if (response.status === 201) recorded.add(key);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(recorded.size).toBe(keys.length);
  const chain = stack.apps.payment!.get(ChainClient);
  expect((await readCreditLine(chain, lineId)).used).toBe(10n * BigInt(keys.length));
  for (const key of keys) expect(await chain.contract('CreditLedger').getFunction('operationRecorded')(operationIdOf('acme-pay', key))).toBe(true);
});

it('reports healthy again once the node answers, with nothing left to send', async () => {
  const lineId = await stack.aCreditLine(acme, beta);
  const dataSource = stack.apps.payment!.get(DataSource);
  const operationId = operationIdOf('acme-pay', 'after-stall-1');
  // supertest sends a request when it is awaited or then-ed: start it now.
  const answer = request(stack.urls.payment!)
    .post('/v1/payments')
    .set('Authorization', acme.auth)
    .set('Idempotency-Key', 'after-stall-1')
    .send({ kind: 'CREDIT', lineId, amount: '10' })
    .then((response) => response);
  // Paused once the batch is sent: reading its receipt fails (the RPC timeout) until the node answers.
  await until('the batch to be sent', async () => {
    const [entry] = (await dataSource.query('SELECT tx_hash FROM outbox WHERE operation_id = $1', [operationId])) as Array<{ tx_hash: string | null }>;
    return entry?.tx_hash ? true : undefined;
  }, { timeoutMs: 20_000, pollMs: 5 });
  const pid = anvilPid();
  process.kill(pid, 'SIGSTOP');
  try {
    await new Promise((resolve) => setTimeout(resolve, RPC_TIMEOUT_MS + 1_500));
    expect((await request(stack.urls.payment!).get('/health')).status).toBe(503);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  expect([201, 202]).toContain((await answer).status);
  // Nothing else is sent: the submitter's report of the failed receipt reads must clear by itself.
  await until('/health to answer 200', async () => ((await request(stack.urls.payment!).get('/health')).status === 200 ? true : undefined), { timeoutMs: 15_000, pollMs: 250 });
});
