// ChainClient.latestTimestamp: callers that ask while a read is under way share it; the next read
// asks the node again, and a failed read is not kept.
import { ChainClient } from './chain-client.js';

/** A provider whose getBlock answers after `delayMs` with the next timestamp (or fails once when told). */
function fakeProvider(delayMs: number) {
  const state = { reads: 0, failNext: false };
  const provider = {
    getBlock: async (tag: string) => {
      state.reads += 1;
      const read = state.reads;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (state.failNext) {
        state.failNext = false;
        throw new Error('the node did not answer');
      }
      expect(tag).toBe('latest');
      return { timestamp: 1_700_000_000 + read };
    },
  };
  return { state, provider };
}

/** A client around the fake provider (its constructor is private: connect() reads a manifest and a node). */
function clientOf(provider: unknown): ChainClient {
  return Reflect.construct(ChainClient, [provider, 31337n, { chainId: '31337', contracts: {}, deploymentBlock: '0' }]) as ChainClient;
}

it('gives callers that ask while a read is under way its answer, and reads again after', async () => {
  const { state, provider } = fakeProvider(20);
  const chain = clientOf(provider);
  const answers = await Promise.all(Array.from({ length: 50 }, () => chain.latestTimestamp()));
  expect(state.reads).toBe(1);
  expect(new Set(answers)).toEqual(new Set([1_700_000_001n]));
  expect(await chain.latestTimestamp()).toBe(1_700_000_002n);
  expect(state.reads).toBe(2);
});

it('does not keep a failed read: every caller of it gets the failure, the next asks again', async () => {
  const { state, provider } = fakeProvider(5);
  const chain = clientOf(provider);
  state.failNext = true;
  const failed = await Promise.allSettled([chain.latestTimestamp(), chain.latestTimestamp()]);
  expect(failed.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  expect(await chain.latestTimestamp()).toBe(1_700_000_002n);
});
