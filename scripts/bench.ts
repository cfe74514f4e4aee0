// `npm run bench`: measures the credit-payment path on systems of its own — each a fresh anvil
// (block time 0.2 s, gas limit 1e9, no state file), its own database and NATS namespace, and the
// registration, credit and payment services from the build, warmed up; one for each load run of
// (a) — the peak and the run at 80% of it (the custodial run after it), one payment per request and
// batched — with (g) on the batched peak's chain, and one for (b)–(e), so that no run measures a
// chain other runs made larger — and writes bench/results/<date>.json, bench/results/latest.json
// and latest.md. Figures, side by side:
//   (a) end to end through the HTTP API: payments/s and p50/p95/p99 at peak (autocannon, N
//       connections) and at 80% of peak (requests sent at a steady rate: paced()),
//       self-custody payers (signed before timing) and custodial payers (Tally signs), one request
//       per payment; then self-custody payers BENCH_PAYMENTS_PER_REQUEST to a request (batches);
//   (b) the chain-only ceiling: the same contracts fed pre-signed batches directly;
//   (c) the naive path: one payment per transaction, one in flight, waiting for each receipt;
//   (d) gas per payment in a batch; (e) view lag, chain → payment view, p50/p99;
//   (f) peak memory of each process; (g) rebuild speed of the payment views (chain mining paused;
//       the median of BENCH_REBUILDS rebuilds);
//   (h) accepted payments against the chain: lost and duplicated.
// Each run starts once the services have finished the work of the one before (settle()); during
// the load runs of (a) a watcher process asks anvil for its block number every 50 ms, and the report
// gives, for each of them, the longest time without a new block and the longest unanswered call
// (chain-watch.ts); it is stopped after them, so that it takes nothing from (b), (c) and (g).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Contract, NonceManager, Transaction, Wallet } from 'ethers';
import pg from 'pg';
import { z } from 'zod';
import { RawHttpPool } from './bench-http.js';
import {
  addressOfPrivateKey,
  batchCalldata,
  buildTypedData,
  connectProvider,
  deployContracts,
  devPrivateKey,
  interfaceOf,
  operationIdOf,
  payOnCreditArguments,
  payOnCreditOperation,
  startAnvil,
  typedDataDigest,
  writeManifest,
  type AnvilNode,
} from '#chain-adapter';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const settings = z
  .object({
    BENCH_DURATION_S: z.coerce.number().int().min(3).max(120).default(15),
    BENCH_CONNECTIONS: z.coerce.number().int().min(1).max(4096).default(512),
    BENCH_LINES: z.coerce.number().int().min(1).max(200).default(16),
    BENCH_CHAIN_ONLY_PAYMENTS: z.coerce.number().int().min(100).max(100_000).default(12_000),
    BENCH_BATCH_SIZE: z.coerce.number().int().min(1).max(512).default(300),
    BENCH_NAIVE_SECONDS: z.coerce.number().int().min(2).max(60).default(8),
    /** Payment service instances sharing its database, each with its own relayer key; the load is split evenly. */
    BENCH_PAYMENT_INSTANCES: z.coerce.number().int().min(1).max(4).default(2),
    DATABASE_ADMIN_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
    NATS_URL: z.string().default('nats://127.0.0.1:4222'),
    /** Extra Node flags for the services, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them. */
    BENCH_SERVICE_NODE_ARGS: z.string().default(''),
    /** Payments per request of the batched runs of (a) (POST /v1/payments/batch); 0 skips them. */
    BENCH_PAYMENTS_PER_REQUEST: z.coerce.number().int().min(0).max(100).default(50),
    /** Connections of the batched runs of (a): each holds a whole batch. */
    BENCH_BATCH_CONNECTIONS: z.coerce.number().int().min(1).max(1024).default(48),
    /** Extra anvil arguments, after the bench's own (e.g. "--prune-history 64"), for experiments; the report records them. */
    BENCH_ANVIL_ARGS: z.string().default(''),
    /** Rebuilds of (g), one after another; the report's figure is their median. */
    BENCH_REBUILDS: z.coerce.number().int().min(1).max(9).default(3),
    /**
     * Seconds of the same load, not measured, before each system's load run: the services of a
     * fresh system are cold (V8 has compiled nothing of the request path yet); 0 skips it.
     */
    BENCH_WARMUP_S: z.coerce.number().int().min(0).max(60).default(5),
    /** A file to which each paced request is appended as a JSON line (run, due time, latency, instance, operation ids), for diagnosis. */
    BENCH_REQUEST_LOG: z.string().optional(),
    /** "1" keeps the bench's database (its outbox: when each operation was inserted and recorded, in which block) for diagnosis. */
    BENCH_KEEP_DATABASE: z.enum(['0', '1']).default('0'),
    /**
     * "rebuild": only (g), on one system fed BENCH_CHAIN_ONLY_PAYMENTS payments by (b) — a couple of
     * minutes instead of the whole bench, for work on the projector; prints its figures, writes no report.
     */
    BENCH_ONLY: z.enum(['all', 'rebuild']).default('all'),
  })
  .parse(process.env);

/** This bench run's id: its systems' databases, NATS namespaces, streams and logs carry it. */
const runId = randomBytes(4).toString('hex');
const operatorToken = `bench-operator-${randomBytes(12).toString('hex')}`;
const chainOnlyRelayerKey = devPrivateKey(5);
const relayerKeys = { registration: devPrivateKey(1), credit: devPrivateKey(2), payment: devPrivateKey(3) } as const;
/** Relayer keys of the second, third … payment instance (the first uses relayerKeys.payment). */
const extraPaymentRelayerKeys = [devPrivateKey(7), devPrivateKey(8), devPrivateKey(9)];

const say = (message: string) => process.stdout.write(`[bench] ${message}\n`);

/**
 * A system under test: a fresh anvil with its own deployment, database, NATS namespace and stream,
 * and the services on them. Each group of runs has its own (main()): anvil 1.7 rebuilds its whole
 * state trie for every block (TOOLCHAIN.md), so on one chain each run ran slower than the one
 * before it for the bills those before it had left — a run at 80% of a peak on a chain that peak
 * had made larger, the chain-only ceiling last, on the largest chain of all.
 */
interface System {
  name: string;
  /** Names its files: `/tmp/tally-bench-<id>-<process>.log`, its manifest, its watcher's log. */
  id: string;
  namespace: string;
  stream: string;
  database: string;
  databaseUrl: string;
  manifestPath: string;
  anvil: AnvilNode;
  children: Array<{ name: string; child: ChildProcess }>;
  chainWatcher?: ChildProcess;
  /** Its stopping, once begun (stopProcesses): a second caller waits for the same. */
  stopped?: Promise<void>;
  chainWatchLog: string;
}
/** The system being measured (one at a time). */
let system: System | undefined;
/** Every system running, for the clean-up. */
const systems: System[] = [];
/** Systems started so far (the next one's number). */
let systemsStarted = 0;

/** The system being measured; a bench step outside one is a bug of the bench. */
function current(): System {
  if (!system) throw new Error('no system is running');
  return system;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000, pollMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, pollMs));
  }
}

async function startService(name: 'registration' | 'credit' | 'payment', extraEnv: Record<string, string> = {}, label = extraEnv.DATABASE_SCHEMA ?? name): Promise<{ url: string; child: ChildProcess }> {
  const { databaseUrl, namespace, stream, anvil, manifestPath, id, children } = current();
  const port = await freePort();
  const nodeArgs = settings.BENCH_SERVICE_NODE_ARGS.split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'dist', 'apps', name, 'src', 'main.js')], {
    env: {
      ...process.env,
      HTTP_PORT: String(port),
      DATABASE_URL: databaseUrl,
      NATS_URL: settings.NATS_URL,
      NATS_NAMESPACE: namespace,
      NATS_STREAM: stream,
      CHAIN_RPC_URL: anvil.rpcUrl,
      DEPLOYMENT_MANIFEST: manifestPath,
      RELAYER_PRIVATE_KEY: relayerKeys[name],
      OPERATOR_TOKEN: operatorToken,
      MASTER_KEY: `0x${randomBytes(32).toString('hex')}`,
      OPERATOR_PRIVATE_KEY: devPrivateKey(0),
      DEPLOYMENT_RELAYERS: [relayerKeys.credit, relayerKeys.payment, chainOnlyRelayerKey, ...extraPaymentRelayerKeys].map(addressOfPrivateKey).join(','),
      MAX_BATCH_SIZE: '300',
      PROJECTOR_POLL_MS: '50',
      REQUEST_TIMEOUT_MS: '10000',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', openSync(`/tmp/tally-bench-${id}-${label}.log`, 'a'), 'inherit'],
  });
  children.push({ name: label, child });
  const url = `http://127.0.0.1:${port}`;
  await until(`${name} to be healthy`, async () => ((await fetch(`${url}/health`)).ok ? true : undefined));
  return { url, child };
}

async function http(url: string, method: string, path: string, credential: string, body?: unknown, idempotencyKey?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

async function ok(url: string, path: string, credential: string, body: unknown, key: string): Promise<any> {
  const answer = await http(url, 'POST', path, credential, body, key);
  if (answer.status !== 200 && answer.status !== 201) throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** POSTs for a self-custody party: asks for the typed data, signs it with `wallet`, sends it again. */
async function signed(url: string, path: string, credential: string, body: Record<string, unknown>, key: string, wallet: Wallet): Promise<any> {
  const asked = await http(url, 'POST', path, credential, body, key);
  if (asked.body?.code !== 'SIGNATURE_REQUIRED') throw new Error(`POST ${path}: expected SIGNATURE_REQUIRED, got ${asked.status} ${JSON.stringify(asked.body)}`);
  const typed = asked.body.details.typedData;
  const signature = wallet.signingKey.sign(typedDataDigest(typed)).serialized;
  return ok(url, path, credential, { ...body, signature, deadline: String(typed.message.deadline) }, key);
}

/** Peak resident memory (VmHWM) of a process and its children, in MB. */
function peakMemoryMb(pid: number | undefined): number {
  if (!pid) return 0;
  const read = (p: number) => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  let total = read(pid);
  try {
    for (const child of execFileSync('pgrep', ['-P', String(pid)]).toString().trim().split('\n').filter(Boolean)) total += read(Number(child));
  } catch {
    // no children
  }
  return Math.round(total);
}

/** The CPU time each process was last seen to have used (a process that has exited keeps its last figure). */
const lastCpuSeconds = new Map<number, number>();

/**
 * CPU time (user and system) a process has used, in seconds — with `reaped`, also that of its
 * children it has waited for (Postgres' server: the time of backends that have exited, so a
 * backend closing during a run keeps counting).
 */
function cpuSeconds(pid: number | undefined, reaped = false): number {
  if (!pid) return 0;
  try {
    // After the command's closing parenthesis: fields 14–17 of proc(5) are utime, stime, cutime, cstime.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
    lastCpuSeconds.set(pid, ticks / 100); // clock ticks of 10 ms
  } catch {
    // exited: its last figure
  }
  return lastCpuSeconds.get(pid) ?? 0;
}

/** The pids of the processes whose program name (`argv[0]`, as the process shows it) passes `matches`. */
function pidsOf(matches: (program: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (matches(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0])) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * CPU seconds so far of Postgres. Its server shows as `postgres` or its path, each backend as
 * `postgres: …`; the server's figure includes the backends that have exited (each backend's own, until then).
 */
function postgresCpuSeconds(): number {
  return pidsOf((program) => /^postgres\b|\/postgres$/.test(program)).reduce((sum, pid) => sum + cpuSeconds(pid, true), 0);
}

/**
 * CPU time so far of each process of the system under test, this process (the load generator)
 * included; Postgres and NATS summed over their processes (they also serve anything else running
 * on the machine, idle here).
 */
function cpuNow(): Record<string, number> {
  const now: Record<string, number> = { anvil: cpuSeconds(system?.anvil.process.pid) };
  for (const { name, child } of system?.children ?? []) if (!name.startsWith('payment_rebuild')) now[name] = cpuSeconds(child.pid);
  now.postgres = postgresCpuSeconds();
  now.nats = pidsOf((program) => basename(program) === 'nats-server').reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const usage = process.cpuUsage();
  now.bench = (usage.user + usage.system) / 1e6;
  return now;
}

/** Per process, the cores it used between two `cpuNow()` readings `seconds` apart and its CPU milliseconds per payment. */
function cpuBetween(before: Record<string, number>, after: Record<string, number>, seconds: number, payments: number): Record<string, { cores: number; msPerPayment: number }> {
  const used: Record<string, { cores: number; msPerPayment: number }> = {};
  let total = 0;
  for (const [name, value] of Object.entries(after)) {
    const delta = Math.max(0, value - (before[name] ?? value));
    total += delta;
    used[name] = { cores: Number((delta / seconds).toFixed(2)), msPerPayment: Number(((delta * 1000) / Math.max(1, payments)).toFixed(2)) };
  }
  used.total = { cores: Number((total / seconds).toFixed(2)), msPerPayment: Number(((total * 1000) / Math.max(1, payments)).toFixed(2)) };
  return used;
}

/** Seconds each measured run first waited for the system to settle (settle()), by run. */
const settledSeconds: Record<string, number> = {};

/**
 * Waits until the services have finished the work earlier runs left them — their publishers
 * sending its events, the consumers working through them, a projector catching up — so that a run
 * measures its own load, not the tail of the one before: until the services, Postgres and NATS
 * together use under 0.45 of a core (about their idle polling) for 2 s running, at most 90 s.
 * Returns the seconds waited.
 */
async function settle(what: string): Promise<number> {
  const started = performance.now();
  let quietFor = 0;
  let before = cpuNow();
  while (quietFor < 2 && performance.now() - started < 90_000) {
    await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
    const now = cpuNow();
    const busy = Object.keys(now)
      .filter((name) => name !== 'anvil' && name !== 'bench')
      .reduce((sum, name) => sum + Math.max(0, now[name] - (before[name] ?? now[name])), 0);
    quietFor = busy < 0.45 ? quietFor + 1 : 0;
    before = now;
  }
  const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  say(`    waited ${seconds} s for the services to finish ${what}${quietFor < 2 ? ' (still busy after 90 s)' : ''}`);
  return seconds;
}

interface StepPhases {
  /** Waiting for the step's blocks to be read and decoded (nothing when read ahead). */
  read: number;
  lookup: number;
  /** Writing the views (the projections' calls). */
  views: number;
  /** Writing the events to publish (and the views' pipelined writes still running). */
  events: number;
  commit: number;
}

/** The projection steps a payment service logged at debug level ("projected"), and their phases summed. */
function projectionSteps(logFile: string): { steps: number; phasesMs: StepPhases } {
  const phasesMs: StepPhases = { read: 0, lookup: 0, views: 0, events: 0, commit: 0 };
  let steps = 0;
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    // no log: no steps to report
  }
  for (const line of text.split('\n')) {
    if (!line.includes('"msg":"projected"')) continue;
    const step = JSON.parse(line) as { readMs: number; lookupMs: number; projectMs: number; eventsMs: number; commitMs: number };
    steps += 1;
    phasesMs.read += step.readMs;
    phasesMs.lookup += step.lookupMs;
    phasesMs.views += step.projectMs;
    phasesMs.events += step.eventsMs;
    phasesMs.commit += step.commitMs;
  }
  return { steps, phasesMs };
}

interface LoadResult {
  paymentsPerSecond: number;
  /** Latency of the requests (a batch's payments all have their request's). */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Answers per payment: the status of each request, or of each payment of a batch. */
  statuses: Record<string, number>;
  accepted: string[];
  /** Whether the run used up its pre-signed bodies and sent some again (retries: too high a figure). */
  exhausted: boolean;
}

/** A request of a load run: one payment (its Idempotency-Key) or a batch of them (their ids in order). */
interface LoadBody {
  key?: string;
  body: string;
  operationIds: string[];
}

/**
 * The answers of a load run, counted per payment: a batch's payments by their own results in its
 * 200, otherwise each by the request's status. A payment counts as recorded on 201 and as accepted
 * on 201 or 202.
 */
function runTally() {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const accepted: string[] = [];
  const count = (status: number | string, operationId: string) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 201 || status === 202) accepted.push(operationId);
  };
  return {
    latencies,
    answer(item: LoadBody, status: number | string, body: string): void {
      if (item.key !== undefined || status !== 200) {
        for (const operationId of item.operationIds) count(status, operationId);
        return;
      }
      const { results } = JSON.parse(body) as { results: Array<{ status: number }> };
      results.forEach((result, position) => count(result.status, item.operationIds[position]));
    },
    result(seconds: number, exhausted: boolean): LoadResult {
      latencies.sort((a, b) => a - b);
      return {
        paymentsPerSecond: Math.round((statuses['201'] ?? 0) / seconds),
        p50Ms: Math.round(percentile(latencies, 50)),
        p95Ms: Math.round(percentile(latencies, 95)),
        p99Ms: Math.round(percentile(latencies, 99)),
        statuses,
        accepted,
        exhausted,
      };
    },
  };
}

/**
 * Drives POST /v1/payments (a body with `key`) or POST /v1/payments/batch with autocannon, the
 * connections split evenly over the service instances; each request takes the next
 * body from `bodies`. Counted by runTally().
 */
async function load(urls: string[], credential: string, bodies: LoadBody[], options: { durationS: number; connections: number }): Promise<LoadResult> {
  let next = 0;
  const tally = runTally();
  const started = Date.now();
  const runs = urls.map((url, index) => {
    const connections = Math.floor(options.connections / urls.length) + (index < options.connections % urls.length ? 1 : 0);
    return new Promise<void>((finish) => {
      const instance = autocannon({
        url,
        connections: Math.max(1, connections),
        duration: options.durationS,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            setupRequest: (request, context) => {
              const item = bodies[next++ % bodies.length];
              (context as { item?: LoadBody }).item = item;
              const headers: Record<string, string> = { authorization: `Bearer ${credential}`, 'content-type': 'application/json' };
              if (item.key !== undefined) headers['idempotency-key'] = item.key;
              return { ...request, path: item.key === undefined ? '/v1/payments/batch' : '/v1/payments', headers, body: item.body };
            },
            onResponse: (status, body, context) => tally.answer((context as { item: LoadBody }).item, status, body),
          },
        ],
      }, () => finish());
      instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => tally.latencies.push(responseTime));
    });
  });
  await Promise.all(runs);
  const exhausted = next > bodies.length;
  if (exhausted) say(`    warning: the run used up its ${bodies.length} pre-signed requests and sent some again; its figure counts those retries`);
  return tally.result((Date.now() - started) / 1000, exhausted);
}

/**
 * Opens `count` keep-alive connections, round robin over the instances' pools, before a paced run's
 * clock starts, as a client that sends all day has them open: each carries one cheap request (an
 * operation that does not exist: 404). Opened by the run itself, a few hundred in its first second,
 * they overflowed the services' listen queues at Node's default backlog of 511 (now
 * HTTP_LISTEN_BACKLOG), and each connection dropped there waited a second for its retry: that
 * second was the run's p99, a measure of connecting rather than of paying.
 */
async function openConnections(pools: RawHttpPool[], credential: string, count: number): Promise<void> {
  const probe = { method: 'GET' as const, path: `/v1/operations/0x${'0'.repeat(64)}`, headers: { Authorization: `Bearer ${credential}` } };
  await Promise.all(pools.map((pool, index) => pool.open(Math.floor(count / pools.length) + (index < count % pools.length ? 1 : 0), probe)));
}

/**
 * Sends `bodies` at a steady rate, open loop: request i leaves i / rate seconds after the start,
 * round robin over the service instances, whatever the earlier ones are doing; each latency is
 * counted from the moment its request was due (a sender that fell behind does not hide the wait).
 * For the runs at 80% of peak: autocannon's rate limit lets each connection send its share at the
 * start of every second, all connections at once, so a run "at 80%" was one burst a second — a
 * second's payments arriving together and queueing — and a connection whose answer took longer
 * than a second skipped the next. Counted by runTally(), as load() counts.
 */
async function paced(urls: string[], credential: string, bodies: LoadBody[], options: { durationS: number; rate: number; name: string }): Promise<LoadResult> {
  const tally = runTally();
  const requestLog: string[] = [];
  const total = Math.floor(options.durationS * options.rate);
  const exhausted = total > bodies.length;
  if (exhausted) say(`    warning: the run needs ${total} requests but has ${bodies.length} pre-signed; it sends some again and its figure counts those retries`);
  // Requests go out on raw keep-alive connections (bench-http.ts): Node's http client cost the
  // sender a sixth of the CPU a payment took at 80% of peak, on the cores the system under test uses.
  const pools = urls.map((url) => new RawHttpPool(new URL(url)));
  const send = async (index: number, due: number): Promise<void> => {
    const item = bodies[index % bodies.length];
    const headers: Record<string, string> = { Authorization: `Bearer ${credential}`, 'Content-Type': 'application/json' };
    if (item.key !== undefined) headers['Idempotency-Key'] = item.key;
    const { status, body } = await pools[index % pools.length].send({ method: 'POST', path: item.key === undefined ? '/v1/payments/batch' : '/v1/payments', headers, body: item.body });
    tally.latencies.push(performance.now() - due);
    if (settings.BENCH_REQUEST_LOG) requestLog.push(`${JSON.stringify({ run: options.name, due: performance.timeOrigin + due, ms: Math.round(performance.now() - due), instance: index % urls.length, operationIds: item.operationIds })}\n`);
    tally.answer(item, status, body);
  };
  // As many connections as a second of requests, opened before the clock starts (openConnections).
  await openConnections(pools, credential, Math.min(2_048, Math.ceil(options.rate)));
  const started = performance.now();
  const answers: Array<Promise<void>> = [];
  for (let index = 0; index < total; index += 1) {
    const due = started + (index * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolveWait) => setTimeout(resolveWait, wait));
    answers.push(send(index, due));
  }
  await Promise.all(answers);
  for (const pool of pools) pool.close();
  if (settings.BENCH_REQUEST_LOG) writeFileSync(settings.BENCH_REQUEST_LOG, requestLog.join(''), { flag: 'a' });
  return tally.result((performance.now() - started) / 1000, exhausted);
}

/** Stops the chain watcher (after the load runs; again, harmlessly, at clean-up). */
async function stopChainWatcher(): Promise<void> {
  const watcher = system?.chainWatcher;
  if (system) system.chainWatcher = undefined;
  if (!watcher) return;
  watcher.kill('SIGTERM');
  if (watcher.exitCode === null && watcher.signalCode === null) await once(watcher, 'exit');
}

/**
 * What the chain watcher saw between two moments (epoch ms): new blocks, the longest time without
 * one (from the start, between blocks, to the end) and the longest unanswered call.
 */
function chainBetween(from: number, to: number): { blocks: number; longestBlockGapMs: number; longestCallMs: number } {
  let text = '';
  try {
    text = readFileSync(current().chainWatchLog, 'utf8');
  } catch {
    // no watcher output: nothing seen
  }
  let blocks = 0;
  let longestBlockGapMs = 0;
  let longestCallMs = 0;
  let previous = from;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const entry = JSON.parse(line) as { t: number; block?: number; slowMs?: number };
    if (entry.t < from || entry.t > to) continue;
    if (entry.slowMs !== undefined) longestCallMs = Math.max(longestCallMs, entry.slowMs);
    if (entry.block !== undefined) {
      blocks += 1;
      longestBlockGapMs = Math.max(longestBlockGapMs, entry.t - previous);
      previous = entry.t;
    }
  }
  longestBlockGapMs = Math.max(longestBlockGapMs, to - previous);
  return { blocks, longestBlockGapMs, longestCallMs };
}

/** The chain during each load run (chainBetween), by run. */
const chainDuringRuns: Record<string, ReturnType<typeof chainBetween>> = {};

/** Runs a load run and records what the chain watcher saw during it under `name`. */
async function watched<T>(name: string, run: () => Promise<T>): Promise<T> {
  const from = Date.now();
  const result = await run();
  const seen = chainBetween(from, Date.now());
  chainDuringRuns[name] = seen;
  say(`    chain: ${seen.blocks} blocks, at most ${seen.longestBlockGapMs} ms without a new one, longest unanswered call ${seen.longestCallMs} ms`);
  return result;
}

/**
 * (b) chain only: pre-signed batches straight to CreditLedger.batch from a registered relayer;
 * (d) gas per payment of its full batches; (e) view lag, from a batch's receipt to the payment
 * view having its last payment.
 */
async function chainOnlyRun(setup: SystemSetup) {
  const { provider, chainId, ledgerAddress, merchant, deadline, chainOnlyLine } = setup;
  say(`(b) chain only: ${settings.BENCH_CHAIN_ONLY_PAYMENTS} payments in batches of ${settings.BENCH_BATCH_SIZE}`);
  const relayer = new Wallet(chainOnlyRelayerKey, provider);
  const ledgerInterface = interfaceOf('CreditLedger');
  const chainOrders = Array.from({ length: settings.BENCH_CHAIN_ONLY_PAYMENTS }, (_, index) => {
    const message = { operationId: operationIdOf('acme-pay', `chain-${index}`), lineId: chainOnlyLine.lineId, payee: merchant, amount: 100n, deadline };
    const signature = chainOnlyLine.wallet!.signingKey.sign(typedDataDigest(buildTypedData('CreditPayment', chainId, ledgerAddress, message))).serialized;
    return { operationId: message.operationId, calldata: payOnCreditOperation(message, signature).calldata };
  });
  let nonce = await provider.getTransactionCount(relayer.address, 'pending');
  const fees = await provider.getFeeData();
  const batches: Array<{ hash: string; raw: string; lastOperationId: string; size: number }> = [];
  for (let start = 0; start < chainOrders.length; start += settings.BENCH_BATCH_SIZE) {
    const slice = chainOrders.slice(start, start + settings.BENCH_BATCH_SIZE);
    const raw = await relayer.signTransaction({
      type: 2, chainId, to: ledgerAddress, nonce: nonce++, gasLimit: 60_000n + 200_000n * BigInt(slice.length),
      maxFeePerGas: fees.maxFeePerGas ?? 2_000_000_000n, maxPriorityFeePerGas: fees.maxPriorityFeePerGas ?? 0n,
      data: batchCalldata('CreditLedger', slice.map((order) => order.calldata)),
    });
    batches.push({ hash: Transaction.from(raw).hash!, raw, lastOperationId: slice[slice.length - 1].operationId, size: slice.length });
  }
  settledSeconds.chainOnly = await settle('the set-up');
  const chainStarted = Date.now();
  const receipts = new Map<string, { gasUsed: bigint; minedAt: number }>();
  const viewLags: number[] = [];
  // Up to 16 batches in the node's pool at once (the submitter keeps several in flight too); the
  // receipts of those sent are asked for together every 5 ms.
  const inFlightLimit = 16;
  let sent = 0;
  while (receipts.size < batches.length) {
    while (sent < batches.length && sent - receipts.size < inFlightLimit) await provider.broadcastTransaction(batches[sent++].raw);
    const waiting = batches.slice(0, sent).filter((batch) => !receipts.has(batch.hash));
    const answers = await Promise.all(waiting.map((batch) => provider.getTransactionReceipt(batch.hash)));
    answers.forEach((receipt, index) => {
      if (!receipt) return;
      if (receipt.status !== 1) throw new Error(`chain-only batch ${waiting[index].hash} reverted`);
      receipts.set(waiting[index].hash, { gasUsed: receipt.gasUsed, minedAt: Date.now() });
    });
    await new Promise((resolveWait) => setTimeout(resolveWait, 5));
  }
  const chainSeconds = (Date.now() - chainStarted) / 1000;
  const chainOnly = { paymentsPerSecond: Math.round(chainOrders.length / chainSeconds), batches: batches.length, batchSize: settings.BENCH_BATCH_SIZE };
  const fullBatches = batches.filter((batch) => batch.size === settings.BENCH_BATCH_SIZE);
  const gasPerPayment = Math.round(fullBatches.reduce((sum, batch) => sum + Number(receipts.get(batch.hash)!.gasUsed), 0) / fullBatches.reduce((sum, batch) => sum + batch.size, 0));
  say(`    ${chainOnly.paymentsPerSecond} payments/s; ${gasPerPayment} gas per payment in batches of ${settings.BENCH_BATCH_SIZE}`);

  // (e) view lag: each batch's last payment, from its receipt to the payment view having it.
  for (const batch of batches.slice(-20)) {
    const mined = receipts.get(batch.hash)!.minedAt;
    await until('the payment view', async () => ((await http(setup.paymentUrls[0], 'GET', `/v1/payments/${batch.lastOperationId}`, setup.acme)).status === 200 ? true : undefined), 60_000, 5);
    viewLags.push(Date.now() - mined);
  }
  viewLags.sort((a, b) => a - b);

  return { chainOnly, gasPerPayment, viewLags };
}

/** (c) naive: one payment per transaction, one in flight, each receipt awaited. */
async function naiveRun(setup: SystemSetup) {
  const { provider, chainId, ledgerAddress, merchant, deadline, chainOnlyLine } = setup;
  const ledgerInterface = interfaceOf('CreditLedger');
  say(`(c) naive path for ${settings.BENCH_NAIVE_SECONDS} s`);
  settledSeconds.naive = await settle('the chain-only run');
  const naiveSigner = new NonceManager(new Wallet(chainOnlyRelayerKey, provider));
  const ledgerContract = new Contract(ledgerAddress, ledgerInterface, naiveSigner);
  let naiveCount = 0;
  const naiveStarted = Date.now();
  while (Date.now() - naiveStarted < settings.BENCH_NAIVE_SECONDS * 1000) {
    const message = { operationId: operationIdOf('acme-pay', `naive-${naiveCount}`), lineId: chainOnlyLine.lineId, payee: merchant, amount: 100n, deadline };
    const signature = chainOnlyLine.wallet!.signingKey.sign(typedDataDigest(buildTypedData('CreditPayment', chainId, ledgerAddress, message))).serialized;
    const tx = await ledgerContract.getFunction('payOnCredit').send(...payOnCreditArguments(message, signature));
    await until('a naive receipt', async () => ((await provider.getTransactionReceipt(tx.hash)) ? true : undefined), 30_000, 10);
    naiveCount += 1;
  }
  const naive = { paymentsPerSecond: Number((naiveCount / ((Date.now() - naiveStarted) / 1000)).toFixed(1)) };
  say(`    ${naive.paymentsPerSecond} payments/s`);
  return naive;
}

/**
 * (g) rebuild speed: BENCH_REBUILDS times, a new payment process with an empty schema projects the
 * system's whole chain, the chain's mining paused; the median and the steps of the run at it.
 */
async function rebuildViews(setup: SystemSetup) {
  const { provider, manifest } = setup;
  // (g) rebuild: a second payment process with an empty schema projects the whole chain. Timed:
  // from the moment its projector starts from the deployment block (it creates its cursor row, at
  // the deployment block, just before its first step) to the moment that cursor reaches the head
  // read above; the process's boot, migrations and connections before that are not timed. The
  // cursor is polled every 2 ms from the moment the process is spawned until it appears, then every
  // 10 ms (a query every 2 ms took about a tenth of a core, of the bench and of Postgres, from the
  // rebuild it measures), so the start is seen within 2 ms and the end within 10; a first sighting
  // already past the deployment block (the start missed) is reported as such (`startMissed`).
  say('(g) rebuild of the payment views from the deployment block');
  // The chain stops mining while the rebuild runs: anvil 1.7 rebuilds its whole state trie for every
  // block, empty ones too (TOOLCHAIN.md), which on a chain this size takes most of a core from the
  // two the rebuild shares with it and Postgres. Measured first, and reported beside the figure.
  // First the services finish what the load runs left them, so that the rebuild is timed alone.
  const quietWaitSeconds = await settle("the load runs' work");
  const idleSampleStarted = performance.now();
  const idleCpuBefore = cpuSeconds(current().anvil.process.pid);
  await new Promise((resolveWait) => setTimeout(resolveWait, 3_000));
  const anvilIdleCores = Number(((cpuSeconds(current().anvil.process.pid) - idleCpuBefore) / ((performance.now() - idleSampleStarted) / 1000)).toFixed(2));
  await provider.send('evm_setIntervalMining', [0]);
  const head = await provider.getBlockNumber();
  say(`    anvil used ${anvilIdleCores} of a core mining empty blocks; mining paused for the rebuild`);
  const allLogs = await (async () => {
    let count = 0;
    const addresses = Object.values(manifest.contracts).map((contract) => contract.address);
    for (let from = Number(manifest.deploymentBlock); from <= head; from += 2_000) count += (await provider.getLogs({ address: addresses, fromBlock: from, toBlock: Math.min(head, from + 1_999) })).length;
    return count;
  })();
  // Rebuilt BENCH_REBUILDS times, each by a new process into a new schema (one at a time, each
  // stopped after): one run moves by a third between bench runs here; the median is the figure.
  const cursorReader = new pg.Client({ connectionString: current().databaseUrl });
  await cursorReader.connect();
  const rebuildRuns: Array<{ seconds: number; eventsPerSecond: number; startMissed: boolean; cpuMs: Record<string, number>; steps: number; phasesMs: StepPhases }> = [];
  let rebuildMemoryMb = 0;
  for (let run = 1; run <= settings.BENCH_REBUILDS; run += 1) {
    const schema = `payment_rebuild_${run}`;
    const rebuildCursor = async (): Promise<bigint | undefined> => {
      const { rows } = await cursorReader.query(`SELECT block_number FROM ${schema}.projection_cursor WHERE name = 'payment'`);
      return rows[0] ? BigInt(rows[0].block_number) : undefined;
    };
    // At debug level the projector logs each step with where its time went (one line a step).
    const rebuildService = startService('payment', { DATABASE_SCHEMA: schema, RELAYER_PRIVATE_KEY: devPrivateKey(6), LOG_LEVEL: 'debug' });
    rebuildService.catch(() => undefined); // awaited below; a failure to boot also shows as no cursor
    const firstCursor = await until('the rebuild to start', rebuildCursor, 120_000, 2);
    const rebuildStarted = performance.now();
    const cpuAtStart = rebuildCpu(schema);
    const startMissed = firstCursor !== BigInt(manifest.deploymentBlock);
    if (startMissed) say(`    warning: the cursor was first seen at block ${firstCursor}, past the deployment block ${manifest.deploymentBlock}: the figure is too high`);
    await until('the rebuild to reach the head', async () => ((await rebuildCursor())! >= BigInt(head) ? true : undefined), 600_000, 10);
    const seconds = (performance.now() - rebuildStarted) / 1000;
    const cpuAtEnd = rebuildCpu(schema);
    const cpuMs = Object.fromEntries(Object.entries(cpuAtEnd).map(([name, value]) => [name, Math.round((value - cpuAtStart[name]) * 1000)]));
    const { child } = await rebuildService;
    rebuildMemoryMb = Math.max(rebuildMemoryMb, peakMemoryMb(child.pid));
    child.kill('SIGTERM');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    rebuildRuns.push({ seconds: Number(seconds.toFixed(3)), eventsPerSecond: Math.round(allLogs / seconds), startMissed, cpuMs, ...projectionSteps(`/tmp/tally-bench-${current().id}-${schema}.log`) });
    say(`    run ${run}: ${allLogs} events in ${seconds.toFixed(3)} s: ${Math.round(allLogs / seconds)} events/s (from the projector's start at the deployment block to the head)`);
  }
  await cursorReader.end();
  // The median time (of an even count, the mean of the middle two), and the rate at that time.
  const sortedRuns = [...rebuildRuns].sort((x, y) => x.seconds - y.seconds);
  const middle = Math.floor(sortedRuns.length / 2);
  const medianSeconds = sortedRuns.length % 2 === 1 ? sortedRuns[middle].seconds : (sortedRuns[middle - 1].seconds + sortedRuns[middle].seconds) / 2;
  // The run at the median (of an even count, the faster of the middle two): its steps are reported.
  const medianRun = sortedRuns[sortedRuns.length % 2 === 1 ? middle : middle - 1];
  const startMissed = rebuildRuns.some((run) => run.startMissed);
  const rebuild = {
    events: allLogs,
    seconds: Number(medianSeconds.toFixed(3)),
    eventsPerSecond: Math.round(allLogs / medianSeconds),
    runs: rebuildRuns.map(({ seconds, eventsPerSecond, cpuMs, steps, phasesMs }) => ({ seconds, eventsPerSecond, cpuMs, steps, phasesMs })),
    startMissed,
    chainMining: 'paused',
    anvilIdleCores,
    quietWaitSeconds,
  };
  say(`    median of ${rebuildRuns.length}: ${rebuild.eventsPerSecond} events/s`);
  return { rebuild: { ...rebuild, memoryMb: rebuildMemoryMb }, medianRun };
}

/**
 * CPU seconds so far of the rebuilding process, Postgres (backends and server) and anvil: where a
 * rebuild's time goes. Postgres' and anvil's include what else runs meanwhile — the system's own
 * services polling the chain and their outboxes, the bench reading the rebuild's cursor every 10 ms:
 * a few percent of the rebuild's figures here.
 */
function rebuildCpu(schema: string): Record<string, number> {
  const rebuilding = current().children.find(({ name }) => name === schema)?.child.pid;
  return { rebuilding: cpuSeconds(rebuilding), postgres: postgresCpuSeconds(), anvil: cpuSeconds(current().anvil.process.pid) };
}

/** A self-custody or custodial payer with its credit line at the bench's merchant. */
interface PayerLine {
  lineId: string;
  wallet?: Wallet;
  enterprise: string;
}

/** What a system's set-up made: where its services answer, the organisations' keys, the payers. */
interface SystemSetup {
  provider: Awaited<ReturnType<typeof connectProvider>>;
  manifest: ReturnType<typeof deployContracts> extends Promise<infer T> ? T : never;
  chainId: bigint;
  ledgerAddress: string;
  paymentUrls: string[];
  /** API key of the enterprises' organisation (acme-pay), which every load run uses. */
  acme: string;
  merchant: string;
  selfLines: PayerLine[];
  custodialLines: PayerLine[];
  chainOnlyLine: PayerLine;
  /** The pre-signed payments' deadline: two hours of chain time after the set-up. */
  deadline: bigint;
  setupSeconds: number;
}

/**
 * Starts a fresh system (`watch`: with a chain watcher beside it) and sets it up: two
 * organisations, a merchant, BENCH_LINES self-custody payers and half as many custodial ones, each
 * with its credit line, and a self-custody line for the chain-only and naive runs. The lines are
 * set up concurrently (one after another, they took most of a minute here).
 */
async function startSystem(name: string, options: { watch: boolean }): Promise<SystemSetup> {
  const started = performance.now();
  systemsStarted += 1;
  const index = systemsStarted;
  const id = `${runId}-${index}`;
  const database = `tally_bench_${runId}_${index}`;
  const namespace = `bench${runId}${index}`;
  say(`system ${index} (${name}): a fresh anvil, database ${database}, NATS namespace ${namespace}`);
  const anvil = await startAnvil({ port: 0, args: ['--block-time', '0.2', '--gas-limit', '1000000000', ...settings.BENCH_ANVIL_ARGS.split(' ').filter(Boolean)], onOutput: () => undefined });
  system = {
    name,
    id,
    namespace,
    stream: `TALLY_BENCH_${runId.toUpperCase()}_${index}`,
    database,
    databaseUrl: settings.DATABASE_ADMIN_URL.replace(/\/[^/]*$/, `/${database}`),
    manifestPath: `/tmp/tally-bench-${id}.json`,
    anvil,
    children: [],
    chainWatchLog: `/tmp/tally-bench-${id}-chain-watch.log`,
  };
  systems.push(system);
  const admin = new pg.Client({ connectionString: settings.DATABASE_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const manifest = await deployContracts({ rpcUrl: anvil.rpcUrl, deployerPrivateKey: devPrivateKey(0) });
  writeManifest(system.manifestPath, manifest);
  if (options.watch) {
    system.chainWatcher = spawn(process.execPath, [join(root, 'dist', 'scripts', 'chain-watch.js'), anvil.rpcUrl], { stdio: ['ignore', openSync(system.chainWatchLog, 'w'), 'inherit'] });
  }
  const provider = await connectProvider(anvil.rpcUrl);

  const registration = await startService('registration');
  const credit = await startService('credit');
  const payment = await startService('payment');
  // More instances of the payment service on the same database (started one after another: the
  // first ran the migrations): each submits with its own relayer key; one of them projects.
  const paymentUrls = [payment.url];
  for (let instance = 1; instance < settings.BENCH_PAYMENT_INSTANCES; instance += 1) {
    paymentUrls.push((await startService('payment', { RELAYER_PRIVATE_KEY: extraPaymentRelayerKeys[instance - 1] }, `payment-${instance + 1}`)).url);
  }
  say('    services up; setting up organisations, payers and credit lines');

  for (const code of ['acme-pay', 'beta-pay']) await ok(registration.url, '/v1/organisations', operatorToken, { code, name: code }, `admit-${code}`);
  const acme = (await ok(registration.url, '/v1/organisations/acme-pay/api-keys', operatorToken, undefined, 'k1')).apiKey as string;
  const beta = (await ok(registration.url, '/v1/organisations/beta-pay/api-keys', operatorToken, undefined, 'k2')).apiKey as string;
  for (const url of [credit.url, ...paymentUrls]) {
    for (const key of [acme, beta]) await until('API keys to replicate', async () => ((await http(url, 'GET', `/v1/operations/0x${'0'.repeat(64)}`, key)).status === 404 ? true : undefined));
  }
  const qualification = { certificateType: 'BENCH', certificateNumber: '1', expiresAt: '2035-12-31T00:00:00Z' };
  const merchant = (await ok(registration.url, '/v1/accounts', beta, { kind: 'MERCHANT', externalRef: 'bench-merchant', custody: 'CUSTODIAL', qualification }, 'merchant')).address as string;

  /** One line per payer: its payments never wait on another payer's line. */
  async function aLine(lineIndex: number, custody: 'SELF_CUSTODY' | 'CUSTODIAL'): Promise<PayerLine> {
    let enterprise: string;
    let wallet: Wallet | undefined;
    if (custody === 'SELF_CUSTODY') {
      wallet = Wallet.createRandom() as unknown as Wallet;
      const key = `self-${lineIndex}`;
      const proof = await ok(registration.url, '/v1/accounts/key-proof', acme, { address: wallet.address }, key);
      const proofSignature = wallet.signingKey.sign(typedDataDigest(proof.typedData)).serialized;
      enterprise = (await ok(registration.url, '/v1/accounts', acme, { kind: 'ENTERPRISE', externalRef: key, custody, address: wallet.address, proofSignature, qualification }, key)).address;
    } else {
      enterprise = (await ok(registration.url, '/v1/accounts', acme, { kind: 'ENTERPRISE', externalRef: `cust-${lineIndex}`, custody, qualification }, `cust-${lineIndex}`)).address;
    }
    await ok(credit.url, '/v1/credit-accounts', acme, { enterprise, currency: 'USD', ceiling: '1000000000000000' }, `ceiling-${custody}-${lineIndex}`);
    const body = { enterprise, merchant, currency: 'USD', requestedLimit: '1000000000000000', termDays: 30, expiresAt: '2030-01-01T00:00:00Z', reference: 'bench' };
    const applied = wallet
      ? await signed(credit.url, '/v1/credit-applications', acme, body, `apply-${custody}-${lineIndex}`, wallet)
      : await ok(credit.url, '/v1/credit-applications', acme, body, `apply-${custody}-${lineIndex}`);
    await ok(credit.url, `/v1/credit-applications/${applied.id}/decision`, beta, { outcome: 'APPROVE', limit: '1000000000000000' }, `decide-${custody}-${lineIndex}`);
    return { lineId: applied.id, wallet, enterprise };
  }
  const [selfLines, custodialLines, [chainOnlyLine]] = await Promise.all([
    Promise.all(Array.from({ length: settings.BENCH_LINES }, (_, lineIndex) => aLine(lineIndex, 'SELF_CUSTODY'))),
    Promise.all(Array.from({ length: Math.max(1, Math.ceil(settings.BENCH_LINES / 2)) }, (_, lineIndex) => aLine(lineIndex, 'CUSTODIAL'))),
    Promise.all([aLine(999, 'SELF_CUSTODY')]),
  ]);
  const deadline = BigInt((await provider.getBlock('latest'))!.timestamp) + 7_200n;
  const setupSeconds = Number(((performance.now() - started) / 1000).toFixed(1));
  say(`    set up in ${setupSeconds} s`);
  return {
    provider,
    manifest,
    chainId: BigInt(manifest.chainId),
    ledgerAddress: manifest.contracts.CreditLedger.address,
    paymentUrls,
    acme,
    merchant,
    selfLines,
    custodialLines,
    chainOnlyLine,
    deadline,
    setupSeconds,
  };
}

/** Peak memory of each process of the system so far, the highest of all systems kept by name. */
const memoryMb: Record<string, number> = {};

/** Reads the system's peak memory, then stops its services, watcher and chain, and drops its database and stream. */
async function stopSystem(setup: SystemSetup): Promise<void> {
  const stopping = system;
  if (!stopping) return;
  const keep = (name: string, mb: number) => {
    memoryMb[name] = Math.max(memoryMb[name] ?? 0, mb);
  };
  keep('anvil', peakMemoryMb(stopping.anvil.process.pid));
  for (const { name, child } of stopping.children) if (!name.startsWith('payment_rebuild')) keep(name, peakMemoryMb(child.pid));
  setup.provider.destroy();
  await stopChainWatcher();
  system = undefined;
  // Still listed while it stops, so that a clean-up meanwhile waits for it rather than missing it.
  await stopProcesses(stopping);
  systems.splice(systems.indexOf(stopping), 1);
}

/** Stops a system's processes and chain and drops what it made (the database unless BENCH_KEEP_DATABASE). */
function stopProcesses(stopping: System): Promise<void> {
  stopping.stopped ??= (async () => {
    stopping.chainWatcher?.kill('SIGTERM');
    for (const { child } of stopping.children) child.kill('SIGTERM');
    // A service that does not stop within 10 s is killed.
    await Promise.all(
      stopping.children.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await once(child, 'exit');
        clearTimeout(timer);
      }),
    );
    await stopping.anvil.stop().catch(() => stopping.anvil.process.kill('SIGKILL'));
    const admin = new pg.Client({ connectionString: settings.DATABASE_ADMIN_URL });
    if (settings.BENCH_KEEP_DATABASE === '1') say(`kept the database ${stopping.database}`);
    else await admin.connect().then(() => admin.query(`DROP DATABASE IF EXISTS "${stopping.database}" WITH (FORCE)`)).catch(() => undefined);
    await admin.end().catch(() => undefined);
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const nats = await connect({ servers: settings.NATS_URL }).catch(() => undefined);
    if (nats) {
      try {
        await (await jetstreamManager(nats)).streams.delete(stopping.stream).catch(() => undefined);
      } finally {
        await nats.close().catch(() => undefined);
      }
    }
  })();
  return stopping.stopped;
}

/** Self-custody payments on the system's lines, signed before timing (round robin over the payers). */
async function presign(setup: SystemSetup, count: number, prefix: string): Promise<Array<ReturnType<typeof signPayment>>> {
  const started = Date.now();
  const payments: Array<ReturnType<typeof signPayment>> = [];
  // Signing is CPU work on this process's event loop: it yields every few hundred signatures, or
  // anvil's output pipe (read by this process) fills up and the node stops answering everyone.
  for (let index = 0; index < count; index += 1) {
    if (index % 250 === 0) await new Promise((resolveYield) => setImmediate(resolveYield));
    payments.push(signPayment(setup, index, prefix));
  }
  say(`signed ${count} payments in ${Date.now() - started} ms`);
  return payments;
}

function signPayment(setup: SystemSetup, index: number, prefix: string) {
  const line = setup.selfLines[index % setup.selfLines.length];
  const key = `${prefix}-${index}`;
  const operationId = operationIdOf('acme-pay', key);
  const message = { operationId, lineId: line.lineId, payee: setup.merchant, amount: 100n, deadline: setup.deadline };
  const signature = line.wallet!.signingKey.sign(typedDataDigest(buildTypedData('CreditPayment', setup.chainId, setup.ledgerAddress, message))).serialized;
  return { key, operationId, payment: { kind: 'CREDIT', lineId: line.lineId, payee: setup.merchant, amount: '100', signature, deadline: setup.deadline.toString() } };
}

/** One request per payment (POST /v1/payments). */
const alone = (payments: Array<ReturnType<typeof signPayment>>): LoadBody[] =>
  payments.map(({ key, operationId, payment }) => ({ key, operationIds: [operationId], body: JSON.stringify(payment) }));

/** `size` payments per request (POST /v1/payments/batch), each with its key. */
function batched(payments: Array<ReturnType<typeof signPayment>>, size: number): LoadBody[] {
  const requests: LoadBody[] = [];
  for (let start = 0; start < payments.length; start += size) {
    const slice = payments.slice(start, start + size);
    requests.push({ operationIds: slice.map((item) => item.operationId), body: JSON.stringify({ payments: slice.map(({ key, payment }) => ({ idempotencyKey: key, ...payment })) }) });
  }
  return requests;
}

/**
 * (h) on one system: the payments it accepted against its chain's BillRecorded events. A payment
 * answered 202 may land after its run: the chain is read again for up to a minute while any
 * accepted payment is missing from it.
 */
async function againstChain(setup: SystemSetup, runs: LoadResult[]): Promise<{ accepted: number; onChain: number; lost: number; duplicated: number }> {
  const accepted = new Set(runs.flatMap((run) => run.accepted));
  const recordedTopic = interfaceOf('CreditLedger').getEvent('BillRecorded')!.topicHash;
  const onChain: string[] = [];
  const onChainSet = new Set<string>();
  let from = Number(setup.manifest.deploymentBlock);
  const readUpToHead = async () => {
    const head = await setup.provider.getBlockNumber();
    for (; from <= head; from += 2_000) {
      const logs = await setup.provider.getLogs({ address: setup.ledgerAddress, topics: [recordedTopic], fromBlock: from, toBlock: Math.min(head, from + 1_999) });
      for (const log of logs) {
        onChain.push(log.topics[1]);
        onChainSet.add(log.topics[1]);
      }
    }
    from = head + 1;
  };
  const missing = () => [...accepted].filter((operationId) => !onChainSet.has(operationId)).length;
  const deadline = Date.now() + 60_000;
  await readUpToHead();
  while (missing() > 0 && Date.now() < deadline) {
    await new Promise((resolveWait) => setTimeout(resolveWait, 2_000));
    await readUpToHead();
  }
  const lost = missing();
  const duplicated = onChain.length - onChainSet.size;
  say(`(h) accepted ${accepted.size}, on chain ${onChainSet.size}, lost ${lost}, duplicated ${duplicated}`);
  return { accepted: accepted.size, onChain: onChainSet.size, lost, duplicated };
}

/**
 * A warm-up on the system before the run `name`: BENCH_WARMUP_S seconds of the load that run sends
 * (`perRequest` payments a request), closed loop, not measured; its payments count in (h).
 */
async function warmUpOn(setup: SystemSetup, name: string, perRequest: number): Promise<LoadResult[]> {
  if (settings.BENCH_WARMUP_S === 0) return [];
  // Enough for a second of the fastest peak seen here and a margin (2,782 payments/s batched, 1,303
  // one per request): a warm-up that runs out sends requests again (harmless: not measured).
  const payments = await presign(setup, settings.BENCH_WARMUP_S * (perRequest > 1 ? 4_000 : 2_000), `${name}-warm-up`);
  const bodies = perRequest > 1 ? batched(payments, perRequest) : alone(payments);
  const connections = perRequest > 1 ? settings.BENCH_BATCH_CONNECTIONS : settings.BENCH_CONNECTIONS;
  say(`    warming up: ${settings.BENCH_WARMUP_S} s of the same load, not measured`);
  settledSeconds[`${name}WarmUp`] = await settle('the set-up');
  return [await load(setup.paymentUrls, setup.acme, bodies, { durationS: settings.BENCH_WARMUP_S, connections })];
}

/**
 * A measured load run: once the system has settled after its warm-up (or set-up), watched, with the
 * CPU each process used during it (per payment recorded).
 */
async function measured(name: string, warmedUp: boolean, run: () => Promise<LoadResult>): Promise<{ result: LoadResult; cpu: ReturnType<typeof cpuBetween> }> {
  settledSeconds[name] = await settle(warmedUp ? 'the warm-up' : 'the set-up');
  const before = cpuNow();
  const started = performance.now();
  const result = await watched(name, run);
  return { result, cpu: cpuBetween(before, cpuNow(), (performance.now() - started) / 1000, result.statuses['201'] ?? 0) };
}

/** CPU figures as one line: each process's cores (ms per payment). */
const cpuText = (cpu: ReturnType<typeof cpuBetween>) => Object.entries(cpu).map(([name, { cores, msPerPayment }]) => `${name} ${cores} (${msPerPayment})`).join(', ');

async function main(): Promise<void> {
  const startedAt = new Date();
  const systemsReport: Array<{ name: string; setupSeconds: number; runs: string[]; billsRecorded: number }> = [];
  const chainChecks: Array<Awaited<ReturnType<typeof againstChain>>> = [];

  /** After a system's runs: the chain watcher stopped, (h) for the system, its entry in the report. */
  const finish = async (setup: SystemSetup, runs: LoadResult[], names: string[]): Promise<void> => {
    await stopChainWatcher();
    chainChecks.push(await againstChain(setup, runs));
    systemsReport.push({ name: current().name, setupSeconds: setup.setupSeconds, runs: names, billsRecorded: chainChecks[chainChecks.length - 1].onChain });
  };
  const perRequest = settings.BENCH_PAYMENTS_PER_REQUEST;

  if (settings.BENCH_ONLY === 'rebuild') {
    const setup = await startSystem('rebuild only', { watch: false });
    await chainOnlyRun(setup);
    const { rebuild, medianRun } = await rebuildViews(setup);
    await stopSystem(setup);
    say(`(g) ${JSON.stringify({ ...rebuild, medianRun })}`);
    return;
  }

  // (a) one payment per request: the peak on a system of its own, then the run at 80% of it (and
  // the custodial run) on another, so that each starts on a chain of the same size.
  let setup = await startSystem('one payment per request, peak', { watch: true });
  const peakBodies = alone(await presign(setup, settings.BENCH_DURATION_S * 2_000, 'peak'));
  const peakWarmUps = await warmUpOn(setup, 'peak', 1);
  say(`(a) end to end, self-custody, ${settings.BENCH_CONNECTIONS} connections over ${setup.paymentUrls.length} payment instance(s) for ${settings.BENCH_DURATION_S} s`);
  const { result: peak, cpu: cpuAtPeak } = await measured('peak', peakWarmUps.length > 0, () =>
    load(setup.paymentUrls, setup.acme, peakBodies, { durationS: settings.BENCH_DURATION_S, connections: settings.BENCH_CONNECTIONS }),
  );
  const cpuAtPeakText = cpuText(cpuAtPeak);
  say(`    ${peak.paymentsPerSecond} payments/s, p50 ${peak.p50Ms} ms, p95 ${peak.p95Ms} ms, p99 ${peak.p99Ms} ms, statuses ${JSON.stringify(peak.statuses)}`);
  say(`    CPU (cores; ms per payment): ${cpuAtPeakText}`);
  await finish(setup, [...peakWarmUps, peak], perRequest > 0 ? ['peak'] : ['peak', 'rebuild']);
  // Without batched runs, (g) rebuilds this chain.
  let rebuilt = perRequest > 0 ? undefined : await rebuildViews(setup);
  await stopSystem(setup);

  setup = await startSystem('one payment per request, at 80% of peak', { watch: true });
  const rate = Math.max(1, Math.floor(peak.paymentsPerSecond * 0.8));
  const at80Bodies = alone(await presign(setup, rate * settings.BENCH_DURATION_S + 1_000, 'at80'));
  const at80WarmUps = await warmUpOn(setup, 'at80', 1);
  say(`(a) end to end at 80% of peak: ${rate} requests/s, paced`);
  const { result: at80, cpu: cpuAt80 } = await measured('at80', at80WarmUps.length > 0, () =>
    paced(setup.paymentUrls, setup.acme, at80Bodies, { durationS: settings.BENCH_DURATION_S, rate, name: 'at80' }),
  );
  say(`    ${at80.paymentsPerSecond} payments/s, p50 ${at80.p50Ms} ms, p95 ${at80.p95Ms} ms, p99 ${at80.p99Ms} ms`);
  say(`    CPU (cores; ms per payment): ${cpuText(cpuAt80)}`);

  say('(a) end to end, custodial payers (Tally signs through registration)');
  settledSeconds.custodial = await settle('the run at 80%');
  const custodialBodies = Array.from({ length: settings.BENCH_DURATION_S * 2_000 }, (_, index) => {
    const line = setup.custodialLines[index % setup.custodialLines.length];
    const key = `custodial-${index}`;
    return { key, operationIds: [operationIdOf('acme-pay', key)], body: JSON.stringify({ kind: 'CREDIT', lineId: line.lineId, amount: '100' }) };
  });
  const custodial = await watched('custodial', () => load(setup.paymentUrls, setup.acme, custodialBodies, { durationS: settings.BENCH_DURATION_S, connections: settings.BENCH_CONNECTIONS }));
  say(`    ${custodial.paymentsPerSecond} payments/s, p99 ${custodial.p99Ms} ms`);
  await finish(setup, [...at80WarmUps, at80, custodial], ['at80', 'custodial']);
  await stopSystem(setup);

  // (a) batched: the same self-custody payments, BENCH_PAYMENTS_PER_REQUEST to a request, through
  // POST /v1/payments/batch, at peak and at 80% of it, each on a fresh system; latency is each
  // request's. (g) rebuilds the peak's chain.
  let batchedRuns: { peak: LoadResult; cpu: ReturnType<typeof cpuBetween>; cpuText: string; requestRate: number; at80: LoadResult; at80Cpu: ReturnType<typeof cpuBetween> } | undefined;
  if (perRequest > 0) {
    setup = await startSystem('batched, peak', { watch: true });
    // Enough for the run without sending any twice: batching made 2.2–3.5 times the one-per-request peak here.
    const batchedPeakBodies = batched(await presign(setup, settings.BENCH_DURATION_S * Math.max(2_500, 4 * peak.paymentsPerSecond), 'batch-peak'), perRequest);
    const batchedPeakWarmUps = await warmUpOn(setup, 'batchedPeak', perRequest);
    say(`(a) end to end, self-custody, ${perRequest} payments per request, ${settings.BENCH_BATCH_CONNECTIONS} connections over ${setup.paymentUrls.length} payment instance(s) for ${settings.BENCH_DURATION_S} s`);
    const { result: batchPeak, cpu: batchCpu } = await measured('batchedPeak', batchedPeakWarmUps.length > 0, () =>
      load(setup.paymentUrls, setup.acme, batchedPeakBodies, { durationS: settings.BENCH_DURATION_S, connections: settings.BENCH_BATCH_CONNECTIONS }),
    );
    say(`    ${batchPeak.paymentsPerSecond} payments/s, request p50 ${batchPeak.p50Ms} ms, p95 ${batchPeak.p95Ms} ms, p99 ${batchPeak.p99Ms} ms, payments ${JSON.stringify(batchPeak.statuses)}`);
    say(`    CPU (cores; ms per payment): ${cpuText(batchCpu)}`);
    await finish(setup, [...batchedPeakWarmUps, batchPeak], ['batchedPeak', 'rebuild']);
    rebuilt = await rebuildViews(setup);
    await stopSystem(setup);

    setup = await startSystem('batched, at 80% of peak', { watch: true });
    const requestRate = Number(Math.max(0.1, (batchPeak.paymentsPerSecond * 0.8) / perRequest).toFixed(2));
    const batchedAt80Bodies = batched(await presign(setup, Math.ceil(requestRate * settings.BENCH_DURATION_S) * perRequest, 'batch-at80'), perRequest);
    const batchedAt80WarmUps = await warmUpOn(setup, 'batchedAt80', perRequest);
    say(`(a) batched at 80% of peak: ${requestRate} requests/s (${Math.round(requestRate * perRequest)} payments/s), paced`);
    const { result: batchAt80, cpu: batchAt80Cpu } = await measured('batchedAt80', batchedAt80WarmUps.length > 0, () =>
      paced(setup.paymentUrls, setup.acme, batchedAt80Bodies, { durationS: settings.BENCH_DURATION_S, rate: requestRate, name: 'batchedAt80' }),
    );
    say(`    ${batchAt80.paymentsPerSecond} payments/s, request p50 ${batchAt80.p50Ms} ms, p95 ${batchAt80.p95Ms} ms, p99 ${batchAt80.p99Ms} ms`);
    say(`    CPU (cores; ms per payment): ${cpuText(batchAt80Cpu)}`);
    batchedRuns = { peak: batchPeak, cpu: batchCpu, cpuText: cpuText(batchCpu), requestRate, at80: batchAt80, at80Cpu: batchAt80Cpu };
    await finish(setup, [...batchedAt80WarmUps, batchAt80], ['batchedAt80']);
    await stopSystem(setup);
  }
  const { rebuild, medianRun } = rebuilt!;

  // (b) chain only, (d) gas, (e) view lag and (c) naive, on a fresh system.
  setup = await startSystem('chain only and naive', { watch: false });
  const { chainOnly, gasPerPayment, viewLags } = await chainOnlyRun(setup);
  const naive = await naiveRun(setup);
  systemsReport.push({ name: current().name, setupSeconds: setup.setupSeconds, runs: ['chainOnly', 'naive'], billsRecorded: settings.BENCH_CHAIN_ONLY_PAYMENTS });
  await stopSystem(setup);

  memoryMb.rebuild = rebuild.memoryMb;
  memoryMb.bench = Math.round(process.resourceUsage().maxRSS / 1024);
  const accepted = chainChecks.reduce((sum, check) => sum + check.accepted, 0);
  const lost = chainChecks.reduce((sum, check) => sum + check.lost, 0);
  const duplicated = chainChecks.reduce((sum, check) => sum + check.duplicated, 0);

  const report = {
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
    startedAt: startedAt.toISOString(),
    settings,
    endToEnd: { paymentsPerSecond: peak.paymentsPerSecond, p50Ms: peak.p50Ms, p95Ms: peak.p95Ms, p99Ms: peak.p99Ms, statuses: peak.statuses, cpu: cpuAtPeak },
    at80PercentOfPeak: { requestsPerSecond: rate, paymentsPerSecond: at80.paymentsPerSecond, p50Ms: at80.p50Ms, p95Ms: at80.p95Ms, p99Ms: at80.p99Ms, statuses: at80.statuses, cpu: cpuAt80 },
    custodial: { paymentsPerSecond: custodial.paymentsPerSecond, p50Ms: custodial.p50Ms, p99Ms: custodial.p99Ms, statuses: custodial.statuses },
    endToEndBatched: batchedRuns && {
      paymentsPerRequest: perRequest,
      connections: settings.BENCH_BATCH_CONNECTIONS,
      paymentsPerSecond: batchedRuns.peak.paymentsPerSecond,
      p50Ms: batchedRuns.peak.p50Ms,
      p95Ms: batchedRuns.peak.p95Ms,
      p99Ms: batchedRuns.peak.p99Ms,
      statuses: batchedRuns.peak.statuses,
      cpu: batchedRuns.cpu,
      at80PercentOfPeak: { requestsPerSecond: batchedRuns.requestRate, paymentsPerSecond: batchedRuns.at80.paymentsPerSecond, p50Ms: batchedRuns.at80.p50Ms, p95Ms: batchedRuns.at80.p95Ms, p99Ms: batchedRuns.at80.p99Ms, statuses: batchedRuns.at80.statuses, cpu: batchedRuns.at80Cpu },
    },
    exhausted: [peak, at80, custodial, batchedRuns?.peak, batchedRuns?.at80].some((run) => run?.exhausted),
    settledSeconds,
    chainDuringRuns,
    chainOnly,
    naive,
    gasPerPayment,
    viewLagMs: { p50: percentile(viewLags, 50), p99: percentile(viewLags, 99), samples: viewLags.length },
    memoryMb,
    rebuild: (({ memoryMb: _memory, ...figures }) => figures)(rebuild),
    systems: systemsReport,
    accepted,
    lost,
    duplicated,
  };
  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(resultsDir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  const markdown = [
    `# Benchmark ${report.startedAt}`,
    '',
    `Machine: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGb} GiB, Node ${report.machine.node}. A fresh system (anvil with block time 0.2 s, gas limit 1e9${settings.BENCH_ANVIL_ARGS ? `, ${settings.BENCH_ANVIL_ARGS}` : ''}) for each group of runs.`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| (a) end to end, self-custody, peak (${settings.BENCH_PAYMENT_INSTANCES} payment instance${settings.BENCH_PAYMENT_INSTANCES > 1 ? 's' : ''}) | ${report.endToEnd.paymentsPerSecond} payments/s, p50 ${report.endToEnd.p50Ms} ms, p95 ${report.endToEnd.p95Ms} ms, p99 ${report.endToEnd.p99Ms} ms |`,
    `| (a) CPU during the peak run: cores (ms per payment) | ${cpuAtPeakText} |`,
    `| (a) at 80% of peak (${rate} req/s, paced) | ${report.at80PercentOfPeak.paymentsPerSecond} payments/s, p50 ${report.at80PercentOfPeak.p50Ms} ms, p95 ${report.at80PercentOfPeak.p95Ms} ms, p99 ${report.at80PercentOfPeak.p99Ms} ms |`,
    `| (a) CPU during the run at 80%: cores (ms per payment) | ${cpuText(cpuAt80)} |`,
    `| (a) end to end, custodial | ${report.custodial.paymentsPerSecond} payments/s, p99 ${report.custodial.p99Ms} ms |`,
    ...(batchedRuns
      ? [
          `| (a) end to end, self-custody, ${perRequest} payments per request (POST /v1/payments/batch), peak | ${batchedRuns.peak.paymentsPerSecond} payments/s; requests p50 ${batchedRuns.peak.p50Ms} ms, p95 ${batchedRuns.peak.p95Ms} ms, p99 ${batchedRuns.peak.p99Ms} ms |`,
          `| (a) batched: CPU during the peak run, cores (ms per payment) | ${batchedRuns.cpuText} |`,
          `| (a) batched at 80% of peak (${batchedRuns.requestRate} req/s, paced) | ${batchedRuns.at80.paymentsPerSecond} payments/s; requests p50 ${batchedRuns.at80.p50Ms} ms, p95 ${batchedRuns.at80.p95Ms} ms, p99 ${batchedRuns.at80.p99Ms} ms |`,
          `| (a) batched: CPU during the run at 80%, cores (ms per payment) | ${cpuText(batchedRuns.at80Cpu)} |`,
        ]
      : []),
    `| (b) chain only (batches of ${chainOnly.batchSize}) | ${chainOnly.paymentsPerSecond} payments/s |`,
    `| (c) naive (one per transaction) | ${naive.paymentsPerSecond} payments/s |`,
    `| (d) gas per credit payment in a batch | ${gasPerPayment} |`,
    `| (e) view lag, chain → payment view | p50 ${report.viewLagMs.p50} ms, p99 ${report.viewLagMs.p99} ms |`,
    `| (f) peak memory | ${Object.entries(memoryMb).map(([name, mb]) => `${name} ${mb} MB`).join(', ')} |`,
    `| (g) rebuild of the payment views | ${rebuild.eventsPerSecond} events/s, median of ${rebuild.runs.length} (${rebuild.events} events in ${rebuild.seconds} s; runs ${rebuild.runs.map((run) => run.eventsPerSecond).join(', ')} events/s; chain mining paused after ${rebuild.quietWaitSeconds} s for the services to go quiet; idle, anvil used ${rebuild.anvilIdleCores} of a core${rebuild.startMissed ? '; start missed: too high' : ''}) |`,
    `| (g) where the median rebuild's time went (its projector's steps) | ${medianRun.steps} step(s): waiting for the read ${medianRun.phasesMs.read} ms, outbox lookup ${medianRun.phasesMs.lookup} ms, views ${medianRun.phasesMs.views} ms, events ${medianRun.phasesMs.events} ms, commit ${medianRun.phasesMs.commit} ms; CPU ${Object.entries(medianRun.cpuMs).map(([name, ms]) => `${name} ${ms} ms`).join(', ')} |`,
    `| (h) accepted / lost / duplicated | ${report.accepted} / ${lost} / ${duplicated} |`,
    `| systems (each a fresh anvil, database and services): set-up, runs, bills recorded | ${systemsReport.map((entry, index) => `${index + 1}. ${entry.name}: ${entry.setupSeconds} s, ${entry.runs.join(', ')}, ${entry.billsRecorded} bills`).join('; ')} |`,
    `| the chain during each run (chain-watch: new blocks, longest time without one, longest unanswered call) | ${Object.entries(chainDuringRuns).map(([run, seen]) => `${run} ${seen.blocks} blocks, ${seen.longestBlockGapMs} ms, ${seen.longestCallMs} ms`).join('; ')} |`,
    `| before each run, waited for the services to finish the last one's work (s) | ${Object.entries(settledSeconds).map(([run, seconds]) => `${run} ${seconds}`).join(', ')} |`,
    ...(report.exhausted ? ['', 'Warning: a load run used up its pre-signed payments and sent some again; its figure counts those retries.'] : []),
    '',
  ].join('\n');
  writeFileSync(join(resultsDir, 'latest.md'), markdown);
  process.stdout.write(`\n${markdown}\nwritten to bench/results/${stamp}.json, latest.json and latest.md\n`);
}


/** Stops every system still running; called again (a signal, then main's failure), it waits for the first call. */
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    system = undefined;
    // Each system still listed, one after another; one that fails to stop does not keep the others running.
    for (const stopping of [...systems]) await stopProcesses(stopping).catch((error: unknown) => say(`stopping ${stopping.name} failed: ${String(error)}`));
    systems.length = 0;
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping the bench's services and chain`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main()
  .then(cleanUp, async (error: unknown) => {
    process.stderr.write(`[bench] failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    await cleanUp();
    process.exit(1);
  })
  .then(() => process.exit(0));


