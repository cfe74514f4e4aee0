import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox's status index holds only the open entries (PENDING, SUBMITTED), the only ones the
 * submitter looks for: a final entry leaves it, so it stays as small as the work in flight instead
 * of growing with every operation ever recorded, and the submitter's scans of it stay short. Pages
 * written from now on are left half empty, so that writing a batch's transaction hash (no indexed column changes)
 * rewrites the row in place (a HOT update) instead of adding an entry to each index.
 */
export class OutboxOpenIndex1764000000004 implements MigrationInterface {
  name = 'OutboxOpenIndex1764000000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX outbox_open_idx ON outbox (status, created_at) WHERE status IN ('PENDING', 'SUBMITTED')`);
    await queryRunner.query('DROP INDEX outbox_pending_idx');
    await queryRunner.query('ALTER TABLE outbox SET (fillfactor = 50)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE outbox RESET (fillfactor)');
    await queryRunner.query('CREATE INDEX outbox_pending_idx ON outbox (status, created_at)');
    await queryRunner.query('DROP INDEX outbox_open_idx');
  }
}
