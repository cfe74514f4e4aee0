// S5 settlements. The enterprise settles UNSETTLED bills of one line — chosen by id, or all due up
// to a cut-off, resolved into ids here before it signs — by tokens (locked in escrow at once) or by
// bank transfer; the merchant confirms or rejects; the enterprise cancels before a decision, and
// either party's organisation after the response deadline. The chain decides and moves everything.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  assertParty,
  ChainClient,
  PartySigner,
  WritePath,
  billsHashOf,
  cancelSettlementOperation,
  chainOrderPage,
  decideSettlementOperation,
  inChainOrder,
  initiateSettlementOperation,
  operationIdOf,
  proofsOf,
  readBill,
  readCreditLine,
  referenceHashOf,
  settlementMethodCodes,
  settlementOutcomeCodes,
  signingDeadline,
  visibleToParties,
  writeResultOf,
} from '#chain-adapter';
import { DEFAULT_PAGE_SIZE, TallyError, organisationOf, requestHashOf, type Page, type Principal, type SignedWriteDto, type WriteResult } from '#common';
import { SettlementLine, SettlementTokenClass } from '../bills/bill.entity.js';
import { MAX_BILLS_PER_SETTLEMENT, type CreateSettlementDto, type ListSettlementsQuery, type SettlementDto } from './dto/settlement.dto.js';
import { Settlement, SettlementRecord } from './settlement.entity.js';

const DEFAULT_RESPONSE_WINDOW_SECONDS = 7n * 86_400n;
const ZERO_BYTES32 = `0x${'0'.repeat(64)}`;

@Injectable()
export class SettlementService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
    private readonly writes: WritePath,
    private readonly signer: PartySigner,
  ) {}

  async initiate(principal: Principal, idempotencyKey: string, request: CreateSettlementDto): Promise<WriteResult<SettlementDto>> {
    const orgId = organisationOf(principal);
    const lineId = request.lineId.toLowerCase();
    const line = await this.dataSource.manager.findOneBy(SettlementLine, { id: lineId });
    if (!line) throw new TallyError('CREDIT_LINE_NOT_FOUND', { lineId });
    if (line.enterpriseOrgCode !== orgId) throw new TallyError('FORBIDDEN', { lineId, reason: "the enterprise's organisation settles" });
    if (request.billIds && request.cutOff) throw new TallyError('VALIDATION_FAILED', { fields: { cutOff: ['send billIds or cutOff, not both'] } });
    if (request.method === 'TOKEN' && !(await this.dataSource.manager.existsBy(SettlementTokenClass, { id: request.tokenClassId! }))) {
      throw new TallyError('TOKEN_CLASS_NOT_FOUND', { tokenClassId: request.tokenClassId });
    }
    const operationId = operationIdOf(orgId, idempotencyKey);
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: 'settlement.initiate', ...request }),
      prepare: async () => {
        const now = await this.chain.latestTimestamp();
        const billIds = request.billIds ? request.billIds.map((id) => id.toLowerCase()) : await this.billsDueBy(lineId, request.cutOff!);
        const total = await this.outstandingOf(lineId, billIds);
        const responseDeadline = request.responseDeadline ? BigInt(Math.floor(Date.parse(request.responseDeadline) / 1000)) : now + DEFAULT_RESPONSE_WINDOW_SECONDS;
        if (responseDeadline <= now || responseDeadline > now + 90n * 86_400n) {
          throw new TallyError('RESPONSE_DEADLINE_INVALID', { responseDeadline: request.responseDeadline, chainTime: new Date(Number(now) * 1000).toISOString() });
        }
        const message = {
          operationId,
          lineId,
          billsHash: billsHashOf(billIds),
          total,
          method: settlementMethodCodes[request.method],
          tokenId: request.method === 'TOKEN' ? BigInt(request.tokenClassId!) : 0n,
          bankReferenceHash: request.method === 'OFFCHAIN' ? referenceHashOf(request.bankReference!) : ZERO_BYTES32,
          responseDeadline,
          deadline: await signingDeadline(this.chain, request.deadline),
        };
        const signature = await this.signer.sign({ kind: 'ACCOUNT', orgId, address: line.enterprise }, this.chain.typedData('Settlement', message), request.signature);
        return {
          operation: initiateSettlementOperation(message, billIds, signature),
          resourceId: operationId,
          saveRecords: async (manager) => {
            await manager.insert(SettlementRecord, { id: operationId, bankReference: request.method === 'OFFCHAIN' ? request.bankReference! : null });
          },
        };
      },
    });
    return writeResultOf(outcome, (id) => this.get(id), this.chain.chainId);
  }

  /** The merchant's confirmation or rejection; its organisation calls, the merchant signs. */
  async decide(principal: Principal, id: string, outcome: 'CONFIRM' | 'REJECT', idempotencyKey: string, request: SignedWriteDto & { reasonCode?: number }): Promise<WriteResult<SettlementDto>> {
    const orgId = organisationOf(principal);
    const settlement = await this.find(id);
    if (settlement.merchantOrgCode !== orgId) throw new TallyError('FORBIDDEN', { settlementId: id, reason: "the merchant's organisation decides" });
    const operationId = operationIdOf(orgId, idempotencyKey);
    const result = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: `settlement.${outcome}`, settlementId: settlement.id, ...request }),
      prepare: async () => {
        const message = {
          operationId,
          settlementId: settlement.id,
          outcome: settlementOutcomeCodes[outcome],
          reasonCode: outcome === 'REJECT' ? request.reasonCode! : 0,
          deadline: await signingDeadline(this.chain, request.deadline),
        };
        const signature = await this.signer.sign({ kind: 'ACCOUNT', orgId, address: settlement.merchant }, this.chain.typedData('SettlementDecision', message), request.signature);
        return { operation: decideSettlementOperation(message, settlement.billIds, signature), resourceId: settlement.id };
      },
    });
    return writeResultOf(result, (resourceId) => this.get(resourceId), this.chain.chainId);
  }

  /**
   * Cancels: the enterprise (it signs) before the response deadline; after it, the organisation of
   * either party, without a signature — a silent merchant never keeps bills or tokens locked.
   */
  async cancel(principal: Principal, id: string, idempotencyKey: string, request: SignedWriteDto): Promise<WriteResult<SettlementDto>> {
    const orgId = organisationOf(principal);
    const settlement = await this.find(id);
    const afterDeadline = (await this.chain.latestTimestamp()) > settlement.responseDeadline;
    const mayCancel = orgId === settlement.enterpriseOrgCode || (afterDeadline && orgId === settlement.merchantOrgCode);
    if (!mayCancel) throw new TallyError('FORBIDDEN', { settlementId: id, reason: "the enterprise's organisation cancels; after the response deadline either party's may" });
    const operationId = operationIdOf(orgId, idempotencyKey);
    const result = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: 'settlement.cancel', settlementId: settlement.id, ...request }),
      prepare: async () => {
        const message = { operationId, settlementId: settlement.id, deadline: await signingDeadline(this.chain, request.deadline) };
        const signature = afterDeadline
          ? '0x'
          : await this.signer.sign({ kind: 'ACCOUNT', orgId, address: settlement.enterprise }, this.chain.typedData('SettlementCancellation', message), request.signature);
        return { operation: cancelSettlementOperation(message, settlement.billIds, signature), resourceId: settlement.id };
      },
    });
    return writeResultOf(result, (resourceId) => this.get(resourceId), this.chain.chainId);
  }

  async get(id: string, principal?: Principal): Promise<SettlementDto> {
    const settlement = await this.find(id);
    assertParty(principal, settlement, { id });
    const record = await this.dataSource.manager.findOneBy(SettlementRecord, { id: settlement.id });
    return this.toDto(settlement, record);
  }

  async list(principal: Principal, query: ListSettlementsQuery): Promise<Page<SettlementDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const builder = this.dataSource.manager
      .createQueryBuilder(Settlement, 'settlement')
      .leftJoinAndMapOne('settlement.record', SettlementRecord, 'record', 'record.id = settlement.id');
    inChainOrder(visibleToParties(builder, 'settlement', principal), 'settlement', limit, query.cursor);
    if (query.lineId) builder.andWhere('settlement.line_id = :lineId', { lineId: query.lineId.toLowerCase() });
    if (query.status) builder.andWhere('settlement.status = :status', { status: query.status });
    if (query.method) builder.andWhere('settlement.method = :method', { method: query.method });
    const rows = (await builder.getMany()) as Array<Settlement & { record?: SettlementRecord }>;
    return chainOrderPage(rows, limit, (row) => this.toDto(row, row.record ?? null));
  }

  private async find(id: string): Promise<Settlement> {
    const settlement = /^0x[0-9a-fA-F]{64}$/.test(id) ? await this.dataSource.manager.findOneBy(Settlement, { id: id.toLowerCase() }) : null;
    if (!settlement) throw new TallyError('SETTLEMENT_NOT_FOUND', { id });
    return settlement;
  }

  /** The oldest UNSETTLED bills of the line due up to the cut-off. */
  private async billsDueBy(lineId: string, cutOff: string): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT id FROM bills WHERE line_id = $1 AND status = 'UNSETTLED' AND due_at <= $2 ORDER BY due_at, id LIMIT $3`,
      [lineId, Math.floor(Date.parse(cutOff) / 1000), MAX_BILLS_PER_SETTLEMENT],
    )) as Array<{ id: string }>;
    if (rows.length === 0) throw new TallyError('VALIDATION_FAILED', { fields: { cutOff: ['no UNSETTLED bill of the line is due by then'] } });
    return rows.map((row) => row.id);
  }

  /** What the bills owe now, read from the chain (the signed total must match it exactly). */
  private async outstandingOf(lineId: string, billIds: string[]): Promise<bigint> {
    if ((await readCreditLine(this.chain, lineId)).status === 'NONE') throw new TallyError('CREDIT_LINE_NOT_FOUND', { lineId });
    let total = 0n;
    for (const billId of billIds) {
      const bill = await readBill(this.chain, billId);
      if (bill.status === 'NONE') throw new TallyError('BILL_NOT_FOUND', { billId });
      if (bill.status !== 'UNSETTLED' || bill.lineId.toLowerCase() !== lineId) throw new TallyError('BILL_NOT_SETTLEABLE', { billId, status: bill.status, lineId: bill.lineId });
      total += bill.amount - bill.refunded;
    }
    return total;
  }

  private toDto(row: Settlement, record: SettlementRecord | null): SettlementDto {
    return {
      id: row.id,
      lineId: row.lineId,
      enterprise: row.enterprise,
      enterpriseOrgId: row.enterpriseOrgCode,
      merchant: row.merchant,
      merchantOrgId: row.merchantOrgCode,
      currency: row.currency,
      method: row.method,
      tokenClassId: row.tokenClassId,
      bankReference: record?.bankReference ?? null,
      bankReferenceHash: row.bankReferenceHash,
      total: row.total.toString(),
      billIds: row.billIds,
      responseDeadline: new Date(Number(row.responseDeadline) * 1000).toISOString(),
      status: row.status,
      reasonCode: row.reasonCode,
      initiatedAt: row.initiatedAt.toISOString(),
      decidedAt: row.decidedAt?.toISOString() ?? null,
      ...proofsOf(row),
    };
  }
}
