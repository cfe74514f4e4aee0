import { Coalescer } from './coalescer.js';

describe('Coalescer (group commit)', () => {
  it('writes calls of one turn in one group, and those arriving while it runs in the next', async () => {
    const groups: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const coalescer = new Coalescer<number, number>(
      async (inputs) => {
        groups.push(inputs);
        if (groups.length === 1) await gate;
        return inputs.map((input) => input * 10);
      },
      { maxGroupSize: 100, concurrency: 1 },
    );
    const first = [1, 2, 3].map((input) => coalescer.call(input));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [4, 5].map((input) => coalescer.call(input));
    await new Promise((resolve) => setImmediate(resolve));
    expect(groups).toEqual([[1, 2, 3]]);
    release();
    expect(await Promise.all([...first, ...second])).toEqual([10, 20, 30, 40, 50]);
    expect(groups).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('caps a group, runs groups side by side up to its concurrency, and retries a failed group in halves once', async () => {
    const groups: number[][] = [];
    const coalescer = new Coalescer<number, number>(
      async (inputs) => {
        groups.push(inputs);
        if (inputs.includes(3)) throw new Error('group failed');
        return inputs;
      },
      { maxGroupSize: 2, concurrency: 2 },
    );
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((input) => coalescer.call(input)));
    expect(groups).toEqual([[1, 2], [3, 4], [3], [4], [5]]);
    // Only the input the statement cannot take fails; its neighbour went through on the retry.
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  });

  it('fails every call of a group whose halves fail again', async () => {
    let calls = 0;
    const coalescer = new Coalescer<number, number>(async () => {
      calls += 1;
      throw new Error('database down');
    });
    const results = await Promise.allSettled([1, 2, 3].map((input) => coalescer.call(input)));
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    expect(calls).toBe(3); // the group, then its two halves, once each
  });

  it('rejects the calls of a group whose answer count is wrong', async () => {
    const coalescer = new Coalescer<number, number>(async (inputs) => (inputs.length > 1 ? [1] : []));
    await expect(Promise.all([coalescer.call(1), coalescer.call(2)])).rejects.toThrow(/a group of 1 got 0 answers/);
  });
});
