// A small client of Tally's public HTTP APIs for the command-line scripts (demo, reconcile): the
// service URLs, the operator credential of a local `npm start`, and calls that fail loudly.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const settings = z
  .object({
    REGISTRATION_URL: z.string().url().default('http://127.0.0.1:3001'),
    CREDIT_URL: z.string().url().default('http://127.0.0.1:3002'),
    PAYMENT_URL: z.string().url().default('http://127.0.0.1:3003'),
    SETTLEMENT_URL: z.string().url().default('http://127.0.0.1:3004'),
    OPERATOR_TOKEN: z.string().min(16).optional(),
    TALLY_DATA_DIR: z.string().default(join(root, '.data')),
    HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  })
  .parse(process.env);

export type Service = 'registration' | 'credit' | 'payment' | 'settlement';

const baseUrls: Record<Service, string> = {
  registration: settings.REGISTRATION_URL,
  credit: settings.CREDIT_URL,
  payment: settings.PAYMENT_URL,
  settlement: settings.SETTLEMENT_URL,
};

/** The operator credential: OPERATOR_TOKEN, or the one `npm start` keeps in .data/secrets.json. */
export function operatorToken(): string {
  if (settings.OPERATOR_TOKEN) return settings.OPERATOR_TOKEN;
  const file = join(resolve(settings.TALLY_DATA_DIR), 'secrets.json');
  if (!existsSync(file)) throw new Error(`set OPERATOR_TOKEN, or run npm start first (no ${file})`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { operatorToken: string }).operatorToken;
}

export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body)}`);
  }
}

export interface CallOptions {
  credential: string;
  idempotencyKey?: string;
  body?: unknown;
  /** Statuses that count as success (default: 200, 201). */
  expect?: number[];
}

export async function call<T = Record<string, unknown>>(service: Service, method: 'GET' | 'POST', path: string, options: CallOptions): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.credential}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(`${baseUrls[service]}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(settings.HTTP_TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(`${method} ${service}${path}: ${error instanceof Error ? error.message : String(error)} — is the system running (npm start)?`);
  }
  const text = await response.text();
  const body = (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
  if (!(options.expect ?? [200, 201]).includes(response.status)) throw new HttpFailure(response.status, body, `${method} ${service}${path}`);
  return { status: response.status, body };
}
