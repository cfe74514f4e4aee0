import type { MigrationInterface, QueryRunner } from 'typeorm';

/** View: credit lines' parties, for payments on credit (recorded by CreditLedger as bills). */
export class PaymentLines1764000000310 implements MigrationInterface {
  name = 'PaymentLines1764000000310';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE payment_lines (
        id varchar(66) PRIMARY KEY,
        enterprise varchar(42) NOT NULL,
        enterprise_org_code varchar(31) NOT NULL,
        merchant varchar(42) NOT NULL,
        merchant_org_code varchar(31) NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE payment_lines');
  }
}
