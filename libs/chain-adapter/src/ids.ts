// Identifiers shared by the services and the contracts.
import { AbiCoder, decodeBytes32String, encodeBytes32String, getAddress, isAddress, keccak256, toUtf8Bytes } from 'ethers';

const coder = AbiCoder.defaultAbiCoder();
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
  return keccak256(coder.encode(['bytes32', 'bytes32'], [orgIdOf(orgCode), keccak256(toUtf8Bytes(idempotencyKey))]));
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
  return isAddress(value) ? getAddress(value) : undefined;
}
