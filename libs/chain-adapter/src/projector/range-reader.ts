// Reads what the projector needs from a range of blocks in as few round trips as possible: the
// raw logs in one eth_getLogs call and the headers it needs in JSON-RPC batches. These calls go
// through Node's http module, not ethers' transport: on a busy range (megabytes of logs) ethers
// copies the whole body again for every chunk received and decodes it with a JavaScript UTF-8
// decoder, then wraps and re-checks every log — seconds for 20,000 logs, where the call itself
// takes a few hundred milliseconds. (Not fetch either: its first call in a process loads undici,
// about 60 ms here, inside the first step of a rebuild.) The node's URL, headers and timeout are
// the provider's.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { toQuantity, type JsonRpcProvider } from 'ethers';

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

interface JsonRpcReply<T> {
  id: number;
  result?: T;
  error?: { code?: number; message?: string };
}

/** Kept-alive connections, closed after 4 s idle (a node or proxy closing one first would fail the next call on it). */
const agents = { http: new HttpAgent({ keepAlive: true, timeout: 4_000 }), https: new HttpsAgent({ keepAlive: true, timeout: 4_000 }) };

/** One JSON-RPC request (or a batch of them) to the provider's node, answered within the provider's timeout. */
function post<T>(provider: JsonRpcProvider, body: unknown): Promise<T> {
  const connection = provider._getConnection();
  const url = new URL(connection.url);
  const payload = Buffer.from(JSON.stringify(body));
  // The answer is read uncompressed: no accept-encoding.
  const headers: Record<string, string | number> = Object.fromEntries(Object.entries(connection.headers).filter(([name]) => name.toLowerCase() !== 'accept-encoding'));
  headers['content-type'] = 'application/json';
  headers['content-length'] = payload.length;
  const secure = url.protocol === 'https:';
  return new Promise<T>((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)(url, { method: 'POST', headers, agent: secure ? agents.https : agents.http }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) return reject(new Error(`the node at ${connection.url} answered ${status} ${response.statusMessage ?? ''}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    const timer = setTimeout(
      () => request.destroy(Object.assign(new Error(`the node at ${connection.url} did not answer within ${connection.timeout} ms`), { code: 'TIMEOUT' })),
      connection.timeout,
    );
    function fail(error: Error): void {
      clearTimeout(timer);
      reject(error);
    }
    request.on('error', fail);
    request.end(payload);
  });
}

/**
 * One JSON-RPC call to the provider's node through Node's http module (see above): for the calls
 * whose requests or answers are large — logs, a batch transaction, a batch's receipt with a log per
 * item. A JSON-RPC error is thrown as `<method> failed: <the node's message>`.
 */
export async function rpcCall<T>(provider: JsonRpcProvider, method: string, params: unknown[]): Promise<T> {
  const reply = await post<JsonRpcReply<T>>(provider, { jsonrpc: '2.0', id: 1, method, params });
  if (reply.error) throw new Error(`${method} failed: ${reply.error.message ?? JSON.stringify(reply.error)}`);
  return reply.result as T;
}

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
    const replies = await post<Array<JsonRpcReply<RawHeader | null>>>(
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
