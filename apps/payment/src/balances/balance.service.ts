// Token balances from the payment view (as of the block it has projected).
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { normaliseAddress } from '#chain-adapter';
import { DEFAULT_PAGE_SIZE, decodeCursor, pageOf, type Page, type Principal } from '#common';
import type { BalanceDto, ListBalancesQuery } from './dto/balance.dto.js';

interface BalanceRow {
  holder: string;
  token_class_id: string;
  amount: string;
  updated_block_number: string;
  symbol: string;
  currency: string;
}

@Injectable()
export class BalanceService {
  constructor(private readonly dataSource: DataSource) {}

  /** An organisation sees the balances of its own accounts; the operator sees all. */
  async list(principal: Principal, query: ListBalancesQuery): Promise<Page<BalanceDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(query.cursor, 2);
    const conditions: string[] = ['b.amount > 0'];
    const values: unknown[] = [];
    const bind = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (principal.kind === 'organisation') conditions.push(`a.org_code = ${bind(principal.orgId)}`);
    if (query.holder) conditions.push(`b.holder = ${bind(normaliseAddress(query.holder))}`);
    if (query.tokenClassId) conditions.push(`b.token_class_id = ${bind(query.tokenClassId)}`);
    if (after) conditions.push(`(b.holder, b.token_class_id) > (${bind(after[0])}, ${bind(after[1])})`);
    const rows = (await this.dataSource.query(
      `SELECT b.holder, b.token_class_id, b.amount, b.updated_block_number, c.symbol, c.currency
         FROM balances b JOIN accounts a ON a.address = b.holder JOIN token_classes c ON c.id = b.token_class_id
        WHERE ${conditions.join(' AND ')}
        ORDER BY b.holder, b.token_class_id LIMIT ${bind(limit + 1)}`,
      values,
    )) as BalanceRow[];
    return pageOf(
      rows,
      limit,
      (row) => ({ holder: row.holder, tokenClassId: row.token_class_id, symbol: row.symbol, currency: row.currency, amount: row.amount, asOfBlock: row.updated_block_number }),
      (row) => [row.holder, row.token_class_id],
    );
  }
}
