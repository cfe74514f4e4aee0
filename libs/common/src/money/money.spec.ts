import { formatAmount, MAX_UINT256, parseAmount, amountTransformer } from './money.js';

describe('money', () => {
  it('parses decimal strings that fit uint256 and nothing else', () => {
    expect(parseAmount('0')).toBe(0n);
    expect(parseAmount('1234567890123456789012345678901234567890')).toBe(1234567890123456789012345678901234567890n);
    expect(parseAmount(MAX_UINT256.toString())).toBe(MAX_UINT256);
    for (const bad of [(MAX_UINT256 + 1n).toString(), '-1', '01', '1.5', '1e3', '', ' 1', 12, null]) {
      expect(parseAmount(bad)).toBeUndefined();
    }
  });

  it('round-trips through the numeric column transformer', () => {
    const stored = amountTransformer.to(10n ** 30n);
    expect(stored).toBe('1000000000000000000000000000000');
    expect(amountTransformer.from(stored)).toBe(10n ** 30n);
    expect(formatAmount(42n)).toBe('42');
  });
});
