import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A service's copy of an organisation's API key: only the hash of its secret is ever stored. */
@Entity({ name: 'api_keys' })
export class ApiKey {
  @PrimaryColumn({ name: 'key_id', type: 'varchar', length: 32 })
  keyId: string;

  @Column({ name: 'org_id', type: 'varchar', length: 31 })
  orgId: string;

  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
