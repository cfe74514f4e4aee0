// CreditLedger application events → credit_applications, and credit-application.* events.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  bytes3ToCurrencyCode,
  createdBy,
  updatedBy,
  DirectoryAccount,
  type ChainEvent,
  type Projection,
} from '#chain-adapter';
import { appendEvents, eventTypes, type CreditApplicationEventData, type EventType } from '#common';
import { CreditApplication } from './credit-application.entity.js';

const decisionEvents: Record<string, { status: CreditApplication['status']; type: EventType }> = {
  CreditApplicationApproved: { status: 'APPROVED', type: eventTypes.creditApplicationApproved },
  CreditApplicationRejected: { status: 'REJECTED', type: eventTypes.creditApplicationRejected },
  CreditApplicationWithdrawn: { status: 'WITHDRAWN', type: eventTypes.creditApplicationWithdrawn },
};

@Injectable()
export class CreditApplicationProjector implements Projection {
  readonly events = [
    'CreditLedger.CreditApplicationSubmitted',
    'CreditLedger.CreditApplicationApproved',
    'CreditLedger.CreditApplicationRejected',
    'CreditLedger.CreditApplicationWithdrawn',
  ] as const;
  readonly viewTables = ['credit_applications'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    const occurredAt = new Date(Number(event.blockTimestamp) * 1000);
    if (event.name === 'CreditApplicationSubmitted') {
      const enterprise = event.args.enterprise as string;
      const merchant = event.args.merchant as string;
      const [enterpriseAccount, merchantAccount] = await Promise.all([
        manager.findOneByOrFail(DirectoryAccount, { address: enterprise }),
        manager.findOneByOrFail(DirectoryAccount, { address: merchant }),
      ]);
      const row = {
        id: event.args.operationId as string,
        enterprise,
        enterpriseOrgCode: enterpriseAccount.orgCode,
        merchant,
        merchantOrgCode: merchantAccount.orgCode,
        currency: bytes3ToCurrencyCode(event.args.currency as string),
        requestedLimit: event.args.requestedLimit as bigint,
        termDays: Number(event.args.termDays),
        expiresAt: event.args.expiresAt as bigint,
        referenceHash: event.args.referenceHash as string,
        status: 'SUBMITTED' as const,
        approvedLimit: null,
        reasonCode: null,
        submittedAt: occurredAt,
        decidedAt: null,
        ...createdBy(event),
      };
      await manager.upsert(CreditApplication, row, ['id']);
      await appendEvents(manager, [
        { type: eventTypes.creditApplicationSubmitted, orgId: row.enterpriseOrgCode, source: event.proof, occurredAt, data: this.data(row, row.id, { requestedLimit: row.requestedLimit.toString() }) },
      ]);
      return;
    }

    const id = event.args.applicationId as string;
    const application = await manager.findOneBy(CreditApplication, { id });
    if (!application) throw new Error(`${event.name} for unknown application ${id} at ${event.proof.txHash}`);
    const change = decisionEvents[event.name];
    const approvedLimit = event.name === 'CreditApplicationApproved' ? (event.args.limit as bigint) : null;
    const reasonCode = event.name === 'CreditApplicationRejected' ? Number(event.args.reasonCode) : null;
    await manager.update(CreditApplication, { id }, { status: change.status, approvedLimit, reasonCode, decidedAt: occurredAt, ...updatedBy(event) });
    const extra: Partial<CreditApplicationEventData> = {};
    if (approvedLimit !== null) extra.limit = approvedLimit.toString();
    if (reasonCode !== null) extra.reasonCode = reasonCode;
    await appendEvents(manager, [
      { type: change.type, orgId: application.enterpriseOrgCode, source: event.proof, occurredAt, data: this.data(application, event.args.operationId as string, extra) },
    ]);
  }

  private data(row: Pick<CreditApplication, 'id' | 'enterprise' | 'enterpriseOrgCode' | 'merchant' | 'merchantOrgCode' | 'currency'>, operationId: string, extra: Partial<CreditApplicationEventData>): CreditApplicationEventData {
    return {
      operationId,
      applicationId: row.id,
      enterprise: row.enterprise,
      enterpriseOrgId: row.enterpriseOrgCode,
      merchant: row.merchant,
      merchantOrgId: row.merchantOrgCode,
      currency: row.currency,
      ...extra,
    };
  }
}
