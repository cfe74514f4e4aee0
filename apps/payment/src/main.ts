import 'reflect-metadata';
import { bootstrapService, ConfigError } from '#common';

try {
  const { PaymentModule, paymentConfig } = await import('./payment.module.js');
  await bootstrapService(PaymentModule, paymentConfig(), {
    title: 'Tally payment',
    description: 'S4: token classes, issuances, redemptions, transfers, payments and refunds (domain arrives with its own issue).',
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`payment: ${error.message}`);
    process.exit(78);
  }
  throw error;
}
