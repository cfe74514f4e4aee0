// TypeORM options of a service: its own schema (created if missing), migrations run at start,
// never synchronize.
import pg from 'pg';
import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import type { MixedList } from 'typeorm';
import type { TallyConfig } from '../config/config.js';

export async function ensureSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await client.end();
  }
}

/** Creates the database named in the URL if it does not exist (for `npm start` and tests). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (error) {
    // Two services creating it at once: the loser sees a duplicate; anything else is real.
    if ((error as { code?: string }).code !== '42P04' && (error as { code?: string }).code !== '23505') throw error;
  } finally {
    await client.end();
  }
}

export function typeOrmOptions(
  config: TallyConfig,
  entities: MixedList<Function>,
  migrations: MixedList<Function>,
): TypeOrmModuleOptions {
  return {
    type: 'postgres',
    url: config.database.url,
    schema: config.database.schema,
    entities,
    migrations,
    migrationsRun: true,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: ['error'],
    extra: { max: 20, options: `-c search_path=${config.database.schema}` },
  };
}
