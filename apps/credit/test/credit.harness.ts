// Boots registration and credit for a test file (credit asks registration over NATS for custodial
// signatures), each with its own relayer key, and gives builders for organisations and accounts.
import '../../../test/support/isolation.js';
import type { INestApplication } from '@nestjs/common';
import { Wallet } from 'ethers';
import request from 'supertest';
import { addressOfPrivateKey, signTypedDataWith, type TypedData } from '#chain-adapter';
import { devPrivateKey } from '../../../test/support/anvil.js';
import { baseUrlOf, createWorld, type TestWorld } from '../../../test/support/system.js';

export interface Organisation {
  code: string;
  apiKey: string;
  auth: string;
}

export interface CreditHarness {
  world: TestWorld;
  registration: INestApplication;
  credit: INestApplication;
  registrationUrl: string;
  url: string;
  anOrganisation(code: string): Promise<Organisation>;
  /** A custodial account registered through registration. */
  aCustodialAccount(org: Organisation, kind: 'ENTERPRISE' | 'MERCHANT', qualificationMs?: number): Promise<string>;
  /** A self-custody account: its wallet signs the key proof here and every typed data later. */
  aSelfCustodyAccount(org: Organisation, kind: 'ENTERPRISE' | 'MERCHANT'): Promise<Wallet>;
  close(): Promise<void>;
}

let sequence = 0;
const nextKey = (prefix: string) => `${prefix}-${process.pid}-${++sequence}`;

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startCredit(name: string): Promise<CreditHarness> {
  const creditRelayerKey = devPrivateKey(2);
  const world = await createWorld(name, { DEPLOYMENT_RELAYERS: addressOfPrivateKey(creditRelayerKey) });
  const { bootstrapService } = await import('#common');
  // Each module reads its config once, at import: registration with relayer #1, credit with #2.
  const registrationModule = await import('../../registration/src/registration.module.js');
  const registration = await bootstrapService(registrationModule.RegistrationModule, registrationModule.registrationConfig(), { title: 'registration', description: 'test' });
  process.env.RELAYER_PRIVATE_KEY = creditRelayerKey;
  const creditModule = await import('../src/credit.module.js');
  const credit = await bootstrapService(creditModule.CreditModule, creditModule.creditConfig(), { title: 'credit', description: 'test' });
  const registrationUrl = baseUrlOf(registration);
  const url = baseUrlOf(credit);
  const operator = `Bearer ${world.operatorToken}`;

  const register = async (org: Organisation, body: Record<string, unknown>) => {
    const response = await request(registrationUrl).post('/v1/accounts').set('Authorization', org.auth).set('Idempotency-Key', nextKey('account')).send(body);
    if (response.status !== 201) throw new Error(`register: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.address as string;
  };
  const qualification = (ms: number) => ({ certificateType: 'BUSINESS_LICENCE', certificateNumber: nextKey('licence'), expiresAt: new Date(Date.now() + ms).toISOString() });

  return {
    world,
    registration,
    credit,
    registrationUrl,
    url,
    anOrganisation: async (code) => {
      const admitted = await request(registrationUrl).post('/v1/organisations').set('Authorization', operator).set('Idempotency-Key', `admit-${code}`).send({ code, name: `${code} payments` });
      if (admitted.status !== 201) throw new Error(`admit ${code}: ${admitted.status} ${JSON.stringify(admitted.body)}`);
      const key = await request(registrationUrl).post(`/v1/organisations/${code}/api-keys`).set('Authorization', operator);
      if (key.status !== 201) throw new Error(`api key ${code}: ${key.status}`);
      const auth = `Bearer ${key.body.apiKey}`;
      // The key reaches credit's copy through JetStream.
      await waitFor(`credit to accept ${code}'s key`, async () => (await request(url).get('/v1/credit-lines').set('Authorization', auth)).status === 200);
      return { code, apiKey: key.body.apiKey, auth };
    },
    aCustodialAccount: (org, kind, qualificationMs = 365 * 86_400_000) =>
      register(org, { kind, externalRef: nextKey('ref'), custody: 'CUSTODIAL', qualification: qualification(qualificationMs) }),
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
    close: async () => {
      await credit.close();
      await registration.close();
      await world.close();
    },
  };
}
