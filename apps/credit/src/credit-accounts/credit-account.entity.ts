import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ProjectedRow } from '#chain-adapter';
import { amountTransformer, type CreditAccountStatus, type CreditParty } from '#common';

/** View: an enterprise's credit account of one currency, as CreditLedger records it. */
@Entity({ name: 'credit_accounts' })
export class CreditAccount extends ProjectedRow {
  @PrimaryColumn({ type: 'varchar', length: 66 })
  id: string;

  @Column({ type: 'varchar', length: 42 })
  enterprise: string;

  @Column({ name: 'org_code', type: 'varchar', length: 31 })
  orgCode: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  ceiling: bigint;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  used: bigint;

  @Column({ type: 'varchar', length: 16 })
  status: CreditAccountStatus;

  @Column({ name: 'frozen_by', type: 'varchar', length: 16, nullable: true })
  frozenBy: CreditParty | null;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt: Date;
}
