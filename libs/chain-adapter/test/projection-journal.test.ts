// The projection journal against a real Postgres: what journaled steps change (inserts, upserts
// that insert or update, updates, deletes, over several tables and steps) is undone back to any
// journaled step, newest first; writes outside a journaled step leave no trace; the journal keeps
// only the steps within its depth; a view table without a primary key is refused; a table with the
// row trigger of an earlier version gets the statement triggers instead.
import { DataSource, type EntityManager } from 'typeorm';
import { ChainAdapterTables1764000000000 } from '../src/database/chain-adapter.migration.js';
import { ProjectionJournal1764000000003 } from '../src/database/projection-journal.migration.js';
import { ProjectionJournalStatements1764000000007 } from '../src/database/projection-journal-statements.migration.js';
import { clearJournal, installJournal, journaledSteps, journalStep, undoAfter } from '../src/projector/projection-journal.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js';

let database: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  database = await createTestDatabase('journal');
  dataSource = new DataSource({
    type: 'postgres',
    url: database.url,
    migrations: [ChainAdapterTables1764000000000, ProjectionJournal1764000000003, ProjectionJournalStatements1764000000007],
    migrationsTableName: 'migrations',
    extra: { max: 2 },
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  // Two view tables like the services' (a composite key, numeric amounts, timestamps, jsonb).
  await dataSource.query(`CREATE TABLE lines (id varchar(66) PRIMARY KEY, used numeric(78, 0) NOT NULL, status text NOT NULL, updated_at timestamptz NOT NULL, meta jsonb)`);
  await dataSource.query(`CREATE TABLE entries (line_id varchar(66), seq integer, amount numeric(78, 0) NOT NULL, PRIMARY KEY (line_id, seq))`);
  await dataSource.transaction((manager) => installJournal(manager, ['lines', 'entries']));
});

afterAll(async () => {
  await dataSource?.destroy();
  await database?.drop();
});

beforeEach(async () => {
  await dataSource.query('TRUNCATE lines, entries');
  await dataSource.transaction((manager) => clearJournal(manager));
});

const snapshot = async () => ({
  lines: await dataSource.query(`SELECT id, used::text, status, updated_at, meta FROM lines ORDER BY id`),
  entries: await dataSource.query(`SELECT line_id, seq, amount::text FROM entries ORDER BY line_id, seq`),
});

/** One projector step ending at `block` (journaled unless told otherwise). */
const step = (block: number, write: (manager: EntityManager) => Promise<unknown>, journaled = true) =>
  dataSource.transaction(async (manager) => {
    if (journaled) await journalStep(manager, { blockNumber: BigInt(block), blockHash: `0x${block.toString(16).padStart(64, '0')}` }, BigInt(block - 100), true);
    await write(manager);
  });

const upsertLine = (manager: EntityManager, id: string, used: string, status: string) =>
  manager.query(
    `INSERT INTO lines (id, used, status, updated_at, meta) VALUES ($1, $2, $3, now(), $4)
     ON CONFLICT (id) DO UPDATE SET used = excluded.used, status = excluded.status, updated_at = excluded.updated_at, meta = excluded.meta`,
    [id, used, status, JSON.stringify({ status, nested: { used } })],
  );

it('undoes the changes of the steps after a journaled step, back to the views as they were then', async () => {
  await step(10, async (manager) => {
    await upsertLine(manager, '0xa', '100', 'ACTIVE');
    await upsertLine(manager, '0xb', '5', 'ACTIVE');
    await manager.query(`INSERT INTO entries VALUES ('0xa', 1, 100), ('0xb', 1, 5)`);
  });
  const atTen = await snapshot();
  await step(11, async (manager) => {
    await upsertLine(manager, '0xa', '250', 'ACTIVE'); // an upsert that updates
    await upsertLine(manager, '0xc', '1', 'ACTIVE'); // an upsert that inserts
    await manager.query(`INSERT INTO entries VALUES ('0xa', 2, 150), ('0xc', 1, 1)`);
    await manager.query(`DELETE FROM entries WHERE line_id = '0xb'`);
  });
  const atEleven = await snapshot();
  await step(12, async (manager) => {
    await manager.query(`UPDATE lines SET used = used * 2, status = 'FROZEN'`); // every row, twice over the same ones below
    await manager.query(`UPDATE lines SET used = used + 1 WHERE id = '0xa'`);
    await manager.query(`DELETE FROM lines WHERE id = '0xb'`);
    await manager.query(`INSERT INTO entries VALUES ('0xb', 1, 7)`); // the key deleted in step 11, back
  });
  expect(await snapshot()).not.toEqual(atEleven);

  await dataSource.transaction(async (manager) => expect(await undoAfter(manager, 11n)).toBeGreaterThan(0));
  expect(await snapshot()).toEqual(atEleven);
  expect((await journaledSteps(dataSource.manager)).map((journaled) => journaled.blockNumber)).toEqual([11n, 10n]);

  await dataSource.transaction((manager) => undoAfter(manager, 10n));
  expect(await snapshot()).toEqual(atTen);
  expect((await journaledSteps(dataSource.manager)).map((journaled) => journaled.blockNumber)).toEqual([10n]);
  // Only step 10's own changes remain journaled (4 rows inserted).
  expect(await dataSource.query(`SELECT block_number::int AS block, op, count(*)::int AS n FROM projection_undo GROUP BY 1, 2`)).toEqual([{ block: 10, op: 'I', n: 4 }]);
});

it('undoes a step that re-applies after a rollback as it undid the first time', async () => {
  await step(20, (manager) => upsertLine(manager, '0xa', '1', 'ACTIVE'));
  const before = await snapshot();
  await step(21, (manager) => upsertLine(manager, '0xa', '2', 'ACTIVE'));
  await dataSource.transaction((manager) => undoAfter(manager, 20n));
  await step(21, (manager) => upsertLine(manager, '0xa', '3', 'CLOSED')); // the replacing block
  expect((await snapshot()).lines[0].used).toBe('3');
  await dataSource.transaction((manager) => undoAfter(manager, 20n));
  expect(await snapshot()).toEqual(before);
});

it('journals nothing outside a journaled step, and forgets steps older than its depth', async () => {
  await step(30, (manager) => upsertLine(manager, '0xa', '1', 'ACTIVE'), false);
  await dataSource.query(`UPDATE lines SET used = 9`); // outside any step
  expect(await dataSource.query(`SELECT * FROM projection_undo`)).toEqual([]);
  expect(await journaledSteps(dataSource.manager)).toEqual([]);

  for (let block = 100; block < 110; block += 1) {
    await dataSource.transaction(async (manager) => {
      await journalStep(manager, { blockNumber: BigInt(block), blockHash: `0x${block.toString(16)}` }, BigInt(block - 3), true);
      await upsertLine(manager, '0xa', String(block), 'ACTIVE');
    });
  }
  // Depth 3: the steps from block 106 on remain, and the changes after 106 (a rollback to 106 needs those).
  expect((await journaledSteps(dataSource.manager)).map((journaled) => journaled.blockNumber)).toEqual([109n, 108n, 107n, 106n]);
  const tags = (await dataSource.query(`SELECT DISTINCT block_number::int AS block FROM projection_undo ORDER BY 1`)) as Array<{ block: number }>;
  expect(tags.map((row) => row.block)).toEqual([107, 108, 109]);
  await dataSource.transaction((manager) => undoAfter(manager, 106n));
  expect((await snapshot()).lines[0].used).toBe('106');
});

it('refuses a view table without a primary key', async () => {
  await dataSource.query(`CREATE TABLE keyless (id text)`);
  await expect(dataSource.transaction((manager) => installJournal(manager, ['keyless']))).rejects.toThrow(/no primary key/);
  await expect(dataSource.transaction((manager) => installJournal(manager, ['missing_table']))).rejects.toThrow(/does not exist/);
});

it('replaces the row trigger of an earlier version with its statement triggers, journaling each row once', async () => {
  await dataSource.query(`CREATE TABLE legacy (id text PRIMARY KEY, amount integer NOT NULL)`);
  // As an earlier version installed it.
  await dataSource.query(
    `CREATE TRIGGER tally_journal AFTER INSERT OR UPDATE OR DELETE ON legacy FOR EACH ROW
       WHEN (coalesce(current_setting('tally.journal_block', true), '') <> '') EXECUTE FUNCTION tally_journal_row()`,
  );
  await dataSource.transaction((manager) => installJournal(manager, ['legacy']));
  await dataSource.transaction((manager) => installJournal(manager, ['legacy'])); // again: nothing to do
  const triggers = (await dataSource.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'legacy'::regclass ORDER BY 1`)) as Array<{ tgname: string }>;
  expect(triggers.map((trigger) => trigger.tgname)).toEqual(['tally_journal_delete', 'tally_journal_insert', 'tally_journal_update']);
  // A trigger naming other key columns (the table's key changed) is made again.
  await dataSource.query(`DROP TRIGGER tally_journal_insert ON legacy`);
  await dataSource.query(`CREATE TRIGGER tally_journal_insert AFTER INSERT ON legacy REFERENCING NEW TABLE AS tally_new FOR EACH STATEMENT EXECUTE FUNCTION tally_journal_statement('amount')`);
  await dataSource.transaction((manager) => installJournal(manager, ['legacy']));
  const [insertTrigger] = (await dataSource.query(`SELECT pg_get_triggerdef(oid) AS definition FROM pg_trigger WHERE tgname = 'tally_journal_insert' AND tgrelid = 'legacy'::regclass`)) as Array<{ definition: string }>;
  expect(insertTrigger.definition).toMatch(/WHEN .*tally_journal_statement\('id'\)$/);

  await step(40, (manager) => manager.query(`INSERT INTO legacy VALUES ('a', 1)`));
  const before = (await dataSource.query(`SELECT * FROM legacy ORDER BY id`)) as unknown[];
  await step(41, async (manager) => {
    await manager.query(`INSERT INTO legacy VALUES ('b', 2), ('c', 3), ('d', 4)`); // one statement, three rows
    await manager.query(`UPDATE legacy SET amount = amount * 10`);
    await manager.query(`DELETE FROM legacy WHERE id = 'c'`);
  });
  expect(await dataSource.query(`SELECT op, count(*)::int AS n FROM projection_undo WHERE block_number = 41 GROUP BY op ORDER BY op`)).toEqual([
    { op: 'D', n: 1 },
    { op: 'I', n: 3 },
    { op: 'U', n: 4 },
  ]);
  // Of an inserted row only its key is kept; of an updated or deleted one, the whole row as it was.
  expect(await dataSource.query(`SELECT row_before FROM projection_undo WHERE block_number = 41 AND op = 'I' ORDER BY seq LIMIT 1`)).toEqual([{ row_before: { id: 'b' } }]);
  expect(await dataSource.query(`SELECT row_before FROM projection_undo WHERE block_number = 41 AND op = 'D'`)).toEqual([{ row_before: { id: 'c', amount: 30 } }]);
  await dataSource.transaction((manager) => undoAfter(manager, 40n));
  expect(await dataSource.query(`SELECT * FROM legacy ORDER BY id`)).toEqual(before);
  await dataSource.query('DROP TABLE legacy');
});
