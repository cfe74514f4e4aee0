import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tables every service has in its own schema: the events it still has to publish, the messages it
 * has processed (idempotent consumers), and its copy of the API keys.
 */
export class CommonTables1764000000001 implements MigrationInterface {
  name = 'CommonTables1764000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE event_outbox (
        seq bigserial PRIMARY KEY,
        id varchar(255) NOT NULL UNIQUE,
        subject varchar(255) NOT NULL,
        envelope jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX event_outbox_unpublished_idx ON event_outbox (seq) WHERE published_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE processed_messages (
        consumer varchar(64) NOT NULL,
        message_id varchar(255) NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, message_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE api_keys (
        key_id varchar(32) PRIMARY KEY,
        org_id varchar(31) NOT NULL,
        secret_hash varchar(64) NOT NULL,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX api_keys_org_idx ON api_keys (org_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_keys`);
    await queryRunner.query(`DROP TABLE processed_messages`);
    await queryRunner.query(`DROP TABLE event_outbox`);
  }
}
