// A test database with the common tables (event outbox, …), migrated as a service migrates them.
import { DataSource } from 'typeorm';
import { commonMigrations } from '../src/database/common-migrations.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js';

export async function commonTablesDatabase(prefix: string, connections: number): Promise<{ database: TestDatabase; dataSource: DataSource }> {
  const database = await createTestDatabase(prefix);
  const dataSource = new DataSource({ type: 'postgres', url: database.url, migrations: commonMigrations, migrationsTableName: 'migrations', extra: { max: connections } });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return { database, dataSource };
}
