import type { MigrationInterface, QueryRunner } from 'typeorm';
import { directoryAccountsTable, partyRowColumns, projectedRowColumns } from '#chain-adapter';

/**
 * Credit's records (never dropped by a rebuild: application references and alert thresholds) and
 * views (projected from CreditLedger and AccountRegistry events).
 */
export class CreditTables1764000000200 implements MigrationInterface {
  name = 'CreditTables1764000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(directoryAccountsTable);
    await queryRunner.query(`
      CREATE TABLE credit_accounts (
        id varchar(66) PRIMARY KEY,
        enterprise varchar(42) NOT NULL,
        org_code varchar(31) NOT NULL,
        currency char(3) NOT NULL,
        ceiling numeric(78,0) NOT NULL,
        used numeric(78,0) NOT NULL,
        status varchar(16) NOT NULL,
        frozen_by varchar(16),
        opened_at timestamptz NOT NULL,${projectedRowColumns}
      )`);
    await queryRunner.query(`CREATE INDEX credit_accounts_org_idx ON credit_accounts (org_code, block_number, log_index)`);
    await queryRunner.query(`
      CREATE TABLE credit_application_records (
        id varchar(66) PRIMARY KEY,
        reference varchar(200) NOT NULL,
        utilisation_thresholds integer[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE credit_applications (
        id varchar(66) PRIMARY KEY,
${partyRowColumns}
        currency char(3) NOT NULL,
        requested_limit numeric(78,0) NOT NULL,
        term_days integer NOT NULL,
        expires_at bigint NOT NULL,
        reference_hash varchar(66) NOT NULL,
        status varchar(16) NOT NULL,
        approved_limit numeric(78,0),
        reason_code integer,
        submitted_at timestamptz NOT NULL,
        decided_at timestamptz,${projectedRowColumns}
      )`);
    await queryRunner.query(`CREATE INDEX credit_applications_enterprise_idx ON credit_applications (enterprise_org_code, block_number, log_index)`);
    await queryRunner.query(`CREATE INDEX credit_applications_merchant_idx ON credit_applications (merchant_org_code, block_number, log_index)`);
    await queryRunner.query(`
      CREATE TABLE credit_lines (
        id varchar(66) PRIMARY KEY,
        credit_account_id varchar(66) NOT NULL,
${partyRowColumns}
        currency char(3) NOT NULL,
        "limit" numeric(78,0) NOT NULL,
        used numeric(78,0) NOT NULL,
        term_days integer NOT NULL,
        expires_at bigint NOT NULL,
        status varchar(16) NOT NULL,
        opened_at timestamptz NOT NULL,${projectedRowColumns}
      )`);
    await queryRunner.query(`CREATE INDEX credit_lines_account_idx ON credit_lines (credit_account_id)`);
    await queryRunner.query(`CREATE INDEX credit_lines_enterprise_idx ON credit_lines (enterprise_org_code, block_number, log_index)`);
    await queryRunner.query(`CREATE INDEX credit_lines_merchant_idx ON credit_lines (merchant_org_code, block_number, log_index)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE credit_lines, credit_applications, credit_application_records, credit_accounts, accounts');
  }
}
