// Decodes contract logs into event names and arguments. ethers' Interface.parseLog builds readers,
// Results and copies per log (about 7,000 logs/s here); events whose inputs are all static types
// (the payment path's, among others) are decoded instead by a plan made once per event from the
// ABI: indexed arguments from their topic, the others from their 32-byte word of the data. The
// values are exactly those parseLog gives (bigint integers, checksummed addresses, lower-case hex
// bytes); events with dynamic inputs (bytes, string, arrays, tuples), and any log a plan cannot
// read exactly as ethers would, go through parseLog.
import { getAddress, type EventFragment, type Interface, type ParamType } from 'ethers';
import { interfaceOf, type ContractName } from '../contracts.js';

/** An event's name and its arguments by name (integers stay bigint). */
export interface DecodedLog {
  name: string;
  args: Record<string, unknown>;
}

/** Reads one argument from a 32-byte word (64 hex digits, no 0x); NOT_PLAIN when ethers would not give a plain value. */
type WordReader = (word: string) => unknown;

const NOT_PLAIN = Symbol('NOT_PLAIN');
const WORD_HEX_DIGITS = 64;
/** Checksummed addresses kept, so each distinct address is hashed once (bounded: cleared when full). */
const MAX_CACHED_ADDRESSES = 100_000;
const checksummed = new Map<string, string>();

interface ArgumentPlan {
  name: string;
  /** Topic index (1-based) for indexed arguments, else the word index in the data. */
  indexed: boolean;
  position: number;
  read: WordReader;
}

/** How to read one event without ethers' generic coder; undefined for events with dynamic inputs. */
export interface PlainEventDecoder {
  readonly name: string;
  readonly topicCount: number;
  readonly dataWords: number;
  readonly argumentsInOrder: readonly ArgumentPlan[];
}

function readerOf(param: ParamType): WordReader | undefined {
  const type = param.type;
  if (type === 'address') {
    return (word) => {
      // A word with bits above the 20 bytes is an error value in ethers' Result, not an address.
      for (let index = 0; index < 24; index += 1) if (word.charCodeAt(index) !== 48) return NOT_PLAIN;
      const lower = `0x${word.slice(24).toLowerCase()}`;
      let address = checksummed.get(lower);
      if (address === undefined) {
        if (checksummed.size >= MAX_CACHED_ADDRESSES) checksummed.clear();
        address = getAddress(lower);
        checksummed.set(lower, address);
      }
      return address;
    };
  }
  if (type === 'bool') return (word) => /[^0]/.test(word);
  const unsigned = /^uint(\d+)$/.exec(type);
  if (unsigned) {
    // ethers masks the word to the type's width.
    const digits = Number(unsigned[1]) / 4;
    return (word) => BigInt(`0x${word.slice(WORD_HEX_DIGITS - digits)}`);
  }
  const signed = /^int(\d+)$/.exec(type);
  if (signed) {
    const bits = BigInt(signed[1]);
    const digits = Number(signed[1]) / 4;
    const half = 1n << (bits - 1n);
    const range = 1n << bits;
    return (word) => {
      const value = BigInt(`0x${word.slice(WORD_HEX_DIGITS - digits)}`);
      return value >= half ? value - range : value;
    };
  }
  const fixedBytes = /^bytes(\d+)$/.exec(type);
  if (fixedBytes) {
    const digits = Number(fixedBytes[1]) * 2;
    return (word) => `0x${word.slice(0, digits).toLowerCase()}`;
  }
  return undefined;
}

/** The plan for an event whose inputs are all static; undefined otherwise. */
export function plainDecoderOf(fragment: EventFragment): PlainEventDecoder | undefined {
  if (fragment.anonymous) return undefined;
  const argumentsInOrder: ArgumentPlan[] = [];
  let topic = 1;
  let word = 0;
  for (const input of fragment.inputs) {
    const read = readerOf(input);
    if (!read) return undefined;
    argumentsInOrder.push({ name: input.name, indexed: input.indexed === true, position: input.indexed ? topic++ : word++, read });
  }
  return { name: fragment.name, topicCount: topic, dataWords: word, argumentsInOrder };
}

/** Decodes with a plan; undefined where the log does not fit it (parseLog then decides). */
export function decodePlain(decoder: PlainEventDecoder, topics: readonly string[], data: string): DecodedLog | undefined {
  if (topics.length < decoder.topicCount) return undefined;
  const dataStart = data.startsWith('0x') || data.startsWith('0X') ? 2 : 0;
  if (data.length - dataStart < decoder.dataWords * WORD_HEX_DIGITS) return undefined;
  const args: Record<string, unknown> = {};
  for (const plan of decoder.argumentsInOrder) {
    let word: string;
    if (plan.indexed) {
      const topic = topics[plan.position];
      if (topic.length !== WORD_HEX_DIGITS + 2) return undefined;
      word = topic.slice(2);
    } else {
      const start = dataStart + plan.position * WORD_HEX_DIGITS;
      word = data.slice(start, start + WORD_HEX_DIGITS);
    }
    if (!/^[0-9a-fA-F]{64}$/.test(word)) return undefined;
    const value = plan.read(word);
    if (value === NOT_PLAIN) return undefined;
    args[plan.name] = value;
  }
  return { name: decoder.name, args };
}

/** Decodes one contract's logs by topic: plain plans where they apply, parseLog otherwise. */
export class LogDecoder {
  private readonly plans = new Map<string, PlainEventDecoder | null>();

  constructor(private readonly contractInterface: Interface) {
    contractInterface.forEachEvent((fragment) => {
      this.plans.set(fragment.topicHash, plainDecoderOf(fragment) ?? null);
    });
  }

  static of(contract: ContractName): LogDecoder {
    let found = decoders.get(contract);
    if (!found) {
      found = new LogDecoder(interfaceOf(contract));
      decoders.set(contract, found);
    }
    return found;
  }

  /** The event of a log, or null for a topic this contract does not declare (as parseLog). */
  decode(topics: readonly string[], data: string): DecodedLog | null {
    const plan = topics.length > 0 ? this.plans.get(topics[0].toLowerCase()) : undefined;
    if (plan) {
      const decoded = decodePlain(plan, topics, data);
      if (decoded) return decoded;
    }
    return this.parse(topics, data);
  }

  /** ethers' generic path, for dynamic inputs and logs a plan does not fit. */
  parse(topics: readonly string[], data: string): DecodedLog | null {
    const parsed = this.contractInterface.parseLog({ topics: [...topics], data });
    if (!parsed) return null;
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((input, index) => {
      args[input.name] = parsed.args[index];
    });
    return { name: parsed.name, args };
  }

  /** The plain plan of an event topic, if its inputs are all static. */
  planOf(topicHash: string): PlainEventDecoder | undefined {
    return this.plans.get(topicHash.toLowerCase()) ?? undefined;
  }
}

const decoders = new Map<ContractName, LogDecoder>();
