// The projector: reads this service's contract events from the deployment block on, applies each
// range of blocks to the views in one Postgres transaction together with its cursor, finalises the
// outbox entries the events name, then tells waiting requests. One projector runs per service
// (a Postgres advisory lock). A chain that is behind or diverges from the cursor (a reorg, a
// restarted local chain) makes it roll the views back to the newest journaled step the chain still
// has (projection-journal.ts) or, where the journal does not reach, rebuild them from the
// deployment block; either way the outbox entries finalised from the dropped blocks reopen.
// Ranges come from a RangeFeed (read ahead, sized by their logs); runs of consecutive events of one
// kind go to projections that take them in bulk (Projection.applyMany).
import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { abandonPipeline, drainPipeline, expectNewRows, flushEventBuffer, isDuplicateKey, settlePipeline, startEventBuffer, startPipeline } from '#common';
import type { ChainClient } from '../chain-client.js';
import { decodeChainError } from '../chain-errors.js';
import { contractNames, interfaceOf, type ContractName } from '../contracts.js';
import { OutboxEntry } from '../outbox/outbox-entry.entity.js';
import type { OutboxService } from '../outbox/outbox.service.js';
import { ProjectionCursor } from './projection-cursor.entity.js';
import { clearJournal, installJournal, journaledSteps, journalStep, undoAfter, type JournaledStep } from './projection-journal.js';
import type { ChainEvent, Projection } from './projection.js';
import { RangeFeed } from './range-feed.js';
import { readHeaders } from './range-reader.js';

export interface ProjectorOptions {
  name: string;
  /** The service's schema: one projector runs per schema (instances of a service share it). */
  schema: string;
  pollMs: number;
  /** Most blocks read at once near the head. */
  maxBlockRange: number;
  /** Most blocks read at once while more than maxBlockRange behind (a rebuild, a restart after downtime); at least maxBlockRange. */
  catchUpBlockRange?: number;
  confirmations: number;
  /** Steps whose whole range lies within this many blocks of the head are journaled, so a reorg that deep rolls back instead of rebuilding; 0: never. */
  journalDepth: number;
}

export class Projector {
  private readonly logger = new Logger('Projector');
  private readonly handlers = new Map<string, Projection[]>();
  private readonly contracts: ContractName[];
  private running = false;
  private loop: Promise<void> | undefined;
  private lockRunner: QueryRunner | undefined;
  private wake: (() => void) | undefined;
  /** The last block applied (for /health and metrics). */
  appliedBlock: bigint | undefined;
  /** Whether the last step stopped short of the head it read (a rebuild, a catch-up): more steps follow at once. */
  catchingUp = false;
  /** Called when the projector reaches the head after catching up. */
  onCaughtUp: (() => void) | undefined;
  lastFailure: string | undefined;
  /** Called after a reorg rolled the views back or rebuilt them and reopened the outbox (the submitter re-checks those entries). */
  onRebuilt: (() => Promise<void>) | undefined;
  /** Steps applied again with conflict handling after meeting rows they did not expect (see step()). */
  stepsAppliedAgain = 0;
  /** Reorgs this projector recovered from: by rolling back to a journaled step, or by a rebuild (for metrics). */
  readonly reorgs = { rolledBack: 0, rebuilt: 0 };
  private readonly feed: RangeFeed;
  /**
   * The journal as this process knows it: 'unknown' until its first step (it may hold another
   * process's steps, valid only if they reach the cursor), 'empty', or 'active' (its newest step is
   * the cursor).
   */
  private journal: 'unknown' | 'empty' | 'active' = 'unknown';
  /** The cursor as this projector last read or wrote it (see cursor()). */
  private known: ProjectionCursor | undefined;
  /**
   * The last block whose rows may already be in the views or the outbox (the views' cursor before a
   * rollback or a rebuild, the head when a step met a row it did not expect, or the newest event in
   * the outbox if later): steps reaching no further back than this write with conflict handling;
   * later ones expect new rows (new-rows.ts). Kept in memory: a process starting anew learns it
   * from the first step that meets a row.
   */
  private rowsMayExistThrough = -1n;
  private readonly viewTables: string[];

  constructor(
    private readonly chain: ChainClient,
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly projections: Projection[],
    private readonly options: ProjectorOptions,
  ) {
    for (const projection of projections) {
      for (const key of projection.events) {
        const list = this.handlers.get(key) ?? [];
        list.push(projection);
        this.handlers.set(key, list);
      }
    }
    this.viewTables = [...new Set(projections.flatMap((projection) => projection.viewTables))];
    // Every contract: the outbox entries of any of them are finalised from their events.
    this.contracts = [...contractNames];
    this.feed = new RangeFeed(chain.provider, {
      chainId: chain.chainId,
      contracts: this.contracts.map((name) => ({ name, address: chain.address(name) })),
      wants: (contract, topic) => this.relevantTopics(contract).has(topic),
      maxBlockRange: options.maxBlockRange,
      catchUpBlockRange: options.catchUpBlockRange ?? options.maxBlockRange,
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.releaseLock();
  }

  /** Asks the projector to look at the chain now instead of at its next poll. */
  poke(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    // Checked each time the lock is taken: the journal's triggers, and the cursor against the chain.
    let checked = false;
    while (this.running) {
      try {
        if (await this.holdLock()) {
          if (!checked) {
            if (this.options.journalDepth > 0) await this.dataSource.transaction((manager) => installJournal(manager, this.viewTables));
            await this.checkCursorAgainstChain();
            checked = true;
          }
          const before = this.appliedBlock;
          const advanced = await this.step();
          this.lastFailure = undefined;
          // More right away, or a step that applied blocks: look at the head again at once (a
          // block mined during the step is applied now, not a poll later); the poll's pause comes
          // when a look finds nothing new.
          if (advanced || this.appliedBlock !== before) continue;
        }
      } catch (error) {
        this.lastFailure = error instanceof Error ? error.message : String(error);
        this.logger.warn({ err: this.lastFailure }, 'projection step failed; will retry');
        // The lock's connection may be gone (another instance may hold the lock now): let it go and
        // take it again, reading the cursor, the journal and the chain afresh.
        this.feed.reset();
        await this.releaseLock();
        checked = false;
      }
      await this.sleep(this.options.pollMs);
    }
  }

  private async releaseLock(): Promise<void> {
    const runner = this.lockRunner;
    this.lockRunner = undefined;
    this.known = undefined;
    this.journal = 'unknown';
    if (!runner) return;
    await runner.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    await runner.release().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async holdLock(): Promise<boolean> {
    if (this.lockRunner) return true;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const [row] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
      `tally-projector:${this.options.schema}:${this.options.name}`,
    ])) as Array<{ locked: boolean }>;
    if (!row.locked) {
      await runner.release();
      return false;
    }
    this.lockRunner = runner;
    // Another process may have projected (and kept or dropped the journal) while this one did not hold the lock.
    this.journal = 'unknown';
    this.known = undefined;
    return true;
  }

  /**
   * The cursor: read once after the lock is taken (or after a failure, a rebuild or a rollback),
   * then kept as this projector's own steps move it (only the lock holder writes it), so a poll that
   * finds no new block asks nothing of Postgres.
   */
  private async cursor(): Promise<ProjectionCursor> {
    if (this.known) return this.known;
    const manager = this.dataSource.manager;
    let found = await manager.findOneBy(ProjectionCursor, { name: this.options.name });
    if (!found) {
      found = manager.create(ProjectionCursor, {
        name: this.options.name,
        blockNumber: this.chain.deploymentBlock.toString(),
        blockHash: null,
      });
      await manager.save(found);
    }
    this.known = found;
    return found;
  }

  /** A chain behind or diverging from the cursor is treated as a reorg. */
  private async checkCursorAgainstChain(): Promise<void> {
    const cursor = await this.cursor();
    if (!cursor.blockHash) return;
    const block = await this.chain.provider.getBlock(BigInt(cursor.blockNumber));
    if (block && block.hash === cursor.blockHash) return;
    this.logger.warn(
      { cursorBlock: cursor.blockNumber, cursorHash: cursor.blockHash, chainHash: block?.hash ?? null },
      'the chain is behind or diverges from the projection cursor',
    );
    await this.recoverFromReorg(cursor);
  }

  /**
   * The chain no longer has the cursor's block: roll the views back to the newest journaled step
   * the chain still has, or rebuild them if there is none; then the submitter re-checks the
   * operations finalised from the dropped blocks.
   */
  private async recoverFromReorg(cursor: ProjectionCursor): Promise<void> {
    const ancestor = await this.journaledAncestor(cursor);
    if (ancestor) {
      const undone = await this.rollBack(ancestor);
      this.logger.warn(
        { cursorBlock: cursor.blockNumber, ancestorBlock: ancestor.blockNumber.toString(), ancestorHash: ancestor.blockHash, rowsUndone: undone },
        'rolled the views back to the newest journaled block the chain still has; re-applying from there',
      );
    } else {
      await this.rebuild({ reopenOutbox: true });
      this.logger.warn({ cursorBlock: cursor.blockNumber }, 'no journaled block is left on the chain: rebuilt the views from the deployment block');
    }
    await this.onRebuilt?.();
    // Counted once the submitter has re-checked the reopened operations.
    if (ancestor) this.reorgs.rolledBack += 1;
    else this.reorgs.rebuilt += 1;
  }

  /**
   * The newest journaled step whose block the chain still has, if any. The journal counts only if
   * its newest step is the cursor: then every step after any of its steps was journaled.
   */
  private async journaledAncestor(cursor: ProjectionCursor): Promise<JournaledStep | undefined> {
    if (this.options.journalDepth === 0) return undefined;
    const journal = await journaledSteps(this.dataSource.manager);
    if (journal.length === 0 || !isCursor(journal[0], cursor)) return undefined;
    const head = await this.chain.blockNumber();
    const steps = journal.filter((step) => step.blockNumber <= head);
    if (steps.length === 0) return undefined;
    const headers = await readHeaders(this.chain.provider, steps.map((step) => step.blockNumber));
    return steps.find((step) => headers.get(step.blockNumber)?.hash === step.blockHash);
  }

  /** Undoes the views' changes after `ancestor` and moves the cursor back to it, in one transaction; returns the rows undone. */
  private async rollBack(ancestor: JournaledStep): Promise<number> {
    this.feed.reset();
    const undone = await this.dataSource.transaction(async (manager) => {
      await this.rowsMayExistUpToCursor(manager);
      const rows = await undoAfter(manager, ancestor.blockNumber);
      await manager.update(ProjectionCursor, { name: this.options.name }, { blockNumber: ancestor.blockNumber.toString(), blockHash: ancestor.blockHash });
      await this.reopenOutbox(manager, ancestor.blockNumber);
      return rows;
    });
    this.known = undefined;
    this.appliedBlock = ancestor.blockNumber;
    return undone;
  }

  /**
   * Empties the views and sets the cursor back to the deployment block; the next steps replay the
   * chain. Records and the outbox's identity stay; with `reopenOutbox` the entries finalised from
   * blocks that may be gone go back to SUBMITTED for the submitter's recovery to check.
   */
  async rebuild(options: { reopenOutbox: boolean }): Promise<void> {
    this.feed.reset();
    await this.dataSource.transaction(async (manager) => {
      await this.rowsMayExistUpToCursor(manager);
      if (this.viewTables.length > 0) await manager.query(`TRUNCATE ${this.viewTables.map((table) => `"${table}"`).join(', ')}`);
      await clearJournal(manager);
      await manager.update(
        ProjectionCursor,
        { name: this.options.name },
        { blockNumber: this.chain.deploymentBlock.toString(), blockHash: null },
      );
      if (options.reopenOutbox) await this.reopenOutbox(manager, this.chain.deploymentBlock);
    });
    this.journal = 'empty';
    this.known = undefined;
    this.appliedBlock = this.chain.deploymentBlock;
  }

  /**
   * Before the cursor moves back: the blocks up to it, and up to the newest event in the outbox,
   * may have rows in the views or the outbox when they are applied again (a rebuild keeps the
   * outbox; a rollback keeps the published events). The cursor is read locked, so a step
   * committing meanwhile is counted.
   */
  private async rowsMayExistUpToCursor(manager: EntityManager): Promise<void> {
    const [row] = (await manager.query('SELECT block_number FROM projection_cursor WHERE name = $1 FOR UPDATE', [this.options.name])) as Array<{ block_number: string }>;
    await this.rowsMayExistUpTo(manager, row ? BigInt(row.block_number) : -1n);
  }

  /** Raises the last block whose rows may exist to `block`, or to the newest event in the outbox if later. */
  private async rowsMayExistUpTo(manager: EntityManager, block: bigint): Promise<void> {
    // Without an index on the column: asked only after a rollback, a rebuild or a step that met rows.
    const [row] = (await manager.query('SELECT max(block_number)::text AS newest FROM event_outbox')) as Array<{ newest: string | null }>;
    const newest = row.newest === null ? -1n : BigInt(row.newest);
    const through = block > newest ? block : newest;
    if (through > this.rowsMayExistThrough) this.rowsMayExistThrough = through;
  }

  /**
   * Sends the operations finalised in blocks after `after` back to SUBMITTED (the submitter looks
   * them up on chain again) and drops the not yet published events of those blocks (the views no
   * longer show them; re-applying the chain writes the ones that still hold).
   */
  private async reopenOutbox(manager: EntityManager, after: bigint): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(OutboxEntry)
      .set({ status: 'SUBMITTED', blockNumber: null, logIndex: null, errorCode: null, errorDetails: () => 'NULL' })
      .where('status IN (:...statuses) AND block_number > :after', { statuses: ['RECORDED', 'REJECTED'], after: after.toString() })
      .execute();
    await manager.query(
      'DELETE FROM event_outbox WHERE published_at IS NULL AND block_number > $1',
      [after.toString()],
    );
  }

  /** Applies the next range of confirmed blocks; returns whether there may be more right away. */
  async step(): Promise<boolean> {
    const stepStarted = Date.now();
    const head = (await this.chain.blockNumber()) - BigInt(this.options.confirmations - 1);
    const cursor = await this.cursor();
    const from = BigInt(cursor.blockNumber) + 1n;
    if (from > head) {
      this.setCatchingUp(false);
      return false;
    }
    const read = await this.feed.next(from, head, cursor.blockHash !== null);
    if (cursor.blockHash && read.parentHash !== null && read.parentHash !== cursor.blockHash) {
      // The chain replaced blocks the views already reflect (a reorg deeper than the confirmation
      // depth): roll them back (or rebuild them); reopened operations are checked again.
      this.logger.warn(
        { cursorBlock: cursor.blockNumber, cursorHash: cursor.blockHash, parentHash: read.parentHash },
        'the chain replaced blocks the views reflect',
      );
      await this.recoverFromReorg(cursor);
      return true;
    }
    const { events, to } = read;
    const readMs = Date.now() - stepStarted;
    const finalised: OutboxEntry[] = [];
    // Where the write's time goes (logged at debug with each step).
    const phases = { lookupMs: 0, projectMs: 0, eventsMs: 0, commitMs: 0 };
    let mark = Date.now();
    /** Adds the time since the last lap to `phase` (none: the time is not counted). */
    const lap = (phase?: keyof typeof phases) => {
      const now = Date.now();
      if (phase) phases[phase] += now - mark;
      mark = now;
    };
    // Journaled when the whole range is near the head (a reorg there rolls back); a range reaching
    // from far behind (a rebuild, a catch-up) is not, and empties the journal instead. A journal
    // left by another process counts only if its newest step is the cursor; the first step of an
    // empty journal is recorded without its rows (nothing before it can be rolled back to).
    const journaled = this.options.journalDepth > 0 && head - from < BigInt(this.options.journalDepth);
    let journalFrom = this.journal;
    if (journaled && journalFrom === 'unknown') {
      const [newest] = await journaledSteps(this.dataSource.manager, 1);
      journalFrom = newest && isCursor(newest, cursor) ? 'active' : 'unknown';
    }
    const apply = (rowsMayExist: boolean) =>
      this.dataSource.transaction(async (manager) => {
        if (!rowsMayExist) expectNewRows(manager);
        try {
          await this.write(manager, { events, to, toHash: read.toHash, cursor, journaled, journalFrom, finalised, lap });
        } catch (error) {
          // A pipelined write that failed aborted the transaction: it, not a later query, is the cause.
          throw (await abandonPipeline(manager)) ?? error;
        }
        lap();
      });
    // Blocks the views never held have no rows yet: written without conflict handling. A row that
    // did exist (blocks applied before this process knew: a restart in the middle of a rebuild that
    // kept the outbox; a transaction a reorg moved to a later block) fails the step, which is then
    // applied again with it, as are the steps up to the head or to the newest event in the outbox.
    // (Any duplicate key counts: one that conflict handling does not cover fails the second time.)
    const rowsMayExist = from <= this.rowsMayExistThrough;
    try {
      await apply(rowsMayExist);
    } catch (error) {
      if (rowsMayExist || !isDuplicateKey(error)) throw error;
      await this.rowsMayExistUpTo(this.dataSource.manager, head);
      this.stepsAppliedAgain += 1;
      this.logger.log(
        { from: from.toString(), to: to.toString(), throughBlock: this.rowsMayExistThrough.toString(), constraint: (error as { constraint?: string }).constraint },
        'rows of these blocks were already written: applying them, and the blocks up to throughBlock, with conflict handling',
      );
      finalised.length = 0;
      await apply(true);
    }
    lap('commitMs');
    this.journal = journaled ? 'active' : 'empty';
    this.known = Object.assign(new ProjectionCursor(), { name: this.options.name, blockNumber: to.toString(), blockHash: read.toHash });
    this.appliedBlock = to;
    if (events.length > 0) {
      // Where a step's time goes: waiting for its range to be read and decoded (often read ahead), then writing it.
      this.logger.debug({ from: from.toString(), to: to.toString(), events: events.length, ms: Date.now() - stepStarted, readMs, ...phases }, 'projected');
    }
    this.outbox.notifyFinal(finalised);
    this.setCatchingUp(to < head);
    return to < head;
  }

  private setCatchingUp(catchingUp: boolean): void {
    const caughtUp = this.catchingUp && !catchingUp;
    this.catchingUp = catchingUp;
    if (caughtUp) this.onCaughtUp?.();
  }

  /** A step's writes, in its transaction: journal, outbox entries, views, events, cursor. */
  private async write(manager: EntityManager, step: StepWrite): Promise<void> {
    const { events, to, toHash, cursor, journaled, journalFrom, finalised, lap } = step;
    if (journalFrom === 'unknown' || (!journaled && journalFrom === 'active')) await clearJournal(manager);
    if (journaled) {
      await journalStep(manager, { blockNumber: to, blockHash: toHash }, to - BigInt(this.options.journalDepth), journalFrom === 'active');
    }
    // Work per step, not per event: the outbox entries the events name are read in one query and
    // the recorded ones written in one; the events to publish go out in multi-row inserts; a run
    // of consecutive events of one kind goes to its projection at once where it can take it.
    lap();
    const entries = await this.outboxEntriesOf(events, manager);
    lap('lookupMs');
    const recorded: Array<{ operationId: string; event: ChainEvent }> = [];
    startEventBuffer(manager);
    startPipeline(manager);
    // A projection may return with its last write still in flight (pipelined-writes.ts): each call
    // is drained before anything else queries the transaction.
    const project = async (call: Promise<void>) => {
      await call;
      await drainPipeline(manager);
    };
    for (let start = 0; start < events.length; ) {
      const key = keyOf(events[start]);
      let end = start + 1;
      while (end < events.length && keyOf(events[end]) === key) end += 1;
      const handlers = this.handlers.get(key) ?? [];
      // In bulk when every projection of the kind takes runs: each gets the whole run in turn (so
      // projections of one kind must not read each other's rows as of a single event).
      if (end - start > 1 && handlers.length > 0 && handlers.every((projection) => projection.applyMany)) {
        const run = events.slice(start, end);
        for (const event of run) {
          const entry = await this.finaliseOperation(event, manager, entries, recorded);
          if (entry) finalised.push(entry);
        }
        for (const projection of handlers) await project(projection.applyMany!(run, manager));
      } else {
        for (let index = start; index < end; index += 1) {
          const event = events[index];
          const entry = await this.finaliseOperation(event, manager, entries, recorded);
          if (entry) finalised.push(entry);
          for (const projection of handlers) await project(projection.apply(event, manager));
        }
      }
      start = end;
    }
    for (const projection of this.projections) if (projection.afterStep) await project(projection.afterStep(manager));
    lap('projectMs');
    await flushEventBuffer(manager);
    await settlePipeline(manager);
    lap('eventsMs');
    await this.markRecorded(recorded, manager);
    // The service's other instances read their waiters' operations when this commits.
    if (finalised.length > 0) await this.outbox.announceFinal(manager);
    const updated = await manager
      .createQueryBuilder()
      .update(ProjectionCursor)
      .set({ blockNumber: to.toString(), blockHash: toHash })
      .where('name = :name AND block_number = :previous', { name: this.options.name, previous: cursor.blockNumber })
      .execute();
    if (updated.affected !== 1) throw new Error('the projection cursor moved under this projector');
  }

  private readonly topicsByContract = new Map<ContractName, Set<string>>();

  /** Topic hashes of a contract's events that a projection reads or that name an operation id. */
  private relevantTopics(contract: ContractName): Set<string> {
    let topics = this.topicsByContract.get(contract);
    if (!topics) {
      topics = new Set<string>();
      interfaceOf(contract).forEachEvent((event) => {
        const projected = this.handlers.has(`${contract}.${event.name}`);
        const namesOperation = event.name === 'BillRecorded' || event.inputs.some((input) => input.name === 'operationId');
        if (projected || namesOperation) topics!.add(event.topicHash);
      });
      this.topicsByContract.set(contract, topics);
    }
    return topics;
  }

  /** The outbox entries of this service that the events name, by operation id. */
  private async outboxEntriesOf(events: ChainEvent[], manager: EntityManager): Promise<Map<string, OutboxEntry>> {
    const operationIds = [...new Set(events.map(recordedOperationId).filter((id): id is string => typeof id === 'string'))];
    if (operationIds.length === 0) return new Map();
    // One parameter, however many events the step has (Postgres takes at most 65,535); a joined
    // string parses several times faster than an array literal (ids are hex: no commas). As a
    // semi-join, not `= ANY(…)`: a rebuild names tens of thousands of ids, and ANY over a computed
    // array is searched linearly for every row a scan meets.
    const found = await manager
      .createQueryBuilder(OutboxEntry, 'entry')
      .where(`entry.operation_id IN (SELECT unnest(string_to_array(:operationIds, ',')))`, { operationIds: operationIds.join(',') })
      .getMany();
    return new Map(found.map((entry) => [entry.operationId, entry]));
  }

  /**
   * Marks the outbox entry an event names as RECORDED (collected in `recorded`, written by
   * markRecorded) or REJECTED. RECORDED is final and wins: a later rejection of the same id (a
   * resubmission refused as a duplicate) does not change it. A rejection without error data (the
   * item ran out of gas) sends the entry back to PENDING.
   */
  private async finaliseOperation(
    event: ChainEvent,
    manager: EntityManager,
    entries: Map<string, OutboxEntry>,
    recorded: Array<{ operationId: string; event: ChainEvent }>,
  ): Promise<OutboxEntry | undefined> {
    const operationId = recordedOperationId(event);
    if (typeof operationId !== 'string') return undefined;
    const entry = entries.get(operationId);
    if (!entry || entry.status === 'RECORDED') return undefined;
    // Operation ids are unique per contract: an event of another contract is another operation.
    if (entry.contract !== event.contract) return undefined;
    if (event.name === 'OperationRejected') {
      // Only a refusal of the transaction this service sent counts: anyone's batch can name any id.
      if (entry.txHash !== event.proof.txHash) return undefined;
      const decoded = decodeChainError(event.args.errorData as string);
      if (decoded.retryable) {
        await manager.update(OutboxEntry, { operationId }, { status: 'PENDING', txHash: null, lastError: decoded.code });
        entry.status = 'PENDING';
        entry.txHash = null;
        return undefined;
      }
      const rejected = {
        status: 'REJECTED' as const,
        txHash: event.proof.txHash,
        blockNumber: event.proof.blockNumber,
        logIndex: event.proof.logIndex,
        errorCode: decoded.code,
        errorDetails: { error: decoded.errorName ?? undefined, ...decoded.args },
      };
      await manager.update(OutboxEntry, { operationId }, rejected);
      // As written: the waiting request answers from this, without reading it back.
      return Object.assign(entry, rejected);
    }
    // As markRecorded writes it: the waiting request answers from this, without reading it back.
    Object.assign(entry, { status: 'RECORDED', txHash: event.proof.txHash, blockNumber: event.proof.blockNumber, logIndex: event.proof.logIndex, errorCode: null, errorDetails: null });
    recorded.push({ operationId, event });
    return entry;
  }

  /** One UPDATE for every entry the step recorded. */
  private async markRecorded(recorded: Array<{ operationId: string; event: ChainEvent }>, manager: EntityManager): Promise<void> {
    if (recorded.length === 0) return;
    await manager.query(
      `UPDATE outbox SET status = 'RECORDED', tx_hash = v.tx_hash, block_number = v.block_number, log_index = v.log_index,
              error_code = NULL, error_details = NULL, updated_at = now()
         FROM unnest($1::varchar[], $2::varchar[], $3::bigint[], $4::integer[]) AS v(operation_id, tx_hash, block_number, log_index)
        WHERE outbox.operation_id = v.operation_id`,
      [
        recorded.map((item) => item.operationId),
        recorded.map((item) => item.event.proof.txHash),
        recorded.map((item) => item.event.proof.blockNumber),
        recorded.map((item) => item.event.proof.logIndex),
      ],
    );
  }
}

/** What a step writes in its transaction (Projector.write). */
interface StepWrite {
  events: ChainEvent[];
  /** The step's last block and its hash: the cursor's next position. */
  to: bigint;
  toHash: string;
  cursor: ProjectionCursor;
  journaled: boolean;
  journalFrom: 'unknown' | 'empty' | 'active';
  /** Filled with the outbox entries the step finalises. */
  finalised: OutboxEntry[];
  lap: (phase?: 'lookupMs' | 'projectMs' | 'eventsMs' | 'commitMs') => void;
}

/** Whether a journaled step is where the cursor stands (same block, same hash). */
function isCursor(step: JournaledStep, cursor: ProjectionCursor): boolean {
  return step.blockNumber.toString() === cursor.blockNumber && step.blockHash === cursor.blockHash;
}

/** The kind of an event, as projections declare the events they read. */
function keyOf(event: ChainEvent): string {
  return `${event.contract}.${event.name}`;
}

/**
 * The operation id an event records: its `operationId`; for `BillRecorded` (a payment on credit,
 * whose only record is its bill) the bill's id, which is the payment's operation id.
 */
function recordedOperationId(event: ChainEvent): unknown {
  return event.name === 'BillRecorded' ? event.args.billId : event.args.operationId;
}
