// A JSON-RPC proxy in front of a test's anvil, for tests of how the services live with a slow or
// failing node: each single eth_sendRawTransaction request goes to `onSend`, which can hold it
// before it is forwarded (as anvil holds every request while it mines a block) or answer it with
// a JSON-RPC error without forwarding it (a sending the node never got). Everything else is
// forwarded as it comes. The target is set once the anvil behind it is known.
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

export type SendDecision = { holdMs?: number; fail?: string };

export interface RpcProxy {
  url: string;
  /** The node requests are forwarded to. */
  target: string | undefined;
  /** Decides for each eth_sendRawTransaction, numbered from 1 in order of arrival; forwarded at once by default. */
  onSend: (sending: number) => SendDecision;
  /** eth_sendRawTransaction requests so far, and the most that were unanswered at once. */
  readonly sends: { seen: number; failed: number; mostUnanswered: number };
  close(): Promise<void>;
}

export async function startRpcProxy(): Promise<RpcProxy> {
  let unanswered = 0;
  const proxy: RpcProxy = {
    url: '',
    target: undefined,
    onSend: () => ({}),
    sends: { seen: 0, failed: 0, mostUnanswered: 0 },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const forward = (body: Buffer, response: ServerResponse): Promise<void> =>
    new Promise((done) => {
      const upstream = httpRequest(proxy.target!, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' });
        answer.pipe(response);
        answer.on('end', () => done());
      });
      upstream.on('error', () => {
        response.writeHead(502).end();
        done();
      });
      upstream.end(body);
    });
  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const call = JSON.parse(body.toString('utf8')) as { id?: unknown; method?: string } | unknown[];
      if (Array.isArray(call) || call.method !== 'eth_sendRawTransaction') return void forward(body, response);
      const sending = ++proxy.sends.seen;
      const decision = proxy.onSend(sending);
      unanswered += 1;
      proxy.sends.mostUnanswered = Math.max(proxy.sends.mostUnanswered, unanswered);
      setTimeout(() => {
        const answered = () => {
          unanswered -= 1;
        };
        if (decision.fail !== undefined) {
          proxy.sends.failed += 1;
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, error: { code: -32000, message: decision.fail } }));
          answered();
          return;
        }
        void forward(body, response).then(answered);
      }, decision.holdMs ?? 0);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  proxy.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return proxy;
}
