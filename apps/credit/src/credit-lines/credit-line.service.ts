// S3 credit lines: the merchant adjusts the limit (never below used), suspends, resumes or closes;
// the enterprise closes a line it does not use. Other services read lines over NATS.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  assertParty,
  ChainClient,
  PartySigner,
  WritePath,
  chainOrderPage,
  changeCreditLineOperation,
  creditLineActionCodes,
  inChainOrder,
  normaliseAddress,
  operationIdOf,
  partyCodes,
  proofsOf,
  signingDeadline,
  visibleToParties,
  writeResultOf,
  type CreditLineAction,
} from '#chain-adapter';
import {
  DEFAULT_PAGE_SIZE,
  TallyError,
  organisationOf,
  requestHashOf,
  SignedWriteDto,
  type CreditLineView,
  type Page,
  type Principal,
  type WriteResult,
} from '#common';
import { CreditApplicationRecord } from '../credit-applications/credit-application.entity.js';
import type { CreditLineDto, ListCreditLinesQuery } from './dto/credit-line.dto.js';
import { CreditLine } from './credit-line.entity.js';
import { DEFAULT_UTILISATION_THRESHOLDS } from './utilisation.js';

export interface CreditLineChangeRequest extends SignedWriteDto {
  actor: 'MERCHANT' | 'ENTERPRISE';
  limit?: string;
}

@Injectable()
export class CreditLineService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
    private readonly writes: WritePath,
    private readonly signer: PartySigner,
  ) {}

  async change(principal: Principal, lineId: string, action: CreditLineAction, idempotencyKey: string, request: CreditLineChangeRequest): Promise<WriteResult<CreditLineDto>> {
    const orgId = organisationOf(principal);
    const line = await this.find(lineId);
    const signerAddress = request.actor === 'MERCHANT' ? line.merchant : line.enterprise;
    const signerOrg = request.actor === 'MERCHANT' ? line.merchantOrgCode : line.enterpriseOrgCode;
    if (signerOrg !== orgId) throw new TallyError('FORBIDDEN', { lineId, reason: `the ${request.actor.toLowerCase()}'s organisation does this` });
    const operationId = operationIdOf(orgId, idempotencyKey);
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: `credit-line.${action}`, lineId: line.id, ...request }),
      prepare: async () => {
        const message = {
          operationId,
          lineId: line.id,
          action: creditLineActionCodes[action],
          actor: partyCodes[request.actor],
          limit: request.limit === undefined ? 0n : BigInt(request.limit),
          deadline: await signingDeadline(this.chain, request.deadline),
        };
        const signature = await this.signer.sign(
          { kind: 'ACCOUNT', orgId, address: signerAddress },
          this.chain.typedData('CreditLineChange', message),
          request.signature,
        );
        return { operation: changeCreditLineOperation(message, signature), resourceId: line.id };
      },
    });
    return writeResultOf(outcome, (id) => this.get(id), this.chain.chainId);
  }

  async get(id: string, principal?: Principal): Promise<CreditLineDto> {
    const line = await this.find(id);
    assertParty(principal, line, { id });
    const record = await this.dataSource.manager.findOneBy(CreditApplicationRecord, { id: line.id });
    return this.toDto(line, record, await this.chain.latestTimestamp());
  }

  async list(principal: Principal, query: ListCreditLinesQuery): Promise<Page<CreditLineDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const builder = this.dataSource.manager
      .createQueryBuilder(CreditLine, 'line')
      .leftJoinAndMapOne('line.record', CreditApplicationRecord, 'record', 'record.id = line.id');
    inChainOrder(visibleToParties(builder, 'line', principal), 'line', limit, query.cursor);
    if (query.enterprise) builder.andWhere('line.enterprise = :enterprise', { enterprise: normaliseAddress(query.enterprise) });
    if (query.merchant) builder.andWhere('line.merchant = :merchant', { merchant: normaliseAddress(query.merchant) });
    if (query.status) builder.andWhere('line.status = :status', { status: query.status });
    if (query.currency) builder.andWhere('line.currency = :currency', { currency: query.currency });
    const [rows, now] = await Promise.all([builder.getMany() as Promise<Array<CreditLine & { record?: CreditApplicationRecord }>>, this.chain.latestTimestamp()]);
    return chainOrderPage(rows, limit, (row) => this.toDto(row, row.record ?? null, now));
  }

  /** The line as other services see it (NATS credit-line.get); null when unknown. */
  async view(lineId: string): Promise<CreditLineView | null> {
    if (!/^0x[0-9a-fA-F]{64}$/.test(lineId)) return null;
    const line = await this.dataSource.manager.findOneBy(CreditLine, { id: lineId.toLowerCase() });
    if (!line) return null;
    const record = await this.dataSource.manager.findOneBy(CreditApplicationRecord, { id: line.id });
    const { lastChange: _lastChange, openedAt: _openedAt, ...view } = this.toDto(line, record, await this.chain.latestTimestamp());
    return view as CreditLineView;
  }

  private async find(id: string): Promise<CreditLine> {
    const line = /^0x[0-9a-fA-F]{64}$/.test(id) ? await this.dataSource.manager.findOneBy(CreditLine, { id: id.toLowerCase() }) : null;
    if (!line) throw new TallyError('CREDIT_LINE_NOT_FOUND', { id });
    return line;
  }

  private toDto(row: CreditLine, record: CreditApplicationRecord | null, now: bigint): CreditLineDto {
    return {
      id: row.id,
      creditAccountId: row.creditAccountId,
      enterprise: row.enterprise,
      enterpriseOrgId: row.enterpriseOrgCode,
      merchant: row.merchant,
      merchantOrgId: row.merchantOrgCode,
      currency: row.currency,
      limit: row.limit.toString(),
      used: row.used.toString(),
      available: (row.limit > row.used ? row.limit - row.used : 0n).toString(),
      termDays: row.termDays,
      expiresAt: new Date(Number(row.expiresAt) * 1000).toISOString(),
      usable: row.status === 'ACTIVE' && row.expiresAt > now,
      status: row.status,
      utilisationThresholds: record?.utilisationThresholds ?? [...DEFAULT_UTILISATION_THRESHOLDS],
      openedAt: row.openedAt.toISOString(),
      ...proofsOf(row),
    };
  }
}
