// Transactions whose rows are expected to be new. A projector step applying blocks the views and
// the outbox never held (blocks past the newest applied; a service's first start on an empty
// database) writes rows that cannot exist yet: a payment's id, an event's id are the chain's. Its
// bulk inserts then go without ON CONFLICT, whose probe of the unique index before each row (and
// speculative insertion after it) took a sixth of the time Postgres spent on a rebuild's payments
// and events. The unique indexes still
// hold: a row that did exist (re-applied blocks the projector did not know of: after a restart in
// the middle of a rebuild that kept the outbox, or a transaction a reorg moved to a later block)
// fails the statement with a duplicate key, and the projector applies the step again with
// conflict handling (Projector.step).
import type { EntityManager } from 'typeorm';

const expectingNew = new WeakSet<EntityManager>();

/** From now on, bulk writes of this manager's transaction insert without conflict handling. */
export function expectNewRows(manager: EntityManager): void {
  expectingNew.add(manager);
}

/** Whether a write of this manager's transaction must handle rows that already exist (the default). */
export function rowsMayExist(manager: EntityManager): boolean {
  return !expectingNew.has(manager);
}

/** Whether a failed query (TypeORM's error or the driver's) broke a unique index: SQLSTATE 23505. */
export function isDuplicateKey(error: unknown): boolean {
  const failure = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  return failure?.code === '23505' || failure?.driverError?.code === '23505';
}
