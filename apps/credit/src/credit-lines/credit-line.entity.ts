import { Column, Entity, PrimaryColumn } from 'typeorm';
import { PartyRow, ProjectedRow } from '#chain-adapter';
import { amountTransformer, int8Transformer, type CreditLineStatus } from '#common';

/** View: a credit line (its id is the application's), with `used` as the ledger's bills leave it. */
@Entity({ name: 'credit_lines' })
export class CreditLine extends PartyRow {
  @PrimaryColumn({ type: 'varchar', length: 66 })
  id: string;

  @Column({ name: 'credit_account_id', type: 'varchar', length: 66 })
  creditAccountId: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  limit: bigint;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  used: bigint;

  @Column({ name: 'term_days', type: 'integer' })
  termDays: number;

  /** Chain time, seconds. */
  @Column({ name: 'expires_at', type: 'bigint', transformer: int8Transformer })
  expiresAt: bigint;

  @Column({ type: 'varchar', length: 16 })
  status: CreditLineStatus;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt: Date;
}
