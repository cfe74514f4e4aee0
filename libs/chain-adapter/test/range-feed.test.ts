// The range feed against a node that answers over HTTP as a node does (a small JSON-RPC server with
// a made-up chain of CreditLedger logs): steps cover the chain in order, each continuing the one
// before it, with every event once; the feed reads at most one read ahead of the step it serves;
// a part whose call fails fails the step that starts with it, the parts before it are still
// applied, and the next attempt reads it again.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JsonRpcProvider, toBeHex, toQuantity } from 'ethers';
import { interfaceOf } from '../src/contracts.js';
import { RangeFeed, type RangeRead } from '../src/projector/range-feed.js';

const HEAD = 640n;
/** Blocks per read (near the head and far behind alike): two parts of 32 blocks each. */
const BLOCKS_PER_READ = 64;
const ledger = interfaceOf('CreditLedger');
const address = '0x00000000000000000000000000000000000000c1';
const fragment = ledger.getEvent('BillStatusChanged')!;
const hashOf = (block: bigint) => toBeHex(block + 0x1000n, 32);
/** Logs per block: 0 to 3, so parts differ in size. */
const logsIn = (block: bigint) => Number(block % 4n);

let server: Server;
let provider: JsonRpcProvider;
/** eth_getLogs calls asked for: their last block. */
const asked: bigint[] = [];
/** A range whose first eth_getLogs call answers 500. */
let failOnce: { from: bigint } | undefined;

function logsOf(from: bigint, to: bigint): unknown[] {
  const logs: unknown[] = [];
  for (let block = from; block <= to; block += 1n) {
    for (let index = 0; index < logsIn(block); index += 1) {
      const billId = toBeHex(block * 10n + BigInt(index), 32);
      const log = ledger.encodeEventLog(fragment, [billId, hashOf(0n), 1, hashOf(1n), block, BigInt(index)]);
      logs.push({
        address,
        topics: log.topics,
        data: log.data,
        blockNumber: toQuantity(block),
        blockHash: hashOf(block),
        blockTimestamp: toQuantity(1_767_000_000n + block),
        transactionHash: hashOf(block * 7n),
        transactionIndex: '0x0',
        logIndex: toQuantity(index),
        removed: false,
      });
    }
  }
  return logs;
}

function answer(call: { id: number; method: string; params: unknown[] }): unknown {
  if (call.method === 'eth_chainId') return { jsonrpc: '2.0', id: call.id, result: '0x7a69' };
  if (call.method === 'eth_getBlockByNumber') {
    const block = BigInt(call.params[0] as string);
    return { jsonrpc: '2.0', id: call.id, result: { number: toQuantity(block), hash: hashOf(block), parentHash: hashOf(block - 1n), timestamp: toQuantity(1_767_000_000n + block) } };
  }
  if (call.method === 'eth_getLogs') {
    const { fromBlock, toBlock } = call.params[0] as { fromBlock: string; toBlock: string };
    return { jsonrpc: '2.0', id: call.id, result: logsOf(BigInt(fromBlock), BigInt(toBlock)) };
  }
  return { jsonrpc: '2.0', id: call.id, error: { code: -32601, message: `no ${call.method}` } };
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number; method: string; params: unknown[] } | Array<{ id: number; method: string; params: unknown[] }>;
      if (!Array.isArray(body) && body.method === 'eth_getLogs') {
        const { fromBlock, toBlock } = body.params[0] as { fromBlock: string; toBlock: string };
        asked.push(BigInt(toBlock));
        if (failOnce && BigInt(fromBlock) === failOnce.from) {
          failOnce = undefined;
          response.writeHead(500).end();
          return;
        }
      }
      // Answers come a little later, as a node's would.
      setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Array.isArray(body) ? body.map(answer) : answer(body))), 5);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider = new JsonRpcProvider(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 31337, { staticNetwork: true });
});

afterAll(async () => {
  provider?.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

/**
 * A feed of reads of two parts (32 blocks, about 48 events each) whose steps aim at 40 events: a
 * step takes one part (two would pass the target), so a read is still being applied when the step
 * after its first part returns.
 */
function aFeed(toStart = 10): RangeFeed {
  return new RangeFeed(provider, {
    chainId: 31337n,
    contracts: [{ name: 'CreditLedger', address }],
    wants: () => true,
    maxBlockRange: BLOCKS_PER_READ,
    catchUpBlockRange: BLOCKS_PER_READ,
    eventsPerStep: { target: 40, toStart },
  });
}

/** Events of blocks [from, to] as the feed should give them: block, log index. */
function expected(from: bigint, to: bigint): string[] {
  const events: string[] = [];
  for (let block = from; block <= to; block += 1n) for (let index = 0; index < logsIn(block); index += 1) events.push(`${block}:${index}`);
  return events;
}

const positions = (read: RangeRead) => read.events.map((event) => `${event.proof.blockNumber}:${event.proof.logIndex}`);

it('covers the chain in steps that continue each other, every event once, reading at most one read ahead', async () => {
  asked.length = 0;
  const feed = aFeed();
  const steps: RangeRead[] = [];
  let from = 1n;
  while (from <= HEAD) {
    const step = await feed.next(from, HEAD, from > 1n);
    // Asked for: at most the rest of this step's read and the one read ahead of it.
    expect(asked.every((last) => last <= step.to + BigInt(2 * BLOCKS_PER_READ))).toBe(true);
    steps.push(step);
    from = step.to + 1n;
  }
  expect(steps[0].from).toBe(1n);
  expect(steps[steps.length - 1].to).toBe(HEAD);
  for (let index = 1; index < steps.length; index += 1) {
    expect(steps[index].from).toBe(steps[index - 1].to + 1n);
    expect(steps[index].parentHash).toBe(steps[index - 1].toHash);
  }
  for (const step of steps) expect(step.toHash).toBe(hashOf(step.to));
  expect(steps.flatMap(positions)).toEqual(expected(1n, HEAD));
  // Each block was asked for once.
  expect(asked.length).toBe(Number(HEAD) / 32);
});

it('applies the parts before a failed one, fails the step that starts with it, and reads it again', async () => {
  asked.length = 0;
  // Steps wait for 100 events: the first (48 in its part) waits for the second part, which fails once.
  const feed = aFeed(100);
  failOnce = { from: 33n };
  const first = await feed.next(1n, HEAD, false);
  expect({ from: first.from, to: first.to }).toEqual({ from: 1n, to: 32n });
  expect(positions(first)).toEqual(expected(1n, 32n));
  await expect(feed.next(33n, HEAD, true)).rejects.toThrow();
  const again = await feed.next(33n, HEAD, true);
  expect(again.from).toBe(33n);
  expect(again.parentHash).toBe(first.toHash);
  expect(positions(again)).toEqual(expected(33n, again.to));
});
