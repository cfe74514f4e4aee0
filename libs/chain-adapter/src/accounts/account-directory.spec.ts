import type { DataSource } from 'typeorm';
import type { ChainClient } from '../chain-client.js';
import { AccountDirectory } from './account-directory.js';

const address = '0x1111111111111111111111111111111111111111';

type Rows = Map<string, { orgCode: string; kind: 'ENTERPRISE' | 'MERCHANT' }>;

/** A directory over a fake projection holding `rows`, counting its reads. */
function aDirectory(rows: Rows) {
  const reads: Array<() => void> = [];
  let held = false;
  let lookups = 0;
  const dataSource = {
    manager: {
      // Reads the row when asked; while held, answers only when released.
      findOneBy: async (_entity: unknown, where: { address: string }) => {
        lookups += 1;
        const row = rows.get(where.address);
        if (held) await new Promise<void>((resolve) => reads.push(resolve));
        return row ? { address: where.address, ...row } : null;
      },
    },
  } as unknown as DataSource;
  const chain = { accountOf: async () => ({ kind: 'NONE' }) } as unknown as ChainClient;
  const directory = new AccountDirectory(dataSource, chain);
  return {
    directory,
    lookups: () => lookups,
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const resolve of reads.splice(0)) resolve();
    },
  };
}

describe('the account directory', () => {
  it('remembers a projected account, and forgets it after a reorg', async () => {
    const rows: Rows = new Map([[address, { orgCode: 'ACME', kind: 'ENTERPRISE' }]]);
    const { directory, lookups } = aDirectory(rows);
    expect(await directory.find(address)).toEqual({ address, orgCode: 'ACME', kind: 'ENTERPRISE' });
    expect(await directory.find(address)).toEqual({ address, orgCode: 'ACME', kind: 'ENTERPRISE' });
    expect(lookups()).toBe(1);
    // The reorg dropped the registration; the address was registered again, by another organisation.
    rows.set(address, { orgCode: 'OTHER', kind: 'MERCHANT' });
    directory.forget();
    expect(await directory.find(address)).toEqual({ address, orgCode: 'OTHER', kind: 'MERCHANT' });
    expect(lookups()).toBe(2);
  });

  it('does not remember what a lookup under way when it forgot had read', async () => {
    const rows: Rows = new Map([[address, { orgCode: 'ACME', kind: 'ENTERPRISE' }]]);
    const { directory, lookups, hold, release } = aDirectory(rows);
    hold();
    const before = directory.find(address);
    directory.forget();
    rows.set(address, { orgCode: 'OTHER', kind: 'MERCHANT' });
    release();
    // The lookup that began before the reorg answers with what it read …
    expect((await before)?.orgCode).toBe('ACME');
    // … but the next one reads the views again.
    expect((await directory.find(address))?.orgCode).toBe('OTHER');
    expect(lookups()).toBe(2);
  });
});
