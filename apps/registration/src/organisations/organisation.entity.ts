import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Record: what the chain cannot hold about an organisation (its name, its sealed keys). */
@Entity({ name: 'organisation_records' })
export class OrganisationRecord {
  @PrimaryColumn({ type: 'varchar', length: 31 })
  code: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'admin_address', type: 'varchar', length: 42 })
  adminAddress: string;

  @Column({ name: 'sealed_admin_key', type: 'text' })
  sealedAdminKey: string;

  @Column({ name: 'attestor_address', type: 'varchar', length: 42 })
  attestorAddress: string;

  @Column({ name: 'sealed_attestor_key', type: 'text' })
  sealedAttestorKey: string;

  @Column({ name: 'request_hash', type: 'varchar', length: 66 })
  requestHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** View: the organisation as the Consortium contract records it. */
@Entity({ name: 'organisations' })
export class Organisation {
  @PrimaryColumn({ type: 'varchar', length: 31 })
  code: string;

  @Column({ name: 'admin_address', type: 'varchar', length: 42 })
  adminAddress: string;

  @Column({ name: 'attestor_address', type: 'varchar', length: 42 })
  attestorAddress: string;

  @Column({ type: 'varchar', length: 16 })
  status: 'ACTIVE' | 'SUSPENDED';

  @Column({ name: 'admitted_at', type: 'timestamptz' })
  admittedAt: Date;

  @Column({ name: 'chain_id', type: 'varchar', length: 20 })
  chainId: string;

  @Column({ name: 'block_number', type: 'bigint' })
  blockNumber: string;

  @Column({ name: 'tx_hash', type: 'varchar', length: 66 })
  txHash: string;

  @Column({ name: 'log_index', type: 'integer' })
  logIndex: number;
}

/** View: the relayers registered for each organisation. */
@Entity({ name: 'relayers' })
export class Relayer {
  @PrimaryColumn({ type: 'varchar', length: 42 })
  address: string;

  @Column({ name: 'org_code', type: 'varchar', length: 31 })
  orgCode: string;

  @Column({ name: 'chain_id', type: 'varchar', length: 20 })
  chainId: string;

  @Column({ name: 'block_number', type: 'bigint' })
  blockNumber: string;

  @Column({ name: 'tx_hash', type: 'varchar', length: 66 })
  txHash: string;

  @Column({ name: 'log_index', type: 'integer' })
  logIndex: number;
}
