// Group commit for concurrent requests: calls made in the same turn of the event loop go in one
// group; while `concurrency` groups are being written, later calls gather for the next one. One
// statement serves a whole group: under load a few carry hundreds of requests' rows; alone, a
// request waits one turn. A failed statement fails its whole group (nothing of it was written).

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

  private async write(group: Array<Waiting<I, O>>): Promise<void> {
    try {
      const outputs = await this.run(group.map((item) => item.input));
      if (outputs.length !== group.length) throw new Error(`a group of ${group.length} got ${outputs.length} answers`);
      group.forEach((item, index) => item.resolve(outputs[index]));
    } catch (error) {
      for (const item of group) item.reject(error);
    }
  }
}
