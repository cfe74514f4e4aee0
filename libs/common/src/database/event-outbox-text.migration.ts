import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event outbox keeps each chain event's block in a column of its own, each envelope as plain
 * text, and compares event ids byte by byte:
 * - `block_number` (null off the chain): what a reorg's clean-up and the projector's conflict
 *   handling ask of an event (projector.ts), without parsing its envelope.
 * - `text` instead of `json`: Postgres no longer parses every envelope it stores to check it (a
 *   twentieth of its time in a rebuild, which writes one per event). The writers are envelopeOf
 *   with JSON.stringify and chainEventsInsert, which builds the same text byte for byte
 *   (libs/common/test/event-outbox.test.ts); the publisher sends the text as stored.
 * - ids in the "C" collation: the unique index on them (which a rebuild's inserts go through) orders
 *   them by their bytes, without the locale's comparison; ids are ASCII, so their order is the same.
 *   Event ids are only compared with values, never with other tables' columns.
 * The change rewrites the table under an exclusive lock, once, at the first start of this version:
 * its time grows with the rows kept (published events are kept). An instance of an earlier version
 * still running reads the block from the envelope as JSON, which a `text` column refuses: its
 * reorg clean-up fails until it is stopped — stop the earlier version's instances first.
 */
export class EventOutboxText1764000000008 implements MigrationInterface {
  name = 'EventOutboxText1764000000008';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE event_outbox ADD COLUMN block_number bigint');
    await queryRunner.query(`UPDATE event_outbox SET block_number = (envelope #>> '{chain,blockNumber}')::bigint WHERE envelope -> 'chain' IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE event_outbox ALTER COLUMN envelope TYPE text, ALTER COLUMN id TYPE varchar(255) COLLATE "C"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE event_outbox ALTER COLUMN envelope TYPE json USING envelope::json, ALTER COLUMN id TYPE varchar(255) COLLATE "default"`);
    await queryRunner.query('ALTER TABLE event_outbox DROP COLUMN block_number');
  }
}
