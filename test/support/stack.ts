// Boots registration and the services a test file needs, in one process, each with its own relayer
// key (the other services ask registration over NATS for custodial signatures), and gives builders
// for organisations and accounts made through the public APIs.
import './isolation.js';
import type { INestApplication } from '@nestjs/common';
import { Wallet } from 'ethers';
import request from 'supertest';
import { addressOfPrivateKey, signTypedDataWith, type TypedData } from '#chain-adapter';
import { devPrivateKey } from './anvil.js';
import { baseUrlOf, createWorld, type TestWorld, type WorldOptions } from './system.js';
import { until } from './until.js';

export interface Organisation {
  code: string;
  apiKey: string;
  auth: string;
}

export type StackService = 'credit' | 'payment' | 'settlement';

export interface Stack {
  world: TestWorld;
  registration: INestApplication;
  registrationUrl: string;
  apps: Partial<Record<StackService, INestApplication>>;
  urls: Partial<Record<StackService, string>>;
  anOrganisation(code: string): Promise<Organisation>;
  /** A custodial account registered through registration. */
  aCustodialAccount(org: Organisation, kind: 'ENTERPRISE' | 'MERCHANT', qualificationMs?: number): Promise<string>;
  /** A self-custody account: its wallet signs the key proof here and every typed data later. */
  aSelfCustodyAccount(org: Organisation, kind: 'ENTERPRISE' | 'MERCHANT'): Promise<Wallet>;
  /**
   * An ACTIVE credit line through the credit service (in the stack): a custodial enterprise of
   * `enterpriseOrg` with a ceiling of 1,000,000, a custodial merchant of `merchantOrg`; its id.
   */
  aCreditLine(enterpriseOrg: Organisation, merchantOrg: Organisation, limit?: string): Promise<string>;
  close(): Promise<void>;
}

let sequence = 0;
const nextKey = (prefix: string) => `${prefix}-${process.pid}-${++sequence}`;

async function waitFor(what: string, probe: () => Promise<boolean>): Promise<void> {
  await until(what, async () => ((await probe()) ? true : undefined), { timeoutMs: 10_000, pollMs: 50 });
}

const relayerKeyIndex: Record<StackService, number> = { credit: 2, payment: 3, settlement: 4 };

async function loadService(service: StackService) {
  if (service === 'credit') {
    const { CreditModule, creditConfig } = await import('../../apps/credit/src/credit.module.js');
    return { module: CreditModule, config: creditConfig };
  }
  if (service === 'payment') {
    const { PaymentModule, paymentConfig } = await import('../../apps/payment/src/payment.module.js');
    return { module: PaymentModule, config: paymentConfig };
  }
  const { SettlementModule, settlementConfig } = await import('../../apps/settlement/src/settlement.module.js');
  return { module: SettlementModule, config: settlementConfig };
}

export async function startStack(name: string, services: StackService[], overrides: Record<string, string> = {}, anvilArgs: string[] = [], options: WorldOptions = {}): Promise<Stack> {
  // Every service's relayer (#2 credit, #3 payment, #4 settlement), also of those run as child processes.
  const relayers = [2, 3, 4].map((index) => addressOfPrivateKey(devPrivateKey(index)));
  const world = await createWorld(name, { DEPLOYMENT_RELAYERS: relayers.join(','), ...overrides }, anvilArgs, options);
  const { bootstrapService } = await import('#common');
  // Each module reads its config once, at import: registration with relayer #1, the others with their own.
  const registrationModule = await import('../../apps/registration/src/registration.module.js');
  const registration = await bootstrapService(registrationModule.RegistrationModule, registrationModule.registrationConfig(), { title: 'registration', description: 'test' });
  const apps: Stack['apps'] = {};
  const urls: Stack['urls'] = {};
  for (const service of services) {
    process.env.RELAYER_PRIVATE_KEY = devPrivateKey(relayerKeyIndex[service]);
    const { module, config } = await loadService(service);
    apps[service] = await bootstrapService(module, config(), { title: service, description: 'test' });
    urls[service] = baseUrlOf(apps[service]);
  }
  const registrationUrl = baseUrlOf(registration);
  const operator = `Bearer ${world.operatorToken}`;

  const register = async (org: Organisation, body: Record<string, unknown>) => {
    const response = await request(registrationUrl).post('/v1/accounts').set('Authorization', org.auth).set('Idempotency-Key', nextKey('account')).send(body);
    if (response.status !== 201) throw new Error(`register: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.address as string;
  };
  const qualification = (ms: number) => ({ certificateType: 'BUSINESS_LICENCE', certificateNumber: nextKey('licence'), expiresAt: new Date(Date.now() + ms).toISOString() });

  const aCustodialAccount: Stack['aCustodialAccount'] = (org, kind, qualificationMs = 365 * 86_400_000) =>
    register(org, { kind, externalRef: nextKey('ref'), custody: 'CUSTODIAL', qualification: qualification(qualificationMs) });

  return {
    world,
    registration,
    registrationUrl,
    apps,
    urls,
    anOrganisation: async (code) => {
      const admitted = await request(registrationUrl).post('/v1/organisations').set('Authorization', operator).set('Idempotency-Key', `admit-${code}`).send({ code, name: `${code} payments` });
      if (admitted.status !== 201) throw new Error(`admit ${code}: ${admitted.status} ${JSON.stringify(admitted.body)}`);
      const key = await request(registrationUrl).post(`/v1/organisations/${code}/api-keys`).set('Authorization', operator);
      if (key.status !== 201) throw new Error(`api key ${code}: ${key.status}`);
      const auth = `Bearer ${key.body.apiKey}`;
      // The key reaches the other services' copies through JetStream.
      for (const service of services) {
        await waitFor(`${service} to accept ${code}'s key`, async () => (await request(urls[service]!).get(`/v1/operations/0x${'0'.repeat(64)}`).set('Authorization', auth)).status === 404);
      }
      return { code, apiKey: key.body.apiKey, auth };
    },
    aCustodialAccount,
    aSelfCustodyAccount: async (org, kind) => {
      const wallet = Wallet.createRandom() as unknown as Wallet;
      const idempotencyKey = nextKey('self');
      const proof = await request(registrationUrl).post('/v1/accounts/key-proof').set('Authorization', org.auth).set('Idempotency-Key', idempotencyKey).send({ address: wallet.address });
      const proofSignature = signTypedDataWith(wallet.privateKey, proof.body.typedData as TypedData);
      const response = await request(registrationUrl)
        .post('/v1/accounts')
        .set('Authorization', org.auth)
        .set('Idempotency-Key', idempotencyKey)
        .send({ kind, externalRef: nextKey('ref'), custody: 'SELF_CUSTODY', address: wallet.address, proofSignature, qualification: qualification(365 * 86_400_000) });
      if (response.status !== 201) throw new Error(`self-custody register: ${response.status} ${JSON.stringify(response.body)}`);
      return wallet;
    },
    async aCreditLine(enterpriseOrg, merchantOrg, limit = '100000') {
      const enterprise = await aCustodialAccount(enterpriseOrg, 'ENTERPRISE');
      const merchant = await aCustodialAccount(merchantOrg, 'MERCHANT');
      const credit = async (path: string, org: Organisation, body: Record<string, unknown>, expected: number) => {
        const response = await request(urls.credit!).post(path).set('Authorization', org.auth).set('Idempotency-Key', nextKey('credit')).send(body);
        if (response.status !== expected) throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(response.body)}`);
        return response.body as { id: string };
      };
      await credit('/v1/credit-accounts', enterpriseOrg, { enterprise, currency: 'USD', ceiling: '1000000' }, 201);
      const applied = await credit(
        '/v1/credit-applications',
        enterpriseOrg,
        { enterprise, merchant, currency: 'USD', requestedLimit: limit, termDays: 30, expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(), reference: 'test' },
        201,
      );
      await credit(`/v1/credit-applications/${applied.id}/decision`, merchantOrg, { outcome: 'APPROVE', limit }, 200);
      return applied.id;
    },
    close: async () => {
      for (const app of Object.values(apps).reverse()) await app.close();
      await registration.close();
      await world.close();
    },
  };
}
