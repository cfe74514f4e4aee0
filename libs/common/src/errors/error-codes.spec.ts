import { readFileSync } from 'node:fs';
import { chainErrorCodes } from '../../../chain-adapter/src/chain-errors.js';
import { errorCatalogue } from './error-codes.js';

// docs/errors.md is the published list of error codes; it must match the catalogue exactly.
const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
const rows = doc
  .split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) => {
    const cells = line.split('|').map((cell) => cell.trim());
    return { code: cells[1].replace(/`/g, ''), http: cells[2] };
  });
const catalogue: Record<string, { status: number; message: string }> = errorCatalogue;

describe('docs/errors.md', () => {
  it('documents every code of the catalogue once, and nothing else', () => {
    const documented = rows.map((row) => row.code);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(errorCatalogue).sort());
  });

  it("gives each code the catalogue's HTTP status", () => {
    for (const row of rows) {
      expect({ code: row.code, http: row.http }).toEqual({ code: row.code, http: String(catalogue[row.code]?.status) });
    }
  });
});

describe('chainErrorCodes', () => {
  it('maps every contract custom error to a catalogued code', () => {
    for (const [error, code] of Object.entries(chainErrorCodes)) {
      expect({ error, catalogued: code in errorCatalogue }).toEqual({ error, catalogued: true });
    }
  });
});
