import { randomBytes } from 'node:crypto';
import { Transaction, Wallet, getAddress, hexlify, keccak256 } from 'ethers';
import { useFastKeccak, wasmKeccakHashes } from './keccak.js';

describe('useFastKeccak', () => {
  beforeAll(() => useFastKeccak());

  it('is what ethers hashes with once registered', () => {
    const before = wasmKeccakHashes();
    keccak256('0x1337');
    expect(wasmKeccakHashes()).toBe(before + 1);
  });

  it('gives the same hash as ethers\' own keccak for every length around the 136-byte block, and for 60 KB', () => {
    const lengths = [...Array.from({ length: 300 }, (_, length) => length), 60_000, 60_001];
    for (const length of lengths) {
      const data = new Uint8Array(randomBytes(length));
      expect(keccak256(data)).toBe(hexlify(keccak256._(data)));
    }
  });

  it('gives the known hashes of the empty input and of "abc"', () => {
    expect(keccak256('0x')).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(keccak256('0x616263')).toBe('0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
  });

  it('keeps what ethers derives from it: checksummed addresses and a signed transaction that recovers its signer', async () => {
    expect(getAddress('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266')).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    const wallet = Wallet.createRandom();
    const raw = await wallet.signTransaction({ type: 2, chainId: 31337n, nonce: 7, to: wallet.address, gasLimit: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 0n, data: hexlify(randomBytes(60_000)) });
    const parsed = Transaction.from(raw);
    expect(parsed.from).toBe(wallet.address);
    expect(parsed.hash).toBe(hexlify(keccak256._(new Uint8Array(Buffer.from(raw.slice(2), 'hex')))));
  });
});
