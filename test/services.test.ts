// The four services together: health, metrics and OpenAPI on each; registration's request-reply
// subjects used from another service over NATS; API keys replicated to (and revoked in) the others.
import './support/isolation.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Wallet } from 'ethers';
import { baseUrlOf, createWorld, type TestWorld } from './support/system.js';
import { until } from './support/until.js';

let world: TestWorld;
const apps: Record<string, INestApplication> = {};
const urls: Record<string, string> = {};
let operator: string;

beforeAll(async () => {
  world = await createWorld('services');
  operator = `Bearer ${world.operatorToken}`;
  const { bootstrapService } = await import('#common');
  const modules = {
    registration: await import('../apps/registration/src/registration.module.js').then((m) => [m.RegistrationModule, m.registrationConfig] as const),
    credit: await import('../apps/credit/src/credit.module.js').then((m) => [m.CreditModule, m.creditConfig] as const),
    payment: await import('../apps/payment/src/payment.module.js').then((m) => [m.PaymentModule, m.paymentConfig] as const),
    settlement: await import('../apps/settlement/src/settlement.module.js').then((m) => [m.SettlementModule, m.settlementConfig] as const),
  };
  for (const [name, [module, config]] of Object.entries(modules)) {
    apps[name] = await bootstrapService(module, config(), { title: name, description: name });
    urls[name] = baseUrlOf(apps[name]);
  }
});

afterAll(async () => {
  for (const app of Object.values(apps)) await app.close();
  await world?.close();
});

describe.each(['registration', 'credit', 'payment', 'settlement'])('%s', (name) => {
  it('answers GET /health with Postgres, NATS and the chain up', async () => {
    const response = await request(urls[name]).get('/health');
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
    expect(Object.keys(response.body.info).sort()).toEqual(['chain', 'nats', 'postgres']);
    expect(response.body.info.chain.chainId).toBe('31337');
  });

  it('listens with a backlog of HTTP_LISTEN_BACKLOG connections (capped by the kernel)', () => {
    const port = Number(new URL(urls[name]).port);
    // For a listening socket, ss gives the backlog as its Send-Q.
    const [listening] = execFileSync('ss', ['-ltnH', `sport = :${port}`]).toString().trim().split('\n');
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(Number(listening.trim().split(/\s+/)[2])).toBe(Math.min(4_096, somaxconn));
  });

  it('serves its OpenAPI document and the Prometheus metrics', async () => {
    const document = await request(urls[name]).get('/docs-json');
    expect(document.status).toBe(200);
    expect(document.body.openapi).toMatch(/^3\./);
    expect(Object.keys(document.body.paths)).toEqual(expect.arrayContaining(['/health', '/v1/operations/{operationId}']));
    const metrics = await request(urls[name]).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('tally_http_request_duration_seconds');
    // Labelled by route (the health check above, answered 200).
    expect(metrics.text).toMatch(/tally_http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} [1-9]/);
    expect(metrics.text).toContain('process_resident_memory_bytes');
    expect(metrics.text).toMatch(/tally_outbox_open_operations\{status="PENDING"\} 0/);
    expect(metrics.text).toMatch(/tally_projection_lag_blocks \d+/);
  });
});

describe('OpenAPI', () => {
  const expected: Record<string, string[]> = {
    registration: ['/v1/organisations', '/v1/organisations/{id}/api-keys', '/v1/accounts', '/v1/accounts/{address}/freeze', '/v1/accounts/{address}/qualification'],
    credit: ['/v1/credit-accounts', '/v1/credit-accounts/{id}/freeze', '/v1/credit-applications', '/v1/credit-applications/{id}/decision', '/v1/credit-lines', '/v1/credit-lines/{id}/limit'],
    payment: ['/v1/token-classes', '/v1/issuances', '/v1/redemptions', '/v1/balances', '/v1/transfers', '/v1/payments', '/v1/payments/batch', '/v1/refunds'],
    settlement: ['/v1/bills', '/v1/settlements', '/v1/settlements/{id}/confirm', '/v1/statements', '/v1/clearing-positions', '/v1/reconciliation'],
  };

  it.each(Object.keys(expected))('documents every resource of %s, with its credential and answers', async (name) => {
    const document = (await request(urls[name]).get('/docs-json')).body as {
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; parameters?: Array<{ name: string }> }>>;
      components: { schemas: Record<string, { required?: string[] }> };
    };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(expected[name]));
    for (const [path, operations] of Object.entries(document.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        expect({ path, method, secured: (operation.security ?? []).length > 0 }).toEqual({ path, method, secured: true });
        expect({ path, method, answers: Object.keys(operation.responses).length > 0 }).toEqual({ path, method, answers: true });
        if (path === '/v1/payments/batch') {
          // Each payment of a batch carries its own key, in the body.
          expect(document.components.schemas.BatchPaymentDto.required).toContain('idempotencyKey');
        } else if (method === 'post' && path !== '/v1/organisations/{id}/api-keys' && !path.endsWith('/key-proof')) {
          expect({ path, idempotencyKey: (operation.parameters ?? []).some((parameter) => parameter.name === 'Idempotency-Key') }).toEqual({ path, idempotencyKey: true });
        }
      }
    }
  });
});

describe('HTTP', () => {
  const organisations = () => request(urls.registration).post('/v1/organisations').set('Authorization', operator).set('Content-Type', 'application/json');

  it('returns the request id it was given in X-Request-Id, or one of its own', async () => {
    const given = await request(urls.payment).get('/health').set('X-Request-Id', 'trace-42');
    expect(given.headers['x-request-id']).toBe('trace-42');
    const made = await request(urls.payment).get('/health').set('X-Request-Id', 'not a valid id');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses malformed JSON with 400 and a body over 100 KiB with 413, both VALIDATION_FAILED, changing nothing', async () => {
    const malformed = await organisations().set('Idempotency-Key', 'malformed').send('{"code": "x-pay",');
    expect({ status: malformed.status, code: malformed.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const large = await organisations().set('Idempotency-Key', 'large').send(JSON.stringify({ code: 'y-pay', name: 'n'.repeat(110 * 1024) }));
    expect({ status: large.status, code: large.body.code }).toEqual({ status: 413, code: 'VALIDATION_FAILED' });
    const listed = await request(urls.registration).get('/v1/organisations').set('Authorization', operator);
    expect(listed.body.items.map((organisation: { code: string }) => organisation.code)).not.toEqual(expect.arrayContaining(['x-pay', 'y-pay']));
  });

  it('answers requests the HTTP server cannot read (bad URL encoding, an over-long parameter, oversized headers, not HTTP) with the API\'s error body and a request id', async () => {
    const badUrl = await request(urls.payment).get('/v1/payments/%E0%A4%A').set('X-Request-Id', 'bad-url-1');
    expect({ status: badUrl.status, code: badUrl.body.code, requestId: badUrl.headers['x-request-id'] }).toEqual({ status: 400, code: 'VALIDATION_FAILED', requestId: 'bad-url-1' });
    const longParameter = await request(urls.payment).get(`/v1/payments/0x${'a'.repeat(200)}`);
    expect({ status: longParameter.status, code: longParameter.body.code }).toEqual({ status: 414, code: 'VALIDATION_FAILED' });
    expect(longParameter.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unreadable = [
      { raw: `GET /health HTTP/1.1\r\nHost: x\r\nX-Filler: ${'f'.repeat(20 * 1024)}\r\n\r\n`, status: 431, reason: 'the request headers are over the size limit' },
      { raw: 'HELLO THERE\r\n\r\n', status: 400, reason: 'the request is not readable HTTP' },
    ];
    for (const { raw, status, reason } of unreadable) {
      const answer = await rawExchange(urls.payment, raw);
      expect({ status: answer.status, body: JSON.parse(answer.body) as unknown }).toEqual({ status, body: { code: 'VALIDATION_FAILED', message: 'The request is malformed.', details: { reason } } });
      expect(answer.headers).toMatchObject({ 'x-request-id': expect.stringMatching(/^[0-9a-f-]{36}$/), 'content-type': 'application/json; charset=utf-8', connection: 'close' });
    }
  });

  it('ignores a trailing slash, as before', async () => {
    const listed = await request(urls.registration).get('/v1/organisations/').set('Authorization', operator);
    expect(listed.status).toBe(200);
  });

  it('takes an empty body with a JSON content type as {} (validated as such)', async () => {
    const empty = await organisations().set('Idempotency-Key', 'empty');
    expect({ status: empty.status, code: empty.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(Object.keys(empty.body.details.fields)).toEqual(expect.arrayContaining(['code', 'name']));
  });
});

/** Sends raw bytes and reads one HTTP/1.1 answer (a request supertest cannot make): status, lower-case headers, body. */
async function rawExchange(url: string, raw: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.write(raw);
  const chunks: Buffer[] = [];
  // The server closes the connection after its answer; a reset after it (bytes it had not read) ends the reading too.
  await new Promise<void>((resolveRead, rejectRead) => {
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', resolveRead);
    socket.on('error', (error) => (chunks.length > 0 ? resolveRead() : rejectRead(error)));
  });
  socket.destroy();
  const [head, ...rest] = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

describe('across services', () => {
  let apiKey: { keyId: string; apiKey: string };

  beforeAll(async () => {
    const admitted = await request(urls.registration).post('/v1/organisations').set('Authorization', operator).set('Idempotency-Key', 'admit-acme').send({ code: 'acme-pay', name: 'Acme' });
    expect(admitted.status).toBe(201);
    await request(urls.registration).post('/v1/organisations').set('Authorization', operator).set('Idempotency-Key', 'admit-beta').send({ code: 'beta-pay', name: 'Beta' }).expect(201);
    apiKey = (await request(urls.registration).post('/v1/organisations/acme-pay/api-keys').set('Authorization', operator)).body;
  });

  it('replicates a new API key to every service within 5 s, and its revocation too', async () => {
    const probe = (url: string) => request(url).get(`/v1/operations/0x${'0'.repeat(64)}`).set('Authorization', `Bearer ${apiKey.apiKey}`);
    for (const name of ['credit', 'payment', 'settlement']) {
      const status = await until(`${name} to accept the key`, async () => ((await probe(urls[name])).status === 404 ? 404 : undefined));
      expect(status).toBe(404);
    }
    await request(urls.registration).delete(`/v1/organisations/acme-pay/api-keys/${apiKey.keyId}`).set('Authorization', operator).expect(200);
    for (const name of ['credit', 'payment', 'settlement']) {
      const response = await until(`${name} to refuse the key`, async () => {
        const answer = await probe(urls[name]);
        return answer.status === 401 ? answer : undefined;
      });
      expect(response.body.code).toBe('UNAUTHENTICATED');
    }
  });

  it('answers tally.registration.account.get and signature.create over NATS', async () => {
    const { NatsRequester, requestSubjects } = await import('#common');
    const { ChainClient, orgIdOf, typedDataDigest } = await import('#chain-adapter');
    const key = (await request(urls.registration).post('/v1/organisations/acme-pay/api-keys').set('Authorization', operator)).body.apiKey;
    const account = await request(urls.registration)
      .post('/v1/accounts')
      .set('Authorization', `Bearer ${key}`)
      .set('Idempotency-Key', 'nats-account')
      .send({
        kind: 'ENTERPRISE',
        externalRef: 'nats-1',
        custody: 'CUSTODIAL',
        qualification: { certificateType: 'LICENCE', certificateNumber: '1', expiresAt: new Date(Date.now() + 86_400_000 * 365).toISOString() },
      });
    expect(account.status).toBe(201);

    const requester = apps.credit.get(NatsRequester);
    const view = await requester.request<{ address: string; orgId: string; status: string }>(requestSubjects.registration.accountGet, { address: account.body.address });
    expect(view).toMatchObject({ address: account.body.address, orgId: 'acme-pay', status: 'ACTIVE', kind: 'ENTERPRISE', custody: 'CUSTODIAL' });
    expect(await requester.request(requestSubjects.registration.accountGet, { address: Wallet.createRandom().address })).toBeNull();

    const chain = apps.credit.get(ChainClient);
    const message = { operationId: `0x${'ab'.repeat(32)}`, account: account.body.address, orgId: orgIdOf('acme-pay') };
    const signed = await requester.request<{ signer: string; signature: string }>(requestSubjects.registration.signatureCreate, {
      orgId: 'acme-pay',
      signer: { kind: 'ACCOUNT', address: account.body.address },
      primaryType: 'AccountKeyProof',
      message,
    });
    const digest = typedDataDigest(chain.typedData('AccountKeyProof', message));
    const { recoverAddress } = await import('ethers');
    expect(recoverAddress(digest, signed.signature)).toBe(account.body.address);

    const attestor = await requester.request<{ signer: string; signature: string }>(requestSubjects.registration.signatureCreate, {
      orgId: 'acme-pay',
      signer: { kind: 'ATTESTOR' },
      primaryType: 'AccountKeyProof',
      message,
    });
    const organisation = await request(urls.registration).get('/v1/organisations/acme-pay').set('Authorization', operator);
    expect(recoverAddress(digest, attestor.signature)).toBe(organisation.body.attestorAddress);

    await expect(
      requester.request(requestSubjects.registration.signatureCreate, { orgId: 'beta-pay', signer: { kind: 'ACCOUNT', address: account.body.address }, primaryType: 'AccountKeyProof', message }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      requester.request(requestSubjects.registration.signatureCreate, { orgId: 'acme-pay', signer: { kind: 'ATTESTOR' }, primaryType: 'Permit', message }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
