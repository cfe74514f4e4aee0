// Group commit for concurrent requests: calls made in the same turn of the event loop go in one
// group; while `concurrency` groups are being written, later calls gather for the next one. One
// statement serves a whole group: under load a few carry hundreds of requests' rows; alone, a
// request waits one turn. A failed statement wrote nothing: its group is tried again in two halves,
// and a half that fails again fails its calls.

export interface CoalescerOptions {
  /** The most inputs one call of `run` takes. */
  maxGroupSize: number;
  /** Groups being written at once (each on its own connection). */
  concurrency: number;
}

interface Waiting<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

export class Coalescer<I, O> {
  private queue: Array<Waiting<I, O>> = [];
  private running = 0;
  private scheduled = false;

  /** `run` answers each input, in order; when it throws, every input of its group gets the error. */
  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly options: CoalescerOptions = { maxGroupSize: 500, concurrency: 2 },
  ) {}

  call(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  private drain(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const group = this.queue.splice(0, this.options.maxGroupSize);
      this.running += 1;
      this.write(group).finally(() => {
        this.running -= 1;
        this.drain();
      });
    }
  }

  /**
   * Writes a group; if its statement fails, each half is tried once on its own (a passing failure
   * of the connection, or one input the statement cannot take, then fails only its own half).
   */
  private async write(group: Array<Waiting<I, O>>, retry = true): Promise<void> {
    try {
      const outputs = await this.run(group.map((item) => item.input));
      if (outputs.length !== group.length) throw new Error(`a group of ${group.length} got ${outputs.length} answers`);
      group.forEach((item, index) => item.resolve(outputs[index]));
    } catch (error) {
      if (retry && group.length > 1) {
        const half = Math.ceil(group.length / 2);
        await Promise.all([this.write(group.slice(0, half), false), this.write(group.slice(half), false)]);
        return;
      }
      for (const item of group) item.reject(error);
    }
  }
}

/**
 * Concurrent lookups by key in one query: `load` gets the distinct keys and returns the rows found;
 * each caller gets the row whose `keyOf` is its key, or null.
 */
export function groupedLookup<K, V>(load: (keys: K[]) => Promise<V[]>, keyOf: (row: V) => K): Coalescer<K, V | null> {
  return new Coalescer<K, V | null>(async (keys) => {
    const byKey = new Map((await load([...new Set(keys)])).map((row) => [keyOf(row), row]));
    return keys.map((key) => byKey.get(key) ?? null);
  });
}
