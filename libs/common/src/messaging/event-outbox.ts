// Events leave a service through its event outbox: written in the same transaction as the view or
// record they announce, then published to JetStream with their id as the message id (JetStream
// drops duplicates within its window). An event id already in the outbox is not written again, so
// rebuilding views from the chain does not announce old events twice.
import type { EntityManager } from 'typeorm';
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

/** Events held back for one transaction (a projector step), written in bulk when it is flushed. */
const buffers = new WeakMap<EntityManager, Array<NewEvent<unknown>>>();
/** Rows of one INSERT (three parameters each, far below Postgres' 65,535). */
const MAX_EVENTS_PER_INSERT = 1_000;

/** From now on, appendEvents on this manager collects its events until flushEventBuffer. */
export function startEventBuffer(manager: EntityManager): void {
  buffers.set(manager, []);
}

/** Writes the collected events (in order, in multi-row inserts) and stops collecting. */
export async function flushEventBuffer(manager: EntityManager): Promise<void> {
  const events = buffers.get(manager) ?? [];
  buffers.delete(manager);
  for (let start = 0; start < events.length; start += MAX_EVENTS_PER_INSERT) {
    await insertEvents(manager, events.slice(start, start + MAX_EVENTS_PER_INSERT));
  }
}

/** Appends events to the outbox inside the caller's transaction (or its event buffer). */
export async function appendEvents(manager: EntityManager, events: Array<NewEvent<unknown>>): Promise<void> {
  if (events.length === 0) return;
  const buffer = buffers.get(manager);
  if (buffer) {
    buffer.push(...events);
    return;
  }
  await insertEvents(manager, events);
}

async function insertEvents(manager: EntityManager, events: Array<NewEvent<unknown>>): Promise<void> {
  if (events.length === 0) return;
  const values: unknown[] = [];
  const rows = events.map((event, index) => {
    const envelope = envelopeOf(event);
    values.push(envelope.id, subjectOf(event.type), JSON.stringify(envelope));
    return `($${index * 3 + 1}, $${index * 3 + 2}, $${index * 3 + 3}::jsonb)`;
  });
  await manager.query(
    `INSERT INTO event_outbox (id, subject, envelope) VALUES ${rows.join(', ')} ON CONFLICT (id) DO NOTHING`,
    values,
  );
}
