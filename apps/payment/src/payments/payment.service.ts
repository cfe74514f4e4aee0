// S4 payments. On credit: the line's enterprise signs (payment id, line, payee, amount, deadline);
// the contracts verify identity, the credit relationship and both limits, and record a bill. In
// tokens: the payer signs, its tokens move to the merchant at once. The service checks only what
// it must to find the signer; every rule is the chain's.
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import {
  AccountDirectory,
  ChainClient,
  PartySigner,
  WritePath,
  chainOrderPage,
  inChainOrder,
  normaliseAddress,
  operationIdOf,
  payOnCreditOperation,
  payWithTokensOperation,
  proofsOf,
  readCreditLine,
  signingDeadline,
  writeResultOf,
  type PreparedWrite,
} from '#chain-adapter';
import { DEFAULT_PAGE_SIZE, errorAnswerOf, groupedLookup, TallyError, organisationOf, requestHashOf, type Page, type Principal, type WriteResult } from '#common';
import { TokenClassService } from '../token-classes/token-class.service.js';
import type { BatchPaymentDto, CreatePaymentDto, ListPaymentsQuery, PaymentBatchDto, PaymentBatchResultDto, PaymentDto } from './dto/payment.dto.js';
import { Payment } from './payment.entity.js';

@Injectable()
export class PaymentService {
  private readonly logger = new Logger('PaymentService');

  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
    private readonly writes: WritePath,
    private readonly directory: AccountDirectory,
    private readonly signer: PartySigner,
    private readonly tokenClasses: TokenClassService,
  ) {}

  async pay(principal: Principal, idempotencyKey: string, request: CreatePaymentDto): Promise<WriteResult<PaymentDto>> {
    const orgId = organisationOf(principal);
    const operationId = operationIdOf(orgId, idempotencyKey);
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: 'payment.create', ...request }),
      // Preparing reads the chain and the caches, and signs for a custodial payer: nothing kept.
      insertFirst: true,
      prepare: () => (request.kind === 'CREDIT' ? this.prepareCredit(orgId, operationId, request) : this.prepareToken(orgId, operationId, request)),
    });
    return writeResultOf(outcome, (id) => this.get(id), this.chain.chainId);
  }

  /**
   * A batch: each payment made as POST /v1/payments would make it with its idempotencyKey as the
   * Idempotency-Key (a retry, alone or in another batch, is the same payment), all at once — their
   * outbox rows share the group commit's inserts and the submitter sends them in few transactions. One
   * answer per payment, in order; one payment's refusal does not stop the others. Two payments
   * with one key are refused before anything is done.
   */
  async payBatch(principal: Principal, payments: BatchPaymentDto[]): Promise<PaymentBatchDto> {
    organisationOf(principal);
    const seen = new Set<string>();
    payments.forEach(({ idempotencyKey }, index) => {
      if (seen.has(idempotencyKey)) {
        throw new TallyError('VALIDATION_FAILED', { fields: { [`payments.${index}.idempotencyKey`]: ['idempotencyKey must be unique within a batch'] } });
      }
      seen.add(idempotencyKey);
    });
    const results = await Promise.all(
      payments.map(async ({ idempotencyKey, ...request }): Promise<PaymentBatchResultDto> => {
        try {
          const result = await this.pay(principal, idempotencyKey, request);
          return result.status === 'RECORDED' ? { idempotencyKey, status: 201, payment: result.body } : { idempotencyKey, status: 202, operation: result.body };
        } catch (error) {
          const { status, body } = errorAnswerOf(error, this.logger);
          return { idempotencyKey, status, error: body };
        }
      }),
    );
    return { results };
  }

  /** Line parties read from the chain: a line's enterprise and merchant never change once opened. */
  private readonly lineParties = new Map<string, { enterprise: string; merchant: string }>();

  private async partiesOf(lineId: string): Promise<{ enterprise: string; merchant: string }> {
    const known = this.lineParties.get(lineId);
    if (known) return known;
    const line = await readCreditLine(this.chain, lineId);
    if (line.status === 'NONE') throw new TallyError('CREDIT_LINE_NOT_FOUND', { lineId });
    if (this.lineParties.size >= 10_000) this.lineParties.clear();
    const parties = { enterprise: line.enterprise, merchant: line.merchant };
    this.lineParties.set(lineId, parties);
    return parties;
  }

  private async prepareCredit(orgId: string, operationId: string, request: CreatePaymentDto): Promise<PreparedWrite> {
    const lineId = request.lineId!.toLowerCase();
    // Only the parties are read here (who signs, whose organisation may pay on the line); the line's
    // status, expiry and limits are checked by the chain when it records the payment.
    const line = await this.partiesOf(lineId);
    const enterprise = await this.directory.find(line.enterprise);
    if (!enterprise || enterprise.orgCode !== orgId) throw new TallyError('FORBIDDEN', { lineId, reason: "the enterprise's organisation pays on its lines" });
    const message = {
      operationId,
      lineId,
      payee: request.payee ? normaliseAddress(request.payee)! : line.merchant,
      amount: BigInt(request.amount),
      deadline: await signingDeadline(this.chain, request.deadline),
    };
    const signature = await this.signer.sign({ kind: 'ACCOUNT', orgId, address: line.enterprise }, this.chain.typedData('CreditPayment', message), request.signature);
    return { operation: payOnCreditOperation(message, signature), resourceId: operationId };
  }

  private async prepareToken(orgId: string, operationId: string, request: CreatePaymentDto): Promise<PreparedWrite> {
    const payer = await this.directory.find(request.payer!);
    if (!payer) throw new TallyError('ACCOUNT_NOT_FOUND', { payer: request.payer });
    this.directory.requireOwnedBy(payer, orgId);
    const payee = await this.directory.find(request.payee!);
    if (!payee) throw new TallyError('ACCOUNT_NOT_FOUND', { payee: request.payee });
    const tokenClass = await this.tokenClasses.find(request.tokenClassId!);
    const message = {
      operationId,
      payer: payer.address,
      payee: payee.address,
      tokenId: BigInt(tokenClass.id),
      amount: BigInt(request.amount),
      deadline: await signingDeadline(this.chain, request.deadline),
    };
    const signature = await this.signer.sign({ kind: 'ACCOUNT', orgId, address: payer.address }, this.chain.typedData('TokenPayment', message), request.signature);
    return { operation: payWithTokensOperation(message, signature), resourceId: operationId };
  }

  async get(id: string, principal?: Principal): Promise<PaymentDto> {
    const payment = await this.find(id);
    if (principal?.kind === 'organisation' && principal.orgId !== payment.payerOrgCode && principal.orgId !== payment.payeeOrgCode) {
      throw new TallyError('FORBIDDEN', { id });
    }
    return this.toDto(payment);
  }

  /** Concurrent reads of single payments (every recorded write answers with one) go in one query. */
  private readonly lookups = groupedLookup(
    (ids: string[]) => this.dataSource.manager.findBy(Payment, { id: In(ids) }),
    (payment) => payment.id,
  );

  async find(id: string): Promise<Payment> {
    const payment = /^0x[0-9a-fA-F]{64}$/.test(id) ? await this.lookups.call(id.toLowerCase()) : null;
    if (!payment) throw new TallyError('PAYMENT_NOT_FOUND', { id });
    return payment;
  }

  async list(principal: Principal, query: ListPaymentsQuery): Promise<Page<PaymentDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const builder = inChainOrder(this.dataSource.manager.createQueryBuilder(Payment, 'payment'), 'payment', limit, query.cursor);
    if (principal.kind === 'organisation') {
      builder.andWhere('(payment.payer_org_code = :orgCode OR payment.payee_org_code = :orgCode)', { orgCode: principal.orgId });
    }
    if (query.payer) builder.andWhere('payment.payer = :payer', { payer: normaliseAddress(query.payer) });
    if (query.payee) builder.andWhere('payment.payee = :payee', { payee: normaliseAddress(query.payee) });
    if (query.lineId) builder.andWhere('payment.line_id = :lineId', { lineId: query.lineId.toLowerCase() });
    if (query.kind) builder.andWhere('payment.kind = :kind', { kind: query.kind });
    if (query.status) builder.andWhere('payment.status = :status', { status: query.status });
    if (query.from) builder.andWhere('payment.recorded_at >= :from', { from: new Date(query.from) });
    if (query.to) builder.andWhere('payment.recorded_at < :to', { to: new Date(query.to) });
    return chainOrderPage(await builder.getMany(), limit, (row) => this.toDto(row));
  }

  toDto(row: Payment): PaymentDto {
    return {
      id: row.id,
      kind: row.kind,
      payer: row.payer,
      payerOrgId: row.payerOrgCode,
      payee: row.payee,
      payeeOrgId: row.payeeOrgCode,
      lineId: row.lineId,
      tokenClassId: row.tokenClassId,
      amount: row.amount.toString(),
      refunded: row.refunded.toString(),
      status: row.status,
      dueAt: row.dueAt === null ? null : new Date(Number(row.dueAt) * 1000).toISOString(),
      recordedAt: row.recordedAt.toISOString(),
      ...proofsOf(row),
    };
  }
}
