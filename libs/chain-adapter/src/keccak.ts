// ethers hashes with keccak-256 everywhere: a transaction's hash before it is signed (a batch of 300
// payments is about 60 KB), EIP-712 digests, checksummed addresses, operation ids. Its built-in
// implementation is JavaScript (@noble/hashes); measured here it takes about 6–9 ms for 60 KB and
// 20 µs for 64 bytes. hash-wasm's WebAssembly keccak takes about 0.4 ms and 2.5 µs. Registered
// once per process, before any hashing matters; the result is the same bytes (keccak.spec.ts).
import { keccak256 } from 'ethers';
import { createKeccak } from 'hash-wasm';

let registered: Promise<void> | undefined;
let wasmHashes = 0;

/** How many hashes the WebAssembly keccak has made in this process (0 before `useFastKeccak`). */
export function wasmKeccakHashes(): number {
  return wasmHashes;
}

/** Makes ethers' keccak256 (and everything in ethers that hashes) use WebAssembly. Idempotent. */
export function useFastKeccak(): Promise<void> {
  registered ??= createKeccak(256).then(
    (hasher) => {
      // The hasher is reused: init, update and digest run without a pause, so calls never interleave.
      keccak256.register((data: Uint8Array) => {
        wasmHashes += 1;
        hasher.init();
        hasher.update(data);
        return hasher.digest('binary');
      });
    },
    (error: unknown) => {
      // Hashing stays correct with ethers' own keccak, only slower: say so and go on.
      console.warn(`WebAssembly keccak unavailable, hashing with ethers' JavaScript keccak: ${error instanceof Error ? error.message : String(error)}`);
    },
  );
  return registered;
}
