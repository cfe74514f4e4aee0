import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Each outbox entry carries the gas its operation may use, so a batch's gas fits what it holds. */
export class OutboxGasLimit1764000000002 implements MigrationInterface {
  name = 'OutboxGasLimit1764000000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE outbox ADD COLUMN gas_limit bigint NOT NULL DEFAULT 200000');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE outbox DROP COLUMN gas_limit');
  }
}
