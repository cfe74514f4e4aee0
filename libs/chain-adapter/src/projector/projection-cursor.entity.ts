import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** How far this service's views follow the chain (block number and hash, for reorg detection). */
@Entity({ name: 'projection_cursor' })
export class ProjectionCursor {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  name: string;

  @Column({ name: 'block_number', type: 'bigint' })
  blockNumber: string;

  @Column({ name: 'block_hash', type: 'varchar', length: 66, nullable: true })
  blockHash: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
