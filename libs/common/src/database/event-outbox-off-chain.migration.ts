import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Marks the events that do not come from the chain (an API key issued or revoked, …), with an
 * index of those not yet published: while the projector catches up, the event publisher holds back
 * the chain's events (they would compete with its writes) but still sends these at once.
 */
export class EventOutboxOffChain1764000000006 implements MigrationInterface {
  name = 'EventOutboxOffChain1764000000006';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE event_outbox ADD COLUMN off_chain boolean NOT NULL DEFAULT false');
    await queryRunner.query(`UPDATE event_outbox SET off_chain = true WHERE published_at IS NULL AND (envelope->>'chain') IS NULL`);
    await queryRunner.query('CREATE INDEX event_outbox_off_chain_unpublished_idx ON event_outbox (seq) WHERE published_at IS NULL AND off_chain');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX event_outbox_off_chain_unpublished_idx');
    await queryRunner.query('ALTER TABLE event_outbox DROP COLUMN off_chain');
  }
}
