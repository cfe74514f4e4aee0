// GET /health: Postgres, NATS and the chain (plus whatever else a module registers), via Terminus.
import { Controller, Get, Injectable } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator, type HealthIndicatorResult } from '@nestjs/terminus';
import { NatsService } from '../messaging/nats.service.js';

export interface HealthProbe {
  name: string;
  /** Resolves with details when healthy; throws (or rejects) with the reason when not. */
  check(): Promise<Record<string, unknown>>;
}

/** Modules register their probes here at start (the chain adapter registers the chain's). */
@Injectable()
export class HealthRegistry {
  readonly probes: HealthProbe[] = [];

  register(probe: HealthProbe): void {
    this.probes.push(probe);
  }
}

const PROBE_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly nats: NatsService,
    private readonly registry: HealthRegistry,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOkResponse({ description: 'Postgres, NATS and the chain answer' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the body says which' })
  check() {
    return this.health.check([
      () => this.database.pingCheck('postgres', { timeout: PROBE_TIMEOUT_MS }),
      async () => {
        const session = this.indicators.check('nats');
        return this.nats.isConnected ? session.up() : session.down({ message: 'not connected' });
      },
      ...this.registry.probes.map((probe) => async (): Promise<HealthIndicatorResult> => {
        const session = this.indicators.check(probe.name);
        try {
          return session.up(await withTimeout(probe.check(), PROBE_TIMEOUT_MS));
        } catch (error) {
          return session.down({ message: error instanceof Error ? error.message : String(error) });
        }
      }),
    ]);
  }
}
