// `node dist/scripts/chain-watch.js <rpc url> [interval ms]`: asks the node for its block number every
// 50 ms (or the interval given) and
// writes one JSON line per new block ({"t": epoch ms, "block": n}) and per answer that took more
// than 100 ms ({"t": epoch ms, "slowMs": ms}), until it is stopped. The bench runs it beside its load
// runs, in a process of its own (so that the load generator's own work is not taken for the node's),
// and reports for each run how long the node went without a new block and without answering. Every
// 10 ms, as it first did, it and anvil's answers took about a tenth of a core of the two the
// measured system has; every 50 ms tells a block (one per 200 ms) or a stall just as well.
import { Agent, request } from 'node:http';

const url = process.argv[2];
const intervalMs = Number(process.argv[3] ?? 50);
if (!url || !Number.isFinite(intervalMs) || intervalMs < 1) {
  process.stderr.write('usage: chain-watch <rpc url> [interval ms, default 50]\n');
  process.exit(64);
}
const agent = new Agent({ keepAlive: true });
const body = '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}';

function blockNumber(): Promise<number | undefined> {
  return new Promise((resolve) => {
    const call = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        try {
          resolve(Number.parseInt((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { result: string }).result, 16));
        } catch {
          resolve(undefined);
        }
      });
      response.on('error', () => resolve(undefined));
    });
    call.on('error', () => resolve(undefined));
    call.end(body);
  });
}

let last: number | undefined;
for (;;) {
  const started = performance.now();
  const block = await blockNumber();
  const tookMs = performance.now() - started;
  if (tookMs > 100) process.stdout.write(`${JSON.stringify({ t: Date.now(), slowMs: Math.round(tookMs) })}\n`);
  if (block !== undefined && block !== last) {
    process.stdout.write(`${JSON.stringify({ t: Date.now(), block })}\n`);
    last = block;
  }
  await new Promise((resolveWait) => setTimeout(resolveWait, intervalMs));
}
