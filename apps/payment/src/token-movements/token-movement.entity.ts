import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ProjectedRow } from '#chain-adapter';
import { amountTransformer } from '#common';

export type TokenMovementKind = 'ISSUANCE' | 'REDEMPTION' | 'TRANSFER';

/** View: issuances, redemptions and relayed transfers, each named by its operation id. */
@Entity({ name: 'token_movements' })
export class TokenMovement extends ProjectedRow {
  @PrimaryColumn({ type: 'varchar', length: 66 })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  kind: TokenMovementKind;

  @Column({ name: 'token_class_id', type: 'varchar', length: 78 })
  tokenClassId: string;

  @Column({ name: 'from_address', type: 'varchar', length: 42, nullable: true })
  from: string | null;

  @Column({ name: 'to_address', type: 'varchar', length: 42, nullable: true })
  to: string | null;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  amount: bigint;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;
}

/** View: every holder's balance of every class, from the ERC-1155 transfer events. */
@Entity({ name: 'balances' })
export class Balance {
  @PrimaryColumn({ type: 'varchar', length: 42 })
  holder: string;

  @PrimaryColumn({ name: 'token_class_id', type: 'varchar', length: 78 })
  tokenClassId: string;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: amountTransformer })
  amount: bigint;

  @Column({ name: 'updated_block_number', type: 'bigint' })
  updatedBlockNumber: string;
}
