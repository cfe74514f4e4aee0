import 'reflect-metadata';
import { bootstrapService, ConfigError } from '#common';

try {
  const { CreditModule, creditConfig } = await import('./credit.module.js');
  await bootstrapService(CreditModule, creditConfig(), {
    title: 'Tally credit',
    description: 'S3: credit accounts with their ceilings and operations, credit applications and decisions, and credit lines — each verified and recorded on chain.',
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`credit: ${error.message}`);
    process.exit(78);
  }
  throw error;
}
