import { keccak256 } from 'ethers';
// The adapter's entry point, as every service imports it: importing it is what registers the keccak.
import { wasmKeccakHashes } from './index.js';

describe('importing the chain adapter', () => {
  it('makes ethers hash with the WebAssembly keccak (no explicit call)', () => {
    const before = wasmKeccakHashes();
    keccak256('0x1337');
    expect(wasmKeccakHashes()).toBe(before + 1);
  });
});
