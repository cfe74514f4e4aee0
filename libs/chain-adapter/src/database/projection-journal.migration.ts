import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The projection journal (see projector/projection-journal.ts): the steps applied near the head
 * with their last block's hash, the rows those steps changed as they were before, a row trigger
 * function that writes them while a step is journaled, and the function that undoes them.
 */
export class ProjectionJournal1764000000003 implements MigrationInterface {
  name = 'ProjectionJournal1764000000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE projection_steps (
        block_number bigint PRIMARY KEY,
        block_hash varchar(66) NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE projection_undo (
        seq bigserial PRIMARY KEY,
        block_number bigint NOT NULL,
        table_name text NOT NULL,
        op char(1) NOT NULL CHECK (op IN ('I', 'U', 'D')),
        row_before jsonb NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX projection_undo_block_idx ON projection_undo (block_number)`);
    // Fires (AFTER, per row) only while the transaction has tally.journal_block set: the last block
    // of the step writing. An insert is undone by deleting the row (its key is read from the row as
    // inserted); an update or a delete by putting the row back as it was (an update is undone under
    // the row's old key: projections never change a view row's key).
    await queryRunner.query(`
      CREATE FUNCTION tally_journal_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO projection_undo (block_number, table_name, op, row_before)
        VALUES (current_setting('tally.journal_block')::bigint, TG_TABLE_NAME, left(TG_OP, 1),
                CASE WHEN TG_OP = 'INSERT' THEN to_jsonb(NEW) ELSE to_jsonb(OLD) END);
        RETURN NULL;
      END $$`);
    // Undoes every journaled change of the steps after block \`target\`, newest first; returns how many.
    await queryRunner.query(`
      CREATE FUNCTION tally_undo_after(target bigint) RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE
        change record;
        keys text;
        undone integer := 0;
      BEGIN
        FOR change IN SELECT table_name, op, row_before FROM projection_undo WHERE block_number > target ORDER BY seq DESC LOOP
          SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO keys
            FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
           WHERE i.indrelid = quote_ident(change.table_name)::regclass AND i.indisprimary;
          IF keys IS NULL THEN
            RAISE EXCEPTION 'view table % has no primary key: its changes cannot be undone', change.table_name;
          END IF;
          IF change.op IN ('I', 'U') THEN
            EXECUTE format('DELETE FROM %I WHERE (%s) = (SELECT %s FROM jsonb_populate_record(NULL::%I, $1))',
                           change.table_name, keys, keys, change.table_name) USING change.row_before;
          END IF;
          IF change.op IN ('U', 'D') THEN
            EXECUTE format('INSERT INTO %I SELECT * FROM jsonb_populate_record(NULL::%I, $1)',
                           change.table_name, change.table_name) USING change.row_before;
          END IF;
          undone := undone + 1;
        END LOOP;
        DELETE FROM projection_undo WHERE block_number > target;
        DELETE FROM projection_steps WHERE block_number > target;
        RETURN undone;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION tally_undo_after(bigint)`);
    await queryRunner.query(`DROP FUNCTION tally_journal_row() CASCADE`);
    await queryRunner.query(`DROP TABLE projection_undo`);
    await queryRunner.query(`DROP TABLE projection_steps`);
  }
}
