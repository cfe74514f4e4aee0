// The views are projections of the chain: dropped and replayed from the deployment block they come
// back identical, and a restarted service resumes from its cursor without duplicating anything.
import request from 'supertest';
import { DataSource } from 'typeorm';
import { aCustodialAccount, startRegistration, type RegistrationHarness } from './registration.harness.js';

let harness: RegistrationHarness;
let acme: { apiKey: string };

beforeAll(async () => {
  harness = await startRegistration('projection');
  acme = await harness.anOrganisation('acme-pay');
  await harness.anOrganisation('beta-pay');
});

afterAll(async () => {
  await harness?.close();
});

async function register(body = aCustodialAccount()) {
  const response = await request(harness.url).post('/v1/accounts').set('Authorization', `Bearer ${acme.apiKey}`).set('Idempotency-Key', `p-${Math.random()}`).send(body);
  expect(response.status).toBe(201);
  return response.body as { address: string };
}

async function snapshot(dataSource: DataSource) {
  const rows = async (sql: string) => JSON.stringify(await dataSource.query(sql));
  return {
    accounts: await rows('SELECT * FROM accounts ORDER BY address'),
    organisations: await rows('SELECT * FROM organisations ORDER BY code'),
    relayers: await rows('SELECT * FROM relayers ORDER BY address'),
    events: await rows('SELECT id, subject, envelope FROM event_outbox ORDER BY id'),
    outbox: await rows('SELECT operation_id, status, tx_hash, block_number, log_index FROM outbox ORDER BY operation_id'),
  };
}

async function waitForCursor(dataSource: DataSource, block: bigint): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [cursor] = (await dataSource.query('SELECT block_number FROM projection_cursor')) as Array<{ block_number: string }>;
    if (cursor && BigInt(cursor.block_number) >= block) return;
    if (Date.now() > deadline) throw new Error(`the projector did not reach block ${block}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('rebuilds identical views from the deployment block, without announcing events twice', async () => {
  const { ChainClient, Projector } = await import('#chain-adapter');
  const first = await register();
  await register();
  await request(harness.url).post(`/v1/accounts/${first.address}/freeze`).set('Authorization', `Bearer ${acme.apiKey}`).set('Idempotency-Key', `f-${Date.now()}`).send({}).expect(200);

  const dataSource = harness.app.get(DataSource);
  const head = await harness.app.get(ChainClient).blockNumber();
  await waitForCursor(dataSource, head);
  const before = await snapshot(dataSource);

  const projector = harness.app.get(Projector);
  await projector.rebuild({ reopenOutbox: false });
  expect((await dataSource.query('SELECT count(*)::int AS n FROM accounts'))[0].n).toBe(0);
  projector.poke();
  await waitForCursor(dataSource, head);

  expect(await snapshot(dataSource)).toEqual(before);
});

it('resumes from its cursor after a restart, without duplicates', async () => {
  const { bootstrapService } = await import('#common');
  const { ChainClient } = await import('#chain-adapter');
  const { RegistrationModule, registrationConfig } = await import('../src/registration.module.js');
  const existing = await register();
  const dataSource = harness.app.get(DataSource);
  await waitForCursor(dataSource, await harness.app.get(ChainClient).blockNumber());
  const before = await snapshot(dataSource);
  const [cursorBefore] = (await dataSource.query('SELECT block_number FROM projection_cursor')) as Array<{ block_number: string }>;

  await harness.app.close();
  harness.app = await bootstrapService(RegistrationModule, registrationConfig(), { title: 'test', description: 'test' });
  const { baseUrlOf } = await import('../../../test/support/system.js');
  harness.url = baseUrlOf(harness.app);
  const restarted = harness.app.get(DataSource);

  const [cursorAfter] = (await restarted.query('SELECT block_number FROM projection_cursor')) as Array<{ block_number: string }>;
  expect(BigInt(cursorAfter.block_number)).toBeGreaterThanOrEqual(BigInt(cursorBefore.block_number));
  const again = await request(harness.url).get(`/v1/accounts/${existing.address}`).set('Authorization', `Bearer ${acme.apiKey}`);
  expect(again.status).toBe(200);

  const added = await register();
  await waitForCursor(restarted, await harness.app.get(ChainClient).blockNumber());
  const after = await snapshot(restarted);
  const accountsBefore = JSON.parse(before.accounts) as Array<{ address: string }>;
  const accountsAfter = JSON.parse(after.accounts) as Array<{ address: string }>;
  expect(accountsAfter.map((row) => row.address).sort()).toEqual([...accountsBefore.map((row) => row.address), added.address].sort());
  const events = JSON.parse(after.events) as Array<{ id: string }>;
  expect(events.length).toBe(JSON.parse(before.events).length + 1);
  expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
});
