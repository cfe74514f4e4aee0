// S3 credit granting: the enterprise signs an application to a merchant; the merchant signs the
// decision (approve with a limit ≤ requested, or reject with a reason code); the enterprise may
// withdraw while it is pending. On approval the chain opens the credit line (its id is this id).
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  assertParty,
  AccountDirectory,
  ChainClient,
  PartySigner,
  WritePath,
  chainOrderPage,
  currencyCodeToBytes3,
  decideApplicationOperation,
  decisionOutcomeCodes,
  inChainOrder,
  normaliseAddress,
  operationIdOf,
  proofsOf,
  referenceHashOf,
  signingDeadline,
  submitApplicationOperation,
  visibleToParties,
  withdrawApplicationOperation,
  writeResultOf,
} from '#chain-adapter';
import {
  DEFAULT_PAGE_SIZE,
  TallyError,
  organisationOf,
  requestHashOf,
  SignedWriteDto,
  type Page,
  type Principal,
  type WriteResult,
} from '#common';
import { DEFAULT_UTILISATION_THRESHOLDS } from '../credit-lines/utilisation.js';
import type { CreateCreditApplicationDto, CreditApplicationDto, CreditDecisionDto, ListCreditApplicationsQuery } from './dto/credit-application.dto.js';
import { CreditApplication, CreditApplicationRecord } from './credit-application.entity.js';

@Injectable()
export class CreditApplicationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
    private readonly writes: WritePath,
    private readonly directory: AccountDirectory,
    private readonly signer: PartySigner,
  ) {}

  async submit(principal: Principal, idempotencyKey: string, request: CreateCreditApplicationDto): Promise<WriteResult<CreditApplicationDto>> {
    const orgId = organisationOf(principal);
    const enterprise = await this.directory.require(request.enterprise, 'ENTERPRISE', 'enterprise');
    this.directory.requireOwnedBy(enterprise, orgId);
    const merchant = await this.directory.require(request.merchant, 'MERCHANT', 'merchant');
    const expiresAt = BigInt(Math.floor(Date.parse(request.expiresAt) / 1000));
    if (expiresAt <= 0n || expiresAt >= 1n << 64n) throw new TallyError('VALIDATION_FAILED', { fields: { expiresAt: ['must be a time after 1970 and before 2^64 seconds'] } });
    const operationId = operationIdOf(orgId, idempotencyKey);
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: 'credit-application.submit', ...request }),
      prepare: async () => {
        const message = {
          operationId,
          enterprise: enterprise.address,
          merchant: merchant.address,
          currency: currencyCodeToBytes3(request.currency),
          requestedLimit: BigInt(request.requestedLimit),
          termDays: request.termDays,
          expiresAt,
          referenceHash: referenceHashOf(request.reference),
          deadline: await signingDeadline(this.chain, request.deadline),
        };
        const signature = await this.signer.sign(
          { kind: 'ACCOUNT', orgId, address: enterprise.address },
          this.chain.typedData('CreditApplication', message),
          request.signature,
        );
        return {
          operation: submitApplicationOperation(message, signature),
          resourceId: operationId,
          saveRecords: async (manager: EntityManager) => {
            await manager.insert(CreditApplicationRecord, {
              id: operationId,
              reference: request.reference,
              utilisationThresholds: request.utilisationThresholds ?? [...DEFAULT_UTILISATION_THRESHOLDS],
            });
          },
        };
      },
    });
    return writeResultOf(outcome, (id) => this.get(id), this.chain.chainId);
  }

  /** The merchant's decision; its organisation calls, the merchant's key signs. */
  async decide(principal: Principal, applicationId: string, idempotencyKey: string, request: CreditDecisionDto): Promise<WriteResult<CreditApplicationDto>> {
    const orgId = organisationOf(principal);
    const application = await this.find(applicationId);
    if (application.merchantOrgCode !== orgId) throw new TallyError('FORBIDDEN', { applicationId, reason: "the merchant's organisation decides" });
    const operationId = operationIdOf(orgId, idempotencyKey);
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: 'credit-application.decide', applicationId: application.id, ...request }),
      prepare: async () => {
        const approve = request.outcome === 'APPROVE';
        const message = {
          operationId,
          applicationId: application.id,
          outcome: decisionOutcomeCodes[request.outcome],
          limit: approve ? BigInt(request.limit!) : 0n,
          reasonCode: approve ? 0 : request.reasonCode!,
          deadline: await signingDeadline(this.chain, request.deadline),
        };
        const signature = await this.signer.sign(
          { kind: 'ACCOUNT', orgId, address: application.merchant },
          this.chain.typedData('CreditDecision', message),
          request.signature,
        );
        return { operation: decideApplicationOperation(message, signature), resourceId: application.id };
      },
    });
    return writeResultOf(outcome, (id) => this.get(id), this.chain.chainId);
  }

  async withdraw(principal: Principal, applicationId: string, idempotencyKey: string, request: SignedWriteDto): Promise<WriteResult<CreditApplicationDto>> {
    const orgId = organisationOf(principal);
    const application = await this.find(applicationId);
    if (application.enterpriseOrgCode !== orgId) throw new TallyError('FORBIDDEN', { applicationId, reason: "the enterprise's organisation withdraws" });
    const operationId = operationIdOf(orgId, idempotencyKey);
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: 'credit-application.withdraw', applicationId: application.id, ...request }),
      prepare: async () => {
        const message = { operationId, applicationId: application.id, deadline: await signingDeadline(this.chain, request.deadline) };
        const signature = await this.signer.sign(
          { kind: 'ACCOUNT', orgId, address: application.enterprise },
          this.chain.typedData('CreditApplicationWithdrawal', message),
          request.signature,
        );
        return { operation: withdrawApplicationOperation(message, signature), resourceId: application.id };
      },
    });
    return writeResultOf(outcome, (id) => this.get(id), this.chain.chainId);
  }

  async get(id: string, principal?: Principal): Promise<CreditApplicationDto> {
    const application = await this.find(id);
    assertParty(principal, application, { id });
    const record = await this.dataSource.manager.findOneBy(CreditApplicationRecord, { id: application.id });
    return this.toDto(application, record);
  }

  async list(principal: Principal, query: ListCreditApplicationsQuery): Promise<Page<CreditApplicationDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const builder = this.dataSource.manager
      .createQueryBuilder(CreditApplication, 'application')
      .leftJoinAndMapOne('application.record', CreditApplicationRecord, 'record', 'record.id = application.id');
    inChainOrder(visibleToParties(builder, 'application', principal), 'application', limit, query.cursor);
    if (query.enterprise) builder.andWhere('application.enterprise = :enterprise', { enterprise: normaliseAddress(query.enterprise) });
    if (query.merchant) builder.andWhere('application.merchant = :merchant', { merchant: normaliseAddress(query.merchant) });
    if (query.status) builder.andWhere('application.status = :status', { status: query.status });
    if (query.currency) builder.andWhere('application.currency = :currency', { currency: query.currency });
    const rows = (await builder.getMany()) as Array<CreditApplication & { record?: CreditApplicationRecord }>;
    return chainOrderPage(rows, limit, (row) => this.toDto(row, row.record ?? null));
  }

  private async find(id: string): Promise<CreditApplication> {
    const application = /^0x[0-9a-fA-F]{64}$/.test(id) ? await this.dataSource.manager.findOneBy(CreditApplication, { id: id.toLowerCase() }) : null;
    if (!application) throw new TallyError('CREDIT_APPLICATION_NOT_FOUND', { id });
    return application;
  }

  private toDto(row: CreditApplication, record: CreditApplicationRecord | null): CreditApplicationDto {
    return {
      id: row.id,
      enterprise: row.enterprise,
      enterpriseOrgId: row.enterpriseOrgCode,
      merchant: row.merchant,
      merchantOrgId: row.merchantOrgCode,
      currency: row.currency,
      requestedLimit: row.requestedLimit.toString(),
      termDays: row.termDays,
      expiresAt: new Date(Number(row.expiresAt) * 1000).toISOString(),
      reference: record?.reference ?? null,
      referenceHash: row.referenceHash,
      status: row.status,
      approvedLimit: row.approvedLimit?.toString() ?? null,
      reasonCode: row.reasonCode,
      lineId: row.status === 'APPROVED' ? row.id : null,
      submittedAt: row.submittedAt.toISOString(),
      decidedAt: row.decidedAt?.toISOString() ?? null,
      ...proofsOf(row),
    };
  }
}
