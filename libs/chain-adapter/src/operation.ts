import type { OperationContract } from './contracts.js';

/** A write ready for the outbox: one call of an operation contract, identified by its operation id. */
export interface Operation {
  operationId: string;
  kind: string;
  contract: OperationContract;
  calldata: string;
  /** Gas the call may use inside a batch; DEFAULT_OPERATION_GAS when absent. */
  gas?: bigint;
}

/** Enough for every fixed-size operation of the contracts (a registration, a payment, a decision). */
export const DEFAULT_OPERATION_GAS = 200_000n;
