import { generateApiKey, parseApiKey, secretMatches, tokensEqual } from './api-key-secret.js';

describe('API key secrets', () => {
  it('parses the key it generates and matches only its own secret', () => {
    const key = generateApiKey();
    const parsed = parseApiKey(key.apiKey);
    expect(parsed?.keyId).toBe(key.keyId);
    expect(secretMatches(parsed!.secret, key.secretHash)).toBe(true);
    expect(secretMatches(parseApiKey(generateApiKey().apiKey)!.secret, key.secretHash)).toBe(false);
  });

  it('refuses malformed keys', () => {
    for (const bad of ['', 'tly_short_x', 'Bearer abc', `${generateApiKey().apiKey}x`]) {
      expect(parseApiKey(bad)).toBeUndefined();
    }
  });

  it('compares tokens of any length without throwing', () => {
    expect(tokensEqual('operator-token-123', 'operator-token-123')).toBe(true);
    expect(tokensEqual('operator-token-123', 'short')).toBe(false);
  });
});
