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

/**
 * ISO 4217 minor-unit exponents of the currencies Tally supports out of the box: amounts are in
 * these minor units, and a token class of a currency has exactly this many decimals. The token
 * contract is deployed with this table; its admin can add currencies later.
 */
export const currencyExponents: Readonly<Record<string, number>> = {
  AED: 2, AUD: 2, BHD: 3, BRL: 2, CAD: 2, CHF: 2, CLP: 0, CNY: 2, CZK: 2, DKK: 2, EUR: 2, GBP: 2,
  HKD: 2, HUF: 2, IDR: 2, ILS: 2, INR: 2, ISK: 0, JOD: 3, JPY: 0, KRW: 0, KWD: 3, MXN: 2, MYR: 2,
  NOK: 2, NZD: 2, OMR: 3, PHP: 2, PLN: 2, SAR: 2, SEK: 2, SGD: 2, THB: 2, TND: 3, TRY: 2, TWD: 2,
  USD: 2, VND: 0, ZAR: 2,
};
