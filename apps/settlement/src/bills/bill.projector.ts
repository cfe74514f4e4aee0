// CreditLedger → bills (status in step with the chain), the lines and token classes they need, and
// the line entries statements are made of; bill.* events.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
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
import { Bill, LineEntry, SettlementLine, SettlementTokenClass, type BillStatus } from './bill.entity.js';

const ZERO_BYTES32 = `0x${'0'.repeat(64)}`;

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
        const bill = manager.create(Bill, {
          id: event.args.billId as string,
          lineId: line.id,
          enterprise: line.enterprise,
          enterpriseOrgCode: line.enterpriseOrgCode,
          merchant: line.merchant,
          merchantOrgCode: line.merchantOrgCode,
          currency: line.currency,
          amount: event.args.amount as bigint,
          refunded: 0n,
          status: 'UNSETTLED',
          settlementId: null,
          dueAt: event.args.dueAt as bigint,
          recordedAt: occurredAt,
          ...createdBy(event),
        });
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

  private async entry(manager: EntityManager, event: ChainEvent, lineId: string, kind: LineEntry['kind'], referenceId: string, amount: bigint, occurredAt: Date): Promise<void> {
    await manager.upsert(
      LineEntry,
      {
        id: `${event.proof.txHash}:${event.proof.logIndex}`,
        lineId,
        kind,
        referenceId,
        amount,
        occurredAt,
        blockNumber: event.proof.blockNumber,
        logIndex: event.proof.logIndex,
        txHash: event.proof.txHash,
      },
      ['id'],
    );
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
