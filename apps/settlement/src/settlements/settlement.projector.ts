// Settlements events → settlements and clearing reports; settlement.* and clearing-position.* events.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { createdBy, settlementMethods, updatedBy, type ChainEvent, type Projection } from '#chain-adapter';
import { appendEvents, eventTypes, type ClearingReportAnchoredData, type EventType, type SettlementEventData } from '#common';
import { SettlementLine, lineFieldsOf } from '../bills/bill.entity.js';
import { ClearingReport, Settlement, type SettlementStatus } from './settlement.entity.js';

const ZERO_BYTES32 = `0x${'0'.repeat(64)}`;

const decisions: Record<string, { status: SettlementStatus; type: EventType }> = {
  SettlementConfirmed: { status: 'CONFIRMED', type: eventTypes.settlementConfirmed },
  SettlementRejected: { status: 'REJECTED', type: eventTypes.settlementRejected },
  SettlementCancelled: { status: 'CANCELLED', type: eventTypes.settlementCancelled },
};

@Injectable()
export class SettlementProjector implements Projection {
  readonly events = [
    'Settlements.SettlementInitiated',
    'Settlements.SettlementConfirmed',
    'Settlements.SettlementRejected',
    'Settlements.SettlementCancelled',
    'Settlements.ClearingRootAnchored',
  ] as const;
  readonly viewTables = ['settlements', 'clearing_reports'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    const occurredAt = new Date(Number(event.blockTimestamp) * 1000);
    if (event.name === 'ClearingRootAnchored') {
      const report = {
        id: event.args.operationId as string,
        root: event.args.root as string,
        periodStart: event.args.periodStart as bigint,
        periodEnd: event.args.periodEnd as bigint,
        settlementCount: Number(event.args.settlementCount),
        ...createdBy(event),
      };
      await manager.upsert(ClearingReport, report, ['id']);
      const data: ClearingReportAnchoredData = {
        reportId: report.id,
        root: report.root,
        periodStart: new Date(Number(report.periodStart) * 1000).toISOString(),
        periodEnd: new Date(Number(report.periodEnd) * 1000).toISOString(),
        settlementCount: report.settlementCount,
      };
      await appendEvents(manager, [{ type: eventTypes.clearingPositionReportAnchored, orgId: null, source: event.proof, occurredAt, data }]);
      return;
    }
    if (event.name === 'SettlementInitiated') {
      const line = await manager.findOneByOrFail(SettlementLine, { id: event.args.lineId as string });
      const method = settlementMethods[Number(event.args.method)] as Settlement['method'];
      const bankReferenceHash = event.args.bankReferenceHash as string;
      const row = manager.create(Settlement, {
        id: event.args.operationId as string,
        ...lineFieldsOf(line),
        method,
        tokenClassId: method === 'TOKEN' ? (event.args.tokenId as bigint).toString() : null,
        bankReferenceHash: bankReferenceHash === ZERO_BYTES32 ? null : bankReferenceHash,
        total: event.args.total as bigint,
        billIds: [...(event.args.billIds as string[])],
        responseDeadline: event.args.responseDeadline as bigint,
        status: 'INITIATED',
        reasonCode: null,
        initiatedAt: occurredAt,
        decidedAt: null,
        ...createdBy(event),
      });
      await manager.upsert(Settlement, row, ['id']);
      await appendEvents(manager, [this.settlementEvent(eventTypes.settlementInitiated, row, row.id, event, occurredAt)]);
      return;
    }
    const id = event.args.settlementId as string;
    const settlement = await manager.findOneByOrFail(Settlement, { id });
    const decision = decisions[event.name];
    settlement.status = decision.status;
    settlement.reasonCode = event.name === 'SettlementRejected' ? Number(event.args.reasonCode) : null;
    await manager.update(Settlement, { id }, { status: decision.status, reasonCode: settlement.reasonCode, decidedAt: occurredAt, ...updatedBy(event) });
    const extra = event.name === 'SettlementCancelled' ? { afterDeadline: event.args.afterDeadline as boolean } : {};
    await appendEvents(manager, [this.settlementEvent(decision.type, settlement, event.args.operationId as string, event, occurredAt, extra)]);
  }

  private settlementEvent(type: EventType, row: Settlement, operationId: string, event: ChainEvent, occurredAt: Date, extra: Partial<SettlementEventData> = {}) {
    const data: SettlementEventData = {
      settlementId: row.id,
      operationId,
      lineId: row.lineId,
      enterprise: row.enterprise,
      enterpriseOrgId: row.enterpriseOrgCode,
      merchant: row.merchant,
      merchantOrgId: row.merchantOrgCode,
      currency: row.currency,
      method: row.method,
      tokenClassId: row.tokenClassId,
      total: row.total.toString(),
      billIds: row.billIds,
      status: row.status,
      ...(row.reasonCode !== null ? { reasonCode: row.reasonCode } : {}),
      ...extra,
    };
    return { type, orgId: row.enterpriseOrgCode, source: event.proof, occurredAt, data };
  }
}
