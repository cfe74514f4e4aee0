// Publishes the event outbox to JetStream in order, a bounded page at a time, with each event's id
// as the message id; marks what JetStream acknowledged.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { TALLY_CONFIG, type TallyConfig } from '../config/config.js';
import { NatsService } from './nats.service.js';

/**
 * Events published per round (each awaits its JetStream ack, all in flight together). Large: each
 * round's query steps over the index entries of rows published since the last vacuum, so fewer,
 * larger rounds do far less of that under load.
 */
const PUBLISH_PAGE_SIZE = 1_000;
const IDLE_POLL_MS = 250;

@Injectable()
export class EventPublisher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventPublisher');
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  lastFailure: string | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly nats: NatsService,
    @Inject(TALLY_CONFIG) private readonly config: TallyConfig,
  ) {}

  onApplicationBootstrap(): void {
    // A hybrid app runs bootstrap hooks for the HTTP app and for the microservice.
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  // Before the database and NATS connections close (their modules close them on shutdown).
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.releaseLock();
  }

  /** The connection holding the publisher lock, while this process holds it. */
  private lockRunner: QueryRunner | undefined;

  /** Whether this process holds the publisher lock (it publishes). */
  get leading(): boolean {
    return this.lockRunner !== undefined;
  }

  /**
   * One process of a service publishes its events: the one holding a Postgres advisory lock on the
   * service's schema (taken by whichever asks first; another takes it when that process stops, or
   * after a round of it fails). Instances of a service share one outbox: without the lock each
   * would read and send every event, for JetStream to drop the repeats. The lock is its own, not the
   * projector's, which a projector that cannot reach the chain gives up after each failed step:
   * events that do not need the chain (an API key revoked) still go out while it is down. An event
   * another instance writes goes out at the holder's next round (within IDLE_POLL_MS).
   */
  private async holdLock(): Promise<boolean> {
    if (this.lockRunner) return true;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [row] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
        `tally-publisher:${this.config.database.schema}`,
      ])) as Array<{ locked: boolean }>;
      if (row.locked) {
        this.lockRunner = runner;
        return true;
      }
    } catch (error) {
      await runner.release().catch(() => undefined);
      throw error;
    }
    await runner.release();
    return false;
  }

  private async releaseLock(): Promise<void> {
    const runner = this.lockRunner;
    this.lockRunner = undefined;
    if (!runner) return;
    await runner.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    await runner.release().catch(() => undefined);
  }

  /** Publish now instead of at the next poll (call after a transaction that appended events). */
  poke(): void {
    this.wake?.();
  }

  private readonly holds: Array<{ busy: () => boolean; atMostMs: number }> = [];
  /** Since when a hold has kept the chain's events back (undefined: not held). */
  private heldSince: number | undefined;

  /**
   * While `busy()` says so — a projector catching up from far behind — the chain's events wait:
   * they go out once it is near the head, not between its steps, where their publishing would
   * compete with the next step's writes. Events that do not come from the chain (an API key issued
   * or revoked, …) still go out at once. For `atMostMs` at a time: a projector that stays behind
   * longer (a very long catch-up, or more load than it keeps up with) does not keep the chain's
   * events from going out.
   */
  holdWhile(busy: () => boolean, atMostMs = 30_000): void {
    this.holds.push({ busy, atMostMs });
  }

  /** Whether a hold keeps the chain's events back now. */
  private held(): boolean {
    const holding = this.holds.filter((hold) => hold.busy());
    if (holding.length === 0) {
      this.heldSince = undefined;
      return false;
    }
    this.heldSince ??= Date.now();
    return Date.now() - this.heldSince < Math.min(...holding.map((hold) => hold.atMostMs));
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published = 0;
      try {
        if (await this.holdLock()) published = await this.publishPage({ offChainOnly: this.held() });
        this.lastFailure = undefined;
      } catch (error) {
        this.lastFailure = error instanceof Error ? error.message : String(error);
        this.logger.warn({ err: this.lastFailure }, 'publishing events failed; will retry');
        // NATS or the lock's connection may be gone: another instance may do better; all compete again.
        await this.releaseLock();
      }
      if (published < PUBLISH_PAGE_SIZE) {
        await new Promise<void>((resolve) => {
          // A poke after the timer fired must wake the next wait, not this finished one.
          const timer = setTimeout(() => {
            this.wake = undefined;
            resolve();
          }, IDLE_POLL_MS);
          this.wake = () => {
            clearTimeout(timer);
            this.wake = undefined;
            resolve();
          };
        });
      }
    }
  }

  /** The last seq of this process's last round (the next round's scan starts after it), and when a round last scanned from the start. */
  private resumeAfter: string | undefined;
  private scannedFromStartAt = 0;
  /** How often at least a round scans from the first unpublished event (see publishPage). */
  fullScanIntervalMs = 1_000;

  /**
   * One round: the oldest unpublished events, published, then marked. A round's scan starts after
   * the last row of the round before: the index entries of the rows published since the last vacuum
   * all lie before it and are not stepped over again. A row that commits late with a lower seq (its
   * transaction took its seq first) is found by a scan from the start, made at least once a second.
   */
  async publishPage(options: { offChainOnly?: boolean } = {}): Promise<number> {
    if (options.offChainOnly) {
      // Held: only the events that do not come from the chain (their own small index); the rounds'
      // resume point stays where the last full round left it.
      const offChain = (await this.dataSource.query(
        `SELECT seq, id, subject, envelope::text AS envelope FROM event_outbox WHERE published_at IS NULL AND off_chain ORDER BY seq LIMIT $1`,
        [PUBLISH_PAGE_SIZE],
      )) as OutboxRow[];
      return this.publish(offChain);
    }
    const now = Date.now();
    const after = this.resumeAfter !== undefined && now < this.scannedFromStartAt + this.fullScanIntervalMs ? this.resumeAfter : undefined;
    if (after === undefined) this.scannedFromStartAt = now;
    const rows = (await (after === undefined
      ? this.dataSource.query(`SELECT seq, id, subject, envelope::text AS envelope FROM event_outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1`, [PUBLISH_PAGE_SIZE])
      : this.dataSource.query(`SELECT seq, id, subject, envelope::text AS envelope FROM event_outbox WHERE published_at IS NULL AND seq > $2 ORDER BY seq LIMIT $1`, [
          PUBLISH_PAGE_SIZE,
          after,
        ]))) as OutboxRow[];
    const published = await this.publish(rows);
    if (published > 0) this.resumeAfter = rows[rows.length - 1].seq;
    return published;
  }

  /** Publishes the rows (each awaits its JetStream ack) and marks them published. */
  private async publish(rows: OutboxRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const js = this.nats.jetstream;
    // The envelope as written (JSON text): sent as it is.
    await Promise.all(rows.map((row) => js.publish(row.subject, row.envelope, { msgID: row.id })));
    await this.dataSource.query(`UPDATE event_outbox SET published_at = now() WHERE seq = ANY($1::bigint[])`, [
      rows.map((row) => row.seq),
    ]);
    this.logger.debug({ events: rows.length, service: this.config.serviceName }, 'events published');
    return rows.length;
  }
}

/** An unpublished event as a round reads it. */
interface OutboxRow {
  seq: string;
  id: string;
  subject: string;
  envelope: string;
}
