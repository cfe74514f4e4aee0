// Events whose envelopes Postgres builds (chainEventsInsert, for runs of thousands of events) are
// stored as the same text envelopeOf and JSON.stringify give: checked here against a real Postgres
// for text that needs escaping, nulls, timestamps, and an event written twice.
import type { DataSource } from 'typeorm';
import { isDuplicateKey } from '../src/database/new-rows.js';
import { chainEventsInsert, envelopeOf, isoTimestampText, jsonText, type NewEvent } from '../src/messaging/event-outbox.js';
import { eventTypes } from '../src/messages/subjects.js';
import type { TestDatabase } from '../../../test/support/database.js';
import { commonTablesDatabase } from './common-database.js';

let database: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  ({ database, dataSource } = await commonTablesDatabase('outbox', 2));
});

afterAll(async () => {
  await dataSource?.destroy();
  await database?.drop();
});

const awkward = ['plain', 'a "quoted" word', 'back\\slash', 'slash / too', 'line\nbreak\ttab\r', 'control \u0001\u001f end', 'del \u007f', 'accents é, 中文, emoji 💸', ''];

it('writes a text value as JSON.stringify does, and null as null', async () => {
  const [row] = (await dataSource.query(`SELECT array(SELECT ${jsonText('v')} FROM unnest($1::text[]) AS v) AS texts, ${jsonText('NULL')} AS absent`, [awkward])) as Array<{
    texts: string[];
    absent: string;
  }>;
  expect(row.texts).toEqual(awkward.map((value) => JSON.stringify(value)));
  expect(row.absent).toBe('null');
});

it('writes a timestamp as Date#toISOString does, quoted', async () => {
  const seconds = [0, 1, 1_767_225_599, 1_800_000_000, 253_402_300_799]; // the last: 9999-12-31T23:59:59Z
  const [row] = (await dataSource.query(`SELECT array(SELECT ${isoTimestampText('to_timestamp(s)')} FROM unnest($1::bigint[]) AS s) AS texts`, [seconds])) as Array<{ texts: string[] }>;
  expect(row.texts).toEqual(seconds.map((value) => JSON.stringify(new Date(value * 1000).toISOString())));
  const [withMs] = (await dataSource.query(`SELECT ${isoTimestampText("'2026-12-07 03:24:42.125+00'::timestamptz")} AS text`)) as Array<{ text: string }>;
  expect(withMs.text).toBe(JSON.stringify('2026-12-07T03:24:42.125Z'));
});

it('stores each envelope as envelopeOf and JSON.stringify give it, byte for byte, once: expecting new rows, an event written again is a duplicate key; otherwise it is skipped', async () => {
  const events: Array<NewEvent<{ note: string; amount: string; none: null }>> = awkward.map((note, index) => ({
    type: eventTypes.paymentRecorded,
    orgId: index % 3 === 0 ? null : `org-${index}`,
    source: { chainId: '31337', blockNumber: String(100 + index), txHash: `0x${String(index).padStart(64, 'a')}`, logIndex: index * 7 },
    occurredAt: new Date((1_767_000_000 + index) * 1000),
    data: { note, amount: `${index}000`, none: null },
  }));
  const source = `SELECT s.org_id, s.chain_id, s.block_number, s.tx_hash, s.log_index, to_timestamp(s.seconds) AS occurred_at, s.data, s.ord
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::integer[], $6::bigint[], $7::text[]) WITH ORDINALITY
            AS s(org_id, chain_id, block_number, tx_hash, log_index, seconds, data, ord)`;
  const insertNew = chainEventsInsert(eventTypes.paymentRecorded, source, false);
  const insert = chainEventsInsert(eventTypes.paymentRecorded, source, true);
  const values = [
    events.map((event) => event.orgId),
    events.map((event) => (typeof event.source === 'string' ? '' : event.source.chainId)),
    events.map((event) => (typeof event.source === 'string' ? '' : event.source.blockNumber)),
    events.map((event) => (typeof event.source === 'string' ? '' : event.source.txHash)),
    events.map((event) => (typeof event.source === 'string' ? 0 : event.source.logIndex)),
    events.map((event) => event.occurredAt.getTime() / 1000),
    events.map((event) => JSON.stringify(event.data)),
  ];
  await dataSource.query(insertNew, values);
  // The same events again: expecting new rows, the statement fails (and writes nothing); otherwise they are skipped.
  const again = await dataSource.query(insertNew, values).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(isDuplicateKey(again)).toBe(true);
  await dataSource.query(insert, values);
  const stored = (await dataSource.query('SELECT id, subject, envelope::text AS text, off_chain, block_number::text AS block FROM event_outbox ORDER BY seq')) as Array<{
    id: string;
    subject: string;
    text: string;
    off_chain: boolean;
    block: string;
  }>;
  expect(stored.map((row) => row.block)).toEqual(events.map((event) => (typeof event.source === 'string' ? null : event.source.blockNumber)));
  expect(stored.map((row) => row.text)).toEqual(events.map((event) => JSON.stringify(envelopeOf(event))));
  expect(stored.map((row) => row.id)).toEqual(events.map((event) => envelopeOf(event).id));
  expect(new Set(stored.map((row) => row.subject)).size).toBe(1);
  expect(stored.every((row) => !row.off_chain)).toBe(true);
});
