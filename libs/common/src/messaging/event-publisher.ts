// Publishes the event outbox to JetStream in order, a bounded page at a time, with each event's id
// as the message id; marks what JetStream acknowledged.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TALLY_CONFIG, type TallyConfig } from '../config/config.js';
import { NatsService } from './nats.service.js';

/**
 * Events published per round (each awaits its JetStream ack, all in flight together). Large: each
 * round's query steps over the index entries of rows published since the last vacuum, so fewer,
 * larger rounds do far less of that under load.
 */
const PUBLISH_PAGE_SIZE = 1_000;
const IDLE_POLL_MS = 250;
/** Rounds scan from the first unpublished event at least this often (see publishPage). */
const FULL_SCAN_INTERVAL_MS = 1_000;

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
  }

  /** Publish now instead of at the next poll (call after a transaction that appended events). */
  poke(): void {
    this.wake?.();
  }

  private readonly holds: Array<{ busy: () => boolean; atMostMs: number }> = [];
  /** Since when a hold has kept rounds from starting (undefined: not held). */
  private heldSince: number | undefined;

  /**
   * No round starts while `busy()` says so — a projector catching up from far behind: its events
   * are published once it is near the head, not between its steps, where this publisher's
   * queries and updates would compete with the next step's writes for Postgres. For `atMostMs` at
   * a time: a projector that stays behind longer (a very long catch-up, or more load than it keeps
   * up with) does not keep events from going out.
   */
  holdWhile(busy: () => boolean, atMostMs = 30_000): void {
    this.holds.push({ busy, atMostMs });
  }

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
        if (this.held()) {
          await this.idle();
          continue;
        }
        published = await this.publishPage();
        this.lastFailure = undefined;
      } catch (error) {
        this.lastFailure = error instanceof Error ? error.message : String(error);
        this.logger.warn({ err: this.lastFailure }, 'publishing events failed; will retry');
      }
      if (published < PUBLISH_PAGE_SIZE) await this.idle();
    }
  }

  /** Waits for the next poll, or for poke(). */
  private idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, IDLE_POLL_MS);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** The last seq of this process's last round (the next round's scan starts after it) and when a scan from the start is due. */
  private resumeAfter: string | undefined;
  private scanFromStartAt = 0;

  /**
   * One round: the oldest unpublished events, published, then marked. A round's scan starts after
   * the last row of the round before: the index entries of the rows published since the last vacuum
   * all lie before it and are not stepped over again. A row that commits late with a lower seq (its
   * transaction took its seq first) is found by a scan from the start, made at least once a second.
   */
  async publishPage(): Promise<number> {
    const now = Date.now();
    const after = this.resumeAfter !== undefined && now < this.scanFromStartAt ? this.resumeAfter : undefined;
    if (after === undefined) this.scanFromStartAt = now + FULL_SCAN_INTERVAL_MS;
    const rows = (await (after === undefined
      ? this.dataSource.query(`SELECT seq, id, subject, envelope::text AS envelope FROM event_outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1`, [PUBLISH_PAGE_SIZE])
      : this.dataSource.query(`SELECT seq, id, subject, envelope::text AS envelope FROM event_outbox WHERE published_at IS NULL AND seq > $2 ORDER BY seq LIMIT $1`, [
          PUBLISH_PAGE_SIZE,
          after,
        ]))) as Array<{ seq: string; id: string; subject: string; envelope: string }>;
    if (rows.length === 0) return 0;
    const js = this.nats.jetstream;
    // The envelope as written (JSON text): sent as it is.
    await Promise.all(rows.map((row) => js.publish(row.subject, row.envelope, { msgID: row.id })));
    await this.dataSource.query(`UPDATE event_outbox SET published_at = now() WHERE seq = ANY($1::bigint[])`, [
      rows.map((row) => row.seq),
    ]);
    this.resumeAfter = rows[rows.length - 1].seq;
    this.logger.debug({ events: rows.length, service: this.config.serviceName }, 'events published');
    return rows.length;
  }
}
