// Boots the registration service for a test file and gives small builders for its data.
import type { INestApplication } from '@nestjs/common';
import { Wallet } from 'ethers';
import request from 'supertest';
import { baseUrlOf, createWorld, type TestWorld } from '../../../test/support/system.js';

export interface RegistrationHarness {
  world: TestWorld;
  app: INestApplication;
  url: string;
  operator: string;
  /** Admits an organisation and issues an API key for it. */
  anOrganisation(code: string): Promise<{ code: string; apiKey: string; keyId: string }>;
  close(): Promise<void>;
}

export async function startRegistration(name: string): Promise<RegistrationHarness> {
  const world = await createWorld(name);
  const { bootstrapService } = await import('#common');
  const { RegistrationModule, registrationConfig } = await import('../src/registration.module.js');
  const app = await bootstrapService(RegistrationModule, registrationConfig(), { title: 'test', description: 'test' });
  const url = baseUrlOf(app);
  const operator = `Bearer ${world.operatorToken}`;
  const harness: RegistrationHarness = {
    world,
    app,
    url,
    operator,
    anOrganisation: async (code) => {
      const url = harness.url;
      const admitted = await request(url)
        .post('/v1/organisations')
        .set('Authorization', operator)
        .set('Idempotency-Key', `admit-${code}`)
        .send({ code, name: `${code} payments` });
      if (admitted.status !== 201 && admitted.status !== 200) throw new Error(`admit ${code}: ${admitted.status} ${JSON.stringify(admitted.body)}`);
      const key = await request(url).post(`/v1/organisations/${code}/api-keys`).set('Authorization', operator);
      if (key.status !== 201) throw new Error(`api key ${code}: ${key.status} ${JSON.stringify(key.body)}`);
      return { code, apiKey: key.body.apiKey, keyId: key.body.keyId };
    },
    close: async () => {
      await harness.app.close();
      await world.close();
    },
  };
  return harness;
}

export function aQualification(overrides: Record<string, unknown> = {}) {
  return {
    certificateType: 'BUSINESS_LICENCE',
    certificateNumber: `91310000${Math.floor(Math.random() * 1e9)}`,
    expiresAt: new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString(),
    ...overrides,
  };
}

export function aCustodialAccount(overrides: Record<string, unknown> = {}) {
  return {
    kind: 'ENTERPRISE',
    externalRef: `cust-${Math.random().toString(36).slice(2)}`,
    custody: 'CUSTODIAL',
    qualification: aQualification(),
    ...overrides,
  };
}

export function newWallet(): Wallet {
  return Wallet.createRandom() as unknown as Wallet;
}
