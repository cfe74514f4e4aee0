// Lists of view rows in chain order (block, log): the cursor is the last row's position, so pages
// stay stable while new rows are projected; and the rows an organisation may see as a party.
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { TallyError, decodeCursor, pageOf, type Page, type Principal } from '#common';
import type { ProjectedRow } from './projected-row.js';

/** Orders by chain position, applies the cursor and fetches one row more than the page. */
export function inChainOrder<T extends ObjectLiteral>(builder: SelectQueryBuilder<T>, alias: string, limit: number, cursor: string | undefined): SelectQueryBuilder<T> {
  const after = decodeCursor(cursor, 2);
  builder.orderBy(`${alias}.block_number`, 'ASC').addOrderBy(`${alias}.log_index`, 'ASC').take(limit + 1);
  if (after) builder.andWhere(`(${alias}.block_number, ${alias}.log_index) > (:afterBlock, :afterLog)`, { afterBlock: after[0], afterLog: after[1] });
  return builder;
}

/** The page of rows fetched by `inChainOrder`, its cursor the last row's chain position. */
export function chainOrderPage<Row extends ProjectedRow, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item): Page<Item> {
  return pageOf(rows, limit, toItem, (row) => [row.blockNumber, row.logIndex]);
}

/** Rows where the caller's organisation is the enterprise's or the merchant's (the operator sees all). */
export function visibleToParties<T extends ObjectLiteral>(builder: SelectQueryBuilder<T>, alias: string, principal: Principal): SelectQueryBuilder<T> {
  if (principal.kind === 'organisation') {
    builder.andWhere(`(${alias}.enterprise_org_code = :partyOrg OR ${alias}.merchant_org_code = :partyOrg)`, { partyOrg: principal.orgId });
  }
  return builder;
}

/** Refuses (FORBIDDEN) an organisation that is neither the row's enterprise nor its merchant; the operator sees all. */
export function assertParty(principal: Principal | undefined, row: { enterpriseOrgCode: string; merchantOrgCode: string }, details: Record<string, unknown>): void {
  if (principal?.kind === 'organisation' && principal.orgId !== row.enterpriseOrgCode && principal.orgId !== row.merchantOrgCode) {
    throw new TallyError('FORBIDDEN', details);
  }
}
