import { Column, Entity, PrimaryColumn } from 'typeorm';
import { PartyRow, ProjectedRow } from '#chain-adapter';
import { amountTransformer, int8Transformer } from '#common';

export type BillStatus = 'UNSETTLED' | 'IN_SETTLEMENT' | 'SETTLED' | 'REFUNDED';

/** View: the credit lines bills belong to (parties, currency, term), from CreditLineOpened. */
@Entity({ name: 'credit_lines' })
export class SettlementLine {
  @PrimaryColumn({ type: 'varchar', length: 66 })
  id: string;

  @Column({ type: 'varchar', length: 42 })
  enterprise: string;

  @Column({ name: 'enterprise_org_code', type: 'varchar', length: 31 })
  enterpriseOrgCode: string;

  @Column({ type: 'varchar', length: 42 })
  merchant: string;

  @Column({ name: 'merchant_org_code', type: 'varchar', length: 31 })
  merchantOrgCode: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ name: 'term_days', type: 'integer' })
  termDays: number;
}

/** What a bill or a settlement takes from its line: the line, its parties and their organisations, its currency. */
export function lineFieldsOf(line: SettlementLine) {
  return {
    lineId: line.id,
    enterprise: line.enterprise,
    enterpriseOrgCode: line.enterpriseOrgCode,
    merchant: line.merchant,
    merchantOrgCode: line.merchantOrgCode,
    currency: line.currency,
  };
}

/** View: a bill (one per credit payment; its id is the payment's), its status in step with the chain. */
@Entity({ name: 'bills' })
export class Bill extends PartyRow {
  @PrimaryColumn({ type: 'varchar', length: 66 })
  id: string;

  @Column({ name: 'line_id', type: 'varchar', length: 66 })
  lineId: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  amount: bigint;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  refunded: bigint;

  @Column({ type: 'varchar', length: 16 })
  status: BillStatus;

  @Column({ name: 'settlement_id', type: 'varchar', length: 66, nullable: true })
  settlementId: string | null;

  /** Chain time, seconds. */
  @Column({ name: 'due_at', type: 'bigint', transformer: int8Transformer })
  dueAt: bigint;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;
}

/** View: what changed a line's balance, for statements (payments +, refunds and settlements −). */
@Entity({ name: 'line_entries' })
export class LineEntry {
  /** `<txHash>:<logIndex>` of the event. */
  @PrimaryColumn({ type: 'varchar', length: 80 })
  id: string;

  @Column({ name: 'line_id', type: 'varchar', length: 66 })
  lineId: string;

  @Column({ type: 'varchar', length: 16 })
  kind: 'PAYMENT' | 'REFUND' | 'SETTLEMENT';

  /** The bill (payments, refunds) or the settlement it belongs to. */
  @Column({ name: 'reference_id', type: 'varchar', length: 66 })
  referenceId: string;

  /** Signed: positive for payments, negative for refunds and settlements. */
  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  amount: bigint;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ name: 'block_number', type: 'bigint' })
  blockNumber: string;

  @Column({ name: 'log_index', type: 'integer' })
  logIndex: number;

  @Column({ name: 'tx_hash', type: 'varchar', length: 66 })
  txHash: string;
}

/** View: token classes (issuer and currency), for clearing between organisations. */
@Entity({ name: 'token_classes' })
export class SettlementTokenClass {
  @PrimaryColumn({ type: 'varchar', length: 78 })
  id: string;

  @Column({ name: 'issuer_org_code', type: 'varchar', length: 31 })
  issuerOrgCode: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'varchar', length: 31 })
  symbol: string;
}
