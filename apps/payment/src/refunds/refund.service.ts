// Refunds of credit payments: the merchant's organisation asks, the merchant signs, the chain
// restores the credit (a bill refunded in full becomes REFUNDED).
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ChainClient, PartySigner, WritePath, operationIdOf, proofsOf, refundOperation, signingDeadline, writeResultOf } from '#chain-adapter';
import { TallyError, organisationOf, requestHashOf, type Principal, type WriteResult } from '#common';
import { Refund } from '../payments/payment.entity.js';
import { PaymentService } from '../payments/payment.service.js';
import type { CreateRefundDto, RefundDto } from './dto/refund.dto.js';

@Injectable()
export class RefundService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
    private readonly writes: WritePath,
    private readonly signer: PartySigner,
    private readonly payments: PaymentService,
  ) {}

  async refund(principal: Principal, idempotencyKey: string, request: CreateRefundDto): Promise<WriteResult<RefundDto>> {
    const orgId = organisationOf(principal);
    const payment = await this.payments.find(request.paymentId);
    if (payment.payeeOrgCode !== orgId) throw new TallyError('FORBIDDEN', { paymentId: payment.id, reason: "the merchant's organisation refunds" });
    if (payment.kind !== 'CREDIT') throw new TallyError('VALIDATION_FAILED', { fields: { paymentId: ['only credit payments are refunded; pay a token refund as a transfer'] } });
    const operationId = operationIdOf(orgId, idempotencyKey);
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: 'refund.create', ...request }),
      prepare: async () => {
        const message = { operationId, paymentId: payment.id, amount: BigInt(request.amount), deadline: await signingDeadline(this.chain, request.deadline) };
        const signature = await this.signer.sign({ kind: 'ACCOUNT', orgId, address: payment.payee }, this.chain.typedData('Refund', message), request.signature);
        return { operation: refundOperation(message, signature), resourceId: operationId };
      },
    });
    return writeResultOf(outcome, (id) => this.get(id), this.chain.chainId);
  }

  async get(id: string, principal?: Principal): Promise<RefundDto> {
    const refund = /^0x[0-9a-fA-F]{64}$/.test(id) ? await this.dataSource.manager.findOneBy(Refund, { id: id.toLowerCase() }) : null;
    if (!refund) throw new TallyError('NOT_FOUND', { id });
    const payment = await this.payments.get(refund.paymentId, principal);
    return { id: refund.id, paymentId: refund.paymentId, amount: refund.amount.toString(), recordedAt: refund.recordedAt.toISOString(), chain: proofsOf(refund).chain, payment };
  }
}
