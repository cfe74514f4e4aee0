import type { ChainEvent } from './projection.js';
import { TARGET_EVENTS_PER_STEP, cutRange, follows, joinRanges, nextBlockRange, splitBlocks, type DecodedRange } from './range-feed.js';

/** A range of `perBlock[i]` events in block from + i. */
function aRange(from: bigint, perBlock: number[]): DecodedRange {
  const events: ChainEvent[] = [];
  const blockHashes = new Map<string, string>();
  perBlock.forEach((count, offset) => {
    const blockNumber = (from + BigInt(offset)).toString();
    if (count > 0) blockHashes.set(blockNumber, `0xhash${blockNumber}`);
    for (let logIndex = 0; logIndex < count; logIndex += 1) {
      events.push({ contract: 'CreditLedger', name: 'BillRecorded', args: {}, proof: { chainId: '31337', blockNumber, txHash: '0x', logIndex }, blockTimestamp: 0n });
    }
  });
  return { from, to: from + BigInt(perBlock.length) - 1n, events, toHash: '0xto', parentHash: '0xparent', blockHashes };
}

describe('the range feed', () => {
  it('sizes the next read for the target number of events at the last read density', () => {
    const most = 20_000;
    // 100 blocks brought 4 times the target: a quarter of them next time.
    expect(nextBlockRange(100, 100, TARGET_EVENTS_PER_STEP * 4, most)).toBe(25);
    // Quiet blocks: at most fourfold, never above the configured range.
    expect(nextBlockRange(2_000, 2_000, 10, most)).toBe(8_000);
    expect(nextBlockRange(8_000, 8_000, 0, most)).toBe(most);
    // A short read near the head (2 blocks, few logs) keeps the range; a dense one shrinks it.
    expect(nextBlockRange(2_000, 2, 10, most)).toBe(2_000);
    expect(nextBlockRange(2_000, 2, 100, most)).toBe(400);
    expect(nextBlockRange(2_000, 2, TARGET_EVENTS_PER_STEP * 4, most)).toBe(1);
  });

  it('applies a read of at most twice the target at once', () => {
    const range = aRange(10n, [TARGET_EVENTS_PER_STEP, TARGET_EVENTS_PER_STEP]);
    expect(cutRange(range, TARGET_EVENTS_PER_STEP)).toEqual([range, undefined]);
  });

  it('cuts a larger read after the block in which the target is reached, never inside a block', () => {
    const target = 10;
    const range = aRange(100n, [4, 0, 5, 3, 0, 6, 4, 2]); // 24 events in blocks 100..107
    const [now, later] = cutRange(range, target);
    // The 10th event is in block 103: blocks 100..103 now (12 events), 104..107 later.
    expect({ from: now.from, to: now.to, events: now.events.length, toHash: now.toHash, parentHash: now.parentHash }).toEqual({
      from: 100n,
      to: 103n,
      events: 12,
      toHash: '0xhash103',
      parentHash: '0xparent',
    });
    expect({ from: later!.from, to: later!.to, events: later!.events.length, toHash: later!.toHash, parentHash: later!.parentHash }).toEqual({
      from: 104n,
      to: 107n,
      events: 12,
      toHash: '0xto',
      // The rest continues the chain from the part applied first.
      parentHash: '0xhash103',
    });
    expect([...now.events, ...later!.events]).toEqual(range.events);
  });

  it('does not cut off a sliver', () => {
    const range = aRange(1n, [25, 2]); // the target is reached in a block holding nearly all events
    expect(cutRange(range, 10)).toEqual([range, undefined]);
  });
});

describe('parts of a read applied together', () => {
  it('joins a part that continues the chain from the one before it', () => {
    const first = { ...aRange(10n, [3, 0, 2]), toHash: '0xhash12' };
    const second = { ...aRange(13n, [0, 4]), parentHash: '0xhash12', toHash: '0xhash14' };
    expect(follows(first, second)).toBe(true);
    const joined = joinRanges([first, second]);
    expect({ from: joined.from, to: joined.to, toHash: joined.toHash, parentHash: joined.parentHash }).toEqual({ from: 10n, to: 14n, toHash: '0xhash14', parentHash: '0xparent' });
    expect(joined.events).toEqual([...first.events, ...second.events]);
    expect([...joined.blockHashes.keys()]).toEqual(['10', '12', '14']);
  });

  it('does not join a part whose parent is another block (a reorg between two reads) or that leaves a gap', () => {
    const first = { ...aRange(10n, [3]), toHash: '0xhash10' };
    expect(follows(first, { ...aRange(11n, [1]), parentHash: '0xother' })).toBe(false);
    expect(follows(first, { ...aRange(12n, [1]), parentHash: '0xhash10' })).toBe(false);
  });
});

describe('splitBlocks', () => {
  it('splits a long read into equal consecutive parts that cover it exactly', () => {
    expect(splitBlocks(1n, 1000n, 4, 32)).toEqual([
      [1n, 250n],
      [251n, 500n],
      [501n, 750n],
      [751n, 1000n],
    ]);
    // 101 blocks: three parts of at least 32.
    expect(splitBlocks(10n, 110n, 4, 32)).toEqual([
      [10n, 43n],
      [44n, 77n],
      [78n, 110n],
    ]);
  });

  it('keeps a short read whole', () => {
    expect(splitBlocks(5n, 5n, 4, 32)).toEqual([[5n, 5n]]);
    expect(splitBlocks(5n, 67n, 4, 32)).toEqual([[5n, 67n]]);
  });
});
