import { crossedThresholds } from './utilisation.js';

describe('crossedThresholds', () => {
  const thresholds = [80, 100];

  it('announces each threshold crossed upwards by a draw, once', () => {
    expect(crossedThresholds(thresholds, { used: 0n, limit: 1000n }, { used: 799n, limit: 1000n })).toEqual([]);
    expect(crossedThresholds(thresholds, { used: 799n, limit: 1000n }, { used: 800n, limit: 1000n })).toEqual([80]);
    expect(crossedThresholds(thresholds, { used: 800n, limit: 1000n }, { used: 900n, limit: 1000n })).toEqual([]);
    expect(crossedThresholds(thresholds, { used: 0n, limit: 1000n }, { used: 1000n, limit: 1000n })).toEqual([80, 100]);
  });

  it('never announces a fall, and announces again after falling back below', () => {
    expect(crossedThresholds(thresholds, { used: 900n, limit: 1000n }, { used: 100n, limit: 1000n })).toEqual([]);
    expect(crossedThresholds(thresholds, { used: 100n, limit: 1000n }, { used: 850n, limit: 1000n })).toEqual([80]);
  });

  it('counts a lowered limit as a crossing', () => {
    expect(crossedThresholds(thresholds, { used: 500n, limit: 1000n }, { used: 500n, limit: 600n })).toEqual([80]);
    expect(crossedThresholds(thresholds, { used: 500n, limit: 1000n }, { used: 500n, limit: 2000n })).toEqual([]);
  });

  it('works in integers for amounts beyond 2^53', () => {
    const limit = 10n ** 30n;
    expect(crossedThresholds(thresholds, { used: limit * 79n / 100n, limit }, { used: limit * 80n / 100n, limit })).toEqual([80]);
  });
});
