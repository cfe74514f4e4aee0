// What every Tally service has: validated config, JSON logs, Postgres (its own schema, migrations),
// the NATS connection and request client, the event outbox publisher, API-key authentication,
// health and metrics.
import { DynamicModule, Global, Module, type Provider, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ConfigModule } from '@nestjs/config';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { MixedList } from 'typeorm';
import { ApiKey } from './auth/api-key.entity.js';
import { ApiKeyReplica } from './auth/api-key-replica.js';
import { AuthGuard } from './auth/auth.guard.js';
import { TALLY_CONFIG, type TallyConfig } from './config/config.js';
import { commonMigrations } from './database/common-migrations.js';
import { typeOrmOptions } from './database/database.js';
import { HttpErrorFilter } from './errors/http-error.filter.js';
import { EventPublisher } from './messaging/event-publisher.js';
import { NatsService } from './messaging/nats.service.js';
import { NATS_CLIENT, NatsRequester } from './messaging/rpc.js';
import { HealthController, HealthRegistry } from './observability/health.js';
import { loggerParams } from './observability/logging.js';
import { HttpMetricsInterceptor, MetricsController, MetricsService } from './observability/metrics.js';

export interface CommonModuleOptions {
  config: TallyConfig;
  entities: MixedList<Function>;
  /** The service's own migrations, after the common and adapter ones. */
  migrations: Function[];
  /** Keep a copy of the API keys from registration's events (every service but registration). */
  replicateApiKeys: boolean;
}

@Global()
@Module({})
export class CommonModule {
  static forService(options: CommonModuleOptions): DynamicModule {
    const { config } = options;
    const providers: Provider[] = [
      { provide: TALLY_CONFIG, useValue: config },
      NatsService,
      NatsRequester,
      EventPublisher,
      HealthRegistry,
      MetricsService,
      { provide: APP_GUARD, useClass: AuthGuard },
      { provide: APP_FILTER, useClass: HttpErrorFilter },
      { provide: APP_INTERCEPTOR, useClass: HttpMetricsInterceptor },
    ];
    if (options.replicateApiKeys) providers.push(ApiKeyReplica);
    return {
      module: CommonModule,
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ tally: config })] }),
        LoggerModule.forRoot(loggerParams(config.serviceName, config.logLevel)),
        TypeOrmModule.forRoot(
          typeOrmOptions(config, [ApiKey, ...(options.entities as Type[])], [...commonMigrations, ...options.migrations]),
        ),
        ClientsModule.register([
          { name: NATS_CLIENT, transport: Transport.NATS, options: { servers: config.nats.url, name: `${config.serviceName}-client` } },
        ]),
        TerminusModule,
      ],
      controllers: [HealthController, MetricsController],
      providers,
      exports: [TALLY_CONFIG, NatsService, NatsRequester, EventPublisher, HealthRegistry, MetricsService, ClientsModule],
    };
  }
}
