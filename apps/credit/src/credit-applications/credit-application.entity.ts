import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { PartyRow, ProjectedRow } from '#chain-adapter';
import { amountTransformer, int8Transformer, type CreditApplicationStatus } from '#common';

/** Record: what the chain holds only as a hash (the reference) and the line's alert thresholds. */
@Entity({ name: 'credit_application_records' })
export class CreditApplicationRecord {
  @PrimaryColumn({ type: 'varchar', length: 66 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  reference: string;

  /** Percentages of the limit at which `credit-line.utilisation-crossed` goes out. */
  @Column({ name: 'utilisation_thresholds', type: 'integer', array: true })
  utilisationThresholds: number[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** View: a credit application and the merchant's decision, as CreditLedger records them. */
@Entity({ name: 'credit_applications' })
export class CreditApplication extends PartyRow {
  @PrimaryColumn({ type: 'varchar', length: 66 })
  id: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ name: 'requested_limit', type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  requestedLimit: bigint;

  @Column({ name: 'term_days', type: 'integer' })
  termDays: number;

  /** Chain time, seconds: when the line asked for expires. */
  @Column({ name: 'expires_at', type: 'bigint', transformer: int8Transformer })
  expiresAt: bigint;

  @Column({ name: 'reference_hash', type: 'varchar', length: 66 })
  referenceHash: string;

  @Column({ type: 'varchar', length: 16 })
  status: CreditApplicationStatus;

  @Column({ name: 'approved_limit', type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer, nullable: true })
  approvedLimit: bigint | null;

  @Column({ name: 'reason_code', type: 'integer', nullable: true })
  reasonCode: number | null;

  @Column({ name: 'submitted_at', type: 'timestamptz' })
  submittedAt: Date;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;
}
