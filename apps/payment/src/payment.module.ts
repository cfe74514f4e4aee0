// S4: token classes, issuances, redemptions, transfers, payments and refunds (domain arrives with its own issue).
// For now the service boots with its schema, its copy of the API keys, the chain adapter,
// GET /health, /metrics, /docs and GET /v1/operations/{id}.
import { Module } from '@nestjs/common';
import { ChainAdapterModule, chainAdapterEntities, chainAdapterMigrations } from '#chain-adapter';
import { CommonModule, loadConfig } from '#common';

export const paymentConfig = () => loadConfig('payment');

@Module({
  imports: [
    CommonModule.forService({
      config: paymentConfig(),
      entities: [...chainAdapterEntities],
      migrations: [...chainAdapterMigrations],
      replicateApiKeys: true,
    }),
    ChainAdapterModule.forService([]),
  ],
})
export class PaymentModule {}
