// AccountRegistry.AccountRegistered → the accounts a service authorises against.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { accountKinds } from '../chain-client.js';
import { orgCodeOf } from '../ids.js';
import type { ChainEvent, Projection } from '../projector/projection.js';
import type { DirectoryAccount } from './account-directory.entity.js';

/** Rows of one upsert (7 array parameters whatever the count; bounds the statement's size). */
const MAX_ACCOUNTS_PER_UPSERT = 5_000;

@Injectable()
export class AccountDirectoryProjector implements Projection {
  readonly events = ['AccountRegistry.AccountRegistered'] as const;
  readonly viewTables = ['accounts'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    await this.registered([event], manager);
  }

  async applyMany(events: readonly ChainEvent[], manager: EntityManager): Promise<void> {
    await this.registered(events, manager);
  }

  /** Registrations in one upsert per few thousand; a later registration of an address replaces an earlier one, as one by one. */
  private async registered(events: readonly ChainEvent[], manager: EntityManager): Promise<void> {
    const byAddress = new Map<string, DirectoryAccount>();
    for (const event of events) {
      const row: DirectoryAccount = {
        address: event.args.account as string,
        orgCode: orgCodeOf(event.args.orgId as string),
        kind: accountKinds[Number(event.args.kind)] as DirectoryAccount['kind'],
        ...event.proof,
      };
      byAddress.delete(row.address);
      byAddress.set(row.address, row);
    }
    const rows = [...byAddress.values()];
    for (let start = 0; start < rows.length; start += MAX_ACCOUNTS_PER_UPSERT) {
      const chunk = rows.slice(start, start + MAX_ACCOUNTS_PER_UPSERT);
      await manager.query(
        `INSERT INTO accounts (address, org_code, kind, chain_id, block_number, tx_hash, log_index)
         SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::bigint[], $6::varchar[], $7::integer[])
         ON CONFLICT (address) DO UPDATE SET org_code = EXCLUDED.org_code, kind = EXCLUDED.kind, chain_id = EXCLUDED.chain_id,
           block_number = EXCLUDED.block_number, tx_hash = EXCLUDED.tx_hash, log_index = EXCLUDED.log_index`,
        [
          chunk.map((row) => row.address),
          chunk.map((row) => row.orgCode),
          chunk.map((row) => row.kind),
          chunk.map((row) => row.chainId),
          chunk.map((row) => row.blockNumber),
          chunk.map((row) => row.txHash),
          chunk.map((row) => row.logIndex),
        ],
      );
    }
  }
}
