import type { EventType } from './subjects.js';

/** Where on chain an event came from; every chain-derived event and view row carries it. */
export interface ChainProof {
  chainId: string;
  blockNumber: string;
  txHash: string;
  logIndex: number;
}

/**
 * The envelope of every event on the stream. `id` is the JetStream message id:
 * `<type>:<chainId>:<txHash>:<logIndex>` for chain events, `<type>:<record id>` otherwise, with
 * `:<discriminator>` after it where one log gives several events of one type (event-outbox.ts).
 */
export interface EventEnvelope<TData = unknown> {
  id: string;
  type: EventType;
  version: 1;
  occurredAt: string;
  orgId: string | null;
  chain: ChainProof | null;
  data: TData;
}

export function eventId(type: EventType, source: ChainProof | string): string {
  return typeof source === 'string'
    ? `${type}:${source}`
    : `${type}:${source.chainId}:${source.txHash}:${source.logIndex}`;
}
