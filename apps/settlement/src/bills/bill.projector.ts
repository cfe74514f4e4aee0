// CreditLedger → bills (status in step with the chain), the lines and token classes they need, and
// the line entries statements are made of; bill.* events.
import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import {
  DirectoryAccount,
  billStatuses,
  bytes32ToSymbol,
  bytes3ToCurrencyCode,
  createdBy,
  orgCodeOf,
  updatedBy,
  type ChainEvent,
  type Projection,
} from '#chain-adapter';
import { appendEvents, eventTypes, type BillEventData, type EventType } from '#common';
import { Bill, LineEntry, SettlementLine, SettlementTokenClass, lineFieldsOf, type BillStatus } from './bill.entity.js';

const ZERO_BYTES32 = `0x${'0'.repeat(64)}`;
/** Rows of one multi-row upsert (about twenty parameters each, far below Postgres' 65,535). */
const ROWS_PER_UPSERT = 1_000;

@Injectable()
export class BillProjector implements Projection {
  readonly events = [
    'CreditLedger.CreditLineOpened',
    'TallyToken.TokenClassRegistered',
    'CreditLedger.BillRecorded',
    'CreditLedger.BillRefunded',
    'CreditLedger.BillStatusChanged',
  ] as const;
  readonly viewTables = ['credit_lines', 'token_classes', 'bills', 'line_entries'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    const occurredAt = new Date(Number(event.blockTimestamp) * 1000);
    switch (event.name) {
      case 'CreditLineOpened': {
        const [enterprise, merchant] = await Promise.all([
          manager.findOneByOrFail(DirectoryAccount, { address: event.args.enterprise as string }),
          manager.findOneByOrFail(DirectoryAccount, { address: event.args.merchant as string }),
        ]);
        await manager.upsert(
          SettlementLine,
          {
            id: event.args.lineId as string,
            enterprise: enterprise.address,
            enterpriseOrgCode: enterprise.orgCode,
            merchant: merchant.address,
            merchantOrgCode: merchant.orgCode,
            currency: bytes3ToCurrencyCode(event.args.currency as string),
            termDays: Number(event.args.termDays),
          },
          ['id'],
        );
        return;
      }
      case 'TokenClassRegistered':
        await manager.upsert(
          SettlementTokenClass,
          {
            id: (event.args.tokenId as bigint).toString(),
            issuerOrgCode: orgCodeOf(event.args.issuerOrgId as string),
            currency: bytes3ToCurrencyCode(event.args.currency as string),
            symbol: bytes32ToSymbol(event.args.symbol as string),
          },
          ['id'],
        );
        return;
      case 'BillRecorded': {
        const line = await manager.findOneByOrFail(SettlementLine, { id: event.args.lineId as string });
        const bill = this.recordedBill(manager, line, event, occurredAt);
        await manager.upsert(Bill, bill, ['id']);
        await this.entry(manager, event, bill.lineId, 'PAYMENT', bill.id, bill.amount, occurredAt);
        await appendEvents(manager, [this.billEvent(eventTypes.billRecorded, bill, event, occurredAt)]);
        return;
      }
      case 'BillRefunded': {
        const bill = await manager.findOneByOrFail(Bill, { id: event.args.billId as string });
        bill.refunded = event.args.refunded as bigint;
        await manager.update(Bill, { id: bill.id }, { refunded: bill.refunded, ...updatedBy(event) });
        await this.entry(manager, event, bill.lineId, 'REFUND', bill.id, -(event.args.amount as bigint), occurredAt);
        return;
      }
      case 'BillStatusChanged': {
        const bill = await manager.findOneByOrFail(Bill, { id: event.args.billId as string });
        const status = billStatuses[Number(event.args.status)] as BillStatus;
        const settlementId = event.args.settlementId as string;
        bill.status = status;
        bill.settlementId = status === 'UNSETTLED' || settlementId === ZERO_BYTES32 ? null : settlementId;
        await manager.update(Bill, { id: bill.id }, { status, settlementId: bill.settlementId, ...updatedBy(event) });
        if (status === 'SETTLED') {
          await this.entry(manager, event, bill.lineId, 'SETTLEMENT', settlementId, -(bill.amount - bill.refunded), occurredAt);
        }
        await appendEvents(manager, [this.billEvent(eventTypes.billStatusChanged, bill, event, occurredAt)]);
        return;
      }
    }
  }

  /**
   * A run of events of one kind. Payments on credit (BillRecorded) come in runs as long as a batch:
   * their lines are read once, their bills and line entries written in multi-row upserts, their
   * bill.recorded events buffered. Anything else: one by one.
   */
  async applyMany(events: readonly ChainEvent[], manager: EntityManager): Promise<void> {
    if (events[0]?.name !== 'BillRecorded') {
      for (const event of events) await this.apply(event, manager);
      return;
    }
    const lines = await manager.findBy(SettlementLine, { id: In([...new Set(events.map((event) => event.args.lineId as string))]) });
    const byId = new Map(lines.map((line) => [line.id, line]));
    // One row per id in a statement (an upsert may touch a row once); the last event wins, as one by one.
    const bills = new Map<string, Bill>();
    const entries = new Map<string, Partial<LineEntry>>();
    const published = events.map((event) => {
      const line = byId.get(event.args.lineId as string);
      if (!line) throw new Error(`BillRecorded on unknown credit line ${event.args.lineId as string} at ${event.proof.txHash}`);
      const occurredAt = new Date(Number(event.blockTimestamp) * 1000);
      const bill = this.recordedBill(manager, line, event, occurredAt);
      bills.delete(bill.id);
      bills.set(bill.id, bill);
      const entry = this.entryRow(event, bill.lineId, 'PAYMENT', bill.id, bill.amount, occurredAt);
      entries.set(entry.id!, entry);
      return this.billEvent(eventTypes.billRecorded, bill, event, occurredAt);
    });
    const rows = [...bills.values()];
    for (let start = 0; start < rows.length; start += ROWS_PER_UPSERT) await manager.upsert(Bill, rows.slice(start, start + ROWS_PER_UPSERT), ['id']);
    const entryRows = [...entries.values()];
    for (let start = 0; start < entryRows.length; start += ROWS_PER_UPSERT) await manager.upsert(LineEntry, entryRows.slice(start, start + ROWS_PER_UPSERT), ['id']);
    await appendEvents(manager, published);
  }

  /** The bill a payment on credit records: the line's parties, nothing refunded, UNSETTLED. */
  private recordedBill(manager: EntityManager, line: SettlementLine, event: ChainEvent, occurredAt: Date): Bill {
    return manager.create(Bill, {
      id: event.args.billId as string,
      ...lineFieldsOf(line),
      amount: event.args.amount as bigint,
      refunded: 0n,
      status: 'UNSETTLED',
      settlementId: null,
      dueAt: event.args.dueAt as bigint,
      recordedAt: occurredAt,
      ...createdBy(event),
    });
  }

  private async entry(manager: EntityManager, event: ChainEvent, lineId: string, kind: LineEntry['kind'], referenceId: string, amount: bigint, occurredAt: Date): Promise<void> {
    await manager.upsert(LineEntry, this.entryRow(event, lineId, kind, referenceId, amount, occurredAt), ['id']);
  }

  private entryRow(event: ChainEvent, lineId: string, kind: LineEntry['kind'], referenceId: string, amount: bigint, occurredAt: Date): Partial<LineEntry> {
    return {
      id: `${event.proof.txHash}:${event.proof.logIndex}`,
      lineId,
      kind,
      referenceId,
      amount,
      occurredAt,
      blockNumber: event.proof.blockNumber,
      logIndex: event.proof.logIndex,
      txHash: event.proof.txHash,
    };
  }

  private billEvent(type: EventType, bill: Bill, event: ChainEvent, occurredAt: Date) {
    const data: BillEventData = {
      billId: bill.id,
      lineId: bill.lineId,
      enterprise: bill.enterprise,
      enterpriseOrgId: bill.enterpriseOrgCode,
      merchant: bill.merchant,
      merchantOrgId: bill.merchantOrgCode,
      currency: bill.currency,
      amount: bill.amount.toString(),
      refunded: bill.refunded.toString(),
      status: bill.status,
      settlementId: bill.settlementId,
      dueAt: new Date(Number(bill.dueAt) * 1000).toISOString(),
    };
    return { type, orgId: bill.enterpriseOrgCode, source: event.proof, occurredAt, data };
  }
}
