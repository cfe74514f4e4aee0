// Polls `probe` until it answers something other than undefined, or fails naming what it waited for.

export interface UntilOptions {
  timeoutMs?: number;
  pollMs?: number;
  /** A probe that throws (a process still starting, a connection refused) counts as "not yet". */
  ignoreErrors?: boolean;
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, options: UntilOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, pollMs = 100, ignoreErrors = false } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await (ignoreErrors ? probe().catch(() => undefined) : probe());
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
