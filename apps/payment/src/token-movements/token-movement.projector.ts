// TallyToken movements → balances (from the ERC-1155 transfer events, escrow included) and the
// issuances, redemptions and relayed transfers, with issuance.*, redemption.* and transfer.* events.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { createdBy, type ChainEvent, type Projection } from '#chain-adapter';
import { appendEvents, eventTypes, type EventType, type TokenMovementData } from '#common';
import { TokenMovement, type TokenMovementKind } from './token-movement.entity.js';

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

const movements: Record<string, { kind: TokenMovementKind; type: EventType }> = {
  TokensIssued: { kind: 'ISSUANCE', type: eventTypes.issuanceRecorded },
  TokensRedeemed: { kind: 'REDEMPTION', type: eventTypes.redemptionRecorded },
  TokensTransferred: { kind: 'TRANSFER', type: eventTypes.transferRecorded },
};

interface BalanceDelta {
  holder: string;
  tokenClassId: string;
  delta: bigint;
  blockNumber: string;
}

@Injectable()
export class TokenMovementProjector implements Projection {
  /** Balance changes of the step in progress, written at its end, one row per holder and class. */
  private readonly deltas = new WeakMap<EntityManager, Map<string, BalanceDelta>>();

  readonly events = [
    'TallyToken.TransferSingle',
    'TallyToken.TransferBatch',
    'TallyToken.TokensIssued',
    'TallyToken.TokensRedeemed',
    'TallyToken.TokensTransferred',
  ] as const;
  readonly viewTables = ['balances', 'token_movements'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    if (event.name === 'TransferSingle' || event.name === 'TransferBatch') {
      const ids = event.name === 'TransferSingle' ? [event.args.id as bigint] : (event.args.ids as bigint[]);
      const values = event.name === 'TransferSingle' ? [event.args.value as bigint] : (event.args.values as bigint[]);
      const from = event.args.from as string;
      const to = event.args.to as string;
      for (let index = 0; index < ids.length; index += 1) {
        if (from !== ZERO_ADDRESS) await this.add(manager, from, ids[index], -values[index], event);
        if (to !== ZERO_ADDRESS) await this.add(manager, to, ids[index], values[index], event);
      }
      return;
    }
    const movement = movements[event.name];
    const occurredAt = new Date(Number(event.blockTimestamp) * 1000);
    const row = {
      id: event.args.operationId as string,
      kind: movement.kind,
      tokenClassId: (event.args.tokenId as bigint).toString(),
      from: (event.args.from as string | undefined) ?? null,
      to: (event.args.to as string | undefined) ?? null,
      amount: event.args.amount as bigint,
      occurredAt,
      ...createdBy(event),
    };
    await manager.upsert(TokenMovement, row, ['id']);
    const data: TokenMovementData = { operationId: row.id, tokenClassId: row.tokenClassId, from: row.from, to: row.to, amount: row.amount.toString() };
    await appendEvents(manager, [{ type: movement.type, orgId: null, source: event.proof, occurredAt, data }]);
  }

  private async add(manager: EntityManager, holder: string, tokenId: bigint, delta: bigint, event: ChainEvent): Promise<void> {
    let step = this.deltas.get(manager);
    if (!step) {
      step = new Map();
      this.deltas.set(manager, step);
    }
    const key = `${holder}:${tokenId}`;
    const entry = step.get(key) ?? { holder, tokenClassId: tokenId.toString(), delta: 0n, blockNumber: event.proof.blockNumber };
    entry.delta += delta;
    entry.blockNumber = event.proof.blockNumber;
    step.set(key, entry);
  }

  async afterStep(manager: EntityManager): Promise<void> {
    const step = this.deltas.get(manager);
    this.deltas.delete(manager);
    if (!step || step.size === 0) return;
    const rows = [...step.values()];
    await manager.query(
      `INSERT INTO balances (holder, token_class_id, amount, updated_block_number)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::numeric[], $4::bigint[])
       ON CONFLICT (holder, token_class_id) DO UPDATE SET amount = balances.amount + EXCLUDED.amount, updated_block_number = EXCLUDED.updated_block_number`,
      [rows.map((row) => row.holder), rows.map((row) => row.tokenClassId), rows.map((row) => row.delta.toString()), rows.map((row) => row.blockNumber)],
    );
  }
}
