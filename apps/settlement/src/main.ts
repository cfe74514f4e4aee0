import 'reflect-metadata';
import { bootstrapService, ConfigError } from '#common';

try {
  const { SettlementModule, settlementConfig } = await import('./settlement.module.js');
  await bootstrapService(SettlementModule, settlementConfig(), {
    title: 'Tally settlement',
    description: 'S5: bills in step with the chain, settlements by tokens or bank transfer, statements, clearing positions between organisations, and reconciliation.',
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`settlement: ${error.message}`);
    process.exit(78);
  }
  throw error;
}
