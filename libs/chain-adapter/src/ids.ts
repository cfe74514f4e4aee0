// Identifiers shared by the services and the contracts.
import { decodeBytes32String, encodeBytes32String, getAddress, getBytes, isAddress, keccak256, toUtf8Bytes } from 'ethers';

const orgCodePattern = /^[a-z0-9][a-z0-9-]{1,30}$/;

/** Organisation codes: 2-31 lower-case ASCII letters, digits and dashes. */
export function isOrganisationCode(code: string): boolean {
  return orgCodePattern.test(code);
}

/** `bytes32` of an organisation's short code. */
export function orgIdOf(code: string): string {
  if (!isOrganisationCode(code)) throw new Error(`invalid organisation code: ${code}`);
  return encodeBytes32String(code);
}

export function orgCodeOf(orgId: string): string {
  return decodeBytes32String(orgId);
}

/** `keccak256(abi.encode(orgId, keccak256(bytes(idempotencyKey))))` — the id of every write. */
export function operationIdOf(orgCode: string, idempotencyKey: string): string {
  // Two static words: their ABI encoding is their concatenation (bytes, not hex: this runs per request).
  const encoded = new Uint8Array(64);
  encoded.set(orgIdBytesOf(orgCode), 0);
  encoded.set(getBytes(keccak256(toUtf8Bytes(idempotencyKey))), 32);
  return keccak256(encoded);
}

const orgIdBytes = new Map<string, Uint8Array>();

function orgIdBytesOf(orgCode: string): Uint8Array {
  let bytes = orgIdBytes.get(orgCode);
  if (!bytes) {
    bytes = getBytes(orgIdOf(orgCode));
    if (orgIdBytes.size >= 10_000) orgIdBytes.clear();
    orgIdBytes.set(orgCode, bytes);
  }
  return bytes;
}

/** keccak256 of a canonical JSON document (keys sorted): the on-chain hash of off-chain data. */
export function documentHashOf(document: unknown): string {
  return keccak256(toUtf8Bytes(canonicalJson(document)));
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/** A checksummed address, or undefined when `value` is not an address. */
export function normaliseAddress(value: string): string | undefined {
  // Checksumming hashes the address: requests name the same few addresses again and again.
  // Only what has an address's shape is remembered (anything else a client sends is not kept).
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) return isAddress(value) ? getAddress(value) : undefined;
  if (checksummed.has(value)) return checksummed.get(value);
  const normalised = isAddress(value) ? getAddress(value) : undefined;
  if (checksummed.size >= 100_000) checksummed.clear();
  checksummed.set(value, normalised);
  return normalised;
}

const checksummed = new Map<string, string | undefined>();
