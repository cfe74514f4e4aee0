// API keys look like `tly_<keyId>_<secret>`: the id finds the row, the secret is checked against its
// sha256 (the secret has 256 bits of entropy, so a slow hash adds nothing).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface NewApiKey {
  keyId: string;
  secretHash: string;
  /** The whole key, shown to the caller once. */
  apiKey: string;
}

export function generateApiKey(): NewApiKey {
  const keyId = randomBytes(9).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secretHash: hashSecret(secret), apiKey: `tly_${keyId}_${secret}` };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function parseApiKey(value: string): { keyId: string; secret: string } | undefined {
  const match = /^tly_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/.exec(value);
  return match ? { keyId: match[1], secret: match[2] } : undefined;
}

export function secretMatches(secret: string, secretHash: string): boolean {
  const expected = Buffer.from(secretHash, 'hex');
  const actual = Buffer.from(hashSecret(secret), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function tokensEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}
