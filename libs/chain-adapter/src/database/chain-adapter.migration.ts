import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The adapter's tables in each service's schema: the operation outbox and the projection cursor. */
export class ChainAdapterTables1764000000000 implements MigrationInterface {
  name = 'ChainAdapterTables1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbox (
        operation_id varchar(66) PRIMARY KEY,
        kind varchar(64) NOT NULL,
        contract varchar(32) NOT NULL,
        calldata text NOT NULL,
        org_id varchar(31) NOT NULL,
        request_hash varchar(66) NOT NULL,
        resource_id varchar(128) NOT NULL,
        status varchar(16) NOT NULL CHECK (status IN ('PENDING', 'SUBMITTED', 'RECORDED', 'REJECTED')),
        tx_hash varchar(66),
        block_number bigint,
        log_index integer,
        error_code varchar(64),
        error_details jsonb,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX outbox_pending_idx ON outbox (status, created_at)`);
    await queryRunner.query(`
      CREATE TABLE projection_cursor (
        name varchar(32) PRIMARY KEY,
        block_number bigint NOT NULL,
        block_hash varchar(66),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE projection_cursor`);
    await queryRunner.query(`DROP TABLE outbox`);
  }
}
