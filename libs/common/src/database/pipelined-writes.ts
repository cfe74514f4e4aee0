// Writes of one transaction that do not hold up the code that sends them: while Postgres executes
// one bulk write, the caller builds the next (a projector step's payment rows, then its events),
// so this process and the database work at once instead of in turns. One query is on the
// transaction's connection at a time: a write is sent once the one before it is done, and the
// caller drains the pipeline before any other query of the transaction (drainPipeline). The
// outcomes are collected; the first failure is reported when the pipeline is drained or settled.
import type { EntityManager } from 'typeorm';

interface Connection {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

interface Pipeline {
  /** The write in flight, if any (it never rejects: a failure is kept in `failure`). */
  inFlight: Promise<void>;
  failure?: { error: unknown };
}

const pipelines = new WeakMap<EntityManager, Pipeline>();

/** From now on, pipelinedWrite on this manager (a transaction's) returns before its write is done. */
export function startPipeline(manager: EntityManager): void {
  pipelines.set(manager, { inFlight: Promise.resolve() });
}

/**
 * Sends a write on the manager's transaction. In a pipeline it returns once the write is sent (the
 * one before it done); otherwise once it is done. A failed write is reported when the pipeline
 * is drained or settled; the transaction is aborted then, and every later query fails.
 */
export async function pipelinedWrite(manager: EntityManager, sql: string, values: unknown[]): Promise<void> {
  const pipeline = pipelines.get(manager);
  const connection = (manager.queryRunner as unknown as { databaseConnection?: Connection } | undefined)?.databaseConnection;
  if (!pipeline || !connection) {
    await manager.query(sql, values);
    return;
  }
  await pipeline.inFlight;
  if (pipeline.failure) throw pipeline.failure.error;
  pipeline.inFlight = connection.query(sql, values).then(
    () => undefined,
    (error: unknown) => {
      pipeline.failure ??= { error };
    },
  );
}

/** Waits for the write in flight (before another query of the transaction); throws if a write failed. */
export async function drainPipeline(manager: EntityManager): Promise<void> {
  const pipeline = pipelines.get(manager);
  if (!pipeline) return;
  await pipeline.inFlight;
  if (pipeline.failure) throw pipeline.failure.error;
}

/** Drains and ends the pipeline; throws the write that failed, if one did. */
export async function settlePipeline(manager: EntityManager): Promise<void> {
  try {
    await drainPipeline(manager);
  } finally {
    pipelines.delete(manager);
  }
}

/**
 * Ends the pipeline of a transaction that failed; returns the write that failed, if one did (the
 * queries after it failed only because it had aborted the transaction).
 */
export async function abandonPipeline(manager: EntityManager): Promise<unknown> {
  const pipeline = pipelines.get(manager);
  if (!pipeline) return undefined;
  await pipeline.inFlight;
  pipelines.delete(manager);
  return pipeline.failure?.error;
}
