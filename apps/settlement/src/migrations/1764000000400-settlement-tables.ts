import type { MigrationInterface, QueryRunner } from 'typeorm';
import { directoryAccountsTable, partyRowColumns, projectedRowColumns } from '#chain-adapter';

/** Settlement's records (bank references) and views (projected from CreditLedger, TallyToken and Settlements). */
export class SettlementTables1764000000400 implements MigrationInterface {
  name = 'SettlementTables1764000000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(directoryAccountsTable);
    await queryRunner.query(`
      CREATE TABLE credit_lines (
        id varchar(66) PRIMARY KEY,
        enterprise varchar(42) NOT NULL,
        enterprise_org_code varchar(31) NOT NULL,
        merchant varchar(42) NOT NULL,
        merchant_org_code varchar(31) NOT NULL,
        currency char(3) NOT NULL,
        term_days integer NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE token_classes (
        id varchar(78) PRIMARY KEY,
        issuer_org_code varchar(31) NOT NULL,
        currency char(3) NOT NULL,
        symbol varchar(31) NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE bills (
        id varchar(66) PRIMARY KEY,
        line_id varchar(66) NOT NULL,
${partyRowColumns}
        currency char(3) NOT NULL,
        amount numeric(78,0) NOT NULL,
        refunded numeric(78,0) NOT NULL,
        status varchar(16) NOT NULL,
        settlement_id varchar(66),
        due_at bigint NOT NULL,
        recorded_at timestamptz NOT NULL,${projectedRowColumns}
      )`);
    await queryRunner.query(`CREATE INDEX bills_line_idx ON bills (line_id, status, due_at)`);
    await queryRunner.query(`CREATE INDEX bills_enterprise_org_idx ON bills (enterprise_org_code, block_number, log_index)`);
    await queryRunner.query(`CREATE INDEX bills_merchant_org_idx ON bills (merchant_org_code, block_number, log_index)`);
    await queryRunner.query(`
      CREATE TABLE line_entries (
        id varchar(80) PRIMARY KEY,
        line_id varchar(66) NOT NULL,
        kind varchar(16) NOT NULL,
        reference_id varchar(66) NOT NULL,
        amount numeric(78,0) NOT NULL,
        occurred_at timestamptz NOT NULL,
        block_number bigint NOT NULL,
        log_index integer NOT NULL,
        tx_hash varchar(66) NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX line_entries_line_idx ON line_entries (line_id, occurred_at)`);
    await queryRunner.query(`
      CREATE TABLE settlement_records (
        id varchar(66) PRIMARY KEY,
        bank_reference varchar(140),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE settlements (
        id varchar(66) PRIMARY KEY,
        line_id varchar(66) NOT NULL,
${partyRowColumns}
        currency char(3) NOT NULL,
        method varchar(8) NOT NULL,
        token_class_id varchar(78),
        bank_reference_hash varchar(66),
        total numeric(78,0) NOT NULL,
        bill_ids varchar[] NOT NULL,
        response_deadline bigint NOT NULL,
        status varchar(16) NOT NULL,
        reason_code integer,
        initiated_at timestamptz NOT NULL,
        decided_at timestamptz,${projectedRowColumns}
      )`);
    await queryRunner.query(`CREATE INDEX settlements_line_idx ON settlements (line_id)`);
    await queryRunner.query(`
      CREATE TABLE clearing_reports (
        id varchar(66) PRIMARY KEY,
        root varchar(66) NOT NULL,
        period_start bigint NOT NULL,
        period_end bigint NOT NULL,
        settlement_count integer NOT NULL,${projectedRowColumns}
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE clearing_reports, settlements, settlement_records, line_entries, bills, token_classes, credit_lines, accounts');
  }
}
