// CreditLedger line and bill events → credit_lines, credit-line.* events, and the utilisation
// alerts: `used` follows the ledger's bill events (each carries the line's `used` after it).
import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import {
  bytes3ToCurrencyCode,
  createdBy,
  parties,
  updatedBy,
  DirectoryAccount,
  type ChainEvent,
  type Projection,
} from '#chain-adapter';
import {
  appendEvents,
  eventTypes,
  type CreditLineEventData,
  type CreditParty,
  type EventType,
  type NewEvent,
  type UtilisationCrossedData,
} from '#common';
import { CreditApplicationRecord } from '../credit-applications/credit-application.entity.js';
import { CreditLine } from './credit-line.entity.js';
import { DEFAULT_UTILISATION_THRESHOLDS, crossedThresholds } from './utilisation.js';

const lifecycleEvents: Record<string, { status?: CreditLine['status']; type: EventType }> = {
  CreditLineLimitChanged: { type: eventTypes.creditLineLimitChanged },
  CreditLineSuspended: { status: 'SUSPENDED', type: eventTypes.creditLineSuspended },
  CreditLineResumed: { status: 'ACTIVE', type: eventTypes.creditLineResumed },
  CreditLineClosed: { status: 'CLOSED', type: eventTypes.creditLineClosed },
};

@Injectable()
export class CreditLineProjector implements Projection {
  readonly events = [
    'CreditLedger.CreditLineOpened',
    'CreditLedger.CreditLineLimitChanged',
    'CreditLedger.CreditLineSuspended',
    'CreditLedger.CreditLineResumed',
    'CreditLedger.CreditLineClosed',
    'CreditLedger.BillRecorded',
    'CreditLedger.BillRefunded',
    'CreditLedger.BillStatusChanged',
  ] as const;
  readonly viewTables = ['credit_lines'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    const occurredAt = new Date(Number(event.blockTimestamp) * 1000);
    if (event.name === 'CreditLineOpened') {
      const enterprise = event.args.enterprise as string;
      const merchant = event.args.merchant as string;
      const [enterpriseAccount, merchantAccount] = await Promise.all([
        manager.findOneByOrFail(DirectoryAccount, { address: enterprise }),
        manager.findOneByOrFail(DirectoryAccount, { address: merchant }),
      ]);
      const line = manager.create(CreditLine, {
        id: event.args.lineId as string,
        creditAccountId: event.args.creditAccountId as string,
        enterprise,
        enterpriseOrgCode: enterpriseAccount.orgCode,
        merchant,
        merchantOrgCode: merchantAccount.orgCode,
        currency: bytes3ToCurrencyCode(event.args.currency as string),
        limit: event.args.limit as bigint,
        used: 0n,
        termDays: Number(event.args.termDays),
        expiresAt: event.args.expiresAt as bigint,
        status: 'ACTIVE',
        openedAt: occurredAt,
        ...createdBy(event),
      });
      await manager.upsert(CreditLine, line, ['id']);
      await appendEvents(manager, [this.lineEvent(eventTypes.creditLineOpened, line, event, occurredAt, null)]);
      return;
    }

    const id = event.args.lineId as string;
    const line = await manager.findOneBy(CreditLine, { id });
    if (!line) throw new Error(`${event.name} for unknown credit line ${id} at ${event.proof.txHash}`);
    const before = { used: line.used, limit: line.limit };
    const events: Array<NewEvent<unknown>> = [];

    if (event.name === 'BillRecorded') {
      // A payment on credit: the event carries its amount, not the line's use after it.
      line.used = line.used + (event.args.amount as bigint);
    } else if (event.name.startsWith('Bill')) {
      line.used = event.args.lineUsed as bigint;
    } else {
      const change = lifecycleEvents[event.name];
      if (event.name === 'CreditLineLimitChanged') line.limit = event.args.limit as bigint;
      if (change.status) line.status = change.status;
      const actor = event.name === 'CreditLineClosed' ? (parties[Number(event.args.actor)] as CreditParty) : undefined;
      events.push(this.lineEvent(change.type, line, event, occurredAt, event.args.operationId as string, actor));
    }
    Object.assign(line, updatedBy(event));
    await manager.update(
      CreditLine,
      { id },
      { used: line.used, limit: line.limit, status: line.status, ...updatedBy(event) },
    );

    const record = await manager.findOneBy(CreditApplicationRecord, { id });
    const thresholds = record?.utilisationThresholds ?? [...DEFAULT_UTILISATION_THRESHOLDS];
    for (const thresholdPercent of crossedThresholds(thresholds, before, { used: line.used, limit: line.limit })) {
      events.push(this.utilisationEvent(line, event, thresholdPercent));
    }
    await appendEvents(manager, events);
  }

  /**
   * A run of events of one kind. Payments on credit (BillRecorded) come in runs as long as a batch:
   * their lines and thresholds are read once, each line written once with its use after the run,
   * and every threshold a payment crossed announced as one by one would. Anything else: one by one.
   */
  async applyMany(events: readonly ChainEvent[], manager: EntityManager): Promise<void> {
    if (events[0]?.name !== 'BillRecorded') {
      for (const event of events) await this.apply(event, manager);
      return;
    }
    const ids = [...new Set(events.map((event) => event.args.lineId as string))];
    const [lines, records] = await Promise.all([
      manager.findBy(CreditLine, { id: In(ids) }),
      manager.findBy(CreditApplicationRecord, { id: In(ids) }),
    ]);
    const byId = new Map(lines.map((line) => [line.id, line]));
    const thresholdsOf = new Map(records.map((record) => [record.id, record.utilisationThresholds]));
    const last = new Map<string, ChainEvent>();
    const published: Array<NewEvent<unknown>> = [];
    for (const event of events) {
      const id = event.args.lineId as string;
      const line = byId.get(id);
      if (!line) throw new Error(`${event.name} for unknown credit line ${id} at ${event.proof.txHash}`);
      const before = { used: line.used, limit: line.limit };
      line.used += event.args.amount as bigint;
      last.set(id, event);
      const thresholds = thresholdsOf.get(id) ?? DEFAULT_UTILISATION_THRESHOLDS;
      for (const thresholdPercent of crossedThresholds(thresholds, before, { used: line.used, limit: line.limit })) {
        published.push(this.utilisationEvent(line, event, thresholdPercent));
      }
    }
    const changed = [...last.entries()];
    await manager.query(
      `UPDATE credit_lines SET used = v.used, updated_block_number = v.block_number, updated_tx_hash = v.tx_hash, updated_log_index = v.log_index
         FROM unnest($1::varchar[], $2::numeric[], $3::bigint[], $4::varchar[], $5::integer[]) AS v(id, used, block_number, tx_hash, log_index)
        WHERE credit_lines.id = v.id`,
      [
        changed.map(([id]) => id),
        changed.map(([id]) => byId.get(id)!.used.toString()),
        changed.map(([, event]) => event.proof.blockNumber),
        changed.map(([, event]) => event.proof.txHash),
        changed.map(([, event]) => event.proof.logIndex),
      ],
    );
    await appendEvents(manager, published);
  }

  private utilisationEvent(line: CreditLine, event: ChainEvent, thresholdPercent: number): NewEvent<UtilisationCrossedData> {
    return {
      type: eventTypes.creditLineUtilisationCrossed,
      orgId: line.enterpriseOrgCode,
      source: event.proof,
      // One log can cross several thresholds: the threshold keeps their event ids apart.
      discriminator: String(thresholdPercent),
      occurredAt: new Date(Number(event.blockTimestamp) * 1000),
      data: {
        lineId: line.id,
        enterprise: line.enterprise,
        enterpriseOrgId: line.enterpriseOrgCode,
        merchant: line.merchant,
        merchantOrgId: line.merchantOrgCode,
        currency: line.currency,
        thresholdPercent,
        used: line.used.toString(),
        limit: line.limit.toString(),
      },
    };
  }

  private lineEvent(
    type: EventType,
    line: CreditLine,
    event: ChainEvent,
    occurredAt: Date,
    operationId: string | null,
    actor?: CreditParty,
  ): NewEvent<CreditLineEventData> {
    return {
      type,
      orgId: line.enterpriseOrgCode,
      source: event.proof,
      occurredAt,
      data: {
        operationId,
        lineId: line.id,
        enterprise: line.enterprise,
        enterpriseOrgId: line.enterpriseOrgCode,
        merchant: line.merchant,
        merchantOrgId: line.merchantOrgCode,
        currency: line.currency,
        limit: line.limit.toString(),
        used: line.used.toString(),
        status: line.status,
        ...(actor ? { actor } : {}),
      },
    };
  }
}
