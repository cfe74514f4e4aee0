// NATS request-reply for the other services: a credit line's view, and the credit views for
// reconciliation.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import { readAtCursor } from '#chain-adapter';
import {
  MAX_RECONCILIATION_ROWS,
  TallyError,
  requestSubjects,
  type CreditLineGetReply,
  type CreditLineGetRequest,
  type ReconciliationSnapshot,
} from '#common';
import { CreditLineService } from './credit-line.service.js';

@Controller()
export class CreditLineHandlers {
  constructor(
    private readonly lines: CreditLineService,
    private readonly dataSource: DataSource,
  ) {}

  @MessagePattern(requestSubjects.reconciliation('credit'))
  async snapshot(): Promise<ReconciliationSnapshot> {
    const { block, value } = await readAtCursor(this.dataSource, 'credit', async (manager) => ({
      lines: (await manager.query(
        `SELECT id, credit_account_id AS "creditAccountId", used::text AS used, "limit"::text AS "limit", status FROM credit_lines ORDER BY id LIMIT $1`,
        [MAX_RECONCILIATION_ROWS + 1],
      )) as NonNullable<ReconciliationSnapshot['creditLines']>,
      accounts: (await manager.query(
        `SELECT id, used::text AS used, ceiling::text AS ceiling, status FROM credit_accounts ORDER BY id LIMIT $1`,
        [MAX_RECONCILIATION_ROWS + 1],
      )) as NonNullable<ReconciliationSnapshot['creditAccounts']>,
    }));
    return {
      service: 'credit',
      projectedBlock: block.toString(),
      truncated: value.lines.length > MAX_RECONCILIATION_ROWS || value.accounts.length > MAX_RECONCILIATION_ROWS,
      creditLines: value.lines.slice(0, MAX_RECONCILIATION_ROWS),
      creditAccounts: value.accounts.slice(0, MAX_RECONCILIATION_ROWS),
    };
  }

  @MessagePattern(requestSubjects.credit.creditLineGet)
  async get(@Payload() request: CreditLineGetRequest): Promise<CreditLineGetReply> {
    if (typeof request?.lineId !== 'string') throw new TallyError('VALIDATION_FAILED', { lineId: 'required' });
    return this.lines.view(request.lineId);
  }
}
