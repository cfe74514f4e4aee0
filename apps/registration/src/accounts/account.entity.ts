import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { int8Transformer } from '#common';

export type Custody = 'CUSTODIAL' | 'SELF_CUSTODY';

/** Record: the organisation's reference, the qualification documents and, for custodial accounts, the sealed key. */
@Entity({ name: 'account_records' })
export class AccountRecord {
  @PrimaryColumn({ type: 'varchar', length: 42 })
  address: string;

  @Column({ name: 'org_code', type: 'varchar', length: 31 })
  orgCode: string;

  @Column({ name: 'external_ref', type: 'varchar', length: 128 })
  externalRef: string;

  @Column({ type: 'varchar', length: 16 })
  custody: Custody;

  @Column({ type: 'jsonb' })
  qualification: Record<string, unknown>;

  @Column({ name: 'sealed_key', type: 'text', nullable: true })
  sealedKey: string | null;

  @Column({ name: 'key_exported_at', type: 'timestamptz', nullable: true })
  keyExportedAt: Date | null;

  @Column({ name: 'operation_id', type: 'varchar', length: 66 })
  operationId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** Record: the documents behind each renewal (the chain holds only their hash). */
@Entity({ name: 'qualification_records' })
export class QualificationRecord {
  @PrimaryColumn({ name: 'operation_id', type: 'varchar', length: 66 })
  operationId: string;

  @Column({ type: 'varchar', length: 42 })
  address: string;

  @Column({ type: 'jsonb' })
  qualification: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** View: the account as AccountRegistry records it. */
@Entity({ name: 'accounts' })
export class Account {
  @PrimaryColumn({ type: 'varchar', length: 42 })
  address: string;

  @Column({ name: 'org_code', type: 'varchar', length: 31 })
  orgCode: string;

  @Column({ type: 'varchar', length: 16 })
  kind: 'ENTERPRISE' | 'MERCHANT';

  @Column({ type: 'varchar', length: 16 })
  status: 'ACTIVE' | 'FROZEN' | 'CLOSED';

  @Column({ name: 'certificate_hash', type: 'varchar', length: 66 })
  certificateHash: string;

  /** Chain time, seconds. */
  @Column({ name: 'qualification_expires_at', type: 'bigint', transformer: int8Transformer })
  qualificationExpiresAt: bigint;

  @Column({ name: 'registered_at', type: 'timestamptz' })
  registeredAt: Date;

  @Column({ name: 'chain_id', type: 'varchar', length: 20 })
  chainId: string;

  @Column({ name: 'block_number', type: 'bigint' })
  blockNumber: string;

  @Column({ name: 'tx_hash', type: 'varchar', length: 66 })
  txHash: string;

  @Column({ name: 'log_index', type: 'integer' })
  logIndex: number;

  @Column({ name: 'updated_block_number', type: 'bigint' })
  updatedBlockNumber: string;

  @Column({ name: 'updated_tx_hash', type: 'varchar', length: 66 })
  updatedTxHash: string;

  @Column({ name: 'updated_log_index', type: 'integer' })
  updatedLogIndex: number;
}
