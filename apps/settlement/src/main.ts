import 'reflect-metadata';
import { bootstrapService, ConfigError } from '#common';

try {
  const { SettlementModule, settlementConfig } = await import('./settlement.module.js');
  await bootstrapService(SettlementModule, settlementConfig(), {
    title: 'Tally settlement',
    description: 'S5: bills, settlements, statements, clearing positions and reconciliation (domain arrives with its own issue).',
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`settlement: ${error.message}`);
    process.exit(78);
  }
  throw error;
}
