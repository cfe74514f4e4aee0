// The projection journal lets the projector roll its views back to the common ancestor of a reorg
// instead of rebuilding them from the deployment block. Steps applied within `depth` blocks of the
// head are journaled: the step's last block and hash go into projection_steps, and statement
// triggers on every view table write each row the step updates or deletes, as it was before, and
// the key of each row it inserts, to projection_undo (tagged with the step's last block). Rolling
// back to a journaled step whose block the chain still has undoes the later changes, newest
// first, in one transaction. Far from the head (a rebuild, a catch-up) nothing is journaled and
// the journal is emptied: a rollback needs every step after its target journaled, so a reorg
// reaching behind the journal rebuilds instead.
import type { EntityManager } from 'typeorm';

/** A journaled step: the views as of the end of block `blockNumber`, whose hash was `blockHash`. */
export interface JournaledStep {
  blockNumber: bigint;
  blockHash: string;
}

/** The row-level trigger of earlier versions, replaced by the statement-level ones below. */
const ROW_TRIGGER = 'tally_journal';
/** One statement-level trigger per kind of change, each with its transition table (names the trigger function reads). */
const STATEMENT_TRIGGERS = [
  { name: 'tally_journal_insert', event: 'INSERT', transition: 'NEW TABLE AS tally_new' },
  { name: 'tally_journal_update', event: 'UPDATE', transition: 'OLD TABLE AS tally_old' },
  { name: 'tally_journal_delete', event: 'DELETE', transition: 'OLD TABLE AS tally_old' },
] as const;

/**
 * Puts the journal's triggers on each view table that lacks them: after each statement that
 * changes the table in a journaled step, one INSERT copies what a rollback needs of the rows it
 * changed to projection_undo — an updated or deleted row's old image, an inserted row's key (the
 * triggers' arguments: the table's key columns; a trigger naming other columns is made again). A
 * row trigger of an earlier version is dropped. A table without a primary key is refused: its
 * changes could not be undone row by row.
 */
export async function installJournal(manager: EntityManager, tables: readonly string[]): Promise<void> {
  if (tables.length === 0) return;
  const rows = (await manager.query(
    `SELECT c.relname AS table_name,
            ARRAY(SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                   WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY a.attnum) AS key_columns,
            (SELECT coalesce(json_object_agg(t.tgname, pg_get_triggerdef(t.oid)), '{}') FROM pg_trigger t
              WHERE t.tgrelid = c.oid AND t.tgname LIKE 'tally\\_journal%') AS triggers
       FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname = ANY($1::text[])`,
    [tables],
  )) as Array<{ table_name: string; key_columns: string[]; triggers: Record<string, string> }>;
  for (const table of tables) {
    const row = rows.find((candidate) => candidate.table_name === table);
    if (!row) throw new Error(`view table ${table} does not exist in schema ${await currentSchema(manager)}`);
    if (row.key_columns.length === 0) throw new Error(`view table ${table} has no primary key: the projection journal cannot undo its rows`);
    // The journal's triggers on the table, by name: their definitions.
    const installed = new Map(Object.entries(row.triggers));
    if (installed.has(ROW_TRIGGER)) await manager.query(`DROP TRIGGER ${ROW_TRIGGER} ON "${table}"`);
    const call = `tally_journal_statement(${row.key_columns.map((column) => `'${column.replaceAll("'", "''")}'`).join(', ')})`;
    for (const trigger of STATEMENT_TRIGGERS) {
      const definition = installed.get(trigger.name);
      if (definition?.endsWith(`EXECUTE FUNCTION ${call}`)) continue;
      if (definition !== undefined) await manager.query(`DROP TRIGGER ${trigger.name} ON "${table}"`);
      await manager.query(
        `CREATE TRIGGER ${trigger.name} AFTER ${trigger.event} ON "${table}" REFERENCING ${trigger.transition} FOR EACH STATEMENT
           WHEN (coalesce(current_setting('tally.journal_block', true), '') <> '') EXECUTE FUNCTION ${call}`,
      );
    }
  }
}

async function currentSchema(manager: EntityManager): Promise<string> {
  const [row] = (await manager.query('SELECT current_schema() AS schema')) as Array<{ schema: string }>;
  return row.schema;
}

/**
 * Records this transaction as the step ending at `step` and, with `keepChanges`, journals the rows
 * it changes from now on (needless for the first step of an empty journal: no earlier step to roll
 * back to); forgets what a rollback can no longer need: steps before `keepFrom` and the changes up
 * to it.
 */
export async function journalStep(manager: EntityManager, step: JournaledStep, keepFrom: bigint, keepChanges: boolean): Promise<void> {
  await manager.query(
    `WITH journaling AS (SELECT set_config('tally.journal_block', CASE WHEN $4 THEN $1 ELSE '' END, true)),
          step AS (INSERT INTO projection_steps (block_number, block_hash) SELECT $1::bigint, $2 FROM journaling
                   ON CONFLICT (block_number) DO UPDATE SET block_hash = excluded.block_hash),
          old_steps AS (DELETE FROM projection_steps WHERE block_number < $3::bigint)
     DELETE FROM projection_undo WHERE block_number <= $3::bigint`,
    [step.blockNumber.toString(), step.blockHash, keepFrom.toString(), keepChanges],
  );
}

/** Empties the journal (a step applied without it, or a rebuild: no earlier step can be rolled back to). */
export async function clearJournal(manager: EntityManager): Promise<void> {
  await manager.query('TRUNCATE projection_steps, projection_undo');
}

/** The journaled steps, newest first (at most `limit`). */
export async function journaledSteps(manager: EntityManager, limit?: number): Promise<JournaledStep[]> {
  const rows = (await manager.query('SELECT block_number, block_hash FROM projection_steps ORDER BY block_number DESC LIMIT $1', [limit ?? null])) as Array<{ block_number: string; block_hash: string }>;
  return rows.map((row) => ({ blockNumber: BigInt(row.block_number), blockHash: row.block_hash }));
}

/** Undoes every journaled change after block `target` (newest first) and forgets those steps; returns the rows undone. */
export async function undoAfter(manager: EntityManager, target: bigint): Promise<number> {
  const [row] = (await manager.query('SELECT tally_undo_after($1) AS undone', [target.toString()])) as Array<{ undone: number }>;
  return row.undone;
}
