// Payments events → payments and refunds; CreditLedger bill events → a credit payment's status and
// refunded amount; payment.* and refund.* events.
import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { DirectoryAccount, billStatuses, createdBy, paymentKinds, updatedBy, type ChainEvent, type Projection } from '#chain-adapter';
import { appendEvents, eventTypes, type PaymentRecordedData, type PaymentStatusChangedData, type RefundRecordedData } from '#common';
import { Payment, Refund, type PaymentStatus } from './payment.entity.js';

const ZERO_BYTES32 = `0x${'0'.repeat(64)}`;

@Injectable()
export class PaymentProjector implements Projection {
  readonly events = [
    'Payments.PaymentRecorded',
    'Payments.RefundRecorded',
    'CreditLedger.BillRefunded',
    'CreditLedger.BillStatusChanged',
  ] as const;
  readonly viewTables = ['payments', 'refunds'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    const occurredAt = new Date(Number(event.blockTimestamp) * 1000);
    switch (event.name) {
      case 'PaymentRecorded':
        return this.recorded(event, manager, occurredAt);
      case 'RefundRecorded': {
        const row = {
          id: event.args.operationId as string,
          paymentId: event.args.paymentId as string,
          amount: event.args.amount as bigint,
          recordedAt: occurredAt,
          ...createdBy(event),
        };
        await manager.upsert(Refund, row, ['id']);
        const payment = await manager.findOneByOrFail(Payment, { id: row.paymentId });
        const data: RefundRecordedData = { refundId: row.id, paymentId: row.paymentId, amount: row.amount.toString(), paymentStatus: payment.status };
        await appendEvents(manager, [{ type: eventTypes.refundRecorded, orgId: payment.payeeOrgCode, source: event.proof, occurredAt, data }]);
        return;
      }
      case 'BillRefunded':
        // The bill's id is the payment's id; `refunded` is the bill's total refunded so far.
        await manager.update(Payment, { id: event.args.billId as string }, { refunded: event.args.refunded as bigint, ...updatedBy(event) });
        return;
      case 'BillStatusChanged': {
        const id = event.args.billId as string;
        const status = billStatuses[Number(event.args.status)] as PaymentStatus;
        const payment = await manager.findOneBy(Payment, { id });
        if (!payment) return; // a bill of a payment this deployment's payment contract did not record
        await manager.update(Payment, { id }, { status, ...updatedBy(event) });
        const data: PaymentStatusChangedData = { paymentId: id, status, refunded: payment.refunded.toString() };
        await appendEvents(manager, [{ type: eventTypes.paymentStatusChanged, orgId: payment.payerOrgCode, source: event.proof, occurredAt, data }]);
        return;
      }
    }
  }

  private async recorded(event: ChainEvent, manager: EntityManager, occurredAt: Date): Promise<void> {
    const payer = event.args.payer as string;
    const payee = event.args.payee as string;
    const accounts = await manager.findBy(DirectoryAccount, { address: In([payer, payee]) });
    const payerAccount = accounts.find((account) => account.address === payer);
    const payeeAccount = accounts.find((account) => account.address === payee);
    if (!payerAccount || !payeeAccount) throw new Error(`PaymentRecorded for unknown accounts at ${event.proof.txHash}`);
    const kind = paymentKinds[Number(event.args.kind)] as Payment['kind'];
    const lineId = event.args.lineId as string;
    const dueAt = event.args.dueAt as bigint;
    const row = {
      id: event.args.operationId as string,
      kind,
      payer,
      payerOrgCode: payerAccount.orgCode,
      payee,
      payeeOrgCode: payeeAccount.orgCode,
      lineId: kind === 'CREDIT' && lineId !== ZERO_BYTES32 ? lineId : null,
      tokenClassId: kind === 'TOKEN' ? (event.args.tokenId as bigint).toString() : null,
      amount: event.args.amount as bigint,
      refunded: 0n,
      status: (kind === 'CREDIT' ? 'UNSETTLED' : 'COMPLETED') as PaymentStatus,
      dueAt: kind === 'CREDIT' ? dueAt : null,
      recordedAt: occurredAt,
      ...createdBy(event),
    };
    await manager.upsert(Payment, row, ['id']);
    const data: PaymentRecordedData = {
      paymentId: row.id,
      kind,
      payer,
      payerOrgId: row.payerOrgCode,
      payee,
      payeeOrgId: row.payeeOrgCode,
      lineId: row.lineId,
      tokenClassId: row.tokenClassId,
      amount: row.amount.toString(),
      dueAt: row.dueAt === null ? null : new Date(Number(row.dueAt) * 1000).toISOString(),
    };
    await appendEvents(manager, [{ type: eventTypes.paymentRecorded, orgId: row.payerOrgCode, source: event.proof, occurredAt, data }]);
  }
}
