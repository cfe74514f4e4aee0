import type { EntityManager } from 'typeorm';
import type { ChainProof } from '#common';
import type { ContractName } from '../contracts.js';

/** A decoded contract event with the proof of where it was recorded. */
export interface ChainEvent {
  contract: ContractName;
  name: string;
  /** Arguments by name; integers stay bigint. */
  args: Record<string, unknown>;
  proof: ChainProof;
  /** The including block's timestamp (chain time, seconds). */
  blockTimestamp: bigint;
}

/**
 * What a service projects: the events it reads and the view tables it owns. `apply` runs inside the
 * projector's transaction (views, events to publish and the cursor commit together) and must be
 * idempotent per event (upserts keyed by the event's identity).
 */
export interface Projection {
  readonly events: ReadonlyArray<`${ContractName}.${string}`>;
  /** Tables rebuilt from the chain: emptied by a rebuild, never records. */
  readonly viewTables: readonly string[];
  apply(event: ChainEvent, manager: EntityManager): Promise<void>;
  /**
   * Optional bulk form of `apply` for a run of consecutive events of one kind (same contract and
   * event name, in chain order): the same effects as `apply` on each in turn, in fewer statements.
   * The projector uses it for runs of two or more events of a kind when every projection reading
   * that kind has it; each then takes the whole run in turn, so a projection's bulk form must not
   * depend on another projection's rows as they were between two events of the run.
   */
  applyMany?(events: readonly ChainEvent[], manager: EntityManager): Promise<void>;
  /** Writes what `apply` gathered over the step (bulk writes), in the same transaction. */
  afterStep?(manager: EntityManager): Promise<void>;
}
