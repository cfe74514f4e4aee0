// Statements per credit line and period: opening balance, the payments, refunds and settlements
// of the period, closing balance — from the line entries projected off the chain; JSON or CSV.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { assertParty } from '#chain-adapter';
import { TallyError, type Principal } from '#common';
import { LineEntry, SettlementLine } from '../bills/bill.entity.js';
import type { StatementDto, StatementQuery } from './statement.dto.js';

/** The most entries one statement lists; a longer period must be split. */
export const MAX_STATEMENT_ENTRIES = 10_000;

@Injectable()
export class StatementService {
  constructor(private readonly dataSource: DataSource) {}

  async statement(principal: Principal, query: StatementQuery): Promise<StatementDto> {
    const lineId = query.lineId.toLowerCase();
    const line = await this.dataSource.manager.findOneBy(SettlementLine, { id: lineId });
    if (!line) throw new TallyError('CREDIT_LINE_NOT_FOUND', { lineId });
    assertParty(principal, line, { lineId });
    const from = new Date(query.from);
    const to = new Date(query.to);
    if (!(from < to)) throw new TallyError('VALIDATION_FAILED', { fields: { to: ['must be after from'] } });
    const [opening] = (await this.dataSource.query(`SELECT coalesce(sum(amount), 0)::text AS balance FROM line_entries WHERE line_id = $1 AND occurred_at < $2`, [lineId, from])) as Array<{ balance: string }>;
    const entries = await this.dataSource.manager
      .createQueryBuilder(LineEntry, 'entry')
      .where('entry.line_id = :lineId AND entry.occurred_at >= :from AND entry.occurred_at < :to', { lineId, from, to })
      .orderBy('entry.block_number', 'ASC')
      .addOrderBy('entry.log_index', 'ASC')
      .take(MAX_STATEMENT_ENTRIES + 1)
      .getMany();
    if (entries.length > MAX_STATEMENT_ENTRIES) {
      throw new TallyError('VALIDATION_FAILED', { fields: { to: [`the period has more than ${MAX_STATEMENT_ENTRIES} entries; choose a shorter one`] } });
    }
    const sum = (kind: LineEntry['kind']) => entries.filter((entry) => entry.kind === kind).reduce((total, entry) => total + entry.amount, 0n);
    const openingBalance = BigInt(opening.balance);
    const closingBalance = entries.reduce((balance, entry) => balance + entry.amount, openingBalance);
    return {
      lineId,
      enterprise: line.enterprise,
      merchant: line.merchant,
      currency: line.currency,
      from: from.toISOString(),
      to: to.toISOString(),
      openingBalance: openingBalance.toString(),
      payments: sum('PAYMENT').toString(),
      refunds: (-sum('REFUND')).toString(),
      settlements: (-sum('SETTLEMENT')).toString(),
      closingBalance: closingBalance.toString(),
      entries: entries.map((entry) => ({
        occurredAt: entry.occurredAt.toISOString(),
        kind: entry.kind,
        referenceId: entry.referenceId,
        amount: entry.amount.toString(),
        txHash: entry.txHash,
        blockNumber: entry.blockNumber,
      })),
    };
  }

  toCsv(statement: StatementDto): string {
    const lines = [
      `# statement of credit line ${statement.lineId} (${statement.currency}, minor units), ${statement.from} to ${statement.to}`,
      'occurred_at,kind,reference_id,amount,tx_hash,block_number',
      `${statement.from},OPENING_BALANCE,,${statement.openingBalance},,`,
      ...statement.entries.map((entry) => [entry.occurredAt, entry.kind, entry.referenceId, entry.amount, entry.txHash, entry.blockNumber].join(',')),
      `${statement.to},CLOSING_BALANCE,,${statement.closingBalance},,`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
