// S3: credit accounts, account operations, credit applications and credit lines (domain arrives with its own issue).
// For now the service boots with its schema, its copy of the API keys, the chain adapter,
// GET /health, /metrics, /docs and GET /v1/operations/{id}.
import { Module } from '@nestjs/common';
import { ChainAdapterModule, chainAdapterEntities, chainAdapterMigrations } from '#chain-adapter';
import { CommonModule, loadConfig } from '#common';

export const creditConfig = () => loadConfig('credit');

@Module({
  imports: [
    CommonModule.forService({
      config: creditConfig(),
      entities: [...chainAdapterEntities],
      migrations: [...chainAdapterMigrations],
      replicateApiKeys: true,
    }),
    ChainAdapterModule.forService([]),
  ],
})
export class CreditModule {}
