import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type OutboxStatus = 'PENDING' | 'SUBMITTED' | 'RECORDED' | 'REJECTED';
export const finalOutboxStatuses: OutboxStatus[] = ['RECORDED', 'REJECTED'];

/**
 * One accepted write, from the moment the API accepted it until the chain recorded or refused it.
 * Survives crashes: the submitter resubmits what is not final, only if the chain does not have it.
 */
@Entity({ name: 'outbox' })
@Index('outbox_open_idx', ['status', 'createdAt'], { where: "status IN ('PENDING', 'SUBMITTED')" })
export class OutboxEntry {
  @PrimaryColumn({ name: 'operation_id', type: 'varchar', length: 66 })
  operationId: string;

  /** What the operation does, e.g. `account.register` (for logs, metrics and GET /v1/operations). */
  @Column({ type: 'varchar', length: 64 })
  kind: string;

  @Column({ type: 'varchar', length: 32 })
  contract: string;

  @Column({ type: 'text' })
  calldata: string;

  @Column({ name: 'org_id', type: 'varchar', length: 31 })
  orgId: string;

  /** sha256 of the canonical request body: the same key with another body is refused (422). */
  @Column({ name: 'request_hash', type: 'varchar', length: 66 })
  requestHash: string;

  /** The resource the operation creates or changes (an account address, …). */
  @Column({ name: 'resource_id', type: 'varchar', length: 128 })
  resourceId: string;

  @Column({ type: 'varchar', length: 16 })
  status: OutboxStatus;

  @Column({ name: 'tx_hash', type: 'varchar', length: 66, nullable: true })
  txHash: string | null;

  @Column({ name: 'block_number', type: 'bigint', nullable: true })
  blockNumber: string | null;

  @Column({ name: 'log_index', type: 'integer', nullable: true })
  logIndex: number | null;

  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true })
  errorCode: string | null;

  @Column({ name: 'error_details', type: 'jsonb', nullable: true })
  errorDetails: Record<string, unknown> | null;

  /** Gas this operation may use inside a batch (the batch's gas limit is their sum). */
  @Column({ name: 'gas_limit', type: 'bigint', default: 200000, transformer: { to: (value?: bigint) => value?.toString(), from: (value: string) => BigInt(value) } })
  gasLimit: bigint;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
