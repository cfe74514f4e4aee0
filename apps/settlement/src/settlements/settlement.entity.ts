import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { PartyRow, ProjectedRow } from '#chain-adapter';
import { amountTransformer, int8Transformer } from '#common';

export type SettlementStatus = 'INITIATED' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';

/** Record: the bank-transfer reference (the chain holds its hash) and who asked. */
@Entity({ name: 'settlement_records' })
export class SettlementRecord {
  @PrimaryColumn({ type: 'varchar', length: 66 })
  id: string;

  @Column({ name: 'bank_reference', type: 'varchar', length: 140, nullable: true })
  bankReference: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** View: a settlement as Settlements records it. */
@Entity({ name: 'settlements' })
export class Settlement extends PartyRow {
  @PrimaryColumn({ type: 'varchar', length: 66 })
  id: string;

  @Column({ name: 'line_id', type: 'varchar', length: 66 })
  lineId: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'varchar', length: 8 })
  method: 'TOKEN' | 'OFFCHAIN';

  @Column({ name: 'token_class_id', type: 'varchar', length: 78, nullable: true })
  tokenClassId: string | null;

  @Column({ name: 'bank_reference_hash', type: 'varchar', length: 66, nullable: true })
  bankReferenceHash: string | null;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  total: bigint;

  @Column({ name: 'bill_ids', type: 'varchar', array: true })
  billIds: string[];

  /** Chain time, seconds. */
  @Column({ name: 'response_deadline', type: 'bigint', transformer: int8Transformer })
  responseDeadline: bigint;

  @Column({ type: 'varchar', length: 16 })
  status: SettlementStatus;

  @Column({ name: 'reason_code', type: 'integer', nullable: true })
  reasonCode: number | null;

  @Column({ name: 'initiated_at', type: 'timestamptz' })
  initiatedAt: Date;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;
}

/** View: a clearing report's root as anchored on chain. */
@Entity({ name: 'clearing_reports' })
export class ClearingReport extends ProjectedRow {
  @PrimaryColumn({ type: 'varchar', length: 66 })
  id: string;

  @Column({ type: 'varchar', length: 66 })
  root: string;

  @Column({ name: 'period_start', type: 'bigint', transformer: int8Transformer })
  periodStart: bigint;

  @Column({ name: 'period_end', type: 'bigint', transformer: int8Transformer })
  periodEnd: bigint;

  @Column({ name: 'settlement_count', type: 'integer' })
  settlementCount: number;
}
