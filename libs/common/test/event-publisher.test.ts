// The event publisher against a real Postgres and a real JetStream: each round starts after the
// last event it published, and an event that commits late with a lower seq (its transaction took
// the seq first) is still published, by the scan from the start that comes at least once a second;
// while held (a projector catching up) only events that do not come from the chain go out, and only
// for a limited time; of several instances on one outbox, the one holding the publisher lock publishes.
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EventPublisher } from '../src/messaging/event-publisher.js';
import type { NatsService } from '../src/messaging/nats.service.js';
import type { TallyConfig } from '../src/config/config.js';
import type { TestDatabase } from '../../../test/support/database.js';
import { commonTablesDatabase } from './common-database.js';

const suffix = randomBytes(4).toString('hex');
const stream = `TALLY_PUBLISHER_TEST_${suffix.toUpperCase()}`;
const subject = `publishertest${suffix}.events.test`;

let database: TestDatabase;
let dataSource: DataSource;
let nats: NatsConnection;
let manager: JetStreamManager;
let publisher: EventPublisher;
/** What the publisher reads of its service's configuration: its name, and its schema (the publisher lock's key). */
const config = { serviceName: 'publisher-test', database: { schema: 'publisher-test' } } as unknown as TallyConfig;

beforeAll(async () => {
  Logger.overrideLogger(['warn', 'error']);
  ({ database, dataSource } = await commonTablesDatabase('publisher', 3));
  nats = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  manager = await jetstreamManager(nats);
  await manager.streams.add({ name: stream, subjects: [`publishertest${suffix}.events.>`] });
  const js = jetstream(nats);
  publisher = new EventPublisher(dataSource, { jetstream: js } as unknown as NatsService, config);
});

afterAll(async () => {
  await manager?.streams.delete(stream).catch(() => undefined);
  await nats?.close();
  await dataSource?.destroy();
  await database?.drop();
});

const insertEvent = (runner: { query(sql: string, values: unknown[]): Promise<unknown> }, id: string, offChain = false) =>
  runner.query(`INSERT INTO event_outbox (id, subject, envelope, off_chain) VALUES ($1, $2, $3::json, $4)`, [id, subject, JSON.stringify({ id }), offChain]);

async function publishedOnStream(): Promise<string[]> {
  const ids: string[] = [];
  const info = await manager.streams.info(stream);
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq += 1) {
    const message = await manager.streams.getMessage(stream, { seq });
    if (message) ids.push((message.json() as { id: string }).id);
  }
  return ids;
}

it('publishes every event once, an event committed late behind the last one published too', async () => {
  // No scan from the start is due until the test says so (however slow this machine).
  publisher.fullScanIntervalMs = 3_600_000;
  for (const id of ['a1', 'a2', 'a3']) await insertEvent(dataSource, id);
  expect(await publisher.publishPage()).toBe(3);

  // A transaction takes the next seq but commits only after later events are published.
  const late = dataSource.createQueryRunner();
  await late.connect();
  await late.startTransaction();
  await insertEvent(late, 'late');
  for (const id of ['b1', 'b2']) await insertEvent(dataSource, id);
  expect(await publisher.publishPage()).toBe(2);
  await late.commitTransaction();
  await late.release();

  // Its seq lies before the last one published: the rounds that start after it do not see it …
  expect(await publisher.publishPage()).toBe(0);
  // … a scan from the start does (due at once with the interval at 0; in service, at least once a second).
  publisher.fullScanIntervalMs = 0;
  expect(await publisher.publishPage()).toBe(1);
  expect(await publisher.publishPage()).toBe(0);

  const [unpublished] = (await dataSource.query('SELECT count(*)::int AS n FROM event_outbox WHERE published_at IS NULL')) as Array<{ n: number }>;
  expect(unpublished.n).toBe(0);
  expect(await publishedOnStream()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'late']);
});

const unpublished = async () => ((await dataSource.query('SELECT id FROM event_outbox WHERE published_at IS NULL ORDER BY seq')) as Array<{ id: string }>).map((row) => row.id);

async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

it('while held, sends only the events that do not come from the chain; the others once released', async () => {
  let held = true;
  const looping = new EventPublisher(dataSource, { jetstream: jetstream(nats) } as unknown as NatsService, config);
  looping.holdWhile(() => held);
  looping.onApplicationBootstrap();
  try {
    await insertEvent(dataSource, 'held-chain');
    await insertEvent(dataSource, 'held-key', true);
    looping.poke();
    await until(async () => !(await unpublished()).includes('held-key'));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await unpublished()).toEqual(['held-chain']);
    held = false;
    looping.poke();
    await until(async () => (await unpublished()).length === 0);
    expect(await unpublished()).toEqual([]);
    const onStream = await publishedOnStream();
    expect(onStream.filter((id) => id.startsWith('held-'))).toEqual(['held-key', 'held-chain']);
  } finally {
    await looping.beforeApplicationShutdown();
  }
});

it('is held for a limited time only: a projector that stays behind does not keep the chain\'s events back', async () => {
  const looping = new EventPublisher(dataSource, { jetstream: jetstream(nats) } as unknown as NatsService, config);
  looping.holdWhile(() => true, 800);
  looping.onApplicationBootstrap();
  try {
    await insertEvent(dataSource, 'behind');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await unpublished()).toEqual(['behind']);
    await until(async () => (await unpublished()).length === 0);
    expect(await unpublished()).toEqual([]);
  } finally {
    await looping.beforeApplicationShutdown();
  }
});

it('of two instances on one outbox, one publishes (it holds the publisher lock); the other takes over when it stops', async () => {
  // Each instance's JetStream publishes, counted (JetStream would drop a repeat; the work is the point).
  const sent = { first: 0, second: 0 };
  const instance = (name: keyof typeof sent) => {
    const js = jetstream(nats);
    const counting = { publish: (...args: Parameters<typeof js.publish>) => ((sent[name] += 1), js.publish(...args)) };
    return new EventPublisher(dataSource, { jetstream: counting } as unknown as NatsService, config);
  };
  const first = instance('first');
  const second = instance('second');
  first.onApplicationBootstrap();
  let secondStopped = false;
  try {
    await until(async () => first.leading);
    expect(first.leading).toBe(true);
    second.onApplicationBootstrap();
    for (const id of ['led-1', 'led-2', 'led-3']) await insertEvent(dataSource, id);
    second.poke();
    first.poke();
    await until(async () => (await unpublished()).length === 0);
    expect(await unpublished()).toEqual([]);
    // A few of the second's rounds: it does not hold the lock, so it sends nothing.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect({ sent, secondLeads: second.leading }).toEqual({ sent: { first: 3, second: 0 }, secondLeads: false });

    // The first stops (and lets the lock go): the second takes it at its next round and publishes.
    await first.beforeApplicationShutdown();
    await insertEvent(dataSource, 'led-4', true);
    await until(async () => (await unpublished()).length === 0);
    expect(await unpublished()).toEqual([]);
    expect({ sent, secondLeads: second.leading }).toEqual({ sent: { first: 3, second: 1 }, secondLeads: true });
    expect((await publishedOnStream()).filter((id) => id.startsWith('led-'))).toEqual(['led-1', 'led-2', 'led-3', 'led-4']);
    await second.beforeApplicationShutdown();
    secondStopped = true;
  } finally {
    await first.beforeApplicationShutdown();
    if (!secondStopped) await second.beforeApplicationShutdown();
  }
});
