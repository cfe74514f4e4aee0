// The write path every service follows: derive the operation id, refuse a reused key with another
// body, prepare (sign and encode) only when the operation is new, insert it into the outbox in the
// same transaction as the service's records, then wait — bounded — for the chain's verdict.
import type { DataSource, EntityManager } from 'typeorm';
import type { Operation } from './operation.js';
import type { OutboxEntry } from './outbox/outbox-entry.entity.js';
import type { OutboxService } from './outbox/outbox.service.js';

export interface WriteRequest {
  operationId: string;
  orgId: string;
  requestHash: string;
  resourceId: string;
  /** Signs and encodes the operation; called only when the operation id is new. */
  prepare: () => Promise<Operation>;
  /** Off-chain records written in the same transaction as the outbox row. */
  saveRecords?: (manager: EntityManager) => Promise<void>;
}

export type WriteOutcome =
  | { status: 'RECORDED'; entry: OutboxEntry; created: boolean }
  | { status: 'REJECTED'; entry: OutboxEntry; created: boolean }
  | { status: 'PENDING'; entry: OutboxEntry; created: boolean };

export class IdempotencyKeyReusedError extends Error {
  constructor(readonly operationId: string) {
    super('the Idempotency-Key was used with a different request');
  }
}

export class WritePath {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly requestTimeoutMs: number,
  ) {}

  async execute(request: WriteRequest): Promise<WriteOutcome> {
    let created = false;
    let existing = await this.outbox.find(request.operationId);
    if (!existing) {
      const operation = await request.prepare();
      if (operation.operationId !== request.operationId) throw new Error('prepared operation id differs from the request');
      created = await this.dataSource.transaction(async (manager) => {
        const inserted = await this.outbox.enqueue(manager, { ...operation, ...request });
        if (inserted) await request.saveRecords?.(manager);
        return inserted;
      });
      if (created) this.outbox.notifyInserted();
      existing = await this.outbox.find(request.operationId);
    }
    if (!existing) throw new Error(`outbox entry ${request.operationId} vanished`);
    if (existing.requestHash !== request.requestHash) throw new IdempotencyKeyReusedError(request.operationId);
    const entry = (await this.outbox.waitForFinal(request.operationId, this.requestTimeoutMs)) ?? existing;
    if (entry.status === 'RECORDED') return { status: 'RECORDED', entry, created };
    if (entry.status === 'REJECTED') return { status: 'REJECTED', entry, created };
    return { status: 'PENDING', entry, created };
  }
}
