// Payments events → token payments and refunds; CreditLedger events → payments on credit (a bill is
// a credit payment: BillRecorded, with the parties from the line's CreditLineOpened), their status
// and refunded amount; payment.* and refund.* events.
import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { DirectoryAccount, billStatuses, createdBy, updatedBy, type ChainEvent, type Projection } from '#chain-adapter';
import { appendEvents, eventTypes, type PaymentRecordedData, type PaymentStatusChangedData, type RefundRecordedData } from '#common';
import { Payment, PaymentLine, Refund, type PaymentStatus } from './payment.entity.js';

@Injectable()
export class PaymentProjector implements Projection {
  readonly events = [
    'CreditLedger.CreditLineOpened',
    'CreditLedger.BillRecorded',
    'Payments.PaymentRecorded',
    'Payments.RefundRecorded',
    'CreditLedger.BillRefunded',
    'CreditLedger.BillStatusChanged',
  ] as const;
  readonly viewTables = ['payment_lines', 'payments', 'refunds'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    const occurredAt = new Date(Number(event.blockTimestamp) * 1000);
    switch (event.name) {
      case 'CreditLineOpened': {
        const enterprise = event.args.enterprise as string;
        const merchant = event.args.merchant as string;
        const [enterpriseAccount, merchantAccount] = await this.accounts(manager, enterprise, merchant, event);
        const line = { id: event.args.lineId as string, enterprise, enterpriseOrgCode: enterpriseAccount.orgCode, merchant, merchantOrgCode: merchantAccount.orgCode };
        await manager.upsert(PaymentLine, line, ['id']);
        return;
      }
      case 'BillRecorded': {
        const line = await manager.findOneBy(PaymentLine, { id: event.args.lineId as string });
        if (!line) throw new Error(`BillRecorded on unknown credit line ${event.args.lineId as string} at ${event.proof.txHash}`);
        return this.recorded(event, manager, occurredAt, {
          id: event.args.billId as string,
          kind: 'CREDIT',
          payer: line.enterprise,
          payerOrgCode: line.enterpriseOrgCode,
          payee: line.merchant,
          payeeOrgCode: line.merchantOrgCode,
          lineId: line.id,
          tokenClassId: null,
          dueAt: event.args.dueAt as bigint,
        });
      }
      case 'PaymentRecorded': {
        const payer = event.args.payer as string;
        const payee = event.args.payee as string;
        const [payerAccount, payeeAccount] = await this.accounts(manager, payer, payee, event);
        return this.recorded(event, manager, occurredAt, {
          id: event.args.operationId as string,
          kind: 'TOKEN',
          payer,
          payerOrgCode: payerAccount.orgCode,
          payee,
          payeeOrgCode: payeeAccount.orgCode,
          lineId: null,
          tokenClassId: (event.args.tokenId as bigint).toString(),
          dueAt: null,
        });
      }
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
        if (!payment) throw new Error(`BillStatusChanged for unknown payment ${id} at ${event.proof.txHash}`);
        await manager.update(Payment, { id }, { status, ...updatedBy(event) });
        const data: PaymentStatusChangedData = { paymentId: id, status, refunded: payment.refunded.toString() };
        await appendEvents(manager, [{ type: eventTypes.paymentStatusChanged, orgId: payment.payerOrgCode, source: event.proof, occurredAt, data }]);
        return;
      }
    }
  }

  private async accounts(manager: EntityManager, first: string, second: string, event: ChainEvent): Promise<[DirectoryAccount, DirectoryAccount]> {
    const accounts = await manager.findBy(DirectoryAccount, { address: In([first, second]) });
    const one = accounts.find((account) => account.address === first);
    const other = accounts.find((account) => account.address === second);
    if (!one || !other) throw new Error(`${event.name} for unknown accounts at ${event.proof.txHash}`);
    return [one, other];
  }

  private async recorded(
    event: ChainEvent,
    manager: EntityManager,
    occurredAt: Date,
    payment: Pick<Payment, 'id' | 'kind' | 'payer' | 'payerOrgCode' | 'payee' | 'payeeOrgCode' | 'lineId' | 'tokenClassId' | 'dueAt'>,
  ): Promise<void> {
    const { kind, payer, payee } = payment;
    const row = {
      ...payment,
      amount: event.args.amount as bigint,
      refunded: 0n,
      status: (kind === 'CREDIT' ? 'UNSETTLED' : 'COMPLETED') as PaymentStatus,
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
