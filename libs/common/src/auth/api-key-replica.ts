// Keeps this service's copy of the API keys in step with registration's api-key.* events.
import { Inject, Injectable, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TALLY_CONFIG, type TallyConfig } from '../config/config.js';
import type { ApiKeyIssuedData, ApiKeyRevokedData } from '../messages/registration.messages.js';
import { eventSubject, eventTypes } from '../messages/subjects.js';
import { DurableConsumer } from '../messaging/durable-consumer.js';
import { NatsService } from '../messaging/nats.service.js';
import { ApiKey } from './api-key.entity.js';

@Injectable()
export class ApiKeyReplica implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: DurableConsumer | undefined;

  constructor(
    private readonly nats: NatsService,
    private readonly dataSource: DataSource,
    @Inject(TALLY_CONFIG) private readonly config: TallyConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.consumer) return; // hooks run for the HTTP app and for the microservice
    this.consumer = new DurableConsumer(this.nats, this.dataSource, {
      // One durable per schema: the instances of a service share it (and the table it fills).
      name: `${this.config.database.schema}-api-keys`,
      filterSubject: eventSubject('api-key', '*'),
      handle: async (envelope, manager) => {
        if (envelope.type === eventTypes.apiKeyIssued) {
          const data = envelope.data as ApiKeyIssuedData;
          await manager
            .createQueryBuilder()
            .insert()
            .into(ApiKey)
            .values({ keyId: data.keyId, orgId: data.orgId, secretHash: data.secretHash, createdAt: new Date(data.createdAt), revokedAt: null })
            .orIgnore()
            .execute();
        } else if (envelope.type === eventTypes.apiKeyRevoked) {
          const data = envelope.data as ApiKeyRevokedData;
          await manager.update(ApiKey, { keyId: data.keyId }, { revokedAt: new Date(data.revokedAt) });
        }
      },
    });
    await this.consumer.start();
  }

  // Before the database and NATS connections close (their modules close them on shutdown).
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
