import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { ProjectedRow } from '#chain-adapter';

/** Record: the class's display name (the chain holds the symbol). */
@Entity({ name: 'token_class_records' })
export class TokenClassRecord {
  /** uint256 as a decimal string. */
  @PrimaryColumn({ type: 'varchar', length: 78 })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** View: a token class as TallyToken records it. */
@Entity({ name: 'token_classes' })
export class TokenClass extends ProjectedRow {
  @PrimaryColumn({ type: 'varchar', length: 78 })
  id: string;

  @Column({ name: 'issuer_org_code', type: 'varchar', length: 31 })
  issuerOrgCode: string;

  @Column({ type: 'varchar', length: 31 })
  symbol: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'integer' })
  decimals: number;

  @Column({ name: 'registered_at', type: 'timestamptz' })
  registeredAt: Date;
}

/** View: a merchant's declaration that it accepts (or not) a class. */
@Entity({ name: 'token_acceptances' })
export class TokenAcceptance extends ProjectedRow {
  @PrimaryColumn({ type: 'varchar', length: 42 })
  merchant: string;

  @PrimaryColumn({ name: 'token_class_id', type: 'varchar', length: 78 })
  tokenClassId: string;

  @Column({ type: 'boolean' })
  accepted: boolean;
}
