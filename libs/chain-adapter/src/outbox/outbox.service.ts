// The outbox of accepted operations, and waiting for their outcome (read-your-writes).
import { EventEmitter } from 'node:events';
import type { DataSource, EntityManager } from 'typeorm';
import { DEFAULT_OPERATION_GAS, type Operation } from '../operation.js';
import { finalOutboxStatuses, OutboxEntry } from './outbox-entry.entity.js';

export interface OutboxRequest extends Operation {
  orgId: string;
  requestHash: string;
  resourceId: string;
}

/**
 * How often a waiter re-reads its row when no in-process notification arrives (another instance
 * projected it). This instance's projector notifies at once, so the poll is only a fallback; a
 * short one would have every waiting request query Postgres several times a second.
 */
const WAIT_POLL_MS = 1_000;

export class OutboxService {
  private readonly finalised = new EventEmitter();
  private readonly insertedListeners = new Set<() => void>();

  constructor(private readonly dataSource: DataSource) {
    this.finalised.setMaxListeners(0);
  }

  /** Inserts the operation unless its id exists; returns whether this call inserted it. */
  async enqueue(manager: EntityManager, request: OutboxRequest): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(OutboxEntry)
      .values({
        operationId: request.operationId,
        kind: request.kind,
        contract: request.contract,
        calldata: request.calldata,
        orgId: request.orgId,
        requestHash: request.requestHash,
        resourceId: request.resourceId,
        gasLimit: request.gas ?? DEFAULT_OPERATION_GAS,
        status: 'PENDING',
      })
      .orIgnore()
      .returning(['operationId'])
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  /** Wakes the submitter (call after the enqueuing transaction commits). */
  notifyInserted(): void {
    for (const listener of this.insertedListeners) listener();
  }

  onInserted(listener: () => void): () => void {
    this.insertedListeners.add(listener);
    return () => this.insertedListeners.delete(listener);
  }

  async find(operationId: string, manager: EntityManager = this.dataSource.manager): Promise<OutboxEntry | null> {
    return manager.findOneBy(OutboxEntry, { operationId });
  }

  /** Called by the projector after the transaction that finalised these operations committed. */
  notifyFinal(operationIds: Iterable<string>): void {
    for (const operationId of operationIds) this.finalised.emit(operationId);
  }

  /**
   * Resolves with the entry once it is RECORDED or REJECTED, or with the entry as it is when
   * `timeoutMs` passes (the caller then answers 202). `justInserted`: the caller's transaction has
   * just inserted the entry PENDING, so it is not read before the first wait (it cannot be final
   * before the submitter, woken after that commit, has sent it and a block has recorded it).
   */
  async waitForFinal(operationId: string, timeoutMs: number, justInserted = false): Promise<OutboxEntry | null> {
    const deadline = Date.now() + timeoutMs;
    let entry = justInserted ? null : await this.find(operationId);
    let unread = justInserted;
    while ((unread || entry) && (entry === null || !finalOutboxStatuses.includes(entry.status)) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.finalised.removeListener(operationId, done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(WAIT_POLL_MS, Math.max(0, deadline - Date.now())));
        this.finalised.once(operationId, done);
      });
      entry = await this.find(operationId);
      unread = false;
    }
    return unread ? this.find(operationId) : entry;
  }
}
