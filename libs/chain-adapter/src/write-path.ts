// The write path every service follows: derive the operation id, refuse a reused key with another
// body, prepare (pre-check, sign, encode) only when the operation is new, insert it into the outbox
// in the same transaction as the service's records, then wait — bounded — for the chain's verdict.
import type { DataSource, EntityManager } from 'typeorm';
import { TallyError, type ErrorCode, type OperationStatusDto, type WriteResult } from '#common';
import type { Operation } from './operation.js';
import type { OutboxEntry } from './outbox/outbox-entry.entity.js';
import type { OutboxService } from './outbox/outbox.service.js';

export interface WriteRequest {
  operationId: string;
  orgId: string;
  /** Hash of the request as the client sent it: the same key with another body is refused. */
  requestHash: string;
  /** Pre-checks, signs and encodes; called only when the operation id is new (see `insertFirst`). */
  prepare: () => Promise<PreparedWrite>;
  /**
   * Prepare and insert without looking the operation up first; a retry is known by its insert
   * finding the operation there (then read, as a lookup first would have). For writes whose
   * prepare changes nothing outside the outbox's transaction and may run again for a retry
   * (payments): a new operation then costs one statement instead of two — under a steady stream
   * of requests, one each, as they rarely arrive together.
   */
  insertFirst?: boolean;
}

export interface PreparedWrite {
  operation: Operation;
  /** The resource the operation creates or changes (an account address, …). */
  resourceId: string;
  /** Off-chain records written in the same transaction as the outbox row. */
  saveRecords?: (manager: EntityManager) => Promise<void>;
}

export interface WriteOutcome {
  status: 'RECORDED' | 'REJECTED' | 'PENDING';
  entry: OutboxEntry;
  /** Whether this call created the operation (false for a retry). */
  created: boolean;
}

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

  /**
   * Runs the write and answers RECORDED or PENDING; the chain's refusal becomes its stable error
   * (final for the key), a reused key IDEMPOTENCY_KEY_REUSED.
   */
  async run(request: WriteRequest): Promise<WriteOutcome & { status: 'RECORDED' | 'PENDING' }> {
    let outcome: WriteOutcome;
    try {
      outcome = await this.execute(request);
    } catch (error) {
      if (error instanceof IdempotencyKeyReusedError) throw new TallyError('IDEMPOTENCY_KEY_REUSED', { operationId: error.operationId });
      throw error;
    }
    if (outcome.status === 'REJECTED') {
      throw new TallyError((outcome.entry.errorCode ?? 'CHAIN_REJECTED') as ErrorCode, {
        operationId: outcome.entry.operationId,
        ...(outcome.entry.errorDetails ?? {}),
      });
    }
    return outcome as WriteOutcome & { status: 'RECORDED' | 'PENDING' };
  }

  async execute(request: WriteRequest): Promise<WriteOutcome> {
    let created = false;
    let existing = request.insertFirst ? null : await this.outbox.find(request.operationId);
    if (!existing) {
      let prepared: PreparedWrite;
      try {
        prepared = await request.prepare();
      } catch (error) {
        // A concurrent request with the same key may have won while this one prepared (its records
        // can make this one's pre-checks fail, e.g. EXTERNAL_REF_TAKEN): then this is its retry.
        // (If that lookup fails, the client still gets its own request's error.)
        existing = await this.outbox.find(request.operationId).catch(() => null);
        if (!existing) throw error;
        return this.answerRetry(request, existing);
      }
      if (prepared.operation.operationId !== request.operationId) throw new Error('prepared operation id differs from the request');
      const outboxRequest = { ...prepared.operation, orgId: request.orgId, requestHash: request.requestHash, resourceId: prepared.resourceId };
      const { saveRecords } = prepared;
      // An operation alone goes in with concurrent requests' (group commit); one with records of
      // its own commits them with its outbox row in one transaction.
      created = saveRecords
        ? await this.dataSource.transaction(async (manager) => {
            const inserted = await this.outbox.enqueue(manager, outboxRequest);
            if (inserted) await saveRecords(manager);
            return inserted;
          })
        : await this.outbox.enqueueAlone(outboxRequest);
      if (created) {
        // New: no read-back (this request's own row, its own hash); wait for the verdict at once.
        this.outbox.notifyInserted();
        const entry = await this.outbox.waitForFinal(request.operationId, this.requestTimeoutMs, true);
        if (!entry) throw new Error(`outbox entry ${request.operationId} vanished`);
        const status = entry.status === 'RECORDED' || entry.status === 'REJECTED' ? entry.status : 'PENDING';
        return { status, entry, created };
      }
      existing = await this.outbox.find(request.operationId);
    }
    if (!existing) throw new Error(`outbox entry ${request.operationId} vanished`);
    return this.answerRetry(request, existing);
  }

  /** A key seen before: the same body waits for (or has) the first request's outcome; another body is refused. */
  private async answerRetry(request: WriteRequest, existing: OutboxEntry): Promise<WriteOutcome> {
    if (existing.requestHash !== request.requestHash) throw new IdempotencyKeyReusedError(request.operationId);
    const entry = (await this.outbox.waitForFinal(request.operationId, this.requestTimeoutMs)) ?? existing;
    const status = entry.status === 'RECORDED' || entry.status === 'REJECTED' ? entry.status : 'PENDING';
    return { status, entry, created: false };
  }
}

/**
 * The answer to a write: the resource as the view has it once recorded, or the operation's status
 * (202) while the chain has not recorded it yet.
 */
export async function writeResultOf<T>(
  outcome: WriteOutcome,
  load: (resourceId: string) => Promise<T>,
  chainId: bigint,
): Promise<WriteResult<T>> {
  if (outcome.status !== 'RECORDED') return { status: 'PENDING', body: operationStatusOf(outcome.entry, chainId) };
  return { status: 'RECORDED', body: await load(outcome.entry.resourceId) };
}

/** The status URL of an operation, as answered in a 202 and served by GET /v1/operations/{id}. */
export function operationStatusOf(entry: OutboxEntry, chainId?: bigint): OperationStatusDto {
  return {
    operationId: entry.operationId,
    kind: entry.kind,
    status: entry.status,
    resourceId: entry.resourceId,
    chain: entry.txHash && entry.blockNumber !== null && entry.logIndex !== null
      ? { chainId: chainId?.toString() ?? '', blockNumber: entry.blockNumber, txHash: entry.txHash, logIndex: entry.logIndex }
      : null,
    errorCode: entry.errorCode,
    errorDetails: entry.errorDetails,
    statusUrl: `/v1/operations/${entry.operationId}`,
  };
}
