import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The projection journal's trigger function for statement-level triggers (projector/
 * projection-journal.ts installs them): one INSERT into projection_undo per statement of a step,
 * from the statement's transition table, instead of a PL/pgSQL call and an INSERT per row. A step
 * near the head writes its views in bulk statements (a batch's payments in one upsert). Measured
 * on 20,000 payment-like rows upserted in one statement (Postgres 15 here): 0.30–0.42 s without a
 * journal, 1.06–1.24 s with the row trigger, 0.76–0.93 s with this function keeping whole rows and
 * 0.35–0.55 s keeping only an inserted row's key. The row-level function stays for a rollback of
 * this migration; installJournal replaces each table's row trigger.
 */
export class ProjectionJournalStatements1764000000007 implements MigrationInterface {
  name = 'ProjectionJournalStatements1764000000007';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Each trigger fires on one kind of statement (Postgres allows transition tables only on a
    // trigger of one event): inserts name their rows' new images `tally_new`, updates and deletes
    // their old images `tally_old`. An update or a delete is undone by putting the old image back,
    // an insert by deleting the row: of an inserted row only its key is kept (the trigger's
    // arguments name the table's key columns), which is most of the journal's saving on a step
    // of new payments (tally_undo_after reads the key from it as from a whole row).
    await queryRunner.query(`
      CREATE FUNCTION tally_journal_statement() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          EXECUTE format('INSERT INTO projection_undo (block_number, table_name, op, row_before)
                          SELECT $1, $2, ''I'', jsonb_build_object(%s) FROM tally_new',
                         (SELECT string_agg(format('%L, %I', key_column, key_column), ', ') FROM unnest(TG_ARGV) AS key_column))
            USING current_setting('tally.journal_block')::bigint, TG_TABLE_NAME;
        ELSE
          INSERT INTO projection_undo (block_number, table_name, op, row_before)
          SELECT current_setting('tally.journal_block')::bigint, TG_TABLE_NAME, left(TG_OP, 1), to_jsonb(changed) FROM tally_old changed;
        END IF;
        RETURN NULL;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The statement triggers go with the function; the next start of the previous version puts the row triggers back.
    await queryRunner.query(`DROP FUNCTION tally_journal_statement() CASCADE`);
  }
}
