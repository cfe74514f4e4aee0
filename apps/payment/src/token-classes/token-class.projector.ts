// TallyToken class events → token_classes and token_acceptances, and token-class.* events.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { bytes32ToSymbol, bytes3ToCurrencyCode, createdBy, orgCodeOf, type ChainEvent, type Projection } from '#chain-adapter';
import { appendEvents, eventTypes, type TokenAcceptanceChangedData, type TokenClassRegisteredData } from '#common';
import { TokenAcceptance, TokenClass } from './token-class.entity.js';

@Injectable()
export class TokenClassProjector implements Projection {
  readonly events = ['TallyToken.TokenClassRegistered', 'TallyToken.TokenAcceptanceChanged'] as const;
  readonly viewTables = ['token_classes', 'token_acceptances'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    const occurredAt = new Date(Number(event.blockTimestamp) * 1000);
    const tokenClassId = (event.args.tokenId as bigint).toString();
    if (event.name === 'TokenClassRegistered') {
      const row = {
        id: tokenClassId,
        issuerOrgCode: orgCodeOf(event.args.issuerOrgId as string),
        symbol: bytes32ToSymbol(event.args.symbol as string),
        currency: bytes3ToCurrencyCode(event.args.currency as string),
        decimals: Number(event.args.decimals),
        registeredAt: occurredAt,
        ...createdBy(event),
      };
      await manager.upsert(TokenClass, row, ['id']);
      const data: TokenClassRegisteredData = {
        operationId: event.args.operationId as string,
        tokenClassId,
        issuerOrgId: row.issuerOrgCode,
        symbol: row.symbol,
        currency: row.currency,
        decimals: row.decimals,
      };
      await appendEvents(manager, [{ type: eventTypes.tokenClassRegistered, orgId: row.issuerOrgCode, source: event.proof, occurredAt, data }]);
      return;
    }
    const merchant = event.args.merchant as string;
    const accepted = event.args.accepted as boolean;
    await manager.upsert(TokenAcceptance, { merchant, tokenClassId, accepted, ...createdBy(event) }, ['merchant', 'tokenClassId']);
    const data: TokenAcceptanceChangedData = { operationId: event.args.operationId as string, merchant, tokenClassId, accepted };
    await appendEvents(manager, [{ type: eventTypes.tokenClassAcceptanceChanged, orgId: null, source: event.proof, occurredAt, data }]);
  }
}
