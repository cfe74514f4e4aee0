// The ranges of blocks the projector applies, each read with raw eth_getLogs calls (a long range in
// parallel parts) and decoded into the service's events. Sized by their logs: the first range is
// maxBlockRange blocks, each next one is sized from the last one's density of logs (growing at most
// fourfold a read, up to catchUpBlockRange far behind the head), so a step writes about
// TARGET_EVENTS_PER_STEP events however dense the chain; a read that brings far more (a dense
// stretch after a quiet one) is applied in several steps, cut at block boundaries. Read ahead:
// while a step writes its range, the next one is read and decoded (the node, this process and
// Postgres work at once). The parts of a long read are applied as they are decoded: a step waits
// for MIN_EVENTS_TO_START events of its read, then takes every part decoded by then (up to the
// target), while the others are still being read; at most one read is ahead of the step's.
// One large transaction beats several small ones here: each commit lets the event publisher start
// on the committed events, and its updates compete with the next step's writes.
import type { JsonRpcProvider } from 'ethers';
import type { ContractName } from '../contracts.js';
import { LogDecoder } from './log-decoder.js';
import type { ChainEvent } from './projection.js';
import { readHeaders, readLogs, type RawLog } from './range-reader.js';

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
/**
 * Events a step of a long read waits for (the read's parts decoded in order) before it starts
 * writing: fewer would leave the database idle while this process decodes the other parts.
 */
const MIN_EVENTS_TO_START = 5_000;
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
  /** Events a step aims at (TARGET_EVENTS_PER_STEP) and waits for first (MIN_EVENTS_TO_START); smaller in tests. */
  eventsPerStep?: { target: number; toStart: number };
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
  /** Parts of ranges read (or being read) ahead, in chain order; `done` once decoded. */
  private ahead: AheadPart[] = [];
  /** Reads started (their ids). */
  private reads = 0;
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
   * The next blocks to apply from `from` (≤ head): read ahead if they were, else read now; with
   * them, the parts after them already decoded, up to the target. The following blocks start being
   * read before this returns. `withParent`: read block `from`'s parent hash.
   */
  async next(from: bigint, head: bigint, withParent: boolean): Promise<RangeRead> {
    if (this.ahead[0]?.from !== from) this.ahead = this.read(from, this.rangeEnd(from, head), withParent);
    const first = this.ahead[0];
    let range: DecodedRange;
    try {
      range = await first.read;
    } catch (error) {
      this.ahead = [];
      throw error;
    }
    if (this.ahead[0] !== first) throw new Error('the range feed was reset while a step waited for its read');
    this.ahead.shift();
    const { target, toStart } = this.options.eventsPerStep ?? { target: TARGET_EVENTS_PER_STEP, toStart: MIN_EVENTS_TO_START };
    const parts = [range];
    let events = range.events.length;
    /** The read of the last part taken. */
    let readId = first.readId;
    while (this.ahead.length > 0) {
      const next = this.ahead[0];
      // A part of the same read still coming: waited for while this step has too little to write
      // for the database to be busy while the rest is decoded (a failed part fails the step that
      // starts with it, not this one).
      if (!next.done && next.readId === first.readId && events < toStart) {
        await next.read.catch(() => undefined);
        if (this.ahead[0] !== next) throw new Error('the range feed was reset while a step waited for its read');
      }
      const part = next.done;
      if (!part || !follows(parts[parts.length - 1], part) || events + part.events.length > target) break;
      parts.push(part);
      events += part.events.length;
      readId = next.readId;
      this.ahead.shift();
    }
    const [now, later] = cutRange(parts.length === 1 ? range : joinRanges(parts), target);
    if (later) this.ahead.unshift(settledPart(later, readId));
    // The next read starts once this step takes from the newest one: at most one read ahead of it.
    const last = this.ahead.length > 0 ? this.ahead[this.ahead.length - 1].to : now.to;
    if (last < head && this.ahead.every((part) => part.readId === readId)) this.ahead.push(...this.read(last + 1n, this.rangeEnd(last + 1n, head), true));
    return now;
  }

  /** The last block of a read from `from`: the sized range, capped by maxBlockRange near the head and catchUpBlockRange far behind. */
  private rangeEnd(from: bigint, head: bigint): bigint {
    const behind = head - from + 1n;
    const cap = behind > BigInt(this.options.maxBlockRange) ? Math.max(this.options.maxBlockRange, this.options.catchUpBlockRange) : this.options.maxBlockRange;
    const range = BigInt(Math.min(cap, this.blockRange));
    return behind > range ? from + range - 1n : head;
  }

  /**
   * Starts reading blocks [from, to] in parts, each an eth_getLogs call decoded as it arrives, with
   * one batch of headers for the hashes where parts end (and block `from`'s parent, with
   * `withParent`). A failure shows when the step that needs the part awaits it.
   */
  private read(from: bigint, to: bigint, withParent: boolean): AheadPart[] {
    const blocks = Number(to - from + 1n);
    const spans = splitBlocks(from, to, READ_PARTS, MIN_BLOCKS_PER_PART);
    const headers = readHeaders(this.provider, [...(withParent ? [from] : []), ...spans.map(([, partTo]) => partTo)]);
    const logs = spans.map(async ([partFrom, partTo]) => {
      const raw = await readLogs(this.provider, this.addresses, partFrom, partTo);
      return { logs: raw.length, ...(await this.decode(raw)) };
    });
    // The next read's size, from this one's density, once every part has come (a failed part: fewer blocks next time).
    Promise.all(logs).then(
      (parts) => {
        this.blockRange = nextBlockRange(this.blockRange, blocks, parts.reduce((sum, part) => sum + part.logs, 0), Math.max(this.options.maxBlockRange, this.options.catchUpBlockRange));
      },
      // A node may cap the blocks or logs of one eth_getLogs call: ask for fewer next time.
      () => {
        this.blockRange = Math.max(1, Math.floor(blocks / 2));
      },
    );
    headers.catch(() => undefined); // awaited by the parts below
    const readId = (this.reads += 1);
    return spans.map(([partFrom, partTo], index) => {
      const part: AheadPart = {
        readId,
        from: partFrom,
        to: partTo,
        // readHeaders has every block asked for, or fails.
        read: Promise.all([logs[index], headers]).then(([{ events, blockHashes }, known]) => {
          // The first part's parent: block `from`'s (when asked for); a later part's: the part before it's last block.
          const parent = index === 0 ? (withParent ? known.get(from)!.parentHash : null) : known.get(spans[index - 1][1])!.hash;
          const range: DecodedRange = { from: partFrom, to: partTo, events, toHash: known.get(partTo)!.hash, parentHash: parent, blockHashes };
          part.done = range;
          return range;
        }),
      };
      part.read.catch(() => undefined); // a failure shows when the step that needs it awaits it
      return part;
    });
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

/** A part of a range read ahead: its blocks, its read, and the range once decoded. */
interface AheadPart {
  /** The read the part belongs to. */
  readId: number;
  from: bigint;
  to: bigint;
  read: Promise<DecodedRange>;
  done?: DecodedRange;
}

function settledPart(range: DecodedRange, readId: number): AheadPart {
  return { readId, from: range.from, to: range.to, read: Promise.resolve(range), done: range };
}

/**
 * Whether `second` continues the chain from `first`'s last block: always for parts of one read (one
 * batch of headers); not for a part of a later read after a reorg, which then comes as a step of
 * its own (whose parent hash the projector checks).
 */
export function follows(first: DecodedRange, second: DecodedRange): boolean {
  return second.from === first.to + 1n && second.parentHash === first.toHash;
}

/** Consecutive ranges (each follows the one before it) as one. */
export function joinRanges(ranges: readonly DecodedRange[]): DecodedRange {
  const first = ranges[0];
  const last = ranges[ranges.length - 1];
  return {
    from: first.from,
    to: last.to,
    events: ranges.flatMap((range) => range.events),
    toHash: last.toHash,
    parentHash: first.parentHash,
    blockHashes: new Map(ranges.flatMap((range) => [...range.blockHashes])),
  };
}
