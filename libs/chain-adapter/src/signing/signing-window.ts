import type { ChainClient } from '../chain-client.js';

/** How long a signature this service asks for stays valid on chain (chain time). */
export const SIGNATURE_VALIDITY_SECONDS = 600n;

/** The deadline to sign: the caller's (self-custody, already signed), or the latest block time + validity. */
export async function signingDeadline(chain: ChainClient, supplied: string | undefined): Promise<bigint> {
  if (supplied !== undefined) return BigInt(supplied);
  return (await chain.latestTimestamp()) + SIGNATURE_VALIDITY_SECONDS;
}
