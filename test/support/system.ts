// Boots one service of Tally for an integration test file against the real Postgres and NATS and a
// private anvil: its own database, chain, NATS namespace and stream (DESIGN.md, Tests).
import { testNamespace, testStream } from './isolation.js';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { deployContracts, writeManifest, type AnvilNode, type DeploymentManifest } from '#chain-adapter';
import { devPrivateKey, startTestAnvil } from './anvil.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestWorld {
  anvil: AnvilNode;
  database: TestDatabase;
  manifest: DeploymentManifest;
  manifestPath: string;
  env: Record<string, string>;
  namespace: string;
  stream: string;
  operatorToken: string;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** The node URL the services are given, from the anvil's (e.g. a proxy in front of it: rpc-proxy.ts). */
  rpcUrlOf?: (anvilRpcUrl: string) => string;
}

/** Sets up chain, database and NATS names, and writes the service settings into process.env. */
export async function createWorld(name: string, overrides: Record<string, string> = {}, anvilArgs: string[] = [], options: WorldOptions = {}): Promise<TestWorld> {
  const suffix = randomBytes(4).toString('hex');
  const anvil = await startTestAnvil(anvilArgs);
  const database = await createTestDatabase(name);
  const manifest = await deployContracts({ rpcUrl: anvil.rpcUrl, deployerPrivateKey: devPrivateKey(0) });
  const manifestPath = `/tmp/tally-test-${name}-${suffix}.json`;
  writeManifest(manifestPath, manifest);
  const namespace = testNamespace;
  const stream = testStream;
  const operatorToken = `operator-${randomBytes(16).toString('hex')}`;
  const env: Record<string, string> = {
    HTTP_PORT: '0',
    DATABASE_URL: database.url,
    NATS_URL: 'nats://127.0.0.1:4222',
    NATS_NAMESPACE: namespace,
    NATS_STREAM: stream,
    CHAIN_RPC_URL: options.rpcUrlOf ? options.rpcUrlOf(anvil.rpcUrl) : anvil.rpcUrl,
    DEPLOYMENT_MANIFEST: manifestPath,
    RELAYER_PRIVATE_KEY: devPrivateKey(1),
    OPERATOR_PRIVATE_KEY: devPrivateKey(0),
    OPERATOR_TOKEN: operatorToken,
    MASTER_KEY: `0x${randomBytes(32).toString('hex')}`,
    BATCH_WINDOW_MS: '5',
    PROJECTOR_POLL_MS: '50',
    REQUEST_TIMEOUT_MS: process.env.TEST_REQUEST_TIMEOUT_MS ?? '20000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    ...overrides,
  };
  Object.assign(process.env, env);
  return {
    anvil,
    database,
    manifest,
    manifestPath,
    env,
    namespace,
    stream,
    operatorToken,
    close: async () => {
      await database.drop().catch(() => undefined);
      await anvil.stop();
      const connection = await connect({ servers: 'nats://127.0.0.1:4222' });
      const manager = await jetstreamManager(connection);
      await manager.streams.delete(stream).catch(() => undefined);
      await connection.close();
    },
  };
}

/** The base URL of a booted app. */
export function baseUrlOf(app: INestApplication): string {
  const address = app.getHttpServer().address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}
