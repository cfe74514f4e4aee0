import 'reflect-metadata';
import { bootstrapService, ConfigError } from '#common';

try {
  const { PaymentModule, paymentConfig } = await import('./payment.module.js');
  await bootstrapService(PaymentModule, paymentConfig(), {
    title: 'Tally payment',
    description: 'S2/S4: token classes, issuances, redemptions, transfers, balances, payments on credit and in tokens, and refunds — each verified and recorded on chain.',
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`payment: ${error.message}`);
    process.exit(78);
  }
  throw error;
}
