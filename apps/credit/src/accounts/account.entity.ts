import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * View: the registered accounts this service needs to know (organisation and kind), projected from
 * AccountRegistry's events so that authorisation never waits on another service.
 */
@Entity({ name: 'accounts' })
export class Account {
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
