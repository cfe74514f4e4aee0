// The submitter does not wait for the node to answer a sending before it claims, signs and sends
// the next batch (a node answers nothing while it mines a block), and a sending that fails while
// later batches went out with the nonces after it leaves no payment behind: the nonce is counted
// again once the sendings under way have their answers, the gap is filled, and every payment is
// recorded exactly once. A proxy in front of anvil holds or fails the sendings (rpc-proxy.ts).
import '../../../test/support/isolation.js';
import request from 'supertest';
import { ChainClient, operationIdOf, readCreditLine } from '#chain-adapter';
import { startRpcProxy, type RpcProxy } from '../../../test/support/rpc-proxy.js';
import { startStack, type Organisation, type Stack } from '../../../test/support/stack.js';
import { until } from '../../../test/support/until.js';

let proxy: RpcProxy;
let stack: Stack;
let acme: Organisation;
let beta: Organisation;

beforeAll(async () => {
  proxy = await startRpcProxy();
  stack = await startStack('concurrent-sending', ['credit', 'payment'], { REQUEST_TIMEOUT_MS: '10000' }, [], {
    rpcUrlOf: (anvilRpcUrl) => {
      proxy.target = anvilRpcUrl;
      return proxy.url;
    },
  });
  acme = await stack.anOrganisation('acme-pay');
  beta = await stack.anOrganisation('beta-pay');
});

afterAll(async () => {
  await stack?.close();
  await proxy?.close();
});

afterEach(() => {
  proxy.onSend = () => ({});
});

const pay = (lineId: string, key: string) =>
  request(stack.urls.payment!).post('/v1/payments').set('Authorization', acme.auth).set('Idempotency-Key', key).send({ kind: 'CREDIT', lineId, amount: '10' });

/** Sends one payment per key, `gapMs` apart (each its own batch: the batch window is 5 ms); their answers. */
async function payApart(lineId: string, keys: string[], gapMs: number): Promise<Array<{ status: number }>> {
  return Promise.all(
    keys.map(async (key, index) => {
      await new Promise((resolve) => setTimeout(resolve, index * gapMs));
      return pay(lineId, key);
    }),
  );
}

it('claims, signs and sends the next batches while the node has not answered a sending', async () => {
  const lineId = await stack.aCreditLine(acme, beta);
  proxy.sends.mostUnanswered = 0;
  proxy.onSend = () => ({ holdMs: 600 });
  const keys = ['held-1', 'held-2', 'held-3', 'held-4'];
  const answers = await payApart(lineId, keys, 100);

  expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201]);
  // One sending at a time would never have had two unanswered.
  expect(proxy.sends.mostUnanswered).toBeGreaterThanOrEqual(2);
  const chain = stack.apps.payment!.get(ChainClient);
  expect((await readCreditLine(chain, lineId)).used).toBe(40n);
});

it('fills the nonce gap a failed sending leaves behind later ones, and records every payment once', async () => {
  const lineId = await stack.aCreditLine(acme, beta);
  const firstSending = proxy.sends.seen + 1;
  const failedBefore = proxy.sends.failed;
  proxy.sends.mostUnanswered = 0;
  // The first batch's sending is lost after 400 ms; the next ones, sent meanwhile with the nonces
  // after it, reach the node, which holds them until the missing nonce comes.
  proxy.onSend = (sending) => (sending === firstSending ? { holdMs: 400, fail: 'injected: the node never got this sending' } : {});
  const keys = ['gap-1', 'gap-2', 'gap-3'];
  const answers = await payApart(lineId, keys, 100);
  for (const answer of answers) expect([201, 202]).toContain(answer.status);
  expect(proxy.sends.failed).toBe(failedBefore + 1);
  // The later batches went out while the first was unanswered: they had the nonces after it.
  expect(proxy.sends.mostUnanswered).toBeGreaterThanOrEqual(2);

  // Retrying each with its key: every payment recorded, none twice.
  const recorded = new Set<string>();
  await until('every payment to be recorded', async () => {
    for (const key of keys.filter((candidate) => !recorded.has(candidate))) if ((await pay(lineId, key)).status === 201) recorded.add(key);
    return recorded.size === keys.length ? true : undefined;
  }, { timeoutMs: 30_000, pollMs: 250 });
  const chain = stack.apps.payment!.get(ChainClient);
  expect((await readCreditLine(chain, lineId)).used).toBe(30n);
  for (const key of keys) expect(await chain.contract('CreditLedger').getFunction('operationRecorded')(operationIdOf('acme-pay', key))).toBe(true);
});
