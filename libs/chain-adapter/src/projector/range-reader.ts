// Reads what the projector needs from a range of blocks in as few round trips as possible: the
// raw logs in one eth_getLogs call and the headers it needs in JSON-RPC batches, through the raw
// JSON-RPC transport (../raw-rpc.ts).
import { toQuantity, type JsonRpcProvider } from 'ethers';
import { rpcBatch, rpcCall } from '../raw-rpc.js';

/** A log as the node returns it (hex quantities); `blockTimestamp` where the node includes it (anvil, geth ≥ 1.16). */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  blockTimestamp?: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

export interface BlockHeader {
  number: bigint;
  hash: string;
  parentHash: string;
  timestamp: bigint;
}

/** Headers asked for in one JSON-RPC batch (a node may cap batches; Besu's default is 1,024). */
const MAX_HEADERS_PER_BATCH = 200;

export async function readLogs(provider: JsonRpcProvider, addresses: string[], fromBlock: bigint, toBlock: bigint): Promise<RawLog[]> {
  return rpcCall<RawLog[]>(provider, 'eth_getLogs', [{ address: addresses, fromBlock: toQuantity(fromBlock), toBlock: toQuantity(toBlock) }]);
}

export async function readHeader(provider: JsonRpcProvider, blockNumber: bigint): Promise<BlockHeader | null> {
  const block = await rpcCall<RawHeader | null>(provider, 'eth_getBlockByNumber', [toQuantity(blockNumber), false]);
  return block ? headerOf(block) : null;
}

/** The headers of the given blocks, read in JSON-RPC batches; a block the node does not have is an error. */
export async function readHeaders(provider: JsonRpcProvider, blockNumbers: readonly bigint[]): Promise<Map<bigint, BlockHeader>> {
  const headers = new Map<bigint, BlockHeader>();
  for (let start = 0; start < blockNumbers.length; start += MAX_HEADERS_PER_BATCH) {
    const chunk = blockNumbers.slice(start, start + MAX_HEADERS_PER_BATCH);
    const replies = await rpcBatch<RawHeader | null>(
      provider,
      chunk.map((blockNumber, index) => ({ jsonrpc: '2.0', id: index, method: 'eth_getBlockByNumber', params: [toQuantity(blockNumber), false] })),
    );
    if (!Array.isArray(replies)) throw new Error(`the node answered a batch of ${chunk.length} header reads with ${JSON.stringify(replies).slice(0, 200)}`);
    for (const reply of replies) {
      const blockNumber = chunk[reply.id];
      if (blockNumber === undefined) throw new Error(`the node answered an unknown request id ${String(reply.id)}`);
      if (!reply.result) throw new Error(`block ${blockNumber} is not available${reply.error?.message ? `: ${reply.error.message}` : ''}`);
      headers.set(blockNumber, headerOf(reply.result));
    }
    for (const blockNumber of chunk) if (!headers.has(blockNumber)) throw new Error(`the node did not answer for block ${blockNumber}`);
  }
  return headers;
}

interface RawHeader {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
}

function headerOf(block: RawHeader): BlockHeader {
  return { number: BigInt(block.number), hash: block.hash, parentHash: block.parentHash, timestamp: BigInt(block.timestamp) };
}
