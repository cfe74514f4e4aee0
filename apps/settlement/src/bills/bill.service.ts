// Bills as the chain keeps them, listed by status, line, counterparty, period and overdue, with totals.
import { Injectable } from '@nestjs/common';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import {
  assertParty,
  ChainClient,
  chainOrderPage,
  inChainOrder,
  normaliseAddress,
  proofsOf,
  visibleToParties,
} from '#chain-adapter';
import { DEFAULT_PAGE_SIZE, TallyError, type Principal } from '#common';
import { Bill } from './bill.entity.js';
import type { BillDto, BillPageDto, ListBillsQuery } from './dto/bill.dto.js';

const OPEN_STATUSES = ['UNSETTLED', 'IN_SETTLEMENT'];

@Injectable()
export class BillService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
  ) {}

  async list(principal: Principal, query: ListBillsQuery): Promise<BillPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const now = await this.chain.latestTimestamp();
    const filtered = () => {
      const builder = this.dataSource.manager.createQueryBuilder(Bill, 'bill');
      this.applyFilters(builder, principal, query, now);
      return builder;
    };
    const page = inChainOrder(filtered(), 'bill', limit, query.cursor);
    const [rows, totals] = await Promise.all([
      page.getMany(),
      filtered()
        .select('count(*)::int', 'count')
        .addSelect('coalesce(sum(bill.amount), 0)::text', 'amount')
        .addSelect(`coalesce(sum(CASE WHEN bill.status IN ('UNSETTLED', 'IN_SETTLEMENT') THEN bill.amount - bill.refunded ELSE 0 END), 0)::text`, 'outstanding')
        .getRawOne<{ count: number; amount: string; outstanding: string }>(),
    ]);
    return {
      ...chainOrderPage(rows, limit, (row) => this.toDto(row, now)),
      totals: { count: totals?.count ?? 0, amount: totals?.amount ?? '0', outstanding: totals?.outstanding ?? '0' },
    };
  }

  async get(id: string, principal: Principal): Promise<BillDto> {
    const bill = /^0x[0-9a-fA-F]{64}$/.test(id) ? await this.dataSource.manager.findOneBy(Bill, { id: id.toLowerCase() }) : null;
    if (!bill) throw new TallyError('BILL_NOT_FOUND', { id });
    assertParty(principal, bill, { id });
    return this.toDto(bill, await this.chain.latestTimestamp());
  }

  private applyFilters(builder: SelectQueryBuilder<Bill>, principal: Principal, query: ListBillsQuery, now: bigint): void {
    visibleToParties(builder, 'bill', principal);
    if (query.lineId) builder.andWhere('bill.line_id = :lineId', { lineId: query.lineId.toLowerCase() });
    if (query.status) builder.andWhere('bill.status = :status', { status: query.status });
    if (query.counterparty) {
      builder.andWhere('(bill.enterprise = :counterparty OR bill.merchant = :counterparty)', { counterparty: normaliseAddress(query.counterparty) });
    }
    if (query.from) builder.andWhere('bill.recorded_at >= :from', { from: new Date(query.from) });
    if (query.to) builder.andWhere('bill.recorded_at < :to', { to: new Date(query.to) });
    if (query.overdue === 'true') builder.andWhere('bill.status IN (:...open) AND bill.due_at < :now', { open: OPEN_STATUSES, now: now.toString() });
    if (query.overdue === 'false') builder.andWhere('NOT (bill.status IN (:...open) AND bill.due_at < :now)', { open: OPEN_STATUSES, now: now.toString() });
  }

  toDto(row: Bill, now: bigint): BillDto {
    const open = OPEN_STATUSES.includes(row.status);
    return {
      id: row.id,
      lineId: row.lineId,
      enterprise: row.enterprise,
      enterpriseOrgId: row.enterpriseOrgCode,
      merchant: row.merchant,
      merchantOrgId: row.merchantOrgCode,
      currency: row.currency,
      amount: row.amount.toString(),
      refunded: row.refunded.toString(),
      outstanding: (open ? row.amount - row.refunded : 0n).toString(),
      status: row.status,
      settlementId: row.settlementId,
      dueAt: new Date(Number(row.dueAt) * 1000).toISOString(),
      overdue: open && row.dueAt < now,
      recordedAt: row.recordedAt.toISOString(),
      ...proofsOf(row),
    };
  }
}
