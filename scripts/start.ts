// `npm start`: the whole system in the foreground on one machine — a local anvil whose state
// persists in .data/, the contracts deployed if absent (or redeployed on a fresh chain when the
// build changed), the database created, and the four services listening. Ctrl-C stops it all.
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { z } from 'zod';
import {
  addressOfPrivateKey,
  connectProvider,
  deployContracts,
  devPrivateKey,
  readManifest,
  staleContracts,
  startAnvil,
  writeManifest,
  type AnvilNode,
} from '#chain-adapter';
import { defaultHttpPorts, ensureDatabase, serviceNames, type ServiceName } from '#common';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const settings = z
  .object({
    TALLY_DATA_DIR: z.string().default(join(root, '.data')),
    CHAIN_PORT: z.coerce.number().int().min(1).max(65535).default(8545),
    DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/tally'),
    HEALTH_TIMEOUT_MS: z.coerce.number().int().positive().default(90_000),
  })
  .parse(process.env);
const dataDir = resolve(settings.TALLY_DATA_DIR);
const chainStateFile = join(dataDir, 'chain.json');
const secretsFile = join(dataDir, 'secrets.json');
const manifestPath = join(root, 'deployments', '31337.json');
const chainUrl = `http://127.0.0.1:${settings.CHAIN_PORT}`;
const deployerKey = devPrivateKey(0);
const relayerKeys: Record<ServiceName, string> = {
  registration: devPrivateKey(1),
  credit: devPrivateKey(2),
  payment: devPrivateKey(3),
  settlement: devPrivateKey(4),
};

function say(message: string): void {
  process.stdout.write(`[start] ${message}\n`);
}

/** The demo secrets, made once and kept in .data/ so a restart keeps the same keys and credential. */
function secrets(): { masterKey: string; operatorToken: string } {
  if (existsSync(secretsFile)) return JSON.parse(readFileSync(secretsFile, 'utf8'));
  const made = { masterKey: `0x${randomBytes(32).toString('hex')}`, operatorToken: `demo-operator-${randomBytes(16).toString('hex')}` };
  writeFileSync(secretsFile, JSON.stringify(made, null, 2), { mode: 0o600 });
  return made;
}

async function portAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}', signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function launchChain(): Promise<AnvilNode> {
  return startAnvil({
    port: settings.CHAIN_PORT,
    args: ['--block-time', '0.2', '--gas-limit', '1000000000', '--state', chainStateFile, '--state-interval', '1'],
    // anvil logs every RPC call; its output is drained, not shown.
  });
}

/** Whether the manifest names contracts of this build that exist on the running chain. */
async function deploymentUsable(): Promise<'usable' | 'absent' | 'stale'> {
  const manifest = readManifest(manifestPath);
  if (!manifest) return 'absent';
  if (staleContracts(manifest).length > 0) return 'stale';
  const provider = await connectProvider(chainUrl);
  try {
    if (manifest.chainId !== provider._network.chainId.toString()) return 'absent';
    const codes = await Promise.all(Object.values(manifest.contracts).map((contract) => provider.getCode(contract.address)));
    return codes.every((code) => code !== '0x') ? 'usable' : 'absent';
  } finally {
    provider.destroy();
  }
}

/** A fresh chain invalidates the services' records and views: drop their schemas. */
async function dropServiceSchemas(): Promise<void> {
  const client = new pg.Client({ connectionString: settings.DATABASE_URL });
  await client.connect();
  try {
    for (const name of serviceNames) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end();
  }
}

const children = new Map<ServiceName, ChildProcess>();
let chain: AnvilNode | undefined;
let stopping = false;

async function stopAll(exitCode: number): Promise<never> {
  if (stopping) process.exit(exitCode);
  stopping = true;
  say('stopping the services and the chain…');
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  await chain?.stop();
  say('stopped');
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function waitHealthy(service: ServiceName, port: number): Promise<void> {
  const deadline = Date.now() + settings.HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (stopping) return;
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  throw new Error(`${service} did not become healthy within ${settings.HEALTH_TIMEOUT_MS} ms`);
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  if (await portAnswers(chainUrl)) {
    throw new Error(`something already answers JSON-RPC on ${chainUrl}: stop it, or set CHAIN_PORT`);
  }
  const { masterKey, operatorToken } = secrets();

  say(`starting anvil on ${chainUrl} (state in ${chainStateFile})`);
  chain = await launchChain();
  let deployment = await deploymentUsable();
  if (deployment === 'stale') {
    say('WARNING: the contracts changed since the last deployment: starting a fresh local chain and fresh service schemas');
    await chain.stop();
    rmSync(chainStateFile, { force: true });
    chain = await launchChain();
    deployment = 'absent';
  }
  await ensureDatabase(settings.DATABASE_URL);
  if (deployment === 'absent') {
    if (existsSync(manifestPath)) say('the chain does not have the deployed contracts (a new chain): redeploying');
    await dropServiceSchemas();
    const manifest = await deployContracts({ rpcUrl: chainUrl, deployerPrivateKey: deployerKey });
    writeManifest(manifestPath, manifest);
    say(`contracts deployed: ${Object.entries(manifest.contracts).map(([name, c]) => `${name} ${c.address}`).join(', ')}`);
  } else {
    say(`contracts found on chain (${manifestPath})`);
  }
  chain.process.once('exit', (code) => {
    if (!stopping) {
      say(`anvil exited unexpectedly (${code})`);
      void stopAll(1);
    }
  });

  const relayers = serviceNames.map((service) => addressOfPrivateKey(relayerKeys[service])).join(',');
  for (const service of serviceNames) {
    const child = spawn(process.execPath, [join(root, 'dist', 'apps', service, 'src', 'main.js')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HTTP_PORT: String(defaultHttpPorts[service]),
        DATABASE_URL: settings.DATABASE_URL,
        CHAIN_RPC_URL: chainUrl,
        DEPLOYMENT_MANIFEST: manifestPath,
        RELAYER_PRIVATE_KEY: relayerKeys[service],
        OPERATOR_TOKEN: operatorToken,
        ...(service === 'registration'
          ? { MASTER_KEY: masterKey, OPERATOR_PRIVATE_KEY: deployerKey, DEPLOYMENT_RELAYERS: relayers }
          : {}),
        // The settlement service signs the clearing reports it anchors with the operator key.
        ...(service === 'settlement' ? { OPERATOR_PRIVATE_KEY: deployerKey } : {}),
      },
    });
    const prefix = `[${service}] `;
    child.stdout!.on('data', (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, prefix)));
    child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk.toString().replace(/^(?=.)/gm, prefix)));
    child.once('exit', (code, signal) => {
      if (!stopping) {
        say(`${service} exited unexpectedly (${code ?? signal}); stopping everything`);
        void stopAll(1);
      }
    });
    children.set(service, child);
  }
  await Promise.all(serviceNames.map((service) => waitHealthy(service, defaultHttpPorts[service])));
  if (stopping) return;

  const lines = [
    '',
    'Tally is up.',
    `  chain          ${chainUrl} (anvil, chain id 31337; contracts in ${manifestPath})`,
    ...serviceNames.map(
      (service) => `  ${service.padEnd(14)} http://127.0.0.1:${defaultHttpPorts[service]}   docs: http://127.0.0.1:${defaultHttpPorts[service]}/docs`,
    ),
    '',
    `  operator credential (demo, kept in ${secretsFile}):`,
    `    export OPERATOR_TOKEN=${operatorToken}`,
    '',
    'Ctrl-C stops everything; the chain and the views persist in .data/ and Postgres.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((error: unknown) => {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  void stopAll(1);
});
