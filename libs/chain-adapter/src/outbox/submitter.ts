// The submitter: takes PENDING outbox entries, batches them per contract into one `batch(bytes[])`
// transaction, signs it with this instance's relayer key and its own nonce count, and records the
// transaction hash before broadcasting it, so a crash never loses track of what was sent. Sendings
// are not waited for before the next batch is claimed: a node answers nothing while it mines a
// block (anvil: 100–300 ms of every 200 on a bench chain), and one sending at a time capped an
// instance at a batch per such wait.
// The outcome of each item (recorded or rejected) is written by the projector from the chain's
// events, not here: the chain decides.
import { Logger } from '@nestjs/common';
import { Wallet, type JsonRpcProvider } from 'ethers';
import { LessThan, type DataSource } from 'typeorm';
import type { ChainClient } from '../chain-client.js';
import { decodeChainError } from '../chain-errors.js';
import type { OperationContract } from '../contracts.js';
import { DEFAULT_OPERATION_GAS, batchCalldata } from '../operation.js';
import { OutboxEntry } from './outbox-entry.entity.js';
import { rpcCall } from '../raw-rpc.js';
import { signBatchTransaction } from './transaction-signing.js';
import type { OutboxService } from './outbox.service.js';

export interface SubmitterOptions {
  batchWindowMs: number;
  maxBatchSize: number;
  receiptTimeoutMs: number;
  /**
   * A batch without a receipt this long after it was sent (too low a fee, a node that dropped it
   * from its pool) is signed again with its nonce and higher fees and sent again.
   */
  replaceAfterMs: number;
  /** Batches in flight at once (each its own nonce). */
  maxInFlight: number;
  /** How long to wait after a failure before trying again. */
  retryDelayMs: number;
}

/**
 * Gas limit of a batch: each item's own allowance (by operation kind), not eth_estimateGas — a
 * batch "succeeds" even when its items run out of gas inside their try/catch, so an estimate can be
 * too low for them. Unused gas is not paid for. The cap keeps a batch under the Osaka
 * per-transaction limit.
 */
const BATCH_BASE_GAS = 60_000n;
const MAX_TRANSACTION_GAS = 16_777_216n;
/** How long fee data is reused between batches. */
const FEE_DATA_MAX_AGE_MS = 5_000;

type Fees = { maxFeePerGas: bigint | null; maxPriorityFeePerGas: bigint | null; gasPrice: bigint | null };

/** A batch as signed: what a replacement needs to sign it again with the same nonce. */
interface SignedBatch {
  hash: string;
  raw: string;
  nonce: number;
  to: string;
  data: string;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** A replacement pays at least this much more (in 1/1000): nodes refuse one under +10%. */
const REPLACEMENT_FEE_BUMP_PER_MILLE = 1_125n;
const bumped = (fee: bigint) => (fee * REPLACEMENT_FEE_BUMP_PER_MILLE) / 1_000n + 1n;
/**
 * The longest pause between two reads of a batch's receipt (the first come after 5, 10, 20, 40 ms):
 * a batch holds one of the maxInFlight places until its receipt is read, so a receipt read up to a
 * block late (at 200 ms apart) held back the next batches under a steady load.
 */
const RECEIPT_POLL_MAX_MS = 50;
/**
 * Operations SUBMITTED for longer than a receipt may take are checked on chain every half of that
 * time (so one is found within 1.5 receipt timeouts), at least a second apart. The check reads the
 * outbox's SUBMITTED entries; until autovacuum runs, that read also visits the earlier versions of
 * every entry submitted since — about 150 ms of Postgres at a minute of 1,000 payments/s — so it
 * runs no more often than it needs to (it ran every 5 s: 18% of the time Postgres spent executing
 * statements over a batched bench run, by pg_stat_statements).
 */
function staleCheckIntervalMs(receiptTimeoutMs: number): number {
  return Math.max(1_000, Math.floor(receiptTimeoutMs / 2));
}
/** The most SUBMITTED operations one check (or a restart's recovery round) looks at. */
const RECOVERY_BATCH = 1_000;

export const maxItemsPerBatch = Number((MAX_TRANSACTION_GAS - BATCH_BASE_GAS) / DEFAULT_OPERATION_GAS);

/** The longest prefix of `entries` whose gas fits one transaction (at least one entry). */
function fittingGas(entries: OutboxEntry[]): OutboxEntry[] {
  let gas = BATCH_BASE_GAS;
  let count = 0;
  for (const entry of entries) {
    gas += entry.gasLimit;
    if (gas > MAX_TRANSACTION_GAS && count > 0) break;
    count += 1;
  }
  return entries.slice(0, count);
}

export class Submitter {
  private readonly logger = new Logger('Submitter');
  private readonly wallet: Wallet;
  /** The nonce of the next batch; undefined: count again from the chain (at start, after a failure). */
  private nextNonce: number | undefined;
  /** Counts the resets of nextNonce: a count read from the chain while one happened is read again. */
  private nonceResets = 0;
  /** Sendings whose answer from the node is not yet in (each resolves with its failure, if any). */
  private readonly sendings = new Set<Promise<unknown>>();
  /** Why a sending failed since the loop last looked: it pauses before the next batch. */
  private sendFailure: string | undefined;
  private running = false;
  private wake: (() => void) | undefined;
  private inFlight = 0;
  private loop: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Why the last attempt failed, for /health (undefined when healthy). */
  lastFailure: string | undefined;
  /** Counts since start, for /metrics: batches sent, operations in them, and batches sent again with higher fees. */
  readonly sent = { batches: 0, operations: 0, replacements: 0 };
  /** Simulate the next batch before sending it: at start and after a failure. */
  private verifyNextBatch = true;
  private fees: { readAt: number; value: Fees } | undefined;

  constructor(
    private readonly chain: ChainClient,
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    relayerPrivateKey: string,
    private readonly options: SubmitterOptions,
  ) {
    this.wallet = new Wallet(relayerPrivateKey, chain.provider as JsonRpcProvider);
  }

  get relayerAddress(): string {
    return this.wallet.address;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.recover();
    this.unsubscribe = this.outbox.onInserted(() => this.wake?.());
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
  }

  /**
   * Crash recovery: an entry SUBMITTED whose operation is not recorded goes back to PENDING unless
   * its transaction is still pending in the node; a recorded one waits for the projector. (The
   * chain refuses an operation recorded already: sending one again never records it twice.)
   */
  async recover(olderThan?: Date): Promise<void> {
    const submitted = await this.dataSource.manager.find(OutboxEntry, {
      where: { status: 'SUBMITTED', ...(olderThan ? { updatedAt: LessThan(olderThan) } : {}) },
      take: olderThan ? RECOVERY_BATCH : undefined,
    });
    let reopened = 0;
    // A batch's entries share its hash: ask the node once per transaction (raw: only presence matters).
    const transactions = new Map<string, 'MINED' | 'PENDING' | 'UNKNOWN'>();
    const stateOf = async (txHash: string): Promise<'MINED' | 'PENDING' | 'UNKNOWN'> => {
      let state = transactions.get(txHash);
      if (state === undefined) {
        state =
          (await this.chain.provider.send('eth_getTransactionReceipt', [txHash])) !== null
            ? 'MINED'
            : (await this.chain.provider.send('eth_getTransactionByHash', [txHash])) !== null
              ? 'PENDING'
              : 'UNKNOWN';
        transactions.set(txHash, state);
      }
      return state;
    };
    for (const entry of submitted) {
      // Still in the node's pool: its receipt (or its replacement's) will come.
      if (entry.txHash && (await stateOf(entry.txHash)) === 'PENDING') continue;
      // Mined or gone: recorded, the projector finalises it; not recorded, it goes back to PENDING and
      // is sent again — a refusal the projector could not match to this row (an earlier sending of a
      // replaced batch was the one mined) comes again, from a transaction it can match.
      if (await this.chain.operationRecorded(entry.contract as OperationContract, entry.operationId)) continue;
      await this.dataSource.manager.update(
        OutboxEntry,
        { operationId: entry.operationId, status: 'SUBMITTED' },
        { status: 'PENDING', txHash: null },
      );
      reopened += 1;
    }
    // A transaction that is gone took its nonce with it: count again from the chain.
    if (reopened > 0) this.resetNonce();
    if (reopened > 0 || (!olderThan && submitted.length > 0)) {
      this.logger.log({ submitted: submitted.length, reopened }, olderThan ? 'operations lost from the chain reopened' : 'outbox recovered after restart');
    }
  }

  private async run(): Promise<void> {
    let checkedAt = Date.now();
    while (this.running) {
      // A transaction that vanished from the chain (a reorg dropped it) leaves its operations
      // SUBMITTED: look at those that stayed so longer than a receipt may take, now and then.
      if (Date.now() - checkedAt > staleCheckIntervalMs(this.options.receiptTimeoutMs)) {
        checkedAt = Date.now();
        await this.recover(new Date(Date.now() - this.options.receiptTimeoutMs)).catch((error: unknown) => {
          this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'checking submitted operations failed; will retry');
        });
      }
      let sent: 'nothing' | 'part' | 'full' = 'nothing';
      if (this.inFlight < this.options.maxInFlight) {
        try {
          sent = await this.submitOneBatch();
          // Sent, or nothing left to send (an earlier failure's operations went out since): no
          // failure to report (/health also asks the node itself) — unless a sending failed meanwhile.
          if (this.sendFailure === undefined) this.lastFailure = undefined;
        } catch (error) {
          this.lastFailure = error instanceof Error ? error.message : String(error);
          this.logger.warn({ err: this.lastFailure }, 'batch submission failed; will retry');
          this.resetNonce();
          this.verifyNextBatch = true;
          await this.sleep(this.options.retryDelayMs);
          continue;
        }
      }
      if (this.sendFailure !== undefined) {
        // A sending failed (its entries are PENDING again, the nonce is counted again): pause as after any failure.
        this.lastFailure = this.sendFailure;
        this.sendFailure = undefined;
        await this.sleep(this.options.retryDelayMs);
        continue;
      }
      // Idle (or every place taken): until an insert, a freed place or the poll. After a batch that
      // was not full: the batch window, which the inserts it gathers do not cut short (they woke
      // the loop at once before, so under a steady load each batch took what a few milliseconds
      // brought). After a full batch: at once, for the entries waiting behind it.
      if (sent === 'nothing') await this.sleep(250);
      else if (sent === 'part' && this.options.batchWindowMs > 0) await this.sleep(this.options.batchWindowMs, { gathering: true });
    }
  }

  /** A pause that wake() ends early — with `gathering`, only when the submitter stops. */
  private sleep(ms: number, options: { gathering?: boolean } = {}): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        if (options.gathering && this.running) return;
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /**
   * Claims up to maxBatchSize PENDING entries of one contract and starts sending them; 'nothing'
   * when idle. The claim is one statement (the oldest entry's contract, its PENDING entries locked with
   * SKIP LOCKED so instances never share one, marked SUBMITTED); then the batch is signed and its
   * hash written before it is broadcast. A crash between the two leaves entries SUBMITTED without a
   * hash: recovery finds them unrecorded on chain and reopens them. Returns once the sending has
   * started (send()), with whether the batch was full (maxBatchSize, or no room for another
   * operation like its last) or not; the batch holds one of the maxInFlight places until its receipt is read.
   */
  private async submitOneBatch(): Promise<'nothing' | 'part' | 'full'> {
    const claimStarted = Date.now();
    const rows = await this.claim();
    if (rows.length === 0) return 'nothing';
    const claimedEntries = rows.map((row) =>
      Object.assign(new OutboxEntry(), { operationId: row.operation_id, contract: row.contract, calldata: row.calldata, gasLimit: BigInt(row.gas_limit) }),
    );
    const entries = fittingGas(claimedEntries);
    const unfit = claimedEntries.slice(entries.length);
    if (unfit.length > 0) {
      await this.dataSource.query(`UPDATE outbox SET status = 'PENDING' WHERE operation_id = ANY($1::varchar[]) AND status = 'SUBMITTED'`, [unfit.map((entry) => entry.operationId)]);
    }
    let signed: SignedBatch;
    try {
      signed = await this.signBatch(entries);
      await this.dataSource.query(`UPDATE outbox SET tx_hash = $1 WHERE operation_id = ANY($2::varchar[]) AND status = 'SUBMITTED'`, [signed.hash, entries.map((entry) => entry.operationId)]);
    } catch (error) {
      await this.reopen(entries, error);
      throw error;
    }
    const claimMs = Date.now() - claimStarted;
    this.inFlight += 1;
    void this.send(entries, signed, claimMs).finally(() => {
      this.inFlight -= 1;
      this.wake?.();
    });
    const roomLeft = MAX_TRANSACTION_GAS - signed.gasLimit;
    return entries.length >= this.options.maxBatchSize || roomLeft < entries[entries.length - 1].gasLimit ? 'full' : 'part';
  }

  /**
   * Sends a signed batch, then waits for its receipt. A refused or failed sending puts its entries
   * back to PENDING, has the nonce counted again from the chain and pauses the loop (sendFailure).
   * Later batches may have been sent meanwhile with the nonces after it: a node keeps them until
   * the gap is filled, and the count is read once every sending under way has its answer, so it
   * names the first missing nonce (a pending count counts only the transactions without a gap).
   */
  private async send(entries: OutboxEntry[], signed: SignedBatch, claimMs: number): Promise<void> {
    const sendStarted = Date.now();
    // Sent as it is: ethers' broadcastTransaction parses the whole signed batch back first, and
    // its transport encodes the request in JavaScript.
    const sending = rpcCall(this.chain.provider, 'eth_sendRawTransaction', [signed.raw]).then(
      () => undefined,
      (error: unknown) => error ?? new Error('eth_sendRawTransaction failed'),
    );
    this.sendings.add(sending);
    const failure = await sending;
    this.sendings.delete(sending);
    if (failure !== undefined) {
      const message = failure instanceof Error ? failure.message : String(failure);
      this.logger.warn({ txHash: signed.hash, nonce: signed.nonce, err: message }, 'batch submission failed; will retry');
      this.sendFailure = message;
      this.lastFailure = message;
      // Still SUBMITTED if this fails too: the check of operations submitted too long ago reopens them.
      await this.reopen(entries, failure).catch((error: unknown) => {
        this.logger.warn({ txHash: signed.hash, err: error instanceof Error ? error.message : String(error) }, 'reopening a batch that was not sent failed');
      });
      return;
    }
    this.logger.log({ txHash: signed.hash, operations: entries.length, contract: entries[0].contract, nonce: signed.nonce, claimMs, sendMs: Date.now() - sendStarted }, 'batch sent');
    this.sent.batches += 1;
    this.sent.operations += entries.length;
    try {
      await this.awaitReceipt(entries, signed);
    } catch (error) {
      // Its entries stay SUBMITTED: the check of operations submitted too long ago takes them.
      this.lastFailure = error instanceof Error ? error.message : String(error);
      this.logger.warn({ txHash: signed.hash, err: this.lastFailure }, 'waiting for a batch failed');
    }
  }

  /** The next batch's nonce is counted again from the chain (after a failure, or operations lost from it). */
  private resetNonce(): void {
    this.nextNonce = undefined;
    this.nonceResets += 1;
  }

  /**
   * The next batch's nonce, taken: counted from the chain when unknown, once the sendings under
   * way have their answers (the node's pool then holds every batch it took), and again if a
   * failure reset the count meanwhile.
   */
  private async takeNonce(): Promise<number> {
    while (this.nextNonce === undefined) {
      const resets = this.nonceResets;
      await Promise.all(this.sendings);
      const count = await this.chain.provider.getTransactionCount(this.wallet.address, 'pending');
      if (resets === this.nonceResets) this.nextNonce = count;
    }
    const nonce = this.nextNonce;
    this.nextNonce = nonce + 1;
    return nonce;
  }

  /**
   * One statement: marks SUBMITTED, oldest first, up to maxBatchSize PENDING entries of the oldest
   * one's contract — as many of them as one transaction's gas holds (at least one), so no claimed
   * entry has to go back to PENDING (each such round trip rewrote the row and its index entries).
   */
  private async claim(): Promise<Array<{ operation_id: string; contract: string; calldata: string; gas_limit: string; created_at: Date }>> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(
        `UPDATE outbox SET status = 'SUBMITTED', tx_hash = NULL, attempts = attempts + 1, updated_at = now()
          WHERE operation_id IN (
            SELECT operation_id FROM (
              SELECT operation_id, row_number() OVER oldest_first AS position, sum(gas_limit) OVER oldest_first AS gas
                FROM (SELECT operation_id, gas_limit, created_at FROM outbox
                       WHERE status = 'PENDING'
                         AND contract = (SELECT contract FROM outbox WHERE status = 'PENDING' ORDER BY created_at LIMIT 1)
                       ORDER BY created_at
                       LIMIT $1
                         FOR UPDATE SKIP LOCKED) AS candidate
              WINDOW oldest_first AS (ORDER BY created_at, operation_id)) AS fitting
             WHERE position = 1 OR gas <= $2)
          RETURNING operation_id, contract, calldata, gas_limit, created_at`,
        [this.options.maxBatchSize, (MAX_TRANSACTION_GAS - BATCH_BASE_GAS).toString()],
        true,
      );
      const rows = result.records as Array<{ operation_id: string; contract: string; calldata: string; gas_limit: string; created_at: Date }>;
      return rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.operation_id.localeCompare(b.operation_id));
    } finally {
      await runner.release();
    }
  }

  private async signBatch(entries: OutboxEntry[]): Promise<SignedBatch> {
    const contract = entries[0].contract as OperationContract;
    const data = batchCalldata(contract, entries.map((entry) => entry.calldata));
    const to = this.chain.address(contract);
    const provider = this.chain.provider;
    const gasLimit = entries.reduce((total, entry) => total + entry.gasLimit, BATCH_BASE_GAS);
    // Simulating every batch would run it twice on the node; simulate only the first one and those
    // after a failure, so a batch that would revert as a whole (an unregistered relayer …) is not
    // sent again and again, burning gas and nonces.
    if (this.verifyNextBatch) {
      try {
        await provider.call({ from: this.wallet.address, to, data, gasLimit });
      } catch (error) {
        const decoded = decodeChainError((error as { data?: string }).data);
        throw new Error(`the whole batch would revert: ${decoded.errorName ?? decoded.code} ${JSON.stringify(decoded.args)}`);
      }
      this.verifyNextBatch = false;
    }
    const nonce = await this.takeNonce();
    const fees = await this.feeData();
    const signed = await this.sign({
      nonce,
      to,
      data,
      gasLimit,
      maxFeePerGas: fees.maxFeePerGas ?? fees.gasPrice ?? 1_000_000_000n,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas ?? 0n,
    });
    return signed;
  }

  private async sign(batch: Omit<SignedBatch, 'hash' | 'raw'>): Promise<SignedBatch> {
    return { ...batch, ...signBatchTransaction(this.wallet.signingKey, { chainId: this.chain.chainId, ...batch }) };
  }

  /**
   * Signs the batch again with its nonce and fees at least 12.5% above `floor` (or the node's
   * current ones, if higher), records the new hash on its entries, and sends it; a refused sending
   * puts the previous hash back. Whichever sending the chain mines, the nonce is used once: the
   * batch is recorded once.
   */
  private async replace(entries: OutboxEntry[], previous: SignedBatch, floor: Pick<SignedBatch, 'maxFeePerGas' | 'maxPriorityFeePerGas'>): Promise<SignedBatch> {
    this.fees = undefined;
    const fees = await this.feeData();
    const max = (a: bigint, b: bigint | null) => (b !== null && b > a ? b : a);
    const replacement = await this.sign({
      nonce: previous.nonce,
      to: previous.to,
      data: previous.data,
      gasLimit: previous.gasLimit,
      maxFeePerGas: max(bumped(floor.maxFeePerGas), fees.maxFeePerGas ?? fees.gasPrice),
      maxPriorityFeePerGas: max(bumped(floor.maxPriorityFeePerGas), fees.maxPriorityFeePerGas),
    });
    floor.maxFeePerGas = replacement.maxFeePerGas;
    floor.maxPriorityFeePerGas = replacement.maxPriorityFeePerGas;
    await this.recordHash(entries, previous.hash, replacement.hash);
    try {
      await rpcCall(this.chain.provider, 'eth_sendRawTransaction', [replacement.raw]);
    } catch (error) {
      await this.recordHash(entries, replacement.hash, previous.hash);
      throw error;
    }
    this.sent.replacements += 1;
    this.logger.warn(
      { txHash: previous.hash, replacement: replacement.hash, nonce: previous.nonce, maxFeePerGas: replacement.maxFeePerGas.toString() },
      'batch not mined in time: sent again with the same nonce and higher fees',
    );
    return replacement;
  }

  /** Points the batch's still-SUBMITTED entries at another of its transactions. */
  private async recordHash(entries: OutboxEntry[], from: string, to: string): Promise<void> {
    await this.dataSource.query(`UPDATE outbox SET tx_hash = $1 WHERE operation_id = ANY($2::varchar[]) AND status = 'SUBMITTED' AND tx_hash = $3`, [
      to,
      entries.map((entry) => entry.operationId),
      from,
    ]);
  }

  /** Fee data, read again at most every FEE_DATA_MAX_AGE_MS (it is a few calls per read). */
  private async feeData(): Promise<Fees> {
    if (!this.fees || Date.now() - this.fees.readAt > FEE_DATA_MAX_AGE_MS) {
      const fees = await this.chain.provider.getFeeData();
      this.fees = { readAt: Date.now(), value: { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas, gasPrice: fees.gasPrice } };
    }
    return this.fees.value;
  }

  private async reopen(entries: OutboxEntry[], error: unknown): Promise<void> {
    this.resetNonce();
    this.verifyNextBatch = true;
    await this.dataSource
      .createQueryBuilder()
      .update(OutboxEntry)
      .set({ status: 'PENDING', txHash: null, lastError: error instanceof Error ? error.message : String(error) })
      .whereInIds(entries.map((entry) => entry.operationId))
      .andWhere('status = :status', { status: 'SUBMITTED' })
      .execute();
  }

  /**
   * Waits (bounded) for the receipt of the batch or of one of its replacements; a batch not mined
   * within replaceAfterMs of its last sending is replaced; a reverted batch goes back to PENDING.
   * Receipts are read raw, past ethers' transport (which decodes answers in JavaScript): only status
   * and block matter here, and a batch's carries a log per item.
   */
  private async awaitReceipt(entries: OutboxEntry[], signed: SignedBatch): Promise<void> {
    const deadline = Date.now() + this.options.receiptTimeoutMs;
    const sent = [signed];
    const feeFloor = { maxFeePerGas: signed.maxFeePerGas, maxPriorityFeePerGas: signed.maxPriorityFeePerGas };
    let sentAt = Date.now();
    let receipt: { status: string; blockNumber: string; transactionHash: string } | null = null;
    let delayMs = 5;
    let readFailure: string | undefined;
    while (this.running && Date.now() < deadline) {
      try {
        for (const transaction of sent) {
          receipt = await rpcCall(this.chain.provider, 'eth_getTransactionReceipt', [transaction.hash]);
          if (receipt) break;
        }
        // The node answers again: the failure this wait reported is over.
        if (readFailure !== undefined && this.lastFailure === readFailure) this.lastFailure = undefined;
        readFailure = undefined;
      } catch (error) {
        readFailure = this.lastFailure = error instanceof Error ? error.message : String(error);
      }
      if (receipt) break;
      if (Date.now() - sentAt >= this.options.replaceAfterMs) {
        sentAt = Date.now();
        try {
          sent.push(await this.replace(entries, sent[sent.length - 1], feeFloor));
        } catch (error) {
          // Refused ("nonce too low": an earlier sending was mined; "underpriced": the next try
          // bids higher); the receipts tell which sending, if any, the chain has.
          this.logger.warn({ txHash: sent[sent.length - 1].hash, err: error instanceof Error ? error.message : String(error) }, 'replacing a batch failed');
        }
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, RECEIPT_POLL_MAX_MS);
    }
    if (!receipt) {
      if (this.running) {
        this.logger.warn({ txHash: sent[sent.length - 1].hash }, 'no receipt before the deadline; checking the chain for each operation');
        await this.recover();
      }
      return;
    }
    const mined = receipt.transactionHash.toLowerCase();
    const latest = sent[sent.length - 1].hash;
    // An earlier sending won: its hash is the one the projector matches the batch's refusals to.
    if (mined !== latest.toLowerCase()) await this.recordHash(entries, latest, receipt.transactionHash);
    if (BigInt(receipt.status) !== 1n) {
      this.logger.error({ txHash: receipt.transactionHash, blockNumber: Number(receipt.blockNumber) }, 'batch transaction reverted; operations reopened');
      await this.reopen(entries, new Error(`batch transaction ${receipt.transactionHash} reverted`));
    }
  }
}
