import 'reflect-metadata';
import { bootstrapService, ConfigError } from '#common';

try {
  const { CreditModule, creditConfig } = await import('./credit.module.js');
  await bootstrapService(CreditModule, creditConfig(), {
    title: 'Tally credit',
    description: 'S3: credit accounts, account operations, credit applications and credit lines (domain arrives with its own issue).',
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`credit: ${error.message}`);
    process.exit(78);
  }
  throw error;
}
