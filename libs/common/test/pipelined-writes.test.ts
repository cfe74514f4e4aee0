// Pipelined writes and the event outbox against a real Postgres: a write returns to its caller
// while Postgres still executes it, the next one is sent after it; writes land in order and are
// seen by the transaction's later queries; a failed one is the error the
// transaction reports (not the "transaction is aborted" of the queries after it) and nothing of the
// transaction stays; outside a pipeline a write is done when it returns. Events buffered in a
// projector step are written in order, as the JSON text they were serialised to, once per id; those
// that do not come from the chain are marked so.
import type { DataSource, EntityManager } from 'typeorm';
import { abandonPipeline, drainPipeline, pipelinedWrite, settlePipeline, startPipeline } from '../src/database/pipelined-writes.js';
import { appendEvents, flushEventBuffer, startEventBuffer, type NewEvent } from '../src/messaging/event-outbox.js';
import { eventTypes } from '../src/messages/subjects.js';
import type { TestDatabase } from '../../../test/support/database.js';
import { commonTablesDatabase } from './common-database.js';

let database: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  ({ database, dataSource } = await commonTablesDatabase('pipeline', 2));
  await dataSource.query(`CREATE TABLE items (id integer PRIMARY KEY, label text NOT NULL)`);
});

afterAll(async () => {
  await dataSource?.destroy();
  await database?.drop();
});

beforeEach(async () => {
  await dataSource.query('TRUNCATE items, event_outbox');
});

const labels = async () => ((await dataSource.query('SELECT id, label FROM items ORDER BY id')) as Array<{ id: number; label: string }>).map((row) => `${row.id}:${row.label}`);

/** Runs `body` in a transaction with a pipeline, as a projector step does. */
async function inPipeline(body: (manager: EntityManager) => Promise<void>): Promise<void> {
  await dataSource.transaction(async (manager) => {
    startPipeline(manager);
    try {
      await body(manager);
      await settlePipeline(manager);
    } catch (error) {
      throw (await abandonPipeline(manager)) ?? error;
    }
  });
}

describe('pipelined writes', () => {
  it('land in the order sent, and a query after a drain sees them', async () => {
    let seen: unknown;
    await inPipeline(async (manager) => {
      for (let id = 1; id <= 5; id += 1) await pipelinedWrite(manager, 'INSERT INTO items (id, label) VALUES ($1, $2)', [id, `first-${id}`]);
      // An update sent after the inserts applies to their rows.
      await pipelinedWrite(manager, `UPDATE items SET label = 'second-' || id WHERE id <= 3`, []);
      await drainPipeline(manager);
      seen = await manager.query('SELECT count(*)::int AS count FROM items');
    });
    expect(seen).toEqual([{ count: 5 }]);
    expect(await labels()).toEqual(['1:second-1', '2:second-2', '3:second-3', '4:first-4', '5:first-5']);
  });

  it('return while the write is still running on the connection, and the next waits for it', async () => {
    const running = async () =>
      (await dataSource.query(`SELECT count(*)::int AS count FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'INSERT INTO items%pg_sleep%'`)) as Array<{ count: number }>;
    await inPipeline(async (manager) => {
      await pipelinedWrite(manager, `INSERT INTO items (id, label) SELECT 1, 'slow' FROM pg_sleep(1)`, []);
      // Back in the caller while Postgres still executes it (seen from another connection).
      expect(await running()).toEqual([{ count: 1 }]);
      // The next write is sent only once the first is done: one query on the connection at a time.
      await pipelinedWrite(manager, `INSERT INTO items (id, label) VALUES (2, 'after')`, []);
      expect(await running()).toEqual([{ count: 0 }]);
    });
    expect(await labels()).toEqual(['1:slow', '2:after']);
  });

  it('report the write that failed, and the transaction leaves nothing', async () => {
    const failed = inPipeline(async (manager) => {
      await pipelinedWrite(manager, 'INSERT INTO items (id, label) VALUES ($1, $2)', [1, 'kept?']);
      await pipelinedWrite(manager, 'INSERT INTO items (id, label) VALUES ($1, $2)', [1, 'duplicate key']);
      // Sent after the failure is known: refused before it reaches Postgres.
      await pipelinedWrite(manager, 'INSERT INTO items (id, label) VALUES ($1, $2)', [2, 'after']).catch(() => undefined);
      // A later query of the transaction fails because it is aborted; the pipeline's failure is the cause.
      await manager.query('SELECT 1');
    });
    await expect(failed).rejects.toThrow(/duplicate key value violates unique constraint "items_pkey"/);
    expect(await labels()).toEqual([]);
  });

  it('throw the failure when the pipeline is drained', async () => {
    const failed = inPipeline(async (manager) => {
      await pipelinedWrite(manager, 'INSERT INTO items (id, label) VALUES ($1, $2)', [1, 'one']);
      await pipelinedWrite(manager, 'INSERT INTO missing_table VALUES (1)', []);
      await drainPipeline(manager);
    });
    await expect(failed).rejects.toThrow(/relation "missing_table" does not exist/);
    expect(await labels()).toEqual([]);
  });

  it('outside a pipeline, are done when they return', async () => {
    await dataSource.transaction(async (manager) => {
      await pipelinedWrite(manager, 'INSERT INTO items (id, label) VALUES ($1, $2)', [7, 'direct']);
      expect(await manager.query('SELECT label FROM items WHERE id = 7')).toEqual([{ label: 'direct' }]);
    });
    await expect(dataSource.transaction((manager) => pipelinedWrite(manager, 'INSERT INTO items (id, label) VALUES ($1, $2)', [7, 'again']))).rejects.toThrow(/duplicate key/);
  });
});

describe('the event outbox in a projector step', () => {
  const event = (index: number, text = `payment ${index}`): NewEvent<unknown> => ({
    type: eventTypes.paymentRecorded,
    orgId: 'acme-pay',
    source: { chainId: '31337', blockNumber: String(100 + Math.floor(index / 10)), txHash: `0x${'ab'.repeat(32)}`, logIndex: index },
    occurredAt: new Date(Date.UTC(2026, 10, 27, 12, 0, index % 60)),
    data: { index, text },
  });

  it('writes buffered events in order, as their JSON text, once per id, across several inserts', async () => {
    // More than one INSERT's worth, with text that needs escaping in JSON.
    const events = Array.from({ length: 4_500 }, (_, index) => event(index, index === 7 ? 'line one\nline two "quoted" \\ tab\t' : `payment ${index}`));
    await inPipeline(async (manager) => {
      startEventBuffer(manager);
      await appendEvents(manager, events.slice(0, 3_000));
      await pipelinedWrite(manager, 'INSERT INTO items (id, label) VALUES ($1, $2)', [1, 'between']);
      await appendEvents(manager, events.slice(3_000));
      // The same events again (a step re-applied): not written twice.
      await appendEvents(manager, events.slice(0, 10));
      await flushEventBuffer(manager);
    });
    const rows = (await dataSource.query(`SELECT id, subject, envelope::text AS text, envelope::json->'data'->>'text' AS data_text FROM event_outbox ORDER BY seq`)) as Array<{
      id: string;
      subject: string;
      text: string;
      data_text: string;
    }>;
    expect(rows).toHaveLength(4_500);
    expect(rows.map((row) => (JSON.parse(row.text) as { data: { index: number } }).data.index)).toEqual(events.map((_, index) => index));
    expect(rows[7].data_text).toBe('line one\nline two "quoted" \\ tab\t');
    expect(rows[0].id).toBe(`payment.recorded:31337:0x${'ab'.repeat(32)}:0`);
    expect(rows[0].subject).toMatch(/payment\.recorded$/);
    // Stored as written: the publisher sends this text as it is.
    expect(rows[3].text).toBe(JSON.stringify({ id: rows[3].id, type: 'payment.recorded', version: 1, occurredAt: '2026-11-27T12:00:03.000Z', orgId: 'acme-pay', chain: events[3].source, data: { index: 3, text: 'payment 3' } }));
  });

  it('marks the events that do not come from the chain, in order among the others; a chain event keeps its block', async () => {
    const offChain = (index: number): NewEvent<unknown> => ({ ...event(index), source: `api-key-${index}` });
    const mixed = [event(0), event(1), offChain(2), event(3), offChain(4), offChain(5)];
    await dataSource.transaction((manager) => appendEvents(manager, mixed));
    const rows = (await dataSource.query(`SELECT (envelope::json->'data'->>'index')::int AS index, off_chain, block_number::text AS block FROM event_outbox ORDER BY seq`)) as Array<{
      index: number;
      off_chain: boolean;
      block: string | null;
    }>;
    const block = (index: number) => (mixed[index].source as { blockNumber: string }).blockNumber;
    expect(rows).toEqual([
      { index: 0, off_chain: false, block: block(0) },
      { index: 1, off_chain: false, block: block(1) },
      { index: 2, off_chain: true, block: null },
      { index: 3, off_chain: false, block: block(3) },
      { index: 4, off_chain: true, block: null },
      { index: 5, off_chain: true, block: null },
    ]);
  });

  it('refuses an event whose id would hold a newline', async () => {
    const bad: NewEvent<unknown> = { ...event(1), source: 'record\n1' };
    await expect(dataSource.transaction((manager) => appendEvents(manager, [bad]))).rejects.toThrow(/newline/);
    expect(await dataSource.query('SELECT count(*)::int AS count FROM event_outbox')).toEqual([{ count: 0 }]);
  });
});
