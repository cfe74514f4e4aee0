import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * View: the registered accounts a service needs to know (organisation and kind), projected from
 * AccountRegistry's events so that authorisation never waits on another service. Registration keeps
 * its own, fuller accounts view; the other services use this one.
 */
@Entity({ name: 'accounts' })
export class DirectoryAccount {
  @PrimaryColumn({ type: 'varchar', length: 42 })
  address: string;

  @Column({ name: 'org_code', type: 'varchar', length: 31 })
  orgCode: string;

  @Column({ type: 'varchar', length: 16 })
  kind: 'ENTERPRISE' | 'MERCHANT';

  @Column({ name: 'chain_id', type: 'varchar', length: 20 })
  chainId: string;

  @Column({ name: 'block_number', type: 'bigint' })
  blockNumber: string;

  @Column({ name: 'tx_hash', type: 'varchar', length: 66 })
  txHash: string;

  @Column({ name: 'log_index', type: 'integer' })
  logIndex: number;
}

/** The table's SQL, for each service's migration. */
export const directoryAccountsTable = `
      CREATE TABLE accounts (
        address varchar(42) PRIMARY KEY,
        org_code varchar(31) NOT NULL,
        kind varchar(16) NOT NULL,
        chain_id varchar(20) NOT NULL,
        block_number bigint NOT NULL,
        tx_hash varchar(66) NOT NULL,
        log_index integer NOT NULL
      )`;
