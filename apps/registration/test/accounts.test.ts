// S1 end to end: HTTP → attestor signature → chain verification → view → JetStream event.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import request from 'supertest';
import { Wallet } from 'ethers';
import { DataSource } from 'typeorm';
import { aCustodialAccount, aQualification, startRegistration, type RegistrationHarness } from './registration.harness.js';

let harness: RegistrationHarness;
let acme: { code: string; apiKey: string };
let beta: { code: string; apiKey: string };
let nats: NatsConnection;

beforeAll(async () => {
  harness = await startRegistration('accounts');
  acme = await harness.anOrganisation('acme-pay');
  beta = await harness.anOrganisation('beta-pay');
  nats = await connect({ servers: 'nats://127.0.0.1:4222' });
});

afterAll(async () => {
  await nats?.close();
  await harness?.close();
});

const as = (org: { apiKey: string }) => `Bearer ${org.apiKey}`;

async function register(org: { apiKey: string }, body: Record<string, unknown>, key = `reg-${Math.random()}`) {
  return request(harness.url).post('/v1/accounts').set('Authorization', as(org)).set('Idempotency-Key', key).send(body);
}

async function viewCount(): Promise<number> {
  const [row] = (await harness.app.get(DataSource).query('SELECT count(*)::int AS n FROM accounts')) as Array<{ n: number }>;
  return row.n;
}

describe('POST /v1/accounts', () => {
  it('registers a custodial account on chain, in the view and on JetStream', async () => {
    const response = await register(acme, aCustodialAccount({ externalRef: 'cust-0001', exportPrivateKey: true }));
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ orgId: 'acme-pay', kind: 'ENTERPRISE', status: 'ACTIVE', externalRef: 'cust-0001', custody: 'CUSTODIAL' });
    expect(response.body.chain.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(new Wallet(response.body.privateKey).address).toBe(response.body.address);

    const { ChainClient } = await import('#chain-adapter');
    const chain = harness.app.get(ChainClient);
    expect((await chain.accountOf(response.body.address)).status).toBe('ACTIVE');

    const manager = await jetstreamManager(nats);
    const js = jetstream(nats);
    const consumer = await manager.consumers.add(harness.world.stream, {
      filter_subject: `${harness.world.namespace}.events.account.registered`,
      ack_policy: 'none' as never,
      deliver_policy: 'all' as never,
    });
    const messages = await (await js.consumers.get(harness.world.stream, consumer.name)).fetch({ max_messages: 10, expires: 3000 });
    const envelopes: Array<{ id: string; data: { address: string } }> = [];
    for await (const message of messages) {
      envelopes.push(message.json());
      if (envelopes.some((envelope) => envelope.data.address === response.body.address)) break;
    }
    const envelope = envelopes.find((item) => item.data.address === response.body.address);
    expect(envelope?.id).toBe(`account.registered:${response.body.chain.chainId}:${response.body.chain.txHash}:${response.body.chain.logIndex}`);
  });

  it('exports a custodial private key once only', async () => {
    const key = `export-once-${Date.now()}`;
    const body = aCustodialAccount({ exportPrivateKey: true });
    const first = await register(acme, body, key);
    const retry = await register(acme, body, key);
    expect(first.status).toBe(201);
    expect(first.body.privateKey).toMatch(/^0x/);
    expect(retry.status).toBe(201);
    expect(retry.body.address).toBe(first.body.address);
    expect(retry.body.privateKey).toBeUndefined();
  });

  it('registers a self-custody account that proves its key with the typed data the API returns', async () => {
    const wallet = Wallet.createRandom();
    const key = `self-${Date.now()}`;
    const proof = await request(harness.url)
      .post('/v1/accounts/key-proof')
      .set('Authorization', as(acme))
      .set('Idempotency-Key', key)
      .send({ address: wallet.address });
    expect(proof.status).toBe(200);
    const { domain, types, message } = proof.body.typedData;
    const { EIP712Domain: _unused, ...signedTypes } = types;
    const proofSignature = await wallet.signTypedData(domain, signedTypes, message);
    const response = await register(
      acme,
      { kind: 'MERCHANT', externalRef: `m-${Date.now()}`, custody: 'SELF_CUSTODY', qualification: aQualification(), address: wallet.address, proofSignature },
      key,
    );
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ address: wallet.address, kind: 'MERCHANT', custody: 'SELF_CUSTODY' });

    const duplicate = await register(acme, {
      kind: 'MERCHANT',
      externalRef: `m2-${Date.now()}`,
      custody: 'SELF_CUSTODY',
      qualification: aQualification(),
      address: wallet.address,
      proofSignature,
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('ACCOUNT_ALREADY_REGISTERED');
  });

  it('has a forged proof of possession refused by the contract, with nothing in the view, finally for that key', async () => {
    const wallet = Wallet.createRandom();
    const impostor = Wallet.createRandom();
    const key = `forged-${Date.now()}`;
    const proof = await request(harness.url).post('/v1/accounts/key-proof').set('Authorization', as(acme)).set('Idempotency-Key', key).send({ address: wallet.address });
    const { EIP712Domain: _unused, ...signedTypes } = proof.body.typedData.types;
    const forged = await impostor.signTypedData(proof.body.typedData.domain, signedTypes, proof.body.typedData.message);
    const body = { kind: 'ENTERPRISE', externalRef: `f-${Date.now()}`, custody: 'SELF_CUSTODY', qualification: aQualification(), address: wallet.address, proofSignature: forged };
    const response = await register(acme, body, key);
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'BAD_SIGNATURE', details: { error: 'InvalidSignature', expectedSigner: wallet.address, recoveredSigner: impostor.address } });
    const lookup = await request(harness.url).get(`/v1/accounts/${wallet.address}`).set('Authorization', as(acme));
    expect(lookup.status).toBe(404);
    const retry = await register(acme, body, key);
    expect(retry.status).toBe(422);
    expect(retry.body.code).toBe('BAD_SIGNATURE');
    const { ChainClient } = await import('#chain-adapter');
    expect((await harness.app.get(ChainClient).accountOf(wallet.address)).status).toBe('NONE');
  });

  it('refuses an expired qualification, malformed input and a reused key, changing nothing', async () => {
    const before = await viewCount();
    const expired = await register(acme, aCustodialAccount({ qualification: aQualification({ expiresAt: '2020-01-01T00:00:00Z' }) }));
    expect(expired.status).toBe(422);
    expect(expired.body.code).toBe('QUALIFICATION_EXPIRY_INVALID');

    const malformed = await register(acme, { kind: 'BANK', custody: 'CUSTODIAL', externalRef: '', qualification: {} });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(malformed.body.details.fields)).toEqual(expect.arrayContaining(['kind', 'externalRef']));

    const noKey = await request(harness.url).post('/v1/accounts').set('Authorization', as(acme)).send(aCustodialAccount());
    expect(noKey.status).toBe(400);
    expect(noKey.body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');

    const badJson = await request(harness.url).post('/v1/accounts').set('Authorization', as(acme)).set('Idempotency-Key', 'x').set('Content-Type', 'application/json').send('{"kind":');
    expect(badJson.status).toBe(400);
    expect(badJson.body.code).toBe('VALIDATION_FAILED');
    expect(await viewCount()).toBe(before);

    const key = `reuse-${Date.now()}`;
    expect((await register(acme, aCustodialAccount(), key)).status).toBe(201);
    const reused = await register(acme, aCustodialAccount(), key);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await viewCount()).toBe(before + 1);
  });

  it('records once when the same Idempotency-Key is retried, also concurrently', async () => {
    const before = await viewCount();
    const body = aCustodialAccount();
    const key = `retry-${Date.now()}`;
    const responses = await Promise.all([register(acme, body, key), register(acme, body, key), register(acme, body, key)]);
    expect(responses.map((response) => response.status)).toEqual([201, 201, 201]);
    expect(new Set(responses.map((response) => response.body.address)).size).toBe(1);
    expect(await viewCount()).toBe(before + 1);
  });

  it('refuses a second account with the same externalRef in one organisation, but not in another', async () => {
    const externalRef = `dup-${Date.now()}`;
    expect((await register(acme, aCustodialAccount({ externalRef }))).status).toBe(201);
    const again = await register(acme, aCustodialAccount({ externalRef }));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('EXTERNAL_REF_TAKEN');
    expect((await register(beta, aCustodialAccount({ externalRef }))).status).toBe(201);
  });
});

describe('authentication and authorisation', () => {
  it('answers 401 to a missing or wrong API key', async () => {
    const missing = await request(harness.url).get('/v1/accounts');
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe('UNAUTHENTICATED');
    const wrong = await request(harness.url).get('/v1/accounts').set('Authorization', `Bearer tly_AAAAAAAAAAAA_${'A'.repeat(43)}`);
    expect(wrong.status).toBe(401);
    const operatorOnly = await request(harness.url).post('/v1/organisations').set('Authorization', as(acme)).set('Idempotency-Key', 'x').send({ code: 'zzz', name: 'z' });
    expect(operatorOnly.status).toBe(403);
    expect(operatorOnly.body.code).toBe('FORBIDDEN');
  });

  it("does not let organisation A freeze organisation B's account", async () => {
    const account = await register(beta, aCustodialAccount());
    const attempt = await request(harness.url)
      .post(`/v1/accounts/${account.body.address}/freeze`)
      .set('Authorization', as(acme))
      .set('Idempotency-Key', `freeze-${Date.now()}`)
      .send({});
    expect(attempt.status).toBe(403);
    expect(attempt.body.code).toBe('FORBIDDEN');
    const after = await request(harness.url).get(`/v1/accounts/${account.body.address}`).set('Authorization', as(beta));
    expect(after.body.status).toBe('ACTIVE');
  });

  it('stops accepting a revoked key', async () => {
    const key = await request(harness.url).post('/v1/organisations/acme-pay/api-keys').set('Authorization', harness.operator);
    const auth = `Bearer ${key.body.apiKey}`;
    expect((await request(harness.url).get('/v1/accounts').set('Authorization', auth)).status).toBe(200);
    const revoked = await request(harness.url).delete(`/v1/organisations/acme-pay/api-keys/${key.body.keyId}`).set('Authorization', harness.operator);
    expect(revoked.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await request(harness.url).get('/v1/accounts').set('Authorization', auth)).status).toBe(401);
  });
});

describe('account operations', () => {
  it('freezes, unfreezes and closes, and refuses a transition the chain does not allow', async () => {
    const account = await register(acme, aCustodialAccount());
    const address = account.body.address;
    const act = (action: string, key = `${action}-${Math.random()}`) =>
      request(harness.url).post(`/v1/accounts/${address}/${action}`).set('Authorization', as(acme)).set('Idempotency-Key', key).send({ reason: 'test' });
    const frozen = await act('freeze');
    expect(frozen.status).toBe(200);
    expect(frozen.body.status).toBe('FROZEN');
    const again = await act('freeze');
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('INVALID_STATE_TRANSITION');
    expect((await act('unfreeze')).body.status).toBe('ACTIVE');
    expect((await act('close')).body.status).toBe('CLOSED');
    const { ChainClient } = await import('#chain-adapter');
    expect((await harness.app.get(ChainClient).accountOf(address)).status).toBe('CLOSED');
  });

  it('blocks a lapsed qualification until it is renewed', async () => {
    const { ChainClient } = await import('#chain-adapter');
    const chain = harness.app.get(ChainClient);
    const now = Number(await chain.latestTimestamp());
    const account = await register(acme, aCustodialAccount({ qualification: aQualification({ expiresAt: new Date((now + 120) * 1000).toISOString() }) }));
    expect(account.status).toBe(201);
    const address = account.body.address;
    const registry = chain.contract('AccountRegistry');
    expect(await registry.getFunction('isUsable')(address)).toBe(true);

    await chain.provider.send('evm_increaseTime', [600]);
    await chain.provider.send('evm_mine', []);
    expect(await registry.getFunction('isUsable')(address)).toBe(false);
    const lapsed = await request(harness.url).get(`/v1/accounts/${address}`).set('Authorization', as(acme));
    expect(lapsed.body.qualification.lapsed).toBe(true);

    const renewed = await request(harness.url)
      .post(`/v1/accounts/${address}/qualification`)
      .set('Authorization', as(acme))
      .set('Idempotency-Key', `renew-${Date.now()}`)
      .send({ qualification: aQualification({ expiresAt: new Date((now + 600 + 365 * 24 * 3600) * 1000).toISOString() }) });
    expect(renewed.status).toBe(200);
    expect(renewed.body.qualification.lapsed).toBe(false);
    expect(await registry.getFunction('isUsable')(address)).toBe(true);
  });
});
