// Utilisation alerts: which thresholds (percent of the limit) a change of `used` or of the limit
// crossed upwards. A threshold is crossed when the line was below it before and is at or above it
// after, so each crossing is announced once, and again only after falling back below it.

export const DEFAULT_UTILISATION_THRESHOLDS = [80, 100] as const;
export const MAX_UTILISATION_THRESHOLDS = 5;

function atOrAbove(used: bigint, limit: bigint, percent: number): boolean {
  if (limit === 0n) return used > 0n;
  return used * 100n >= BigInt(percent) * limit;
}

export function crossedThresholds(
  thresholds: readonly number[],
  before: { used: bigint; limit: bigint },
  after: { used: bigint; limit: bigint },
): number[] {
  return [...thresholds]
    .sort((a, b) => a - b)
    .filter((percent) => !atOrAbove(before.used, before.limit, percent) && atOrAbove(after.used, after.limit, percent));
}
