// S1 registration: organisations, API keys, accounts, qualifications and key custody.
import 'reflect-metadata';
import { bootstrapService, ConfigError } from '#common';

try {
  const { RegistrationModule, registrationConfig } = await import('./registration.module.js');
  await bootstrapService(RegistrationModule, registrationConfig(), {
    title: 'Tally registration',
    description: 'S1: organisations, their API keys, and accounts registered on the strength of a qualification review verified on chain.',
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`registration: ${error.message}`);
    process.exit(78);
  }
  throw error;
}
