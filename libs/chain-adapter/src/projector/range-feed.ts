// The ranges of blocks the projector applies, each read with raw eth_getLogs calls (a long range in
// parallel parts) and decoded into the service's events. Sized by their logs: the first range is
// maxBlockRange blocks, each next one is sized from the last one's density of logs (growing at most
// fourfold a read, up to catchUpBlockRange far behind the head), so a step writes about
// TARGET_EVENTS_PER_STEP events however dense the chain; a read that brings far more (a dense
// stretch after a quiet one) is applied in several steps, cut at block boundaries. Read ahead:
// while a step writes its range, the next one is read and decoded (the node, this process and
// Postgres work at once).
// One large transaction beats several small ones here: each commit lets the event publisher start
// on the committed events, and its updates compete with the next step's writes.
import type { JsonRpcProvider } from 'ethers';
import type { ContractName } from '../contracts.js';
import { LogDecoder } from './log-decoder.js';
import type { ChainEvent } from './projection.js';
import { readHeader, readHeaders, readLogs, type RawLog } from './range-reader.js';

/**
 * Events a step aims to write: ranges are sized for it, and a read bringing more than twice as many
 * is applied in parts of about this size (memory and transaction size stay bounded).
 */
export const TARGET_EVENTS_PER_STEP = 20_000;

/**
 * A long read is split into this many eth_getLogs calls over equal parts of its blocks, in flight
 * together: each part is parsed and decoded as it arrives, while the node is still answering the
 * others (one call for 25,000 logs is about a second of the node's work and a second of ours).
 * anvil answers them on several threads: a bench chain's 49,820 logs came in 1.25 s as four calls
 * and in 0.59 s as sixteen.
 */
const READ_PARTS = 16;
/** Blocks a part covers at least (shorter reads stay one call). */
const MIN_BLOCKS_PER_PART = 32;

export interface RangeFeedOptions {
  chainId: bigint;
  contracts: ReadonlyArray<{ name: ContractName; address: string }>;
  /** Whether the service needs a log of this contract and topic (others are not decoded). */
  wants(contract: ContractName, topic: string): boolean;
  /** Most blocks per read near the head. */
  maxBlockRange: number;
  /** Most blocks per read while more than maxBlockRange behind; at least maxBlockRange. */
  catchUpBlockRange: number;
}

/** Blocks [from, to] as a step applies them. */
export interface RangeRead {
  from: bigint;
  to: bigint;
  /** The service's events in chain order. */
  events: ChainEvent[];
  /** The hash of block `to` (the cursor's). */
  toHash: string;
  /** The hash block `from` names as its parent (the cursor's, unless the chain changed); null when not read. */
  parentHash: string | null;
}

export interface DecodedRange extends RangeRead {
  /** Hashes of the blocks with events, by decimal number (where a read is cut). */
  blockHashes: Map<string, string>;
}

export class RangeFeed {
  /** Blocks of the next read: from the density of the last one. */
  private blockRange: number;
  /** Ranges read (or being read) ahead, in chain order. */
  private ahead: Array<{ from: bigint; to: bigint; read: Promise<DecodedRange> }> = [];
  private readonly contractOf: Map<string, ContractName>;
  private readonly addresses: string[];

  constructor(
    private readonly provider: JsonRpcProvider,
    private readonly options: RangeFeedOptions,
  ) {
    this.contractOf = new Map(options.contracts.map(({ name, address }) => [address.toLowerCase(), name]));
    this.addresses = options.contracts.map(({ address }) => address);
    this.blockRange = options.maxBlockRange;
  }

  /** Forgets what was read ahead (the cursor moved back: a rebuild). */
  reset(): void {
    this.ahead = [];
  }

  /**
   * The next blocks to apply from `from` (≤ head): read ahead if they were, else read now. The
   * following blocks start being read before this returns. `withParent`: read block `from`'s parent hash.
   */
  async next(from: bigint, head: bigint, withParent: boolean): Promise<RangeRead> {
    const ahead = this.ahead[0]?.from === from ? this.ahead.shift()! : undefined;
    if (!ahead) this.ahead = [];
    let range: DecodedRange;
    try {
      range = await (ahead ? ahead.read : this.read(from, this.rangeEnd(from, head), withParent));
    } catch (error) {
      this.ahead = [];
      throw error;
    }
    const [now, later] = cutRange(range, TARGET_EVENTS_PER_STEP);
    if (later) this.ahead.unshift({ from: later.from, to: later.to, read: Promise.resolve(later) });
    const last = this.ahead.length > 0 ? this.ahead[this.ahead.length - 1].to : now.to;
    if (last < head) {
      const to = this.rangeEnd(last + 1n, head);
      const read = this.read(last + 1n, to, true);
      read.catch(() => undefined); // a failure shows when the step that needs it awaits it
      this.ahead.push({ from: last + 1n, to, read });
    }
    return now;
  }

  /** The last block of a read from `from`: the sized range, capped by maxBlockRange near the head and catchUpBlockRange far behind. */
  private rangeEnd(from: bigint, head: bigint): bigint {
    const behind = head - from + 1n;
    const cap = behind > BigInt(this.options.maxBlockRange) ? Math.max(this.options.maxBlockRange, this.options.catchUpBlockRange) : this.options.maxBlockRange;
    const range = BigInt(Math.min(cap, this.blockRange));
    return behind > range ? from + range - 1n : head;
  }

  private async read(from: bigint, to: bigint, withParent: boolean): Promise<DecodedRange> {
    const blocks = Number(to - from + 1n);
    let parts: Array<{ logs: number; events: ChainEvent[]; blockHashes: Map<string, string> }>;
    let toHeader: Awaited<ReturnType<typeof readHeader>>;
    let fromHeader: Awaited<ReturnType<typeof readHeader>>;
    try {
      [parts, toHeader, fromHeader] = await Promise.all([
        Promise.all(
          splitBlocks(from, to, READ_PARTS, MIN_BLOCKS_PER_PART).map(async ([partFrom, partTo]) => {
            const logs = await readLogs(this.provider, this.addresses, partFrom, partTo);
            return { logs: logs.length, ...(await this.decode(logs)) };
          }),
        ),
        readHeader(this.provider, to),
        withParent ? readHeader(this.provider, from) : Promise.resolve(null),
      ]);
    } catch (error) {
      // A node may cap the blocks or logs of one eth_getLogs call: ask for fewer next time.
      this.blockRange = Math.max(1, Math.floor(blocks / 2));
      throw error;
    }
    if (!toHeader) throw new Error(`block ${to} is not available`);
    if (withParent && !fromHeader) throw new Error(`block ${from} is not available`);
    const logs = parts.reduce((sum, part) => sum + part.logs, 0);
    this.blockRange = nextBlockRange(this.blockRange, blocks, logs, Math.max(this.options.maxBlockRange, this.options.catchUpBlockRange));
    const events = parts.length === 1 ? parts[0].events : parts.flatMap((part) => part.events);
    const blockHashes = parts.length === 1 ? parts[0].blockHashes : new Map(parts.flatMap((part) => [...part.blockHashes]));
    return { from, to, events, toHash: toHeader.hash, parentHash: fromHeader?.parentHash ?? null, blockHashes };
  }

  /**
   * The events the service needs from the logs. Block timestamps come with the logs where the node
   * includes them (anvil, geth); the others are read once per distinct block, in batches.
   */
  private async decode(logs: RawLog[]): Promise<{ events: ChainEvent[]; blockHashes: Map<string, string> }> {
    const wanted: Array<{ log: RawLog; contract: ContractName }> = [];
    for (const log of logs) {
      const contract = this.contractOf.get(log.address.toLowerCase());
      if (contract !== undefined && log.topics.length > 0 && this.options.wants(contract, log.topics[0].toLowerCase())) wanted.push({ log, contract });
    }
    const blocks = await this.blocksOf(wanted.map(({ log }) => log));
    const chainId = this.options.chainId.toString();
    const events: ChainEvent[] = [];
    const blockHashes = new Map<string, string>();
    for (const { log, contract } of wanted) {
      const decoded = LogDecoder.of(contract).decode(log.topics, log.data);
      if (!decoded) continue;
      const block = blocks.get(log.blockNumber)!;
      blockHashes.set(block.number, log.blockHash);
      events.push({
        contract,
        name: decoded.name,
        args: decoded.args,
        proof: { chainId, blockNumber: block.number, txHash: log.transactionHash, logIndex: Number(log.logIndex) },
        blockTimestamp: block.timestamp,
      });
    }
    return { events, blockHashes };
  }

  /** Per block of the logs (by the node's hex number): its number in decimal and its timestamp. */
  private async blocksOf(logs: RawLog[]): Promise<Map<string, { number: string; timestamp: bigint }>> {
    const blocks = new Map<string, { number: string; timestamp: bigint }>();
    const missing = new Map<bigint, { number: string; timestamp: bigint }>();
    for (const log of logs) {
      let block = blocks.get(log.blockNumber);
      if (!block) {
        const number = BigInt(log.blockNumber);
        block = { number: number.toString(), timestamp: -1n };
        blocks.set(log.blockNumber, block);
        missing.set(number, block);
      }
      if (block.timestamp < 0n && log.blockTimestamp !== undefined && log.blockTimestamp !== null) {
        block.timestamp = BigInt(log.blockTimestamp);
        missing.delete(BigInt(log.blockNumber));
      }
    }
    if (missing.size > 0) {
      for (const [number, header] of await readHeaders(this.provider, [...missing.keys()])) missing.get(number)!.timestamp = header.timestamp;
    }
    return blocks;
  }
}

/** [from, to] in at most `parts` consecutive ranges of equal blocks, none shorter than `minBlocks` (or one range). */
export function splitBlocks(from: bigint, to: bigint, parts: number, minBlocks: number): Array<[bigint, bigint]> {
  const blocks = to - from + 1n;
  const count = BigInt(Math.max(1, Math.min(parts, Math.floor(Number(blocks) / minBlocks))));
  const size = (blocks + count - 1n) / count;
  const ranges: Array<[bigint, bigint]> = [];
  for (let start = from; start <= to; start += size) ranges.push([start, start + size - 1n > to ? to : start + size - 1n]);
  return ranges;
}

/**
 * Blocks of the next read after one of `blocks` blocks brought `logs` logs: as many as would have
 * brought the target at that density, growing at most fourfold (a short read near the head does not
 * shrink the range unless it was dense), between 1 and `most`.
 */
export function nextBlockRange(current: number, blocks: number, logs: number, most: number): number {
  const fitting = logs === 0 ? Number.POSITIVE_INFINITY : Math.floor((blocks * TARGET_EVENTS_PER_STEP) / logs);
  return Math.max(1, Math.min(fitting, Math.max(current, blocks * 4), most));
}

/**
 * A range with more than twice `target` events, cut after the block in which the target is reached
 * (a block is never split; no cut leaving less than a tenth): the part to apply now and the rest,
 * or the whole range and nothing.
 */
export function cutRange(range: DecodedRange, target: number): [RangeRead, DecodedRange | undefined] {
  const { events } = range;
  if (events.length <= target * 2) return [range, undefined];
  const lastBlock = events[target - 1].proof.blockNumber;
  let end = target;
  while (end < events.length && events[end].proof.blockNumber === lastBlock) end += 1;
  if (end >= events.length * 0.9) return [range, undefined];
  const toHash = range.blockHashes.get(lastBlock)!;
  const now: RangeRead = { from: range.from, to: BigInt(lastBlock), events: events.slice(0, end), toHash, parentHash: range.parentHash };
  const later: DecodedRange = { from: BigInt(lastBlock) + 1n, to: range.to, events: events.slice(end), toHash: range.toHash, parentHash: toHash, blockHashes: range.blockHashes };
  return [now, later];
}
