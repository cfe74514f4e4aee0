// Loads and validates the configuration once. This is the only module that reads process.env.
import { z } from 'zod';
import { configSchema, defaultHttpPorts, messagingSchema, type ServiceName } from './config.schema.js';

export interface TallyConfig {
  serviceName: ServiceName;
  http: { host: string; port: number; listenBacklog: number };
  database: { url: string; schema: string };
  nats: { url: string; namespace: string; stream: string };
  chain: {
    rpcUrl: string;
    rpcTimeoutMs: number;
    deploymentManifest: string | undefined;
    confirmations: number;
    relayerPrivateKey: string;
    operatorPrivateKey: string | undefined;
    deploymentRelayers: string[];
  };
  submitter: { batchWindowMs: number; maxBatchSize: number; maxInFlight: number; receiptTimeoutMs: number; replaceAfterMs: number };
  projector: { pollMs: number; maxBlockRange: number; catchUpBlockRange: number; journalDepth: number };
  requestTimeoutMs: number;
  apiKeyCacheMs: number;
  operatorToken: string;
  masterKey: string | undefined;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describe(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

const byService = new Map<ServiceName, TallyConfig>();

/**
 * Validates the environment for one service. Throws ConfigError naming every wrong or missing
 * setting; `required` lists settings that are optional in general but needed by this service.
 */
export function loadConfig(
  serviceName: ServiceName,
  required: Array<'MASTER_KEY' | 'OPERATOR_PRIVATE_KEY'> = [],
  env: NodeJS.ProcessEnv = process.env,
): TallyConfig {
  const cached = env === process.env ? byService.get(serviceName) : undefined;
  if (cached) return cached;
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(describe(parsed.error));
  const raw = parsed.data;
  const missing = required.filter((name) => raw[name] === undefined).map((name) => `${name}: required by ${serviceName}`);
  if (missing.length > 0) throw new ConfigError(missing);
  const config: TallyConfig = {
    serviceName,
    http: { host: raw.HTTP_HOST, port: raw.HTTP_PORT ?? defaultHttpPorts[serviceName], listenBacklog: raw.HTTP_LISTEN_BACKLOG },
    database: { url: raw.DATABASE_URL, schema: raw.DATABASE_SCHEMA ?? serviceName },
    nats: { url: raw.NATS_URL, namespace: raw.NATS_NAMESPACE, stream: raw.NATS_STREAM },
    chain: {
      rpcUrl: raw.CHAIN_RPC_URL,
      rpcTimeoutMs: raw.CHAIN_RPC_TIMEOUT_MS,
      deploymentManifest: raw.DEPLOYMENT_MANIFEST,
      confirmations: raw.CONFIRMATIONS,
      relayerPrivateKey: raw.RELAYER_PRIVATE_KEY,
      operatorPrivateKey: raw.OPERATOR_PRIVATE_KEY,
      deploymentRelayers: raw.DEPLOYMENT_RELAYERS ?? [],
    },
    submitter: {
      batchWindowMs: raw.BATCH_WINDOW_MS,
      maxBatchSize: raw.MAX_BATCH_SIZE,
      maxInFlight: raw.MAX_BATCHES_IN_FLIGHT,
      receiptTimeoutMs: raw.SUBMIT_RECEIPT_TIMEOUT_MS,
      replaceAfterMs: raw.SUBMIT_REPLACE_AFTER_MS,
    },
    projector: { pollMs: raw.PROJECTOR_POLL_MS, maxBlockRange: raw.PROJECTOR_MAX_BLOCK_RANGE, catchUpBlockRange: raw.PROJECTOR_CATCH_UP_BLOCK_RANGE, journalDepth: raw.PROJECTOR_JOURNAL_DEPTH },
    requestTimeoutMs: raw.REQUEST_TIMEOUT_MS,
    apiKeyCacheMs: raw.API_KEY_CACHE_MS,
    operatorToken: raw.OPERATOR_TOKEN,
    masterKey: raw.MASTER_KEY,
    logLevel: raw.LOG_LEVEL,
  };
  if (env === process.env) byService.set(serviceName, config);
  return config;
}

let messaging: z.infer<typeof messagingSchema> | undefined;

/** The namespace and stream name, read once at import time by the subject catalogue. */
export function loadMessagingSettings(): z.infer<typeof messagingSchema> {
  if (messaging) return messaging;
  const parsed = messagingSchema.safeParse(process.env);
  if (!parsed.success) throw new ConfigError(describe(parsed.error));
  messaging = parsed.data;
  return messaging;
}

export const TALLY_CONFIG = Symbol('TALLY_CONFIG');
