// Amounts are integers in the currency's minor units: bigint in code, decimal strings in JSON,
// numeric(78,0) in Postgres, uint256 on chain. Never a JS number.
import type { ValueTransformer } from 'typeorm';

export const MAX_UINT256 = (1n << 256n) - 1n;
const decimalInteger = /^(0|[1-9][0-9]*)$/;

/** Parses a non-negative decimal string that fits a uint256; returns undefined otherwise. */
export function parseAmount(value: unknown): bigint | undefined {
  if (typeof value !== 'string' || value.length > 78 || !decimalInteger.test(value)) return undefined;
  const amount = BigInt(value);
  return amount <= MAX_UINT256 ? amount : undefined;
}

export function formatAmount(amount: bigint): string {
  return amount.toString(10);
}

/** TypeORM column transformer for numeric(78,0) ↔ bigint. */
export const amountTransformer: ValueTransformer = {
  to: (value: bigint | null | undefined) => (value === null || value === undefined ? value : value.toString(10)),
  from: (value: string | null) => (value === null ? null : BigInt(value)),
};

/** TypeORM transformer for bigint block numbers and timestamps stored as int8. */
export const int8Transformer: ValueTransformer = amountTransformer;
