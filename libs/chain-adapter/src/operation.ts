import type { OperationContract } from './contracts.js';

/** A write ready for the outbox: one call of an operation contract, identified by its operation id. */
export interface Operation {
  operationId: string;
  kind: string;
  contract: OperationContract;
  calldata: string;
}
