// Runs a durable JetStream consumer: each message is handled once per consumer, in a Postgres
// transaction that also records its id in the processed-message ledger (redeliveries are skipped).
import { Logger } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventEnvelope } from '../messages/envelope.js';
import { messaging } from '../messages/subjects.js';
import type { NatsService } from './nats.service.js';

export interface DurableConsumerOptions {
  /** Durable name, unique per service and purpose, e.g. `credit-api-keys`. */
  name: string;
  filterSubject: string;
  handle: (envelope: EventEnvelope, manager: EntityManager) => Promise<void>;
}

export class DurableConsumer {
  private readonly logger = new Logger('DurableConsumer');
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly nats: NatsService,
    private readonly dataSource: DataSource,
    private readonly options: DurableConsumerOptions,
  ) {}

  async start(): Promise<void> {
    const { name, filterSubject } = this.options;
    await this.nats.jetstreamManager.consumers.add(messaging.stream, {
      durable_name: name,
      filter_subject: filterSubject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30 * 1_000_000_000,
    });
    const consumer = await this.nats.jetstream.consumers.get(messaging.stream, name);
    this.messages = await consumer.consume({ max_messages: 64 });
    this.loop = (async () => {
      for await (const message of this.messages!) {
        try {
          const envelope = message.json<EventEnvelope>();
          await this.dataSource.transaction(async (manager) => {
            const inserted = (await manager.query(
              `INSERT INTO processed_messages (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING message_id`,
              [name, envelope.id],
            )) as unknown[];
            if (inserted.length > 0) await this.options.handle(envelope, manager);
          });
          message.ack();
        } catch (error) {
          this.logger.warn({ consumer: name, err: error instanceof Error ? error.message : String(error) }, 'message not processed; it will be redelivered');
          message.nak(1_000);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.messages?.stop();
    await this.loop;
  }
}
