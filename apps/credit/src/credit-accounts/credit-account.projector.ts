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

  /**
   * A run of events of one kind. Payments on credit (BillRecorded): each account's use grows by the
   * sum of its lines' payments in the run, in one statement; the last payment is its last change.
   * Anything else: one by one.
   */
  async applyMany(events: readonly ChainEvent[], manager: EntityManager): Promise<void> {
    if (events[0]?.name !== 'BillRecorded') {
      for (const event of events) await this.apply(event, manager);
      return;
    }
    const lineIds = [...new Set(events.map((event) => event.args.lineId as string))];
    const lines = (await manager.query(`SELECT id, credit_account_id FROM credit_lines WHERE id = ANY($1::varchar[])`, [lineIds])) as Array<{ id: string; credit_account_id: string }>;
    const accountOf = new Map(lines.map((line) => [line.id, line.credit_account_id]));
    const accounts = new Map<string, { added: bigint; last: ChainEvent }>();
    for (const event of events) {
      const accountId = accountOf.get(event.args.lineId as string);
      if (!accountId) continue; // as the one-by-one UPDATE: a line it does not know changes nothing
      const account = accounts.get(accountId) ?? { added: 0n, last: event };
      account.added += event.args.amount as bigint;
      account.last = event;
      accounts.set(accountId, account);
    }
    const changed = [...accounts.entries()];
    if (changed.length === 0) return;
    await manager.query(
      `UPDATE credit_accounts SET used = credit_accounts.used + v.added, updated_block_number = v.block_number, updated_tx_hash = v.tx_hash, updated_log_index = v.log_index
         FROM unnest($1::varchar[], $2::numeric[], $3::bigint[], $4::varchar[], $5::integer[]) AS v(id, added, block_number, tx_hash, log_index)
        WHERE credit_accounts.id = v.id`,
      [
        changed.map(([id]) => id),
        changed.map(([, account]) => account.added.toString()),
        changed.map(([, account]) => account.last.proof.blockNumber),
        changed.map(([, account]) => account.last.proof.txHash),
        changed.map(([, account]) => account.last.proof.logIndex),
      ],
    );
  }

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
