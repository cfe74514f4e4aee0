// The one description of every setting a Tally service reads. A wrong or missing setting stops the
// service at start with a message naming it (see loadConfig).
import { z } from 'zod';

const hex32 = /^0x[0-9a-fA-F]{64}$/;
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const addressList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  )
  .pipe(z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'each item must be a 0x-prefixed 20-byte address')));

export const serviceNames = ['registration', 'credit', 'payment', 'settlement'] as const;
export type ServiceName = (typeof serviceNames)[number];

export const defaultHttpPorts: Record<ServiceName, number> = {
  registration: 3001,
  credit: 3002,
  payment: 3003,
  settlement: 3004,
};

/** Settings the NATS subject catalogue needs at import time (decorators use the subjects). */
export const messagingSchema = z.object({
  NATS_NAMESPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/, 'lower-case letters, digits, - and _, starting with a letter')
    .default('tally'),
  NATS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _')
    .default('TALLY_EVENTS'),
});

export const configSchema = messagingSchema.extend({
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: port.optional(),
  /**
   * Connections the kernel holds for the HTTP server until it accepts them (it caps this at
   * net.core.somaxconn). Node's default, 511, overflowed when a few hundred clients connected at
   * once to a busy instance: each dropped connection waited a second to retry.
   */
  HTTP_LISTEN_BACKLOG: positiveInt.max(65_535).default(4_096),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/tally'),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier')
    .optional(),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  CHAIN_RPC_URL: z.url().default('http://127.0.0.1:8545'),
  CHAIN_RPC_TIMEOUT_MS: positiveInt.max(120_000).default(10_000),
  DEPLOYMENT_MANIFEST: z.string().optional(),
  CONFIRMATIONS: positiveInt.max(64).default(1),
  RELAYER_PRIVATE_KEY: z.string().regex(hex32, 'a 0x-prefixed 32-byte hex private key'),
  OPERATOR_TOKEN: z.string().min(16, 'at least 16 characters'),
  MASTER_KEY: z.string().regex(hex32, 'a 0x-prefixed 32-byte hex key (AES-256-GCM)').optional(),
  OPERATOR_PRIVATE_KEY: z.string().regex(hex32, 'a 0x-prefixed 32-byte hex private key').optional(),
  DEPLOYMENT_RELAYERS: addressList.optional(),
  BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(10_000).default(20),
  MAX_BATCH_SIZE: positiveInt.max(512).default(100),
  MAX_BATCHES_IN_FLIGHT: positiveInt.max(64).default(16),
  REQUEST_TIMEOUT_MS: positiveInt.max(120_000).default(10_000),
  PROJECTOR_POLL_MS: positiveInt.max(60_000).default(200),
  PROJECTOR_MAX_BLOCK_RANGE: positiveInt.max(100_000).default(2_000),
  /** Most blocks the projector reads at once while more than PROJECTOR_MAX_BLOCK_RANGE behind the head (rebuild, catch-up). */
  PROJECTOR_CATCH_UP_BLOCK_RANGE: positiveInt.max(1_000_000).default(20_000),
  /** Steps within this many blocks of the head are journaled: a reorg that deep rolls the views back instead of rebuilding them; 0 turns the journal off. */
  PROJECTOR_JOURNAL_DEPTH: z.coerce.number().int().min(0).max(10_000).default(128),
  SUBMIT_RECEIPT_TIMEOUT_MS: positiveInt.max(600_000).default(30_000),
  /** A batch not mined this long after it was sent is sent again with the same nonce and higher fees. */
  SUBMIT_REPLACE_AFTER_MS: positiveInt.max(600_000).default(10_000),
  API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(5_000).default(1_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type RawConfig = z.infer<typeof configSchema>;
