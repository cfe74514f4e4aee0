// Crash safety of the payment write path: the payment service, run as its own process from the
// build, is killed with SIGKILL after it broadcast a payment's transaction and before it answered;
// restarted, a retry with the same Idempotency-Key answers the one recorded payment.
import '../../../test/support/isolation.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import request from 'supertest';
import { ChainClient, operationIdOf, readCreditLine } from '#chain-adapter';
import { devPrivateKey } from '../../../test/support/anvil.js';
import { startStack, type Organisation, type Stack } from '../../../test/support/stack.js';
import { until as untilWith } from '../../../test/support/until.js';

const mainScript = fileURLToPath(new URL('../../../dist/apps/payment/src/main.js', import.meta.url));

let stack: Stack;
let chain: ChainClient;
let acme: Organisation;
let beta: Organisation;
let database: pg.Client;
let child: ChildProcess | undefined;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** Waits as this file's steps need (see test/support/until.ts). */
const until = <T>(what: string, probe: () => Promise<T | undefined>) => untilWith(what, probe, { pollMs: 50, ignoreErrors: true });

/** Starts the built payment service as a child process and waits until it accepts acme's key. */
async function startPaymentProcess(): Promise<string> {
  const port = await freePort();
  child = spawn(process.execPath, [mainScript], {
    env: { ...process.env, ...stack.world.env, RELAYER_PRIVATE_KEY: devPrivateKey(3), HTTP_PORT: String(port), LOG_LEVEL: 'warn', NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await until('the payment process to accept the API key', async () =>
    (await request(url).get(`/v1/operations/0x${'0'.repeat(64)}`).set('Authorization', acme.auth)).status === 404 ? true : undefined,
  );
  return url;
}

beforeAll(async () => {
  stack = await startStack('crash', ['credit']);
  chain = stack.apps.credit!.get(ChainClient);
  acme = await stack.anOrganisation('acme-pay');
  beta = await stack.anOrganisation('beta-pay');
  database = new pg.Client({ connectionString: stack.world.database.url });
  await database.connect();
});

afterAll(async () => {
  await stopPaymentProcess();
  await database?.end();
  await chain?.provider.send('evm_setAutomine', [true]).catch(() => undefined);
  await stack?.close();
});

/** A credit line between a custodial enterprise of acme-pay and a merchant of beta-pay. */
async function aLine(limit: string): Promise<string> {
  const enterprise = await stack.aCustodialAccount(acme, 'ENTERPRISE');
  const merchant = await stack.aCustodialAccount(beta, 'MERCHANT');
  const credit = (path: string, org: Organisation, body: Record<string, unknown>) =>
    request(stack.urls.credit!).post(path).set('Authorization', org.auth).set('Idempotency-Key', `${path}-${Date.now()}-${Math.random()}`).send(body);
  await credit('/v1/credit-accounts', acme, { enterprise, currency: 'USD', ceiling: '100000' });
  const applied = await credit('/v1/credit-applications', acme, {
    enterprise, merchant, currency: 'USD', requestedLimit: limit, termDays: 30, expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(), reference: 'crash',
  });
  await credit(`/v1/credit-applications/${applied.body.id}/decision`, beta, { outcome: 'APPROVE', limit });
  return applied.body.id as string;
}

async function stopPaymentProcess(): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}

it('records a payment exactly once when the service is killed between submitting and answering', async () => {
  const lineId = await aLine('50000');

  let url = await startPaymentProcess();
  const idempotencyKey = 'crash-payment-1';
  const operationId = operationIdOf('acme-pay', idempotencyKey);
  const body = { kind: 'CREDIT', lineId, amount: '700' };

  // Hold the chain still so the transaction waits in the pool, then kill the service once it is there.
  await chain.provider.send('evm_setAutomine', [false]);
  const inFlight = request(url).post('/v1/payments').set('Authorization', acme.auth).set('Idempotency-Key', idempotencyKey).send(body).then(
    (response) => response.status,
    () => 'connection lost',
  );
  const txHash = await until('the payment to be broadcast', async () => {
    const { rows } = await database.query(`SELECT status, tx_hash FROM payment.outbox WHERE operation_id = $1`, [operationId]);
    const hash = rows[0]?.status === 'SUBMITTED' ? (rows[0].tx_hash as string) : undefined;
    return hash && (await chain.provider.getTransaction(hash)) ? hash : undefined;
  });
  child!.kill('SIGKILL');
  await once(child!, 'exit');
  expect(await inFlight).toBe('connection lost');
  await chain.provider.send('evm_mine', []);
  await chain.provider.send('evm_setAutomine', [true]);
  expect((await chain.provider.getTransactionReceipt(txHash))?.status).toBe(1);

  url = await startPaymentProcess();
  const retried = await request(url).post('/v1/payments').set('Authorization', acme.auth).set('Idempotency-Key', idempotencyKey).send(body);
  expect(retried.status).toBe(201);
  expect(retried.body).toMatchObject({ id: operationId, amount: '700', status: 'UNSETTLED' });
  expect(retried.body.chain.txHash).toBe(txHash);
  const again = await request(url).post('/v1/payments').set('Authorization', acme.auth).set('Idempotency-Key', idempotencyKey).send(body);
  expect(again.body.id).toBe(operationId);

  expect((await readCreditLine(chain, lineId)).used).toBe(700n);
  const { rows } = await database.query(`SELECT count(*)::int AS n FROM payment.payments WHERE line_id = $1`, [lineId]);
  expect(rows[0].n).toBe(1);
  const outbox = await database.query(`SELECT status FROM payment.outbox WHERE operation_id = $1`, [operationId]);
  expect(outbox.rows).toEqual([{ status: 'RECORDED' }]);
});

it('records every accepted payment exactly once when the service is killed in the middle of a burst', async () => {
  const lineId = await aLine('50000');
  await stopPaymentProcess();
  let url = await startPaymentProcess();
  const keys = Array.from({ length: 40 }, (_, index) => `burst-${index}`);
  const pay = (target: string, key: string) =>
    request(target).post('/v1/payments').set('Authorization', acme.auth).set('Idempotency-Key', key).send({ kind: 'CREDIT', lineId, amount: '10' });

  // Blocks are mined only on demand: some payments are in a broadcast batch, others still waiting.
  await chain.provider.send('evm_setAutomine', [false]);
  const burst = Promise.all(keys.map((key) => pay(url, key).then((response) => response.status, () => 'connection lost')));
  await until('a batch to be broadcast while others wait', async () => {
    const { rows } = await database.query(`SELECT status, count(*)::int AS n FROM payment.outbox WHERE operation_id = ANY($1) GROUP BY status`, [keys.map((key) => operationIdOf('acme-pay', key))]);
    const submitted = rows.find((row) => row.status === 'SUBMITTED')?.n ?? 0;
    return submitted > 0 ? true : undefined;
  });
  await stopPaymentProcess();
  await burst;
  await chain.provider.send('evm_mine', []);
  await chain.provider.send('evm_setAutomine', [true]);

  url = await startPaymentProcess();
  const retried = await Promise.all(keys.map((key) => pay(url, key)));
  // Every request either went through before the kill or was not accepted at all; on retry each one
  // is recorded, once.
  expect(retried.map((response) => response.status)).toEqual(keys.map(() => 201));
  expect(new Set(retried.map((response) => response.body.id)).size).toBe(keys.length);
  expect((await readCreditLine(chain, lineId)).used).toBe(400n);
  const { rows } = await database.query(`SELECT count(*)::int AS n FROM payment.payments WHERE line_id = $1`, [lineId]);
  expect(rows[0].n).toBe(keys.length);
  const recorded = await chain.provider.getLogs({
    address: chain.address('CreditLedger'),
    fromBlock: 0,
    toBlock: 'latest',
    topics: [(await import('#chain-adapter')).interfaceOf('CreditLedger').getEvent('BillRecorded')!.topicHash],
  });
  const ids = recorded.map((log) => log.topics[1]).filter((id) => keys.some((key) => operationIdOf('acme-pay', key) === id));
  expect(ids).toHaveLength(keys.length);
  await stopPaymentProcess();
});
