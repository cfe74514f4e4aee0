// A raw JSON-RPC transport for the calls whose requests or answers are large — logs, a batch
// transaction, a batch's receipt with a log per item: through Node's http module, not ethers'
// transport, which encodes each request and decodes each answer with JavaScript UTF-8 code (and,
// for a busy range of logs, copies the body again for every chunk received) — seconds for 20,000
// logs, where the call itself takes a few hundred milliseconds. (Not fetch either: its first call
// in a process loads undici, about 60 ms here, inside the first step of a rebuild.) The node's URL,
// headers and timeout are the provider's.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { JsonRpcProvider } from 'ethers';

export interface JsonRpcReply<T> {
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

/** One JSON-RPC call; a JSON-RPC error is thrown as `<method> failed: <the node's message>`. */
export async function rpcCall<T>(provider: JsonRpcProvider, method: string, params: unknown[]): Promise<T> {
  const reply = await post<JsonRpcReply<T>>(provider, { jsonrpc: '2.0', id: 1, method, params });
  if (reply.error) throw new Error(`${method} failed: ${reply.error.message ?? JSON.stringify(reply.error)}`);
  return reply.result as T;
}

/** A JSON-RPC batch of `eth_*` calls (ids are their indexes); the replies, in whatever order the node gives. */
export function rpcBatch<T>(provider: JsonRpcProvider, calls: Array<{ jsonrpc: '2.0'; id: number; method: string; params: unknown[] }>): Promise<Array<JsonRpcReply<T>>> {
  return post<Array<JsonRpcReply<T>>>(provider, calls);
}
