// CreditLedger credit-account events → credit_accounts, and credit-account.* events. `used` follows
// the ledger's bill events, which carry the account's `used` after each change.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  bytes3ToCurrencyCode,
  createdBy,
  parties,
  updatedBy,
  DirectoryAccount,
  type ChainEvent,
  type Projection,
} from '#chain-adapter';
import { appendEvents, eventTypes, type CreditAccountEventData, type CreditParty, type EventType } from '#common';
import { CreditAccount } from './credit-account.entity.js';

const statusEvents: Record<string, { status: CreditAccount['status']; type: EventType }> = {
  CreditAccountFrozen: { status: 'FROZEN', type: eventTypes.creditAccountFrozen },
  CreditAccountUnfrozen: { status: 'ACTIVE', type: eventTypes.creditAccountUnfrozen },
  CreditAccountClosed: { status: 'CLOSED', type: eventTypes.creditAccountClosed },
};

@Injectable()
export class CreditAccountProjector implements Projection {
  readonly events = [
    'CreditLedger.CreditCeilingSet',
    'CreditLedger.CreditAccountFrozen',
    'CreditLedger.CreditAccountUnfrozen',
    'CreditLedger.CreditAccountClosed',
    'CreditLedger.BillRecorded',
    'CreditLedger.BillRefunded',
    'CreditLedger.BillStatusChanged',
  ] as const;
  readonly viewTables = ['credit_accounts'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    if (event.name.startsWith('Bill')) {
      // BillRecorded (a payment on credit) carries its amount; the others the account's use after them.
      const used = event.name === 'BillRecorded' ? 'used + $1::numeric' : '$1::numeric';
      const value = event.name === 'BillRecorded' ? (event.args.amount as bigint) : (event.args.accountUsed as bigint);
      await manager.query(
        `UPDATE credit_accounts SET used = ${used}, updated_block_number = $2, updated_tx_hash = $3, updated_log_index = $4
          WHERE id = (SELECT credit_account_id FROM credit_lines WHERE id = $5)`,
        [value.toString(), event.proof.blockNumber, event.proof.txHash, event.proof.logIndex, event.args.lineId],
      );
      return;
    }
    const id = event.args.creditAccountId as string;
    const occurredAt = new Date(Number(event.blockTimestamp) * 1000);
    const existing = await manager.findOneBy(CreditAccount, { id });

    if (event.name === 'CreditCeilingSet') {
      const ceiling = event.args.ceiling as bigint;
      const enterprise = event.args.enterprise as string;
      const currency = bytes3ToCurrencyCode(event.args.currency as string);
      let orgCode: string;
      if (existing) {
        orgCode = existing.orgCode;
        await manager.update(CreditAccount, { id }, { ceiling, ...updatedBy(event) });
      } else {
        const account = await manager.findOneByOrFail(DirectoryAccount, { address: enterprise });
        orgCode = account.orgCode;
        await manager.insert(CreditAccount, {
          id,
          enterprise,
          orgCode,
          currency,
          ceiling,
          used: 0n,
          status: 'ACTIVE',
          frozenBy: null,
          openedAt: occurredAt,
          ...createdBy(event),
        });
      }
      const data: CreditAccountEventData = { operationId: event.args.operationId as string, creditAccountId: id, enterprise, currency, ceiling: ceiling.toString() };
      await appendEvents(manager, [
        { type: existing ? eventTypes.creditAccountCeilingChanged : eventTypes.creditAccountOpened, orgId: orgCode, source: event.proof, occurredAt, data },
      ]);
      return;
    }

    if (!existing) throw new Error(`${event.name} for unknown credit account ${id} at ${event.proof.txHash}`);
    const change = statusEvents[event.name];
    const actor = parties[Number(event.args.actor)] as CreditParty;
    await manager.update(
      CreditAccount,
      { id },
      { status: change.status, frozenBy: change.status === 'FROZEN' ? actor : null, ...updatedBy(event) },
    );
    const data: CreditAccountEventData = {
      operationId: event.args.operationId as string,
      creditAccountId: id,
      enterprise: existing.enterprise,
      currency: existing.currency,
      actor,
    };
    await appendEvents(manager, [{ type: change.type, orgId: existing.orgCode, source: event.proof, occurredAt, data }]);
  }
}
