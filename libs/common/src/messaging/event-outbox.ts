// Events leave a service through its event outbox: written in the same transaction as the view or
// record they announce, then published to JetStream with their id as the message id (JetStream
// drops duplicates within its window). An event id already in the outbox is not written again, so
// rebuilding views from the chain does not announce old events twice.
import type { EntityManager } from 'typeorm';
import { pipelinedWrite } from '../database/pipelined-writes.js';
import { eventId, type ChainProof, type EventEnvelope } from '../messages/envelope.js';
import { subjectOf, type EventType } from '../messages/subjects.js';

export interface NewEvent<TData> {
  type: EventType;
  orgId: string | null;
  /** The chain position it comes from, or the id of the off-chain record. */
  source: ChainProof | string;
  /** Business time: the block timestamp (seconds) for chain events, the record's time otherwise. */
  occurredAt: Date;
  data: TData;
  /** Tells apart events of one type from one log (e.g. the thresholds one draw crosses). */
  discriminator?: string;
}

export function envelopeOf<TData>(event: NewEvent<TData>): EventEnvelope<TData> {
  return {
    id: event.discriminator === undefined ? eventId(event.type, event.source) : `${eventId(event.type, event.source)}:${event.discriminator}`,
    type: event.type,
    version: 1,
    occurredAt: event.occurredAt.toISOString(),
    orgId: event.orgId,
    chain: typeof event.source === 'string' ? null : event.source,
    data: event.data,
  };
}

/** An event as its outbox row: id, subject, envelope (JSON text), whether it comes from the chain, and its block (decimal; null off the chain). */
interface EventRow {
  id: string;
  subject: string;
  envelope: string;
  offChain: boolean;
  blockNumber: string | null;
}

/**
 * Events held back for one transaction (a projector step), as rows, written in bulk when it is
 * flushed. They are serialised as they are appended: in a projector step that is while Postgres
 * executes the write before (pipelined-writes.ts), so the flush has little left to do here.
 */
const buffers = new WeakMap<EntityManager, EventRow[]>();
/** Events of one INSERT. */
const MAX_EVENTS_PER_INSERT = 2_000;

/** From now on, appendEvents on this manager collects its events until flushEventBuffer. */
export function startEventBuffer(manager: EntityManager): void {
  buffers.set(manager, []);
}

/** Writes the collected events (in order, in multi-row inserts) and stops collecting. */
export async function flushEventBuffer(manager: EntityManager): Promise<void> {
  await writeBuffered(manager);
  buffers.delete(manager);
}

/** Writes the events collected so far (in order, in multi-row inserts); collecting goes on. */
async function writeBuffered(manager: EntityManager): Promise<void> {
  const rows = buffers.get(manager);
  if (!rows || rows.length === 0) return;
  buffers.set(manager, []);
  for (let start = 0; start < rows.length; start += MAX_EVENTS_PER_INSERT) {
    await insertRows(manager, rows.slice(start, start + MAX_EVENTS_PER_INSERT));
  }
}

/**
 * Appends chain events that Postgres builds from the rows of a query, in the caller's transaction:
 * for runs of thousands of events (a rebuild's payments) this process then neither builds nor
 * sends their envelopes. `sql` is a statement ending in `chainEventsInsert(…)` over its rows; the
 * events collected in the event buffer before it are written first, so the outbox keeps the
 * events' order. Sent as a pipelined write (pipelined-writes.ts).
 */
export async function appendChainEventsBySql(manager: EntityManager, sql: string, values: unknown[]): Promise<void> {
  await writeBuffered(manager);
  await pipelinedWrite(manager, sql, values);
}

/**
 * The INSERT into the outbox of one event of type `type` per row of `source`, a subquery with the
 * columns: the event's organisation (`org_id`), its chain position (`chain_id`, `block_number`,
 * `tx_hash`, `log_index`), its time (`occurred_at`, a timestamptz), its data (`data`, JSON text as
 * JSON.stringify writes it, see jsonText) and its place in the chain's order (`ord`). Each envelope
 * is the JSON text envelopeOf and JSON.stringify give for the same event, byte for byte
 * (libs/common/test/event-outbox.test.ts compares them). With `rowsMayExist`, an event already in
 * the outbox is not written again, as with appendEvents; without it (a transaction expecting new
 * rows, new-rows.ts), such an event fails the statement with a duplicate key.
 */
export function chainEventsInsert(type: EventType, source: string, rowsMayExist: boolean): string {
  const subject = subjectOf(type);
  if (!/^[a-z0-9.-]+$/.test(type) || !/^[a-zA-Z0-9._-]+$/.test(subject)) throw new Error(`event type or subject not usable in SQL: ${type}, ${subject}`);
  // The id as eventId writes it; chain ids and block numbers are decimal, hashes hex: nothing to escape.
  const id = `'${type}:' || e.chain_id || ':' || e.tx_hash || ':' || e.log_index`;
  return `INSERT INTO event_outbox (id, subject, envelope, off_chain, block_number)
    SELECT ${id}, '${subject}',
           ('{"id":"' || ${id} || '","type":"${type}","version":1,"occurredAt":' || ${isoTimestampText('e.occurred_at')}
            || ',"orgId":' || ${jsonText('e.org_id')}
            || ',"chain":{"chainId":"' || e.chain_id || '","blockNumber":"' || e.block_number || '","txHash":"' || e.tx_hash || '","logIndex":' || e.log_index
            || '},"data":' || e.data || '}'),
           false, e.block_number
      FROM (${source}) AS e
     ORDER BY e.ord${rowsMayExist ? '\n    ON CONFLICT (id) DO NOTHING' : ''}`;
}

/** SQL: the JSON text JSON.stringify gives for a text value (null: \`null\`). */
export function jsonText(expression: string): string {
  return `coalesce(to_json((${expression})::text)::text, 'null')`;
}

/** SQL: the JSON text of a timestamptz as Date#toISOString gives it, quoted (null: \`null\`); years 0 to 9999. */
export function isoTimestampText(expression: string): string {
  return `coalesce('"' || to_char((${expression}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"', 'null')`;
}

/** Appends events to the outbox inside the caller's transaction (or its event buffer). */
export async function appendEvents(manager: EntityManager, events: Array<NewEvent<unknown>>): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(rowOf);
  const buffer = buffers.get(manager);
  if (buffer) {
    for (const row of rows) buffer.push(row);
    return;
  }
  await insertRows(manager, rows);
}

function rowOf(event: NewEvent<unknown>): EventRow {
  const envelope = envelopeOf(event);
  const subject = subjectOf(event.type);
  if (envelope.id.includes('\n') || subject.includes('\n')) throw new Error(`event id or subject with a newline: ${JSON.stringify(envelope.id)}`);
  const { source } = event;
  const offChain = typeof source === 'string';
  return { id: envelope.id, subject, envelope: JSON.stringify(envelope), offChain, blockNumber: typeof source === 'string' ? null : source.blockNumber };
}

/**
 * One INSERT for the rows, in order (one per run of rows of the chain or off it). Each column goes
 * as one text parameter, its values joined by
 * newlines and split by Postgres (JSON.stringify never writes a raw newline; rowOf refuses an id or
 * subject with one): several times less work for this process than an array parameter or a VALUES
 * row per event, whose every value is escaped and framed on its own. In a projector step it is
 * sent while the next rows are built (pipelined-writes.ts).
 */
async function insertRows(manager: EntityManager, rows: EventRow[]): Promise<void> {
  if (rows.length === 0) return;
  // Rows of the chain and off it are sent in separate statements (in order), each with its flag
  // once: a projector step's are all of the chain.
  for (let start = 0; start < rows.length; ) {
    let end = start + 1;
    while (end < rows.length && rows[end].offChain === rows[start].offChain) end += 1;
    const run = start === 0 && end === rows.length ? rows : rows.slice(start, end);
    await pipelinedWrite(
      manager,
      `INSERT INTO event_outbox (id, subject, envelope, off_chain, block_number)
       SELECT e.id, e.subject, e.envelope, $4, e.block_number::bigint
         FROM unnest(string_to_array($1, E'\\n'), string_to_array($2, E'\\n'), string_to_array($3, E'\\n'), string_to_array($5, E'\\n', ''))
              WITH ORDINALITY AS e(id, subject, envelope, block_number, n)
        ORDER BY e.n
       ON CONFLICT (id) DO NOTHING`,
      [
        run.map((row) => row.id).join('\n'),
        run.map((row) => row.subject).join('\n'),
        run.map((row) => row.envelope).join('\n'),
        run[0].offChain,
        // Decimal block numbers; an event off the chain has none (empty: null).
        run.map((row) => row.blockNumber ?? '').join('\n'),
      ],
    );
    start = end;
  }
}
