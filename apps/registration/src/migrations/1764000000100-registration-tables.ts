import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Registration's records (never dropped by a rebuild: names, sealed keys, qualification documents)
 * and views (projected from the chain, each row naming the transaction and log that produced it).
 */
export class RegistrationTables1764000000100 implements MigrationInterface {
  name = 'RegistrationTables1764000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE organisation_records (
        code varchar(31) PRIMARY KEY,
        name varchar(200) NOT NULL,
        admin_address varchar(42) NOT NULL,
        sealed_admin_key text NOT NULL,
        attestor_address varchar(42) NOT NULL,
        sealed_attestor_key text NOT NULL,
        request_hash varchar(66) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE organisations (
        code varchar(31) PRIMARY KEY,
        admin_address varchar(42) NOT NULL,
        attestor_address varchar(42) NOT NULL,
        status varchar(16) NOT NULL,
        admitted_at timestamptz NOT NULL,
        chain_id varchar(20) NOT NULL,
        block_number bigint NOT NULL,
        tx_hash varchar(66) NOT NULL,
        log_index integer NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE relayers (
        address varchar(42) PRIMARY KEY,
        org_code varchar(31) NOT NULL,
        chain_id varchar(20) NOT NULL,
        block_number bigint NOT NULL,
        tx_hash varchar(66) NOT NULL,
        log_index integer NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE account_records (
        address varchar(42) PRIMARY KEY,
        org_code varchar(31) NOT NULL,
        external_ref varchar(128) NOT NULL,
        custody varchar(16) NOT NULL,
        qualification jsonb NOT NULL,
        sealed_key text,
        key_exported_at timestamptz,
        operation_id varchar(66) NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX account_records_ref_idx ON account_records (org_code, external_ref)`);
    await queryRunner.query(`
      CREATE TABLE qualification_records (
        operation_id varchar(66) PRIMARY KEY,
        address varchar(42) NOT NULL,
        qualification jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE accounts (
        address varchar(42) PRIMARY KEY,
        org_code varchar(31) NOT NULL,
        kind varchar(16) NOT NULL,
        status varchar(16) NOT NULL,
        certificate_hash varchar(66) NOT NULL,
        qualification_expires_at bigint NOT NULL,
        registered_at timestamptz NOT NULL,
        chain_id varchar(20) NOT NULL,
        block_number bigint NOT NULL,
        tx_hash varchar(66) NOT NULL,
        log_index integer NOT NULL,
        updated_block_number bigint NOT NULL,
        updated_tx_hash varchar(66) NOT NULL,
        updated_log_index integer NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX accounts_org_order_idx ON accounts (org_code, block_number, log_index)`);
    await queryRunner.query(`CREATE INDEX accounts_order_idx ON accounts (block_number, log_index)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['accounts', 'qualification_records', 'account_records', 'relayers', 'organisations', 'organisation_records']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
