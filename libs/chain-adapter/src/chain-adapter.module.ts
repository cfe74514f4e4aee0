// Wires the adapter into a service: the chain client, the outbox and its submitter (this instance's
// relayer key), the projector over the service's projections, the write path, GET /v1/operations/{id},
// and the chain's health probe.
import {
  Controller,
  DynamicModule,
  Get,
  Inject,
  Injectable,
  Module,
  Param,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
  type Type,
} from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Auth, CurrentPrincipal, EventPublisher, HealthRegistry, MetricsService, OperationStatusDto, TALLY_CONFIG, TallyError, type Principal, type TallyConfig } from '#common';
import { Counter, Gauge } from 'prom-client';
import { ChainClient } from './chain-client.js';
import { OutboxEntry } from './outbox/outbox-entry.entity.js';
import { OutboxService } from './outbox/outbox.service.js';
import { Submitter } from './outbox/submitter.js';
import { ProjectionCursor } from './projector/projection-cursor.entity.js';
import type { Projection } from './projector/projection.js';
import { Projector } from './projector/projector.js';
import { WritePath, operationStatusOf } from './write-path.js';
import { ChainAdapterTables1764000000000 } from './database/chain-adapter.migration.js';
import { OutboxGasLimit1764000000002 } from './database/outbox-gas.migration.js';
import { ProjectionJournal1764000000003 } from './database/projection-journal.migration.js';
import { OutboxOpenIndex1764000000004 } from './database/outbox-open-index.migration.js';
import { ProjectionJournalStatements1764000000007 } from './database/projection-journal-statements.migration.js';
import { AccountDirectory } from './accounts/account-directory.js';
import { PartySigner } from './signing/party-signer.js';

export const PROJECTIONS = Symbol('PROJECTIONS');
export const chainAdapterEntities = [OutboxEntry, ProjectionCursor];
export const chainAdapterMigrations = [ChainAdapterTables1764000000000, OutboxGasLimit1764000000002, ProjectionJournal1764000000003, OutboxOpenIndex1764000000004, ProjectionJournalStatements1764000000007];

@Injectable()
export class ChainAdapterLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly chain: ChainClient,
    private readonly submitter: Submitter,
    private readonly projector: Projector,
    private readonly health: HealthRegistry,
    private readonly metrics: MetricsService,
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly publisher: EventPublisher,
    private readonly directory: AccountDirectory,
  ) {}

  private started = false;

  /** Gauges read at each scrape: operations not final yet, and how far the views trail the chain. */
  private registerGauges(): void {
    const dataSource = this.dataSource;
    const chain = this.chain;
    const projector = this.projector;
    new Gauge({
      name: 'tally_outbox_open_operations',
      help: 'Operations accepted but not yet recorded or refused on chain, by status',
      labelNames: ['status'],
      registers: [this.metrics.registry],
      async collect() {
        const rows = (await dataSource.query(`SELECT status, count(*)::int AS n FROM outbox WHERE status IN ('PENDING', 'SUBMITTED') GROUP BY status`)) as Array<{ status: string; n: number }>;
        this.reset();
        for (const status of ['PENDING', 'SUBMITTED']) this.set({ status }, rows.find((row) => row.status === status)?.n ?? 0);
      },
    });
    const submitter = this.submitter;
    const counters: Array<[string, string, keyof Submitter['sent']]> = [
      ['tally_submitter_batches_total', "Batch transactions this instance's submitter sent", 'batches'],
      ['tally_submitter_operations_total', 'Operations in those batches (a resubmitted one counts again)', 'operations'],
      ['tally_submitter_replacements_total', 'Batches sent again with the same nonce and higher fees because they were not mined in time', 'replacements'],
    ];
    for (const [name, help, field] of counters) {
      new Counter({
        name,
        help,
        registers: [this.metrics.registry],
        collect() {
          this.reset();
          this.inc(submitter.sent[field]);
        },
      });
    }
    for (const [outcome, field] of [['rolled_back', 'rolledBack'], ['rebuilt', 'rebuilt']] as const) {
      new Counter({
        name: `tally_projector_reorgs_${outcome}_total`,
        help:
          outcome === 'rolled_back'
            ? 'Reorgs (or chains diverging from the views) recovered from by rolling the views back to a journaled block'
            : 'Reorgs (or chains diverging from the views) recovered from by rebuilding the views from the deployment block',
        registers: [this.metrics.registry],
        collect() {
          this.reset();
          this.inc(projector.reorgs[field]);
        },
      });
    }
    new Gauge({
      name: 'tally_projection_lag_blocks',
      help: "Blocks between the chain's head and the last block the views reflect",
      registers: [this.metrics.registry],
      async collect() {
        const head = await chain.blockNumber();
        this.set(Number(head - (projector.appliedBlock ?? chain.deploymentBlock)));
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // A hybrid app runs bootstrap hooks for the HTTP app and for the microservice.
    if (this.started) return;
    this.started = true;
    // After a reorg the views were rolled back or rebuilt: the accounts this instance remembers from
    // them may be gone from the chain (a registration in a dropped block), and the operations
    // finalised from the dropped blocks are looked up again.
    this.projector.onRebuilt = async () => {
      this.directory.forget();
      await this.submitter.recover();
    };
    // A catch-up's events go out once the projector is near the head, not between its steps.
    this.publisher.holdWhile(() => this.projector.catchingUp);
    this.projector.onCaughtUp = () => this.publisher.poke();
    this.registerGauges();
    this.health.register({
      name: 'chain',
      check: async () => {
        const head = await this.chain.blockNumber();
        const problem = this.submitter.lastFailure ?? this.projector.lastFailure;
        if (problem) throw new Error(problem);
        return {
          chainId: this.chain.chainId.toString(),
          head: head.toString(),
          projectedBlock: this.projector.appliedBlock?.toString() ?? null,
          relayer: this.submitter.relayerAddress,
        };
      },
    });
    await this.outbox.listen();
    await this.submitter.start();
    await this.projector.start();
  }

  // Before the database and NATS connections close (their modules close them on shutdown).
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.submitter.stop();
    await this.projector.stop();
    await this.outbox.unlisten();
    await this.chain.close();
  }
}

@ApiTags('operations')
@Controller('v1/operations')
export class OperationsController {
  constructor(
    private readonly outbox: OutboxService,
    private readonly chain: ChainClient,
  ) {}

  @Get(':operationId')
  @Auth('organisation', 'operator')
  @ApiOkResponse({ type: OperationStatusDto })
  async get(@Param('operationId') operationId: string, @CurrentPrincipal() principal: Principal): Promise<OperationStatusDto> {
    if (!/^0x[0-9a-fA-F]{64}$/.test(operationId)) throw new TallyError('VALIDATION_FAILED', { operationId: 'a 0x-prefixed 32-byte hex id' });
    const entry = await this.outbox.find(operationId.toLowerCase());
    if (!entry || (principal.kind === 'organisation' && entry.orgId !== principal.orgId)) {
      throw new TallyError('OPERATION_NOT_FOUND', { operationId });
    }
    return operationStatusOf(entry, this.chain.chainId);
  }
}

@Module({})
export class ChainAdapterModule {
  static forService(projections: Type<Projection>[]): DynamicModule {
    return {
      module: ChainAdapterModule,
      global: true,
      controllers: [OperationsController],
      providers: [
        ...projections,
        {
          provide: PROJECTIONS,
          useFactory: (...instances: Projection[]) => instances,
          inject: projections,
        },
        {
          provide: ChainClient,
          useFactory: (config: TallyConfig) => ChainClient.connect(config.chain.rpcUrl, config.chain.deploymentManifest, config.chain.rpcTimeoutMs),
          inject: [TALLY_CONFIG],
        },
        {
          provide: OutboxService,
          useFactory: (dataSource: DataSource) => new OutboxService(dataSource),
          inject: [DataSource],
        },
        {
          provide: Submitter,
          useFactory: (chain: ChainClient, dataSource: DataSource, outbox: OutboxService, config: TallyConfig) =>
            new Submitter(chain, dataSource, outbox, config.chain.relayerPrivateKey, {
              batchWindowMs: config.submitter.batchWindowMs,
              maxBatchSize: config.submitter.maxBatchSize,
              receiptTimeoutMs: config.submitter.receiptTimeoutMs,
              replaceAfterMs: config.submitter.replaceAfterMs,
              maxInFlight: config.submitter.maxInFlight,
              retryDelayMs: 1_000,
            }),
          inject: [ChainClient, DataSource, OutboxService, TALLY_CONFIG],
        },
        {
          provide: Projector,
          useFactory: (chain: ChainClient, dataSource: DataSource, outbox: OutboxService, found: Projection[], config: TallyConfig) =>
            new Projector(chain, dataSource, outbox, found, {
              name: config.serviceName,
              schema: config.database.schema,
              pollMs: config.projector.pollMs,
              maxBlockRange: config.projector.maxBlockRange,
              catchUpBlockRange: config.projector.catchUpBlockRange,
              confirmations: config.chain.confirmations,
              journalDepth: config.projector.journalDepth,
            }),
          inject: [ChainClient, DataSource, OutboxService, PROJECTIONS, TALLY_CONFIG],
        },
        {
          provide: WritePath,
          useFactory: (dataSource: DataSource, outbox: OutboxService, config: TallyConfig) =>
            new WritePath(dataSource, outbox, config.requestTimeoutMs),
          inject: [DataSource, OutboxService, TALLY_CONFIG],
        },
        ChainAdapterLifecycle,
        AccountDirectory,
        PartySigner,
      ],
      exports: [ChainClient, OutboxService, Submitter, Projector, WritePath, AccountDirectory, PartySigner],
    };
  }
}
