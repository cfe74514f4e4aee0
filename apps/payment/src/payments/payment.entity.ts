import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ProjectedRow } from '#chain-adapter';
import { amountTransformer, int8Transformer } from '#common';

export type PaymentStatus = 'UNSETTLED' | 'IN_SETTLEMENT' | 'SETTLED' | 'REFUNDED' | 'COMPLETED';

/** View: a payment as Payments records it; a credit payment's status follows its bill. */
@Entity({ name: 'payments' })
export class Payment extends ProjectedRow {
  @PrimaryColumn({ type: 'varchar', length: 66 })
  id: string;

  @Column({ type: 'varchar', length: 8 })
  kind: 'CREDIT' | 'TOKEN';

  @Column({ type: 'varchar', length: 42 })
  payer: string;

  @Column({ name: 'payer_org_code', type: 'varchar', length: 31 })
  payerOrgCode: string;

  @Column({ type: 'varchar', length: 42 })
  payee: string;

  @Column({ name: 'payee_org_code', type: 'varchar', length: 31 })
  payeeOrgCode: string;

  @Column({ name: 'line_id', type: 'varchar', length: 66, nullable: true })
  lineId: string | null;

  @Column({ name: 'token_class_id', type: 'varchar', length: 78, nullable: true })
  tokenClassId: string | null;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  amount: bigint;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  refunded: bigint;

  @Column({ type: 'varchar', length: 16 })
  status: PaymentStatus;

  /** Chain time, seconds; credit payments only. */
  @Column({ name: 'due_at', type: 'bigint', transformer: int8Transformer, nullable: true })
  dueAt: bigint | null;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;
}

/** View: a refund of a credit payment. */
@Entity({ name: 'refunds' })
export class Refund extends ProjectedRow {
  @PrimaryColumn({ type: 'varchar', length: 66 })
  id: string;

  @Column({ name: 'payment_id', type: 'varchar', length: 66 })
  paymentId: string;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  amount: bigint;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;
}

/** View: a credit line's parties (from CreditLineOpened), so a bill becomes a payment with its payer and payee. */
@Entity({ name: 'payment_lines' })
export class PaymentLine {
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
}
