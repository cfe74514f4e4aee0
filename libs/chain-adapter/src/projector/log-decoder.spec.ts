import { randomBytes } from 'node:crypto';
import { Interface, getAddress, hexlify, type EventFragment, type ParamType } from 'ethers';
import { contractNames, interfaceOf } from '../contracts.js';
import { LogDecoder, decodePlain, plainDecoderOf } from './log-decoder.js';

const random = (bytes: number) => BigInt(hexlify(randomBytes(bytes)));

/** A value of a static type; `edge` picks the extremes (0, max, min, all-ones bytes). */
function sampleOf(param: ParamType, edge?: 'low' | 'high'): unknown {
  const type = param.type;
  if (type === 'address') return edge === 'low' ? '0x0000000000000000000000000000000000000000' : getAddress(hexlify(randomBytes(20)));
  if (type === 'bool') return edge === 'low' ? false : edge === 'high' ? true : randomBytes(1)[0] % 2 === 0;
  const unsigned = /^uint(\d+)$/.exec(type);
  if (unsigned) {
    const bits = Number(unsigned[1]);
    if (edge === 'low') return 0n;
    if (edge === 'high') return (1n << BigInt(bits)) - 1n;
    return random(bits / 8);
  }
  const signed = /^int(\d+)$/.exec(type);
  if (signed) {
    const bits = BigInt(signed[1]);
    if (edge === 'low') return -(1n << (bits - 1n));
    if (edge === 'high') return (1n << (bits - 1n)) - 1n;
    return random(Number(bits) / 8) - (1n << (bits - 1n));
  }
  const fixedBytes = /^bytes(\d+)$/.exec(type);
  if (fixedBytes) {
    const size = Number(fixedBytes[1]);
    if (edge === 'low') return `0x${'00'.repeat(size)}`;
    if (edge === 'high') return `0x${'ff'.repeat(size)}`;
    return hexlify(randomBytes(size));
  }
  throw new Error(`no sample for ${type}`);
}

/** What the projector got before the plain decoder: parseLog's values by input name. */
function parsedArgs(contractInterface: Interface, log: { topics: string[]; data: string }): Record<string, unknown> {
  const parsed = contractInterface.parseLog(log)!;
  return Object.fromEntries(parsed.fragment.inputs.map((input, index) => [input.name, parsed.args[index]]));
}

function expectSameAsParseLog(contractInterface: Interface, fragment: EventFragment, samples = 8): void {
  const plan = plainDecoderOf(fragment)!;
  const runs: Array<'low' | 'high' | undefined> = ['low', 'high', ...Array.from({ length: samples }, () => undefined)];
  for (const edge of runs) {
    const log = contractInterface.encodeEventLog(fragment, fragment.inputs.map((input) => sampleOf(input, edge)));
    const plain = decodePlain(plan, log.topics, log.data);
    expect({ event: fragment.name, plain }).toEqual({ event: fragment.name, plain: { name: fragment.name, args: parsedArgs(contractInterface, log) } });
    // Upper-case hex from a node decodes to the same values.
    const upper = { topics: log.topics.map((topic) => `0x${topic.slice(2).toUpperCase()}`), data: `0x${log.data.slice(2).toUpperCase()}` };
    expect(decodePlain(plan, upper.topics, upper.data)).toEqual(plain);
  }
}

const isStatic = (input: ParamType) => /^(address|bool|u?int\d+|bytes\d+)$/.test(input.type);

describe('the plain log decoder', () => {
  it('gives the same values as parseLog for every static event of every contract', () => {
    let checked = 0;
    for (const contract of contractNames) {
      const contractInterface = interfaceOf(contract);
      contractInterface.forEachEvent((fragment) => {
        const plan = plainDecoderOf(fragment);
        expect({ contract, event: fragment.name, plain: plan !== undefined }).toEqual({ contract, event: fragment.name, plain: fragment.inputs.every(isStatic) });
        if (!plan) return;
        expectSameAsParseLog(contractInterface, fragment);
        checked += 1;
      });
    }
    // The payment path's events are among them.
    expect(plainDecoderOf(interfaceOf('CreditLedger').getEvent('BillRecorded')!)).toBeDefined();
    expect(checked).toBeGreaterThan(40);
  });

  it('reads every width of integer, signed integers, booleans and short fixed bytes as parseLog does', () => {
    const contractInterface = new Interface([
      'event Widths(int8 indexed small, int256 wide, uint8 tiny, bool flag, bytes3 currency, address indexed holder, int64 delta, uint64 dueAt, bytes1 one, uint24 odd)',
    ]);
    contractInterface.forEachEvent((fragment) => expectSameAsParseLog(contractInterface, fragment, 32));
  });

  it('leaves events with dynamic inputs to parseLog', () => {
    const token = interfaceOf('TallyToken');
    const fragment = token.getEvent('TransferBatch')!;
    expect(plainDecoderOf(fragment)).toBeUndefined();
    const operator = getAddress(hexlify(randomBytes(20)));
    const log = token.encodeEventLog(fragment, [operator, operator, operator, [1n, 2n], [3n, 4n]]);
    expect(LogDecoder.of('TallyToken').decode(log.topics, log.data)).toEqual({ name: 'TransferBatch', args: parsedArgs(token, log) });
  });

  it('falls back to parseLog where a log does not fit the plan: short data, missing topics, dirty words', () => {
    const ledger = interfaceOf('CreditLedger');
    const decoder = LogDecoder.of('CreditLedger');
    const log = ledger.encodeEventLog(ledger.getEvent('BillRecorded')!, [hexlify(randomBytes(32)), hexlify(randomBytes(32)), 12_500n, 1_800_000_000n]);
    expect(decoder.decode(log.topics, log.data)).toEqual({ name: 'BillRecorded', args: parsedArgs(ledger, log) });
    const plan = decoder.planOf(log.topics[0])!;
    expect(decodePlain(plan, log.topics, log.data.slice(0, -2))).toBeUndefined();
    expect(() => decoder.decode(log.topics, log.data.slice(0, -64))).toThrow();
    expect(decodePlain(plan, log.topics.slice(0, 2), log.data)).toBeUndefined();
    expect(() => decoder.decode(log.topics.slice(0, 2), log.data)).toThrow();

    // An address word with bits above its 20 bytes: ethers keeps an error in its place.
    const registry = interfaceOf('AccountRegistry');
    const registered = registry.encodeEventLog(registry.getEvent('AccountRegistered')!, [hexlify(randomBytes(32)), getAddress(hexlify(randomBytes(20))), hexlify(randomBytes(32)), 1n, hexlify(randomBytes(32)), 1n]);
    const dirty = [...registered.topics];
    dirty[2] = `0x01${dirty[2].slice(4)}`;
    expect(decodePlain(LogDecoder.of('AccountRegistry').planOf(dirty[0])!, dirty, registered.data)).toBeUndefined();
    expect(() => LogDecoder.of('AccountRegistry').decode(dirty, registered.data)).toThrow();
  });

  it('returns null for a topic the contract does not declare, as parseLog does', () => {
    expect(LogDecoder.of('Payments').decode([`0x${'ab'.repeat(32)}`], '0x')).toBeNull();
  });
});
