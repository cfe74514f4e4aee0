// The columns every view row carries: the chain position that created it and the one that last
// changed it (DESIGN.md, invariant 4: every view row names the transaction and log behind it).
import { Column } from 'typeorm';
import type { ChainProof } from '#common';
import type { ChainEvent } from './projection.js';

export abstract class ProjectedRow {
  @Column({ name: 'chain_id', type: 'varchar', length: 20 })
  chainId: string;

  @Column({ name: 'block_number', type: 'bigint' })
  blockNumber: string;

  @Column({ name: 'tx_hash', type: 'varchar', length: 66 })
  txHash: string;

  @Column({ name: 'log_index', type: 'integer' })
  logIndex: number;

  @Column({ name: 'updated_block_number', type: 'bigint' })
  updatedBlockNumber: string;

  @Column({ name: 'updated_tx_hash', type: 'varchar', length: 66 })
  updatedTxHash: string;

  @Column({ name: 'updated_log_index', type: 'integer' })
  updatedLogIndex: number;
}

/** The SQL of the columns above, for migrations. */
export const projectedRowColumns = `
        chain_id varchar(20) NOT NULL,
        block_number bigint NOT NULL,
        tx_hash varchar(66) NOT NULL,
        log_index integer NOT NULL,
        updated_block_number bigint NOT NULL,
        updated_tx_hash varchar(66) NOT NULL,
        updated_log_index integer NOT NULL`;

/** Columns of a row created by `event`. */
export function createdBy(event: ChainEvent): Pick<ProjectedRow, keyof ProjectedRow> {
  return { ...event.proof, ...updatedBy(event) };
}

/** Columns of a row last changed by `event`. */
export function updatedBy(event: ChainEvent): Pick<ProjectedRow, 'updatedBlockNumber' | 'updatedTxHash' | 'updatedLogIndex'> {
  return { updatedBlockNumber: event.proof.blockNumber, updatedTxHash: event.proof.txHash, updatedLogIndex: event.proof.logIndex };
}

/** The creation proof and the last change of a row, as the APIs return them. */
export function proofsOf(row: ProjectedRow): { chain: ChainProof; lastChange: ChainProof } {
  return {
    chain: { chainId: row.chainId, blockNumber: row.blockNumber, txHash: row.txHash, logIndex: row.logIndex },
    lastChange: { chainId: row.chainId, blockNumber: row.updatedBlockNumber, txHash: row.updatedTxHash, logIndex: row.updatedLogIndex },
  };
}

/** A view row between an enterprise and a merchant: the two accounts and their organisations. */
export abstract class PartyRow extends ProjectedRow {
  @Column({ type: 'varchar', length: 42 })
  enterprise: string;

  @Column({ name: 'enterprise_org_code', type: 'varchar', length: 31 })
  enterpriseOrgCode: string;

  @Column({ type: 'varchar', length: 42 })
  merchant: string;

  @Column({ name: 'merchant_org_code', type: 'varchar', length: 31 })
  merchantOrgCode: string;
}

/** The SQL of PartyRow's own columns, for migrations (with projectedRowColumns). */
export const partyRowColumns = `
        enterprise varchar(42) NOT NULL,
        enterprise_org_code varchar(31) NOT NULL,
        merchant varchar(42) NOT NULL,
        merchant_org_code varchar(31) NOT NULL,`;
