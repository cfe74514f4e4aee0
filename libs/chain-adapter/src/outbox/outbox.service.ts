// The outbox of accepted operations, and waiting for their outcome (read-your-writes). Under load
// the requests' lookups and inserts are grouped (group commit): one statement serves every request
// that arrived while the previous one ran.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { PoolClient } from 'pg';
import { In, type DataSource, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { Coalescer, groupedLookup } from '#common';
import { DEFAULT_OPERATION_GAS, type Operation } from '../operation.js';
import { finalOutboxStatuses, OutboxEntry } from './outbox-entry.entity.js';

export interface OutboxRequest extends Operation {
  orgId: string;
  requestHash: string;
  resourceId: string;
}

/**
 * How often the operations requests wait on are re-read, in one query for all of them. The instance
 * that projects notifies its own waiters at once with the final entry; the others (the projector
 * runs in one instance of a service at a time) read theirs when it announces a step on the
 * service's Postgres channel — this read is the fallback for an announcement missed.
 */
const WAIT_POLL_MS = 1_000;
/** How long after losing its listening connection an instance connects again. */
const RELISTEN_DELAY_MS = 1_000;
/** The most operation ids one fallback read names. */
const WAIT_POLL_CHUNK = 5_000;

export class OutboxService {
  private readonly finalised = new EventEmitter();
  private readonly insertedListeners = new Set<() => void>();
  /** Operations requests are waiting on, with how many requests wait on each. */
  private readonly waiting = new Map<string, number>();
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly lookups: Coalescer<string, OutboxEntry | null>;
  private readonly inserts: Coalescer<OutboxRequest, boolean>;
  /** Tells this instance's own announcements apart (its waiters were told in-process). */
  private readonly instanceId = randomUUID();
  private listener: PoolClient | undefined;
  private listening = false;
  private relistenTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;

  constructor(private readonly dataSource: DataSource) {
    this.finalised.setMaxListeners(0);
    this.lookups = groupedLookup(
      (operationIds: string[]) => this.dataSource.manager.findBy(OutboxEntry, { operationId: In(operationIds) }),
      (entry) => entry.operationId,
    );
    this.inserts = new Coalescer((requests) => this.insertGroup(requests));
  }

  /** Inserts the operation in the caller's transaction unless its id exists; returns whether this call inserted it. */
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

  /**
   * Inserts the operation (alone: no other record goes with it) together with those of concurrent
   * requests, committed when this resolves; returns whether this call inserted it.
   */
  enqueueAlone(request: OutboxRequest): Promise<boolean> {
    return this.inserts.call(request);
  }

  /** One statement for a group of operations; of requests naming the same id, only the first inserts it. */
  private async insertGroup(requests: OutboxRequest[]): Promise<boolean[]> {
    const seen = new Set<string>();
    const fresh = requests.filter((request) => !seen.has(request.operationId) && seen.add(request.operationId));
    const rows = (await this.dataSource.query(
      `INSERT INTO outbox (operation_id, kind, contract, calldata, org_id, request_hash, resource_id, gas_limit, status)
       SELECT v.*, 'PENDING'
         FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], $5::varchar[], $6::varchar[], $7::varchar[], $8::bigint[])
           AS v(operation_id, kind, contract, calldata, org_id, request_hash, resource_id, gas_limit)
       ON CONFLICT (operation_id) DO NOTHING
       RETURNING operation_id`,
      [
        fresh.map((request) => request.operationId),
        fresh.map((request) => request.kind),
        fresh.map((request) => request.contract),
        fresh.map((request) => request.calldata),
        fresh.map((request) => request.orgId),
        fresh.map((request) => request.requestHash),
        fresh.map((request) => request.resourceId),
        fresh.map((request) => (request.gas ?? DEFAULT_OPERATION_GAS).toString()),
      ],
    )) as Array<{ operation_id: string }>;
    const inserted = new Set(rows.map((row) => row.operation_id));
    return requests.map((request) => inserted.delete(request.operationId));
  }

  /** Wakes the submitter (call after the enqueuing transaction commits). */
  notifyInserted(): void {
    for (const listener of this.insertedListeners) listener();
  }

  onInserted(listener: () => void): () => void {
    this.insertedListeners.add(listener);
    return () => this.insertedListeners.delete(listener);
  }

  /** The entry, read in the caller's transaction, or with concurrent lookups in one query. */
  async find(operationId: string, manager?: EntityManager): Promise<OutboxEntry | null> {
    if (manager) return manager.findOneBy(OutboxEntry, { operationId });
    return this.lookups.call(operationId);
  }

  /** The Postgres channel on which this service's instances announce final operations (one per schema). */
  private get channel(): string {
    return `tally_outbox_final.${(this.dataSource.options as { schema?: string }).schema ?? 'public'}`;
  }

  /**
   * Announces, inside the projector's transaction, that it finalised operations: delivered to
   * every instance listening when that transaction commits.
   */
  async announceFinal(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [this.channel, this.instanceId]);
  }

  /** Listens for other instances' announcements on a connection of its own, until unlisten. */
  async listen(): Promise<void> {
    this.listening = true;
    await this.connectListener();
  }

  /** One listening connection at a time; a lost one is given back to the pool and made again later. */
  private async connectListener(): Promise<void> {
    this.relistenTimer = undefined;
    if (!this.listening || this.listener) return;
    let client: PoolClient | undefined;
    const onNotification = (message: { payload?: string }): void => {
      if (message.payload !== this.instanceId) this.pollNow();
    };
    const ignore = (): void => undefined;
    const drop = (): void => {
      if (!client) return;
      const lost = client;
      client = undefined;
      lost.removeListener('notification', onNotification);
      lost.removeListener('error', drop);
      lost.on('error', ignore); // a late error of a connection already given back
      if (this.listener === lost) this.listener = undefined;
      lost.release(true);
      // Until connected again, the fallback read covers what the announcements would have.
      this.scheduleRelisten();
    };
    try {
      client = (await (this.dataSource.driver as PostgresDriver).master.connect()) as PoolClient;
      client.on('notification', onNotification);
      client.on('error', drop);
      await client.query(`LISTEN "${this.channel}"`);
      if (!this.listening) throw new Error('stopped listening');
      this.listener = client;
      this.stopListener = async () => {
        const listening = client;
        if (!listening) return;
        client = undefined;
        listening.removeListener('notification', onNotification);
        listening.removeListener('error', drop);
        listening.on('error', ignore);
        const unlistened = await listening.query(`UNLISTEN "${this.channel}"`).then(
          () => true,
          () => false,
        );
        // A connection that could not UNLISTEN is not given back for reuse.
        listening.release(!unlistened);
      };
    } catch {
      if (client) drop();
      else this.scheduleRelisten();
    }
  }

  private stopListener: (() => Promise<void>) | undefined;

  private scheduleRelisten(): void {
    if (!this.listening || this.relistenTimer) return;
    this.relistenTimer = setTimeout(() => void this.connectListener(), RELISTEN_DELAY_MS);
    this.relistenTimer.unref();
  }

  async unlisten(): Promise<void> {
    this.listening = false;
    clearTimeout(this.relistenTimer);
    this.relistenTimer = undefined;
    this.listener = undefined;
    const stop = this.stopListener;
    this.stopListener = undefined;
    await stop?.();
  }

  /** Reads the waited-on operations now (once more after a read in progress, if one is). */
  private pollNow(): void {
    if (this.waiting.size === 0) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = this.pollWaiting().finally(() => {
      this.polling = undefined;
      if (this.pollAgain) {
        this.pollAgain = false;
        this.pollNow();
      }
    });
  }

  /** Called by the projector, with the entries as written, after the transaction that finalised them committed. */
  notifyFinal(entries: Iterable<OutboxEntry>): void {
    for (const entry of entries) this.finalised.emit(entry.operationId, entry);
  }

  /**
   * Resolves with the entry once it is RECORDED or REJECTED, or with the entry as it is when
   * `timeoutMs` passes (the caller then answers 202). `justInserted`: the caller has just inserted
   * the entry PENDING, so it is not read first (it cannot be final before the submitter, woken
   * after that commit, has sent it and a block has recorded it).
   */
  async waitForFinal(operationId: string, timeoutMs: number, justInserted = false): Promise<OutboxEntry | null> {
    if (!justInserted) {
      const entry = await this.find(operationId);
      if (!entry || finalOutboxStatuses.includes(entry.status)) return entry;
    }
    const final = await new Promise<OutboxEntry | undefined>((resolve) => {
      const done = (entry?: OutboxEntry): void => {
        clearTimeout(timer);
        this.finalised.removeListener(operationId, done);
        this.stopWaiting(operationId);
        resolve(entry);
      };
      const timer = setTimeout(done, timeoutMs);
      this.finalised.on(operationId, done);
      this.startWaiting(operationId);
    });
    return final ?? (await this.find(operationId));
  }

  private startWaiting(operationId: string): void {
    this.waiting.set(operationId, (this.waiting.get(operationId) ?? 0) + 1);
    if (!this.pollTimer) this.schedulePoll();
  }

  private stopWaiting(operationId: string): void {
    const count = (this.waiting.get(operationId) ?? 1) - 1;
    if (count > 0) this.waiting.set(operationId, count);
    else this.waiting.delete(operationId);
  }

  private schedulePoll(): void {
    this.pollTimer = setTimeout(() => {
      void this.pollWaiting().finally(() => {
        this.pollTimer = undefined;
        if (this.waiting.size > 0) this.schedulePoll();
      });
    }, WAIT_POLL_MS);
    this.pollTimer.unref();
  }

  /** The fallback: which of the operations waited on are final, read in one query per chunk. */
  private async pollWaiting(): Promise<void> {
    const operationIds = [...this.waiting.keys()];
    for (let start = 0; start < operationIds.length; start += WAIT_POLL_CHUNK) {
      const final = await this.dataSource.manager
        .findBy(OutboxEntry, { operationId: In(operationIds.slice(start, start + WAIT_POLL_CHUNK)), status: In(finalOutboxStatuses) })
        .catch(() => [] as OutboxEntry[]);
      this.notifyFinal(final);
    }
  }
}
