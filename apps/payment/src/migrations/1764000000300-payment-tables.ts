import type { MigrationInterface, QueryRunner } from 'typeorm';
import { directoryAccountsTable, projectedRowColumns } from '#chain-adapter';

/**
 * Payment's records (token class names) and views (projected from TallyToken, Payments and
 * CreditLedger events).
 */
export class PaymentTables1764000000300 implements MigrationInterface {
  name = 'PaymentTables1764000000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(directoryAccountsTable);
    await queryRunner.query(`
      CREATE TABLE token_class_records (
        id varchar(78) PRIMARY KEY,
        name varchar(100) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE token_classes (
        id varchar(78) PRIMARY KEY,
        issuer_org_code varchar(31) NOT NULL,
        symbol varchar(31) NOT NULL,
        currency char(3) NOT NULL,
        decimals integer NOT NULL,
        registered_at timestamptz NOT NULL,${projectedRowColumns}
      )`);
    await queryRunner.query(`
      CREATE TABLE token_acceptances (
        merchant varchar(42) NOT NULL,
        token_class_id varchar(78) NOT NULL,
        accepted boolean NOT NULL,${projectedRowColumns},
        PRIMARY KEY (merchant, token_class_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE token_movements (
        id varchar(66) PRIMARY KEY,
        kind varchar(16) NOT NULL,
        token_class_id varchar(78) NOT NULL,
        from_address varchar(42),
        to_address varchar(42),
        amount numeric(78,0) NOT NULL,
        occurred_at timestamptz NOT NULL,${projectedRowColumns}
      )`);
    await queryRunner.query(`
      CREATE TABLE balances (
        holder varchar(42) NOT NULL,
        token_class_id varchar(78) NOT NULL,
        amount numeric(78,0) NOT NULL,
        updated_block_number bigint NOT NULL,
        PRIMARY KEY (holder, token_class_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE payments (
        id varchar(66) PRIMARY KEY,
        kind varchar(8) NOT NULL,
        payer varchar(42) NOT NULL,
        payer_org_code varchar(31) NOT NULL,
        payee varchar(42) NOT NULL,
        payee_org_code varchar(31) NOT NULL,
        line_id varchar(66),
        token_class_id varchar(78),
        amount numeric(78,0) NOT NULL,
        refunded numeric(78,0) NOT NULL,
        status varchar(16) NOT NULL,
        due_at bigint,
        recorded_at timestamptz NOT NULL,${projectedRowColumns}
      )`);
    await queryRunner.query(`CREATE INDEX payments_payer_idx ON payments (payer_org_code, block_number, log_index)`);
    await queryRunner.query(`CREATE INDEX payments_payee_idx ON payments (payee_org_code, block_number, log_index)`);
    await queryRunner.query(`CREATE INDEX payments_line_idx ON payments (line_id)`);
    await queryRunner.query(`
      CREATE TABLE refunds (
        id varchar(66) PRIMARY KEY,
        payment_id varchar(66) NOT NULL,
        amount numeric(78,0) NOT NULL,
        recorded_at timestamptz NOT NULL,${projectedRowColumns}
      )`);
    await queryRunner.query(`CREATE INDEX refunds_payment_idx ON refunds (payment_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE refunds, payments, balances, token_movements, token_acceptances, token_classes, token_class_records, accounts');
  }
}
