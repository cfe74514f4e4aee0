// S5: bills, settlements, statements, clearing positions and reconciliation (domain arrives with its own issue).
// For now the service boots with its schema, its copy of the API keys, the chain adapter,
// GET /health, /metrics, /docs and GET /v1/operations/{id}.
import { Module } from '@nestjs/common';
import { ChainAdapterModule, chainAdapterEntities, chainAdapterMigrations } from '#chain-adapter';
import { CommonModule, loadConfig } from '#common';

export const settlementConfig = () => loadConfig('settlement');

@Module({
  imports: [
    CommonModule.forService({
      config: settlementConfig(),
      entities: [...chainAdapterEntities],
      migrations: [...chainAdapterMigrations],
      replicateApiKeys: true,
    }),
    ChainAdapterModule.forService([]),
  ],
})
export class SettlementModule {}
